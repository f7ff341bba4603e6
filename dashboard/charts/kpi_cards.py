"""KPI cards: a KpiFigure -> the texts and colours of one card (no Streamlit calls).

A card shows the value, the chosen comparison (同比 or 环比) as the metric's
delta, the other comparison on a second line, the target light and a 12-month
sparkline. Arrows follow the sign of the change; their colour follows the
metric's direction (a falling repeat rate is green). Rates change in
percentage points, counts and days in percent, as the kpis CLI prints them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from dashboard.engine import metrics
from dashboard.engine.formatting import MISSING, format_change, format_points, format_value
from dashboard.engine.i18n import metric_name, text
from dashboard.engine.kpis import KpiFigure, KpiReport
from dashboard.engine.metrics import Metric, get_metric
from dashboard.views.cockpit_view import sparkline_values


# Card rows come from the metric registry (Metric.card): the first row fits a 1440x900 screen, the second is
# the detail leadership asks for next, the third the outcomes (mediation, litigation, payments).
def card_rows() -> list[list[str]]:
    return metrics.card_rows()


STATUS_BADGES = {"good": "green", "warning": "orange", "bad": "red"}


@dataclass(frozen=True)
class KpiCard:
    metric_id: str
    label: str
    value: str  # formatted, "—" when the metric cannot be computed
    delta: str | None  # the chosen comparison, ASCII sign first (st.metric reads the arrow from it)
    delta_color: str  # normal | inverse | off
    delta_arrow: str  # auto | off (a change that rounds to zero has no arrow)
    delta_description: str  # 同比 / 环比
    footnote: str  # markdown: the other comparison, the target light, or why the value is "—"
    help: str  # definition, target, the earlier figures
    spark: list[float]
    status: str | None


def describe_change(
    metric: Metric, value: float | None, earlier: float | None, relative: float | None, lang: str
) -> str:
    """+0.3个百分点 for rates, +8.4% for counts and days, "—" when either side is missing."""
    if metric.unit == "rate":
        return format_points(None if value is None or earlier is None else value - earlier, lang)
    return format_change(relative)


def ascii_sign(change: str) -> str:
    # st.metric decides the arrow from a leading ASCII "-"; the formats print a true minus (−).
    return change.replace("−", "-", 1)


def is_zero_change(change: str) -> bool:
    """0.0% or 0.0个百分点: no arrow (the formats round, so a tiny change reads as zero)."""
    digits = [ch for ch in change if ch.isdigit()]
    return bool(digits) and all(ch == "0" for ch in digits)


def delta_colour(metric: Metric) -> str:
    if metric.lower_is_better is None:
        return "off"
    return "inverse" if metric.lower_is_better else "normal"


def change_markdown(metric: Metric, change: str) -> str:
    """The change with an arrow, coloured green when it moves the good way, red the bad way."""
    if change == MISSING or is_zero_change(change):
        return change
    rising = not change.startswith("−")
    arrow = ":material/arrow_upward:" if rising else ":material/arrow_downward:"
    if metric.lower_is_better is None:
        colour = "gray"
    else:
        colour = "red" if rising == metric.lower_is_better else "green"
    return f":{colour}[{arrow}{change}]"


def describe_target(metric: Metric, figure: KpiFigure, lang: str) -> str:
    if figure.target is None:
        return ""
    sign = "≤" if metric.lower_is_better else "≥"
    if figure.target_field == "yoy":
        return f"{text('yoy', lang)}{sign}{format_change(figure.target)}"
    return f"{sign}{format_value(figure.target, metric.unit, lang)}"


def target_badge(metric: Metric, figure: KpiFigure, lang: str) -> str:
    if figure.target is None:
        return ""
    target = describe_target(metric, figure, lang)
    if figure.status is None:
        return f":gray-badge[{text('target', lang)} {target}]"
    return f":{STATUS_BADGES[figure.status]}-badge[{text('status_' + figure.status, lang)} {target}]"


def build_card(figure: KpiFigure, spark: list[float], comparison: str, lang: str) -> KpiCard:
    metric = get_metric(figure.metric_id)
    yoy = describe_change(metric, figure.value, figure.previous_year, figure.yoy, lang)
    pop = describe_change(metric, figure.value, figure.previous_period, figure.pop, lang)
    primary, other = (pop, yoy) if comparison == "pop" else (yoy, pop)
    other_name = text("yoy" if comparison == "pop" else "pop", lang)
    if figure.value is None:
        footnote = f":gray[{figure.reason or text('not_available', lang)}]"
    else:
        parts = [f"{other_name} {change_markdown(metric, other)}", target_badge(metric, figure, lang)]
        footnote = " ".join(p for p in parts if p)
    earlier = (
        f"{text('last_year', lang)} {format_value(figure.previous_year, metric.unit, lang)}；"
        f"{text('pop', lang)}{text('earlier', lang)} {format_value(figure.previous_period, metric.unit, lang)}"
    )
    target = describe_target(metric, figure, lang)
    help_lines = [metric.description(), earlier]
    if target:
        help_lines.append(f"{text('target', lang)}：{target}")
    if figure.value is None and figure.reason:
        help_lines.append(f"{MISSING}：{figure.reason}")
    return KpiCard(
        metric_id=figure.metric_id,
        label=metric_name(figure.metric_id, lang),
        value=format_value(figure.value, metric.unit, lang),
        delta=None if primary == MISSING else ascii_sign(primary),
        delta_color="off" if is_zero_change(primary) else delta_colour(metric),
        delta_arrow="off" if is_zero_change(primary) else "auto",
        delta_description=text(comparison, lang),
        footnote=footnote,
        help="\n\n".join(help_lines),
        spark=spark,
        status=figure.status,
    )


def build_cards(
    report: KpiReport, sparklines: pl.DataFrame, ids: Sequence[str], comparison: str, lang: str
) -> list[KpiCard]:
    """Cards for these metrics, each with its 12-month sparkline."""
    return [build_card(report.kpis[m], sparkline_values(sparklines, m), comparison, lang) for m in ids]
