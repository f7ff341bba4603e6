"""产品与问题 charts: the Pareto of issues (bars + cumulative line), the product × issue heat map, channels."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboard.charts.theme import NEUTRAL, PALETTE, SEQUENTIAL, apply_plotly_theme
from dashboard.engine.formatting import format_percent, format_series


def build_pareto_figure(issues: pl.DataFrame, cut: float, title: str = "问题类型帕累托") -> go.Figure:
    """issues: issue, volume, share, cum_share, is_vital -> bars (vital few emphasised) and the cumulative share."""
    names = issues["issue"].to_list()
    fig = go.Figure()
    fig.add_bar(
        x=names,
        y=issues["volume"].to_list(),
        name="投诉量",
        marker_color=[PALETTE[0] if v else NEUTRAL for v in issues["is_vital"].to_list()],
        customdata=[format_percent(s) for s in issues["share"].to_list()],
        hovertemplate="%{x}：%{y} 件（%{customdata}）<extra></extra>",
    )
    fig.add_scatter(
        x=names,
        y=[s * 100 for s in issues["cum_share"].to_list()],
        name="累计占比",
        yaxis="y2",
        mode="lines+markers",
        line={"color": PALETTE[1]},
        hovertemplate="%{x} 累计：%{y:.1f}%<extra></extra>",
    )
    apply_plotly_theme(fig, title=title, height=380)
    fig.update_layout(
        yaxis={"title": {"text": "件"}},
        yaxis2={
            "overlaying": "y",
            "side": "right",
            "range": [0, 105],
            "tickmode": "array",
            "tickvals": [0, 20, 40, 60, 80, 100],
            "ticksuffix": "%",
            "showgrid": False,
        },
        legend={"orientation": "h", "y": 1.1, "x": 0},
        shapes=[
            {
                "type": "line",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "yref": "y2",
                "y0": cut * 100,
                "y1": cut * 100,
                "line": {"dash": "dot", "color": "#999", "width": 1},
            }
        ],
    )
    fig.update_xaxes(type="category", tickangle=-35)
    return fig


def build_matrix_figure(long: pl.DataFrame, title: str = "产品 × 问题类型") -> go.Figure:
    """long: product, issue, volume -> heat map, largest products on top and largest issues on the left."""
    products = (
        long.group_by("product").agg(pl.col("volume").sum()).sort(["volume", "product"], descending=[True, False])
    )
    issues = long.group_by("issue").agg(pl.col("volume").sum()).sort(["volume", "issue"], descending=[True, False])
    rows, columns = products["product"].to_list(), issues["issue"].to_list()
    cells = {(p, i): v for p, i, v in long.select("product", "issue", "volume").iter_rows()}
    z = [[cells.get((p, i), 0) for i in columns] for p in rows]
    scale = [[index / (len(SEQUENTIAL) - 1), colour] for index, colour in enumerate(SEQUENTIAL)]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=columns,
            y=rows,
            colorscale=scale,
            text=[[str(v) if v else "" for v in row] for row in z],
            texttemplate="%{text}",
            hovertemplate="%{y} · %{x}：%{z} 件<extra></extra>",
            colorbar={"title": {"text": "件"}},
            zmin=0,
        )
    )
    apply_plotly_theme(fig, title=title, height=max(320, 90 + 30 * len(rows)))
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(tickangle=-35, side="bottom")
    return fig


def format_pareto_table(issues: pl.DataFrame) -> pl.DataFrame:
    return issues.select(
        pl.col("issue").alias("问题类型"),
        pl.col("volume").alias("投诉量"),
        format_series(issues["share"], format_percent).alias("占比"),
        format_series(issues["cum_share"], format_percent).alias("累计占比"),
        pl.when(pl.col("is_vital")).then(pl.lit("是")).otherwise(pl.lit("")).alias("关键少数"),
    )
