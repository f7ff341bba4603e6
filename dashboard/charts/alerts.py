"""The evidence chart of each early warning: the series, its baseline mean and the line it crossed."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import plotly.graph_objects as go
import polars as pl

from dashboard.charts.theme import BAD, NEUTRAL, PALETTE, WARNING, apply_plotly_theme


def _bar_colours(times: list[date], flagged: set[date]) -> list[str]:
    return [BAD if t in flagged else PALETTE[1] for t in times]


def _add_level_lines(fig: go.Figure, x: list[str], alert: dict[str, Any], mean_label: str) -> None:
    """The baseline mean and the alert line as legend entries (labels on the lines would cover the bars)."""
    fig.add_trace(
        go.Scatter(
            x=x,
            y=[alert["baseline_mean"]] * len(x),
            mode="lines",
            name=mean_label,
            line={"color": NEUTRAL, "dash": "dot"},
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=[alert["threshold"]] * len(x),
            mode="lines",
            name=f"预警线 {alert['threshold']:.1f}",
            line={"color": WARNING, "dash": "dash"},
            hoverinfo="skip",
        )
    )
    fig.update_layout(margin={"t": 16}, legend={"orientation": "h", "y": -0.2, "x": 0})


def build_high_frequency_chart(history: pl.DataFrame, alert: dict[str, Any], height: int = 300) -> go.Figure:
    """Monthly cases of one (product, issue) pair: baseline months, the flagged month, mean and threshold lines."""
    series = history.filter((pl.col("product") == alert["product"]) & (pl.col("issue") == alert["issue"])).sort("month")
    months = series["month"].to_list()
    labels = [m.strftime("%Y-%m") for m in months]
    flagged = {m for m in months if m.strftime("%Y-%m") == alert["month"]}
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=series["cases"].to_list(),
            marker_color=_bar_colours(months, flagged),
            name="件数",
            showlegend=False,
            hovertemplate="%{x}<br>%{y} 件<extra></extra>",
        )
    )
    _add_level_lines(fig, labels, alert, f"基线月均 {alert['baseline_mean']:.1f}")
    fig.update_layout(yaxis_title="件", xaxis_type="category")
    return apply_plotly_theme(fig, None, height)


def build_surge_chart(history: pl.DataFrame, alert: dict[str, Any], height: int = 300) -> go.Figure:
    """Weekly cases of one province: the flagged week in red, its baseline mean and mean + k·σ."""
    series = history.filter(pl.col("province") == alert["province"]).sort("week")
    week = date.fromisoformat(alert["week_start"])
    start = week - timedelta(weeks=int(alert["baseline_weeks"]))
    series = series.filter((pl.col("week") >= start) & (pl.col("week") <= week))
    weeks = series["week"].to_list()
    fig = go.Figure(
        go.Bar(
            x=[w.strftime("%m-%d") for w in weeks],
            y=series["cases"].to_list(),
            marker_color=_bar_colours(weeks, {week}),
            name="件数",
            showlegend=False,
            customdata=[f"{w:%Y-%m-%d}～{w + timedelta(days=6):%m-%d}" for w in weeks],
            hovertemplate="%{customdata}<br>%{y} 件<extra></extra>",
        )
    )
    _add_level_lines(
        fig,
        [w.strftime("%m-%d") for w in weeks],
        alert,
        f"前{alert['baseline_weeks']}周均值 {alert['baseline_mean']:.1f}",
    )
    fig.update_layout(yaxis_title="件", xaxis_title="周（周一）", xaxis_type="category")
    return apply_plotly_theme(fig, None, height)
