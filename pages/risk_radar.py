"""风险雷达: the high / medium / low risk pools of the period, their trend, where they come from, and the
masked case list sorted by score with the reasons that made each score."""

from __future__ import annotations

import streamlit as st

from dashboard.app import components, risk_data, sidebar
from dashboard.app.auth_gate import require_page
from dashboard.charts import risk as risk_charts
from dashboard.engine.formatting import format_count, format_percent
from dashboard.engine.kpis import RISK_LEVELS
from dashboard.views.case_list import SORT_LABELS, format_case_table
from dashboard.views.risk_view import BREAKDOWN_LABELS, describe_levels, describe_points_table

require_page(__file__)
components.require_router()
components.apply_compact_style()
st.title("风险雷达")
version = components.require_loaded_warehouse()

filters = sidebar.render_filters(version)
view = risk_data.load_risk_page(version, filters)
if view.period is None or view.pools is None:
    st.info(view.error, icon=":material/info:")
    st.stop()
components.render_period_line([f"期间：{view.period.label()}", "；".join(filters.describe()), describe_levels()])

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

trend_col, points_col = st.columns([5, 2], gap="medium")
with trend_col:
    components.render_chart_with_table(
        risk_charts.build_trend_figure(view.trend),
        risk_charts.format_trend_table(view.trend),
        key="risk-trend",
    )
with points_col:
    st.markdown("**评分规则**")
    st.table(describe_points_table(), border="horizontal", hide_index=True)
    st.caption("分值和阈值在 settings.toml 的 [risk] 中设置，重建数据集市后生效。")

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
listing = risk_data.load_case_list(version, filters, view.period, tuple(levels), sort)
shown = format_case_table(listing.cases)
st.caption(
    f"共 {format_count(listing.total)} 件"
    + (f"，显示前 {format_count(listing.cases.height)} 件" if listing.total > listing.cases.height else "")
    + "。客户只显示脱敏姓名、电话和客户ID摘要（加盐哈希的前8位）。"
)
linked, links = components.case_link_column(shown)
st.dataframe(linked, hide_index=True, key="risk-cases", height=420, column_config=links)
components.render_case_opener(shown["案件编号"].to_list(), key="risk-case")
components.render_csv_download(shown, "风险案件清单.csv", "下载清单（CSV）", key="risk-cases-csv")
