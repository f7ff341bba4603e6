"""The shared filter state: URL round trip, reset, and the SQL it becomes (run on a real DuckDB file)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import duckdb
import polars as pl
import pytest

from dashboard.engine.filters import Filters
from dashboard.engine.periods import DEFAULT_PRESET, Period
from tests.reference.kpi_frames import build_case_frame
from tests.reference.star_schema import write_star_schema

FULL = Filters(
    preset="custom",
    start=date(2024, 3, 5),
    end=date(2024, 6, 1),
    comparison="pop",
    provinces=("广东省", "浙江省"),
    cities=("深圳市",),
    region_group="粤港澳大湾区",
    business_lines=("信用卡",),
    products=("信用卡分期", "房抵贷"),
    issues=("息费争议",),
    channels=("来访",),
    departments=("零售部",),
    vulnerable_groups=("老年人",),
    risk_levels=("高",),
    referred_only=True,
)


@pytest.mark.parametrize("filters", [Filters(), FULL, Filters(preset="this_month", channels=("监管转办", "电话"))])
def test_query_params_round_trip_through_a_real_url(filters: Filters) -> None:
    query = urlencode(filters.to_query_params())
    parsed = {key: values for key, values in parse_qs(query).items()}
    assert Filters.from_query_params(parsed) == filters


def test_defaults_write_an_empty_query_string_and_reset_clears_everything() -> None:
    assert Filters().to_query_params() == {}
    assert FULL.reset() == Filters() and FULL.reset().is_default()
    assert not FULL.is_default()


def test_a_preset_stays_a_preset_in_the_url() -> None:
    params = Filters(preset="this_quarter", start=date(2024, 1, 1), end=date(2024, 2, 1)).to_query_params()
    assert params == {"preset": "this_quarter"}


def test_bad_or_unknown_params_fall_back_to_defaults() -> None:
    filters = Filters.from_query_params({"preset": "someday", "cmp": "x", "colour": "red", "referred": "maybe"})
    assert filters == Filters()
    broken_range = Filters.from_query_params({"preset": "custom", "from": "2024-05-01", "to": "2024-04-01"})
    assert broken_range.preset == DEFAULT_PRESET


def test_url_values_are_canonicalised_and_accept_repeated_keys() -> None:
    filters = Filters.from_query_params({"province": ["广东", "浙江省,广东省"], "city": "深圳", "channel": " 来访 "})
    assert filters.provinces == ("广东省", "浙江省")
    assert filters.cities == ("深圳市",)
    assert filters.channels == ("来访",)


def test_custom_period_and_presets() -> None:
    assert FULL.period(None) == Period(date(2024, 3, 5), date(2024, 6, 1))
    assert Filters(preset="this_month").period(date(2024, 7, 14)) == Period(date(2024, 7, 1), date(2024, 7, 15))
    with pytest.raises(ValueError, match="没有案件"):
        Filters().period(None)


def test_with_where_builds_filters_like_the_cli() -> None:
    filters = Filters().with_where("province", "广东").with_where("province", "浙江").with_where("referred", "是")
    assert filters.provinces == ("广东省", "浙江省") and filters.referred_only
    assert filters.with_where("region_group", "长三角").region_group == "长三角"
    with pytest.raises(ValueError, match="不能按"):
        filters.with_where("month", "2024-07")
    with pytest.raises(ValueError, match="是 或 否"):
        filters.with_where("referred", "perhaps")


def test_risk_level_is_a_where_dimension_like_its_breakdown() -> None:
    assert Filters().with_where("risk_level", "high").with_where("risk_level", "中").risk_levels == ("高", "中")
    assert Filters.from_query_params({"risk": "high,低"}).risk_levels == ("高", "低")
    assert Filters(risk_levels=("高",)).to_query_params() == {"risk": "高"}
    assert "风险等级：高" in Filters(risk_levels=("高",)).describe()


def _selected(path: Path, filters: Filters) -> set[str]:
    where, params = filters.to_sql_where("v")
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            row[0] for row in con.sql(f"SELECT case_id FROM v_complaint AS v WHERE {where}", params=params).fetchall()
        }
    finally:
        con.close()


CASES = [
    dict(
        case_id="a",
        province="广东省",
        city="深圳市",
        region_key=1,
        business_line="信用卡",
        product="信用卡分期",
        issue="息费争议",
        channel="来访",
        department="零售部",
        vulnerable_group="老年人",
        is_regulator_referred=True,
    ),
    dict(
        case_id="b",
        province="广东省",
        city="广州市",
        region_key=2,
        business_line="信用卡",
        product="房抵贷",
        issue="催收方式",
        channel="电话",
        department=None,
        vulnerable_group=None,
        is_regulator_referred=False,
    ),
    dict(
        case_id="c",
        province="浙江省",
        city="杭州市",
        region_key=3,
        business_line="零售信贷",
        product="房抵贷",
        issue="息费争议",
        channel="来访",
        department="零售部",
        vulnerable_group="老年人",
        is_regulator_referred=False,
    ),
    dict(
        case_id="d",
        province="香港特别行政区",
        city=None,
        region_key=4,
        business_line="零售信贷",
        product="借记卡",
        issue="息费争议",
        channel="网络",
        department="零售部",
        vulnerable_group=None,
        is_regulator_referred=True,
    ),
    dict(
        case_id="e",
        province="广东省",
        city="深圳市",
        region_key=1,
        business_line="信用卡",
        product="信用卡分期",
        issue="息费争议",
        channel="来访",
        department="零售部",
        vulnerable_group="老年人",
        is_regulator_referred=None,
    ),
]


@pytest.fixture
def small_warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "filters.duckdb"
    groups = pl.DataFrame({"region_group": ["粤港澳大湾区"] * 3 + ["长三角"], "region_key": [1, 2, 4, 3]})
    con = duckdb.connect(str(path))
    write_star_schema(con, build_case_frame([{"received_date": date(2024, 7, 1), **c} for c in CASES]), None, groups)
    con.close()
    return path


def test_sql_where_selects_the_same_cases_as_the_filters_say(small_warehouse: Path) -> None:
    assert _selected(small_warehouse, Filters()) == {"a", "b", "c", "d", "e"}
    assert _selected(small_warehouse, Filters(provinces=("广东省",))) == {"a", "b", "e"}
    assert _selected(small_warehouse, Filters(region_group="粤港澳大湾区")) == {"a", "b", "d", "e"}
    assert _selected(small_warehouse, Filters(products=("房抵贷",), channels=("来访",))) == {"c"}
    assert _selected(small_warehouse, Filters(referred_only=True)) == {"a", "d"}
    assert _selected(
        small_warehouse, Filters(departments=("零售部",), vulnerable_groups=("老年人",), region_group="粤港澳大湾区")
    ) == {"a", "e"}


def test_sql_values_travel_as_parameters_never_in_the_text(small_warehouse: Path) -> None:
    hostile = "x') OR TRUE --"
    filters = Filters(products=(hostile,), region_group=hostile)
    where, params = filters.to_sql_where("f")
    assert hostile not in where
    assert hostile in params.values()
    assert _selected(small_warehouse, filters) == set()


def test_polars_expression_matches_the_sql(small_warehouse: Path) -> None:
    con = duckdb.connect(str(small_warehouse), read_only=True)
    frame = con.sql("SELECT * FROM v_complaint").pl()  # names, as FrameSource sees cases
    con.close()
    for filters in (
        Filters(provinces=("广东省",), referred_only=True),
        Filters(channels=("来访",), issues=("息费争议",)),
    ):
        expected = _selected(small_warehouse, filters)
        assert set(frame.filter(filters.to_polars_expr())["case_id"]) == expected


def test_every_risk_level_row_of_a_breakdown_can_be_re_asked_as_a_filter(
    small_warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from dashboard.__main__ import main

    con = duckdb.connect(str(small_warehouse), read_only=True)
    levels = dict(con.sql("SELECT risk_level, list(case_id) FROM v_complaint GROUP BY 1").fetchall())
    con.close()
    for level, cases in levels.items():
        assert _selected(small_warehouse, Filters(risk_levels=(level,))) == set(cases)
    for code in ("high", "medium", "low"):
        assert (
            main(
                [
                    "kpis",
                    "--db",
                    str(small_warehouse),
                    "--preset",
                    "this_month",
                    "--where",
                    f"risk_level={code}",
                    "--json",
                ]
            )
            == 0
        )
        payload = json.loads(capsys.readouterr().out)
        level = {"high": "高", "medium": "中", "low": "低"}[code]
        assert payload["kpis"]["volume"]["value"] == len(levels.get(level, []))
