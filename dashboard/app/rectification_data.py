"""Cached figures of the 溯源整改 page, keyed by warehouse version, filters and period (as alerts_data.py does)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard.app import data
from dashboard.engine import rectification
from dashboard.engine.filters import Filters
from dashboard.engine.periods import Period


@st.cache_data(max_entries=32, show_spinner="正在整理缺陷清单…")
def load_report(version: str, filters: Filters, period: Period) -> rectification.RectificationReport | None:
    """The report, or None when the warehouse holds no defect ledger."""
    with data.open_snapshot(version).cursor() as cur:
        if not rectification.has_defect_ledger(cur):
            return None
        return rectification.compute_rectification(cur, period, filters)


@st.cache_data(max_entries=64, show_spinner=False)
def load_defect_cases(version: str, defect_id: str, filters: Filters) -> pl.DataFrame:
    with data.open_snapshot(version).cursor() as cur:
        return rectification.list_defect_cases(cur, defect_id, filters)


@st.cache_data(max_entries=32, show_spinner=False)
def load_traced_cases(version: str, filters: Filters, period: Period) -> pl.DataFrame:
    with data.open_snapshot(version).cursor() as cur:
        return rectification.list_traced_cases(cur, period, filters)


@st.cache_data(max_entries=64, show_spinner=False)
def load_case_defects(version: str, case_id: str) -> pl.DataFrame:
    with data.open_snapshot(version).cursor() as cur:
        return rectification.list_case_defects(cur, case_id)
