"""驾驶舱总览: the quarter at a glance — KPI cards against last year and targets, mixes, rising issues."""

from __future__ import annotations

import streamlit as st

from dashboard.app import components, data, lazy
from dashboard.app.export_buttons import render_table_downloads
from dashboard.app.page_frame import page
from dashboard.charts import kpi_cards, mix
from dashboard.engine.i18n import dimension_label
from dashboard.views import cockpit_view

with page(__file__, "驾驶舱总览", filters=True) as ctx:
    lang, filters = ctx.lang, ctx.filters
    view = data.load_cockpit(ctx.version, filters)
    if view.report is None:
        st.info(ctx.text("no_data_period", reason=view.error), icon=":material/info:")
        st.stop()

    components.render_period_line(
        [
            cockpit_view.describe_period(view, lang),
            cockpit_view.describe_filters(filters, lang),
            cockpit_view.describe_freshness(ctx.summary.latest_received_at, ctx.summary.last_load_at, lang),
        ]
    )
    for ids in kpi_cards.card_rows():
        components.render_kpi_row(kpi_cards.build_cards(view.report, view.sparklines, ids, filters.comparison, lang))

    def draw_mixes_and_rising() -> None:
        channel_col, line_col, rising_col = st.columns(3, gap="medium")
        for column, dimension in ((channel_col, "channel"), (line_col, "business_line")):
            with column:
                frame = view.mixes[dimension]
                components.render_chart_with_table(
                    mix.build_mix_bar(frame, ctx.text(f"{dimension}_mix"), lang),
                    mix.build_mix_table(frame, dimension_label(dimension, lang), lang),
                    key=f"cockpit-{dimension}-mix",
                    lang=lang,
                )
        with rising_col:
            st.markdown(f"**{ctx.text('rising_issues')}**")
            base = cockpit_view.describe_base(view, filters.comparison, lang)
            if view.rising.is_empty():
                st.caption(ctx.text("no_rising", base=base))
            else:
                rising_table = cockpit_view.format_rising_table(view.rising, lang)
                st.dataframe(rising_table, hide_index=True, key="cockpit-rising")
                st.caption(ctx.text("rising_rule", base=base))
                render_table_downloads(rising_table, name=ctx.text("rising_issues"), key="cockpit-rising-downloads")

    # Below the fold on a laptop: drawn when scrolled to (dashboard/app/lazy.py).
    lazy.render_when_scrolled_to("cockpit-mixes", draw_mixes_and_rising, height=460)
