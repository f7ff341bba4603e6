"""Tables of the admin pages (users, roles, audit entries) with Chinese headers."""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from dashboard.auth import policy
from dashboard.auth.access import ALL_PAGES
from dashboard.auth.audit import ACTIONS
from dashboard.auth.users import User

USER_COLUMNS = ["用户名", "姓名", "角色", "数据范围", "登录方式", "状态"]
AUDIT_HEADERS = {
    "id": "序号",
    "at_utc": "时间（UTC）",
    "username": "用户",
    "role": "角色",
    "action": "操作",
    "page": "页面",
    "detail": "详情",
    "session_id": "会话",
}


def build_users_table(users: Mapping[str, User], locked: Mapping[str, str] | None = None) -> pl.DataFrame:
    """One row a user; `locked` maps a locked user name to the (shown) time its lock ends."""
    locks = locked or {}

    def status(u: User) -> str:
        if u.username in locks:
            return f"已锁定至 {locks[u.username]}"
        if u.must_change:
            return "须修改初始密码"
        return "密码已过期" if u.password_hash and policy.expired(u.password_changed) else "正常"

    rows = [
        (
            u.username,
            u.name,
            u.role,
            "、".join(u.provinces) or "全部地区",
            "密码" if u.password_hash else "统一身份认证",
            status(u),
        )
        for u in users.values()
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(USER_COLUMNS, pl.String), orient="row")


def build_roles_table(roles: Mapping[str, tuple[str, ...]]) -> pl.DataFrame:
    rows = [(role, "全部页面" if ALL_PAGES in pages else "、".join(pages)) for role, pages in roles.items()]
    return pl.DataFrame(rows, schema={"角色": pl.String, "页面": pl.String}, orient="row")


def build_audit_table(found: pl.DataFrame) -> pl.DataFrame:
    labelled = found.with_columns(pl.col("action").replace(ACTIONS))
    return labelled.rename(AUDIT_HEADERS)
