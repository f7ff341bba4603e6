"""`status`: what the served warehouse holds (tables and rows, batches, quarantine, freshness)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import Any

import duckdb

from warehouse import store
from warehouse.settings import db_path


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("status", help="查看数据仓库内容")
    parser.add_argument("--db", help="warehouse path (default: COCKPIT_DB or settings)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=run)


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    return con.sql(sql).fetchall()[0][0]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def collect_status(db: str | None = None) -> dict[str, Any]:
    """The status object of ARCHITECTURE.md: db, tables, batches, quarantined, last_load_at, latest_received_at."""
    con = store.open_reader(db)
    try:
        names = [
            row[0]
            for row in con.sql(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND NOT temporary ORDER BY table_name"
            ).fetchall()
        ]
        tables = {name: int(_scalar(con, f'SELECT count(*) FROM "{name}"')) for name in names}
        facts = "fct_complaint" if "fct_complaint" in tables else "raw_cases"
        return {
            "db": str(db_path(db)),
            "tables": tables,
            "batches": int(_scalar(con, "SELECT count(*) FROM etl_batch")),
            # Source rows set aside (a row that broke two rules is still one row).
            "quarantined": int(_scalar(con, "SELECT count(DISTINCT (batch_id, source_row)) FROM quarantine")),
            "last_load_at": _iso(_scalar(con, "SELECT max(finished_at) FROM etl_batch")),
            "latest_received_at": _iso(_scalar(con, f"SELECT max(received_at) FROM {facts}")),
        }
    finally:
        con.close()


def render_status(status: dict[str, Any]) -> str:
    """The status as lines an operator reads."""
    lines = [f"数据仓库：{status['db']}", "表（行数）："]
    width = max((len(name) for name in status["tables"]), default=0)
    lines += [f"  {name:<{width}}  {rows:>12,}" for name, rows in status["tables"].items()]
    lines += [
        f"导入批次：{status['batches']}",
        f"隔离行数：{status['quarantined']}",
        f"最近导入完成时间：{status['last_load_at'] or '无'}",
        f"最新受理时间：{status['latest_received_at'] or '无'}",
    ]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    try:
        status = collect_status(args.db)
    except FileNotFoundError as error:
        print(error, file=sys.stderr)
        return 1
    print(json.dumps(status, ensure_ascii=False) if args.json else render_status(status))
    return 0
