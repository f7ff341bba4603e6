"""趋势分析: volume by month or quarter with last year overlaid (stacked by channel or business line),
then every KPI per month against its target; a table of the same numbers under every chart."""

from __future__ import annotations

import streamlit as st

from dashboard.app import components, data
from dashboard.app.page_frame import page
from dashboard.charts import trends
from dashboard.engine.i18n import dimension_label, metric_name
from dashboard.engine.metrics import get_metric
from dashboard.views import trends_view

with page(__file__, "趋势分析", filters=True) as ctx:
    lang, filters = ctx.lang, ctx.filters
    grain_col, stack_col = st.columns([1, 2])
    grain = grain_col.radio(
        ctx.text("grain"),
        trends_view.GRAINS,
        format_func=lambda g: ctx.text(f"grain_{g}"),
        horizontal=True,
        key="trends-grain",
    )
    stack_by = stack_col.radio(
        ctx.text("stack_by"),
        [None, *trends_view.STACK_DIMENSIONS],
        format_func=lambda d: ctx.text("stack_none") if d is None else dimension_label(d, lang),
        horizontal=True,
        key="trends-stack",
    )

    volume = data.load_volume_trend(ctx.version, filters, grain, stack_by)
    if isinstance(volume, str):
        st.info(ctx.text("no_data_period", reason=volume), icon=":material/info:")
        st.stop()
    st.caption(ctx.text("trend_span", span=trends_view.describe_span(volume.span, lang)))
    components.render_chart_with_table(
        trends.build_volume_figure(volume.volumes, volume.last_year, ctx.text("volume_trend"), lang),
        trends_view.format_volume_table(volume, lang),
        key="trends-volume-by-bucket",
        lang=lang,
    )

    st.subheader(ctx.text("kpi_trends"))
    if grain not in trends_view.KPI_GRAINS:
        st.caption(ctx.text("kpi_by_month_note"))
    kpi_trends = data.load_kpi_trends(ctx.version, filters, grain)
    if isinstance(kpi_trends, str):
        st.info(kpi_trends)
        st.stop()
    for row_start in range(0, len(kpi_trends), 3):
        for column, trend in zip(st.columns(3, gap="medium"), kpi_trends[row_start : row_start + 3], strict=False):
            with column:
                metric = get_metric(trend.metric_id)
                title = metric_name(trend.metric_id, lang)
                if trend.figure == "yoy":
                    title = f"{title} · {ctx.text('yoy_trend')}"
                components.render_chart_with_table(
                    trends.build_kpi_figure(
                        trend.points, title, trends_view.metric_unit(trend), metric.lower_is_better, lang
                    ),
                    trends_view.format_kpi_table(trend, lang),
                    key=f"trends-kpi-{trend.metric_id}",
                    lang=lang,
                )
