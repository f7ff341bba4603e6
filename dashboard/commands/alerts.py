"""`alerts`: early warnings (高频投诉, 区域激增) with their evidence, for schedulers; the same code as the 预警 page.

    python -m dashboard alerts [--as-of YYYY-MM-DD] [--where DIM=VALUE ...] [--db PATH] [--json]

Exit 0 when no alert, 1 when there are alerts (so a scheduler can act on it), 2 when the
arguments or the warehouse cannot be used.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from dashboard.commands import open_warehouse
from dashboard.commands.kpis import build_filters, render_table
from dashboard.engine.alerts import build_alerts_json, compute_alerts
from dashboard.engine.filters import DIMENSION_FIELDS


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期 {text!r} 的格式应为 YYYY-MM-DD") from None


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "alerts",
        help="预警：高频投诉（产品×问题）与区域激增（省份周投诉量），附判断依据",
        description="按数据截至日判断最近一个完整月的高频投诉和最近几个完整周的区域激增。"
        "退出码：0 无预警，1 有预警，2 参数或数据仓库不可用。",
    )
    parser.add_argument("--as-of", dest="as_of", type=_parse_day, help="判断日期 YYYY-MM-DD（默认：数据中最新的时间）")
    parser.add_argument(
        "--where",
        action="append",
        default=[],
        metavar="DIM=VALUE",
        help=f"筛选条件，可重复；DIM：{', '.join(DIMENSION_FIELDS)}",
    )
    parser.add_argument("--db", help="数据仓库路径（默认：COCKPIT_DB 或 settings.toml）")
    parser.add_argument("--json", action="store_true", help="输出一个 JSON 对象")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        filters = build_filters(args.where)
    except ValueError as error:
        print(f"错误：{error}", file=sys.stderr)
        return 2
    con = open_warehouse(args.db)
    if con is None:
        return 2
    try:
        payload = build_alerts_json(compute_alerts(con, filters, args.as_of))
    finally:
        con.close()
    if args.json:
        print(json.dumps(payload, ensure_ascii=False))
    else:
        print(render_text(payload))
    return 1 if payload["count"] else 0


def _number(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def render_text(payload: dict) -> str:
    if payload["month"] is None:
        return "数据仓库中还没有案件，无法预警。"
    thresholds = payload["thresholds"]
    lines = [f"数据截至 {payload['as_of']}；共 {payload['count']} 条预警。"]
    if payload["filters"]:
        lines.append("筛选：" + "；".join(payload["filters"]))
    lines.append("")
    lines.append(
        f"高频投诉（{payload['month']}，对比前 {len(payload['baseline_months'])} 个月均值；"
        f"≥{thresholds['high_frequency_ratio']:g} 倍且 ≥{thresholds['high_frequency_min_cases']} 件）："
    )
    if payload["high_frequency"]:
        rows = [
            [
                a["product"],
                a["issue"],
                str(a["current"]),
                _number(a["baseline_mean"]),
                "新出现" if a["ratio"] is None else f"{a['ratio']:.2f}倍",
            ]
            for a in payload["high_frequency"]
        ]
        lines.append(render_table(["产品", "问题类型", "本月件数", "基线月均", "倍数"], rows))
    else:
        lines.append("  无")
    lines.append("")
    weeks = payload["weeks_checked"]
    lines.append(
        f"区域激增（{weeks[0]} 起的 {len(weeks)} 个完整周，各对比前 {thresholds['surge_baseline_weeks']} 周；"
        f"超过均值 {thresholds['surge_sigma']:g} 个标准差且 ≥{thresholds['surge_min_cases']} 件）："
    )
    if payload["surges"]:
        rows = [
            [
                a["province"],
                f"{a['week_start']}～{a['week_end']}",
                str(a["current"]),
                _number(a["baseline_mean"]),
                _number(a["baseline_sd"]),
                "—" if a["sigma"] is None else f"{a['sigma']:.1f}σ",
            ]
            for a in payload["surges"]
        ]
        lines.append(render_table(["省份", "周", "本周件数", "基线周均", "标准差", "偏离"], rows))
    else:
        lines.append("  无")
    return "\n".join(lines)
