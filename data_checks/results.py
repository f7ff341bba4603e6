"""Check results kept per batch in dq_result, and read back for the 数据质量 page."""

from __future__ import annotations

import duckdb
import polars as pl

from data_checks.catalog import find_check
from data_checks.check import now_cst
from data_checks.labels import label_column
from data_checks.outcome import CheckOutcome
from warehouse.importer.contract import describe_unknown_rules

RESULT_SCHEMA: dict[str, pl.DataType] = {
    "batch_id": pl.Int64(),
    "suite": pl.String(),
    "expectation": pl.String(),
    "description": pl.String(),
    "column_name": pl.String(),
    "column_label": pl.String(),
    "severity": pl.String(),
    "critical": pl.Boolean(),
    "success": pl.Boolean(),
    "unexpected_count": pl.Int64(),
    "element_count": pl.Int64(),
    "details": pl.String(),
    "checked_at": pl.Datetime("us"),
}
SUMMARY_SCHEMA: dict[str, pl.DataType] = {
    "batch_id": pl.Int64(),
    "file_name": pl.String(),
    "suite": pl.String(),
    "checked_at": pl.Datetime("us"),
    "checks": pl.Int64(),
    "failed": pl.Int64(),
    "critical_failed": pl.Int64(),
}


def record_outcome(con: duckdb.DuckDBPyConnection, batch_id: int | None, outcome: CheckOutcome) -> None:
    """Append one dq_result row per check of the outcome, all stamped with the same time (CST)."""
    from warehouse.store import ensure_raw_schema

    ensure_raw_schema(con)
    checked_at = now_cst()
    rows = [
        (
            batch_id,
            r.get("suite") or outcome.suite,
            r["expectation"],
            r.get("column"),
            bool(r["success"]),
            bool(r["critical"]),
            r.get("unexpected_count"),
            r.get("element_count"),
            r.get("details"),
            checked_at,
        )
        for r in outcome.results
    ]
    if rows:
        con.executemany(
            "INSERT INTO dq_result (batch_id, suite, expectation, column_name, success, critical, "
            "unexpected_count, element_count, details, checked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


def _has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(
        con.sql(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' AND table_name = $t",
            params={"t": table},
        ).fetchall()[0][0]
    )


def load_check_results(con: duckdb.DuckDBPyConnection, batch_id: int | None = None) -> pl.DataFrame:
    """Results of one batch (its import suite and the mart checks run with it); with None, the latest
    mart check run. Failures first, critical first. Adds the catalog's Chinese description."""
    if not _has_table(con, "dq_result"):
        return pl.DataFrame(schema=RESULT_SCHEMA)
    if batch_id is None:
        where = "suite = 'marts' AND checked_at = (SELECT max(checked_at) FROM dq_result WHERE suite = 'marts')"
    else:
        where = "batch_id = $batch_id"
    frame = con.sql(
        f"""
        SELECT batch_id, suite, expectation, column_name, success, critical, unexpected_count, element_count,
               details, checked_at
        FROM dq_result WHERE {where}
        ORDER BY success, critical DESC, suite, expectation
        """,
        params={"batch_id": batch_id} if batch_id is not None else None,
    ).pl()
    return add_catalog_columns(frame).select(list(RESULT_SCHEMA)).cast(RESULT_SCHEMA)


def add_catalog_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """Description, Chinese column name and severity label from the catalog (kept out of dq_result)."""
    # The importer's blank-cell warnings (region_unknown …) are recorded beside the suite's checks.
    extra = describe_unknown_rules()
    descriptions = {
        e: (c.description if (c := find_check(e)) else extra.get(e, "")) for e in frame["expectation"].unique()
    }
    # Looked up in Python, not with map_elements (no Python callbacks inside Polars: docs/design.md).
    labels = {name: label_column(name) for name in frame["column_name"].drop_nulls().unique()}
    return frame.with_columns(
        pl.col("expectation").replace_strict(descriptions, default="", return_dtype=pl.String).alias("description"),
        pl.col("column_name").replace_strict(labels, default=None, return_dtype=pl.String).alias("column_label"),
        pl.when(pl.col("critical")).then(pl.lit("关键")).otherwise(pl.lit("警告")).alias("severity"),
    )


def load_check_history(con: duckdb.DuckDBPyConnection, limit: int = 50) -> pl.DataFrame:
    """One row per suite run (newest first): how many checks, how many failed, how many critical."""
    if not _has_table(con, "dq_result"):
        return pl.DataFrame(schema=SUMMARY_SCHEMA)
    has_batches = _has_table(con, "etl_batch")
    file_name = "b.file_name" if has_batches else "NULL::VARCHAR"
    join = "LEFT JOIN etl_batch b ON b.batch_id = r.batch_id" if has_batches else ""
    return (
        con.sql(
            f"""
        SELECT r.batch_id, any_value({file_name}) AS file_name, r.suite, r.checked_at,
               count(*) AS checks,
               count(*) FILTER (WHERE NOT r.success) AS failed,
               count(*) FILTER (WHERE NOT r.success AND r.critical) AS critical_failed
        FROM dq_result r {join}
        GROUP BY r.batch_id, r.suite, r.checked_at
        ORDER BY r.checked_at DESC, r.suite
        LIMIT $limit
        """,
            params={"limit": limit},
        )
        .pl()
        .cast(SUMMARY_SCHEMA)
    )
