"""委员会汇报材料: the quarterly committee pack in one click (same code as `python -m dashboard pack`)."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from dashboard.app import components, data
from dashboard.app.auth_gate import require_page
from dashboard.auth.access import bound_filters
from dashboard.engine.filters import Filters
from dashboard.engine.periods import Period
from dashboard.export.pack.build import MEDIA_TYPES, build_pack_file, pack_file_name
from dashboard.export.pack.periods import list_complete_quarters, quarter_label
from warehouse.settings import setting

require_page(__file__)
components.require_router()
st.title("委员会汇报材料")
st.caption(
    "季度消保委员会汇报材料：封面、情况汇报（由指标自动生成）、主要指标及同比环比和目标状态、"
    "趋势、渠道与条线结构、各省分布、风险分级、主要问题、时限红黄牌、预警、重点关注人数和指标口径附录。"
    "所有数字来自指标引擎，与驾驶舱各页一致。"
)
version = data.warehouse_version()
if version is None:
    components.render_missing_warehouse()
    st.stop()
coverage = data.load_coverage(version)
if coverage is None:
    components.render_empty_warehouse()
    st.stop()

quarters = list_complete_quarters(*coverage)
CUSTOM = "自定义期间"
options = [quarter_label(q) for q in quarters] + [CUSTOM]
left, middle, right = st.columns([3, 1, 1])
choice = left.selectbox("汇报期间", options, index=0, key="pack-period",
                        help="默认为数据中最近一个完整季度。")  # fmt: skip
if choice == CUSTOM:
    start_col, end_col = st.columns(2)
    start = start_col.date_input("开始日期（含）", value=coverage[0], key="pack-start")
    last = end_col.date_input("结束日期（含）", value=coverage[1], key="pack-end")
    if last < start:
        st.error("结束日期不能早于开始日期。")
        st.stop()
    period = Period(start, last + timedelta(days=1))
else:
    period = quarters[options.index(choice)]
fmt = middle.radio("格式", ["pptx", "pdf"], format_func=str.upper, horizontal=True, key="pack-format")
watermark = right.checkbox("加水印", value=True, key="pack-watermark", help="内部资料 · 导出人 · 时间")

wanted = (version, period, fmt, watermark)
# A callback flag, not the button's value: a rerun of the router before this page would drop a click.
st.button("生成汇报材料", type="primary", icon=":material/description:", key="pack-build",
          on_click=lambda: st.session_state.update({"pack-requested": True}))  # fmt: skip
if st.session_state.pop("pack-requested", False):
    with st.spinner("正在生成：计算指标、绘制图表、排版…（约 15–30 秒）"), data.open_snapshot(version).cursor() as cur:
        try:
            document, payload = build_pack_file(cur, period, fmt, filters=bound_filters(Filters()), watermark=watermark)
        except ValueError as error:
            st.error(str(error))
            st.stop()
    st.session_state["pack-result"] = (wanted, document.sections[0].paragraphs, payload)

result = st.session_state.get("pack-result")
if result is not None and result[0] == wanted:
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
elif result is not None:
    st.info("期间或格式已更改，请重新生成。")
