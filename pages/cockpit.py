"""驾驶舱总览: the quarter at a glance — KPI cards against last year and targets, mixes, rising issues."""

from __future__ import annotations

import streamlit as st

from dashboard.app import components, data, sidebar
from dashboard.app.auth_gate import require_page
from dashboard.app.export_buttons import render_table_downloads
from dashboard.charts import kpi_cards, mix
from dashboard.engine.i18n import dimension_label, text
from dashboard.views import cockpit_view

require_page(__file__)
components.require_router()
components.apply_compact_style()
version = data.warehouse_version()
lang = sidebar.current_language()
st.title(text("cockpit", lang))
if version is None:
    components.render_missing_warehouse()
    st.stop()
summary = data.load_summary(version)
if summary.is_empty:
    components.render_empty_warehouse()
    st.stop()

filters = sidebar.render_filters(version)
view = data.load_cockpit(version, filters)
if view.report is None:
    st.info(text("no_data_period", lang, reason=view.error), icon=":material/info:")
    st.stop()

components.render_period_line(
    [
        cockpit_view.describe_period(view, lang),
        cockpit_view.describe_filters(filters, lang),
        cockpit_view.describe_freshness(summary.latest_received_at, summary.last_load_at, lang),
    ]
)
for ids in kpi_cards.card_rows():
    components.render_kpi_row(kpi_cards.build_cards(view.report, view.sparklines, ids, filters.comparison, lang))

channel_col, line_col, rising_col = st.columns(3, gap="medium")
for column, dimension in ((channel_col, "channel"), (line_col, "business_line")):
    with column:
        frame = view.mixes[dimension]
        components.render_chart_with_table(
            mix.build_mix_bar(frame, text(f"{dimension}_mix", lang), lang),
            mix.build_mix_table(frame, dimension_label(dimension, lang), lang),
            key=f"cockpit-{dimension}-mix",
            lang=lang,
        )
with rising_col:
    st.markdown(f"**{text('rising_issues', lang)}**")
    base = cockpit_view.describe_base(view, filters.comparison, lang)
    if view.rising.is_empty():
        st.caption(text("no_rising", lang, base=base))
    else:
        rising_table = cockpit_view.format_rising_table(view.rising, lang)
        st.dataframe(rising_table, hide_index=True, key="cockpit-rising")
        st.caption(text("rising_rule", lang, base=base))
        render_table_downloads(rising_table, name="上升最快的问题", key="cockpit-rising-downloads")
