"""The SQL sandbox: one read-only SELECT over masked views, with a row cap and a time limit.

Used by the 查询分析 page (query files and the SQL box) and `python -m dashboard sql`.
What makes it safe (docs/design.md "SQL sandbox"; ../shared/RECIPES.md "DuckDB 2.0"):

1. A read-only connection is not a sandbox, so user SQL never runs on the warehouse
   connection. Each sandbox is its own in-memory DuckDB instance that ATTACHes the served
   warehouse version READ_ONLY under a random alias and creates, in its own catalog, one
   view per exposed relation (dim_*, fct_*, v_*, quarantine, etl_batch, dq_result) with
   `complainant_key` cut to a short prefix, plus v_case_risk (the KPI engine's 风险等级 per
   case). raw_*, stg_*, cfg_*, ref_* are not exposed.
2. Then `enable_external_access=false` (no files, no network, no ATTACH/INSTALL/LOAD, no
   COPY/EXPORT, no Python replacement scans) and `lock_configuration=true` (no SET/PRAGMA
   can undo it). Spilling is off (`temp_directory=''`), so nothing is ever written.
3. The attached warehouse is still reachable by its qualified name, so every statement is
   parsed first (`json_serialize_sql`, on a separate parser connection) and refused unless
   it is exactly one SELECT whose relations are unqualified exposed views or its own CTEs,
   and whose table functions are only range/generate_series/unnest. Unknown syntax is refused.
4. A timer thread interrupts the cursor after the time limit; at most `row_cap` rows are read.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from warehouse import store
from warehouse.settings import setting

# 16 hex characters (64 bits) keep distinct-complainant counts exact at any realistic volume,
# while the full salted hash - the join key to the raw layer - never leaves the warehouse.
COMPLAINANT_KEY_CHARS = 16
EXPOSED_PREFIXES = ("dim_", "fct_", "v_")
EXPOSED_TABLES = ("quarantine", "etl_batch", "dq_result")
ALLOWED_TABLE_FUNCTIONS = frozenset({"range", "generate_series", "unnest"})

_QUERY_NODES = frozenset({"SELECT_NODE", "SET_OPERATION_NODE", "RECURSIVE_CTE_NODE", "CTE_NODE"})
_MODIFIERS = frozenset(
    {
        "ORDER_MODIFIER",
        "LIMIT_MODIFIER",
        "LIMIT_PERCENT_MODIFIER",
        "DISTINCT_MODIFIER",
        "ORDER_DEFAULT",
        "ASCENDING",
        "DESCENDING",
    }
)
_PLAIN_TABLE_REFS = frozenset({"JOIN", "SUBQUERY", "EXPRESSION_LIST", "EMPTY", "PIVOT"})
_STATEMENT_NAMES = {
    "COPY": "COPY（读写文件）",
    "EXPORT": "EXPORT（导出数据库）",
    "ATTACH": "ATTACH（挂载数据库）",
    "DETACH": "DETACH",
    "LOAD": "INSTALL/LOAD（扩展）",
    "SET": "SET/RESET/USE（修改设置）",
    "PRAGMA": "PRAGMA（修改设置）",
    "CREATE": "CREATE（建表/视图）",
    "DROP": "DROP（删除）",
    "ALTER": "ALTER（修改表）",
    "INSERT": "INSERT（写入）",
    "UPDATE": "UPDATE（修改数据）",
    "DELETE": "DELETE（删除数据）",
    "CALL": "CALL/CHECKPOINT",
    "TRANSACTION": "BEGIN/COMMIT（事务）",
    "EXPLAIN": "EXPLAIN",
    "MULTI": "PIVOT 语句",
    "VACUUM": "VACUUM",
    "PREPARE": "PREPARE",
    "EXECUTE": "EXECUTE",
}


class SandboxError(Exception):
    """A statement refused by the policy, failed in DuckDB, or stopped at the time limit.

    `kind` is "refused", "failed" or "timeout"; the message is Chinese and operator-readable.
    """

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True)
class SandboxResult:
    frame: pl.DataFrame
    truncated: bool  # more rows existed than the row cap
    elapsed_seconds: float

    @property
    def columns(self) -> list[str]:
        return list(self.frame.columns)


@dataclass(frozen=True)
class ParsedSelect:
    sql: str
    params: frozenset[str]  # the $name parameters the statement uses


def row_cap_default() -> int:
    return int(setting("sql", "row_cap", default=10_000))


def time_limit_default() -> float:
    return float(setting("sql", "time_limit_seconds", default=10))


# -- the policy: parse, then walk the syntax tree ------------------------------------------------

_parser_lock = threading.Lock()
_parser: duckdb.DuckDBPyConnection | None = None


def _serialise(sql: str) -> dict[str, Any]:
    """DuckDB's own parse tree of a SELECT (no data involved: a bare in-memory connection)."""
    global _parser
    with _parser_lock:
        if _parser is None:
            _parser = duckdb.connect(":memory:")
        text = _parser.sql("SELECT json_serialize_sql($q)", params={"q": sql}).fetchall()[0][0]
    return json.loads(text)


