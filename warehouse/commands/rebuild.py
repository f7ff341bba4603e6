"""`rebuild`: rebuild the star schema from the landing tables, published as a new version."""

from __future__ import annotations

import argparse
import sys

from data_checks.gate import record_outcome, validate_marts
from warehouse import store
from warehouse.marts import marts_fingerprint, read_marts_fingerprint, rebuild_marts
from warehouse.settings import db_path


class MartChecksFailed(RuntimeError):
    """A critical mart check failed: the rebuilt copy is discarded."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("rebuild", help="由原始数据重建星型模型（发布为新版本）")
    parser.add_argument("--db", help="warehouse path (default: COCKPIT_DB or settings)")
    parser.add_argument(
        "--if-stale",
        action="store_true",
        help="只在数据集市由旧版本代码建成时重建（升级后 make run 用）；没有数据仓库时什么也不做",
    )
    parser.set_defaults(handler=run)


def marts_are_current(db: str | None = None) -> bool:
    """Whether the served warehouse's marts were built by this code (same mart SQL and cube builder)."""
    con = store.open_reader(db)
    try:
        return read_marts_fingerprint(con) == marts_fingerprint()
    finally:
        con.close()


def rebuild_warehouse(db: str | None = None) -> dict[str, int]:
    """Rebuild the marts in a new version; return the fact row counts. Raises when a check fails."""
    if store.current_version(db) is None:
        raise FileNotFoundError(f"没有找到数据仓库 {db_path(db)}：请先运行 `python -m warehouse init` 或导入数据。")
    with store.new_version(db) as con:
        rebuild_marts(con)
        outcome = validate_marts(con)
        record_outcome(con, None, outcome)
        if not outcome.ok:
            raise MartChecksFailed("重建后的数据检查未通过，数据仓库保持不变：" + "；".join(outcome.critical_failures))
        return {
            table: int(con.sql(f"SELECT count(*) FROM {table}").fetchall()[0][0])
            for table in ("fct_complaint", "fct_customer_base", "fct_case_stage")
        }


def run(args: argparse.Namespace) -> int:
    if args.if_stale and (store.current_version(args.db) is None or marts_are_current(args.db)):
        return 0
    try:
        counts = rebuild_warehouse(args.db)
    except FileNotFoundError as error:
        print(error, file=sys.stderr)
        return 1
    except MartChecksFailed as error:
        print(error, file=sys.stderr)
        return 2
    summary = "，".join(f"{table} {rows} 行" for table, rows in counts.items())
    print(f"星型模型已重建并发布：{store.current_version(args.db)}（{summary}）")
    return 0
