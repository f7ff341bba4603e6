"""Trend charts: volume by bucket (stacked by a dimension) with last year overlaid; a KPI against its target."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboard.charts.theme import BAD, NEUTRAL, PALETTE, apply_plotly_theme
from dashboard.engine.formatting import format_change, format_count, format_value
from dashboard.engine.i18n import text

TOTAL = "__total__"


def _axis_format(unit: str) -> dict[str, str]:
    if unit in ("rate", "yoy"):
        return {"tickformat": ".0%"}
    return {"tickformat": ",~r"}


def build_volume_figure(
    volumes: pl.DataFrame, last_year: pl.DataFrame, title: str, lang: str = "zh", height: int = 380
) -> go.Figure:
    """volumes: bucket, series, volume (series TOTAL when not stacked); last_year: bucket, volume."""
    fig = go.Figure()
    buckets = sorted(set(volumes["bucket"].to_list()))
    # Largest member at the bottom of the stack and first in the legend.
    totals = volumes.group_by("series").agg(pl.col("volume").sum()).sort(["volume", "series"], descending=[True, False])
    series = totals["series"].to_list()
    unit = "件" if lang == "zh" else "cases"
    for index, name in enumerate(series):
        part = volumes.filter(pl.col("series") == name).sort("bucket")
        label = text("current", lang) if name == TOTAL else name
        colour = PALETTE[1] if name == TOTAL else PALETTE[(index + 1) % len(PALETTE)]
        fig.add_trace(
            go.Bar(
                x=part["bucket"].to_list(),
                y=part["volume"].to_list(),
                name=label,
                marker_color=colour,
                customdata=[format_count(v, lang) for v in part["volume"].to_list()],
                hovertemplate=f"%{{x}} {label}<br>%{{customdata}} {unit}<extra></extra>",
            )
        )
    shown = last_year.filter(pl.col("bucket").is_in(buckets)).sort("bucket")
    if shown["volume"].is_not_null().any():
        fig.add_trace(
            go.Scatter(
                x=shown["bucket"].to_list(),
                y=shown["volume"].to_list(),
                name=text("last_year", lang),
                mode="lines+markers",
                line={"color": PALETTE[0], "width": 2.5, "dash": "dot"},
                customdata=[format_count(v, lang) for v in shown["volume"].to_list()],
                hovertemplate=f"%{{x}} {text('last_year', lang)}<br>%{{customdata}} {unit}<extra></extra>",
            )
        )
    apply_plotly_theme(fig, title=title, height=height)
    fig.update_layout(barmode="stack", hovermode="x unified", legend={"orientation": "h", "y": -0.18})
    # Horizontal labels, thinned when there are many buckets (26+ weeks), readable on a projector.
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=buckets, tickangle=0, nticks=14)
    fig.update_yaxes(rangemode="tozero", **_axis_format("count"))
    return fig


def build_kpi_figure(
    points: pl.DataFrame, title: str, unit: str, lower_is_better: bool | None, lang: str = "zh", height: int = 260
) -> go.Figure:
    """points: bucket, value, target, warning -> the metric line with a dashed target and dotted warning line."""
    fig = go.Figure()
    values = points["value"].to_list()
    texts = [format_change(v) if unit == "yoy" else format_value(v, unit, lang) for v in values]
    fig.add_trace(
        go.Scatter(
            x=points["bucket"].to_list(),
            y=values,
            name=title,
            mode="lines+markers",
            line={"color": PALETTE[1], "width": 2.5},
            customdata=texts,
            hovertemplate="%{x}<br>%{customdata}<extra></extra>",
            connectgaps=False,
        )
    )
    # Target above-right, warning below-left: the two labels never overlap even when the lines are close.
    for column, colour, dash, label, position in (
        ("target", BAD, "dash", text("target_line", lang), "top right"),
        ("warning", NEUTRAL, "dot", text("warning_line", lang), "bottom left"),
    ):
        level = points[column].drop_nulls()
        if level.is_empty():
            continue
        fig.add_hline(
            y=float(level[0]),
            line={"color": colour, "dash": dash, "width": 1.5},
            annotation_text=f"{label} {format_change(level[0]) if unit == 'yoy' else format_value(level[0], unit, lang)}",
            annotation_position=position,
            annotation_font={"color": colour, "size": 12},
        )
    apply_plotly_theme(fig, title=title, height=height)
    fig.update_layout(showlegend=False, margin={"l": 48, "r": 16, "t": 44, "b": 32})
    fig.update_xaxes(type="category", tickangle=0, nticks=6)
    fig.update_yaxes(**_axis_format(unit))
    return fig
