"""`init`: create an empty warehouse (landing tables and empty marts)."""

from __future__ import annotations

import argparse

from warehouse import store
from warehouse.marts import rebuild_marts


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("init", help="创建空的数据仓库")
    parser.add_argument("--db", help="warehouse path (default: COCKPIT_DB or settings)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    with store.new_version(args.db) as con:
        rebuild_marts(con)
    print(f"数据仓库已就绪：{store.current_version(args.db)}")
    return 0
