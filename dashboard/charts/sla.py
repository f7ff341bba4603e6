"""SLA charts: yellow and red cards per department and quarter."""

from __future__ import annotations

from datetime import datetime

import plotly.graph_objects as go
import polars as pl

from dashboard.charts.theme import BAD, WARNING, apply_plotly_theme


def build_cards_chart(cards: pl.DataFrame, height: int = 360) -> go.Figure:
    """Grouped bars per department: yellow cards (amber) and red cards (red), stacked by quarter in the hover."""
    totals = (
        cards.group_by("department")
        .agg(pl.col("yellow").sum(), pl.col("red").sum())
        .sort(["red", "yellow", "department"], descending=[True, True, False])
    )
    by_quarter = {
        row["department"]: "<br>".join(
            f"{q}: 黄牌 {y}，红牌 {r}" for q, y, r in zip(row["quarter"], row["yellow"], row["red"], strict=True)
        )
        for row in cards.sort("quarter").group_by("department").agg("quarter", "yellow", "red").iter_rows(named=True)
    }
    departments = totals["department"].to_list()
    detail = [by_quarter.get(d, "") for d in departments]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=departments,
            y=totals["yellow"].to_list(),
            name="黄牌",
            marker_color=WARNING,
            customdata=detail,
            hovertemplate="%{x} 黄牌 %{y}<br>%{customdata}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Bar(
            x=departments,
            y=totals["red"].to_list(),
            name="红牌",
            marker_color=BAD,
            customdata=detail,
            hovertemplate="%{x} 红牌 %{y}<br>%{customdata}<extra></extra>",
        )
    )
    fig.update_layout(barmode="group", yaxis_title="张")
    return apply_plotly_theme(fig, "各部门黄牌与红牌", height)


def build_backlog_chart(trend: pl.DataFrame, buckets: tuple[str, ...], height: int = 320) -> go.Figure:
    """积案 at each month end, stacked by age bucket (youngest at the bottom, oldest darkest on top)."""
    colors = ("#f6c28b", WARNING, "#e0703a", BAD)
    fig = go.Figure()
    for bucket, color in zip(buckets, colors, strict=True):
        fig.add_trace(
            go.Bar(
                x=trend["month"].to_list(),
                y=trend[bucket].to_list(),
                name=bucket,
                marker_color=color,
                hovertemplate=f"%{{x}} 月末 {bucket} %{{y}} 件<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack", yaxis_title="件")
    return apply_plotly_theme(fig, "积案（月末未办结且已超期）按账龄", height)


STATE_COLORS = {"red": BAD, "yellow": WARNING, "on_time": "#3a8f5c", "pending": "#7d8da1", "untimed": "#b8c2cc"}


def build_case_timeline(
    timeline: pl.DataFrame, as_of: datetime, labels: dict[str, str], height: int = 340
) -> go.Figure:
    """One bar per stage from its start to its finish (or the as-of moment while it runs), coloured by its card,
    with the due moment marked: the case's story at a glance."""
    fig = go.Figure()
    shown = timeline.filter(pl.col("started_at").is_not_null())
    for row in shown.iter_rows(named=True):
        end = row["finished_at"] or as_of
        color = STATE_COLORS.get(row["state"], "#7d8da1")
        fig.add_trace(
            go.Scatter(
                x=[row["started_at"], end],
                y=[row["stage"], row["stage"]],
                mode="lines",
                line={"color": color, "width": 14},
                name=labels.get(row["state"], row["state"]),
                showlegend=False,
                hovertemplate=f"{row['stage']}：{labels.get(row['state'], '')}<extra></extra>",
            )
        )
        if row["due_at"] is not None:
            fig.add_trace(
                go.Scatter(
                    x=[row["due_at"]],
                    y=[row["stage"]],
                    mode="markers",
                    marker={"symbol": "line-ns-open", "size": 22, "color": "#333333"},
                    showlegend=False,
                    hovertemplate=f"{row['stage']} 到期 %{{x}}<extra></extra>",
                )
            )
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(timeline["stage"].to_list())))
    return apply_plotly_theme(fig, "办理环节时间线（竖线为到期时间）", height)
