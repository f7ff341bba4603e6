"""考核 chart: units' scores as horizontal bars in rank order, grey-listed units in red."""

from __future__ import annotations

import plotly.graph_objects as go

from dashboard.charts.theme import BAD, PALETTE, apply_plotly_theme
from dashboard.engine.scorecard import Scorecard
from dashboard.views.scorecard_view import format_score, unit_name

SHOWN_UNITS = 20  # 机构 number in the hundreds: the chart shows the top of the ranking, the table all of it


def build_score_chart(card: Scorecard, limit: int = SHOWN_UNITS) -> go.Figure:
    """Bars of score by unit (best at the top); the red-card deduction in the hover; grey-listed units red."""
    rows = [r for r in card.to_json()["rows"] if r["score"] is not None][:limit]
    rows.reverse()  # plotly draws the first category at the bottom
    name = unit_name(card.unit)
    hover = [
        f"第{r['rank']}名 · 得分 {format_score(r['score'])}"
        + (f"<br>红牌 {r['red_cards']} 张" if r["red_cards"] else "")
        + ("<br>灰名单" if r["grey_listed"] else "")
        for r in rows
    ]
    fig = go.Figure(
        go.Bar(
            x=[r["score"] for r in rows],
            y=[r["key"] for r in rows],
            orientation="h",
            marker_color=[BAD if r["grey_listed"] else PALETTE[1] for r in rows],
            text=[format_score(r["score"]) for r in rows],
            textposition="outside",
            customdata=hover,
            hovertemplate="%{y}<br>%{customdata}<extra></extra>",
        )
    )
    shown = f"前 {len(rows)} 名" if len(rows) == limit else f"{len(rows)} 个{name}"
    fig.update_layout(xaxis={"range": [0, 110], "title": "得分"}, yaxis={"automargin": True}, showlegend=False)
    return apply_plotly_theme(fig, f"{name}考核得分（{shown}）", height=max(280, 26 * len(rows) + 120))
