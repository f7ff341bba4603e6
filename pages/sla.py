"""时效与红黄牌: the overdue list the center works from, on-time closure by deadline type, stage clocks and cards."""

from __future__ import annotations

import streamlit as st

from dashboard.app import alerts_data, components, sla_sections
from dashboard.app.page_frame import page
from dashboard.auth.access import bound_provinces
from dashboard.engine.safe_text import escape_markdown
from dashboard.engine.sla import horizon_days

with page(__file__, "时效与红黄牌", filters=True) as ctx:
    version, filters = ctx.version, ctx.filters
    latest = alerts_data.load_as_of(version)
    if latest is None:
        components.render_empty_warehouse()
        st.stop()
    day = st.date_input(
        "判断日期",
        value=latest.date(),
        key="sla-as-of",
        help="默认为数据中最新的时间；改为更早的日期可回看当时的超期情况和红黄牌。",
    )
    as_of = alerts_data.load_as_of(version, None if day == latest.date() else day)
    st.caption(
        f"数据截至 {as_of:%Y-%m-%d %H:%M}。" + "".join(f"　{escape_markdown(line)}" for line in filters.describe())
    )

    sla_sections.render_overdue(version, filters, as_of, horizon_days())
    period = filters.period(ctx.latest)
    sla_sections.render_backlog(version, filters, period)
    sla_sections.render_on_time(version, filters, period)
    cards = alerts_data.load_cards(version, as_of, filters.departments, bound_provinces())
    sla_sections.render_stage_clocks(cards, as_of)
    sla_sections.render_cards(cards)
