"""Read-only views of the warehouse's bookkeeping for the data pages.

What the warehouse holds, the import batches, quarantined rows and data-quality
results. Every function takes an open DuckDB connection (a read-only snapshot)
and returns a Polars frame or a small dataclass; no Streamlit here, so the same
code serves pages, CLI and tests.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from dashboard.engine.i18n import kind_label, table_label
from dashboard.views.sql_files import view_sql

# Landing and bookkeeping tables, in the order the overview lists them.
BOOKKEEPING_TABLES = ("raw_cases", "raw_customers", "raw_events", "quarantine", "etl_batch", "dq_result")
# Marts worth counting when they exist (they are built by the marts work).
MART_TABLES = ("fct_complaint", "fct_customer_base", "fct_case_stage")


@dataclass(frozen=True)
class WarehouseSummary:
    tables: dict[str, int] = field(default_factory=dict)
    cases: int = 0
    customer_rows: int = 0
    event_rows: int = 0
    batches: int = 0
    quarantined: int = 0
    earliest_received_at: datetime | None = None
    latest_received_at: datetime | None = None
    last_load_at: datetime | None = None
    last_load_file: str | None = None

    @property
    def is_empty(self) -> bool:
        return self.batches == 0 and self.cases == 0


def list_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.sql("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()
    return {name for (name,) in rows}


def count_rows(con: duckdb.DuckDBPyConnection, table: str) -> int:
    # `table` comes from the fixed tuples above, never from user input.
    return int(con.sql(f'SELECT count(*) FROM "{table}"').fetchall()[0][0])


def summarise_warehouse(con: duckdb.DuckDBPyConnection) -> WarehouseSummary:
    """Row counts, distinct cases, the received-time range and the last load."""
    present = list_tables(con)
    counted = [t for t in (*BOOKKEEPING_TABLES, *MART_TABLES) if t in present]
    tables = {t: count_rows(con, t) for t in counted}
    cases, earliest, latest = 0, None, None
    if "fct_complaint" in present:
        # One row per (source_system, case_id), latest version: the distinct cases without a 10M-row DISTINCT.
        cases, earliest, latest = con.sql(
            "SELECT count(*), min(received_at), max(received_at) FROM fct_complaint"
        ).fetchall()[0]
    elif "raw_cases" in present:
        cases, earliest, latest = con.sql(
            "SELECT count(DISTINCT (source_system, case_id)), min(received_at), max(received_at) FROM raw_cases"
        ).fetchall()[0]
    last_at, last_file = None, None
    if "etl_batch" in present:
        last = con.sql(
            "SELECT coalesce(finished_at, started_at), file_name FROM etl_batch ORDER BY batch_id DESC LIMIT 1"
        ).fetchall()
        if last:
            last_at, last_file = last[0]
    return WarehouseSummary(
        tables=tables,
        cases=int(cases or 0),
        customer_rows=tables.get("raw_customers", 0),
        event_rows=tables.get("raw_events", 0),
        batches=tables.get("etl_batch", 0),
        quarantined=tables.get("quarantine", 0),
        earliest_received_at=earliest,
        latest_received_at=latest,
        last_load_at=last_at,
        last_load_file=last_file,
    )


def build_table_counts(summary: WarehouseSummary) -> pl.DataFrame:
    """One row per table: name, Chinese description, rows."""
    return pl.DataFrame(
        {
            "table": list(summary.tables),
            "table_label": [table_label(t) for t in summary.tables],
            "rows": list(summary.tables.values()),
        },
        schema={"table": pl.String, "table_label": pl.String, "rows": pl.Int64},
    )


def list_batches(con: duckdb.DuckDBPyConnection, limit: int = 100) -> pl.DataFrame:
    """The latest import batches, newest first (footer and malformed counts: 0 for warehouses built before them)."""
    present = {
        name
        for (name,) in con.sql(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'etl_batch'"
        ).fetchall()
    }
    extras = ", ".join(
        name if name in present else f"0::BIGINT AS {name}" for name in ("rows_footer", "rows_malformed")
    )
    return con.sql(
        view_sql("batches", extras=extras),
        params={"limit": limit},
    ).pl()


def count_quarantine_by_rule(con: duckdb.DuckDBPyConnection, batch_id: int | None = None) -> pl.DataFrame:
    """Quarantined records per rule (one batch, or all batches), most frequent first."""
    return con.sql(
        view_sql("quarantine_by_rule"),
        params={"batch_id": batch_id},
    ).pl()


def list_quarantine_rows(con: duckdb.DuckDBPyConnection, batch_id: int, limit: int = 10_000) -> pl.DataFrame:
    """The quarantined rows of one batch with the rule each broke, in file order."""
    return con.sql(
        view_sql("quarantine_rows"),
        params={"batch_id": batch_id, "limit": limit},
    ).pl()


def list_check_results(con: duckdb.DuckDBPyConnection, batch_id: int | None) -> pl.DataFrame:
    """Data-quality results of one batch; with None, the latest mart checks (no batch)."""
    return con.sql(
        view_sql("check_results"),
        params={"batch_id": batch_id},
    ).pl()


def describe_batches(batches: pl.DataFrame) -> dict[int, str]:
    """Batch id -> a one-line Chinese label (for a picker), in the frame's order."""
    labels: dict[int, str] = {}
    for row in batches.iter_rows(named=True):
        when = row["finished_at"] or row["started_at"]
        stamp = when.strftime("%Y-%m-%d %H:%M") if when else ""
        labels[int(row["batch_id"])] = f"#{row['batch_id']} · {row['file_name']} · {kind_label(row['kind'])} · {stamp}"
    return labels


def find_batch(batches: pl.DataFrame, batch_id: int) -> dict[str, Any]:
    """One batch row as a dict (KeyError when the frame does not hold it)."""
    rows = batches.filter(pl.col("batch_id") == batch_id).to_dicts()
    if not rows:
        raise KeyError(batch_id)
    return rows[0]


REJECTED_SCHEMA = {"at": pl.String, "file": pl.String, "kind": pl.String, "profile": pl.String, "message": pl.String}


def loadlog_path(db: Path) -> Path:
    """Where rejected loads are logged: beside the served warehouse (docs/design.md)."""
    return db.with_name(db.name + ".loadlog.jsonl")


def list_rejected_loads(log: Path, limit: int = 20) -> pl.DataFrame:
    """The latest rejected loads (newest first); a rejected file leaves no trace inside the warehouse."""
    if not log.is_file():
        return pl.DataFrame(schema=REJECTED_SCHEMA)
    rows = []
    for line in log.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:  # a line cut short by a crash: skip it rather than hide the rest
            continue
        if isinstance(entry, dict) and entry.get("rejected", True):
            rows.append({key: None if entry.get(key) is None else str(entry[key]) for key in REJECTED_SCHEMA})
    return pl.DataFrame(rows[::-1][:limit], schema=REJECTED_SCHEMA)
