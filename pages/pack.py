"""委员会汇报材料: the quarterly committee pack in one click (same code as `python -m dashboard pack`)."""

from __future__ import annotations

import streamlit as st

from dashboard.app import pack_controls
from dashboard.app.page_frame import page

with page(__file__, "委员会汇报材料") as ctx:
    st.caption(
        "季度消保委员会汇报材料：封面、情况汇报（由指标自动生成）、主要指标及同比环比和目标状态、"
        "趋势、渠道与条线结构、各省分布、风险分级、主要问题、时限红黄牌、预警、重点关注人数和指标口径附录。"
        "所有数字来自指标引擎，与驾驶舱各页一致。"
    )
    left, middle, right = st.columns([3, 1, 1])
    period = pack_controls.choose_period(left, ctx.coverage)
    fmt = middle.radio("格式", ["pptx", "pdf"], format_func=str.upper, horizontal=True, key="pack-format")
    watermark = right.checkbox("加水印", value=True, key="pack-watermark", help="内部资料 · 导出人 · 时间")
    pack_controls.render_build_button()
    pack_controls.build_if_requested(ctx.version, period, fmt, watermark)
    pack_controls.render_result(ctx.version, period, fmt, watermark)
