"""Streamlit column settings for tables the charts layer builds (number formats, sparkline columns)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from dashboard.charts.rankings import RANK, REGION, TREND, VALUE, VOLUME
from dashboard.charts.values import unit_suffix


def ranking_columns(value_label: str, unit: str) -> dict[str, Any]:
    """Streamlit column_config for the ranking table (number format by unit, sparkline)."""
    decimals = {"rate": 1, "count": 0}.get(unit, 2)
    suffix = unit_suffix(unit)
    return {
        RANK: st.column_config.NumberColumn(RANK, width=40),
        REGION: st.column_config.TextColumn(REGION, width=104),
        VALUE: st.column_config.NumberColumn(f"{value_label}（{suffix}）", format=f"%.{decimals}f", width=96),
        VOLUME: st.column_config.NumberColumn(VOLUME, format="%d", width=56),
        TREND: st.column_config.LineChartColumn(TREND, width=96),
    }
