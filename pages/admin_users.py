"""用户与角色 (admin): who may sign in, their role, region binding, and what each role may open."""

from __future__ import annotations

import streamlit as st

from dashboard.app import auth_session as session
from dashboard.app.page_frame import page
from dashboard.auth import admin_view, lockout, mode
from dashboard.auth.access import load_roles
from dashboard.auth.users import UsersFileError
from warehouse.settings import setting

with page(__file__, "用户与角色", needs=None, router=False):
    source = mode.users_file()
    st.caption(
        f"用户文件：{source or '未配置（仅统一身份认证）'}。"
        "修改用户请编辑该文件，保存后下次操作即生效；发放初始密码用 "
        "`python -m dashboard.auth set-password 用户名 --initial`（用户首次登录须修改）。"
    )
    try:
        users = session.known_users()
    except UsersFileError as error:
        st.error(str(error))
        st.stop()
    locks = lockout.locked_accounts()
    shown_until = {lock.username: session.local_time(lock.locked_until) for lock in locks}
    st.dataframe(admin_view.build_users_table(users, shown_until), hide_index=True, key="admin-users")

    st.subheader("锁定的账号")
    st.caption(
        f"连续 {lockout.max_failures()} 次登录失败的用户名锁定 {setting('auth', 'lockout_minutes', default=15)} 分钟"
        "（包括用户文件中没有的名字，以免泄露哪些用户存在）。解锁会清零失败计数并记入审计日志。"
    )
    if not locks:
        st.info("当前没有被锁定的账号。")
    else:
        chosen = st.selectbox(
            "解锁用户名", [lock.username for lock in locks], format_func=lambda n: f"{n}（锁定至 {shown_until[n]}）",
            key="admin-unlock-user",
        )  # fmt: skip
        if st.button("解锁", icon=":material/lock_open:", key="admin-unlock"):
            if lockout.unlock(chosen):
                session.record("account_unlocked", "admin_users", {"username": chosen})
            st.success(f"已解锁：{chosen}")
            st.rerun()
    st.subheader("角色可访问的页面")
    st.dataframe(admin_view.build_roles_table(load_roles()), hide_index=True, key="admin-roles")
    st.caption("角色与页面在 settings.toml 的 [roles] 中配置；会话时限在 [auth] 中配置。")
