"""Cached data for 风险雷达, 重点人员 and 产品与问题, keyed by warehouse version and Filters (as dashboard/app/data.py).

Each call opens a cursor on the version's read-only connection (dashboard.app.data.open_snapshot),
so a published load is seen on the next rerun and a session never mixes two versions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl
import streamlit as st

from dashboard.app.data import open_snapshot
from dashboard.engine import watchlist
from dashboard.engine.filters import Filters
from dashboard.engine.kpi_source import DuckDBSource
from dashboard.engine.kpis import resolve_period
from dashboard.engine.periods import Period
from dashboard.views import case_list, products_view, risk_view


@dataclass(frozen=True)
class RiskPage:
    period: Period | None
    error: str = ""
    pools: risk_view.RiskPools | None = None
    trend: pl.DataFrame | None = None
    breakdowns: dict[str, pl.DataFrame] | None = None


@dataclass(frozen=True)
class ProductsPage:
    period: Period | None
    error: str = ""
    pareto: products_view.Pareto | None = None
    matrix: pl.DataFrame | None = None
    channels: pl.DataFrame | None = None


@st.cache_data(max_entries=32, show_spinner="正在计算风险池…")
def load_risk_page(version: str, filters: Filters) -> RiskPage:
    with open_snapshot(version).cursor() as cur:
        source = DuckDBSource(cur, filters)
        try:
            period = resolve_period(source)
        except ValueError as error:
            return RiskPage(period=None, error=str(error))
        return RiskPage(
            period=period,
            pools=risk_view.build_risk_pools(source, period),
            trend=risk_view.build_risk_trend(cur, source, period),
            breakdowns={by: risk_view.build_risk_breakdown(cur, source, period, by) for by in risk_view.BREAKDOWNS},
        )


@st.cache_data(max_entries=32, show_spinner="正在查询案件…")
def load_case_list(
    version: str, filters: Filters, period: Period, risk_levels: tuple[str, ...], sort: str
) -> case_list.CaseList:
    with open_snapshot(version).cursor() as cur:
        return case_list.list_cases(cur, filters, period, risk_levels=risk_levels, sort=sort)


@st.cache_data(max_entries=32, show_spinner="正在计算产品与问题…")
def load_products_page(version: str, filters: Filters) -> ProductsPage:
    with open_snapshot(version).cursor() as cur:
        source = DuckDBSource(cur, filters)
        try:
            period = resolve_period(source)
        except ValueError as error:
            return ProductsPage(period=None, error=str(error))
        return ProductsPage(
            period=period,
            pareto=products_view.build_issue_pareto(source, period),
            matrix=products_view.build_product_issue_matrix(cur, source, period),
            channels=products_view.build_channel_structure(source, period),
        )


@st.cache_data(max_entries=16, show_spinner="正在生成重点人员名单…")
def load_watchlist(version: str, filters: Filters, as_of: date | None) -> tuple[date | None, pl.DataFrame]:
    """(as-of date used, the list with its contact log): the as-of defaults to the latest 受理日期."""
    with open_snapshot(version).cursor() as cur:
        used = as_of or watchlist.find_latest_date(cur)
        people = watchlist.list_watchlist(cur, used, filters)
        return used, people if used is None else watchlist.attach_contacts(cur, people, used)


@st.cache_data(max_entries=64, show_spinner=False)
def load_person_contacts(version: str, complainant_key: str, as_of: date) -> pl.DataFrame:
    with open_snapshot(version).cursor() as cur:
        return watchlist.list_person_contacts(cur, complainant_key, as_of)


@st.cache_data(max_entries=64, show_spinner=False)
def load_person_cases(version: str, complainant_key: str, as_of: date) -> pl.DataFrame:
    with open_snapshot(version).cursor() as cur:
        return watchlist.list_person_cases(cur, complainant_key, as_of)
