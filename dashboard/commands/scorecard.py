"""`scorecard`: the 考核 ranking of one unit kind for a period (METRICS.md "Scorecard").

    python -m dashboard scorecard --unit department|branch|province [--from 2026-07-01 --to 2026-10-01]
        [--db PATH] [--json]
    python -m dashboard scorecard --publish [--db PATH]

Without --from/--to: the last complete quarter. A published quarter is read as published; any other period is
computed now. `--publish` stores every complete quarter not yet stored (a new warehouse version; run it after
`warehouse rebuild` and after scheduled loads). Exit 0 on success, 2 when the arguments or warehouse cannot be used.
"""

from __future__ import annotations

import argparse
import json
import sys

from dashboard.commands import open_warehouse
from dashboard.commands.kpis import _parse_day, render_table
from dashboard.engine.formatting import format_value
from dashboard.engine.metrics import get_metric
from dashboard.engine.periods import Period, resolve_preset
from dashboard.engine.scorecard import Scorecard
from dashboard.engine.scorecard_rules import CARDED_KINDS, LEADERSHIP, UNIT_KINDS
from dashboard.engine.scorecard_store import load_scorecard, publish_scorecards
from dashboard.views.scorecard_view import format_rank_change, format_score


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("scorecard", help="考核排名：处理部门、机构或省份按得分排名（或 --publish 发布完整季度）")
    parser.add_argument("--unit", choices=list(UNIT_KINDS), default="department", help="考核单位（默认 department）")
    parser.add_argument("--from", dest="start", type=_parse_day, help="期间开始日期 YYYY-MM-DD（含）")
    parser.add_argument("--to", dest="end", type=_parse_day, help="期间结束日期 YYYY-MM-DD（不含）")
    parser.add_argument("--publish", action="store_true", help="发布尚未发布的完整季度（发布后排名不再改变）")
    parser.add_argument("--db", help="数据仓库路径（默认：COCKPIT_DB 或 settings.toml）")
    parser.add_argument("--json", action="store_true", help="输出一个 JSON 对象（比率为小数）")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.publish:
        return _publish(args.db)
    if (args.start is None) != (args.end is None):
        print("错误：--from 与 --to 须同时给出（结束日期不含），或都不给（上一完整季度）", file=sys.stderr)
        return 2
    con = open_warehouse(args.db)
    if con is None:
        return 2
    try:
        if args.start is None:
            latest = con.sql("SELECT max(received_date) FROM fct_complaint").fetchall()[0][0]
            if latest is None:
                raise ValueError("数据仓库中没有案件")
            period = resolve_preset("last_full_quarter", latest)
        else:
            period = Period(args.start, args.end)
        card = load_scorecard(con, args.unit, period)
        leadership = load_scorecard(con, LEADERSHIP, period)
    except ValueError as error:
        print(f"错误：{error}", file=sys.stderr)
        return 2
    finally:
        con.close()
    payload = card.to_json()
    payload["leadership"] = leadership.to_json()["rows"][0] if not leadership.rows.is_empty() else None
    if args.json:
        print(json.dumps(payload, ensure_ascii=False, default=str))
    else:
        print(render_text(card))
    return 0


def _publish(db: str | None) -> int:
    try:
        written = publish_scorecards(db)
    except (ValueError, OSError) as error:
        print(f"错误：{error}", file=sys.stderr)
        return 2
    if not written:
        print("考核：所有完整季度均已发布，没有需要发布的内容。")
    else:
        quarters = sorted({quarter for _, quarter in written})
        print(f"考核：已发布 {'、'.join(quarters)}（{len(written)} 份：处理部门、机构、省份、领导班子）。")
    return 0


def render_text(card: Scorecard) -> str:
    name = UNIT_KINDS[card.unit][1]
    state = "已发布" if card.published_at else "实时计算（未发布）"
    lines = [f"考核排名 · {name} · {card.period.label()}（{state}）"]
    kpis = card.rules["kpi"].to_list()
    payload = card.to_json()
    carded = card.unit in CARDED_KINDS
    header = [
        "排名",
        "变化",
        name,
        "得分",
        *(["红牌", "灰名单"] if carded else []),
        *(get_metric(k).name_zh for k in kpis),
    ]
    rows = [
        [
            "—" if row["rank"] is None else str(row["rank"]),
            format_rank_change(row["rank_change"]),
            row["key"],
            format_score(row["score"]),
            *([str(row["red_cards"]), "是" if row["grey_listed"] else ""] if carded else []),
            *(format_value(row["kpis"].get(k), get_metric(k).unit) for k in kpis),
        ]
        for row in payload["rows"]
    ]
    lines.append(render_table(header, rows))
    weights = "、".join(f"{get_metric(k).name_zh} {w:.0%}" for k, w in card.weights().items())
    lines.append(f"权重：{weights}；每张红牌扣 {card.red_card_deduction:g} 分（仅处理部门）。")
    return "\n".join(lines)
