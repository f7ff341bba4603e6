"""The 区域分析 figures on the demo warehouse, checked against the KPI engine and plain SQL.

Every expected number is computed here from the warehouse the session built
(tests/cockpit_support.py), either with the engine (dashboard/engine/kpis.py) or
with an independent count over v_complaint.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import duckdb
import polars as pl
import pytest

from dashboard.charts import geo
from dashboard.engine.filters import Filters
from dashboard.engine.kpi_source import DuckDBSource, list_filter_options
from dashboard.engine.kpis import compute_breakdown, compute_kpis, resolve_period
from dashboard.engine.periods import Period
from dashboard.views import regions_view as view
from warehouse import store


@pytest.fixture(scope="module")
def con(demo_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:  # noqa: F811
    connection = store.open_reader(demo_db)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def period(con: duckdb.DuckDBPyConnection) -> Period:
    return resolve_period(DuckDBSource(con, Filters()))


def headline_volume(con: duckdb.DuckDBPyConnection, filters: Filters, period: Period) -> int:
    return int(compute_kpis(DuckDBSource(con, filters), period).kpis["volume"].value or 0)


def test_every_region_in_the_warehouse_joins_a_map_feature(con: duckdb.DuckDBPyConnection) -> None:
    provinces = [r[0] for r in con.sql("SELECT DISTINCT province FROM dim_region").fetchall()]
    assert len(provinces) >= 30
    assert geo.unmatched_regions(None, provinces) == []
    short = [r[0] for r in con.sql("SELECT DISTINCT province_short FROM dim_region").fetchall()]
    assert geo.unmatched_regions(None, short) == []
    for province in provinces:
        names = [
            r[0]
            for r in con.sql(
                "SELECT DISTINCT city FROM dim_region WHERE province = $p", params={"p": province}
            ).fetchall()
        ]
        assert geo.unmatched_regions(province, names) == [], province


def test_province_values_are_the_engines_breakdown(con: duckdb.DuckDBPyConnection, period: Period) -> None:
    for metric_id in ("volume", "per_million_customers", "repeat_rate", "on_time_rate"):
        values = view.region_values(con, Filters(), period, metric_id)
        engine = compute_breakdown(DuckDBSource(con, Filters()), period, "province").filter(pl.col("key").is_not_null())
        expected = dict(zip(engine["key"], engine[metric_id], strict=True))
        assert dict(zip(values["key"], values["value"], strict=True)) == pytest.approx(expected, nan_ok=True)
    volumes = view.region_values(con, Filters(), period, "volume")
    assert volumes["value"].sum() == headline_volume(con, Filters(), period)


def test_city_values_of_a_drilled_province(con: duckdb.DuckDBPyConnection, period: Period) -> None:
    top = view.region_values(con, Filters(), period, "volume")["key"][0]
    cities = view.region_values(con, Filters(), period, "volume", province=top)
    known = {r[0] for r in con.sql("SELECT city FROM dim_region WHERE province = $p", params={"p": top}).fetchall()}
    assert set(cities["key"]) <= known
    by_sql = con.sql(
        "SELECT count(*) FROM v_complaint WHERE province = $p AND city IS NOT NULL "
        "AND received_date >= $s AND received_date < $e",
        params={"p": top, "s": period.start, "e": period.end},
    ).fetchall()[0][0]
    assert cities["value"].sum() == by_sql


def test_high_risk_counts_equal_the_engines_risk_breakdown(con: duckdb.DuckDBPyConnection, period: Period) -> None:
    values = view.region_values(con, Filters(), period, view.HIGH_RISK)
    assert values["value"].sum() > 0
    for province, count in zip(values["key"].head(6), values["value"].head(6), strict=True):
        levels = compute_breakdown(DuckDBSource(con, Filters(provinces=(province,))), period, "risk_level")
        high = levels.filter(pl.col("key") == "高")["volume"]
        assert count == (high[0] if high.len() else 0), province


def test_trend_months_add_up_to_the_twelve_month_volume(con: duckdb.DuckDBPyConnection, period: Period) -> None:
    months = view.trend_periods(period)
    assert len(months) == 12 and months[-1].end == period.end
    whole = Period(months[0].start, months[-1].end)
    trend = view.region_trend(con, Filters(), period, "volume")
    totals = trend.group_by("key").agg(pl.col("value").sum())
    expected = view.region_values(con, Filters(), whole, "volume")
    assert dict(zip(totals["key"], totals["value"], strict=True)) == dict(
        zip(expected["key"], expected["value"], strict=True)
    )
    high = view.region_trend(con, Filters(), period, view.HIGH_RISK)
    high_whole = view.region_values(con, Filters(), whole, view.HIGH_RISK)
    assert high["value"].sum() == high_whole["value"].sum()


def test_sparklines_follow_the_month_order(con: duckdb.DuckDBPyConnection, period: Period) -> None:
    values = view.region_values(con, Filters(), period, "volume")
    trend = view.region_trend(con, Filters(), period, "volume")
    with_lines = view.attach_sparklines(values, trend, period)
    first = with_lines.row(0, named=True)
    expected = trend.filter(pl.col("key") == first["key"]).sort("month")["value"].to_list()
    assert first["trend"] == expected and len(expected) == 12


def test_region_group_shares_equal_the_engines_numbers(con: duckdb.DuckDBPyConnection, period: Period) -> None:
    filters = Filters(business_lines=(list_filter_options(con).business_lines[0],))
    shares = view.region_group_shares(con, filters, period)
    source = DuckDBSource(con, filters)
    total = headline_volume(con, filters, period)
    by_group = compute_breakdown(source, period, "region_group")
    expected_volume = dict(zip(by_group["key"], by_group["volume"], strict=True))
    levels = compute_breakdown(source, period, "risk_level")
    total_high = int(levels.filter(pl.col("key") == "高")["volume"].sum())
    assert set(shares["region_group"]) == set(list_filter_options(con).region_groups)
    for row in shares.iter_rows(named=True):
        group = row["region_group"]
        assert row["volume"] == expected_volume.get(group, 0)
        assert row["volume_share"] == pytest.approx(expected_volume.get(group, 0) / total)
        in_group = compute_breakdown(DuckDBSource(con, replace(filters, region_group=group)), period, "risk_level")
        high = int(in_group.filter(pl.col("key") == "高")["volume"].sum())
        assert row["high_risk"] == high
        assert row["high_risk_share"] == pytest.approx(high / total_high)
    # Independently of the engine: a plain count over the membership table.
    group = shares["region_group"][0]
    counted = con.sql(
        "SELECT count(*) FROM v_complaint AS c WHERE c.business_line = $line AND c.received_date >= $s "
        "AND c.received_date < $e AND c.region_key IN (SELECT region_key FROM dim_region_group WHERE region_group = $g)",
        params={"line": filters.business_lines[0], "s": period.start, "e": period.end, "g": group},
    ).fetchall()[0][0]
    assert shares.filter(pl.col("region_group") == group)["volume"][0] == counted


def test_group_sentence_names_the_top_clusters(con: duckdb.DuckDBPyConnection, period: Period) -> None:
    shares = view.region_group_shares(con, Filters(), period)
    sentence = view.describe_group_shares(shares)
    top = shares.filter(pl.col("high_risk") > 0).row(0, named=True)
    assert sentence is not None and sentence.startswith("高风险案件中：")
    assert f"{top['region_group']} {top['high_risk_share'] * 100:.1f}%" in sentence


def test_heatmap_cells_add_up_to_the_volume(con: duckdb.DuckDBPyConnection, period: Period) -> None:
    total = headline_volume(con, Filters(), period)
    hours = view.weekday_by_hour(con, Filters(), period)
    assert hours.height == 7 * 24 and hours["value"].sum() == total
    issues = view.product_by_issue(con, Filters(), period)
    assert issues["value"].sum() == total
    assert issues.height == issues["row"].n_unique() * issues["column"].n_unique()  # no blank count cell
    lines = view.region_by_business_line(con, Filters(), period, "volume")
    with_province = con.sql(
        "SELECT count(*) FROM v_complaint WHERE province IS NOT NULL AND received_date >= $s AND received_date < $e",
        params={"s": period.start, "e": period.end},
    ).fetchall()[0][0]
    assert lines["value"].sum() == with_province


def test_filters_narrow_every_figure(con: duckdb.DuckDBPyConnection, period: Period) -> None:
    channel = list_filter_options(con).channels[0]
    filters = Filters(channels=(channel,))
    total = headline_volume(con, filters, period)
    assert 0 < total < headline_volume(con, Filters(), period)
    assert view.region_values(con, filters, period, "volume")["value"].sum() == total
    assert view.weekday_by_hour(con, filters, period)["value"].sum() == total
    assert view.product_by_issue(con, filters, period)["value"].sum() == total
