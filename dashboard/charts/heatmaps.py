"""Heatmaps as ECharts options built with pyecharts: province × month, region × business line, product × issue, weekday × hour.

Input is a long frame `row, column, value` (dashboard/views/regions_view.py); the
builder lays it on a grid in the order given and colours it with the theme's
sequential reds. A cell without a value stays blank (not 0).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import polars as pl
from pyecharts import options as opts
from pyecharts.charts import HeatMap

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
    axis_label = opts.LabelOpts(interval=0, font_size=12)
    chart = (
        HeatMap()
        .add_xaxis(columns)
        .add_yaxis(
            value_label,
            rows,
            data,
            label_opts=opts.LabelOpts(is_show=show_labels, font_size=11, color="#222"),
        )
        .set_global_opts(
            title_opts=opts.TitleOpts(
                title=title,
                subtitle=subtitle,
                pos_left="8",
                pos_top="4",
                title_textstyle_opts=opts.TextStyleOpts(font_size=17),
            ),
            tooltip_opts=opts.TooltipOpts(position="top", formatter=f"{value_label}：{{c}} {suffix}"),
            xaxis_opts=opts.AxisOpts(
                type_="category",
                splitarea_opts=opts.SplitAreaOpts(is_show=True),
                axislabel_opts=opts.LabelOpts(interval=0, rotate=35 if len(columns) > 8 else 0, font_size=12),
            ),
            yaxis_opts=opts.AxisOpts(
                type_="category",
                is_inverse=True,
                splitarea_opts=opts.SplitAreaOpts(is_show=True),
                axislabel_opts=axis_label,
            ),
            visualmap_opts=opts.VisualMapOpts(
                min_=low,
                max_=high if high > low else low + 1,
                is_calculable=True,
                orient="horizontal",
                pos_left="center",
                pos_bottom="0",
                range_text=[f"高（{suffix}）" if suffix else "高", "低"],
                range_color=SEQUENTIAL,
                item_width=14,
                item_height=160,
            ),
            legend_opts=opts.LegendOpts(is_show=False),
        )
    )
    options: dict[str, Any] = json.loads(chart.dump_options())
    # One axis each: unwrap pyecharts' axis lists, then what its options do not expose (grid, label halo).
    options["xAxis"], options["yAxis"] = options["xAxis"][0], options["yAxis"][0]
    options["grid"] = {"left": 12, "right": 24, "top": 64, "bottom": 64, "containLabel": True}
    series = options["series"][0]
    series["label"].update(textBorderColor="#FFFFFF", textBorderWidth=2)
    series["emphasis"] = {"itemStyle": {"borderColor": "#333", "borderWidth": 1}}
    return {**echarts_theme(), **options}
