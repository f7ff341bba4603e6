"""great-expectations gate for loads (placeholder: owned by the data-checks work)."""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import polars as pl


@dataclass
class CheckOutcome:
    suite: str
    results: list[dict] = field(default_factory=list)
    critical_failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.critical_failures


def validate_batch(kind: str, frame: pl.DataFrame) -> CheckOutcome:
    return CheckOutcome(suite=f"raw_{kind}")


def validate_marts(con: duckdb.DuckDBPyConnection) -> CheckOutcome:
    return CheckOutcome(suite="marts")


def record_outcome(con: duckdb.DuckDBPyConnection, batch_id: int | None, outcome: CheckOutcome) -> None:
    return None
