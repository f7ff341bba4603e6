"""趋势分析's data: every figure is the KPI engine's, shaped for charts (demo warehouse, real DuckDB)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

from dashboard.engine.filters import Filters
from dashboard.engine.kpi_source import DuckDBSource, list_filter_options
from dashboard.engine.kpis import compute_breakdown, compute_period_metrics, resolve_period
from dashboard.engine.metrics import KPI_IDS, target_for
from dashboard.engine.periods import Period, previous_year
from dashboard.views import trends_view as tv
from warehouse import store


@pytest.fixture
def con(demo_db: Path):
    connection = store.open_reader(str(demo_db))
    yield connection
    connection.close()


def test_trend_span_reaches_back_whole_buckets() -> None:
    period = Period(date(2026, 7, 1), date(2026, 10, 1))
    assert tv.trend_span(period, "month") == Period(date(2025, 10, 1), date(2026, 10, 1))
    assert tv.trend_span(period, "quarter") == Period(date(2024, 10, 1), date(2026, 10, 1))
    weekly = tv.trend_span(period, "week")
    assert weekly.start.weekday() == 0 and weekly.end == period.end
    assert len(tv.week_periods(weekly)) == tv.TRAILING_WEEKS
    # A custom period longer than the trailing history is kept whole.
    long = Period(date(2024, 3, 15), date(2026, 10, 1))
    assert tv.trend_span(long, "month").start == date(2024, 3, 1)


def test_week_periods_cover_the_span_without_gaps() -> None:
    span = Period(date(2026, 1, 1), date(2026, 2, 11))
    weeks = tv.week_periods(span)
    assert weeks[0][1].start == span.start and weeks[-1][1].end == span.end
    for (_, earlier), (_, later) in zip(weeks, weeks[1:], strict=False):
        assert earlier.end == later.start and later.start.weekday() == 0
    assert weeks[0][0] == "2026-W01"


@pytest.mark.parametrize("grain", ["month", "quarter", "week"])
def test_stacked_volumes_add_up_to_the_total(con, grain: str) -> None:
    filters = Filters()
    total = tv.build_volume_trend(lambda f: DuckDBSource(con, f), filters, grain)
    channels = list_filter_options(con).channels
    stacked = tv.build_volume_trend(lambda f: DuckDBSource(con, f), filters, grain, "channel", channels)
    assert not isinstance(total, str) and not isinstance(stacked, str)
    sums = stacked.volumes.group_by("bucket").agg(pl.col("volume").sum()).sort("bucket")
    totals = total.volumes.select("bucket", "volume").sort("bucket")
    assert sums.filter(pl.col("volume") > 0).equals(totals.filter(pl.col("volume") > 0))
    # Every case of the span is in exactly one bucket.
    span_volume = compute_period_metrics(DuckDBSource(con, filters), total.span)["volume"][0]
    assert int(total.volumes["volume"].sum()) == span_volume


def test_last_year_overlay_is_the_engine_volume_a_year_earlier(con) -> None:
    trend = tv.build_volume_trend(lambda f: DuckDBSource(con, f), Filters(), "month")
    assert not isinstance(trend, str)
    earlier = compute_breakdown(DuckDBSource(con), previous_year(trend.span), "month")
    expected = {f"{int(k[:4]) + 1}{k[4:]}": v for k, v in zip(earlier["key"], earlier["volume"], strict=True)}
    assert dict(zip(trend.last_year["bucket"], trend.last_year["volume"], strict=True)) == expected


def test_weekly_last_year_is_52_weeks_earlier(con) -> None:
    trend = tv.build_volume_trend(lambda f: DuckDBSource(con, f), Filters(), "week")
    assert not isinstance(trend, str)
    label, first = tv.week_periods(trend.span)[0]
    shifted = Period(first.start - timedelta(days=364), first.end - timedelta(days=364))
    expected = compute_period_metrics(DuckDBSource(con), shifted)["volume"][0]
    assert trend.last_year.filter(pl.col("bucket") == label)["volume"][0] == expected


def test_narrowed_filters_stack_only_the_selected_members(con) -> None:
    channels = list_filter_options(con).channels[:2]
    filters = Filters(channels=tuple(channels))
    members = tv.stack_members(filters, "channel", list_filter_options(con).channels)
    assert members == channels
    trend = tv.build_volume_trend(lambda f: DuckDBSource(con, f), filters, "month", "channel", members)
    assert not isinstance(trend, str)
    assert set(trend.volumes["series"]) == set(channels)


def test_kpi_trends_are_the_engine_breakdown_with_target_lines(con) -> None:
    source = DuckDBSource(con, Filters(preset="last_full_quarter"))
    trends = tv.build_kpi_trends(source, "month")
    assert not isinstance(trends, str)
    assert [t.metric_id for t in trends] == list(KPI_IDS)
    span = tv.trend_span(resolve_period(source), "month")
    breakdown = compute_breakdown(source, span, "month")
    for trend in trends:
        target = target_for(trend.metric_id)
        if trend.figure == "value":
            assert trend.points["value"].to_list() == breakdown[trend.metric_id].cast(pl.Float64).to_list()
        if target is not None:
            assert set(trend.points["target"]) == {target.target}
            assert set(trend.points["warning"]) == {target.warning}
    volume = next(t for t in trends if t.metric_id == "volume")
    assert volume.figure == "yoy"  # settings: the volume target is on its year-on-year change


def test_a_period_outside_the_data_gives_the_engines_reason(con) -> None:
    filters = Filters(preset="custom", start=date(2010, 1, 1), end=date(2010, 4, 1))
    trends = tv.build_kpi_trends(DuckDBSource(con, filters), "month")
    assert not isinstance(trends, str)
    repeat = next(t for t in trends if t.metric_id == "repeat_rate")
    assert repeat.points["value"].is_null().all()
    assert repeat.points["reason"].str.contains("不在数据覆盖范围内").all()
