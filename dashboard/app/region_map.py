"""The 区域分析 page's blocks: the clickable map, the ranking that filters the cockpit, the heatmap tabs.

The drill state lives in the session as one dashboard.views.regions_page.RegionsDrill; its transitions are
Streamlit-free (and tested there); these functions draw and report what was clicked.
"""

from __future__ import annotations

import polars as pl
import streamlit as st
from streamlit_echarts import Map, st_echarts

from dashboard.app import regions_data, sidebar, table_columns
from dashboard.app.export_buttons import (
    figure_title,
    render_chart_downloads,
    render_echarts_with_downloads,
    render_table_downloads,
)
from dashboard.charts import geo, heatmaps, maps, rankings
from dashboard.engine.filters import Filters
from dashboard.engine.periods import Period
from dashboard.views.regions_page import HeatmapSpec, RegionsDrill
from dashboard.views.regions_view import MapMetric

DRILL = "regions_drill"  # the RegionsDrill of this session
RANKING_ROUND = "regions_ranking_round"  # bumped after a ranking click so the table forgets its selection
CLICK_EVENT = {"click": "function(params) { return params.name; }"}


def current_drill(filters: Filters) -> RegionsDrill:
    held: RegionsDrill | None = st.session_state.get(DRILL)
    drill = RegionsDrill.from_filters(filters) if held is None else held.synced(filters)
    st.session_state[DRILL] = drill
    return drill


def move(drill: RegionsDrill, filters: Filters | None = None) -> None:
    """Go to `drill` (and filter the whole cockpit when `filters` is given: the URL holds them), then rerun."""
    st.session_state[DRILL] = drill
    if filters is not None:
        sidebar.write_url_filters(filters)
        st.session_state.pop(sidebar.SYNCED, None)  # the sidebar re-seeds its widgets from the URL
    st.rerun()


def render_map(drill: RegionsDrill, values: pl.DataFrame, metric: MapMetric, period: Period, filters: Filters) -> None:
    if drill.province is not None and st.button("← 返回全国地图", key="regions-back"):
        move(*drill.back(filters))
    keys, numbers = values["key"].to_list(), values["value"].to_list()
    pairs = list(zip(keys, numbers, strict=True))
    style = {"value_label": metric.label, "unit": metric.unit, "lower_is_better": metric.lower_is_better}
    words = {"title": drill.map_title(metric), "subtitle": drill.map_subtitle(period)}
    try:
        if drill.province is None:
            chart = maps.build_china_map(pairs, **style, **words)
        else:
            chart = maps.build_province_map(drill.province, pairs, **style, **words)
        missing = geo.unmatched_regions(drill.province, keys)
        unknown_note = geo.unknown_region_note(keys, numbers)
    except geo.MapAssetsMissing as error:
        st.error(str(error))
        return
    key = f"regions-map-{chart.map_name}"
    event = st_echarts(
        chart.options, map=Map(chart.map_name, chart.geojson), events=CLICK_EVENT, height="600px", key=key
    )
    render_chart_downloads(chart, name=figure_title(chart, "区域地图"), key=key)
    clicked = getattr(event, "chart_event", None) if event is not None else None
    if clicked:
        target = drill.click_map(geo.map_name_to_province(str(clicked)))
        if target != drill:
            move(target)
    if missing:
        st.warning(f"以下地区在地图上没有对应的边界，未能着色（数值见右侧排名）：{'、'.join(missing)}")
    if unknown_note:
        st.caption(unknown_note)


def render_ranking(drill: RegionsDrill, values: pl.DataFrame, metric: MapMetric, filters: Filters) -> None:
    st.subheader(drill.ranking_heading(metric))
    st.caption("选中一行，驾驶舱各页面即筛选到该地区")
    table = rankings.build_ranking_table(values, metric.unit, with_volume=metric.id != "volume")
    round_no = st.session_state.get(RANKING_ROUND, 0)
    picked = st.dataframe(
        table,
        hide_index=True,
        height=560,
        on_select="rerun",
        selection_mode="single-row",
        column_config=table_columns.ranking_columns(metric.label, metric.unit),
        key=f"regions-ranking-{round_no}",
    )
    render_table_downloads(table, name=f"{drill.area}排名_{metric.label}", key="regions-ranking")
    rows = picked.selection.rows if picked is not None else []
    if rows:
        st.session_state[RANKING_ROUND] = round_no + 1
        move(drill, drill.pick_ranking_row(filters, table[rankings.REGION][rows[0]]))
    if filters.has_region_filter() and st.button("清除地区筛选", key="regions-clear"):
        move(*drill.clear(filters))


def render_heatmaps(specs: list[HeatmapSpec], version: str, filters: Filters, period: Period, metric_id: str,
                    province: str | None) -> None:  # fmt: skip
    """One tab per spec; the cells of a tab are computed (and cached) when the page runs."""
    for tab, spec in zip(st.tabs([spec.tab for spec in specs]), specs, strict=True):
        with tab:
            cells = regions_data.load_heatmap_cells(version, filters, period, spec.cells, metric_id, province)
            rows = list(spec.rows) if spec.rows else (heatmaps.order_by_total(cells, "row") if cells.height else [])
            columns = list(spec.columns) if spec.columns else None
            if spec.columns_by_total:
                columns = heatmaps.order_by_total(cells, "column") if cells.height else []
            options = heatmaps.build_heatmap(
                cells, title=spec.title, value_label=spec.value_label, unit=spec.unit, rows=rows, columns=columns,
                subtitle=spec.subtitle,
            )  # fmt: skip
            render_echarts_with_downloads(options, height=f"{heatmaps.heatmap_height(len(rows))}px", key=spec.key)
