"""溯源整改 charts: defects by a breakdown, and the before/after of each judged fix (整改成效)."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboard.charts.theme import GOOD, NEUTRAL, PALETTE, apply_plotly_theme

VERDICT_COLOURS = {"见效": GOOD, "未见效": PALETTE[0], "无法判断": NEUTRAL}


def build_breakdown_chart(counts: dict[str, int], title: str, height: int = 320) -> go.Figure:
    """Horizontal bars, the largest on top: defects found per type / root cause / department / measure."""
    keys, values = list(counts)[::-1], list(counts.values())[::-1]
    fig = go.Figure(
        go.Bar(x=values, y=keys, orientation="h", marker_color=PALETTE[1], hovertemplate="%{y}：%{x} 项<extra></extra>")
    )
    fig.update_layout(xaxis={"title": "项", "tickformat": "d", "dtick": 1 if max(values, default=0) <= 10 else None},
                      yaxis={"automargin": True})  # fmt: skip
    return apply_plotly_theme(fig, title, height)


def build_effect_chart(effects: pl.DataFrame, window_days: int = 90, height: int = 380) -> go.Figure:
    """Per judged fix, the complaints on its product × issue in the window before 完成日期 (grey) and after
    (coloured by verdict): a bar that shrinks is a fix that worked."""
    labels = [f"{d}<br>{c:%Y-%m-%d}" for d, c in zip(effects["defect_id"], effects["completed_date"], strict=True)]
    pairs = effects["pairs"].to_list()
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=labels,
            y=effects["before"].to_list(),
            name=f"完成前 {window_days} 天",
            marker_color="#B0BEC5",
            customdata=pairs,
            hovertemplate="%{x}<br>%{customdata}<br>完成前：%{y} 件<extra></extra>",
        )
    )
    fig.add_trace(
        go.Bar(
            x=labels,
            y=effects["after"].to_list(),
            name=f"完成后 {window_days} 天",
            marker_color=[VERDICT_COLOURS.get(v, NEUTRAL) for v in effects["verdict_zh"]],
            customdata=[f"{p}（{v}）" for p, v in zip(pairs, effects["verdict_zh"], strict=True)],
            hovertemplate="%{x}<br>%{customdata}<br>完成后：%{y} 件<extra></extra>",
        )
    )
    fig.update_layout(barmode="group", yaxis_title="同类投诉（件）")
    return apply_plotly_theme(fig, "整改成效：完成前后同类投诉", height)
