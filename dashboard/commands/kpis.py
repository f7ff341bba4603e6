"""`kpis`: every headline metric of a period, with 同比/环比, target and status, optionally by a dimension.

    python -m dashboard kpis --from 2024-07-01 --to 2024-10-01 [--by province]
        [--where channel=来访 --where province=广东] [--db PATH] [--json]

`--to` is exclusive. `--preset this_month|this_quarter|this_year|last_12_months|last_full_quarter`
may replace --from/--to (relative to the latest 受理日期 in the warehouse).
Exit 0 on success, 2 when the arguments or the warehouse cannot be used.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from dataclasses import replace
from datetime import date
from typing import Any

from dashboard.commands import open_warehouse
from dashboard.engine.backlog import compute_backlog
from dashboard.engine.filters import DIMENSION_FIELDS, Filters
from dashboard.engine.formatting import MISSING, format_value
from dashboard.engine.kpi_source import DuckDBSource
from dashboard.engine.kpis import (
    DIMENSION_LABELS,
    DIMENSIONS,
    KpiReport,
    build_kpis_json,
    compute_breakdown,
    compute_kpis,
    compute_mix,
    resolve_period,
)
from dashboard.engine.metrics import CATALOG, KPI_IDS, STATUS_LABELS, get_metric
from dashboard.engine.periods import PRESETS, Period
from dashboard.views.kpi_wording import change_text, target_text


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("kpis", help="计算期间指标（同比、环比、目标、状态），可按维度分组")
    parser.add_argument("--from", dest="start", type=_parse_day, help="期间开始日期 YYYY-MM-DD（含）")
    parser.add_argument("--to", dest="end", type=_parse_day, help="期间结束日期 YYYY-MM-DD（不含）")
    parser.add_argument(
        "--preset",
        choices=[p for p in PRESETS if p != "custom"],
        help="代替 --from/--to 的期间预设（相对于数据中最新的受理日期）",
    )
    parser.add_argument("--by", choices=DIMENSIONS, help="分组维度")
    parser.add_argument(
        "--where",
        action="append",
        default=[],
        metavar="DIM=VALUE",
        help=f"筛选条件，可重复（同一维度的多个值为“或”）；DIM：{', '.join(DIMENSION_FIELDS)}",
    )
    parser.add_argument("--db", help="数据仓库路径（默认：COCKPIT_DB 或 settings.toml）")
    parser.add_argument("--json", action="store_true", help="输出一个 JSON 对象（比率为小数，如 0.092）")
    parser.set_defaults(handler=run)


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期 {text!r} 的格式应为 YYYY-MM-DD") from None


def build_filters(conditions: list[str]) -> Filters:
    """Filters from `DIM=VALUE` strings (raises ValueError with a Chinese message)."""
    filters = Filters()
    for condition in conditions:
        dimension, sep, value = condition.partition("=")
        if not sep or not value.strip():
            raise ValueError(f"筛选条件 {condition!r} 应写成 维度=值，例如 channel=来访")
        filters = filters.with_where(dimension.strip(), value)
    return filters


def run(args: argparse.Namespace) -> int:
    try:
        filters = build_filters(args.where)
        if args.preset is not None:
            filters = replace(filters, preset=args.preset)
        elif args.start is None or args.end is None:
            raise ValueError("请给出 --from 和 --to（结束日期不含），或使用 --preset")
        else:
            filters = filters.with_custom_period(Period(args.start, args.end))
    except ValueError as error:
        print(f"错误：{error}", file=sys.stderr)
        return 2
    con = open_warehouse(args.db)
    if con is None:
        return 2
    try:
        source = DuckDBSource(con, filters)
        period = resolve_period(source)  # the same path as the pages
        report = compute_kpis(source, period)
        breakdown = compute_breakdown(source, period, args.by) if args.by else None
        mixes = compute_mix(source, period)
        backlog = compute_backlog(con, filters, period)
    except ValueError as error:
        print(f"错误：{error}", file=sys.stderr)
        return 2
    finally:
        con.close()
    payload = build_kpis_json(report, args.by, breakdown, mixes)
    payload["backlog"] = backlog.to_json()
    if args.json:
        print(json.dumps(payload, ensure_ascii=False, default=str))
    else:
        print(render_text(report, payload, filters))
        buckets = "，".join(f"{name} {n} 件" for name, n in backlog.buckets.items())
        print(f"\n积案（截至 {backlog.as_of} 日终未办结且已超期）：{backlog.total} 件（{buckets}）")
    return 0


# ---- readable Chinese output ----------------------------------------------------------------
def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def render_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(_pad(cell, widths[i]) for i, cell in enumerate(header)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend("  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows)
    return "\n".join(lines)


def render_text(report: KpiReport, payload: dict[str, Any], filters: Filters) -> str:
    lines = [
        f"期间：{report.period.label()}（上年同期 {report.previous_year.label()}；"
        f"上一期间 {report.previous_period.label()}）"
    ]
    if filters.describe():
        lines.append("筛选：" + "；".join(filters.describe()))
    # JSON keeps yoy/pop as relative changes for every metric (the contract); the table shows
    # rates' changes in percentage points, as reports do.
    header = ["指标", "本期", "上年同期", "同比", "上一期间", "环比", "目标", "状态"]
    rows: list[list[str]] = []
    notes: dict[str, list[str]] = {}  # reason -> metrics, so a shared reason is printed once
    for metric_id in KPI_IDS:
        figure = report.kpis[metric_id]
        metric = get_metric(metric_id)
        rows.append(
            [
                metric.name_zh,
                format_value(figure.value, metric.unit),
                format_value(figure.previous_year, metric.unit),
                change_text(metric.unit, figure.value, figure.previous_year, figure.yoy),
                format_value(figure.previous_period, metric.unit),
                change_text(metric.unit, figure.value, figure.previous_period, figure.pop),
                target_text(metric_id, figure.target, figure.target_field),
                STATUS_LABELS.get(figure.status or "", ""),
            ]
        )
        if figure.value is None and figure.reason:
            notes.setdefault(figure.reason, []).append(metric.name_zh)
    lines.append(render_table(header, rows))
    if notes:
        lines.append(f"说明（{MISSING} 表示无法计算）：")
        lines.extend(f"  {'、'.join(names)}：{reason}" for reason, names in notes.items())
    by = payload.get("by")
    if by:
        lines.append("")
        lines.append(f"按{DIMENSION_LABELS[by['dim']]}：")
        shown = [m.id for m in CATALOG if m.in_breakdown]
        header = [DIMENSION_LABELS[by["dim"]], *(get_metric(m).name_zh for m in shown)]
        table = [
            [
                str(row["key"]) if row["key"] is not None else "（空）",
                *(format_value(row[m], get_metric(m).unit) for m in shown),
            ]
            for row in by["rows"]
        ]
        lines.append(render_table(header, table))
    return "\n".join(lines)
