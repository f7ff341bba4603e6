"""趋势分析: volume by month or quarter with last year overlaid (stacked by channel or business line),
then every KPI per month against its target; a table of the same numbers under every chart."""

from __future__ import annotations

import streamlit as st

from dashboard.app import components, data, sidebar
from dashboard.app.auth_gate import require_page
from dashboard.charts import trends
from dashboard.engine.i18n import dimension_label, metric_name, text
from dashboard.engine.metrics import get_metric
from dashboard.views import trends_view

require_page(__file__)
components.require_router()
components.apply_compact_style()
version = data.warehouse_version()
lang = sidebar.current_language()
st.title(text("trends", lang))
if version is None:
    components.render_missing_warehouse()
    st.stop()
if data.load_summary(version).is_empty:
    components.render_empty_warehouse()
    st.stop()

filters = sidebar.render_filters(version)
grain_col, stack_col = st.columns([1, 2])
grain = grain_col.radio(
    text("grain", lang),
    trends_view.GRAINS,
    format_func=lambda g: text(f"grain_{g}", lang),
    horizontal=True,
    key="trends-grain",
)
stack_by = stack_col.radio(
    text("stack_by", lang),
    [None, *trends_view.STACK_DIMENSIONS],
    format_func=lambda d: text("stack_none", lang) if d is None else dimension_label(d, lang),
    horizontal=True,
    key="trends-stack",
)

volume = data.load_volume_trend(version, filters, grain, stack_by)
if isinstance(volume, str):
    st.info(text("no_data_period", lang, reason=volume), icon=":material/info:")
    st.stop()
st.caption(text("trend_span", lang, span=trends_view.describe_span(volume.span, lang)))
components.render_chart_with_table(
    trends.build_volume_figure(volume.volumes, volume.last_year, text("volume_trend", lang), lang),
    trends_view.format_volume_table(volume, lang),
    key="trends-volume-by-bucket",
    lang=lang,
)

st.subheader(text("kpi_trends", lang))
if grain not in trends_view.KPI_GRAINS:
    st.caption(text("kpi_by_month_note", lang))
kpi_trends = data.load_kpi_trends(version, filters, grain)
if isinstance(kpi_trends, str):
    st.info(kpi_trends)
    st.stop()
for row_start in range(0, len(kpi_trends), 3):
    for column, trend in zip(st.columns(3, gap="medium"), kpi_trends[row_start : row_start + 3], strict=False):
        with column:
            metric = get_metric(trend.metric_id)
            title = metric_name(trend.metric_id, lang)
            if trend.figure == "yoy":
                title = f"{title} · {text('yoy_trend', lang)}"
            components.render_chart_with_table(
                trends.build_kpi_figure(
                    trend.points, title, trends_view.metric_unit(trend), metric.lower_is_better, lang
                ),
                trends_view.format_kpi_table(trend, lang),
                key=f"trends-kpi-{trend.metric_id}",
                lang=lang,
            )
