"""The reconciliation of one load: 读取 = 新增 + 更新 + 重复 + 隔离.

Built either from the importer's LoadResult (right after an upload) or from an
`etl_batch` row (on the data-quality page), so both pages render the same card.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Reconciliation:
    file: str
    kind: str
    read: int
    loaded: int
    updated: int
    duplicates: int
    quarantined: int
    batch_id: int | None = None
    footer_lines: int = 0  # 合计 / 制表人 / blank lines below the data: skipped, not part of `read`
    malformed: int = 0  # part of `quarantined`: records with the wrong field count (malformed_record)

    @property
    def accounted(self) -> int:
        return self.loaded + self.updated + self.duplicates + self.quarantined

    @property
    def balances(self) -> bool:
        """True when every row read is accounted for (nothing dropped silently)."""
        return self.read == self.accounted


def build_from_load_result(result: Any) -> Reconciliation:
    """From a warehouse.importer LoadResult (duck-typed: only its documented fields are read)."""
    return Reconciliation(
        file=str(result.file),
        kind=str(result.kind or ""),
        read=int(result.read),
        loaded=int(result.loaded),
        updated=int(result.updated),
        duplicates=int(result.duplicates),
        quarantined=int(result.quarantined),
        batch_id=None if result.batch_id is None else int(result.batch_id),
        footer_lines=int(getattr(result, "footer_lines", 0) or 0),
        malformed=int(getattr(result, "malformed", 0) or 0),
    )


def build_from_batch_row(row: Mapping[str, Any]) -> Reconciliation:
    """From one `etl_batch` row as a dict."""
    return Reconciliation(
        file=str(row["file_name"]),
        kind=str(row["kind"]),
        read=int(row["rows_read"]),
        loaded=int(row["rows_loaded"]),
        updated=int(row["rows_updated"]),
        duplicates=int(row["rows_duplicate"]),
        quarantined=int(row["rows_quarantined"]),
        batch_id=int(row["batch_id"]),
        footer_lines=int(row.get("rows_footer") or 0),
        malformed=int(row.get("rows_malformed") or 0),
    )
