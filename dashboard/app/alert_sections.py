"""The two blocks of the 预警 page (dashboard.views.alerts_view.AlertSection): rule, table, evidence cards."""

from __future__ import annotations

from typing import Any

import streamlit as st

from dashboard.app.export_buttons import render_plotly_with_downloads, render_table_downloads
from dashboard.charts import alerts as alert_charts
from dashboard.engine.safe_text import escape_markdown
from dashboard.views.alerts_view import AlertSection

TABLE_NAMES = {"high_frequency": "高频投诉预警", "surge": "区域激增预警"}


def render_alert_section(section: AlertSection, result: dict[str, Any]) -> None:
    """`result` is dashboard.app.alerts_data.load_alerts's: the payload and the series the charts draw."""
    st.subheader(section.title, anchor=section.anchor)
    st.caption(section.rule)
    if section.table.is_empty():
        st.success(section.all_clear, icon=":material/check_circle:")
        return
    config = {
        column: st.column_config.NumberColumn(format=fmt, help=section.column_help.get(column))
        for column, fmt in section.number_formats.items()
    }
    st.dataframe(section.table, hide_index=True, key=f"{section.key}-table", column_config=config)
    render_table_downloads(section.table, name=TABLE_NAMES[section.kind], key=f"{section.key}-table")
    for index, ((heading, evidence, alert), column) in enumerate(
        zip(section.cards, st.columns(2) * len(section.cards), strict=False)
    ):
        with column, st.container(border=True):
            st.markdown(f"**{escape_markdown(heading)}**")
            st.caption(evidence)
            if section.kind == "high_frequency":
                figure = alert_charts.build_high_frequency_chart(result["pair_history"], alert)
            else:
                figure = alert_charts.build_surge_chart(result["province_history"], alert)
            render_plotly_with_downloads(figure, key=f"{section.key}-{index}")
