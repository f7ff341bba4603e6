"""溯源整改: the 双清单 — defects traced from complaints, their rectification, and which fixes worked."""

from __future__ import annotations

import streamlit as st

from dashboard.app import components, data, rectification_data, sidebar
from dashboard.app.auth_gate import require_page
from dashboard.charts import rectification as charts
from dashboard.engine.rectification import EffectRules
from dashboard.engine.safe_text import escape_markdown
from dashboard.views import rectification_view as view

require_page(__file__)
components.require_router()
st.title("溯源整改")
version = components.require_loaded_warehouse()

filters = sidebar.render_filters(version)
coverage = data.load_coverage(version)
if coverage is None:
    components.render_empty_warehouse()
    st.stop()
period = filters.period(coverage[1])
report = rectification_data.load_report(version, filters, period)
if report is None:
    st.info("尚未导入内部缺陷清单：在“数据导入”页选择“缺陷清单（溯源整改）”，或运行 "
            "`python -m warehouse load 缺陷清单.csv --kind defects`。", icon=":material/info:")  # fmt: skip
    st.stop()
st.caption(f"期间：{period.label()}，截至期末。" + "".join(f"　{escape_markdown(line)}" for line in filters.describe()))
for column, (label, value, help_text) in zip(st.columns(4), view.label_counts(report), strict=True):
    column.metric(label, value, help=help_text)
if report.unknown_links:
    st.warning(f"{report.unknown_links} 条关联指向数据仓库中没有的案件或缺陷：链接已保留，对方导入后自动关联。",
               icon=":material/link_off:")  # fmt: skip

st.subheader("缺陷分布", anchor="found")
name = st.segmented_control("分组", list(view.BREAKDOWN_LABELS), default="by_type", key="rect-by",
                            format_func=view.BREAKDOWN_LABELS.get) or "by_type"  # fmt: skip
components.render_chart_with_table(
    charts.build_breakdown_chart(report.breakdowns[name], f"本期发现缺陷（按{view.BREAKDOWN_LABELS[name]}）"),
    view.build_breakdown_table(report, name), key="rect-breakdown",
)  # fmt: skip

st.subheader("逾期未整改（工作清单）", anchor="overdue")
if report.overdue.is_empty():
    st.success("期末没有逾期未整改的缺陷。", icon=":material/check_circle:")
else:
    overdue = view.build_overdue_table(report)
    st.dataframe(overdue, hide_index=True, key="rect-overdue")
    components.render_csv_download(overdue, f"逾期整改清单_{period.last_day:%Y%m%d}.csv", "下载逾期整改清单（CSV）",
                                   key="rect-overdue-csv")  # fmt: skip
st.caption(
    "期末仍未完成（已完成或已验收且完成日期在期末前才算完成）且整改期限已过的缺陷，期限最早的在前；描述中的手机号、证件号已脱敏。"
)

st.subheader("双清单：缺陷与投诉", anchor="lists")
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
        st.dataframe(view.build_case_defects_table(rectification_data.load_case_defects(version, picked)),
                     hide_index=True, key="rect-case-defects")  # fmt: skip

st.subheader("整改成效", anchor="effects")
rules = EffectRules.from_settings()
if report.effects.is_empty():
    st.info(f"本期没有可评估的整改：完成满 {rules.window_days} 天的整改在其后一期评估。", icon=":material/info:")
else:
    components.render_chart_with_table(
        charts.build_effect_chart(view.with_verdict_labels(report.effects), rules.window_days),
        view.build_effect_table(report.effects), key="rect-effects",
    )  # fmt: skip
st.caption(f"完成日期前后各 {rules.window_days} 天、该缺陷关联投诉的产品×问题类型上受理的投诉量（完成当日不计）；"
           f"完成后减少 {rules.worked_drop:.0%} 及以上为“见效”。列出完成后 {rules.window_days} 天届满于本期的整改。")  # fmt: skip
