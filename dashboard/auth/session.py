"""The signed-in user of this browser session: password or OIDC login, expiry, logout.

A session ends after [auth] idle_minutes without a rerun or session_minutes after login,
whichever comes first; closing or reloading the tab ends it too (nothing is kept in a cookie
except by OIDC, whose identity Streamlit keeps in its own signed cookie).
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path

import streamlit as st

from dashboard.auth import audit, mode
from dashboard.auth.access import ADMIN_ROLE, load_roles
from dashboard.auth.users import User, UsersFileError, check_password, load_users
from dashboard.config import setting

K_USER = "auth.user"
K_LOGIN_AT = "auth.login_at"
K_SEEN_AT = "auth.seen_at"
K_SESSION = "auth.session_id"
K_NOTICE = "auth.notice"
TEST_USER = User("test", "测试（未启用登录）", ADMIN_ROLE)


def session_id() -> str:
    if K_SESSION not in st.session_state:
        st.session_state[K_SESSION] = secrets.token_hex(8)
    return st.session_state[K_SESSION]


def actor(user: User | None) -> audit.Actor:
    if user is None:
        return audit.Actor("（匿名）", "", session_id())
    return audit.Actor(user.username, user.role, session_id())


def record(action: str, page: str = "", detail: dict[str, object] | None = None, user: User | None = None) -> None:
    """Append to the audit log as the signed-in user (or `user` when given)."""
    audit.record(actor(user or current_user()), action, page, detail)


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


@st.cache_data(max_entries=4, show_spinner=False)
def _read_users(path: str, stamp: int) -> dict[str, User]:
    return load_users(Path(path), load_roles())


def known_users() -> dict[str, User]:
    """The users file in force, re-read when it changes (raises UsersFileError)."""
    path = mode.users_file()
    if path is None:
        return {}
    if mode.current_mode() == mode.DEMO and path == mode.demo_users_file():
        mode.ensure_demo_admin(path)
    return _read_users(str(path), _mtime(path))


def session_limits() -> tuple[float, float]:
    """(idle seconds, absolute seconds) from settings.toml [auth]."""
    idle = float(setting("auth", "idle_minutes", default=30)) * 60
    absolute = float(setting("auth", "session_minutes", default=480)) * 60
    return idle, absolute


def current_user() -> User | None:
    """The signed-in user; None when nobody is (or the session expired). Outside Streamlit: None."""
    if mode.auth_disabled():
        return TEST_USER
    try:
        user: User | None = st.session_state.get(K_USER)
    except Exception:  # no script run context (CLI, unit tests)  # noqa: BLE001
        return None
    return user


def refresh_session() -> User | None:
    """Once per run, before anything: expire an old session, pick up an OIDC identity, re-read the role."""
    if mode.auth_disabled():
        return TEST_USER
    user: User | None = st.session_state.get(K_USER)
    now = time.time()
    if user is not None:
        idle, absolute = session_limits()
        if now - st.session_state.get(K_SEEN_AT, now) > idle or now - st.session_state.get(K_LOGIN_AT, now) > absolute:
            record("session_expired", detail={"reason": "超时"}, user=user)
            _forget()
            st.session_state[K_NOTICE] = "会话已过期，请重新登录。"
            return None
        # A user removed from the file, or given another role, takes effect on the next rerun.
        fresh = known_users().get(user.username)
        if fresh is None:
            _forget()
            return None
        st.session_state[K_USER] = user = fresh
    elif mode.oidc_configured() and _oidc_logged_in():
        user = _sign_in_oidc()
    if user is not None:
        st.session_state[K_SEEN_AT] = now
    return user


def sign_in(username: str, password: str) -> User | None:
    """Check a password against the users file; on success the session is signed in."""
    try:
        user = known_users().get(username.strip())
    except UsersFileError:
        raise
    if user is None or not check_password(user, password):
        record("login_failed", detail={"username": username.strip()[:64]}, user=None)
        return None
    _start(user, "password")
    return user


def _start(user: User, method: str) -> None:
    now = time.time()
    st.session_state[K_USER] = user
    st.session_state[K_LOGIN_AT] = now
    st.session_state[K_SEEN_AT] = now
    st.session_state.pop(K_NOTICE, None)
    record("login", detail={"method": method, "provinces": list(user.provinces)}, user=user)


def _oidc_logged_in() -> bool:
    try:
        return bool(st.user.is_logged_in)
    except Exception:  # noqa: BLE001
        return False


def _sign_in_oidc() -> User | None:
    """The OIDC identity mapped to a user of the users file by e-mail; unknown identities get no role."""
    email = str(st.user.get("email") or "").strip().lower()
    users = {name.lower(): u for name, u in known_users().items()}
    user = users.get(email)
    if user is None:
        record("login_failed", detail={"method": "oidc", "email": email[:128]}, user=None)
        st.session_state[K_NOTICE] = f"统一身份认证账号 {email or '（无邮箱）'} 未在用户文件中分配角色，请联系管理员。"
        st.logout()
        return None
    _start(user, "oidc")
    return user


def sign_out() -> None:
    user = current_user()
    if user is not None and not mode.auth_disabled():
        record("logout", user=user)
    _forget()
    if mode.oidc_configured() and _oidc_logged_in():
        st.logout()


def _forget() -> None:
    for key in (K_USER, K_LOGIN_AT, K_SEEN_AT):
        st.session_state.pop(key, None)
