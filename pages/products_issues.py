"""产品与问题: which few issues make most of the volume (Pareto), product × issue, channel structure;
click a bar (or pick below) to see the masked cases behind it."""

from __future__ import annotations

import streamlit as st

from dashboard.app import components, data, risk_data
from dashboard.app.case_lists import render_case_list
from dashboard.app.drill_charts import render_clickable_chart, render_drill_controls
from dashboard.app.page_frame import page
from dashboard.charts import mix, pareto
from dashboard.views import drill
from dashboard.views.products_view import PARETO_CUT, pivot_matrix

with page(__file__, "产品与问题", filters=True) as ctx:
    filters = ctx.filters
    view = risk_data.load_products_page(ctx.version, filters)
    if view.period is None or view.pareto is None:
        st.info(view.error, icon=":material/info:")
        st.stop()
    components.render_period_line([f"期间：{view.period.label()}", "；".join(filters.describe())])

    st.markdown(f"**{view.pareto.summary()}**")
    pareto_col, channel_col = st.columns([3, 2], gap="medium")
    with pareto_col:
        render_clickable_chart(
            pareto.build_pareto_figure(view.pareto.issues, PARETO_CUT),
            pareto.format_pareto_table(view.pareto.issues),
            key="pi-pareto",
            table_key="pi-pareto-table",
            name="问题类型帕累托",
            dimension="issue",
            axis="x",
        )
    with channel_col:
        render_clickable_chart(
            mix.build_mix_bar(view.channels, "渠道结构", height=380),
            mix.build_mix_table(view.channels, "渠道"),
            key="pi-channels",
            table_key="pi-channel-table",
            name="渠道结构",
            dimension="channel",
            axis="y",
        )
    st.caption("点击柱形可查看其背后的案件（下方案件清单）。")
    if not view.matrix.is_empty():
        components.render_chart_with_table(
            pareto.build_matrix_figure(view.matrix), pivot_matrix(view.matrix), key="pi-matrix"
        )

    st.subheader("下钻：案件清单（已脱敏）")
    products = drill.list_product_choices(data.load_filter_options(ctx.version).products_by_line)
    conditions, sort = render_drill_controls(products, view.pareto.issues["issue"].to_list())
    if not conditions:
        st.caption("点击上方的柱形，或选择产品 / 问题类型，查看其背后的案件。")
        st.stop()
    narrowed = drill.drill_filters(filters, conditions)
    listing = risk_data.load_case_list(ctx.version, narrowed, view.period, (), sort)
    lead = f"{drill.describe_drill(conditions)}："
    render_case_list(listing, key="pi-case", name="下钻案件清单", lead=lead, height=380)
