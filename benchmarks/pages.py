"""What each page computes for one filter state: the functions its cached loaders wrap, called uncached.

A filter change in the app is a cache miss for every loader of the page, so timing these on a
warm connection measures what the user waits for after clicking a filter (minus drawing, which
benchmarks/browser_timing.py measures in a real browser).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import duckdb

from dashboard.engine import alerts, sla, watchlist
from dashboard.engine.asof import resolve_as_of
from dashboard.engine.filters import Filters
from dashboard.engine.kpi_source import DuckDBSource
from dashboard.engine.kpis import resolve_period
from dashboard.engine.periods import Period
from dashboard.views import products_view, regions_view, risk_view, trends_view
from dashboard.views.cockpit_view import build_cockpit_view

PageFunction = Callable[[duckdb.DuckDBPyConnection, Filters], object]


def compute_cockpit(con: duckdb.DuckDBPyConnection, filters: Filters) -> object:
    return build_cockpit_view(DuckDBSource(con, filters))


def compute_trends(con: duckdb.DuckDBPyConnection, filters: Filters) -> object:
    volume = trends_view.build_volume_trend(lambda narrowed: DuckDBSource(con, narrowed), filters, "month")
    return volume, trends_view.build_kpi_trends(DuckDBSource(con, filters), "month")


def compute_regions(con: duckdb.DuckDBPyConnection, filters: Filters) -> object:
    period = resolve_period(DuckDBSource(con, filters))
    return (
        regions_view.region_values(con, filters, period, "volume"),
        regions_view.region_trend(con, filters, period, "volume"),
        regions_view.region_group_shares(con, filters, period),
        regions_view.region_by_business_line(con, filters, period, "volume"),
        regions_view.product_by_issue(con, filters, period),
        regions_view.weekday_by_hour(con, filters, period),
    )


def resolve_source(con: duckdb.DuckDBPyConnection, filters: Filters) -> tuple[DuckDBSource, Period]:
    """The engine's source for these filters and the period they select, as the page loaders start."""
    source = DuckDBSource(con, filters)
    return source, resolve_period(source)


def compute_risk_radar(con: duckdb.DuckDBPyConnection, filters: Filters) -> object:
    source, period = resolve_source(con, filters)
    return (
        risk_view.build_risk_pools(source, period),
        risk_view.build_risk_trend(con, source, period),
        [risk_view.build_risk_breakdown(con, source, period, by) for by in risk_view.BREAKDOWNS],
    )


def compute_products(con: duckdb.DuckDBPyConnection, filters: Filters) -> object:
    source, period = resolve_source(con, filters)
    return (
        products_view.build_issue_pareto(source, period),
        products_view.build_product_issue_matrix(con, source, period),
        products_view.build_channel_structure(source, period),
    )


def compute_watchlist(con: duckdb.DuckDBPyConnection, filters: Filters) -> object:
    return watchlist.list_watchlist(con, watchlist.find_latest_date(con), filters)


def compute_alerts(con: duckdb.DuckDBPyConnection, filters: Filters) -> object:
    return alerts.compute_alerts(con, filters)


def compute_sla(con: duckdb.DuckDBPyConnection, filters: Filters) -> object:
    """The overdue list and on-time table. The cards (红黄牌) depend only on the as-of moment, departments and
    provinces, and the app caches them on those: see `compute_sla_cards`."""
    as_of: datetime | None = resolve_as_of(con)
    period = resolve_period(DuckDBSource(con, filters))
    overdue = sla.list_overdue_cases(con, filters, as_of) if as_of is not None else None
    return overdue, sla.compute_on_time_by_deadline(con, filters, period)


def compute_sla_cards(con: duckdb.DuckDBPyConnection, filters: Filters) -> object:
    return sla.compute_cards(con, resolve_as_of(con), filters.departments, filters.provinces)


PAGES: dict[str, PageFunction] = {
    "驾驶舱总览": compute_cockpit,
    "趋势分析": compute_trends,
    "区域分析": compute_regions,
    "风险雷达": compute_risk_radar,
    "产品与问题": compute_products,
    "重点人员": compute_watchlist,
    "预警": compute_alerts,
    "时效与红黄牌": compute_sla,
}
