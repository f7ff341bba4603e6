"""What a load or a preview reports back (CLI, import page, demo, tests)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from warehouse.importer.rules import QUARANTINE_SCHEMA

# The `--json` object of `python -m warehouse load` (ARCHITECTURE.md): exactly these keys, in this order.
JSON_KEYS = (
    "file",
    "kind",
    "read",
    "loaded",
    "updated",
    "duplicates",
    "quarantined",
    "rejected",
    "message",
    "batch_id",
)
# Added after the contract's keys: lines skipped as report footers (not read) and malformed records (in
# `quarantined`, rule malformed_record).
EXTRA_JSON_KEYS = ("footer_lines", "malformed")


def empty_quarantine() -> pl.DataFrame:
    return pl.DataFrame(schema=QUARANTINE_SCHEMA)


@dataclass
class LoadResult:
    file: str
    kind: str | None
    read: int = 0
    loaded: int = 0
    updated: int = 0
    duplicates: int = 0
    quarantined: int = 0  # rows with at least one rule broken
    rejected: bool = False
    message: str = ""
    batch_id: int | None = None
    quarantine_rows: pl.DataFrame = field(default_factory=empty_quarantine)  # one row per broken rule
    footer_lines: int = 0  # 合计 / 制表人 / blank lines below the data: skipped, not in `read`
    malformed: int = 0  # records with the wrong field count (quarantined as malformed_record)
    warnings: list[str] = field(default_factory=list)  # e.g. region_unknown: cases loaded as 未知地区

    @property
    def reconciles(self) -> bool:
        return self.read == self.loaded + self.updated + self.duplicates + self.quarantined

    def to_json(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in (*JSON_KEYS, *EXTRA_JSON_KEYS)}


@dataclass
class Preview:
    """How a file would be read and mapped, before anything is loaded."""

    file: str
    kind: str | None
    profile: str
    format: str | None = None  # csv | xlsx | parquet
    encoding: str | None = None
    separator: str | None = None
    skipped_lines: int = 0  # junk lines above the header
    footer_lines: int = 0  # 合计 / 制表人 / blank lines below the data
    sheet: str | None = None  # the worksheet read (xlsx)
    sheets: list[str] = field(default_factory=list)  # every worksheet of the workbook (xlsx)
    malformed: int = 0  # records with the wrong field count (would be quarantined)
    warnings: list[str] = field(default_factory=list)  # e.g. region_unknown
    read: int = 0  # data rows in the file
    mapping: dict[str, str] = field(default_factory=dict)  # field -> header as written
    unmapped: list[str] = field(default_factory=list)  # headers no field uses (ignored)
    sample: pl.DataFrame = field(default_factory=pl.DataFrame)  # first rows as read, headers as written
    normalised: pl.DataFrame = field(default_factory=pl.DataFrame)  # same rows, canonical Chinese headers
    quarantined: int = 0  # rows of the whole file that would go to quarantine
    quarantine_rows: pl.DataFrame = field(default_factory=empty_quarantine)
    message: str = ""  # why the file would be rejected ("" when it would load)

    @property
    def ok(self) -> bool:
        return not self.message
