"""ECharts option dicts (and maps) to a self-contained HTML page, PNG and SVG.

The HTML inlines assets/js/echarts.min.js (npm `echarts` 6.1.0, the version streamlit-echarts
bundles; installed by scripts/install_assets.sh) and the map's GeoJSON, so it opens offline.
PNG and SVG are taken from that page in headless chromium (animation off)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser

from dashboard.charts.maps import MapChart
from dashboard.export.browser import open_page, with_browser
from dashboard.export.charts import FONT_FAMILY, ExportError
from dashboard.export.watermark import watermark_text

ECHARTS_JS = Path(__file__).resolve().parents[2] / "assets" / "js" / "echarts.min.js"
WIDTH, HEIGHT = 1100, 620


@cache
def read_echarts_js() -> str:
    if not ECHARTS_JS.exists():
        raise ExportError(f"缺少 {ECHARTS_JS}：请先运行 make setup（scripts/install_assets.sh）")
    return ECHARTS_JS.read_text(encoding="utf-8")


def _script_json(value: Any) -> str:
    # "</" would close the script element early
    return json.dumps(value, ensure_ascii=False, default=str).replace("</", "<\\/")


def echarts_page(
    chart: dict[str, Any] | MapChart,
    *,
    title: str = "图表",
    renderer: str = "canvas",
    watermark: str | None = None,
    width: int = WIDTH,
    height: int = HEIGHT,
    animation: bool = True,
) -> str:
    """A full HTML page drawing the chart in #chart; window.__chart is the ECharts instance."""
    options = dict(chart.options if isinstance(chart, MapChart) else chart)
    if not animation:
        options["animation"] = False
    register = ""
    if isinstance(chart, MapChart):
        register = f"echarts.registerMap({_script_json(chart.map_name)}, {_script_json(chart.geojson)});"
    if watermark:
        options["graphic"] = [
            *(options.get("graphic") or []),
            *(
                {
                    "type": "text",
                    "left": left,
                    "top": top,
                    "rotation": 0.35,
                    "silent": True,
                    "z": 100,
                    "style": {"text": watermark, "fill": "rgba(120,120,120,0.28)", "fontSize": 14},
                }
                for left, top in (("8%", "20%"), ("40%", "50%"), ("65%", "80%"))
            ),
        ]
    safe_title = title.replace("&", "&amp;").replace("<", "&lt;")
    return (
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{safe_title}</title>'
        f"<style>body{{margin:0;font-family:{FONT_FAMILY};background:#fff}}</style></head><body>"
        f'<div id="chart" style="width:{width}px;height:{height}px"></div>'
        f"<script>{read_echarts_js()}</script>"
        f"<script>{register}var c=echarts.init(document.getElementById('chart'),null,"
        f"{{renderer:{_script_json(renderer)}}});var o={_script_json(options)};"
        f"o.textStyle=Object.assign({{fontFamily:{_script_json(FONT_FAMILY)}}},o.textStyle||{{}});"
        "c.setOption(o);window.__chart=c;</script></body></html>"
    )


def echarts_to_html(chart: dict[str, Any] | MapChart, title: str = "图表") -> bytes:
    return echarts_page(chart, title=title).encode("utf-8")


def render_echarts(
    chart: dict[str, Any] | MapChart,
    fmt: str,
    *,
    watermark: bool | None = None,
    browser: Browser | None = None,
    scale: float = 2,
) -> bytes:
    """PNG (2×, watermark by default) or SVG of the chart; pass a browser to reuse one."""
    if fmt not in ("png", "svg"):
        raise ValueError(f"不支持的图片格式：{fmt}")
    marked = fmt == "png" if watermark is None else watermark
    html = echarts_page(
        chart,
        renderer="svg" if fmt == "svg" else "canvas",
        watermark=watermark_text() if marked else None,
        animation=False,
    )
    if browser is None:
        return with_browser(lambda own: _capture(own, html, fmt, scale))
    return _capture(browser, html, fmt, scale)


def _capture(browser: Browser, html: str, fmt: str, scale: float) -> bytes:
    page = open_page(browser, html, WIDTH, HEIGHT, scale if fmt == "png" else 1)
    try:
        page.wait_for_function("window.__chart !== undefined")
        if fmt == "svg":
            return str(page.evaluate("window.__chart.renderToSVGString()")).encode("utf-8")
        return page.locator("#chart").screenshot(type="png")
    finally:
        page.close()
