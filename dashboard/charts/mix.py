"""Mix charts: share of volume by a dimension as a horizontal bar (largest on top), one visual language."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboard.charts.theme import PALETTE, apply_plotly_theme
from dashboard.engine.formatting import format_count, format_percent, format_series
from dashboard.engine.i18n import text

MAX_BARS = 8


def fold_small_shares(frame: pl.DataFrame, keep: int = MAX_BARS, other: str = "其他") -> pl.DataFrame:
    """The largest `keep` - 1 keys plus one 其他 row, so a long tail stays readable on a projector."""
    if frame.height <= keep:
        return frame
    head, tail = frame.head(keep - 1), frame.slice(keep - 1)
    rest = pl.DataFrame(
        {"key": [other], "volume": [int(tail["volume"].sum())], "share": [float(tail["share"].fill_null(0).sum())]},
        schema=frame.select("key", "volume", "share").schema,
    )
    return pl.concat([head.select("key", "volume", "share"), rest])


def build_mix_bar(frame: pl.DataFrame, title: str, lang: str = "zh", height: int = 300) -> go.Figure:
    """frame: key, volume, share (largest first) -> horizontal bars labelled with share and cases."""
    shown = fold_small_shares(frame, other="其他" if lang == "zh" else "Other")
    keys = [k if k is not None else ("（空白）" if lang == "zh" else "(blank)") for k in shown["key"].to_list()]
    volumes = shown["volume"].to_list()
    shares = shown["share"].to_list()
    labels = [
        f"{format_percent(s)}（{format_count(v, lang)}）"
        if lang == "zh"
        else f"{format_percent(s)} ({format_count(v, lang)})"
        for s, v in zip(shares, volumes, strict=True)
    ]
    unit = "件" if lang == "zh" else "cases"
    fig = go.Figure(
        go.Bar(
            x=[None if s is None else s * 100 for s in shares],
            y=keys,
            orientation="h",
            marker_color=PALETTE[1],
            text=labels,
            # Inside a bar long enough to hold it, else after it: a dominant share's label would otherwise run
            # past the chart's edge in a narrow column and in its PNG export.
            textposition="auto",
            insidetextanchor="end",
            insidetextfont={"color": "white"},
            cliponaxis=False,
            customdata=[format_count(v, lang) for v in volumes],
            hovertemplate=f"%{{y}}<br>{text('share', lang)} %{{x:.1f}}%<br>%{{customdata}} {unit}<extra></extra>",
        )
    )
    apply_plotly_theme(fig, title=title, height=height)
    top = max((s or 0) for s in shares) * 100 if shares else 0
    fig.update_layout(margin={"l": 8, "r": 8, "t": 40, "b": 8}, showlegend=False)
    fig.update_xaxes(visible=False, range=[0, top * 1.45 if top else 1])
    fig.update_yaxes(autorange="reversed", automargin=True, gridcolor="rgba(0,0,0,0)")
    return fig


def build_mix_table(frame: pl.DataFrame, dimension_label: str, lang: str = "zh") -> pl.DataFrame:
    """The same numbers as the chart, formatted, with the headers in the language."""
    return pl.DataFrame(
        [
            frame["key"].fill_null("（空白）" if lang == "zh" else "(blank)").alias(dimension_label),
            format_series(frame["volume"], lambda v: format_count(v, lang)).alias(text("volume", lang)),
            format_series(frame["share"], format_percent).alias(text("share", lang)),
        ]
    )
