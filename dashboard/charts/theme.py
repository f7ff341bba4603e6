"""One visual language for plotly and pyecharts: palette, typography, sizes for a projector."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

# Bank red for emphasis, then calm blues/greens/greys that stay distinct on a projector and in grey print.
PALETTE = ["#B71C1C", "#1F4E79", "#2E8B57", "#E39B28", "#5B6F8C", "#8E5EA2", "#3DA5A8", "#C0504D", "#7F7F7F"]
GOOD, WARNING, BAD, NEUTRAL = "#2E7D32", "#E39B28", "#C62828", "#607D8B"
STATUS_COLOURS = {"good": GOOD, "warning": WARNING, "bad": BAD, None: NEUTRAL}
SEQUENTIAL = ["#FDF1EF", "#F6C9C2", "#EE9A8E", "#DE6A5B", "#C2412F", "#8E1B13"]
FONT_FAMILY = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'
BASE_FONT_SIZE = 14
TEMPLATE_NAME = "cockpit"


def _register_plotly_template() -> None:
    template = go.layout.Template()
    template.layout = go.Layout(
        colorway=PALETTE,
        font={"family": FONT_FAMILY, "size": BASE_FONT_SIZE, "color": "#222"},
        title={"font": {"size": BASE_FONT_SIZE + 4}, "x": 0.0, "xanchor": "left"},
        paper_bgcolor="white",
        plot_bgcolor="white",
        margin={"l": 48, "r": 16, "t": 48, "b": 40},
        legend={"orientation": "h", "y": -0.15, "x": 0},
        xaxis={"showgrid": False, "linecolor": "#999", "ticks": "outside"},
        yaxis={"gridcolor": "#E6E6E6", "zeroline": False},
        hoverlabel={"font": {"family": FONT_FAMILY}},
        separators=".,",
    )
    pio.templates[TEMPLATE_NAME] = template


_register_plotly_template()


def apply_plotly_theme(fig: go.Figure, title: str | None = None, height: int | None = None) -> go.Figure:
    fig.update_layout(template=TEMPLATE_NAME)
    if title is not None:
        fig.update_layout(title_text=title)
    if height is not None:
        fig.update_layout(height=height)
    return fig


def echarts_theme() -> dict[str, Any]:
    """The same palette and font for ECharts options (pyecharts / streamlit-echarts)."""
    return {
        "color": PALETTE,
        "textStyle": {"fontFamily": FONT_FAMILY, "fontSize": BASE_FONT_SIZE},
        "title": {"textStyle": {"fontSize": BASE_FONT_SIZE + 4}},
    }
