"""数据质量: latest loads, their reconciliation, quarantine by rule and the data-quality suite results."""

from __future__ import annotations

import streamlit as st

from dashboard.app import components, data
from dashboard.app.page_frame import page
from dashboard.views.reconciliation import build_from_batch_row
from dashboard.views.warehouse_views import describe_batches, find_batch

with page(__file__, "数据质量", needs=None) as ctx:
    version = ctx.version
    rejected = data.load_rejected_loads()
    if version is None or data.load_batches(version).is_empty():
        if version is None:
            components.render_missing_warehouse()
        else:
            components.render_empty_warehouse()
        if not rejected.is_empty():
            st.subheader("被拒绝的文件")
            components.render_rejected_loads(rejected)
        st.stop()

    batches = data.load_batches(version)

    st.subheader("最近导入")
    components.render_batches(batches, key="dq-batches")
    if not rejected.is_empty():
        with st.expander(f"被拒绝的文件（{rejected.height}，整个文件未导入，数据仓库没有改动）"):
            components.render_rejected_loads(rejected)

    choices = describe_batches(batches)
    batch_id = st.selectbox("查看批次", list(choices), format_func=choices.get, key="dq-batch")
    batch = build_from_batch_row(find_batch(batches, batch_id))

    st.subheader("对账")
    components.render_batch_heading(batch)
    components.render_reconciliation(batch)

    st.subheader("隔离原因（按规则）")
    this_batch, all_batches = st.tabs(["本批次", "全部批次"])
    with this_batch:
        components.render_quarantine_by_rule(data.load_quarantine_by_rule(version, batch_id), key="dq-rules-batch")
    with all_batches:
        components.render_quarantine_by_rule(data.load_quarantine_by_rule(version, None), key="dq-rules-all")

    st.subheader("隔离明细")
    components.render_quarantine(
        data.load_quarantine_rows(version, batch_id), file_name=batch.file, key="dq-quarantine"
    )

    st.subheader("质量检查结果")
    batch_checks, mart_checks = st.tabs(["本批次的检查", "未关联批次的检查（最近一次重建）"])
    with batch_checks:
        components.render_check_results(
            data.load_check_results(version, batch_id), key="dq-checks-batch", empty_note="该批次没有记录检查结果。"
        )
    with mart_checks:
        components.render_check_results(
            data.load_check_results(version, None),
            key="dq-checks-marts",
            empty_note="没有未关联批次的检查结果（每次导入的检查都记在该批次下）。",
        )
