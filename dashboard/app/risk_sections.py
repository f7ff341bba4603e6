"""Blocks of the 风险雷达 page: the risk pools as cards, and where the risk comes from (one tab per breakdown)."""

from __future__ import annotations

import streamlit as st

from dashboard.app import components, risk_data
from dashboard.charts import risk as risk_charts
from dashboard.engine.formatting import format_count, format_percent
from dashboard.engine.kpis import RISK_LEVELS
from dashboard.views.risk_view import BREAKDOWN_LABELS


def render_pool_cards(view: risk_data.RiskPage) -> None:
    pools = {row["risk_level"]: row for row in view.pools.pools.iter_rows(named=True)}
    cards = st.columns(4, gap="small")
    for column, level in zip(cards, RISK_LEVELS, strict=False):
        with column, st.container(border=True):
            row = pools[level]
            st.metric(f"{risk_charts.RISK_NAMES[level]}事项", f"{format_count(row['volume'])} 件")
            st.caption(f"占期间投诉量 {format_percent(row['share'])}")
    with cards[3], st.container(border=True):
        st.metric("期间投诉量", f"{format_count(view.pools.total)} 件")
        st.caption("高、中、低风险合计")


def render_breakdown_tabs(view: risk_data.RiskPage) -> None:
    st.subheader("风险来源")
    tabs = st.tabs([f"按{label}" for label in BREAKDOWN_LABELS.values()])
    for tab, (by, label) in zip(tabs, BREAKDOWN_LABELS.items(), strict=True):
        with tab:
            breakdown = view.breakdowns[by] if view.breakdowns else None
            if breakdown is None or breakdown.is_empty():
                st.caption("期间内没有案件。")
                continue
            components.render_chart_with_table(
                risk_charts.build_breakdown_figure(breakdown, f"各{label}风险案件（高风险最多的在上）"),
                risk_charts.format_breakdown_table(breakdown, label),
                key=f"risk-by-{by}",
            )
