"""Region groups (城市群): share of complaint volume and of high-risk cases per group, as ECharts bars."""

from __future__ import annotations

from typing import Any

import polars as pl

from dashboard.charts.theme import PALETTE, echarts_theme
from dashboard.charts.values import to_display


def build_group_share_bars(shares: pl.DataFrame, *, title: str = "城市群占比", subtitle: str = "") -> dict[str, Any]:
    """shares (region_group, volume_share, high_risk_share) -> two bars per group, in percent."""
    groups = shares["region_group"].to_list()
    volume = [to_display(v, "rate") for v in shares["volume_share"].to_list()]
    high = [to_display(v, "rate") for v in shares["high_risk_share"].to_list()]
    label = {"show": True, "position": "right", "formatter": "{c}%", "fontSize": 12}
    return {
        **echarts_theme(),
        "title": {"text": title, "subtext": subtitle, "left": 8, "top": 4, "textStyle": {"fontSize": 17}},
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 8, "right": 16, "data": ["投诉量占比", "高风险案件占比"]},
        "grid": {"left": 12, "right": 56, "top": 64, "bottom": 16, "containLabel": True},
        "xAxis": {"type": "value", "name": "%", "splitLine": {"lineStyle": {"color": "#E6E6E6"}}},
        "yAxis": {"type": "category", "inverse": True, "data": groups, "axisLabel": {"fontSize": 13}},
        "series": [
            {"type": "bar", "name": "投诉量占比", "data": volume, "itemStyle": {"color": PALETTE[1]}, "label": label},
            {"type": "bar", "name": "高风险案件占比", "data": high, "itemStyle": {"color": PALETTE[0]}, "label": label},
        ],
    }
