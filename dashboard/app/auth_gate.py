"""What the router and the pages call: the login page, the refusal, the banner, page-view audit.

The router (streamlit_app.py) runs `check_startup()`, `refresh()` and, once st.navigation has
picked a page, `admit(page_id)` before page.run(). Every page's frame (dashboard/app/page_frame.py)
also starts with `require_page(__file__)`: a first request on a freshly started server can run a page of
pages/ without the router (Streamlit's legacy multipage mode), and the page then refuses
itself. The filter sidebar (dashboard/app/sidebar.py) passes its filters through `enforce_filters`
so a region-bound user's provinces are forced and the view is audited with its filters.
"""

from __future__ import annotations

import json
from dataclasses import replace

import streamlit as st

from dashboard.app import auth_session as session
from dashboard.auth import access, mode, policy
from dashboard.auth.users import User, UsersFileError
from dashboard.engine.filters import Filters
from dashboard.engine.kpi_source import FilterOptions

K_PAGE = "auth.page"
K_LAST_VIEW = "auth.last_view"
K_VIEWED_RUN = "auth.viewed_run"
LOGIN_URL_PATH = "login"


def auth_enabled() -> bool:
    return not mode.auth_disabled()


def check_startup() -> None:
    """Refuse to serve (production without users or OIDC, demo off loopback, auth off in production)."""
    problem = mode.startup_problem(st.get_option("server.address"))
    if problem:
        st.error(f"驾驶舱未启动：{problem}", icon=":material/block:")
        st.stop()
    if auth_enabled() and mode.current_mode() == mode.DEMO and mode.configured_users_file() is None:
        mode.ensure_demo_admin(mode.demo_users_file())  # prints the password to the console, once


def refresh() -> User | None:
    """The signed-in user of this run (after expiry and role refresh)."""
    try:
        return session.refresh_session()
    except UsersFileError as error:
        st.error(str(error), icon=":material/error:")
        st.stop()


def render_banner() -> None:
    if auth_enabled() and mode.current_mode() == mode.DEMO:
        st.warning("演示模式：仅限本机访问，使用演示数据与本机管理员账号，不可用于生产。", icon=":material/science:")


def render_login() -> None:
    """The only page an anonymous visitor sees, whatever URL was typed."""
    st.title("投诉信访治理驾驶舱 · 登录")
    render_banner()
    notice = st.session_state.pop(session.K_NOTICE, None)
    if notice:
        st.warning(notice)
    if mode.oidc_configured():
        if st.button("使用统一身份认证（SSO）登录", type="primary", key="auth-oidc"):
            st.login()
        st.caption("或使用本地账号：")
    with st.form("auth-login"):
        username = st.text_input("用户名", key="auth-username")
        password = st.text_input("密码", type="password", key="auth-password")
        submitted = st.form_submit_button("登录", type="primary")
    if mode.current_mode() == mode.DEMO and mode.configured_users_file() is None:
        st.caption(f"演示模式：管理员账号 {mode.DEMO_ADMIN}，密码在启动服务器的控制台中显示一次。")
    render_cookie()
    if submitted:
        try:
            outcome = session.sign_in(username, password)
        except UsersFileError as error:
            st.error(str(error))
            return
        if outcome.locked_until is not None:
            st.error(session.lock_message(outcome.locked_until), icon=":material/lock:")
            return
        if outcome.user is None:
            st.error("用户名或密码不正确。")
            return
        st.rerun()


def render_cookie() -> None:
    """Keep the browser's session cookie in step with this session: set while signed in (a reload
    then resumes, session.py), cleared after logout or expiry.

    Streamlit offers no way to send a Set-Cookie header, so a line of script run in the page writes
    it (st.html runs it in the app's own document). SameSite=Strict; Secure behind HTTPS. It cannot
    be HttpOnly: the token is therefore worth nothing without the server's record (tokens.py),
    which logout, a lock and the idle limit end (docs/security.md)."""
    token = st.session_state.get(session.K_TOKEN)
    if token:
        _, absolute = session.session_limits()
        value, max_age = json.dumps(str(token)), int(absolute)
    elif st.session_state.get(session.K_CLEAR_COOKIE):
        value, max_age = '""', 0
    else:
        return
    st.html(
        "<script>(function(){var s=location.protocol==='https:'?'; Secure':'';"
        f"document.cookie='{session.COOKIE}='+{value}+'; Path=/; Max-Age={max_age}; SameSite=Strict'+s;}})();"
        "</script>",
        unsafe_allow_javascript=True,
    )


_CHANGE_TITLES = {
    "initial": ("首次登录：请设置新密码", "管理员发放的初始密码须在首次登录时修改。"),
    "expired": ("密码已过期：请设置新密码", "密码使用已超过 {days} 天，须修改后才能继续使用。"),
    "asked": ("修改密码", ""),
}


