"""时效与红黄牌: the overdue list the center works from, on-time closure by deadline type, stage clocks and cards."""

from __future__ import annotations

import streamlit as st

from dashboard.app import alerts_data, components, data, sidebar
from dashboard.app.auth_gate import require_page
from dashboard.auth.access import bound_provinces
from dashboard.charts import sla as sla_charts
from dashboard.engine.safe_text import escape_markdown
from dashboard.engine.sla import ClockRules, horizon_days
from dashboard.views import sla_view

require_page(__file__)
components.require_router()
st.title("时效与红黄牌")
version = components.require_loaded_warehouse()

filters = sidebar.render_filters(version)
latest = alerts_data.load_as_of(version)
coverage = data.load_coverage(version)
if latest is None or coverage is None:
    components.render_empty_warehouse()
    st.stop()
day = st.date_input(
    "判断日期",
    value=latest.date(),
    key="sla-as-of",
    help="默认为数据中最新的时间；改为更早的日期可回看当时的超期情况和红黄牌。",
)
as_of = alerts_data.load_as_of(version, None if day == latest.date() else day)
horizon = horizon_days()
st.caption(f"数据截至 {as_of:%Y-%m-%d %H:%M}。" + "".join(f"　{escape_markdown(line)}" for line in filters.describe()))

# ---- the overdue list -------------------------------------------------------------------------
st.subheader("超期与临期案件", anchor="overdue")
overdue = alerts_data.load_overdue(version, filters, as_of)
counts = sla_view.summarise_overdue(overdue)
for column, (label, value) in zip(st.columns(4), sla_view.label_overdue_counts(counts, horizon), strict=True):
    column.metric(label, value)
if overdue.is_empty():
    st.success(f"没有超期或 {horizon} 天内到期的未办结案件。", icon=":material/check_circle:")
else:
    owner_col, list_col = st.columns([2, 5], gap="medium")
    with owner_col:
        st.markdown(f"**按处理部门**（临期：今日及 {horizon} 天内到期）")
        st.dataframe(sla_view.count_overdue_by_owner(overdue, horizon), hide_index=True, key="sla-owners")
    with list_col:
        show = st.segmented_control("显示", ["全部", "已超期", "今日及临期"], default="全部", key="sla-overdue-show")
        table = sla_view.keep_shown(sla_view.build_overdue_table(overdue), show)
        linked, links = components.case_link_column(table)
        st.dataframe(
            linked,
            hide_index=True,
            key="sla-overdue-table",
            column_config={"超期天数": st.column_config.NumberColumn(help="负数为距到期还有几天"), **links},
        )
        components.render_case_opener(table["案件编号"].to_list(), key="sla-case")
        components.render_csv_download(
            sla_view.build_overdue_table(overdue),
            f"超期清单_{as_of:%Y%m%d}.csv",
            "下载超期清单（CSV）",
            key="sla-overdue-csv",
        )
    st.caption(
        f"未办结且已过到期日或 {horizon} 天内到期的案件，超期最久的在前；到期日当天仍算按期。"
        "客户信息已脱敏，客户ID为客户标识哈希的前 8 位。"
    )

# ---- 积案 -----------------------------------------------------------------------------------------
st.subheader("积案（超期未办结）", anchor="backlog")
period = filters.period(coverage[1])
components.render_backlog(alerts_data.load_backlog(version, filters, period), key="sla-backlog")

# ---- on-time closure by deadline type ------------------------------------------------------------
st.subheader("按期办结率（按时限类型）", anchor="on-time")
deadline = sla_view.build_deadline_table(alerts_data.load_on_time_by_deadline(version, filters, period))
st.caption(f"期间：{period.label()}。投诉默认 15 天办结，来访、来信信访默认 60 天；口径同驾驶舱“按期办结率”。")
st.dataframe(
    deadline,
    hide_index=True,
    key="sla-deadline",
    column_config={"按期办结率": st.column_config.NumberColumn(format="percent")},
)

# ---- stage clocks and cards --------------------------------------------------------------------
cards = alerts_data.load_cards(version, as_of, filters.departments, bound_provinces())
st.subheader("环节时效", anchor="stages")
if cards.stages["judged"].sum() == 0:
    st.info("还没有可判定的办理环节：请导入办理环节（流程事件）数据。", icon=":material/info:")
else:
    st.dataframe(
        sla_view.build_stage_table(cards),
        hide_index=True,
        key="sla-stages",
        column_config={"按时率": st.column_config.NumberColumn(format="percent")},
    )
components.render_note(*sla_view.describe_clocks(ClockRules.from_settings(), as_of))
st.caption("黄牌：环节超过时限才完成，或到判断时仍未完成且已超时。按部门的全部环节计算，产品、地区等筛选不适用。")

st.subheader("红黄牌", anchor="cards")
if cards.cards.is_empty():
    st.info("没有可判定的办理环节（环节数据为空）。", icon=":material/info:")
else:
    grey = sla_view.build_grey_table(cards)
    if grey.is_empty():
        st.success("灰名单：没有连续两个季度出现红牌的部门。", icon=":material/check_circle:")
    else:
        st.error(
            f"灰名单：{escape_markdown('、'.join(grey['处理部门'].to_list()))} 连续两个季度出现红牌。",
            icon=":material/block:",
        )
        st.dataframe(grey, hide_index=True, key="sla-grey")
    components.render_chart_with_table(
        sla_charts.build_cards_chart(cards.cards), sla_view.build_cards_table(cards), key="sla-cards"
    )
    st.caption(
        "红牌：同一部门按到期时间连续第二张黄牌；中间有按时完成的环节则重新计数，红牌后也重新计数。卡片记入到期时间所在季度。"
    )
    with st.expander("黄牌明细", icon=":material/list:"):
        departments = sla_view.list_carded_departments(cards)
        chosen = st.selectbox("处理部门", departments, key="sla-yellow-dept")
        st.dataframe(sla_view.build_yellow_table(cards, chosen), hide_index=True, key="sla-yellow-table")
