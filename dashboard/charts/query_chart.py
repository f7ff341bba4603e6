"""A query file's default chart (its header's `chart`) as a plotly figure, in the cockpit's theme."""

from __future__ import annotations

import plotly.express as px
import plotly.graph_objects as go
import polars as pl

from dashboard.charts.theme import PALETTE, SEQUENTIAL, apply_plotly_theme
from dashboard.engine.i18n import result_label, result_labels
from dashboard.engine.queries import ChartSpec

MAX_POINTS = 5_000  # a chart of more rows is unreadable and slow in the browser; the table still shows them
WIDE_LABELS = {"value": "数值", "variable": "指标"}  # the axis and legend titles of a chart of several columns
MAX_BARS = 30  # a bar per category stays legible up to about this many; the table below has the rest


def build_query_chart(frame: pl.DataFrame, chart: ChartSpec, title: str | None = None) -> go.Figure | None:
    """The figure for `chart` over `frame`, or None for a table-only query, no rows, or missing columns."""
    if chart.type == "table" or frame.is_empty() or any(c not in frame.columns for c in chart.columns()):
        return None
    limit = MAX_BARS if chart.type == "barh" and chart.color is None else MAX_POINTS  # barh = a ranking
    # Chinese names on axes, legends and hovers (i18n.RESULT_LABELS): the SQL aliases never reach the reader.
    data = frame.head(limit).rename(result_labels(frame.columns)).to_pandas()
    if frame.height > limit and limit == MAX_BARS:
        title = f"{title or ''}（前 {limit} 项，共 {frame.height:,} 项见下表）"
    ys = [result_label(c) for c in chart.y]
    y: str | list[str] = ys[0] if len(ys) == 1 else ys
    x = result_label(chart.x)
    color = None if chart.color is None else result_label(chart.color)
    colours = {"color_discrete_sequence": PALETTE, "labels": WIDE_LABELS}  # colours before the theme applies
    if chart.type in ("bar", "barh"):
        horizontal = chart.type == "barh"
        fig = px.bar(data, x=x, y=y, color=color, barmode="group", orientation="h" if horizontal else "v", **colours)
        if horizontal:
            fig.update_yaxes(autorange="reversed", type="category")
        else:
            fig.update_xaxes(type="category")
    elif chart.type == "line":
        fig = px.line(data, x=x, y=y, color=color, markers=True, **colours)
    elif chart.type == "area":
        fig = px.area(data, x=x, y=y, color=color, **colours)
    elif chart.type == "scatter":
        fig = px.scatter(data, x=x, y=ys[0], color=color, **colours)
    elif chart.type == "pie":
        fig = px.pie(data, names=x, values=ys[0], hole=0.4, **colours)
    else:  # heatmap
        fig = px.density_heatmap(
            data,
            x=x,
            y=ys[0],
            z=None if chart.z is None else result_label(chart.z),
            histfunc="sum",
            color_continuous_scale=SEQUENTIAL,
            labels=WIDE_LABELS,
        )
    if chart.x_title:
        fig.update_xaxes(title_text=chart.x_title)
    if chart.y_title:
        fig.update_yaxes(title_text=chart.y_title)
    return apply_plotly_theme(fig, title=title)
