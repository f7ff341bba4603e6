"""The signed-in user of this browser session: password or OIDC login, expiry, logout.

A session ends after [auth] idle_minutes without a rerun or session_minutes after login,
whichever comes first, and at logout. A password login also issues a signed token (tokens.py)
that the browser keeps as the `cockpit_session` cookie, so a reloaded tab or a bookmarked view
resumes the session; the server checks the token against its own record on every run. OIDC
identities are kept by Streamlit in its own signed cookie.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import streamlit as st

from dashboard.auth import audit, current, lockout, mode, policy, tokens
from dashboard.auth.access import ADMIN_ROLE, load_roles
from dashboard.auth.users import User, check_password, hash_password, load_users, store_password
from warehouse.settings import setting

K_USER = "auth.user"
K_LOGIN_AT = "auth.login_at"
K_SEEN_AT = "auth.seen_at"
K_SESSION = "auth.session_id"
K_NOTICE = "auth.notice"
K_TOKEN = "auth.token"  # the signed token of this login (tokens.py), also the browser's cookie
K_TOKEN_ID = "auth.token_id"
K_TRIED = "auth.cookie_tried"  # the browser's token already checked in this session
K_CLEAR_COOKIE = "auth.clear_cookie"
K_CHANGE_ASKED = "auth.change_asked"  # the user asked to change their password (sidebar button)
COOKIE = "cockpit_session"
LOCAL_TZ = ZoneInfo("Asia/Shanghai")
TEST_USER = User("test", "测试（未启用登录）", ADMIN_ROLE)
# A bcrypt hash (cost 12) of no password anyone uses: checked for unknown names so they cost the same time.
_NOBODY = User("", "", "", password_hash="$2b$12$gamzY27DhxTK9NdeOvR0ZOne2Pvj6rlAhSNIt6qGtoQPNhMg5cIYu")


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
    """Once per run, before anything: expire an old session, resume one from the browser's signed
    cookie after a reload, pick up an OIDC identity, re-read the role."""
    if mode.auth_disabled():
        return TEST_USER
    user: User | None = st.session_state.get(K_USER)
    now = time.time()
    idle, absolute = session_limits()
    if user is not None:
        if now - st.session_state.get(K_SEEN_AT, now) > idle or now - st.session_state.get(K_LOGIN_AT, now) > absolute:
            _expire(user)
            return None
        token = st.session_state.get(K_TOKEN)
        if token:  # verified on every run: a logout elsewhere, a lock or the server's idle clock end it here
            verdict = tokens.check(token, idle, absolute, now)
            if not verdict.ok:
                if verdict.problem == "expired":
                    _expire(user)
                else:
                    _forget()
                    st.session_state[K_NOTICE] = "会话已结束（已退出或账号被锁定），请重新登录。"
                return None
        # A user removed from the file, or given another role, takes effect on the next rerun.
        fresh = known_users().get(user.username)
        if fresh is None:
            _end_token()
            _forget()
            return None
        st.session_state[K_USER] = user = fresh
    elif mode.oidc_configured() and _oidc_logged_in():
        user = _sign_in_oidc()
    else:
        user = _resume(now, idle, absolute)
    if user is not None:
        st.session_state[K_SEEN_AT] = now
    return user


def _expire(user: User) -> None:
    record("session_expired", detail={"reason": "超时"}, user=user)
    _end_token()
    _forget()
    st.session_state[K_NOTICE] = "会话已过期，请重新登录。"


def browser_token() -> str:
    """The session cookie this tab's browser sent when it connected ('' when none)."""
    try:
        return str(st.context.cookies.get(COOKIE) or "")
    except Exception:  # no browser connection (AppTest, CLI)  # noqa: BLE001
        return ""


def _resume(now: float, idle: float, absolute: float) -> User | None:
    """A reloaded tab: the cookie's token, checked once per browser session (the cookie a tab sent
    stays the same until it reconnects, so a token that failed or was logged out is not retried)."""
    token = browser_token()
    if not token or st.session_state.get(K_TRIED) == token:
        return None
    st.session_state[K_TRIED] = token
    verdict = tokens.check(token, idle, absolute, now)
    if not verdict.ok:
        st.session_state[K_CLEAR_COOKIE] = True
        if verdict.problem == "expired":
            _record_as(verdict.username, "session_expired", {"reason": "超时", "resumed": True})
            st.session_state[K_NOTICE] = "会话已过期，请重新登录。"
        return None
    user = known_users().get(verdict.username)
    if user is None or lockout.locked_until(user.username) is not None:
        tokens.end(verdict.token_id)
        st.session_state[K_CLEAR_COOKIE] = True
        return None
    st.session_state[K_USER] = user
    st.session_state[K_LOGIN_AT] = verdict.login_at
    st.session_state[K_TOKEN] = token
    st.session_state[K_TOKEN_ID] = verdict.token_id
    record("session_resumed", detail={"method": "cookie"}, user=user)
    return user


@dataclass(frozen=True)
class Outcome:
    """A login attempt: the user on success; otherwise, when the name is locked, until when."""

    user: User | None = None
    locked_until: float | None = None


