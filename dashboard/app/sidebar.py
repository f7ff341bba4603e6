"""The global filter sidebar and the language switch, kept in the URL so a copied link reproduces the view.

Any page calls `filters = sidebar.render_filters(version)` once. The URL
(st.query_params, in the format of Filters.to_query_params) is the source of
truth: on the first run of a page the widgets are seeded from it, every change
of a widget is written back to it, and the reset button clears it. Switching
pages may drop the query string; the session remembers the last filters and
writes them back, so the filters follow the user from page to page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from dashboard.app import auth_gate as gate
from dashboard.app import components, data
from dashboard.engine.filters import LIST_FILTERS, Filters
from dashboard.engine.i18n import DEFAULT_LANGUAGE, LANGUAGES, comparison_label, preset_label, text
from dashboard.engine.kpi_source import FilterOptions
from dashboard.engine.periods import COMPARISONS, PRESETS, Period

PREFIX = "flt."
SYNCED = "flt._synced"  # the Filters last written to the widgets and the URL
AS_OF = "flt._as_of"  # the latest 受理日期 the presets were read against
SEEDED_PAGE = "flt._seeded_page"
LANG_PARAM = "lang"
LANG_KEY = "ui.lang"
LANG_SYNCED = "ui._lang"
# Every URL key Filters writes (so a rewrite never touches other pages' parameters such as lang).
FILTER_PARAMS = ("preset", "from", "to", "cmp", "group", "referred", *(key for key, _ in LIST_FILTERS.values()))
MODE_PROVINCE, MODE_GROUP = "province", "group"

K_PRESET = PREFIX + "preset"
K_RANGE = PREFIX + "range"
K_CMP = PREFIX + "cmp"
K_MODE = PREFIX + "region_mode"
K_PROVINCES = PREFIX + "provinces"
K_CITIES = PREFIX + "cities"
K_GROUP = PREFIX + "group"
K_LINES = PREFIX + "business_lines"
K_PRODUCTS = PREFIX + "products"
K_CHANNELS = PREFIX + "channels"
K_DEPARTMENTS = PREFIX + "departments"
K_VULNERABLE = PREFIX + "vulnerable_groups"
K_REFERRED = PREFIX + "referred"
WIDGET_KEYS = (
    K_PRESET, K_RANGE, K_CMP, K_MODE, K_PROVINCES, K_CITIES, K_GROUP,
    K_LINES, K_PRODUCTS, K_CHANNELS, K_DEPARTMENTS, K_VULNERABLE, K_REFERRED,
)  # fmt: skip


# ---- language -------------------------------------------------------------------------------
def current_language() -> str:
    """zh or en, from the URL (or the session when a page switch dropped the query string)."""
    lang = st.query_params.get(LANG_PARAM)
    if lang in LANGUAGES:
        return lang
    return st.session_state.get(LANG_SYNCED, DEFAULT_LANGUAGE)


def _on_language_change() -> None:
    _write_language(st.session_state.get(LANG_KEY) or DEFAULT_LANGUAGE)


def _write_language(lang: str) -> None:
    st.session_state[LANG_SYNCED] = lang
    if lang == DEFAULT_LANGUAGE:
        st.query_params.pop(LANG_PARAM, None)
    else:
        st.query_params[LANG_PARAM] = lang


def render_language_switch() -> str:
    """中文 / English radio in the sidebar; the choice is part of the URL."""
    lang = current_language()
    if st.session_state.get(LANG_KEY) != lang:
        st.session_state[LANG_KEY] = lang
    if (st.query_params.get(LANG_PARAM) or DEFAULT_LANGUAGE) != lang:
        _write_language(lang)  # a page switch dropped it
    st.session_state[LANG_SYNCED] = lang
    st.radio(
        "语言 / Language",
        list(LANGUAGES),
        format_func=LANGUAGES.get,
        horizontal=True,
        key=LANG_KEY,
        on_change=_on_language_change,
        label_visibility="collapsed",
    )
    if lang != DEFAULT_LANGUAGE:  # the switch is limited on purpose (docs/design.md, "Language switch")
        st.caption(text("language_scope", lang))
    return lang


def _current_page() -> str:
    """Which page is running (its script hash), so the filter widgets of a newly opened page are seeded."""
    ctx = get_script_run_ctx()
    return "" if ctx is None else ctx.page_script_hash


# ---- filters <-> URL ------------------------------------------------------------------------
def _has_filter_params() -> bool:
    return any(key in st.query_params for key in FILTER_PARAMS)


def read_url_filters() -> Filters:
    """The filters in the URL; after a page switch that dropped the query string, the session's."""
    synced: Filters | None = st.session_state.get(SYNCED)
    if synced is not None and not _has_filter_params():
        return synced
    return Filters.from_query_params(st.query_params.to_dict())


