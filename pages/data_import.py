"""数据导入: upload an export, check how it will be read, confirm, then read the reconciliation.

The same importer as `python -m warehouse load`; a rejected file changes nothing.
"""

from __future__ import annotations

import streamlit as st

from dashboard.app import auth_session as session
from dashboard.app import components
from dashboard.app.page_frame import page
from dashboard.engine.i18n import kind_label, profile_label
from dashboard.views.uploads import ACCEPTED_TYPES, KIND_CHOICES, list_profiles

with page(__file__, "数据导入", needs=None, router=False):
    st.caption(
        "上传投诉案件、客户基数或办理环节的导出文件（CSV / Excel / Parquet，UTF-8 或 GB18030）。"
        "先预览字段映射，确认后导入，再查看对账：读取 = 新增 + 更新 + 重复 + 隔离。"
        "与命令行 `python -m warehouse load` 使用同一套导入程序。"
    )

    uploaded = st.file_uploader("导出文件", type=ACCEPTED_TYPES, key="import-file")
    kind_column, profile_column = st.columns(2)
    kind = kind_column.selectbox("数据类型", KIND_CHOICES, format_func=kind_label, key="import-kind")
    profile = profile_column.selectbox("映射配置", list_profiles(), format_func=profile_label, key="import-profile")

    if uploaded is None:
        components.forget_upload()
        st.info("请选择要导入的文件。")
        st.stop()

    result = components.finished_load(uploaded)
    if result is not None:
        components.render_load_result(result)
        st.caption("如需导入另一个文件，请先移除当前文件再选择新文件。")
        st.stop()

    path = components.hold_upload(uploaded)
    preview = components.hold_preview(uploaded, path, kind, profile)
    components.render_sheet_choice(uploaded, preview)
    st.subheader("预览")
    components.render_preview(preview)
    if preview.ok and st.button("确认导入", type="primary", key="import-confirm", icon=":material/upload:"):
        loaded = components.import_upload(uploaded, path, kind, profile)
        session.record("load", "data_import", {"file": uploaded.name, **loaded.to_json()})
        st.rerun()
