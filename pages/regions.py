"""区域分析: where complaints come from — China map with drill-down, ranking, city clusters, heatmaps.

Everything is drawn from local files (assets/maps) and the warehouse: no request leaves the machine. A click on
a province drills into its cities; a row of the ranking filters the whole cockpit (URL query parameters) to that
region. The drill state and the heatmap specs are dashboard/views/regions_page.py.
"""

from __future__ import annotations

import streamlit as st

from dashboard.app import regions_data
from dashboard.app.export_buttons import render_echarts_with_downloads
from dashboard.app.page_frame import page
from dashboard.app.region_map import current_drill, render_heatmaps, render_map, render_ranking
from dashboard.charts import region_groups
from dashboard.engine.safe_text import escape_markdown
from dashboard.views.regions_page import heatmap_specs
from dashboard.views.regions_view import HEATMAP_METRICS, MAP_METRICS, describe_group_shares

with page(__file__, "区域分析", filters=True) as ctx:
    version, filters = ctx.version, ctx.filters
    period = regions_data.load_period(version, filters)
    drill = current_drill(filters)
    st.caption(f"期间：{period.label()}" + "".join(f"　{escape_markdown(line)}" for line in filters.describe()))
    st.markdown(f"当前范围：**{drill.scope}**")

    metric_id = st.segmented_control(
        "着色指标",
        list(MAP_METRICS),
        format_func=lambda k: MAP_METRICS[k].label,
        default="volume",
        key="regions_metric",
    )
    metric = MAP_METRICS[metric_id or "volume"]
    values = regions_data.load_region_values(version, filters, period, metric.id, drill.province)
    map_col, rank_col = st.columns([11, 9], gap="medium")
    with map_col:
        render_map(drill, values, metric, period, filters)
    with rank_col:
        render_ranking(drill, values, metric, filters)

    st.subheader("城市群")
    shares = regions_data.load_group_shares(version, filters, period)
    sentence = describe_group_shares(shares)
    if sentence:
        st.markdown(f"**{sentence}**")
    render_echarts_with_downloads(
        region_groups.build_group_share_bars(
            shares, title="各城市群占投诉量与高风险案件的比例", subtitle=period.label()
        ),
        height=f"{max(260, 110 + 56 * shares.height)}px",
        key="regions-groups",
    )

    st.subheader("热力图")
    heat_id = st.segmented_control(
        "热力图指标", list(HEATMAP_METRICS), format_func=lambda k: MAP_METRICS[k].label, default="volume",
        key="regions_heat_metric",
    )  # fmt: skip
    heat = MAP_METRICS[heat_id or "volume"]
    specs = heatmap_specs(drill, heat, period)
    render_heatmaps(specs, version, filters, period, heat.id, drill.province)
