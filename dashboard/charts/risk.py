"""风险雷达 charts: the three pools, their monthly trend and the breakdown by product, group or department."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboard.charts.theme import BAD, NEUTRAL, WARNING, apply_plotly_theme
from dashboard.engine.formatting import format_count, format_percent, format_series

RISK_COLOURS: dict[str, str] = {"高": BAD, "中": WARNING, "低": NEUTRAL}
RISK_NAMES: dict[str, str] = {"高": "高风险", "中": "中风险", "低": "低风险"}


def build_pools_bar(pools: pl.DataFrame, title: str = "风险池") -> go.Figure:
    """pools: risk_level, volume, share -> one horizontal bar per level, labelled with cases and share."""
    levels = pools["risk_level"].to_list()
    volumes = pools["volume"].to_list()
    shares = pools["share"].to_list()
    fig = go.Figure(
        go.Bar(
            x=volumes,
            y=[RISK_NAMES.get(level, level) for level in levels],
            orientation="h",
            marker_color=[RISK_COLOURS.get(level, NEUTRAL) for level in levels],
            text=[f"{format_count(v)} 件（{format_percent(s)}）" for v, s in zip(volumes, shares, strict=True)],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}：%{x} 件<extra></extra>",
        )
    )
    apply_plotly_theme(fig, title=title, height=220)
    top = max(volumes) if volumes else 0
    fig.update_layout(margin={"l": 8, "r": 8, "t": 40, "b": 8}, showlegend=False)
    fig.update_xaxes(visible=False, range=[0, top * 1.5 if top else 1])
    fig.update_yaxes(autorange="reversed", gridcolor="rgba(0,0,0,0)")
    return fig


def build_trend_figure(trend: pl.DataFrame, title: str = "风险案件月度趋势") -> go.Figure:
    """trend: month, risk_level, volume (long) -> stacked monthly bars, 高 at the bottom where the eye starts."""
    months = sorted(trend["month"].unique().to_list())
    fig = go.Figure()
    for level in ("高", "中", "低"):
        rows = dict(trend.filter(pl.col("risk_level") == level).select("month", "volume").iter_rows())
        fig.add_bar(
            x=months,
            y=[rows.get(m, 0) for m in months],
            name=RISK_NAMES[level],
            marker_color=RISK_COLOURS[level],
            hovertemplate=f"%{{x}} {RISK_NAMES[level]}：%{{y}} 件<extra></extra>",
        )
    apply_plotly_theme(fig, title=title, height=320)
    fig.update_layout(barmode="stack", legend={"orientation": "h", "y": 1.12, "x": 0})
    fig.update_xaxes(type="category")
    fig.update_yaxes(title_text="件")
    return fig


def build_breakdown_figure(breakdown: pl.DataFrame, title: str) -> go.Figure:
    """breakdown: key, 高, 中, 低, volume -> stacked horizontal bars, most high-risk cases on top."""
    keys = breakdown["key"].to_list()
    fig = go.Figure()
    for level in ("高", "中", "低"):
        fig.add_bar(
            x=breakdown[level].to_list(),
            y=keys,
            orientation="h",
            name=RISK_NAMES[level],
            marker_color=RISK_COLOURS[level],
            hovertemplate=f"%{{y}} {RISK_NAMES[level]}：%{{x}} 件<extra></extra>",
        )
    apply_plotly_theme(fig, title=title, height=max(260, 60 + 26 * len(keys)))
    fig.update_layout(barmode="stack", legend={"orientation": "h", "y": 1.08, "x": 0}, margin={"l": 8, "t": 64})
    fig.update_yaxes(autorange="reversed", automargin=True, gridcolor="rgba(0,0,0,0)")
    fig.update_xaxes(title_text="件")
    return fig


def format_breakdown_table(breakdown: pl.DataFrame, label: str) -> pl.DataFrame:
    return breakdown.select(
        pl.col("key").alias(label),
        pl.col("高").alias("高风险"),
        pl.col("中").alias("中风险"),
        pl.col("低").alias("低风险"),
        pl.col("volume").alias("合计"),
        format_series(breakdown["high_share"], format_percent).alias("高风险占比"),
    )


def format_trend_table(trend: pl.DataFrame) -> pl.DataFrame:
    """The trend's numbers: one row per month, a column per level."""
    if trend.is_empty():
        return pl.DataFrame({"月份": []}, schema={"月份": pl.String})
    wide = trend.pivot("risk_level", index="month", values="volume").fill_null(0)
    levels = [level for level in ("高", "中", "低") if level in wide.columns]
    return wide.sort("month").select(
        pl.col("month").alias("月份"), *[pl.col(level).alias(RISK_NAMES[level]) for level in levels]
    )
