"""`watchlist`: the 重点人员 list (red / orange / yellow complainants), masked, as the page shows it.

    python -m dashboard watchlist [--as-of 2026-10-31] [--level red] [--where province=广东] [--db PATH] [--json]

The as-of date defaults to the latest 受理日期. Exit 0 on success, 2 when the arguments or the
warehouse cannot be used.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from dashboard.commands import open_warehouse
from dashboard.engine.filters import DIMENSION_FIELDS, Filters
from dashboard.engine.watchlist import (
    WATCH_LABELS,
    WATCH_LEVELS,
    WatchRules,
    attach_contacts,
    count_watchlist,
    describe_contact,
    describe_rules,
    find_latest_date,
    keep_levels,
    list_watchlist,
)

JSON_COLUMNS = [
    "short_id",
    "name_masked",
    "phone_masked",
    "watch_level",
    "cases",
    "referred_cases",
    "flagged_cases",
    "high_risk_cases",
    "max_risk_score",
    "open_cases",
    "first_received",
    "last_received",
    "reasons",
    "contacts",
    "last_contact",
    "days_since_contact",
    "needs_contact",
]


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("watchlist", help="重点人员名单（红/橙/黄，已脱敏）")
    parser.add_argument(
        "--as-of", dest="as_of", type=date.fromisoformat, help="截至日期 YYYY-MM-DD（默认最新受理日期）"
    )
    parser.add_argument("--level", choices=WATCH_LEVELS, action="append", help="只列出这些等级（可重复）")
    parser.add_argument(
        "--where", action="append", default=[], metavar="DIM=VALUE", help=f"筛选：{', '.join(DIMENSION_FIELDS)}"
    )
    parser.add_argument("--db", help="数据仓库路径（默认：COCKPIT_DB 或 settings.toml）")
    parser.add_argument("--json", action="store_true", help="输出一个 JSON 对象")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        filters = Filters()
        for condition in args.where:
            dimension, sep, value = condition.partition("=")
            if not sep:
                raise ValueError(f"--where {condition!r}：请写成 维度=值")
            filters = filters.with_where(dimension.strip(), value)
    except ValueError as error:
        print(f"错误：{error}", file=sys.stderr)
        return 2
    con = open_warehouse(args.db)
    if con is None:
        return 2
    try:
        as_of = args.as_of or find_latest_date(con)
        if as_of is None:
            print("错误：数据仓库中还没有案件。", file=sys.stderr)
            return 2
        people = attach_contacts(con, list_watchlist(con, as_of, filters), as_of)
    finally:
        con.close()
    counts = count_watchlist(people)
    if args.level:
        people = keep_levels(people, args.level)
    if args.json:
        rows = people.select(JSON_COLUMNS).with_columns(
            people["first_received"].cast(str), people["last_received"].cast(str), people["last_contact"].cast(str)
        )
        print(json.dumps({"as_of": as_of.isoformat(), "counts": counts, "people": rows.to_dicts()}, ensure_ascii=False))
        return 0
    print(describe_rules(WatchRules.from_settings(), as_of))
    print("，".join(f"{WATCH_LABELS[level]} {counts[level]} 人" for level in WATCH_LEVELS))
    for row in people.iter_rows(named=True):
        print(
            f"{row['watch_label']}\t{row['short_id']}\t{row['name_masked'] or '—'}\t{row['phone_masked'] or '—'}"
            f"\t{row['cases']}件\t{row['reasons']}\t最近联系 {describe_contact(row)}"
        )
    return 0
