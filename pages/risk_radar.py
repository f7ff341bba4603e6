"""风险雷达: the high / medium / low risk pools of the period, their trend, where they come from, and the
masked case list sorted by score with the reasons that made each score."""

from __future__ import annotations

import streamlit as st

from dashboard.app import components, risk_data
from dashboard.app.case_lists import render_case_list
from dashboard.app.page_frame import page
from dashboard.app.risk_sections import render_breakdown_tabs, render_pool_cards
from dashboard.charts import risk as risk_charts
from dashboard.engine.kpis import RISK_LEVELS
from dashboard.views.case_list import SORT_LABELS
from dashboard.views.risk_view import describe_levels, describe_points_table

with page(__file__, "风险雷达", filters=True) as ctx:
    filters = ctx.filters
    view = risk_data.load_risk_page(ctx.version, filters)
    if view.period is None or view.pools is None:
        st.info(view.error, icon=":material/info:")
        st.stop()
    components.render_period_line([f"期间：{view.period.label()}", "；".join(filters.describe()), describe_levels()])
    render_pool_cards(view)

    trend_col, points_col = st.columns([5, 2], gap="medium")
    with trend_col:
        components.render_chart_with_table(
            risk_charts.build_trend_figure(view.trend), risk_charts.format_trend_table(view.trend), key="risk-trend"
        )
    with points_col:
        st.markdown("**评分规则**")
        st.table(describe_points_table(), border="horizontal", hide_index=True)
        st.caption("分值和阈值在 settings.toml 的 [risk] 中设置，重建数据集市后生效。")
    render_breakdown_tabs(view)

    st.subheader("案件清单（已脱敏）")
    level_col, sort_col = st.columns([2, 1])
    levels = level_col.multiselect(
        "风险等级",
        list(RISK_LEVELS),
        default=["高"],
        format_func=lambda level: risk_charts.RISK_NAMES[level],
        key="risk-case-levels",
    )
    sort = sort_col.selectbox("排序", list(SORT_LABELS), format_func=SORT_LABELS.get, key="risk-case-sort")
    listing = risk_data.load_case_list(ctx.version, filters, view.period, tuple(levels), sort)
    note = "。客户只显示脱敏姓名、电话和客户ID摘要（加盐哈希的前8位）。"
    render_case_list(listing, key="risk-case", name="风险案件清单", note=note, height=420)