def write_url_filters(filters: Filters) -> None:
    """Rewrite only the filter parameters (other parameters, e.g. lang, stay)."""
    wanted = filters.to_query_params()
    current = {key: st.query_params.get(key) for key in FILTER_PARAMS if key in st.query_params}
    if current != wanted:
        for key in FILTER_PARAMS:
            if key in st.query_params and key not in wanted:
                del st.query_params[key]
        for key, value in wanted.items():
            if st.query_params.get(key) != value:
                st.query_params[key] = value
    st.session_state[SYNCED] = filters


def seed_widgets(filters: Filters, as_of: date | None) -> None:
    """Put the filters into the widgets' session state (before the widgets are created)."""
    state = st.session_state
    state[K_PRESET] = filters.preset
    state[K_RANGE] = _range_value(filters, as_of)
    state[K_CMP] = filters.comparison
    state[K_MODE] = MODE_GROUP if filters.region_group else MODE_PROVINCE
    state[K_PROVINCES] = list(filters.provinces)
    state[K_CITIES] = list(filters.cities)
    state[K_GROUP] = filters.region_group
    state[K_LINES] = list(filters.business_lines)
    state[K_PRODUCTS] = list(filters.products)
    state[K_CHANNELS] = list(filters.channels)
    state[K_DEPARTMENTS] = list(filters.departments)
    state[K_VULNERABLE] = list(filters.vulnerable_groups)
    state[K_REFERRED] = filters.referred_only


def _range_value(filters: Filters, as_of: date | None) -> tuple[date, date] | tuple[()]:
    """The custom range as the date picker shows it (inclusive last day)."""
    if filters.preset == "custom" and filters.start and filters.end:
        return (filters.start, filters.end - timedelta(days=1))
    if as_of is None:
        return ()
    period = filters.period(as_of) if filters.preset != "custom" else None
    return () if period is None else (period.start, period.last_day)


def read_widgets(issues: tuple[str, ...]) -> Filters:
    """The filters the widgets hold now (issues have no widget: they come from the URL unchanged)."""
    state = st.session_state
    preset = state.get(K_PRESET) or Filters().preset
    filters = Filters(
        preset=preset,
        comparison=state.get(K_CMP) or "yoy",
        business_lines=tuple(state.get(K_LINES) or ()),
        products=tuple(state.get(K_PRODUCTS) or ()),
        issues=issues,
        channels=tuple(state.get(K_CHANNELS) or ()),
        departments=tuple(state.get(K_DEPARTMENTS) or ()),
        vulnerable_groups=tuple(state.get(K_VULNERABLE) or ()),
        referred_only=bool(state.get(K_REFERRED)),
    )
    if state.get(K_MODE) == MODE_GROUP:
        filters = replace(filters, region_group=state.get(K_GROUP) or None)
    else:
        provinces = tuple(state.get(K_PROVINCES) or ())
        # Cities are offered only under chosen provinces; a stale city list of a hidden widget is ignored.
        filters = replace(filters, provinces=provinces, cities=tuple(state.get(K_CITIES) or ()) if provinces else ())
    if preset == "custom":
        picked = state.get(K_RANGE) or ()
        if len(picked) == 2:
            filters = filters.with_custom_period(Period(picked[0], picked[1] + timedelta(days=1)))
        else:  # half-picked range: keep the last complete one
            synced: Filters | None = state.get(SYNCED)
            if synced is not None and synced.preset == "custom":
                filters = replace(filters, preset="custom", start=synced.start, end=synced.end)
            else:
                filters = replace(filters, preset=Filters().preset)
    return filters


def _on_preset_change() -> None:
    """Choosing 自定义 starts from the dates of the preset shown until now."""
    if st.session_state.get(K_PRESET) != "custom":
        return
    synced: Filters = st.session_state.get(SYNCED) or Filters()
    st.session_state[K_RANGE] = _range_value(synced, st.session_state.get(AS_OF))


