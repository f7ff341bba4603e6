"""Cached figures of the 预警 and 时效与红黄牌 pages, keyed by warehouse version and filters (as data.py does
for the other pages; it reuses data.py's one read-only connection per version)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

import polars as pl
import streamlit as st

from dashboard.app import data
from dashboard.engine import alerts, backlog, sla
from dashboard.engine.asof import resolve_as_of
from dashboard.engine.filters import Filters
from dashboard.engine.periods import Period

T = TypeVar("T")


def _run(version: str, query: Callable[..., T], *args: Any) -> T:
    with data.open_snapshot(version).cursor() as cur:
        return query(cur, *args)


@st.cache_data(max_entries=16, show_spinner=False)
def load_as_of(version: str, day: date | None = None) -> datetime | None:
    """The as-of moment (dashboard/engine/asof.py): the data's latest time, or the end of `day`."""
    return _run(version, resolve_as_of, day)


@st.cache_data(max_entries=32, show_spinner="正在检查预警…")
def load_alerts(version: str, filters: Filters, day: date | None) -> dict[str, Any]:
    """The JSON of `python -m dashboard alerts` plus the series behind each chart."""
    report = _run(version, alerts.compute_alerts, filters, day)
    return {
        "payload": alerts.build_alerts_json(report),
        "pair_history": report.pair_history,
        "province_history": report.province_history,
    }


@st.cache_data(max_entries=16, show_spinner="正在计算红黄牌…")
def load_cards(
    version: str, as_of: datetime | None, departments: tuple[str, ...], provinces: tuple[str, ...] = ()
) -> sla.CardReport:
    return _run(version, sla.compute_cards, as_of, departments, provinces)


@st.cache_data(max_entries=32, show_spinner="正在计算按期办结率…")
def load_on_time_by_deadline(version: str, filters: Filters, period: Period) -> pl.DataFrame:
    return _run(version, sla.compute_on_time_by_deadline, filters, period)


@st.cache_data(max_entries=32, show_spinner="正在整理超期清单…")
def load_overdue(version: str, filters: Filters, as_of: datetime) -> pl.DataFrame:
    return _run(version, sla.list_overdue_cases, filters, as_of)


@st.cache_data(max_entries=32, show_spinner="正在统计积案…")
def load_backlog(version: str, filters: Filters, period: Period) -> backlog.BacklogReport:
    return _run(version, backlog.compute_backlog, filters, period)
