"""The 内部资料 watermark: one text, drawn on plotly figures, ECharts pages and PDF pages."""

from __future__ import annotations

from datetime import datetime

import plotly.graph_objects as go

from dashboard.export.identity import current_user_label


def watermark_text(user: str | None = None, moment: datetime | None = None) -> str:
    stamp = (moment or datetime.now()).strftime("%Y-%m-%d %H:%M")
    return f"内部资料 · {user or current_user_label()} · {stamp}"


def add_plotly_watermark(fig: go.Figure, text: str) -> go.Figure:
    """A copy of the figure with the text tiled faintly across the plot (the original is untouched)."""
    marked = go.Figure(fig)
    for x, y in ((0.25, 0.8), (0.75, 0.2)):
        marked.add_annotation(
            text=text,
            xref="paper",
            yref="paper",
            x=x,
            y=y,
            showarrow=False,
            textangle=-20,
            font={"size": 13, "color": "rgba(120,120,120,0.28)"},
        )
    return marked