def parse_select(sql: str) -> ParsedSelect:
    """Check that `sql` is one SELECT the sandbox allows; raise SandboxError("refused") otherwise."""
    text = sql.strip().rstrip(";").strip()
    if not text:
        raise SandboxError("refused", "请输入一条 SELECT 查询语句。")
    try:
        statements = duckdb.extract_statements(text)
    except duckdb.Error as error:
        raise SandboxError("failed", f"SQL 语法错误：{_first_line(error)}") from error
    if len(statements) != 1:
        raise SandboxError("refused", f"一次只能运行一条语句，这里有 {len(statements)} 条（用分号分隔）。")
    kind = statements[0].type.name
    if kind != "SELECT":
        name = _STATEMENT_NAMES.get(kind, kind)
        raise SandboxError("refused", f"只允许只读的 SELECT 查询，不允许 {name} 语句。")
    tree = _serialise(text)
    if tree.get("error"):
        raise SandboxError("failed", f"SQL 语法错误：{tree.get('error_message', '')}")
    statement = tree["statements"][0]
    _check_node(statement["node"], _collect_cte_names(statement["node"]))
    params = frozenset(entry["key"] for entry in statement.get("named_param_map", []))
    return ParsedSelect(sql=text, params=params)


def _collect_cte_names(node: Any) -> frozenset[str]:
    """Every CTE name defined anywhere in the statement (lower case)."""
    found: set[str] = set()

    def visit(item: Any) -> None:
        if isinstance(item, dict):
            cte_map = item.get("cte_map")
            if isinstance(cte_map, dict):
                found.update(str(entry["key"]).lower() for entry in cte_map.get("map", []))
            for value in item.values():
                visit(value)
        elif isinstance(item, list):
            for value in item:
                visit(value)

    visit(node)
    return frozenset(found)


def _check_node(item: Any, ctes: frozenset[str]) -> None:
    # Fail closed: any table reference or node type not known here is refused.
    if isinstance(item, list):
        for value in item:
            _check_node(value, ctes)
        return
    if not isinstance(item, dict):
        return
    kind = item.get("type")
    if "class" in item:
        if item["class"] == "FUNCTION" and (item.get("catalog") or item.get("schema")):
            raise SandboxError("refused", f"不允许带库名或模式名调用函数：{item.get('function_name')}")
    elif isinstance(kind, str):
        if kind == "BASE_TABLE":
            _check_base_table(item, ctes)
        elif kind == "TABLE_FUNCTION":
            _check_table_function(item["function"])
        elif kind == "SHOW_REF":
            if item.get("show_type") not in ("DESCRIBE", "SUMMARY") or item.get("query") is None:
                raise SandboxError("refused", "不允许 SHOW 语句；可查询的视图见页面上的“可用视图”。")
        elif kind not in _QUERY_NODES | _MODIFIERS | _PLAIN_TABLE_REFS:
            raise SandboxError("refused", f"沙箱不支持这种语法（{kind}）。")
    for value in item.values():
        _check_node(value, ctes)


def _check_base_table(ref: dict[str, Any], ctes: frozenset[str]) -> None:
    name = str(ref.get("table_name", ""))
    path = (ref.get("qualified_name") or {}).get("path") or [name]
    if ref.get("catalog_name") or ref.get("schema_name") or len(path) > 1:
        shown = ".".join(str(p) for p in path)
        raise SandboxError("refused", f"只能查询沙箱中的视图，不能用库名或模式名限定：{shown}")
    if name.lower() in ctes:
        return
    exposed = name.lower().startswith(EXPOSED_PREFIXES) or name.lower() in EXPOSED_TABLES
    if not exposed:
        raise SandboxError(
            "refused", f"不能查询 {name}：沙箱只开放 dim_*、fct_*、v_* 视图以及 quarantine、etl_batch、dq_result。"
        )


