"""产品与问题: which few issues make most of the volume (Pareto), product × issue, channel structure;
click a bar (or pick below) to see the masked cases behind it."""

from __future__ import annotations

import streamlit as st

from dashboard.app import components, data, risk_data, sidebar
from dashboard.app.auth_gate import require_page
from dashboard.app.export_buttons import render_chart_downloads, render_table_downloads
from dashboard.charts import mix, pareto
from dashboard.engine.formatting import format_count
from dashboard.views import drill
from dashboard.views.case_list import SORT_LABELS, format_case_table
from dashboard.views.products_view import PARETO_CUT, pivot_matrix

require_page(__file__)
DRILL_KEY = "pi-drill"
ANY = "（全部）"

components.require_router()
components.apply_compact_style()
st.title("产品与问题")
version = components.require_loaded_warehouse()

filters = sidebar.render_filters(version)
view = risk_data.load_products_page(version, filters)
if view.period is None or view.pareto is None:
    st.info(view.error, icon=":material/info:")
    st.stop()
components.render_period_line([f"期间：{view.period.label()}", "；".join(filters.describe())])


def remember_click(chart_key: str, dimension: str, axis: str) -> None:
    """on_select callback: the clicked bar becomes the drill-down."""
    value = drill.read_clicked(st.session_state.get(chart_key), axis)
    if value is not None:
        st.session_state[DRILL_KEY] = {dimension: value}


st.markdown(f"**{view.pareto.summary()}**")
pareto_col, channel_col = st.columns([3, 2], gap="medium")
with pareto_col:
    pareto_figure = pareto.build_pareto_figure(view.pareto.issues, PARETO_CUT)
    st.plotly_chart(
        pareto_figure,
        key="pi-pareto",
        on_select=lambda: remember_click("pi-pareto", "issue", "x"),
        selection_mode="points",
        config={"displaylogo": False},
    )
    render_chart_downloads(pareto_figure, name="问题类型帕累托", key="pi-pareto")
    with st.expander("数据表", icon=":material/table:"):
        pareto_table = pareto.format_pareto_table(view.pareto.issues)
        st.dataframe(pareto_table, hide_index=True, key="pi-pareto-table")
        render_table_downloads(pareto_table, name="问题类型帕累托", key="pi-pareto-table")
with channel_col:
    channel_figure = mix.build_mix_bar(view.channels, "渠道结构", height=380)
    st.plotly_chart(
        channel_figure,
        key="pi-channels",
        on_select=lambda: remember_click("pi-channels", "channel", "y"),
        selection_mode="points",
        config={"displaylogo": False},
    )
    render_chart_downloads(channel_figure, name="渠道结构", key="pi-channels")
    with st.expander("数据表", icon=":material/table:"):
        channel_table = mix.build_mix_table(view.channels, "渠道")
        st.dataframe(channel_table, hide_index=True, key="pi-channel-table")
        render_table_downloads(channel_table, name="渠道结构", key="pi-channel-table")
st.caption("点击柱形可查看其背后的案件（下方案件清单）。")

if not view.matrix.is_empty():
    components.render_chart_with_table(
        pareto.build_matrix_figure(view.matrix), pivot_matrix(view.matrix), key="pi-matrix"
    )

st.subheader("下钻：案件清单（已脱敏）")
products = [ANY, *drill.list_product_choices(data.load_filter_options(version).products_by_line)]
issues = [ANY, *view.pareto.issues["issue"].to_list()]
current = st.session_state.get(DRILL_KEY) or {}
product_col, issue_col, sort_col, clear_col = st.columns([2, 2, 2, 1], vertical_alignment="bottom")
product = product_col.selectbox(
    "产品", products, index=products.index(current["product"]) if current.get("product") in products else 0
)
issue = issue_col.selectbox(
    "问题类型", issues, index=issues.index(current["issue"]) if current.get("issue") in issues else 0
)
sort = sort_col.selectbox("排序", list(SORT_LABELS), format_func=SORT_LABELS.get, key="pi-sort")
conditions = {k: v for k, v in (("product", product), ("issue", issue)) if v != ANY}
if current.get("channel"):
    conditions["channel"] = current["channel"]
if clear_col.button("清除下钻", icon=":material/filter_alt_off:", disabled=not conditions):
    st.session_state[DRILL_KEY] = {}
    st.rerun()
st.session_state[DRILL_KEY] = conditions
if not conditions:
    st.caption("点击上方的柱形，或选择产品 / 问题类型，查看其背后的案件。")
    st.stop()

listing = risk_data.load_case_list(version, drill.drill_filters(filters, conditions), view.period, (), sort)
shown = format_case_table(listing.cases)
st.caption(
    f"{drill.describe_drill(conditions)}：共 {format_count(listing.total)} 件"
    + (f"，显示前 {format_count(listing.cases.height)} 件" if listing.total > listing.cases.height else "")
)
linked, links = components.case_link_column(shown)
st.dataframe(linked, hide_index=True, key="pi-cases", height=380, column_config=links)
components.render_case_opener(shown["案件编号"].to_list(), key="pi-case")
components.render_csv_download(shown, "下钻案件清单.csv", "下载清单（CSV）", key="pi-cases-csv")
