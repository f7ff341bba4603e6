"""考核排名: 处理部门, 机构 or 省份 ranked by score for a quarter (METRICS.md "Scorecard"), rules shown beside them."""

from __future__ import annotations

import streamlit as st

from dashboard.app import scorecard_data
from dashboard.app.export_buttons import render_table_downloads
from dashboard.app.page_frame import page
from dashboard.charts.scorecard import build_score_chart
from dashboard.engine.safe_text import escape_markdown
from dashboard.engine.scorecard_rules import UNIT_KINDS, check_rules, read_rules
from dashboard.export.pack.periods import list_complete_quarters, quarter_label
from dashboard.views import scorecard_view

with page(__file__, "考核排名") as ctx:
    quarters = list_complete_quarters(*ctx.coverage)
    if not quarters:
        st.info("数据还不满一个完整季度，暂无考核结果。", icon=":material/info:")
        st.stop()

    left, right = st.columns([3, 2])
    labels = [quarter_label(q) for q in quarters]
    choice = left.selectbox(
        "考核期间", labels, index=0, key="scorecard-period", help="数据中的完整季度，默认为最近一个。"
    )
    unit = right.segmented_control("考核单位", list(UNIT_KINDS), format_func=scorecard_view.unit_name,
                                   default="department", key="scorecard-unit") or "department"  # fmt: skip
    period = quarters[labels.index(choice)]
    card, leadership = scorecard_data.load_scorecards(ctx.version, unit, period)
    st.caption(scorecard_view.describe_state(card))
    for problem in check_rules(read_rules()):
        st.warning(f"考核规则提示：{problem}", icon=":material/rule:")

    for column, (label, value) in zip(st.columns(4), scorecard_view.label_headline(card, leadership), strict=False):
        column.metric(label, value)
    if unit == "department":
        grey = card.grey_listed()
        if grey:
            st.error(f"灰名单：{escape_markdown('、'.join(grey))} 连续两个季度出现红牌。", icon=":material/block:")
        else:
            st.success("灰名单：本期没有连续两个季度出现红牌的部门。", icon=":material/check_circle:")

    st.subheader("排名", anchor="ranking")
    if card.rows.is_empty():
        st.info(f"本期没有可考核的{scorecard_view.unit_name(unit)}。", icon=":material/info:")
    else:
        ranking = scorecard_view.build_rank_table(card)
        st.dataframe(ranking, hide_index=True, key="scorecard-table",
                     column_config={"得分": st.column_config.NumberColumn(format="%.2f")})  # fmt: skip
        render_table_downloads(
            ranking, name=f"考核排名_{unit}_{period.start:%Y%m%d}", key="scorecard", label="下载排名（CSV）"
        )
        st.caption("名次变化与上一季度相比（↑ 上升、↓ 下降，— 为上一季度未参加排名）。")
        st.plotly_chart(build_score_chart(card), key="scorecard-chart", config={"displaylogo": False})
        with st.expander("各指标达成度", icon=":material/percent:"):
            st.dataframe(scorecard_view.build_attainment_table(card), hide_index=True, key="scorecard-attainment")

    st.subheader("考核规则", anchor="rules")
    st.dataframe(scorecard_view.build_rules_table(card), hide_index=True, key="scorecard-rules")
    st.caption(scorecard_view.describe_rules(card) + " 权重、目标与红牌扣分见 settings.toml [scorecard] 与 [targets]。")
