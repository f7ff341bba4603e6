"""The great-expectations gate: every load is validated here before it lands.

    outcome = validate_batch("cases", frame)   # frame: raw_cases columns of the rows about to land
    if not outcome.ok: raise ...               # a critical failure rejects the whole batch
    record_outcome(con, batch_id, outcome)     # kept in dq_result, shown on the 数据质量 page

Row-level rule breaks were already quarantined by the importer, so a failure here is
systematic (a mapping or normalisation bug, a broken export). validate_marts() checks
the rebuilt star schema the same way. Each result is a dict with: suite, expectation
(check id), description, table, column, column_label, critical, severity, success,
unexpected_count, element_count, examples, details (a Chinese sentence).
"""

from __future__ import annotations

from collections import defaultdict

import duckdb
import polars as pl

from data_checks.check import SQL, Check
from data_checks.mart_checks import MART_CHECKS, MART_TABLES
from data_checks.outcome import CheckOutcome, build_outcome, build_result
from data_checks.raw_checks import BATCH_CHECKS, RAW_COLUMNS
from data_checks.results import load_check_history, load_check_results, record_outcome
from data_checks.runner import convert_frame, validate_frame
from data_checks.schema_checks import SCHEMA_CHECKS, SCHEMA_SQL_CHECKS, applies_to
from data_checks.sql_checks import list_table_columns, run_sql_checks

__all__ = [
    "CheckOutcome",
    "load_check_history",
    "load_check_results",
    "record_outcome",
    "validate_batch",
    "validate_marts",
]


def validate_batch(kind: str, frame: pl.DataFrame) -> CheckOutcome:
    """Run the import suite of `kind` (cases | customers | events) on the rows about to land."""
    if kind not in BATCH_CHECKS:
        raise ValueError(f"未知的数据类型“{kind}”：应为 {'、'.join(BATCH_CHECKS)} 之一")
    suite = f"raw_{kind}"
    pandas_frame = convert_frame(frame, RAW_COLUMNS[kind])
    results = validate_frame(BATCH_CHECKS[kind], pandas_frame, suite_name=suite, index_column="source_row")
    return build_outcome(suite, results)


def validate_marts(con: duckdb.DuckDBPyConnection) -> CheckOutcome:
    """Check the star schema: GX on the small tables (dimensions, customer base), SQL aggregates on the
    fact table, and (marts built by warehouse/marts.py) columns and keys against warehouse/sql/schema.yaml.
    A warehouse with no marts yet (an empty init) passes with no results."""
    columns = list_table_columns(con)
    if not any(table in columns for table in MART_TABLES):
        return CheckOutcome(suite="marts")
    results = _validate_small_tables(con, columns)
    results += run_sql_checks(con, MART_CHECKS, columns)
    checks = MART_CHECKS
    if applies_to(columns):  # built by warehouse/marts.py: compare with warehouse/sql/schema.yaml
        results += run_sql_checks(con, SCHEMA_CHECKS, columns, SCHEMA_SQL_CHECKS)
        checks = [*MART_CHECKS, *SCHEMA_CHECKS]
    order = {check.id: n for n, check in enumerate(checks)}
    return build_outcome("marts", sorted(results, key=lambda r: order[r["expectation"]]))


def _validate_small_tables(con: duckdb.DuckDBPyConnection, columns: dict[str, dict[str, str]]) -> list[dict]:
    by_table: dict[str, list[Check]] = defaultdict(list)
    for check in MART_CHECKS:
        if check.expectation != SQL and check.table:
            by_table[check.table].append(check)
    results: list[dict] = []
    for table, checks in by_table.items():
        if table not in columns:
            results += [build_result(check, success=False, note=f"表 {table} 不存在") for check in checks]
            continue
        needed = [
            c for c in dict.fromkeys(col for check in checks for col in check.columns_used()) if c in columns[table]
        ]
        select = ", ".join(f'"{c}"' for c in needed) or "1 AS _none"
        frame = convert_frame(con.sql(f"SELECT {select} FROM {table}").pl(), needed)
        results += validate_frame(checks, frame, suite_name=f"marts_{table}", report_missing=True)
    return results
