"""案件详情: one case's whole story (masked), opened from any case list or by its URL ?case=…"""

from __future__ import annotations

import streamlit as st

from dashboard.app import alerts_data, case_data, components, risk_data
from dashboard.app import auth_session as session
from dashboard.app.page_frame import page
from dashboard.auth.access import bound_provinces
from dashboard.charts import sla as sla_charts
from dashboard.engine import watchlist
from dashboard.views import case_view

with page(__file__, "案件详情") as ctx:
    version = ctx.version
    as_of = alerts_data.load_as_of(version)
    case_id = st.text_input("案件编号", value=st.query_params.get("case", ""), key="case-id").strip()
    if case_id != st.query_params.get("case", ""):
        st.query_params["case"] = case_id  # the URL names the case: shareable like the filters
    if not case_id or as_of is None:
        st.info("请输入案件编号，或从风险雷达、超期清单、重点人员等案件清单中打开案件。", icon=":material/info:")
        st.stop()

    provinces = bound_provinces()
    detail = case_data.load_case(version, case_id, as_of, provinces)
    if st.session_state.get("case-audited") != case_id:  # once per case shown, not per rerun
        action = "access_denied" if detail.refused else "page_view"
        session.record(action, "case", {"case_id": case_id, "found": detail.found, "refused": detail.refused})
        st.session_state["case-audited"] = case_id
    if not detail.found:
        st.warning(f"没有找到案件编号为 {case_id} 的案件。", icon=":material/search_off:")
        st.stop()
    if detail.refused or detail.case is None or detail.stages is None:
        st.error("无权查看该案件：案件所属省份不在您的授权范围内。", icon=":material/block:")
        st.stop()

    case = detail.case
    cards = alerts_data.load_cards(version, as_of, (), provinces)
    timeline = case_view.build_timeline(detail.stages, as_of, cards)
    columns = st.columns(4, gap="small")
    columns[0].metric("状态", str(case["status"]))
    columns[1].metric("案件类型", str(case["case_type"]))
    columns[2].metric("风险分", f"{case['risk_score']}（{case['risk_level']}）")
    columns[3].metric("黄牌 / 红牌", case_view.count_cards(timeline))
    st.caption(f"风险因素：{case['risk_reason_text'] or '无'}。数据截至 {as_of:%Y-%m-%d %H:%M}；客户信息已脱敏。")

    fields_col, story_col = st.columns([2, 5], gap="medium")
    fields_col.table(case_view.format_case_fields(case), border="horizontal", hide_index=True)
    with story_col:
        if detail.stages.is_empty():  # no 办理环节 loaded for this case: an empty time axis would say nothing
            st.info(
                "本案没有办理环节记录（环节数据按“办理环节”导入；未导入的案件只显示法定时限）。", icon=":material/info:"
            )
        else:
            st.plotly_chart(
                sla_charts.build_case_timeline(timeline, as_of, case_view.STATE_LABELS), key="case-timeline"
            )
        st.table(case_view.format_timeline(timeline), border="horizontal", hide_index=True)
        st.caption(case_view.describe_clocks())

    st.subheader("关联缺陷")
    st.caption("溯源整改台账（内部缺陷清单）尚未导入本数据仓库：导入后在此列出本案追溯到的缺陷。")

    st.subheader("该客户的其他案件")
    others = risk_data.load_person_cases(version, str(case["complainant_key"]), as_of.date())
    others = others.filter(others["case_id"] != case["case_id"])
    if others.is_empty():
        st.caption("该客户没有其他案件。")
    else:
        table, config = components.case_link_column(watchlist.format_person_cases(others))
        st.dataframe(table, hide_index=True, key="case-others", column_config=config)
