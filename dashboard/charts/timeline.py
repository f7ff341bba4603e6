"""重点人员 timeline: one complainant's cases in time, from 受理 to 办结 (open cases run to the as-of date)."""

from __future__ import annotations

from datetime import date

import plotly.graph_objects as go
import polars as pl

from dashboard.charts.risk import RISK_COLOURS, RISK_NAMES
from dashboard.charts.theme import NEUTRAL, apply_plotly_theme


def build_timeline_figure(cases: pl.DataFrame, as_of: date, window_start: date, title: str) -> go.Figure:
    """cases: case_id, received_date, closed_date, is_closed, product, issue, risk_level, risk_score, … (oldest first).

    One row per case (label: 受理日期 · 产品 · 问题); a bar from 受理 to 办结 coloured by risk level,
    hollow while open; the watch window is shaded.
    """
    fig = go.Figure()
    labels = [f"{r['received_date']:%Y-%m-%d} {r['product']}·{r['issue']}" for r in cases.iter_rows(named=True)]
    for row, label in zip(cases.iter_rows(named=True), labels, strict=True):
        end = row["closed_date"] or as_of
        colour = RISK_COLOURS.get(row["risk_level"], NEUTRAL)
        status = "已办结" if row["is_closed"] else "未办结"
        hover = (
            f"{row['case_id']}<br>{row['received_date']:%Y-%m-%d} → "
            f"{row['closed_date'] or '（未办结）'}<br>{row['channel']} · {row['department'] or '—'}<br>"
            f"{RISK_NAMES.get(row['risk_level'], '')} {row['risk_score']} 分：{row['risk_reason_text'] or '无加分项'}"
        )
        fig.add_scatter(
            x=[row["received_date"], end],
            y=[label, label],
            mode="lines+markers+text",
            text=["", f"{RISK_NAMES.get(row['risk_level'], '')} {row['risk_score']}分 · {status}"],
            textposition="middle right",
            textfont={"color": colour},
            line={"color": colour, "width": 10, "dash": "solid" if row["is_closed"] else "dot"},
            marker={
                "size": 12,
                "color": [colour, colour if row["is_closed"] else "white"],
                "line": {"color": colour, "width": 2},
            },
            name=status,
            showlegend=False,
            hovertemplate=hover + "<extra></extra>",
        )
    fig.add_vrect(
        x0=window_start,
        x1=as_of,
        fillcolor="#FFF3E0",
        opacity=0.6,
        line_width=0,
        layer="below",
        annotation_text="统计窗口",
        annotation_position="top right",
    )
    apply_plotly_theme(fig, title=title, height=max(220, 110 + 42 * cases.height))
    fig.update_yaxes(autorange="reversed", automargin=True, type="category", gridcolor="rgba(0,0,0,0)")
    fig.update_xaxes(type="date", tickformat="%Y-%m")
    return fig
