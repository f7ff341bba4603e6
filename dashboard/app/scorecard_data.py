"""Cached scorecards for the 考核 page, keyed by warehouse version (data.py's one read-only connection)."""

from __future__ import annotations

import streamlit as st

from dashboard.app import data
from dashboard.engine.periods import Period
from dashboard.engine.scorecard import Scorecard
from dashboard.engine.scorecard_rules import LEADERSHIP
from dashboard.engine.scorecard_store import load_scorecard


@st.cache_data(max_entries=32, show_spinner="正在计算考核得分…")
def load_scorecards(version: str, unit: str, period: Period) -> tuple[Scorecard, Scorecard]:
    """(the unit kind's scorecard, the leadership team's) for P: published, or computed now."""
    with data.open_snapshot(version).cursor() as cur:
        return load_scorecard(cur, unit, period), load_scorecard(cur, LEADERSHIP, period)
