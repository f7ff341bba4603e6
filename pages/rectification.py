"""溯源整改: the 双清单 — defects traced from complaints, their rectification, and which fixes worked."""

from __future__ import annotations

import streamlit as st

from dashboard.app import components, rectification_data, rectification_sections
from dashboard.app.export_buttons import render_table_downloads
from dashboard.app.page_frame import page
from dashboard.charts import rectification as charts
from dashboard.engine.safe_text import escape_markdown
from dashboard.views import rectification_view as view

with page(__file__, "溯源整改", filters=True) as ctx:
    filters = ctx.filters
    period = filters.period(ctx.latest)
    report = rectification_data.load_report(ctx.version, filters, period)
    if report is None:
        st.info(
            "尚未导入内部缺陷清单：在“数据导入”页选择“缺陷清单（溯源整改）”，或运行 "
            "`python -m warehouse load 缺陷清单.csv --kind defects`。",
            icon=":material/info:",
        )
        st.stop()
    lines = "".join(f"　{escape_markdown(line)}" for line in filters.describe())
    st.caption(f"期间：{period.label()}，截至期末。{lines}")
    for column, (label, value, help_text) in zip(st.columns(4), view.label_counts(report), strict=True):
        column.metric(label, value, help=help_text)
    if report.unknown_links:
        st.warning(
            f"{report.unknown_links} 条关联指向数据仓库中没有的案件或缺陷：链接已保留，对方导入后自动关联。",
            icon=":material/link_off:",
        )

    st.subheader("缺陷分布", anchor="found")
    labels = view.BREAKDOWN_LABELS
    name = st.segmented_control("分组", list(labels), default="by_type", key="rect-by", format_func=labels.get)
    name = name or "by_type"
    components.render_chart_with_table(
        charts.build_breakdown_chart(report.breakdowns[name], f"本期发现缺陷（按{labels[name]}）"),
        view.build_breakdown_table(report, name),
        key="rect-breakdown",
    )

    st.subheader("逾期未整改（工作清单）", anchor="overdue")
    if report.overdue.is_empty():
        st.success("期末没有逾期未整改的缺陷。", icon=":material/check_circle:")
    else:
        overdue = view.build_overdue_table(report)
        st.dataframe(overdue, hide_index=True, key="rect-overdue")
        render_table_downloads(
            overdue, name=f"逾期整改清单_{period.last_day:%Y%m%d}", key="rect-overdue", label="下载逾期整改清单（CSV）"
        )
    st.caption("期末仍未完成（已完成或已验收且完成日期在期末前才算完成）且整改期限已过的缺陷，期限最早的在前；"
               "描述中的手机号、证件号已脱敏。")  # fmt: skip

    st.subheader("双清单：缺陷与投诉", anchor="lists")
    rectification_sections.render_two_lists(ctx.version, report, filters, period)
    st.subheader("整改成效", anchor="effects")
    rectification_sections.render_effects(report)
