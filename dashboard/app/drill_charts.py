"""Charts whose bars open the cases behind them (产品与问题), and the drill's select boxes.

The drill is {dimension: value} in the session (DRILL_KEY): a click on a bar sets it, the select boxes
refine it, 清除下钻 empties it; dashboard.views.drill turns it into filters and words.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from dashboard.app.export_buttons import render_chart_downloads, render_table_downloads
from dashboard.views import drill
from dashboard.views.case_list import SORT_LABELS

DRILL_KEY = "pi-drill"


def _remember_click(chart_key: str, dimension: str, axis: str) -> None:
    """on_select callback: the clicked bar becomes the drill-down."""
    value = drill.read_clicked(st.session_state.get(chart_key), axis)
    if value is not None:
        st.session_state[DRILL_KEY] = {dimension: value}


def render_clickable_chart(
    figure: go.Figure, table: pl.DataFrame, *, key: str, table_key: str, name: str, dimension: str, axis: str
) -> None:
    """The chart (a click drills into `dimension`, read on `axis`), its export menu, then its table folded."""
    st.plotly_chart(
        figure,
        key=key,
        on_select=lambda: _remember_click(key, dimension, axis),
        selection_mode="points",
        config={"displaylogo": False},
    )
    render_chart_downloads(figure, name=name, key=key)
    with st.expander("数据表", icon=":material/table:"):
        st.dataframe(table, hide_index=True, key=table_key)
        render_table_downloads(table, name=name, key=table_key)


def render_drill_controls(products: list[str], issues: list[str]) -> tuple[dict[str, str], str]:
    """产品 / 问题类型 / 排序 / 清除下钻 in one row; returns the drill conditions and the chosen sort."""
    products, issues = [drill.ANY, *products], [drill.ANY, *issues]
    current: dict[str, Any] = st.session_state.get(DRILL_KEY) or {}
    product_col, issue_col, sort_col, clear_col = st.columns([2, 2, 2, 1], vertical_alignment="bottom")
    product = product_col.selectbox("产品", products, index=drill.option_index(products, current, "product"))
    issue = issue_col.selectbox("问题类型", issues, index=drill.option_index(issues, current, "issue"))
    sort = sort_col.selectbox("排序", list(SORT_LABELS), format_func=SORT_LABELS.get, key="pi-sort")
    conditions = drill.merge_conditions(current, product, issue)
    if clear_col.button("清除下钻", icon=":material/filter_alt_off:", disabled=not conditions):
        st.session_state[DRILL_KEY] = {}
        st.rerun()
    st.session_state[DRILL_KEY] = conditions
    return conditions, sort
