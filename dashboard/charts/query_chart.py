"""A query file's default chart (its header's `chart`) as a plotly figure, in the cockpit's theme."""

from __future__ import annotations

import plotly.express as px
import plotly.graph_objects as go
import polars as pl

from dashboard.charts.theme import PALETTE, SEQUENTIAL, apply_plotly_theme
from dashboard.engine.queries import ChartSpec

MAX_POINTS = 5_000  # a chart of more rows is unreadable and slow in the browser; the table still shows them
MAX_BARS = 30  # a bar per category stays legible up to about this many; the table below has the rest


def build_query_chart(frame: pl.DataFrame, chart: ChartSpec, title: str | None = None) -> go.Figure | None:
    """The figure for `chart` over `frame`, or None for a table-only query, no rows, or missing columns."""
    if chart.type == "table" or frame.is_empty() or any(c not in frame.columns for c in chart.columns()):
        return None
    limit = MAX_BARS if chart.type == "barh" and chart.color is None else MAX_POINTS  # barh = a ranking
    data = frame.head(limit).to_pandas()
    if frame.height > limit and limit == MAX_BARS:
        title = f"{title or ''}（前 {limit} 项，共 {frame.height:,} 项见下表）"
    ys = list(chart.y)
    y: str | list[str] = ys[0] if len(ys) == 1 else ys
    colours = {"color_discrete_sequence": PALETTE}  # plotly express picks colours before the theme applies
    if chart.type in ("bar", "barh"):
        horizontal = chart.type == "barh"
        fig = px.bar(
            data, x=chart.x, y=y, color=chart.color, barmode="group", orientation="h" if horizontal else "v", **colours
        )
        if horizontal:
            fig.update_yaxes(autorange="reversed", type="category")
        else:
            fig.update_xaxes(type="category")
    elif chart.type == "line":
        fig = px.line(data, x=chart.x, y=y, color=chart.color, markers=True, **colours)
    elif chart.type == "area":
        fig = px.area(data, x=chart.x, y=y, color=chart.color, **colours)
    elif chart.type == "scatter":
        fig = px.scatter(data, x=chart.x, y=ys[0], color=chart.color, **colours)
    elif chart.type == "pie":
        fig = px.pie(data, names=chart.x, values=ys[0], hole=0.4, **colours)
    else:  # heatmap
        fig = px.density_heatmap(data, x=chart.x, y=ys[0], z=chart.z, histfunc="sum", color_continuous_scale=SEQUENTIAL)
    if chart.x_title:
        fig.update_xaxes(title_text=chart.x_title)
    if chart.y_title:
        fig.update_yaxes(title_text=chart.y_title)
    return apply_plotly_theme(fig, title=title)
