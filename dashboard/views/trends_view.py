"""What the 趋势分析 page shows: volume by month / quarter with last year overlaid, stacked by a
dimension, and every KPI per month against its target. All figures come from the KPI engine.

Stacking asks the engine for the volume by time bucket once per member of the
stacking dimension (the filters narrowed to that member), so a stacked bar is
the same number the cockpit shows for that channel or business line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

import polars as pl

from dashboard.engine.filters import Filters
from dashboard.engine.formatting import format_change, format_series, format_value
from dashboard.engine.i18n import metric_name, text
from dashboard.engine.kpis import KpiSource, compute_breakdown, is_covered, resolve_period
from dashboard.engine.metrics import KPI_IDS, get_metric, target_for
from dashboard.engine.periods import Period, add_months, month_start, previous_year, quarter_start

GRAINS: tuple[str, ...] = ("month", "quarter", "week")
KPI_GRAINS: tuple[str, ...] = ("month", "quarter")  # the engine's time breakdowns; weeks show KPIs by month
TRAILING_WEEKS = 26
WEEK_SHIFT_DAYS = 364  # last year's same week: 52 weeks earlier, so weekdays line up
STACK_DIMENSIONS: tuple[str, ...] = ("channel", "business_line")
TRAILING_MONTHS = {"month": 12, "quarter": 24}  # at least this much history on a trend chart
STACK_FIELDS = {"channel": "channels", "business_line": "business_lines"}
TOTAL = "__total__"

SourceFactory = Callable[[Filters], KpiSource]


@dataclass(frozen=True)
class VolumeTrend:
    span: Period
    grain: str
    stack_by: str | None
    volumes: pl.DataFrame  # bucket, series (a member, or TOTAL), volume
    last_year: pl.DataFrame  # bucket (this year's label), volume a year earlier; NULL when not covered


@dataclass(frozen=True)
class KpiTrend:
    metric_id: str
    figure: str  # "value", or "yoy" when the target applies to the year-on-year change
    points: pl.DataFrame  # bucket, value, reason, target, warning


def kpi_grain(grain: str) -> str:
    return grain if grain in KPI_GRAINS else "month"


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_label(day: date) -> str:
    """ISO week of a day: 2026-W43."""
    year, week, _weekday = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def week_periods(span: Period) -> list[tuple[str, Period]]:
    """The ISO weeks (Monday to Sunday) of the span, the first and last cut at the span's ends."""
    weeks: list[tuple[str, Period]] = []
    monday = week_start(span.start)
    while monday < span.end:
        weeks.append((week_label(monday), Period(max(monday, span.start), min(monday + timedelta(days=7), span.end))))
        monday += timedelta(days=7)
    return weeks


def trend_span(period: Period, grain: str) -> Period:
    """P, widened back to whole buckets and at least the trailing history of the grain."""
    if grain not in GRAINS:
        raise ValueError(f"不支持的时间粒度 {grain!r}；可选：{'、'.join(GRAINS)}")
    if grain == "week":
        trailing = week_start(period.last_day) - timedelta(days=7 * (TRAILING_WEEKS - 1))
        return Period(min(trailing, week_start(period.start)), period.end)
    align = month_start if grain == "month" else quarter_start
    last_bucket = align(period.last_day)
    trailing = add_months(last_bucket, -(TRAILING_MONTHS[grain] - (1 if grain == "month" else 3)))
    return Period(min(trailing, align(period.start)), period.end)


def shift_bucket(bucket: str, years: int) -> str:
    """'2025-03' -> '2026-03', '2025Q1' -> '2026Q1'."""
    return f"{int(bucket[:4]) + years:04d}{bucket[4:]}"


def _volumes(source: KpiSource, period: Period, grain: str) -> pl.DataFrame:
    frame = compute_breakdown(source, period, grain)
    return frame.select(pl.col("key").alias("bucket"), pl.col("volume").cast(pl.Int64))


def stack_members(filters: Filters, stack_by: str, available: Sequence[str]) -> list[str]:
    """The members to stack: those selected in the filters, else every member that occurs."""
    selected: tuple[str, ...] = getattr(filters, STACK_FIELDS[stack_by])
    return list(selected) if selected else list(available)


