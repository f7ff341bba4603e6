"""The global filter sidebar: every widget writes the URL in Filters' format, and the URL seeds the widgets."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
from streamlit.testing.v1 import AppTest

from dashboard.engine.filters import Filters
from dashboard.engine.kpi_source import list_filter_options
from tests import cockpit_support as support

APP = support.PROJECT_ROOT / "streamlit_app.py"


def open_app(params: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120)
    if params:
        at.query_params.update(params)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def url_filters(at: AppTest) -> Filters:
    return Filters.from_query_params(dict(at.query_params))


def options(db: Path):
    with duckdb.connect(str(db), read_only=True) as con:
        return list_filter_options(con)


def test_hierarchies_province_city_and_line_product(serve_demo: Path) -> None:
    choices = options(serve_demo)
    province = next(p for p, cities in choices.cities_by_province.items() if cities)
    city = choices.cities_by_province[province][0]
    line = choices.business_lines[0]
    product = choices.products_by_line[line][0]
    at = open_app()
    at.multiselect(key="flt.provinces").select(province).run()
    # Cities offered are those of the chosen province only.
    assert set(at.multiselect(key="flt.cities").options) == set(choices.cities_by_province[province])
    at.multiselect(key="flt.cities").select(city).run()
    at.multiselect(key="flt.business_lines").select(line).run()
    assert set(at.multiselect(key="flt.products").options) == set(choices.products_by_line[line])
    at.multiselect(key="flt.products").select(product).run()
    assert url_filters(at) == Filters(
        provinces=(province,), cities=(city,), business_lines=(line,), products=(product,)
    )
    # Taking the province away drops its city from the filters.
    at.multiselect(key="flt.provinces").unselect(province).run()
    assert url_filters(at).cities == () and url_filters(at).provinces == ()


def test_region_group_mode_replaces_provinces(serve_demo: Path) -> None:
    groups = options(serve_demo).region_groups
    at = open_app({"province": "广东省"})
    assert at.multiselect(key="flt.provinces").value == ["广东省"]
    at.radio(key="flt.region_mode").set_value("group").run()
    if groups:
        at.selectbox(key="flt.group").select(groups[0]).run()
        assert url_filters(at) == Filters(region_group=groups[0])
    else:
        assert url_filters(at) == Filters()


def test_custom_range_starts_from_the_shown_preset_and_is_kept_in_the_url(serve_demo: Path) -> None:
    at = open_app({"preset": "last_full_quarter"})
    at.selectbox(key="flt.preset").select("custom").run()
    start, last = at.date_input(key="flt.range").value
    assert url_filters(at) == Filters(preset="custom", start=start, end=last + timedelta(days=1))
    assert start.day == 1 and start.month in (1, 4, 7, 10)  # the quarter it came from
    at.date_input(key="flt.range").set_value((date(2026, 1, 1), date(2026, 3, 31))).run()
    assert dict(at.query_params)["from"] == "2026-01-01" and dict(at.query_params)["to"] == "2026-04-01"
    reopened = open_app(dict(at.query_params))
    assert reopened.date_input(key="flt.range").value == (date(2026, 1, 1), date(2026, 3, 31))


def test_referred_vulnerable_department_and_comparison(serve_demo: Path) -> None:
    choices = options(serve_demo)
    at = open_app()
    at.toggle(key="flt.referred").set_value(True).run()
    at.radio(key="flt.cmp").set_value("pop").run()
    expected = Filters(referred_only=True, comparison="pop")
    if choices.departments:
        at.multiselect(key="flt.departments").select(choices.departments[0]).run()
        expected = Filters(referred_only=True, comparison="pop", departments=(choices.departments[0],))
    if choices.vulnerable_groups:
        at.multiselect(key="flt.vulnerable_groups").select(choices.vulnerable_groups[0]).run()
        expected = Filters(**{**expected.__dict__, "vulnerable_groups": (choices.vulnerable_groups[0],)})
    assert url_filters(at) == expected


def test_unusable_url_values_fall_back_and_keep_other_parameters(serve_demo: Path) -> None:
    at = open_app({"preset": "next_century", "cmp": "sideways", "lang": "en"})
    assert at.selectbox(key="flt.preset").value == Filters().preset
    assert at.radio(key="flt.cmp").value == "yoy"
    assert dict(at.query_params) == {"lang": "en"}
