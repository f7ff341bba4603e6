"""The 委员会汇报材料 page's controls: which period, and the generated file kept for its download."""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from dashboard.app import data
from dashboard.auth.access import bound_filters
from dashboard.engine.filters import Filters
from dashboard.engine.periods import Period
from dashboard.export.pack.build import MEDIA_TYPES, build_pack_file, pack_file_name
from dashboard.export.pack.periods import list_complete_quarters, quarter_label
from warehouse.settings import setting

CUSTOM = "自定义期间"
RESULT = "pack-result"  # ((version, period, format, watermark), summary paragraphs, file bytes)
REQUESTED = "pack-requested"


def choose_period(column: DeltaGenerator, coverage: tuple[date, date]) -> Period:
    """The last complete quarter by default, any complete quarter of the data, or custom dates (inclusive)."""
    quarters = list_complete_quarters(*coverage)
    options = [quarter_label(q) for q in quarters] + [CUSTOM]
    choice = column.selectbox("汇报期间", options, index=0, key="pack-period", help="默认为数据中最近一个完整季度。")
    if choice != CUSTOM:
        return quarters[options.index(choice)]
    start_col, end_col = st.columns(2)
    start = start_col.date_input("开始日期（含）", value=coverage[0], key="pack-start")
    last = end_col.date_input("结束日期（含）", value=coverage[1], key="pack-end")
    if last < start:
        st.error("结束日期不能早于开始日期。")
        st.stop()
    return Period(start, last + timedelta(days=1))


def render_build_button() -> None:
    # A callback flag, not the button's value: a rerun of the router before this page would drop a click.
    st.button("生成汇报材料", type="primary", icon=":material/description:", key="pack-build",
              on_click=lambda: st.session_state.update({REQUESTED: True}))  # fmt: skip


def build_if_requested(version: str, period: Period, fmt: str, watermark: bool) -> None:
    """Build the pack when the button was clicked (the same code as `python -m dashboard pack`)."""
    if not st.session_state.pop(REQUESTED, False):
        return
    with st.spinner("正在生成：计算指标、绘制图表、排版…（约 15–30 秒）"), data.open_snapshot(version).cursor() as cur:
        try:
            document, payload = build_pack_file(cur, period, fmt, filters=bound_filters(Filters()), watermark=watermark)
        except ValueError as error:
            st.error(str(error))
            st.stop()
    st.session_state[RESULT] = ((version, period, fmt, watermark), document.sections[0].paragraphs, payload)


def render_result(version: str, period: Period, fmt: str, watermark: bool) -> None:
    """The download and the written summary of the pack built for exactly these choices."""
    result = st.session_state.get(RESULT)
    if result is None:
        return
    if result[0] != (version, period, fmt, watermark):
        st.info("期间或格式已更改，请重新生成。")
        return
    _, paragraphs, payload = result
    st.download_button(
        f"下载 {fmt.upper()}",
        data=payload,
        file_name=pack_file_name(period, fmt, str(setting("bank", "name", default=""))),
        mime=MEDIA_TYPES[fmt],
        key="pack-download",
        icon=":material/download:",
        on_click="ignore",
    )
    st.subheader("情况汇报（预览）")
    for paragraph in paragraphs:
        st.markdown(f"　　{paragraph}")