def render_password_change(user: User, reason: str) -> None:
    """The only thing shown while a password must be changed (initial, expired) or the user asked to."""
    title, why = _CHANGE_TITLES[reason]
    st.title(title)
    st.info(
        why.format(days=policy.max_age_days()) + f"新密码至少 {policy.min_length()} 个字符，"
        f"包含大写字母、小写字母、数字、其他符号中的至少 {policy.min_classes()} 类，且不能包含用户名。",
        icon=":material/password:",
    )
    with st.form("auth-change-password"):
        current = st.text_input("原密码", type="password", key="auth-current-password")
        new = st.text_input("新密码", type="password", key="auth-new-password")
        confirm = st.text_input("再次输入新密码", type="password", key="auth-confirm-password")
        submitted = st.form_submit_button("保存新密码", type="primary")
    if reason == "asked" and st.button("取消", key="auth-change-cancel"):
        st.session_state.pop(session.K_CHANGE_ASKED, None)
        st.rerun()
    if submitted:
        try:
            problem = session.change_password(user, current, new, confirm)
        except UsersFileError as error:
            problem = str(error)
        if problem:
            st.error(problem)
            return
        st.success("密码已修改。")
        st.rerun()


def render_user_box(user: User) -> None:
    """Sidebar: who is signed in, their scope, and the logout button."""
    if not auth_enabled():
        return
    scope = "、".join(user.provinces) if user.provinces else "全部地区"
    st.caption(f"当前用户：{user.label()} · {user.role} · 数据范围：{scope}")
    render_cookie()
    if user.password_hash and st.button("修改密码", icon=":material/password:", key="auth-change", width="stretch"):
        st.session_state[session.K_CHANGE_ASKED] = True
        st.rerun()
    if st.button("退出登录", icon=":material/logout:", key="auth-logout", width="stretch"):
        session.sign_out()
        st.rerun()


def render_refusal(page: str) -> None:
    st.error(f"您的角色无权打开此页面（{page}）。如需访问，请联系管理员。", icon=":material/block:")


def admit(page: str) -> bool:
    """Whether the signed-in user may run `page`; a refusal is shown and audited otherwise."""
    st.session_state[K_PAGE] = page
    st.session_state[K_VIEWED_RUN] = False
    user = session.current_user()
    if user is None:
        return False
    reason = session.password_change_reason(user)
    if reason:
        render_password_change(user, reason)
        return False
    if not access.user_can_open(user, page):
        render_refusal(page)
        session.record("access_denied", page)
        return False
    return True


def require_page(path: str) -> None:
    """First line of every page: signed in and allowed, else stop.

    It holds even when the page runs without the router. A visitor it stops is first handed to the
    router (Streamlit's legacy pages/ mode on a fresh server), so the login and the menu are the
    router's; an admitted user is not rerun, which would drop the click that started this run.
    """
    from dashboard.app import components

    page = access.page_id(path)
    user = session.current_user()
    if user is None or not access.user_can_open(user, page):
        components.require_router()
    if user is None:
        render_login()
        st.stop()
    reason = session.password_change_reason(user)
    if reason:
        render_password_change(user, reason)
        st.stop()
    if not access.user_can_open(user, page):
        render_refusal(page)
        session.record("access_denied", page)
        st.stop()


def enforce_filters(filters: Filters) -> Filters:
    """The sidebar's filters as this user may run them; the view is audited with them."""
    user = session.current_user()
    if user is None or session.password_change_reason(user):
        st.stop()
    page = st.session_state.get(K_PAGE, "")
    if page and not access.user_can_open(user, page):
        render_refusal(page)
        st.stop()
    dropped = access.outside_binding(filters, user.provinces)
    if dropped:
        st.warning(f"您的数据范围限于 {'、'.join(user.provinces)}，已忽略：{'、'.join(dropped)}。")
    bound = access.bind_filters(filters, user.provinces)
    log_view(page, bound)
    return bound


def bound_options(options: FilterOptions) -> FilterOptions:
    """Offer a region-bound user only their provinces (and those provinces' cities) in the sidebar."""
    user = session.current_user()
    if user is None or not user.provinces:
        return options
    cities = {p: c for p, c in options.cities_by_province.items() if p in user.provinces}
    return replace(options, cities_by_province=cities)


def log_view(page: str, filters: Filters | None) -> None:
    """One page_view entry each time the page or its filters change (not on every rerun)."""
    st.session_state[K_VIEWED_RUN] = True
    if not auth_enabled():
        return
    key = (page, filters)
    if st.session_state.get(K_LAST_VIEW) == key:
        return
    st.session_state[K_LAST_VIEW] = key
    detail: dict[str, object] = {}
    if filters is not None:
        detail = {"filters": filters.to_query_params(), "description": filters.describe()}
    session.record("page_view", page, detail)


def log_view_if_unlogged(page: str) -> None:
    """After a page without the filter sidebar ran: its view, once."""
    if not st.session_state.get(K_VIEWED_RUN):
        log_view(page, None)
