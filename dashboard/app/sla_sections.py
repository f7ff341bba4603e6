"""The blocks of the 时效与红黄牌 page: overdue list, 积案, on-time closure by deadline type, stage clocks, cards."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from dashboard.app import alerts_data, components
from dashboard.app.export_buttons import render_list_downloads
from dashboard.charts import sla as sla_charts
from dashboard.engine.backlog import BUCKETS
from dashboard.engine.filters import Filters
from dashboard.engine.periods import Period
from dashboard.engine.safe_text import escape_markdown
from dashboard.engine.sla import CardReport, ClockRules
from dashboard.views import sla_view


def render_overdue(version: str, filters: Filters, as_of: datetime, horizon: int) -> None:
    """超期与临期案件: four counts, by department, the list the center works from (with its download)."""
    st.subheader("超期与临期案件", anchor="overdue")
    overdue = alerts_data.load_overdue(version, filters, as_of)
    counts = sla_view.summarise_overdue(overdue)
    for column, (label, value) in zip(st.columns(4), sla_view.label_overdue_counts(counts, horizon), strict=True):
        column.metric(label, value)
    if overdue.is_empty():
        st.success(f"没有超期或 {horizon} 天内到期的未办结案件。", icon=":material/check_circle:")
        return
    owner_col, list_col = st.columns([2, 5], gap="medium")
    with owner_col:
        st.markdown(f"**按处理部门**（临期：今日及 {horizon} 天内到期）")
        st.dataframe(sla_view.count_overdue_by_owner(overdue, horizon), hide_index=True, key="sla-owners")
    with list_col:
        show = st.segmented_control("显示", ["全部", "已超期", "今日及临期"], default="全部", key="sla-overdue-show")
        full = sla_view.build_overdue_table(overdue)
        table = sla_view.keep_shown(full, show)
        linked, links = components.case_link_column(table)
        help_days = st.column_config.NumberColumn(help="负数为距到期还有几天")
        config = {"超期天数": help_days, **links}
        st.dataframe(linked, hide_index=True, key="sla-overdue-table", column_config=config)
        components.render_case_opener(table["案件编号"].to_list(), key="sla-case")
        render_list_downloads(full, f"超期清单_{as_of:%Y%m%d}", "下载超期清单（CSV）", key="sla-overdue-csv")
    st.caption(
        f"未办结且已过到期日或 {horizon} 天内到期的案件，超期最久的在前；到期日当天仍算按期。"
        "客户信息已脱敏，客户ID为客户标识哈希的前 8 位。"
    )


def render_backlog(version: str, filters: Filters, period: Period) -> None:
    """积案: the month-end trend by age bucket, then by department and province."""
    st.subheader("积案（超期未办结）", anchor="backlog")
    report = alerts_data.load_backlog(version, filters, period)
    st.caption(sla_view.describe_backlog(report) + "积案：期末（月末）仍未办结且已过到期日的案件，账龄自受理日起算。")
    components.render_chart_with_table(
        sla_charts.build_backlog_chart(report.trend, BUCKETS),
        sla_view.build_backlog_trend_table(report.trend),
        key="sla-backlog",
    )
    dept_col, region_col = st.columns(2)
    dept_col.dataframe(sla_view.build_backlog_table(report.by_department, "department", "处理部门"), hide_index=True)
    region_col.dataframe(sla_view.build_backlog_table(report.by_province, "province", "省份"), hide_index=True)


def render_on_time(version: str, filters: Filters, period: Period) -> None:
    st.subheader("按期办结率（按时限类型）", anchor="on-time")
    deadline = sla_view.build_deadline_table(alerts_data.load_on_time_by_deadline(version, filters, period))
    st.caption(f"期间：{period.label()}。投诉默认 15 天办结，来访、来信信访默认 60 天；口径同驾驶舱“按期办结率”。")
    rate = st.column_config.NumberColumn(format="percent")
    st.dataframe(deadline, hide_index=True, key="sla-deadline", column_config={"按期办结率": rate})


def render_stage_clocks(cards: CardReport, as_of: datetime) -> None:
    st.subheader("环节时效", anchor="stages")
    if cards.stages["judged"].sum() == 0:
        st.info("还没有可判定的办理环节：请导入办理环节（流程事件）数据。", icon=":material/info:")
    else:
        rate = st.column_config.NumberColumn(format="percent")
        st.dataframe(
            sla_view.build_stage_table(cards), hide_index=True, key="sla-stages", column_config={"按时率": rate}
        )
    note, warning = sla_view.describe_clocks(ClockRules.from_settings(), as_of)
    if warning:  # something the reader must know (years the holiday calendar does not cover)
        st.warning(f"{note}{warning}", icon=":material/event:")
    else:
        st.caption(note)
    st.caption("黄牌：环节超过时限才完成，或到判断时仍未完成且已超时。按部门的全部环节计算，产品、地区等筛选不适用。")


def render_cards(cards: CardReport) -> None:
    """红黄牌: the grey list, cards per department and quarter, the yellow cards of one department."""
    st.subheader("红黄牌", anchor="cards")
    if cards.cards.is_empty():
        st.info("没有可判定的办理环节（环节数据为空）。", icon=":material/info:")
        return
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
        chosen = st.selectbox("处理部门", sla_view.list_carded_departments(cards), key="sla-yellow-dept")
        st.dataframe(sla_view.build_yellow_table(cards, chosen), hide_index=True, key="sla-yellow-table")
