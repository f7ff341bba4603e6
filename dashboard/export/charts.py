"""Plotly charts to PNG (2× for slides), SVG and self-contained interactive HTML.

PNG/SVG go through kaleido with Debian's chromium; one browser stays up for the process
(kaleido's sync server: ~0.2 s an image instead of ~2.6 s). MathJax is turned off: kaleido would
otherwise fetch it from a CDN, which costs a 60 s timeout offline. Chinese text needs fonts-noto-cjk.
"""

from __future__ import annotations

import threading

import kaleido
import plotly.graph_objects as go

from dashboard.export.watermark import add_plotly_watermark, watermark_text

DEFAULT_WIDTH = 1100
DEFAULT_HEIGHT = 500
FONT_FAMILY = "Noto Sans CJK SC, Noto Sans CJK, sans-serif"
_lock = threading.Lock()


class ExportError(RuntimeError):
    """A chart could not be rendered (the message is Chinese, for the operator)."""


def ensure_renderer() -> None:
    """Start kaleido's shared browser once per process."""
    with _lock:
        if not kaleido._global_server.is_running():  # noqa: SLF001 - no public "is running" check
            kaleido.start_sync_server(mathjax=False, silence_warnings=True)


def _prepared(fig: go.Figure, watermark: bool, width: int | None, height: int | None) -> go.Figure:
    out = go.Figure(fig)
    out.update_layout(font_family=FONT_FAMILY)
    if width:
        out.update_layout(width=width)
    if height:
        out.update_layout(height=height)
    return add_plotly_watermark(out, watermark_text()) if watermark else out


def render_plotly(
    fig: go.Figure,
    fmt: str,
    *,
    scale: float = 2,
    watermark: bool | None = None,
    width: int | None = None,
    height: int | None = None,
) -> bytes:
    """PNG or SVG bytes; the watermark is on by default for PNG."""
    if fmt not in ("png", "svg"):
        raise ValueError(f"不支持的图片格式：{fmt}")
    ensure_renderer()
    prepared = _prepared(fig, fmt == "png" if watermark is None else watermark, width, height)
    layout = prepared.layout
    opts = {
        "format": fmt,
        "width": layout.width or DEFAULT_WIDTH,
        "height": layout.height or DEFAULT_HEIGHT,
        "scale": scale if fmt == "png" else 1,
    }
    try:
        data = kaleido.calc_fig_sync(prepared.to_dict(), opts=opts)
    except Exception as error:  # noqa: BLE001 - kaleido reports browser failures in many types
        raise ExportError(f"图表导出失败（{fmt.upper()}）：{error}") from error
    if not isinstance(data, bytes) or not data:
        raise ExportError(f"图表导出失败（{fmt.upper()}）：渲染器未返回图片")
    return data


def plotly_to_png(fig: go.Figure, *, scale: float = 2, watermark: bool = True) -> bytes:
    return render_plotly(fig, "png", scale=scale, watermark=watermark)


def plotly_to_svg(fig: go.Figure, *, watermark: bool = False) -> bytes:
    return render_plotly(fig, "svg", watermark=watermark)


def plotly_to_html(fig: go.Figure, title: str = "图表") -> bytes:
    """One HTML file with plotly.js inlined: opens offline, stays interactive."""
    body = go.Figure(fig).to_html(full_html=False, include_plotlyjs=True, include_mathjax=False)
    page = (
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{_escape(title)}</title>'
        f"<style>body{{font-family:{FONT_FAMILY};margin:16px}}</style></head><body>{body}</body></html>"
    )
    return page.encode("utf-8")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
