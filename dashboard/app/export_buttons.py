"""Download buttons under charts and tables. The files are made only when a button is clicked
(Streamlit calls the data function then), so pages pay nothing for them; each download is logged."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from dashboard.auth import current
from dashboard.charts.maps import MapChart
from dashboard.engine.i18n import column_labels
from dashboard.export.identity import may_export
from dashboard.export.log import log_export

CHART_FORMATS = {"png": "image/png", "svg": "image/svg+xml", "html": "text/html"}
TABLE_FORMATS = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMAT_LABELS = {"png": "PNG（2倍）", "svg": "SVG", "html": "交互式 HTML", "csv": "CSV", "xlsx": "Excel"}


def _stamp() -> str:
    return datetime.now().strftime("%Y%m%d_%H%M")


def _safe_name(name: str) -> str:
    return "".join("_" if ch in '\\/:*?"<>|' else ch for ch in name).strip() or "导出"


def chart_bytes(chart: go.Figure | MapChart | dict[str, Any], fmt: str, *, title: str, watermark: bool) -> bytes:
    """The file for one format; ECharts (a MapChart or an option dict) go through chromium."""
    if isinstance(chart, go.Figure):
        from dashboard.export import charts

        if fmt == "html":
            return charts.plotly_to_html(chart, title)
        return charts.render_plotly(chart, fmt, watermark=watermark)
    from dashboard.export import echarts_export

    if fmt == "html":
        return echarts_export.echarts_to_html(chart, title)
    return echarts_export.render_echarts(chart, fmt, watermark=watermark)


def table_bytes(frame: pl.DataFrame, fmt: str, *, sheet: str) -> bytes:
    from dashboard.export.tables import encode_table_csv, encode_table_xlsx

    return encode_table_csv(frame) if fmt == "csv" else encode_table_xlsx(frame, sheet=sheet)


def _logged(make: Callable[[], bytes], what: str, fmt: str, **detail: Any) -> Callable[[], bytes]:
    """The file, made on click and logged; Streamlit may make it outside this session's script thread, so the
    user is captured now and the file is made acting as them (watermark, export log, audit trail)."""
    signed_in = current.current_user()

    def produce() -> bytes:
        with current.acting_as(signed_in):
            data = make()
            log_export(what, fmt, bytes=len(data), **detail)
        return data

    return produce


def render_chart_downloads(chart: go.Figure | MapChart | dict[str, Any], *, name: str, key: str) -> None:
    """导出 ▾ with PNG (2×, optional watermark), SVG and offline HTML of the chart."""
    if not may_export():
        return
    with st.popover("导出图表", icon=":material/download:"):
        watermark = st.checkbox("加水印（内部资料 · 用户 · 时间）", value=True, key=f"{key}-export-wm")
        for fmt, mime in CHART_FORMATS.items():
            marked = watermark and fmt != "html"
            make = _logged(
                lambda fmt=fmt, marked=marked: chart_bytes(chart, fmt, title=name, watermark=marked),
                f"图表：{name}",
                fmt,
                watermark=marked,
            )
            st.download_button(
                FORMAT_LABELS[fmt],
                data=make,
                file_name=f"{_safe_name(name)}_{_stamp()}.{fmt}",
                mime=mime,
                key=f"{key}-export-{fmt}",
                on_click="ignore",
                width="stretch",
            )


def render_table_downloads(
    frame: pl.DataFrame, *, name: str, key: str, label: str | None = None, formats: Sequence[str] = ("csv", "xlsx")
) -> None:
    """CSV (UTF-8 BOM) and XLSX of the table as shown; formula-looking text is neutralised, every file logged.

    The buttons sit in a row that wraps (not in fixed-width columns), so a narrow column never cuts their labels.
    `label` ("下载清单（CSV）") names the CSV button, its Excel twin gets the same words; by default the format names.
    """
    if not may_export():
        return
    if not isinstance(frame, pl.DataFrame):  # a pandas frame from a page
        frame = pl.from_pandas(frame)
    with st.container(horizontal=True, gap="small", key=f"{key}-export"):
        for fmt in formats:
            make = _logged(
                lambda fmt=fmt: table_bytes(frame, fmt, sheet=name[:31]), f"表格：{name}", fmt, rows=frame.height
            )
            st.download_button(
                FORMAT_LABELS[fmt] if label is None else label.replace("CSV", FORMAT_LABELS[fmt]),
                data=make,
                file_name=f"{_safe_name(name)}_{_stamp()}.{fmt}",
                mime=TABLE_FORMATS[fmt],
                key=f"{key}-export-{fmt}",
                on_click="ignore",
                icon=":material/download:",
                type="tertiary" if label is None else "secondary",
                width="content",
            )


def render_list_downloads(frame: pl.DataFrame, name: str, label: str, *, key: str, xlsx: bool = True) -> None:
    """Downloads of a working list (cases, people, quarantined rows) with Chinese headers: labelled buttons
    ("下载清单（CSV）" and its Excel twin), made on click and logged like every table download."""
    render_table_downloads(
        frame.rename(column_labels(frame.columns)),
        name=name,
        key=key,
        label=label,
        formats=("csv", "xlsx") if xlsx else ("csv",),
    )


def figure_title(chart: go.Figure | MapChart | dict[str, Any], fallback: str = "图表") -> str:
    """The chart's own title, for file names and the export log."""
    if isinstance(chart, go.Figure):
        text = chart.layout.title.text
        return str(text) if text else fallback
    options = chart.options if isinstance(chart, MapChart) else chart
    title = options.get("title")
    if isinstance(title, list):
        title = title[0] if title else None
    return str(title.get("text") or fallback) if isinstance(title, dict) else fallback


def render_plotly_with_downloads(figure: go.Figure, *, key: str) -> None:
    """A plotly chart with its 导出图表 menu under it."""
    st.plotly_chart(figure, key=key, config={"displaylogo": False})
    render_chart_downloads(figure, name=figure_title(figure), key=key)


def render_echarts_with_downloads(options: dict[str, Any], *, height: str, key: str) -> None:
    """An ECharts chart with its 导出图表 menu under it."""
    from streamlit_echarts import st_echarts

    st_echarts(options, height=height, key=key)
    render_chart_downloads(options, name=figure_title(options), key=key)
