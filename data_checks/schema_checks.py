"""Does the rebuilt warehouse match warehouse/sql/schema.yaml? Two mart checks, run by validate_marts.

- `marts.schema_columns`: every table and view the schema file declares exists with exactly its columns and
  types, and the warehouse holds no table or column the file does not document (docs/schema.md is generated
  from the same file, so the docs say what the warehouse holds). Reads information_schema only.
- `marts.schema_keys`: the declared keys of the dim_* and fct_* tables hold: a primary key unique and never
  NULL, a natural key unique (NULL counting as a value, as dim_region's province rows need). One
  `GROUP BY key HAVING count(*) > 1 ... LIMIT 1` per key (~2-3 s on 10M rows); fct_complaint's two keys are
  left to marts.case_key_unique and marts.case_natural_key_unique, which test them already. After an
  incremental refresh (warehouse.marts.refresh_scope) the big tables it wrote group only the keys of the rows
  it wrote: a new duplicate always involves a written row, and the others passed when they were written.

The schema file describes what warehouse/marts.py builds, which ends by writing cfg_marts_build; a star
schema made some other way (the hand-built marts of tests/integration/test_data_checks_marts.py) is not compared.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from data_checks.check import SQL, Check
from data_checks.sql_checks import Finding, rows_sharing_written_keys
from warehouse.marts import refresh_scope
from warehouse.schema import Table, persistent_tables

BUILT_MARKER = "cfg_marts_build"  # written last by warehouse/marts.rebuild_marts
SHOWN_PROBLEMS = 10  # a note lists at most this many differences, then how many there are in all
# Keys a dedicated mart check already tests in full (with counts and examples): not grouped a second time, which
# would cost ~2-3 s each on 10M cases.
KEYS_CHECKED_ELSEWHERE: dict[tuple[str, tuple[str, ...]], str] = {
    ("fct_complaint", ("case_key",)): "marts.case_key_unique",
    ("fct_complaint", ("source_system", "case_id")): "marts.case_natural_key_unique",
}

SCHEMA_CHECKS: list[Check] = [
    Check(
        "marts.schema_columns",
        "marts",
        None,
        True,
        "数据仓库的表、视图及其列名和类型须与 warehouse/sql/schema.yaml 的说明完全一致（缺少的或未说明的都不通过）",
        SQL,
    ),
    Check(
        "marts.schema_keys",
        "marts",
        None,
        True,
        "维表和事实表（dim_*、fct_*）在 schema.yaml 中声明的主键须唯一且不为空，自然键须唯一",
        SQL,
    ),
]


def applies_to(tables: set[str] | dict[str, object]) -> bool:
    """Whether the warehouse's marts were built by warehouse/marts.py (the build schema.yaml describes)."""
    return BUILT_MARKER in tables


def list_built_columns(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    """table or view -> {column: type} in the warehouse file itself (not the connection's TEMP tables)."""
    rows = con.sql(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_catalog = current_database() AND table_schema = 'main' ORDER BY table_name, ordinal_position"
    ).fetchall()
    built: dict[str, dict[str, str]] = {}
    for table, column, data_type in rows:
        built.setdefault(table, {})[column] = data_type
    return built


def compare_columns(declared: dict[str, Table], built: dict[str, dict[str, str]]) -> list[str]:
    """Every difference between the schema file and the warehouse, one Chinese line naming table and column."""
    problems: list[str] = []
    for name, table in declared.items():
        found = built.get(name)
        if found is None:
            problems.append(f"缺少表 {name}（schema.yaml 有说明）")
            continue
        for column in table.columns:
            if column.name not in found:
                problems.append(f"{name} 缺少列 {column.name}（schema.yaml 有说明）")
            elif found[column.name] != column.type:
                problems.append(f"{name}.{column.name} 的类型是 {found[column.name]}，schema.yaml 说明为 {column.type}")
        problems += [f"{name}.{c} 未在 schema.yaml 中说明" for c in found if c not in table.column_names]
    problems += [f"表 {name} 未在 schema.yaml 中说明" for name in built if name not in declared]
    return problems


def _summarise(problems: list[str]) -> str:
    shown = "；".join(problems[:SHOWN_PROBLEMS])
    more = f"；等共 {len(problems)} 处" if len(problems) > SHOWN_PROBLEMS else ""
    return f"与 schema.yaml 不符 {len(problems)} 处：{shown}{more}"


def check_schema_columns(con: duckdb.DuckDBPyConnection, columns: dict[str, dict[str, str]]) -> Finding:
    declared, built = persistent_tables(), list_built_columns(con)
    problems = compare_columns(declared, built)
    if problems:
        return Finding(None, None, [], note=_summarise(problems), success=False)
    compared = sum(len(t.columns) for t in declared.values())
    return Finding(None, None, [], note=f"比对 {len(declared)} 张表和视图、{compared} 列", success=True)


def _quote(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def find_key_violation(
    con: duckdb.DuckDBPyConnection,
    table: str,
    key: tuple[str, ...],
    *,
    not_null: bool,
    rows_where: str | None = None,
) -> str | None:
    """The first duplicated (or, with not_null, NULL) key of `table` as a Chinese line, or None. With
    `rows_where`, only the keys of those rows are grouped (the rows an incremental refresh wrote)."""
    listed = ", ".join(_quote(c) for c in key)
    nulls = " OR ".join(f"{_quote(c)} IS NULL" for c in key) if not_null else "FALSE"
    source = _quote(table)
    if rows_where:
        source = rows_sharing_written_keys(source, listed, rows_where, nulls, columns=listed)
    rows = con.sql(
        f"SELECT {listed}, count(*) AS n FROM {source} GROUP BY {listed} HAVING count(*) > 1 OR {nulls} LIMIT 1"
    ).fetchall()
    if not rows:
        return None
    *values, count = rows[0]
    shown = "，".join(f"{c}={'（空）' if v is None else v}" for c, v in zip(key, values, strict=True))
    kind = "主键" if not_null else "自然键"
    if not_null and any(v is None for v in values):
        return f"{table} 的{kind}（{', '.join(key)}）有空值：{shown}（{count} 行）"
    return f"{table} 的{kind}（{', '.join(key)}）重复：{shown} 出现 {count} 行"


def check_schema_keys(con: duckdb.DuckDBPyConnection, columns: dict[str, dict[str, str]]) -> Finding:
    built = list_built_columns(con)
    scope = refresh_scope(con)
    problems: list[str] = []
    checked = 0
    for table in persistent_tables().values():
        if not table.checks_keys or table.name not in built:
            continue  # a missing table or key column is marts.schema_columns' finding
        for key, not_null in ((table.primary_key, True), (table.natural_key, False)):
            if not key or not set(key) <= set(built[table.name]) or (table.name, key) in KEYS_CHECKED_ELSEWHERE:
                continue
            checked += 1
            problem = find_key_violation(con, table.name, key, not_null=not_null, rows_where=scope.get(table.name))
            if problem:
                problems.append(problem)
    if problems:
        return Finding(None, None, [], note="；".join(problems), success=False)
    scoped = f"（{', '.join(sorted(scope))} 只核对本次增量更新写入的键）" if scope else ""
    return Finding(None, None, [], note=f"检查 {checked} 个键{scoped}", success=True)


SCHEMA_SQL_CHECKS: dict[str, Callable[..., Finding]] = {
    "marts.schema_columns": check_schema_columns,
    "marts.schema_keys": check_schema_keys,
}
