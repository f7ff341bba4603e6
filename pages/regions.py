"""区域分析: where complaints come from — China map with drill-down, ranking, city clusters, heatmaps.

Everything is drawn from local files (assets/maps) and the warehouse: no request
leaves the machine. A click on a province drills into its cities; a row of the
ranking filters the whole cockpit (URL query parameters) to that region.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st
from streamlit_echarts import Map, st_echarts

from dashboard.app import components, regions_data, sidebar, table_columns
from dashboard.app.auth_gate import require_page
from dashboard.app.export_buttons import (
    figure_title,
    render_chart_downloads,
    render_echarts_with_downloads,
    render_table_downloads,
)
from dashboard.charts import geo, heatmaps, maps, rankings, region_groups
from dashboard.engine.filters import Filters
from dashboard.engine.periods import month_key
from dashboard.engine.safe_text import escape_markdown
from dashboard.views.regions_view import (
    HEATMAP_METRICS,
    MAP_METRICS,
    WEEKDAYS,
    describe_group_shares,
    level_of,
    trend_periods,
)

require_page(__file__)
DRILL = "regions_province"  # the province whose cities are shown (None: all of China)
FILTER_PROVINCE = "regions_filter_province"  # the single province of the filters when DRILL was last set
RANKING_ROUND = "regions_ranking_round"  # bumped after a ranking click so the table forgets its selection
CLICK_EVENT = {"click": "function(params) { return params.name; }"}

st.title("区域分析")
version = components.require_loaded_warehouse()

filters = sidebar.render_filters(version)
period = regions_data.load_period(version, filters)
if period is None:
    components.render_empty_warehouse()
    st.stop()


def apply_filters(new: Filters) -> None:
    """Filter the whole cockpit: the URL holds the filters; the sidebar re-seeds its widgets from it."""
    sidebar.write_url_filters(new)
    st.session_state.pop(sidebar.SYNCED, None)


# A single province in the cockpit's filters opens its city map; a map click drills without filtering.
single = filters.provinces[0] if len(filters.provinces) == 1 else None
if DRILL not in st.session_state or st.session_state.get(FILTER_PROVINCE) != single:
    st.session_state[DRILL] = single
    st.session_state[FILTER_PROVINCE] = single
province: str | None = st.session_state[DRILL]

st.caption(f"期间：{period.label()}" + "".join(f"　{escape_markdown(line)}" for line in filters.describe()))
st.markdown(f"当前范围：**{province or '全国'}**")

metric_id = st.segmented_control(
    "着色指标",
    options=list(MAP_METRICS),
    format_func=lambda key: MAP_METRICS[key].label,
    default="volume",
    key="regions_metric",
)
metric = MAP_METRICS[metric_id or "volume"]

values = regions_data.load_region_values(version, filters, period, metric.id, province)
map_col, rank_col = st.columns([11, 9], gap="medium")

with map_col:
    if province is not None and st.button("← 返回全国地图", key="regions-back"):
        st.session_state[DRILL] = None
        if filters.provinces == (province,):
            apply_filters(replace(filters, provinces=(), cities=()))
        st.rerun()
    pairs = list(zip(values["key"].to_list(), values["value"].to_list(), strict=True))
    subtitle = (
        f"{period.label()}　浅灰：无数据　点击省份查看各城市" if province is None else f"{period.label()}　浅灰：无数据"
    )
    try:
        if province is None:
            chart = maps.build_china_map(
                pairs,
                value_label=metric.label,
                unit=metric.unit,
                lower_is_better=metric.lower_is_better,
                title=f"区域热力：{metric.label}",
                subtitle=subtitle,
            )
        else:
            chart = maps.build_province_map(
                province,
                pairs,
                value_label=metric.label,
                unit=metric.unit,
                lower_is_better=metric.lower_is_better,
                title=f"{province}各城市：{metric.label}",
                subtitle=subtitle,
            )
        missing = geo.unmatched_regions(province, values["key"].to_list())
        unknown_note = geo.unknown_region_note(values["key"].to_list(), values["value"].to_list())
    except geo.MapAssetsMissing as error:
        st.error(str(error))
    else:
        event = st_echarts(
            chart.options,
            map=Map(chart.map_name, chart.geojson),
            events=CLICK_EVENT,
            height="600px",
            key=f"regions-map-{chart.map_name}",
        )
        render_chart_downloads(chart, name=figure_title(chart, "区域地图"), key=f"regions-map-{chart.map_name}")
        clicked = getattr(event, "chart_event", None) if event is not None else None
        if province is None and clicked:
            target = geo.map_name_to_province(str(clicked))
            if target is not None:
                st.session_state[DRILL] = target
                st.rerun()
        if missing:
            st.warning(f"以下地区在地图上没有对应的边界，未能着色（数值见右侧排名）：{'、'.join(missing)}")
        if unknown_note:
            st.caption(unknown_note)

with rank_col:
    st.subheader(f"{'省份' if province is None else '城市'}排名：{metric.label}")
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
    render_table_downloads(
        table, name=f"{'省份' if province is None else '城市'}排名_{metric.label}", key="regions-ranking"
    )
    rows = picked.selection.rows if picked is not None else []
    if rows:
        region = table[rankings.REGION][rows[0]]
        st.session_state[RANKING_ROUND] = round_no + 1
        if province is None:
            apply_filters(replace(filters, provinces=(region,), cities=(), region_group=None))
        else:
            apply_filters(replace(filters, provinces=(province,), cities=(region,), region_group=None))
        st.rerun()
    if filters.has_region_filter() and st.button("清除地区筛选", key="regions-clear"):
        st.session_state[DRILL] = None
        apply_filters(replace(filters, provinces=(), cities=(), region_group=None))
        st.rerun()

st.subheader("城市群")
shares = regions_data.load_group_shares(version, filters, period)
sentence = describe_group_shares(shares)
if sentence:
    st.markdown(f"**{sentence}**")
render_echarts_with_downloads(
    region_groups.build_group_share_bars(shares, title="各城市群占投诉量与高风险案件的比例", subtitle=period.label()),
    height=f"{max(260, 110 + 56 * shares.height)}px",
    key="regions-groups",
)

st.subheader("热力图")
heat_metric_id = st.segmented_control(
    "热力图指标",
    options=list(HEATMAP_METRICS),
    format_func=lambda key: MAP_METRICS[key].label,
    default="volume",
    key="regions_heat_metric",
)
heat = MAP_METRICS[heat_metric_id or "volume"]
area = "省份" if level_of(province) == "province" else "城市"
tabs = st.tabs([f"{area} × 月份", f"{area} × 业务条线", "产品 × 问题类型", "星期 × 受理时段"])

with tabs[0]:
    trend = regions_data.load_region_trend(version, filters, period, heat.id, province)
    months = [month_key(p.start) for p in trend_periods(period)]
    rows_order = heatmaps.order_by_total(trend, "key") if trend.height else []
    render_echarts_with_downloads(
        heatmaps.build_heatmap(
            trend.rename({"key": "row", "month": "column"}),
            title=f"{area} × 月份：{heat.label}",
            value_label=heat.label,
            unit=heat.unit,
            rows=rows_order,
            columns=months,
            subtitle="近12个月",
        ),
        height=f"{heatmaps.heatmap_height(len(rows_order))}px",
        key="regions-heat-month",
    )
with tabs[1]:
    cells = regions_data.load_region_by_line(version, filters, period, heat.id, province)
    rows_order = heatmaps.order_by_total(cells, "row") if cells.height else []
    render_echarts_with_downloads(
        heatmaps.build_heatmap(
            cells,
            title=f"{area} × 业务条线：{heat.label}",
            value_label=heat.label,
            unit=heat.unit,
            rows=rows_order,
            subtitle=period.label(),
        ),
        height=f"{heatmaps.heatmap_height(len(rows_order))}px",
        key="regions-heat-line",
    )
with tabs[2]:
    cells = regions_data.load_product_by_issue(version, filters, period)
    rows_order = heatmaps.order_by_total(cells, "row") if cells.height else []
    columns_order = heatmaps.order_by_total(cells, "column") if cells.height else []
    render_echarts_with_downloads(
        heatmaps.build_heatmap(
            cells,
            title="产品 × 问题类型：投诉量",
            value_label="投诉量",
            unit="count",
            rows=rows_order,
            columns=columns_order,
            subtitle=period.label(),
        ),
        height=f"{heatmaps.heatmap_height(len(rows_order))}px",
        key="regions-heat-issue",
    )
with tabs[3]:
    cells = regions_data.load_weekday_by_hour(version, filters, period)
    render_echarts_with_downloads(
        heatmaps.build_heatmap(
            cells,
            title="星期 × 受理时段：投诉量（用于电话与来访窗口排班）",
            value_label="投诉量",
            unit="count",
            rows=list(WEEKDAYS),
            columns=[f"{hour}时" for hour in range(24)],
            subtitle=period.label(),
        ),
        height=f"{heatmaps.heatmap_height(len(WEEKDAYS))}px",
        key="regions-heat-hour",
    )