def _check_table_function(function: dict[str, Any]) -> None:
    name = str(function.get("function_name", ""))
    if function.get("catalog") or function.get("schema") or name.lower() not in ALLOWED_TABLE_FUNCTIONS:
        allowed = "、".join(sorted(ALLOWED_TABLE_FUNCTIONS))
        raise SandboxError("refused", f"不允许调用表函数 {name}（读文件、读库等都被禁止）；只允许 {allowed}。")


# -- the sandbox instance ------------------------------------------------------------------------


class Sandbox:
    """An in-memory DuckDB over one warehouse version, locked down. Not thread-safe: one per thread."""

    def __init__(self, version_file: Path, provinces: tuple[str, ...] = ()) -> None:
        self.version_file = version_file
        self.provinces = tuple(provinces)  # a region-bound user's provinces (empty = all)
        # Held while attached, as every reader does: no load takes this version's file over meanwhile.
        self._reader_lock = store.hold_version(version_file)
        if self._reader_lock is None:
            raise SandboxError("failed", "数据仓库刚刚更新了版本，请重新运行。")
        self._con = duckdb.connect(":memory:")
        try:
            self.relations = _lock_down(self._con, version_file, self.provinces)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        self._con.close()
        if self._reader_lock is not None:
            os.close(self._reader_lock)
            self._reader_lock = None

    def describe(self) -> pl.DataFrame:
        """The exposed views and their columns (relation, column, type), for the page's schema panel."""
        return self._con.sql(
            "SELECT table_name AS relation, column_name AS column, data_type AS type "
            "FROM information_schema.columns WHERE table_catalog = current_database() "
            "ORDER BY table_name, ordinal_position"
        ).pl()

    def run(
        self,
        sql: str,
        params: Mapping[str, Any] | None = None,
        *,
        row_cap: int | None = None,
        time_limit: float | None = None,
    ) -> SandboxResult:
        """Run one allowed SELECT with `params` ($name); at most `row_cap` rows, stopped after `time_limit` s."""
        parsed = parse_select(sql)
        given = dict(params or {})
        missing = sorted(parsed.params - given.keys())
        if missing:
            raise SandboxError("refused", f"查询用到了参数 {', '.join('$' + m for m in missing)}，但没有给出它们的值。")
        cap = row_cap_default() if row_cap is None else row_cap
        limit = time_limit_default() if time_limit is None else time_limit
        used = {k: v for k, v in given.items() if k in parsed.params}
        cursor = self._con.cursor()
        timer = threading.Timer(limit, cursor.interrupt)
        started = time.perf_counter()
        timer.start()
        try:
            frame, truncated = _fetch_capped(cursor, parsed.sql, used, cap)
        except duckdb.InterruptException as error:
            raise SandboxError("timeout", f"查询超过 {limit:g} 秒的时间限制，已被停止。请缩小范围或先聚合。") from error
        except duckdb.OutOfMemoryException as error:
            raise SandboxError(
                "failed", f"查询需要的内存超过沙箱上限（{_memory_limit()}），已被停止。请缩小范围或先聚合。"
            ) from error
        except duckdb.Error as error:
            raise SandboxError("failed", f"查询出错：{_first_line(error)}") from error
        finally:
            timer.cancel()
            cursor.close()
        return SandboxResult(frame=frame, truncated=truncated, elapsed_seconds=time.perf_counter() - started)


def _lock_down(con: duckdb.DuckDBPyConnection, version_file: Path, provinces: tuple[str, ...] = ()) -> list[str]:
    for statement in (
        "SET temp_directory = ''",  # no spilling: the sandbox never writes a file
        f"SET memory_limit = '{_memory_limit()}'",
        "SET threads = 2",
        "SET autoinstall_known_extensions = false",
        "SET autoload_known_extensions = false",
        "SET python_enable_replacements = false",
    ):
        con.execute(statement)
    alias = f"wh_{secrets.token_hex(6)}"
    con.execute(f"ATTACH '{_quote(str(version_file))}' AS {alias} (READ_ONLY)")
    names = [
        name
        for (name,) in con.sql(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = $c ORDER BY table_name",
            params={"c": alias},
        ).fetchall()
        if name.startswith(EXPOSED_PREFIXES) or name in EXPOSED_TABLES
    ]
    for name in names:
        columns = {
            c
            for (c,) in con.sql(
                "SELECT column_name FROM information_schema.columns WHERE table_catalog = $c AND table_name = $t",
                params={"c": alias, "t": name},
            ).fetchall()
        }
        masked = (
            f" REPLACE (left(complainant_key, {COMPLAINANT_KEY_CHARS}) AS complainant_key)"
            if "complainant_key" in columns
            else ""
        )
        where = _region_condition(name, columns, alias, provinces)
        if where is None:
            continue  # no region to restrict by: a region-bound user does not get it
        con.execute(f'CREATE VIEW "{name}" AS SELECT *{masked} FROM {alias}.main."{name}"{where}')
    names = sorted(_views(con))
    if "fct_complaint" in names and "dim_product" in names:
        _create_risk_view(con)
        names.append("v_case_risk")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return names


