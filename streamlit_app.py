"""投诉信访治理驾驶舱: the router. Page config, navigation and the sidebar; every view lives in pages/.

To add a page, add one line to PAGES: (section, file, Chinese title, icon).
The first page listed is the home page.
"""

from __future__ import annotations

import streamlit as st

from dashboard import components, data, sidebar
from dashboard.config import setting
from dashboard.i18n import NAV_TITLES_EN, SECTION_TITLES_EN, text

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
    ("数据管理", "pages/home.py", "数据概况", ":material/home:"),
    ("数据管理", "pages/data_import.py", "数据导入", ":material/upload_file:"),
    ("数据管理", "pages/data_quality.py", "数据质量", ":material/fact_check:"),
]


def build_navigation(pages: list[tuple[str, str, str, str]], lang: str = "zh") -> dict[str, list[st.Page]]:
    """Section -> pages, in the order listed (dicts keep insertion order); English titles when lang is en."""
    sections: dict[str, list[st.Page]] = {}
    for section, path, title, icon in pages:
        if lang == "en":
            section, title = SECTION_TITLES_EN.get(section, section), NAV_TITLES_EN.get(path, title)
        sections.setdefault(section, []).append(st.Page(path, title=title, icon=icon))
    return sections


st.set_page_config(page_title=APP_TITLE, page_icon="🏦", layout="wide")
lang = sidebar.current_language()
page = st.navigation(build_navigation(PAGES, lang))
with st.sidebar:
    st.markdown(f"**{text('app_title', lang)}**")
    sidebar.render_language_switch()
    st.caption(setting("bank", "name", default=""))
    components.render_version_caption(data.warehouse_version(), lang)
page.run()
