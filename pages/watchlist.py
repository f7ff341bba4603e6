"""重点人员: red / orange / yellow complainants over the trailing 365 days, masked, each with a timeline."""

from __future__ import annotations

import streamlit as st

from dashboard.app import risk_data
from dashboard.app.export_buttons import render_list_downloads
from dashboard.app.page_frame import page
from dashboard.app.people_sections import render_level_cards, render_person
from dashboard.engine import watchlist

with page(__file__, "重点人员", filters=True) as ctx:
    filters, (first_day, latest) = ctx.filters, ctx.coverage
    as_of_col, level_col = st.columns([1, 3])
    as_of = as_of_col.date_input("截至日期", value=latest, max_value=latest, min_value=first_day, key="watch-as-of")
    used, people = risk_data.load_watchlist(ctx.version, filters, as_of or latest)
    if used is None:
        st.info("数据仓库中还没有案件。", icon=":material/info:")
        st.stop()
    rules = watchlist.WatchRules.from_settings()
    st.caption(watchlist.describe_rules(rules, used))
    if filters.describe():
        st.caption(
            f"只列出在统计窗口内有符合左侧筛选条件（{'；'.join(filters.describe())}）案件的客户；等级按其全部案件判定。"
        )
    render_level_cards(people)

    chosen_levels = level_col.multiselect(
        "显示等级",
        list(watchlist.WATCH_LEVELS),
        default=list(watchlist.WATCH_LEVELS),
        format_func=watchlist.WATCH_LABELS.get,
        key="watch-levels",
    )
    shown = watchlist.keep_levels(people, chosen_levels)
    if shown.is_empty():
        st.info("没有符合条件的重点人员。", icon=":material/info:")
        st.stop()
    table = watchlist.format_watchlist_table(shown)
    st.dataframe(table, hide_index=True, key="watch-table", height=360)
    render_list_downloads(table, f"重点人员_{used:%Y%m%d}", "下载名单（CSV）", key="watch-csv")

    st.subheader("案件时间线")
    rows = list(shown.iter_rows(named=True))
    picked = st.selectbox(
        "选择人员", range(len(rows)), format_func=lambda i: watchlist.describe_person(rows[i]), key="watch-person"
    )
    render_person(ctx.version, rows[picked or 0], used, rules)
