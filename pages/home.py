"""数据概况: what the warehouse holds, so the cockpit is useful before any KPI page."""

from __future__ import annotations

import streamlit as st

from dashboard.app import components, data
from dashboard.app.auth_gate import require_page

require_page(__file__)
st.title("数据概况")
version = data.warehouse_version()
if version is None:
    components.render_missing_warehouse()
    st.stop()

summary = data.load_summary(version)
if summary.is_empty:
    components.render_empty_warehouse()
    st.stop()

components.render_summary(summary)

st.subheader("各数据表行数")
components.render_table_counts(summary)

st.subheader("最近导入")
components.render_batches(data.load_batches(version, limit=5), key="home-batches")
st.page_link(components.DATA_QUALITY_PAGE, label="查看全部导入批次与数据质量", icon=":material/fact_check:")
