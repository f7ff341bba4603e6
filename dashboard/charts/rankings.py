"""Rankings of provinces or cities by a metric: a table with 12-month sparklines, and a bar chart.

`build_ranking_table` gives the rows the page shows in a selectable table
(dashboard/app/table_columns.py configures its number format and sparkline column);
`build_ranking_bars` is the same ranking as ECharts horizontal bars for exports.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from dashboard.charts.theme import PALETTE, echarts_theme
from dashboard.charts.values import to_display, unit_suffix
from dashboard.engine.formatting import MISSING

RANK, REGION, VALUE, TREND, VOLUME = "排名", "地区", "指标值", "近12个月", "投诉量"


def build_ranking_table(values: pl.DataFrame, unit: str, with_volume: bool = True) -> pl.DataFrame:
    """values (key, value, volume, trend) -> 排名, 地区, 指标值 (display units), 投诉量, 近12个月.

    Regions whose value cannot be computed come last, without a rank. `with_volume=False`
    leaves out 投诉量 (when the metric is the volume itself)."""
    ranked = values.sort(["value", "volume", "key"], descending=[True, True, False], nulls_last=True)
    shown = [to_display(v, unit) for v in ranked["value"].to_list()]
    # A month without a case counts 0; a rate that month has no value and is left out of the line.
    trends = [
        _sparkline(trend or [], unit)
        for trend in (ranked["trend"].to_list() if "trend" in ranked.columns else [[]] * ranked.height)
    ]
    ranks = []
    rank = 0
    for value in shown:
        if value is None:
            ranks.append(None)
        else:
            rank += 1
            ranks.append(rank)
    table = pl.DataFrame(
        {
            RANK: pl.Series(ranks, dtype=pl.Int64),
            REGION: ranked["key"],
            VALUE: pl.Series(shown, dtype=pl.Float64),
            VOLUME: ranked["volume"],
            TREND: pl.Series(trends, dtype=pl.List(pl.Float64)),
        }
    )
    return table if with_volume else table.drop(VOLUME)


def _sparkline(monthly: list[float | None], unit: str) -> list[float]:
    points = [to_display(0 if v is None and unit == "count" else v, unit) for v in monthly]
    return [p for p in points if p is not None]


def build_ranking_bars(
    table: pl.DataFrame, *, title: str, value_label: str, unit: str, top: int = 15
) -> dict[str, Any]:
    """The first `top` rows of a ranking table as horizontal bars, the largest on top."""
    rows = table.filter(pl.col(VALUE).is_not_null()).head(top)
    suffix = unit_suffix(unit)
    return {
        **echarts_theme(),
        "title": {"text": title, "left": 8, "top": 4, "textStyle": {"fontSize": 17}},
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 12, "right": 64, "top": 48, "bottom": 16, "containLabel": True},
        "xAxis": {"type": "value", "name": suffix, "splitLine": {"lineStyle": {"color": "#E6E6E6"}}},
        "yAxis": {"type": "category", "inverse": True, "data": rows[REGION].to_list(), "axisLabel": {"fontSize": 12}},
        "series": [
            {
                "type": "bar",
                "name": value_label,
                "data": rows[VALUE].to_list(),
                "itemStyle": {"color": PALETTE[1]},
                "label": {"show": True, "position": "right", "formatter": "{c}"},
            }
        ],
    }


def describe_value(value: float | None, unit: str) -> str:
    shown = to_display(value, unit)
    return MISSING if shown is None else f"{shown:g}{unit_suffix(unit)}"
