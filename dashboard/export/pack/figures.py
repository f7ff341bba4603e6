"""The pack's charts, built with the same chart builders as the pages, from PackContent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
import polars as pl

from dashboard.charts.maps import MapChart, build_china_map
from dashboard.charts.mix import build_mix_bar
from dashboard.charts.pareto import build_pareto_figure
from dashboard.charts.risk import build_pools_bar
from dashboard.charts.sla import build_cards_chart
from dashboard.charts.theme import apply_plotly_theme
from dashboard.export.pack.content import TOP_ISSUES, PackContent
from dashboard.views.products_view import PARETO_CUT

SLIDE_CHART_WIDTH, SLIDE_CHART_HEIGHT = 1200, 560


@dataclass(frozen=True)
class PackChart:
    key: str
    title: str
    chart: go.Figure | MapChart | None  # None: nothing to draw (the note says why)
    note: str = ""


def _mix_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"key": pl.String, "volume": pl.Int64, "share": pl.Float64})


def build_trend_figure(trend: pl.DataFrame) -> go.Figure:
    fig = go.Figure()
    fig.add_bar(x=trend["bucket"].to_list(), y=trend["volume"].to_list(), name="当月投诉量", marker_color="#1F5FA8")
    if trend["last_year"].null_count() < trend.height:
        fig.add_scatter(
            x=trend["bucket"].to_list(), y=trend["last_year"].to_list(), name="上年同月", mode="lines+markers"
        )
    # Months stay categories: as dates plotly would label them in English (Nov 2025).
    fig.update_layout(
        yaxis_title="件",
        xaxis_type="category",
        legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1.02, "yanchor": "bottom"},
    )
    return apply_plotly_theme(fig, "近12个月投诉量", 420)


def build_pack_charts(content: PackContent) -> list[PackChart]:
    charts = [
        PackChart("trend", "投诉量月度趋势（近12个月，与上年同期对比）", build_trend_figure(content.trend)),
        PackChart("channel", "受理渠道结构", build_mix_bar(_mix_frame(content.mix("channel")), "受理渠道", height=420)),
        PackChart(
            "business_line",
            "业务条线结构",
            build_mix_bar(_mix_frame(content.mix("business_line")), "业务条线", height=420),
        ),
        PackChart(
            "map",
            "各省投诉量分布",
            build_china_map(
                content.provinces.select("key", "value").iter_rows(),
                value_label="投诉量",
                unit="count",
                lower_is_better=True,
                title="各省投诉量",
            ),
        ),
        PackChart("risk", "风险分级（风险池）", build_pools_bar(content.risk_pools, "风险池")),
        PackChart(
            "issues",
            f"问题类型前{TOP_ISSUES}位",
            build_pareto_figure(content.issues.head(TOP_ISSUES), PARETO_CUT, "问题类型帕累托"),
        ),
    ]
    sla = (
        PackChart("sla", "各部门时限黄牌、红牌", build_cards_chart(content.sla_cards, height=420))
        if not content.sla_cards.is_empty()
        else PackChart("sla", "各部门时限黄牌、红牌", None, "本期无时限考核记录。")
    )
    charts.append(sla)
    return charts


def render_chart_png(chart: PackChart, browser: Any) -> bytes | None:
    """PNG (2×) of a pack chart; ECharts maps go through the shared browser."""
    from dashboard.export.charts import plotly_to_png
    from dashboard.export.echarts_export import render_echarts

    if chart.chart is None:
        return None
    if isinstance(chart.chart, MapChart):
        return render_echarts(chart.chart, "png", watermark=False, browser=browser)
    # One size for every slide; axis labels get the room they need (the pages' charts are narrower).
    fig = go.Figure(chart.chart)
    fig.update_layout(width=SLIDE_CHART_WIDTH, height=SLIDE_CHART_HEIGHT, margin={"l": 90, "r": 40})
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    return plotly_to_png(fig, watermark=False)