def _views(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {name for (name,) in con.sql("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}


# Dimensions that hold no case data: safe to show a region-bound user whole.
_REGION_FREE_DIMENSIONS = ("dim_product", "dim_issue", "dim_channel", "dim_department", "dim_date", "dim_month")


def _region_condition(name: str, columns: set[str], alias: str, provinces: tuple[str, ...]) -> str | None:
    """The WHERE that keeps a bound user's provinces in view `name`; "" when unbound; None = leave it out.

    Rows are kept by region_key (through dim_region) or by a province column; a relation with
    neither (batches, quarantine, national aggregates) is not exposed to a bound user at all.
    """
    if not provinces:
        return ""
    listed = ", ".join(_literal(p) for p in provinces)
    if "region_key" in columns:
        return f" WHERE region_key IN (SELECT region_key FROM {alias}.main.dim_region WHERE province IN ({listed}))"
    if "province" in columns:
        return f" WHERE province IN ({listed})"
    if name in _REGION_FREE_DIMENSIONS:
        return ""
    return None


def _create_risk_view(con: duckdb.DuckDBPyConnection) -> None:
    """v_case_risk (case_key, risk_level 高/中/低): the KPI engine's own rule, with settings inlined."""
    from dashboard.engine.kpi_source import risk_level_sql

    level, params = risk_level_sql("f")
    for name in sorted(params, key=len, reverse=True):  # longest first: $rk_x never clips $rk_x_y
        level = level.replace(f"${name}", _literal(params[name]))
    con.execute(f"CREATE VIEW v_case_risk AS SELECT f.case_key, {level} AS risk_level FROM fct_complaint AS f")


def _literal(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]::VARCHAR[]"
    if isinstance(value, str):
        return "'" + _quote(value) + "'"
    return repr(value)


def _fetch_capped(
    cursor: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any], cap: int
) -> tuple[pl.DataFrame, bool]:
    relation = cursor.sql(sql, params=params or None)
    reader = relation.to_arrow_reader(min(max(cap + 1, 1), 65_536))
    batches = []
    rows = 0
    try:
        for batch in reader:
            batches.append(batch)
            rows += batch.num_rows
            if rows > cap:
                break
    finally:
        reader.close()
    if not batches:
        frame = pl.from_arrow(reader.schema.empty_table())
    else:
        import pyarrow as pa

        frame = pl.from_arrow(pa.Table.from_batches(batches, schema=reader.schema))
    assert isinstance(frame, pl.DataFrame)
    return frame.head(cap), frame.height > cap


def _memory_limit() -> str:
    return str(setting("sql", "memory_limit", default="1GB"))


def _quote(text: str) -> str:
    return text.replace("'", "''")


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


@contextmanager
def open_sandbox(db: str | Path | None = None, provinces: tuple[str, ...] = ()) -> Iterator[Sandbox]:
    """A sandbox over the warehouse currently served at `db` (COCKPIT_DB / settings by default);
    with `provinces`, every view holds only those provinces' rows (a region-bound user)."""
    current = store.current_version(db)
    if current is None:
        raise SandboxError("failed", "还没有数据仓库：请先运行 `python -m warehouse demo` 或导入数据。")
    sandbox = Sandbox(current, provinces)
    try:
        yield sandbox
    finally:
        sandbox.close()


def run_sql(
    sql: str,
    params: Mapping[str, Any] | None = None,
    db: str | Path | None = None,
    *,
    row_cap: int | None = None,
    time_limit: float | None = None,
) -> SandboxResult:
    """Parse first (a refused statement never opens the warehouse), then run in a fresh sandbox."""
    parse_select(sql)
    with open_sandbox(db) as sandbox:
        return sandbox.run(sql, params, row_cap=row_cap, time_limit=time_limit)
