"""The 区域分析 page's figures, cached per warehouse version and filters (as dashboard/app/data.py does
for the other pages; it reuses data.py's one read-only connection per version)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import polars as pl
import streamlit as st

from dashboard.app import data
from dashboard.engine.filters import Filters
from dashboard.engine.periods import Period
from dashboard.views import regions_view as view

T = TypeVar("T")


def _run(version: str, query: Callable[..., T], *args: Any) -> T:
    with data.open_snapshot(version).cursor() as cur:
        return query(cur, *args)


def load_period(version: str, filters: Filters) -> Period | None:
    """The period the filters select, read against the latest 受理日期; None without cases."""
    coverage = data.load_coverage(version)
    return None if coverage is None else filters.period(coverage[1])


@st.cache_data(max_entries=64, show_spinner="正在计算各地区指标…")
def load_region_values(
    version: str, filters: Filters, period: Period, metric_id: str, province: str | None
) -> pl.DataFrame:
    values = _run(version, view.region_values, filters, period, metric_id, province)
    return view.attach_sparklines(values, load_region_trend(version, filters, period, metric_id, province), period)


@st.cache_data(max_entries=64, show_spinner="正在计算月度趋势…")
def load_region_trend(
    version: str, filters: Filters, period: Period, metric_id: str, province: str | None
) -> pl.DataFrame:
    return _run(version, view.region_trend, filters, period, metric_id, province)


@st.cache_data(max_entries=16, show_spinner="正在计算城市群占比…")
def load_group_shares(version: str, filters: Filters, period: Period) -> pl.DataFrame:
    return _run(version, view.region_group_shares, filters, period)


@st.cache_data(max_entries=32, show_spinner="正在计算业务条线分布…")
def load_region_by_line(
    version: str, filters: Filters, period: Period, metric_id: str, province: str | None
) -> pl.DataFrame:
    return _run(version, view.region_by_business_line, filters, period, metric_id, province)


@st.cache_data(max_entries=16, show_spinner="正在计算产品与问题分布…")
def load_product_by_issue(version: str, filters: Filters, period: Period) -> pl.DataFrame:
    return _run(version, view.product_by_issue, filters, period)


@st.cache_data(max_entries=16, show_spinner="正在计算受理时段分布…")
def load_weekday_by_hour(version: str, filters: Filters, period: Period) -> pl.DataFrame:
    return _run(version, view.weekday_by_hour, filters, period)


def load_heatmap_cells(
    version: str, filters: Filters, period: Period, cells: str, metric_id: str, province: str | None
) -> pl.DataFrame:
    """The cells (row, column, value) of one heatmap spec (dashboard.views.regions_page.HeatmapSpec.cells)."""
    if cells == "region_month":
        trend = load_region_trend(version, filters, period, metric_id, province)
        return trend.rename({"key": "row", "month": "column"})
    if cells == "region_line":
        return load_region_by_line(version, filters, period, metric_id, province)
    if cells == "product_issue":
        return load_product_by_issue(version, filters, period)
    if cells == "weekday_hour":
        return load_weekday_by_hour(version, filters, period)
    raise ValueError(f"unknown heatmap cells: {cells}")
