"""数据概况: what the warehouse holds, so the cockpit is useful before any KPI page."""

from __future__ import annotations

import streamlit as st

from dashboard.app import components, data
from dashboard.app.page_frame import page

with page(__file__, "数据概况", needs="warehouse") as ctx:
    summary = data.load_summary(ctx.version)
    if summary.is_empty:
        components.render_empty_warehouse()
        st.stop()
    components.render_summary(summary)

    st.subheader("各数据表行数")
    components.render_table_counts(summary)

    st.subheader("最近导入")
    components.render_batches(data.load_batches(ctx.version, limit=5), key="home-batches")
    st.page_link(components.DATA_QUALITY_PAGE, label="查看全部导入批次与数据质量", icon=":material/fact_check:")
