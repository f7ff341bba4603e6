"""A masked case list as every page shows it: its count, the table with a 详情 link, an opener, downloads.

风险雷达 lists the period's cases by risk, 产品与问题 the cases behind a clicked bar; both read
dashboard.views.case_list and show the same columns with the same downloads.
"""

from __future__ import annotations

import streamlit as st

from dashboard.app import components
from dashboard.app.export_buttons import render_list_downloads
from dashboard.engine.formatting import format_count
from dashboard.views.case_list import CaseList, format_case_table


def render_case_list(listing: CaseList, *, key: str, name: str, lead: str = "", note: str = "", height: int) -> None:
    """`lead` opens the count sentence ("产品：信用卡分期："), `note` closes it; `name` names the downloaded file."""
    shown = format_case_table(listing.cases)
    partial = listing.total > listing.cases.height
    st.caption(
        f"{lead}共 {format_count(listing.total)} 件"
        + (f"，显示前 {format_count(listing.cases.height)} 件" if partial else "")
        + note
    )
    linked, links = components.case_link_column(shown)
    st.dataframe(linked, hide_index=True, key=f"{key}s", height=height, column_config=links)
    components.render_case_opener(shown["案件编号"].to_list(), key=key)
    render_list_downloads(shown, name, "下载清单（CSV）", key=f"{key}s-csv")
