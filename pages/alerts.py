"""预警: high-frequency issues and regional surges, each with its evidence and a chart (same as `alerts --json`)."""

from __future__ import annotations

import streamlit as st

from dashboard.app import alerts_data, components
from dashboard.app.alert_sections import render_alert_section
from dashboard.app.page_frame import page
from dashboard.views import alerts_view

with page(__file__, "预警", filters=True) as ctx:
    latest = alerts_data.load_as_of(ctx.version)
    if latest is None:
        components.render_empty_warehouse()
        st.stop()
    day = st.date_input(
        "判断日期",
        value=latest.date(),
        key="alerts-as-of",
        help="默认为数据中最新的时间；改为更早的日期可回看当时的预警。",
    )
    result = alerts_data.load_alerts(ctx.version, ctx.filters, None if day == latest.date() else day)
    payload = result["payload"]
    st.caption(alerts_view.describe_scope(payload))
    if payload["filters"]:
        st.caption("筛选：" + "；".join(payload["filters"]))

    left, right, _ = st.columns([1, 1, 2])
    left.metric("高频投诉", f"{len(payload['high_frequency'])} 项")
    right.metric("区域激增", f"{len(payload['surges'])} 项")
    for section in alerts_view.build_sections(payload):
        render_alert_section(section, result)

    st.caption("定时任务可运行 `python -m dashboard alerts --json`（与本页同一计算；有预警时退出码为 1）。")
