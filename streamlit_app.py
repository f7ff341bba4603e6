"""投诉信访治理驾驶舱: the router. Page config, navigation and the sidebar; every view lives in pages/.

To add a page, add one line to PAGES: (section, file, Chinese title, icon).
The first page listed is the home page.
"""

from __future__ import annotations

from dashboard.app.server_runtime import prepare_server

prepare_server()  # first: libraries fully imported before sessions share them; the run watchdog started

import streamlit as st  # noqa: E402
from streamlit.runtime.scriptrunner import get_script_run_ctx  # noqa: E402

from dashboard.app import auth_gate as gate  # noqa: E402
from dashboard.app import components, data, sidebar  # noqa: E402
from dashboard.auth import access  # noqa: E402
from dashboard.auth.users import User  # noqa: E402
from dashboard.engine.i18n import NAV_TITLES_EN, SECTION_TITLES_EN, text  # noqa: E402
from warehouse.settings import setting  # noqa: E402

APP_TITLE = "投诉信访治理驾驶舱"

PAGES: list[tuple[str, str, str, str]] = [
    ("概览", "pages/cockpit.py", "驾驶舱总览", ":material/dashboard:"),
    ("分析", "pages/trends.py", "趋势分析", ":material/trending_up:"),
    ("分析", "pages/regions.py", "区域分析", ":material/map:"),
    ("分析", "pages/query_explorer.py", "查询分析", ":material/query_stats:"),
    ("消保工作台", "pages/risk_radar.py", "风险雷达", ":material/radar:"),
    ("消保工作台", "pages/watchlist.py", "重点人员", ":material/person_alert:"),
    ("消保工作台", "pages/products_issues.py", "产品与问题", ":material/category:"),
    ("消保工作台", "pages/alerts.py", "预警", ":material/notifications_active:"),
    ("消保工作台", "pages/sla.py", "时效与红黄牌", ":material/timer:"),
    ("消保工作台", "pages/rectification.py", "溯源整改", ":material/build_circle:"),
    ("消保工作台", "pages/case.py", "案件详情", ":material/description:"),
    ("报告", "pages/pack.py", "委员会汇报材料", ":material/slideshow:"),
    ("报告", "pages/scorecard.py", "考核排名", ":material/leaderboard:"),
    ("数据管理", "pages/home.py", "数据概况", ":material/home:"),
    ("数据管理", "pages/data_import.py", "数据导入", ":material/upload_file:"),
    ("数据管理", "pages/data_quality.py", "数据质量", ":material/fact_check:"),
    ("系统管理", "pages/admin_users.py", "用户与角色", ":material/manage_accounts:"),
    ("系统管理", "pages/admin_audit.py", "审计日志", ":material/policy:"),
]


def build_navigation(
    pages: list[tuple[str, str, str, str]], lang: str = "zh", user: User | None = None
) -> dict[str, list[st.Page]]:
    """Section -> pages, in the order listed (dicts keep insertion order); English titles when lang is en.

    Every page is registered so that a typed URL reaches the router's check; the pages the
    user's role may not open (all of them for an anonymous visitor) are hidden from the menu.
    """
    sections: dict[str, list[st.Page]] = {}
    allowed = set(access.allowed_paths(user, [p for _, p, _, _ in pages])) if user else set()
    first = next((p for _, p, _, _ in pages if p in allowed), None)
    for section, path, title, icon in pages:
        if lang == "en":
            section, title = SECTION_TITLES_EN.get(section, section), NAV_TITLES_EN.get(path, title)
        visibility = "visible" if path in allowed else "hidden"
        page = st.Page(path, title=title, icon=icon, visibility=visibility, default=path == first)
        sections.setdefault(section, []).append(page)
    return sections


st.set_page_config(page_title=APP_TITLE, page_icon="🏦", layout="wide")
gate.check_startup()
user = gate.refresh()
lang = sidebar.current_language()
# expanded: every page listed (Streamlit folds a menu of more than 10 behind "View more").
page = st.navigation(build_navigation(PAGES, lang, user), position="sidebar" if user else "hidden", expanded=True)
if user is None:  # an anonymous visitor gets the login form on every URL
    gate.render_login()
    st.stop()
with st.sidebar:
    st.markdown(f"**{text('app_title', lang)}**")
    sidebar.render_language_switch()
    st.caption(setting("bank", "name", default=""))
    components.render_version_caption(data.warehouse_version(), lang)
    gate.render_user_box(user)
gate.render_banner()
page_id = access.page_id(getattr(page, "_page", None) or page.url_path)  # a file page's own path
if gate.admit(page_id):
    ctx = get_script_run_ctx()
    # A run past [server] watchdog_seconds is reported in the server log with where it is stuck.
    with prepare_server().track(ctx.session_id if ctx else "-", page_id, user.username):
        try:
            page.run()
        finally:
            gate.log_view_if_unlogged(page_id)