def build_volume_trend(
    source_for: SourceFactory,
    filters: Filters,
    grain: str,
    stack_by: str | None = None,
    members: Sequence[str] = (),
) -> VolumeTrend | str:
    """Volume per bucket (per member when stacked) and last year's; a Chinese reason when impossible."""
    source = source_for(filters)
    try:
        period = resolve_period(source)
    except ValueError as error:
        return str(error)
    span = trend_span(period, grain)
    if grain == "week":
        return build_weekly_trend(source, span, stack_by)
    parts: list[pl.DataFrame] = []
    if stack_by is None:
        parts.append(_volumes(source, span, grain).with_columns(series=pl.lit(TOTAL)))
    else:
        field_name = STACK_FIELDS[stack_by]
        for member in members:
            narrowed = source_for(replace(filters, **{field_name: (member,)}))
            parts.append(_volumes(narrowed, span, grain).with_columns(series=pl.lit(member)))
    volumes = pl.concat(parts) if parts else pl.DataFrame(schema={"bucket": pl.String, "volume": pl.Int64})
    if "series" not in volumes.columns:
        volumes = volumes.with_columns(series=pl.lit(TOTAL))
    earlier = previous_year(span)
    coverage = source.coverage()
    last_year = _volumes(source, earlier, grain)
    last_year = last_year.with_columns(format_series(last_year["bucket"], lambda b: shift_bucket(b, 1)))
    if not is_covered(coverage, earlier):
        last_year = last_year.with_columns(pl.lit(None, dtype=pl.Int64).alias("volume"))
    return VolumeTrend(span, grain, stack_by, volumes.select("bucket", "series", "volume"), last_year)


def _weekly_volumes(source: KpiSource, weeks: list[tuple[str, Period]], stack_by: str | None) -> pl.DataFrame:
    """bucket, series, volume: one volume query per week (by the stacking dimension when there is one)."""
    dimension = stack_by or "channel"  # any dimension: its keys add up to the week's volume
    frames = []
    for label, week in weeks:
        by_key = source.volumes(week, [dimension])[dimension]
        if stack_by is None:
            frame = pl.DataFrame({"series": [TOTAL], "volume": [int(by_key["volume"].sum())]})
        else:
            frame = by_key.select(series=pl.col("key").fill_null("（空白）"), volume=pl.col("volume").cast(pl.Int64))
        frames.append(
            frame.with_columns(bucket=pl.lit(label)).select("bucket", "series", pl.col("volume").cast(pl.Int64))
        )
    return pl.concat(frames)


def build_weekly_trend(source: KpiSource, span: Period, stack_by: str | None) -> VolumeTrend:
    """Volume per ISO week of the span, and the same weeks 52 weeks earlier (NULL where not covered)."""
    weeks = week_periods(span)
    volumes = _weekly_volumes(source, weeks, stack_by)
    coverage = source.coverage()
    earlier = [
        (label, Period(p.start - timedelta(days=WEEK_SHIFT_DAYS), p.end - timedelta(days=WEEK_SHIFT_DAYS)))
        for label, p in weeks
    ]
    last_year = _weekly_volumes(source, earlier, None).select("bucket", "volume")
    covered = pl.Series([is_covered(coverage, p) for _label, p in earlier])
    last_year = last_year.with_columns(pl.when(covered).then(pl.col("volume")).alias("volume"))
    return VolumeTrend(span, "week", stack_by, volumes, last_year)


def build_volume_table(trend: VolumeTrend, total_label: str, last_year_label: str, yoy_label: str) -> pl.DataFrame:
    """Wide table under the chart: bucket, each member, total, last year, 同比 (fractions)."""
    wide = trend.volumes.pivot(on="series", index="bucket", values="volume", aggregate_function="sum").sort("bucket")
    members = [c for c in wide.columns if c not in ("bucket", TOTAL)]
    if TOTAL in wide.columns:
        wide = wide.rename({TOTAL: total_label})
    else:
        wide = wide.with_columns(pl.sum_horizontal(members).alias(total_label))
    wide = wide.join(trend.last_year.rename({"volume": last_year_label}), on="bucket", how="left")
    return wide.with_columns(
        pl.when(pl.col(last_year_label) > 0).then(pl.col(total_label) / pl.col(last_year_label) - 1).alias(yoy_label)
    )


