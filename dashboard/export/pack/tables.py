"""The pack's tables as rows of display text (shared by the PPTX and the PDF)."""

from __future__ import annotations

from dashboard.engine.formatting import format_value
from dashboard.engine.metrics import KPI_IDS, STATUS_LABELS, get_metric, target_for
from dashboard.export.pack.content import PackContent
from dashboard.views.kpi_wording import change_text, target_text  # the CLI's wording of changes and targets

KPI_HEADER = ["指标", "本期", "上年同期", "同比", "上一期间", "环比", "目标", "状态"]
STATUS_COLOURS = {"good": "#2E8B57", "warning": "#E0A100", "bad": "#C0392B"}
WATCH_HEADER = ["关注等级", "人数"]


def kpi_rows(content: PackContent) -> list[tuple[list[str], str | None]]:
    """(cells, status) per headline metric; status picks the light's colour."""
    rows = []
    for metric_id in KPI_IDS:
        figure = content.kpis["kpis"][metric_id]
        metric = get_metric(metric_id)
        value, last_year, earlier = figure["value"], figure["previous_year"], figure["previous_period"]
        status = figure.get("status")
        cells = [
            metric.name_zh,
            format_value(value, metric.unit),
            format_value(last_year, metric.unit),
            change_text(metric.unit, value, last_year, figure["yoy"]),
            format_value(earlier, metric.unit),
            change_text(metric.unit, value, earlier, figure["pop"]),
            target_text(metric_id, figure.get("target"), _target_field(metric_id)),
            ("● " + STATUS_LABELS[status]) if status else "",
        ]
        rows.append((cells, status))
    return rows


def _target_field(metric_id: str) -> str | None:
    target = target_for(metric_id)
    return None if target is None else target.field


def alert_rows(content: PackContent) -> list[list[str]]:
    rows = [
        ["高频问题", f"{a['product']} · {a['issue']}", f"{a['month']}：{a['current']}件，基线均值{a['baseline_mean']}"]
        for a in content.alerts.get("high_frequency", [])
    ]
    rows += [
        ["地区激增", a["province"], f"{a['week_start']}当周：{a['current']}件，基线均值{a['baseline_mean']}"]
        for a in content.alerts.get("surges", [])
    ]
    return rows


def watch_rows(content: PackContent) -> list[list[str]]:
    labels = {"red": "红色", "orange": "橙色", "yellow": "黄色"}
    return [[labels[level], f"{n:,}"] for level, n in content.watch_counts.items()]


def definition_rows(content: PackContent) -> list[list[str]]:
    return [[m.name_zh, m.description()] for m in content.definitions]
