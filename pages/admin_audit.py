"""审计日志 (admin): search who did what and when; the log itself can only be appended to."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import streamlit as st

from dashboard.app import auth_session as session
from dashboard.app.page_frame import page
from dashboard.auth import admin_view, audit

with page(__file__, "审计日志", needs=None, router=False):
    st.caption(
        "记录登录（含失败）、账号锁定与解锁、修改密码、退出、页面查看（含筛选条件）、导出、SQL 查询与数据导入。"
        f"日志文件：{audit.audit_path()}（只能追加）"
    )

    if st.button("校验日志完整性", icon=":material/verified:", key="audit-verify"):
        check = audit.verify()
        session.record(
            "audit_verified", "admin_audit", {"ok": check.ok, "rows": check.rows, "broken_id": check.broken_id}
        )
        (st.success if check.ok else st.error)(check.message())
    st.caption("每行记录带有与前一行相连的哈希；任何一行被修改或删除，校验都会指出第一处断开的位置。")

    user_col, action_col, text_col = st.columns(3)
    username = user_col.text_input("用户名", key="audit-user")
    action = action_col.selectbox(
        "操作",
        [None, *audit.ACTIONS],
        format_func=lambda a: "全部" if a is None else audit.ACTIONS[a],
        key="audit-action",
    )
    text = text_col.text_input("包含文字（页面、SQL、文件名、筛选条件）", key="audit-text")
    today = datetime.now(UTC).date()
    picked = st.date_input("日期（UTC）", value=(today - timedelta(days=30), today), key="audit-dates")
    since = until = None
    if isinstance(picked, tuple) and len(picked) == 2:
        since = datetime.combine(picked[0], time.min, UTC)
        until = datetime.combine(picked[1] + timedelta(days=1), time.min, UTC)

    found = audit.search(
        username=username.strip() or None,
        action=action,
        text=text.strip() or None,
        since=since,
        until=until,
        limit=5000,
    )
    st.caption(f"{found.height:,} 条（最新在前，最多 5,000 条）")
    shown = admin_view.build_audit_table(found)
    st.dataframe(shown, hide_index=True, key="audit-table")
