"""`rectification`: the 溯源整改 双清单 figures (METRICS.md "Root cause and rectification"), as the page shows them.

    python -m dashboard rectification --from 2026-07-01 --to 2026-10-01 [--where province=广东] [--db PATH] [--json]

`--to` is exclusive. Exit 0 on success, 2 when the arguments or the warehouse cannot be used, or when the
warehouse holds no defect ledger (load one with `python -m warehouse load FILE --kind defects`).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from dashboard.commands import open_warehouse
from dashboard.commands.kpis import build_filters
from dashboard.engine.filters import DIMENSION_FIELDS
from dashboard.engine.formatting import format_percent
from dashboard.engine.periods import Period
from dashboard.engine.rectification import VERDICTS, compute_rectification, has_defect_ledger

NO_LEDGER = "错误：数据仓库中没有缺陷清单。请先导入内部缺陷清单：python -m warehouse load 缺陷清单.csv --kind defects"


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("rectification", help="溯源整改：缺陷清单、整改完成率、逾期整改与整改成效")
    parser.add_argument("--from", dest="start", required=True, type=date.fromisoformat, help="开始日期 YYYY-MM-DD")
    parser.add_argument("--to", dest="end", required=True, type=date.fromisoformat, help="结束日期（不含）")
    parser.add_argument(
        "--where", action="append", default=[], metavar="DIM=VALUE", help=f"筛选：{', '.join(DIMENSION_FIELDS)}"
    )
    parser.add_argument("--db", help="数据仓库路径（默认：COCKPIT_DB 或 settings.toml）")
    parser.add_argument("--json", action="store_true", help="输出一个 JSON 对象")
    parser.set_defaults(handler=run)


def _render(payload: dict) -> str:
    rate = payload["completion_rate"]
    lines = [
        f"期间：{payload['period'][0]} 至 {payload['period'][1]}（不含）",
        f"发现缺陷 {payload['defects']} 项，已整改 {payload['completed']} 项，整改完成率 "
        + (format_percent(rate) if rate is not None else "—"),
        "按缺陷类型：" + ("、".join(f"{k} {n}" for k, n in payload["by_type"].items()) or "—"),
        "按整改措施：" + ("、".join(f"{k} {n}" for k, n in payload["by_measure"].items()) or "—"),
        f"逾期未整改 {payload['overdue']} 项："
        + ("、".join(f"{r['defect_id']}（{r['department']}，期限 {r['due_date']}）" for r in payload["overdue_list"])
           or "无"),
        f"关联缺陷的投诉 {payload['linked_cases']} 件 / 投诉量 {payload['volume']} 件，溯源率 "
        + (format_percent(payload["traced_rate"]) if payload["traced_rate"] is not None else "—"),
    ]  # fmt: skip
    if payload["unknown_links"]:
        lines.append(f"另有 {payload['unknown_links']} 条关联指向数据仓库中没有的案件或缺陷（已保留）")
    lines.append("整改成效（完成前后各 90 天同类投诉）：" + ("" if payload["effects"] else "本期无可评估的整改"))
    lines += [
        f"  {e['defect_id']}\t完成 {e['completed_date']}\t前 {e['before']} 件 → 后 {e['after']} 件\t{VERDICTS[e['verdict']]}"
        for e in payload["effects"]
    ]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    try:
        filters = build_filters(args.where)
        period = Period(args.start, args.end)
    except ValueError as error:
        print(f"错误：{error}", file=sys.stderr)
        return 2
    con = open_warehouse(args.db)
    if con is None:
        return 2
    try:
        if not has_defect_ledger(con):
            print(NO_LEDGER, file=sys.stderr)
            return 2
        payload = compute_rectification(con, period, filters).to_json()
    finally:
        con.close()
    print(json.dumps(payload, ensure_ascii=False) if args.json else _render(payload))
    return 0
