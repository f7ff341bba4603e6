"""The pre-aggregated cubes (warehouse/aggregates.py): which cube answers what, and that it answers exactly.

The figures compared come from the case table (DuckDBSource with use_aggregates=False) and from
FrameSource over the same hand-built cases; tests/integration/test_kpi_parity.py runs the full filter × breakdown
matrix on both paths.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from dashboard.engine.filters import Filters
from dashboard.engine.kpi_source import DuckDBSource
from dashboard.engine.kpis import compute_kpis
from dashboard.engine.periods import Period
from tests.reference.kpi_frames import FrameSource, build_case_frame
from tests.reference.star_schema import write_star_schema
from warehouse.aggregates import (
    CUBE_COLUMNS,
    TALLY_CUBES,
    VOLUME_CUBES,
    built_cubes,
    choose_cube,
    cube_id,
    filter_pairs,
    has_aggregates,
    tally_cubes,
    volume_cubes,
)


def test_cube_ids_are_duckdb_grouping_bitmasks() -> None:
    con = duckdb.connect()
    cubes = (*TALLY_CUBES, frozenset({"channel_key", "issue_key"}))  # GROUPING() needs every column in some set
    sets = ", ".join("(" + ", ".join(c for c in CUBE_COLUMNS if c in cube) + ")" for cube in cubes)
    listed = ", ".join(CUBE_COLUMNS)
    rows = con.sql(
        f"SELECT grouping({listed}), {listed} FROM (SELECT {', '.join(f'1 AS {c}' for c in CUBE_COLUMNS)}) "
        f"GROUP BY GROUPING SETS ({sets})"
    ).fetchall()
    # A column is NULL in a row exactly when the row's grouping set left it out.
    found = {frozenset(c for c, v in zip(CUBE_COLUMNS, row[1:], strict=True) if v is not None): row[0] for row in rows}
    assert found == {cube: cube_id(cube) for cube in cubes}


def test_the_smallest_fitting_cube_is_chosen() -> None:
    assert choose_cube(set(), TALLY_CUBES) == cube_id(())
    assert choose_cube({"channel_key"}, TALLY_CUBES) == cube_id({"channel_key"})
    assert choose_cube({"region_key", "channel_key"}, VOLUME_CUBES) == cube_id({"region_key", "channel_key"})
    # Two filter columns at once: no tally cube holds both, so the case table answers.
    assert choose_cube({"region_key", "channel_key"}, TALLY_CUBES) is None
    with pytest.raises(ValueError):
        cube_id({"no_such_column"})


def test_filters_name_the_columns_they_touch() -> None:
    assert Filters().case_columns() == set()
    assert Filters(provinces=("广东省",), cities=("深圳市",)).case_columns() == {"region_key"}
    assert Filters(region_group="华南", business_lines=("信用卡",), referred_only=True).case_columns() == {
        "region_key",
        "product_key",
        "is_regulator_referred",
    }


@pytest.fixture(scope="module")
def demo(demo_db: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(demo_db), read_only=True)
    yield con
    con.close()


def test_the_demo_warehouse_carries_cubes_that_add_up(demo: duckdb.DuckDBPyConnection) -> None:
    assert has_aggregates(demo)
    total = cube_id(())
    (cases,) = demo.sql("SELECT count(*) FROM fct_complaint").fetchall()[0]
    (summed,) = demo.sql("SELECT sum(volume) FROM agg_received WHERE cube = $c", params={"c": total}).fetchall()[0]
    assert summed == cases
    # Every cube of a table is a partition of the same cases.
    per_cube = demo.sql("SELECT cube, sum(volume) FROM agg_received GROUP BY cube").fetchall()
    assert len(per_cube) == len(volume_cubes()) and {n for _cube, n in per_cube} == {cases}
    (closed,) = demo.sql("SELECT count(*) FROM fct_complaint WHERE is_closed").fetchall()[0]
    per_closed_cube = demo.sql("SELECT cube, sum(closed) FROM agg_closed GROUP BY cube").fetchall()
    assert len(per_closed_cube) == len(tally_cubes()) and {n for _cube, n in per_closed_cube} == {closed}
    # agg_cubes lists what was built, and that is what queries choose from.
    tallies, volumes = built_cubes(demo)
    assert (set(tallies), set(volumes)) == (set(tally_cubes()), set(volume_cubes()))


DEMO_FILTERS = [
    Filters(),
    Filters(channels=("电话",)),
    Filters(provinces=("广东省",)),
    Filters(region_group="长三角"),
    Filters(referred_only=True),
    Filters(business_lines=("信用卡",)),
    Filters(provinces=("广东省",), channels=("电话",)),  # a pair cube (settings.toml [aggregates])
    Filters(business_lines=("信用卡",), channels=("电话",)),  # a pair cube (业务条线 is product_key)
    Filters(issues=("服务态度",), channels=("电话",)),  # no pair cube: the case table answers
]


@pytest.mark.parametrize("filters", DEMO_FILTERS, ids=lambda f: "|".join(f.describe()) or "none")
def test_the_headline_is_the_same_from_cubes_and_from_cases(demo: duckdb.DuckDBPyConnection, filters: Filters) -> None:
    (last,) = demo.sql("SELECT max(received_date) FROM fct_complaint").fetchall()[0]
    for period in (filters.period(last), Period(last - timedelta(days=200), last - timedelta(days=20))):
        from_cubes = compute_kpis(DuckDBSource(demo, filters), period)
        from_cases = compute_kpis(DuckDBSource(demo, filters, use_aggregates=False), period)
        assert from_cubes == from_cases
        for by in ("month", "province", "channel", "risk_level"):
            cubes = DuckDBSource(demo, filters).tallies(period, by)
            cases = DuckDBSource(demo, filters, use_aggregates=False).tallies(period, by)
            assert_frame_equal(cubes.counts.sort("key"), cases.counts.sort("key"), check_column_order=False)
            assert_frame_equal(
                cubes.handling.sort("key", "handling_days"),
                cases.handling.sort("key", "handling_days"),
                check_column_order=False,
            )


def test_late_cases_count_exactly_at_every_period_end(tmp_path: Path) -> None:
    """Open / late cases around the end of P, and a due date before 受理日期 (only hand-built data has one)."""
    start = date(2024, 3, 1)
    rows = []
    for index in range(60):
        received = start + timedelta(days=index)
        rows.append({"received_date": received, "deadline_days": 15 - index % 3})  # open
        rows.append({"received_date": received, "closed_date": received + timedelta(days=10 + index % 40)})
        rows.append({"received_date": received, "is_closed": True})  # 已办结 without 办结时间
    rows.append({"received_date": date(2024, 3, 20), "due_date": date(2024, 3, 10), "is_regulator_referred": True})
    rows.append({"received_date": date(2024, 4, 20), "due_date": date(2024, 3, 31)})
    cases = build_case_frame(rows)
    con = duckdb.connect(str(tmp_path / "late.duckdb"))
    write_star_schema(con, cases)
    for period in (Period(date(2024, 3, 1), date(2024, 4, 1)), Period(date(2024, 3, 5), date(2024, 5, 17))):
        for by in (None, "month", "quarter"):
            expected = FrameSource(cases).tallies(period, by).counts.sort("key")
            actual = DuckDBSource(con).tallies(period, by).counts.sort("key")
            assert_frame_equal(actual, expected, check_column_order=False)
    # The figures above came from the cubes, and the late cases reached them.
    assert DuckDBSource(con)._cube(None, "tally") == cube_id(())
    march = DuckDBSource(con).tallies(Period(date(2024, 3, 1), date(2024, 4, 1))).counts
    closed_with_date = cases.filter(
        (pl.col("closed_date") >= date(2024, 3, 1)) & (pl.col("closed_date") < date(2024, 4, 1))
    )
    assert march["on_time_due"].sum() > closed_with_date.height  # open-at-end cases were added from agg_late
    assert march["referred_due"].sum() == 1  # the referred case received after its due date, still open


def test_the_settings_pairs_get_tally_cubes() -> None:
    pairs = filter_pairs()
    assert frozenset({"region_key", "channel_key"}) in pairs  # 省份 + 渠道, the common pair
    assert all(pair in tally_cubes() and pair in volume_cubes() for pair in pairs)
    assert choose_cube({"region_key", "channel_key"}, tally_cubes()) == cube_id({"region_key", "channel_key"})
    # A pair plus a breakdown column is no cube: the case table answers.
    assert choose_cube({"region_key", "channel_key", "issue_key"}, tally_cubes()) is None


def test_a_filter_pair_outside_the_filter_columns_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from warehouse import aggregates

    monkeypatch.setattr(aggregates, "setting", lambda *keys, default=None: [["region_key", "risk_level"]])
    with pytest.raises(ValueError, match="filter_pairs"):
        aggregates.filter_pairs()


def test_two_filters_are_answered_from_their_pair_cube_with_the_case_table_figures(
    demo: duckdb.DuckDBPyConnection,
) -> None:
    filters = Filters(provinces=("广东省",), channels=("电话",))
    source = DuckDBSource(demo, filters)
    assert source._cube(None, "tally") == cube_id({"region_key", "channel_key"})
    assert source._cube("month", "tally") == cube_id({"region_key", "channel_key"})
    (last,) = demo.sql("SELECT max(received_date) FROM fct_complaint").fetchall()[0]
    period = filters.period(last)
    from_cube = compute_kpis(source, period)
    from_cases = compute_kpis(DuckDBSource(demo, filters, use_aggregates=False), period)
    assert from_cube == from_cases
    assert (from_cube.kpis["volume"].value or 0) > 0  # the pair holds cases: not two empty answers compared


def test_a_warehouse_built_before_agg_cubes_uses_the_fixed_cubes(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    write_star_schema(con, build_case_frame([{"received_date": date(2024, 3, 1)}]))
    con.execute("DROP TABLE agg_cubes")
    assert built_cubes(con) == (TALLY_CUBES, VOLUME_CUBES)  # what every build before it held
    # A pair cube the settings ask for but the file does not hold is never chosen.
    assert DuckDBSource(con, Filters(provinces=("广东省",), channels=("电话",)))._cube(None, "tally") is None
