"""Cached data of the 案件详情 page, keyed by warehouse version (as dashboard/app/alerts_data.py)."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from dashboard.app.alerts_data import _run
from dashboard.views import case_view


@st.cache_data(max_entries=64, show_spinner="正在读取案件…")
def load_case(
    version: str, case_id: str, as_of: datetime, provinces: tuple[str, ...], source_system: str | None = None
) -> case_view.CaseDetail:
    return _run(version, case_view.read_case, case_id, as_of, provinces, source_system)
