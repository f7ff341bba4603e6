"""重点人员: red / orange / yellow complainants over the trailing 365 days, masked, each with a timeline."""

from __future__ import annotations

import streamlit as st

from dashboard.app import components, data, risk_data, sidebar
from dashboard.app.auth_gate import require_page
from dashboard.charts.timeline import build_timeline_figure
from dashboard.engine import watchlist
from dashboard.engine.formatting import format_count

require_page(__file__)
components.require_router()
components.apply_compact_style()
st.title("重点人员")
version = components.require_loaded_warehouse()

filters = sidebar.render_filters(version)
coverage = data.load_coverage(version)
latest = coverage[1] if coverage else None
as_of_col, level_col = st.columns([1, 3])
as_of = as_of_col.date_input(
    "截至日期", value=latest, max_value=latest, min_value=coverage[0] if coverage else None, key="watch-as-of"
)
used, people = risk_data.load_watchlist(version, filters, as_of or latest)
if used is None:
    st.info("数据仓库中还没有案件。", icon=":material/info:")
    st.stop()
rules = watchlist.WatchRules.from_settings()
st.caption(watchlist.describe_rules(rules, used))
if filters.describe():
    st.caption(
        "只列出在统计窗口内有符合左侧筛选条件（"
        + "；".join(filters.describe())
        + "）案件的客户；等级按其全部案件判定。"
    )

counts = watchlist.count_watchlist(people)
for column, level in zip(st.columns(3, gap="small"), watchlist.WATCH_LEVELS, strict=True):
    with column, st.container(border=True):
        st.metric(f"{watchlist.WATCH_LABELS[level]}预警人员", f"{format_count(counts[level])} 人")
st.caption(watchlist.describe_workload(people))

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
components.render_csv_download(table, f"重点人员_{used:%Y%m%d}.csv", "下载名单（CSV）", key="watch-csv")

st.subheader("案件时间线")
rows = list(shown.iter_rows(named=True))
picked = st.selectbox(
    "选择人员",
    range(len(rows)),
    format_func=lambda index: watchlist.describe_person(rows[index]),
    key="watch-person",
)
person = rows[picked or 0]
cases = risk_data.load_person_cases(version, person["complainant_key"], used)
first, _last = rules.window(used)
st.caption(
    f"{person['watch_label']}预警 · 列入原因：{person['reasons']} · 最近联系：{watchlist.describe_contact(person)}"
)
components.render_chart_with_table(
    build_timeline_figure(cases, used, first, f"{person['name_masked'] or '客户'}（{person['short_id']}）的案件"),
    watchlist.format_person_cases(cases),
    key="watch-timeline",
)
components.render_case_opener(cases.sort("received_date", descending=True)["case_id"].to_list(), key="watch-case")
st.markdown("**联系记录（一人一档）**")
contacts = risk_data.load_person_contacts(version, person["complainant_key"], used)
if contacts.is_empty():
    st.caption("尚无联系记录：可按“联系记录”（--kind contacts）导入来电、上门、约谈、书面记录。")
else:
    st.dataframe(watchlist.format_contacts(contacts), hide_index=True, key="watch-contacts")