def build_kpi_trends(source: KpiSource, grain: str, metric_ids: Sequence[str] = KPI_IDS) -> list[KpiTrend] | str:
    """Each metric per bucket of the trend span with its target and warning lines."""
    try:
        period = resolve_period(source)
    except ValueError as error:
        return str(error)
    grain = kpi_grain(grain)
    span = trend_span(period, grain)
    current = compute_breakdown(source, span, grain)
    trends: list[KpiTrend] = []
    for metric_id in metric_ids:
        target = target_for(metric_id)
        figure = target.field if target is not None else "value"
        if figure == "value":
            points = current.select(
                pl.col("key").alias("bucket"),
                pl.col(metric_id).cast(pl.Float64).alias("value"),
                pl.col(f"{metric_id}__reason").alias("reason"),
            )
        else:  # the target is on the change against last year (volume): each bucket's 同比
            earlier_breakdown = compute_breakdown(source, previous_year(span), grain)
            earlier = earlier_breakdown.select(
                format_series(earlier_breakdown["key"], lambda b: shift_bucket(b, 1)).alias("bucket"),
                pl.col(metric_id).cast(pl.Float64).alias("earlier"),
            )
            points = (
                current.select(pl.col("key").alias("bucket"), pl.col(metric_id).cast(pl.Float64).alias("now"))
                .join(earlier, on="bucket", how="left")
                .select(
                    "bucket",
                    value=pl.when(pl.col("earlier") > 0).then(pl.col("now") / pl.col("earlier") - 1),
                    reason=pl.when(~(pl.col("earlier") > 0)).then(pl.lit("上年同期没有数据")),
                )
            )
        points = points.with_columns(
            target=pl.lit(None if target is None else target.target, dtype=pl.Float64),
            warning=pl.lit(None if target is None else target.warning, dtype=pl.Float64),
        ).sort("bucket")
        trends.append(KpiTrend(metric_id, figure, points))
    return trends


def describe_span(span: Period, lang: str = "zh") -> str:
    return span.label() if lang == "zh" else f"{span.start.isoformat()} to {span.last_day.isoformat()}"


def metric_unit(trend: KpiTrend) -> str:
    """The catalog unit, or "yoy" when the trend shows the year-on-year change."""
    return "yoy" if trend.figure != "value" else get_metric(trend.metric_id).unit


def _format_cells(values: pl.Series, unit: str, lang: str) -> pl.Series:
    if unit == "yoy":
        return format_series(values, format_change, skip_nulls=False)
    return format_series(values, lambda v: format_value(v, unit, lang), skip_nulls=False)


def format_volume_table(trend: VolumeTrend, lang: str) -> pl.DataFrame:
    """The volume chart's numbers: bucket, members, total, last year, 同比 — formatted for reading."""
    total, last_year, yoy = text("volume", lang), text("last_year", lang), text("yoy", lang)
    wide = build_volume_table(trend, total, last_year, yoy)
    counts = [c for c in wide.columns if c not in ("bucket", yoy)]
    return wide.select(
        pl.col("bucket").alias(text("bucket", lang)),
        *(_format_cells(wide[c], "count", lang) for c in counts),
        _format_cells(wide[yoy], "yoy", lang),
    )


def format_kpi_table(trend: KpiTrend, lang: str) -> pl.DataFrame:
    """A KPI chart's numbers with the reason where a bucket is "—"."""
    unit = metric_unit(trend)
    columns = [
        pl.col("bucket").alias(text("bucket", lang)),
        _format_cells(trend.points["value"], unit, lang).alias(metric_name(trend.metric_id, lang)),
    ]
    if trend.points["target"].is_not_null().any():
        columns.append(_format_cells(trend.points["target"], unit, lang).alias(text("target_line", lang)))
    columns.append(pl.col("reason").fill_null("").alias(text("not_available", lang)))
    return trend.points.select(columns)


def first_day(bucket: str) -> date:
    """The first day of a month ('2026-03') or quarter ('2026Q1') bucket."""
    if "Q" in bucket:
        return date(int(bucket[:4]), 3 * (int(bucket[-1]) - 1) + 1, 1)
    return date(int(bucket[:4]), int(bucket[5:7]), 1)
