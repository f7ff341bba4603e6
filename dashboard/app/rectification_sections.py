"""The 溯源整改 page's two bigger blocks: the 双清单 side by side, and the rectification effects."""

from __future__ import annotations

import streamlit as st

from dashboard.app import components, rectification_data
from dashboard.charts import rectification as charts
from dashboard.engine.filters import Filters
from dashboard.engine.periods import Period
from dashboard.engine.rectification import EffectRules, RectificationReport
from dashboard.views import rectification_view as view


def render_two_lists(version: str, report: RectificationReport, filters: Filters, period: Period) -> None:
    """A defect and the complaints it explains, beside a complaint and the defects it was traced to."""
    defect_col, case_col = st.columns(2, gap="medium")
    with defect_col:
        st.markdown("**内部缺陷清单 → 所解释的投诉**")
        st.dataframe(view.build_defect_table(report), hide_index=True, key="rect-defects")
        ids = report.defects["defect_id"].to_list()
        chosen = st.selectbox("缺陷", ids, key="rect-defect") if ids else None
        if chosen:
            cases = view.build_defect_cases_table(rectification_data.load_defect_cases(version, chosen, filters))
            linked, links = components.case_link_column(cases)
            st.dataframe(linked, hide_index=True, key="rect-defect-cases", column_config=links)
    with case_col:
        st.markdown("**客户诉求清单 → 溯源到的缺陷**")
        traced = view.build_traced_table(rectification_data.load_traced_cases(version, filters, period))
        linked, links = components.case_link_column(traced)
        st.dataframe(linked, hide_index=True, key="rect-traced", column_config=links)
        case_ids = traced["案件编号"].to_list()
        picked = st.selectbox("投诉", case_ids, key="rect-case") if case_ids else None
        if picked:
            defects = view.build_case_defects_table(rectification_data.load_case_defects(version, picked))
            st.dataframe(defects, hide_index=True, key="rect-case-defects")


def render_effects(report: RectificationReport) -> None:
    """Before/after complaints on each completed defect's product × issue, with the verdict."""
    rules = EffectRules.from_settings()
    if report.effects.is_empty():
        st.info(f"本期没有可评估的整改：完成满 {rules.window_days} 天的整改在其后一期评估。", icon=":material/info:")
    else:
        components.render_chart_with_table(
            charts.build_effect_chart(view.with_verdict_labels(report.effects), rules.window_days),
            view.build_effect_table(report.effects),
            key="rect-effects",
        )
    st.caption(
        f"完成日期前后各 {rules.window_days} 天、该缺陷关联投诉的产品×问题类型上受理的投诉量（完成当日不计）；"
        f"完成后减少 {rules.worked_drop:.0%} 及以上为“见效”。列出完成后 {rules.window_days} 天届满于本期的整改。"
    )
