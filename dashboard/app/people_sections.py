"""Blocks of the 重点人员 page: the level cards and one person's timeline with their contact log."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import streamlit as st

from dashboard.app import components, risk_data
from dashboard.charts.timeline import build_timeline_figure
from dashboard.engine import watchlist
from dashboard.engine.formatting import format_count


def render_level_cards(people: pl.DataFrame) -> None:
    counts = watchlist.count_watchlist(people)
    for column, level in zip(st.columns(3, gap="small"), watchlist.WATCH_LEVELS, strict=True):
        with column, st.container(border=True):
            st.metric(f"{watchlist.WATCH_LABELS[level]}预警人员", f"{format_count(counts[level])} 人")
    st.caption(watchlist.describe_workload(people))


def render_person(version: str, person: dict[str, Any], used: date, rules: watchlist.WatchRules) -> None:
    """Why the person is listed, their cases on a time axis (each can be opened), then the contact log."""
    cases = risk_data.load_person_cases(version, person["complainant_key"], used)
    first, _last = rules.window(used)
    st.caption(
        f"{person['watch_label']}预警 · 列入原因：{person['reasons']} · 最近联系：{watchlist.describe_contact(person)}"
    )
    title = f"{person['name_masked'] or '客户'}（{person['short_id']}）的案件"
    components.render_chart_with_table(
        build_timeline_figure(cases, used, first, title), watchlist.format_person_cases(cases), key="watch-timeline"
    )
    opened = cases.sort("received_date", descending=True)["case_id"].to_list()
    components.render_case_opener(opened, key="watch-case")
    st.markdown("**联系记录（一人一档）**")
    contacts = risk_data.load_person_contacts(version, person["complainant_key"], used)
    if contacts.is_empty():
        st.caption("尚无联系记录：可按“联系记录”（--kind contacts）导入来电、上门、约谈、书面记录。")
    else:
        st.dataframe(watchlist.format_contacts(contacts), hide_index=True, key="watch-contacts")