def reset_filters() -> None:
    """One-click reset: every filter back to its default, the URL without filter parameters."""
    for key in WIDGET_KEYS:
        st.session_state.pop(key, None)
    write_url_filters(Filters())


def _with_selected(options: Sequence[str], selected: Sequence[str]) -> list[str]:
    # A value from a link that the data no longer has stays selectable (and visible) instead of failing.
    return list(dict.fromkeys([*options, *selected]))


# ---- the sidebar ----------------------------------------------------------------------------
def render_filters(version: str) -> Filters:
    """The global filter sidebar of every analysis page; returns the filters in force."""
    components.require_router()
    lang = current_language()
    options = gate.bound_options(data.load_filter_options(version))
    coverage = data.load_coverage(version)
    as_of = None if coverage is None else coverage[1]
    url = read_url_filters()
    st.session_state[AS_OF] = as_of
    # A page's widgets are new widgets even under the same keys: seed them on every page change.
    page = _current_page()
    if (
        st.session_state.get(SYNCED) != url
        or K_PRESET not in st.session_state
        or st.session_state.get(SEEDED_PAGE) != page
    ):
        seed_widgets(url, as_of)
        st.session_state[SEEDED_PAGE] = page
    with st.sidebar:
        st.markdown(f"**{text('filters', lang)}**")
        _render_widgets(options, lang)
        st.button(
            text("reset", lang),
            icon=":material/restart_alt:",
            on_click=reset_filters,
            width="stretch",
            key=PREFIX + "reset",
        )
        st.caption(text("copy_link_hint", lang))
    # Risk levels have no widget either: a link from a breakdown row (risk=高) keeps its filter.
    filters = replace(read_widgets(url.issues), risk_levels=url.risk_levels)
    write_url_filters(filters)
    return gate.enforce_filters(filters)  # the role's page check, region binding, audit


def _render_widgets(options: FilterOptions, lang: str) -> None:
    state = st.session_state
    all_label = text("all", lang)
    st.selectbox(
        text("period", lang),
        list(PRESETS),
        format_func=lambda p: preset_label(p, lang),
        key=K_PRESET,
        on_change=_on_preset_change,
    )
    if state.get(K_PRESET) == "custom":
        st.date_input(text("custom_range", lang), key=K_RANGE, format="YYYY-MM-DD")
    st.radio(
        text("comparison", lang),
        list(COMPARISONS),
        format_func=lambda c: comparison_label(c, lang),
        horizontal=True,
        key=K_CMP,
    )
    st.radio(
        text("region_mode", lang),
        [MODE_PROVINCE, MODE_GROUP],
        format_func=lambda m: text(f"region_mode_{m}", lang),
        horizontal=True,
        key=K_MODE,
    )
    if state.get(K_MODE) == MODE_GROUP:
        st.selectbox(
            text("region_group", lang),
            _with_selected(options.region_groups, [state[K_GROUP]] if state.get(K_GROUP) else []),
            index=None,
            placeholder=all_label,
            key=K_GROUP,
        )
    else:
        provinces = state.get(K_PROVINCES) or []
        st.multiselect(
            text("province", lang), _with_selected(options.provinces, provinces), key=K_PROVINCES, placeholder=all_label
        )
        if provinces:
            cities = [c for p in provinces for c in options.cities_by_province.get(p, [])]
            st.multiselect(
                text("city", lang),
                _with_selected(cities, state.get(K_CITIES) or []),
                key=K_CITIES,
                placeholder=all_label,
            )
    lines = state.get(K_LINES) or []
    st.multiselect(
        text("business_line", lang), _with_selected(options.business_lines, lines), key=K_LINES, placeholder=all_label
    )
    products = [p for line in (lines or options.business_lines) for p in options.products_by_line.get(line, [])]
    st.multiselect(
        text("product", lang),
        _with_selected(products, state.get(K_PRODUCTS) or []),
        key=K_PRODUCTS,
        placeholder=all_label,
    )
    for label, key, values in (
        ("channel", K_CHANNELS, options.channels),
        ("department", K_DEPARTMENTS, options.departments),
        ("vulnerable_group", K_VULNERABLE, options.vulnerable_groups),
    ):
        st.multiselect(text(label, lang), _with_selected(values, state.get(key) or []), key=key, placeholder=all_label)
    st.toggle(text("referred_only", lang), key=K_REFERRED)