def sign_in(username: str, password: str) -> Outcome:
    """Check a password against the users file and the lock; on success the session is signed in.

    A locked name is refused before its password is checked, and a name that does not exist is
    counted and locked like one that does: the answer never tells which names are real."""
    name = lockout.key(username)
    until = lockout.locked_until(name)
    if until is not None:
        _record_as(name, "login_failed", {"reason": "账号已锁定", "ip": _ip()})
        return Outcome(locked_until=until)
    user = known_users().get(name)
    if user is None:  # spend a bcrypt check anyway: the response time must not tell which names exist
        check_password(_NOBODY, password)
    if user is None or not check_password(user, password):
        _record_as(name, "login_failed", {"reason": "用户名或密码不正确", "ip": _ip()})
        until = lockout.register_failure(name)
        if until is not None:
            _record_as(name, "account_locked", {"failures": lockout.max_failures(), "until_utc": _utc(until)})
            tokens.end_user(name)
        return Outcome(locked_until=until)
    lockout.register_success(name)
    _start(user, "password")
    return Outcome(user=user)


def password_change_reason(user: User) -> str | None:
    """Why this user must set a new password before any page opens, or None."""
    if user.must_change:
        return "initial"
    if user.password_hash and policy.expired(user.password_changed):
        return "expired"
    if st.session_state.get(K_CHANGE_ASKED):
        return "asked"  # the user chose 修改密码 in the sidebar
    return None


def change_password(user: User, current: str, new: str, confirm: str) -> str | None:
    """The signed-in user sets a new password (required while must_change); the reason when refused."""
    if not check_password(user, current):
        _record_as(user.username, "login_failed", {"reason": "修改密码时原密码不正确", "ip": _ip()})
        until = lockout.register_failure(user.username)
        if until is not None:
            _record_as(user.username, "account_locked", {"failures": lockout.max_failures(), "until_utc": _utc(until)})
            tokens.end_user(user.username)
            _forget()
            st.session_state[K_NOTICE] = lock_message(until)
        return "原密码不正确。"
    if new != confirm:
        return "两次输入的新密码不一致。"
    if new == current:
        return "新密码不能与原密码相同。"
    reason = policy.problem(new, user.username)
    if reason:
        return f"新密码不符合要求：{reason}。"
    path = mode.users_file()
    if path is None:
        return "未配置用户文件，无法修改密码。"
    store_password(path, user.username, hash_password(new), must_change=False)
    lockout.register_success(user.username)
    # Sessions opened with the old password (other browsers) end; this one continues on a fresh token.
    tokens.end_user(user.username)
    _, absolute = session_limits()
    st.session_state[K_TOKEN], st.session_state[K_TOKEN_ID] = tokens.issue(user.username, absolute)
    st.session_state[K_LOGIN_AT] = time.time()
    record("password_changed", detail={"username": user.username, "by": "本人"}, user=user)
    st.session_state[K_USER] = known_users().get(user.username, user)
    st.session_state.pop(K_CHANGE_ASKED, None)
    return None


def local_time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S")


def lock_message(until: float) -> str:
    """The same words for every name, real or not."""
    return (
        f"该账号因连续 {lockout.max_failures()} 次登录失败已被锁定，请于 {local_time(until)}（北京时间）后再试，"
        "或联系管理员在“用户与角色”页面解锁。"
    )


def _utc(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")


def _ip() -> str:
    try:
        return str(st.context.ip_address or "")
    except Exception:  # noqa: BLE001
        return ""


def _record_as(username: str, action: str, detail: dict[str, object]) -> None:
    """An entry for a typed name that is not (yet) a signed-in user: who was tried, from which session."""
    audit.record(audit.Actor(username or "（空）", "", session_id()), action, detail=detail)


def _start(user: User, method: str) -> None:
    now = time.time()
    _, absolute = session_limits()
    token, token_id = tokens.issue(user.username, absolute, now)
    st.session_state[K_USER] = user
    st.session_state[K_LOGIN_AT] = now
    st.session_state[K_SEEN_AT] = now
    st.session_state[K_TOKEN] = token
    st.session_state[K_TOKEN_ID] = token_id
    st.session_state.pop(K_NOTICE, None)
    st.session_state.pop(K_CLEAR_COOKIE, None)
    record("login", detail={"method": method, "provinces": list(user.provinces), "ip": _ip()}, user=user)


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
    _end_token()
    _forget()
    if mode.oidc_configured() and _oidc_logged_in():
        st.logout()


def _end_token() -> None:
    token_id = st.session_state.get(K_TOKEN_ID)
    if token_id:
        tokens.end(token_id)


def _forget() -> None:
    """Sign this session out; the browser's cookie is cleared on the next page drawn (gate.render_cookie)."""
    if st.session_state.get(K_TOKEN) or browser_token():
        st.session_state[K_CLEAR_COOKIE] = True
    for key in (K_USER, K_LOGIN_AT, K_SEEN_AT, K_TOKEN, K_TOKEN_ID):
        st.session_state.pop(key, None)


# Exports, the pack and the access rules sit below the app: tell them how to find this session's user.
current.install(current_user, lambda action, detail, user: record(action, detail=detail, user=user))
