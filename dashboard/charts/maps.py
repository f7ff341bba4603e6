"""The China map (区域热力) and a province's city map as ECharts options built with pyecharts, with the boundaries to register.

A `MapChart` carries everything a renderer needs with no network: the options,
the name the map is registered under and its GeoJSON (assets/maps, see
dashboard/charts/geo.py). The page draws it with streamlit-echarts
(`st_echarts(chart.options, map=Map(chart.map_name, chart.geojson))`); an export
can hand the same three to ECharts' `registerMap` and `setOption`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pyecharts import options as opts
from pyecharts.charts import Map

from dashboard.charts import geo
from dashboard.charts.theme import SEQUENTIAL, echarts_theme
from dashboard.charts.values import to_display, unit_suffix

NO_DATA_COLOUR = "#F0F0F0"
BORDER_COLOUR = "#8C8C8C"


@dataclass(frozen=True)
class MapChart:
    options: dict[str, Any]
    map_name: str
    geojson: dict[str, Any]


def _visual_map(values: list[float], lower_is_better: bool | None, below: bool) -> opts.VisualMapOpts:
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    if low == high:
        high = low + 1
    # Dark red marks the worse end: the high end when lower is better, the low end otherwise.
    colours = SEQUENTIAL if lower_is_better is not False else list(reversed(SEQUENTIAL))
    # The China map has room at its lower left; a province's shape is unknown, so its legend goes below.
    place = (
        {"orient": "horizontal", "pos_left": "center", "pos_bottom": 4, "item_width": 14, "item_height": 160}
        if below
        else {"pos_left": 16, "pos_bottom": 24, "item_width": 20, "item_height": 120}
    )
    return opts.VisualMapOpts(
        min_=low,
        max_=high,
        is_calculable=True,
        range_text=["高", "低"],
        range_color=colours,
        textstyle_opts=opts.TextStyleOpts(font_size=13),
        **place,
    )


def _map_options(
    map_name: str,
    data: list[dict[str, Any]],
    title: str,
    subtitle: str,
    value_label: str,
    unit: str,
    lower_is_better: bool | None,
    label_size: int,
    extra_regions: list[dict[str, Any]] | None = None,
    legend_below: bool = False,
) -> dict[str, Any]:
    """The map as pyecharts builds it (a map series on the locally registered boundaries), in the house theme."""
    values = [d["value"] for d in data if d["value"] is not None]
    suffix = unit_suffix(unit)
    chart = Map().add(
        value_label,
        [(d["name"], d["value"]) for d in data],
        maptype=map_name,
        is_roam=False,
        is_map_symbol_show=False,
        # A white halo keeps the names readable on the darkest reds.
        label_opts=opts.LabelOpts(is_show=True, font_size=label_size, color="#222"),
        itemstyle_opts=opts.ItemStyleOpts(area_color=NO_DATA_COLOUR, border_color=BORDER_COLOUR, border_width=0.6),
        emphasis_label_opts=opts.LabelOpts(is_show=True, font_weight="bold"),
        emphasis_itemstyle_opts=opts.ItemStyleOpts(area_color="#FFD54F"),
    )
    chart.set_global_opts(
        title_opts=opts.TitleOpts(
            title=title,
            subtitle=subtitle,
            pos_left="8",
            pos_top="4",
            title_textstyle_opts=opts.TextStyleOpts(font_size=18),
        ),
        tooltip_opts=opts.TooltipOpts(trigger="item", formatter=f"{{b}}<br/>{value_label}：{{c}} {suffix}"),
        visualmap_opts=_visual_map(values, lower_is_better, legend_below),
        legend_opts=opts.LegendOpts(is_show=False),
    )
    options: dict[str, Any] = json.loads(chart.dump_options())
    options["visualMap"]["realtime"] = False
    series = options["series"][0]
    # What pyecharts' Map.add does not expose: the box (all four sides, so ECharts fits the map without
    # clipping), the label halo, no selection, and the per-region styles (the 南海诸岛 inset).
    series.update(
        top=70,
        bottom=64 if legend_below else 12,
        left=8,
        right=8,
        select={"disabled": True},
        regions=extra_regions or [],
    )
    series["label"].update(textBorderColor="#FFFFFF", textBorderWidth=2)
    return {**echarts_theme(), **options}


def build_china_map(
    values: Iterable[tuple[str, float | None]],
    *,
    value_label: str,
    unit: str,
    lower_is_better: bool | None,
    title: str = "区域热力",
    subtitle: str = "",
) -> MapChart:
    """Provinces (full or short names) coloured by the value; every province is drawn, those
    without a value in light grey; the 南海诸岛 inset sits in the lower right corner."""
    data = [
        {"name": geo.province_to_map_name(name), "value": to_display(value, unit)} for name, value in values if name
    ]
    inset = [
        {
            "name": "南海诸岛",
            "label": {"show": True, "fontSize": 10, "color": "#555", "position": "inside"},
            "itemStyle": {"areaColor": "#E4E4E4", "borderColor": "#A0A0A0"},
            "emphasis": {"disabled": True},
        },
        {
            "name": "南海诸岛界线",
            "label": {"show": False},
            "itemStyle": {"borderColor": "#555", "borderWidth": 1},
            "emphasis": {"disabled": True},
        },
    ]
    options = _map_options(geo.CHINA_MAP, data, title, subtitle, value_label, unit, lower_is_better, 10, inset)
    return MapChart(options, geo.CHINA_MAP, geo.load_china_map())


def build_province_map(
    province: str,
    values: Iterable[tuple[str, float | None]],
    *,
    value_label: str,
    unit: str,
    lower_is_better: bool | None,
    title: str | None = None,
    subtitle: str = "",
) -> MapChart:
    """A province's cities (full names, as the warehouse stores them) coloured by the value."""
    data = [{"name": name, "value": to_display(value, unit)} for name, value in values if name]
    options = _map_options(
        geo.province_map_name(province),
        data,
        title or f"{province}各城市",
        subtitle,
        value_label,
        unit,
        lower_is_better,
        12,
        legend_below=True,
    )
    return MapChart(options, geo.province_map_name(province), geo.load_province_map(province))
