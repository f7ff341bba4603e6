"""预警: high-frequency issues and regional surges, each with its evidence and a chart (same as `alerts --json`)."""

from __future__ import annotations

import streamlit as st

from dashboard.app import alerts_data, components, sidebar
from dashboard.app.auth_gate import require_page
from dashboard.app.export_buttons import render_plotly_with_downloads, render_table_downloads
from dashboard.charts import alerts as alert_charts
from dashboard.engine.safe_text import escape_markdown
from dashboard.views import alerts_view

require_page(__file__)
components.require_router()
st.title("预警")
version = components.require_loaded_warehouse()

filters = sidebar.render_filters(version)
latest = alerts_data.load_as_of(version)
if latest is None:
    components.render_empty_warehouse()
    st.stop()
day = st.date_input(
    "判断日期", value=latest.date(), key="alerts-as-of", help="默认为数据中最新的时间；改为更早的日期可回看当时的预警。"
)
result = alerts_data.load_alerts(version, filters, None if day == latest.date() else day)
payload = result["payload"]
thresholds = payload["thresholds"]
st.caption(alerts_view.describe_scope(payload))
if payload["filters"]:
    st.caption("筛选：" + "；".join(payload["filters"]))

high, surges = payload["high_frequency"], payload["surges"]
left, right, _ = st.columns([1, 1, 2])
left.metric("高频投诉", f"{len(high)} 项")
right.metric("区域激增", f"{len(surges)} 项")

st.subheader("高频投诉研判", anchor="high-frequency")
st.caption(
    f"产品 × 问题类型：最近一个完整月件数 ≥ 前 {thresholds['high_frequency_baseline_months']} 个月月均的 "
    f"{thresholds['high_frequency_ratio']:g} 倍，且 ≥ {thresholds['high_frequency_min_cases']} 件。"
)
if not high:
    st.success("没有达到高频投诉条件的产品与问题。", icon=":material/check_circle:")
else:
    high_table = alerts_view.build_high_frequency_table(payload)
    st.dataframe(
        high_table,
        hide_index=True,
        key="alerts-high-table",
        column_config={
            "基线月均": st.column_config.NumberColumn(format="%.1f"),
            "倍数": st.column_config.NumberColumn(format="%.2f 倍", help="空白表示基线为 0（新出现）"),
            "预警线": st.column_config.NumberColumn(format="%.1f"),
        },
    )
    render_table_downloads(high_table, name="高频投诉预警", key="alerts-high-table")
    for index, (alert, column) in enumerate(zip(high, st.columns(2) * len(high), strict=False)):
        with column, st.container(border=True):
            st.markdown(f"**{escape_markdown(alert['product'])} · {escape_markdown(alert['issue'])}**")
            st.caption(alerts_view.describe_high_frequency(alert, thresholds))
            render_plotly_with_downloads(
                alert_charts.build_high_frequency_chart(result["pair_history"], alert), key=f"alerts-high-{index}"
            )

st.subheader("区域激增", anchor="regional-surge")
st.caption(
    f"省份周投诉量超过其前 {thresholds['surge_baseline_weeks']} 周均值 {thresholds['surge_sigma']:g} 个标准差"
    f"（恰好等于不算），且 ≥ {thresholds['surge_min_cases']} 件。"
)
if not surges:
    st.success("最近几个完整周没有省份出现激增。", icon=":material/check_circle:")
else:
    surge_table = alerts_view.build_surge_table(payload)
    st.dataframe(
        surge_table,
        hide_index=True,
        key="alerts-surge-table",
        column_config={
            "基线周均": st.column_config.NumberColumn(format="%.1f"),
            "标准差": st.column_config.NumberColumn(format="%.1f"),
            "偏离（σ）": st.column_config.NumberColumn(format="%.1f"),
            "预警线": st.column_config.NumberColumn(format="%.1f"),
        },
    )
    render_table_downloads(surge_table, name="区域激增预警", key="alerts-surge-table")
    for index, (alert, column) in enumerate(zip(surges, st.columns(2) * len(surges), strict=False)):
        with column, st.container(border=True):
            st.markdown(f"**{escape_markdown(alert['province'])}**")
            st.caption(alerts_view.describe_surge(alert, thresholds))
            render_plotly_with_downloads(
                alert_charts.build_surge_chart(result["province_history"], alert), key=f"alerts-surge-{index}"
            )

st.caption("定时任务可运行 `python -m dashboard alerts --json`（与本页同一计算；有预警时退出码为 1）。")
