"""用户与角色 (admin): who may sign in, their role, region binding, and what each role may open."""

from __future__ import annotations

import streamlit as st

from dashboard.auth import admin_view, gate, mode, session
from dashboard.auth.access import load_roles
from dashboard.auth.users import UsersFileError

gate.require_page(__file__)
st.title("用户与角色")
source = mode.users_file()
st.caption(
    f"用户文件：{source or '未配置（仅统一身份认证）'}。"
    "修改用户请编辑该文件（密码哈希用 `python -m dashboard.auth hash` 生成），保存后下次操作即生效。"
)
try:
    users = session.known_users()
except UsersFileError as error:
    st.error(str(error))
    st.stop()
st.dataframe(admin_view.build_users_table(users), hide_index=True, key="admin-users")
st.subheader("角色可访问的页面")
st.dataframe(admin_view.build_roles_table(load_roles()), hide_index=True, key="admin-roles")
st.caption("角色与页面在 settings.toml 的 [roles] 中配置；会话时限在 [auth] 中配置。")
