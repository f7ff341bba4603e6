"""Heatmaps as ECharts options: province × month, region × business line, product × issue, weekday × hour.

Input is a long frame `row, column, value` (dashboard/views/regions_view.py); the
builder lays it on a grid in the order given and colours it with the theme's
sequential reds. A cell without a value stays blank (not 0).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from dashboard.charts.theme import SEQUENTIAL, echarts_theme
from dashboard.charts.values import to_display, unit_suffix

ROW_HEIGHT = 26
MAX_LABELLED_CELLS = 240  # beyond this the numbers in the cells are unreadable: tooltip only


def heatmap_height(rows: int) -> int:
    """Pixels for a heatmap of this many rows (title, axis and legend included)."""
    return max(260, 150 + rows * ROW_HEIGHT)


def order_by_total(cells: pl.DataFrame, axis: str, descending: bool = True) -> list[str]:
    """Row (or column) names, the largest total first."""
    totals = cells.group_by(axis).agg(total=pl.col("value").fill_null(0).sum())
    return totals.sort(["total", axis], descending=[descending, False])[axis].to_list()


def build_heatmap(
    cells: pl.DataFrame,
    *,
    title: str,
    value_label: str,
    unit: str,
    rows: Sequence[str] | None = None,
    columns: Sequence[str] | None = None,
    subtitle: str = "",
) -> dict[str, Any]:
    """ECharts heatmap; `rows` top to bottom, `columns` left to right (default: by total / as given)."""
    rows = list(rows) if rows is not None else order_by_total(cells, "row")
    columns = list(columns) if columns is not None else list(dict.fromkeys(cells["column"].to_list()))
    row_index = {name: i for i, name in enumerate(rows)}
    column_index = {name: i for i, name in enumerate(columns)}
    data: list[list[Any]] = []
    for record in cells.iter_rows(named=True):
        if record["row"] in row_index and record["column"] in column_index:
            value = to_display(record["value"], unit)
            if value is not None:
                data.append([column_index[record["column"]], row_index[record["row"]], value])
    values = [d[2] for d in data]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    show_labels = len(rows) * len(columns) <= MAX_LABELLED_CELLS
    suffix = unit_suffix(unit)
    return {
        **echarts_theme(),
        "title": {"text": title, "subtext": subtitle, "left": 8, "top": 4, "textStyle": {"fontSize": 17}},
        "tooltip": {"position": "top", "formatter": f"{value_label}：{{c}} {suffix}"},
        "grid": {"left": 12, "right": 24, "top": 64, "bottom": 64, "containLabel": True},
        "xAxis": {
            "type": "category",
            "data": columns,
            "splitArea": {"show": True},
            "axisLabel": {"interval": 0, "rotate": 35 if len(columns) > 8 else 0, "fontSize": 12},
        },
        "yAxis": {
            "type": "category",
            "data": rows,
            "inverse": True,
            "splitArea": {"show": True},
            "axisLabel": {"interval": 0, "fontSize": 12},
        },
        "visualMap": {
            "min": low,
            "max": high if high > low else low + 1,
            "calculable": True,
            "orient": "horizontal",
            "left": "center",
            "bottom": 0,
            "text": [f"高（{suffix}）" if suffix else "高", "低"],
            "inRange": {"color": SEQUENTIAL},
            "itemWidth": 14,
            "itemHeight": 160,
        },
        "series": [
            {
                "name": value_label,
                "type": "heatmap",
                "data": data,
                "label": {
                    "show": show_labels,
                    "fontSize": 11,
                    "color": "#222",
                    "textBorderColor": "#FFFFFF",
                    "textBorderWidth": 2,
                },
                "emphasis": {"itemStyle": {"borderColor": "#333", "borderWidth": 1}},
            }
        ],
    }
