"""投诉信访治理驾驶舱: the router. Page config, navigation and the sidebar; every view lives in pages/.

To add a page, add one line to PAGES: (section, file, Chinese title, icon).
The first page listed is the home page.
"""

from __future__ import annotations

import streamlit as st

from dashboard import components, data
from dashboard.config import setting

APP_TITLE = "投诉信访治理驾驶舱"

PAGES: list[tuple[str, str, str, str]] = [
    ("概览", "pages/home.py", "数据概况", ":material/home:"),
    ("数据管理", "pages/data_import.py", "数据导入", ":material/upload_file:"),
    ("数据管理", "pages/data_quality.py", "数据质量", ":material/fact_check:"),
]


def build_navigation(pages: list[tuple[str, str, str, str]]) -> dict[str, list[st.Page]]:
    """Section -> pages, in the order listed (dicts keep insertion order)."""
    sections: dict[str, list[st.Page]] = {}
    for section, path, title, icon in pages:
        sections.setdefault(section, []).append(st.Page(path, title=title, icon=icon))
    return sections


st.set_page_config(page_title=APP_TITLE, page_icon="🏦", layout="wide")
page = st.navigation(build_navigation(PAGES))
with st.sidebar:
    st.markdown(f"**{APP_TITLE}**")
    st.caption(setting("bank", "name", default=""))
    components.render_version_caption(data.warehouse_version())
page.run()
