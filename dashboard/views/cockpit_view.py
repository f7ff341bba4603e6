"""What the 驾驶舱总览 page shows, computed by the KPI engine under one set of filters.

No Streamlit and no metric logic here: the engine (dashboard/engine/kpis.py) computes
every figure; this module asks it for the headline, 12 months of each metric
for the sparklines, the channel / business-line / issue mixes, and ranks the
issues that rose most against the chosen comparison period.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

from dashboard.engine.filters import Filters
from dashboard.engine.formatting import MISSING, format_change, format_count, format_series
from dashboard.engine.i18n import FILTER_NAMES_EN, text
from dashboard.engine.kpis import (
    KpiReport,
    KpiSource,
    compute_breakdown,
    compute_kpis,
    compute_mix,
    is_covered,
    resolve_period,
)
from dashboard.engine.periods import Period, add_months, month_start

SPARKLINE_MONTHS = 12
RISING_TOP = 5
MIX_SHOWN = ("channel", "business_line", "issue")
RISING_SCHEMA = {
    "key": pl.String,
    "current": pl.Int64,
    "earlier": pl.Int64,
    "change": pl.Int64,
    "change_rate": pl.Float64,
}


@dataclass(frozen=True)
class CockpitView:
    """Everything the cockpit needs for one (warehouse version, filters); `error` when nothing can be shown."""

    report: KpiReport | None
    error: str | None = None
    sparklines: pl.DataFrame = field(default_factory=pl.DataFrame)  # key (YYYY-MM) + one column per metric
    mixes: dict[str, pl.DataFrame] = field(default_factory=dict)  # dim -> key, volume, share
    rising: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=RISING_SCHEMA))
    base_period: Period | None = None  # what the rising issues are compared with
    base_covered: bool = False  # whether the warehouse holds data for the base period


def sparkline_period(period: Period) -> Period:
    """The 12 calendar months ending with the month of P's last day (that month cut at P's end)."""
    last_month = month_start(period.last_day)
    return Period(add_months(last_month, -(SPARKLINE_MONTHS - 1)), period.end)


def comparison_base(report: KpiReport, comparison: str) -> Period:
    return report.previous_period if comparison == "pop" else report.previous_year


def rank_rising_issues(current: pl.DataFrame, earlier: pl.DataFrame, top: int = RISING_TOP) -> pl.DataFrame:
    """Issues whose volume rose most (in cases) between two mixes; growth is NULL when the base was 0."""
    joined = (
        current.select("key", current=pl.col("volume"))
        .join(earlier.select("key", earlier=pl.col("volume")), on="key", how="full", coalesce=True, nulls_equal=True)
        .with_columns(pl.col("current", "earlier").fill_null(0).cast(pl.Int64))
        .with_columns(change=pl.col("current") - pl.col("earlier"))
        .with_columns(
            change_rate=pl.when(pl.col("earlier") > 0).then(pl.col("change") / pl.col("earlier")).cast(pl.Float64)
        )
    )
    return (
        joined.filter(pl.col("change") > 0)
        .sort(["change", "current", "key"], descending=[True, True, False], nulls_last=True)
        .head(top)
        .select(list(RISING_SCHEMA))
        .cast(RISING_SCHEMA)  # type: ignore[arg-type]
    )


def build_cockpit_view(source: KpiSource) -> CockpitView:
    """Headline KPIs, sparklines, mixes and rising issues of the period the source's filters select."""
    try:
        period = resolve_period(source)
    except ValueError as error:
        return CockpitView(report=None, error=str(error))
    report = compute_kpis(source, period)
    sparklines = compute_breakdown(source, sparkline_period(period), "month")
    mixes = compute_mix(source, period, MIX_SHOWN)
    base = comparison_base(report, source.filters.comparison)
    earlier = compute_mix(source, base, ("issue",))["issue"]
    return CockpitView(
        report=report,
        sparklines=sparklines,
        mixes=mixes,
        rising=rank_rising_issues(mixes["issue"], earlier),
        base_period=base,
        base_covered=is_covered(report.coverage, base),
    )


def sparkline_values(sparklines: pl.DataFrame, metric_id: str) -> list[float]:
    """A metric's monthly values in order, months where it cannot be computed left out."""
    if sparklines.is_empty() or metric_id not in sparklines.columns:
        return []
    return [float(v) for v in sparklines.sort("key")[metric_id].to_list() if v is not None]


def describe_period(view: CockpitView, lang: str) -> str:
    report = view.report
    if report is None:
        return ""
    return text(
        "period_line",
        lang,
        period=report.period.label() if lang == "zh" else report.period.label().replace(" 至 ", " to "),
        last_year=report.previous_year.label()
        if lang == "zh"
        else report.previous_year.label().replace(" 至 ", " to "),
        before=report.previous_period.label()
        if lang == "zh"
        else report.previous_period.label().replace(" 至 ", " to "),
    )


def describe_freshness(latest_received: datetime | None, last_load: datetime | None, lang: str) -> str:
    """最近受理时间 and the time of the last load, minutes precision."""

    def show(value: datetime | None) -> str:
        return MISSING if value is None else value.strftime("%Y-%m-%d %H:%M")

    return text("freshness", lang, latest=show(latest_received), load=show(last_load))


def describe_filters(filters: Filters, lang: str) -> str:
    lines = filters.describe() if lang == "zh" else describe_filters_en(filters)
    return text("active_filters", lang, filters="；".join(lines)) if lines else ""


def describe_filters_en(filters: Filters) -> list[str]:
    lines = [
        f"{label}: {', '.join(getattr(filters, name))}"
        for name, label in FILTER_NAMES_EN.items()
        if getattr(filters, name)
    ]
    if filters.region_group:
        lines.append(f"Region group: {filters.region_group}")
    if filters.referred_only:
        lines.append("regulator referrals only")
    return lines


def format_rising_table(rising: pl.DataFrame, lang: str) -> pl.DataFrame:
    """The rising issues with the headers and number formats of the language."""
    return pl.DataFrame(
        [
            rising["key"].fill_null("（空白）").alias(text("key_issue", lang)),
            format_series(rising["current"], lambda v: format_count(v, lang)).alias(text("current", lang)),
            format_series(rising["earlier"], lambda v: format_count(v, lang)).alias(text("earlier", lang)),
            format_series(rising["change"], lambda v: f"+{format_count(v, lang)}").alias(text("change", lang)),
            format_series(rising["change_rate"], format_change, skip_nulls=False).alias(text("change_rate", lang)),
        ]
    )


def describe_base(view: CockpitView, comparison: str, lang: str) -> str:
    """What the rising issues are compared with: 上年同期 (dates) or 上一期间 (dates)."""
    if view.base_period is None:
        return ""
    name = text("last_year", lang) if comparison == "yoy" else f"{text('pop', lang)}{text('earlier', lang)}"
    return (
        f"{name}（{view.base_period.label()}）"
        if lang == "zh"
        else f"{name} ({view.base_period.label().replace(' 至 ', ' to ')})"
    )
