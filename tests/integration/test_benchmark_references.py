"""The benchmark's baselines (pandas, plain SQL) give the KPI engine's figures on the same warehouse.

Two warehouses: the demo built by the real CLI (realistic mix), and a hand-built one
(write_star_schema) with the awkward cases the demo lacks: province-level customer base
rows that must win over their cities, a province without 网点数, cases 已办结 without
办结时间, unknown flags, blank and padded 回访 answers. Every headline metric of P, P one
year earlier and the period before must agree (value or None), for each filter state.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pytest

from benchmarks.pandas_reference import (
    compute_reference_kpis,
    load_case_frame,
    load_customer_base,
    load_region_groups,
    run_reference,
)
from benchmarks.sql_reference import compute_sql_kpis
from dashboard.engine.filters import Filters
from dashboard.engine.kpi_source import DuckDBSource
from dashboard.engine.kpis import compute_kpis, resolve_period
from dashboard.engine.metrics import KPI_IDS
from dashboard.engine.periods import Period, previous_year
from tests.reference.kpi_frames import build_case_frame, build_customer_base
from tests.reference.star_schema import write_star_schema
from warehouse import store

PERIOD_NAMES = ("current", "previous_year", "previous_period")

# The benchmark's pandas and SQL references against the engine (about 16 s): `make test` runs them, `make test-fast`
# leaves them out (the engine's own parity tests stay in the fast set).
pytestmark = pytest.mark.slow


@dataclass
class Warehouse:
    con: duckdb.DuckDBPyConnection
    cases: pd.DataFrame
    base: pd.DataFrame
    groups: pd.DataFrame


def open_warehouse(con: duckdb.DuckDBPyConnection) -> Warehouse:
    return Warehouse(con, load_case_frame(con), load_customer_base(con), load_region_groups(con))


def engine_figures(con: duckdb.DuckDBPyConnection, filters: Filters, period: Period) -> dict[str, dict]:
    report = compute_kpis(DuckDBSource(con, filters), period)
    return {
        "current": {m: f.value for m, f in report.kpis.items()},
        "previous_year": {m: f.previous_year for m, f in report.kpis.items()},
        "previous_period": {m: f.previous_period for m, f in report.kpis.items()},
    }


def assert_same_figures(expected: dict[str, dict], actual: dict[str, dict], who: str) -> None:
    assert set(actual) == set(PERIOD_NAMES), who
    for name in PERIOD_NAMES:
        assert set(actual[name]) == set(KPI_IDS), (who, name)
        for metric_id in KPI_IDS:
            want, got = expected[name][metric_id], actual[name][metric_id]
            label = f"{who}: {name} {metric_id}"
            if want is None:
                assert got is None, label
            else:
                assert got is not None, label
                assert got == pytest.approx(want, rel=1e-9, abs=1e-12), label


def assert_references_agree(warehouse: Warehouse, filters: Filters, period: Period) -> dict[str, dict]:
    expected = engine_figures(warehouse.con, filters, period)
    by_pandas = compute_reference_kpis(warehouse.cases, warehouse.base, warehouse.groups, filters, period)
    assert_same_figures(expected, by_pandas, "pandas")
    assert_same_figures(expected, compute_sql_kpis(warehouse.con, filters, period), "sql")
    return expected


# ---------------------------------------------------------------------------------------------
# The demo warehouse (built by `python -m warehouse demo`).
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo(demo_db: Path) -> Iterator[Warehouse]:
    con = store.open_reader(str(demo_db))
    yield open_warehouse(con)
    con.close()


def busiest(con: duckdb.DuckDBPyConnection, column: str, table: str = "v_complaint") -> str:
    sql = f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
    return con.sql(sql).fetchall()[0][0]


def demo_filters(con: duckdb.DuckDBPyConnection) -> dict[str, Filters]:
    group = con.sql(
        "SELECT g.region_group FROM v_complaint AS c JOIN dim_region_group AS g USING (region_key) "
        "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
    ).fetchall()[0][0]
    return {
        "none": Filters(),
        "province": Filters(provinces=(busiest(con, "province"),)),
        "channel_product": Filters(channels=(busiest(con, "channel"),), products=(busiest(con, "product"),)),
        "region_group": Filters(region_group=group),
        "referred_only": Filters(referred_only=True),
    }


def demo_periods(con: duckdb.DuckDBPyConnection) -> dict[str, Period]:
    first, last = DuckDBSource(con).coverage()  # type: ignore[misc]
    preset = resolve_period(DuckDBSource(con, Filters(preset="last_12_months")))
    # Mid-month to mid-month: the previous period is counted in days, months are cut at both ends.
    mid_month = Period(date(last.year - 1, 3, 17), date(last.year, 2, 9))
    # Starts a few weeks after the data: one year earlier is outside it (every figure None).
    early = Period(first + timedelta(days=40), first + timedelta(days=115))
    return {"last_12_months": preset, "mid_month": mid_month, "early": early}


@pytest.mark.parametrize("period_name", ["last_12_months", "mid_month", "early"])
@pytest.mark.parametrize("filter_name", ["none", "province", "channel_product", "region_group", "referred_only"])
def test_references_agree_with_the_engine_on_the_demo(demo: Warehouse, filter_name: str, period_name: str) -> None:
    filters = demo_filters(demo.con)[filter_name]
    period = demo_periods(demo.con)[period_name]
    figures = assert_references_agree(demo, filters, period)
    assert figures["current"]["volume"] > 0, "the period tested must hold cases"


def test_the_demo_comparison_is_not_vacuous(demo: Warehouse) -> None:
    periods = demo_periods(demo.con)
    figures = engine_figures(demo.con, Filters(), periods["last_12_months"])
    for name in PERIOD_NAMES:
        missing = [m for m in KPI_IDS if figures[name][m] is None]
        assert not missing, (name, missing)
    early = engine_figures(demo.con, Filters(), periods["early"])
    first, _last = DuckDBSource(demo.con).coverage()  # type: ignore[misc]
    assert previous_year(periods["early"]).end <= first
    assert all(value is None for value in early["previous_year"].values())


def test_run_reference_reads_and_computes_in_one_call(demo: Warehouse) -> None:
    period = demo_periods(demo.con)["mid_month"]
    filters = Filters(referred_only=True)
    assert_same_figures(engine_figures(demo.con, filters, period), run_reference(demo.con, filters, period), "run")


# ---------------------------------------------------------------------------------------------
# A hand-built warehouse with the edge cases.
# ---------------------------------------------------------------------------------------------
CITY_REGIONS = [(11, "广东省", "深圳市"), (12, "广东省", "广州市"), (21, "浙江省", "杭州市"), (31, "四川省", "成都市")]
GD_PROVINCE_KEY = 10  # 广东省's own row: present in odd months only, so the rule "province row wins" matters
GROUPS = pl.DataFrame({"region_group": ["珠三角"] * 3 + ["长三角"], "region_key": [10, 11, 12, 21]})
BASE_MONTHS = [date(2024 + i // 12, i % 12 + 1, 1) for i in range(30)]  # 2024-01 .. 2026-06


def make_edge_cases(seed: int = 11, n: int = 700) -> pl.DataFrame:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        received = date(2024, 1, 1) + timedelta(days=rng.randrange(900))
        key, province, city = rng.choice(CITY_REGIONS)
        channel = rng.choice(["来访", "来信", "电话", "网络"])
        complainant = rng.choice([None, *(f"p{j}" for j in range(60))])
        row: dict[str, object] = {
            "case_id": f"E{i:04d}",
            "received_date": received,
            "deadline_days": 60 if channel in ("来访", "来信") else 15,
            "channel": channel,
            "business_line": "信用卡",
            "product": rng.choice(["信用卡分期", "信用卡年费"]),
            "issue": rng.choice(["息费争议", "催收方式"]),
            "department": rng.choice(["信用卡中心", "零售部", None]),
            "vulnerable_group": rng.choice([None, None, "老年人"]),
            "province": province,
            "city": city,
            "region_key": key,
            "complainant_key": complainant,
            "is_repeat": complainant is not None and rng.random() < 0.3,
            "is_regulator_referred": rng.random() < 0.25,
            "risk_level": "低",
        }
        fate = rng.random()
        if fate < 0.7:
            row["closed_date"] = received + timedelta(days=rng.randrange(80))
            row["is_resolved_first_time"] = rng.choice([True, True, False, None])
            row["satisfaction"] = rng.choice(["满意", "基本满意", " 满意 ", "不满意", "未回访", None, "", " "])
            if rng.random() < 0.05:
                row["is_on_time"] = None  # flag unknown: neither due nor on time
            # Outcomes: stated or blank, paid with or without a stated dispute, zero payments.
            row["mediation"] = rng.choice(["调解成功", "调解失败", "未调解", None])
            row["litigation_source"] = rng.choice([True, False, False, None])
            row["amount_disputed_yuan"] = rng.choice([None, 0.0, round(rng.uniform(10, 90_000), 2)])
            row["compensation_yuan"] = rng.choice([None, 0.0, round(rng.uniform(1, 50_000), 2)])
            row["is_advance_payment"] = rng.choice([True, False, None])
        elif fate < 0.77:
            row["is_closed"] = True  # 已办结 without 办结时间: closed where it was received
            row["is_resolved_first_time"] = rng.choice([True, False])
            row["satisfaction"] = rng.choice(["满意", "未回访"])
        rows.append(row)
    return build_case_frame(rows)


def make_edge_base() -> pl.DataFrame:
    rows = []
    for index, month in enumerate(BASE_MONTHS):
        for key, province, city in CITY_REGIONS:
            branches = None if province == "四川省" else 20 + key
            rows.append((key, province, city, month, 400_000 + 1_000 * key + index, branches))
        if month.month % 2 == 1:
            rows.append((GD_PROVINCE_KEY, "广东省", None, month, 3_000_000 + index, 150))
    return build_customer_base(rows)


@pytest.fixture(scope="module")
def edge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    path = tmp_path_factory.mktemp("references") / "edge.duckdb"
    writer = duckdb.connect(str(path))
    write_star_schema(writer, make_edge_cases(), make_edge_base(), GROUPS)
    writer.close()
    con = duckdb.connect(str(path), read_only=True)
    yield open_warehouse(con)
    con.close()


EDGE_FILTERS = {
    "none": Filters(),
    "province": Filters(provinces=("广东省",)),
    "no_branches": Filters(provinces=("四川省",), channels=("电话", "网络")),
    "city_department": Filters(cities=("深圳市",), departments=("信用卡中心",)),
    "region_group": Filters(region_group="珠三角", products=("信用卡分期",)),
    "vulnerable_referred": Filters(vulnerable_groups=("老年人",), referred_only=True),
}
EDGE_PERIODS = {
    "half_year": Period(date(2025, 1, 1), date(2025, 7, 1)),
    "mid_month": Period(date(2024, 11, 20), date(2025, 8, 5)),
    "early": Period(date(2024, 2, 15), date(2024, 5, 10)),
}


@pytest.mark.parametrize("period_name", list(EDGE_PERIODS))
@pytest.mark.parametrize("filter_name", list(EDGE_FILTERS))
def test_references_agree_with_the_engine_on_edge_cases(edge: Warehouse, filter_name: str, period_name: str) -> None:
    assert_references_agree(edge, EDGE_FILTERS[filter_name], EDGE_PERIODS[period_name])


def test_a_province_row_wins_over_its_cities_in_the_references(edge: Warehouse) -> None:
    # Worked out here from the rows built: 广东省's own row where the month has one, else its cities' sum.
    period = EDGE_PERIODS["half_year"]
    base = make_edge_base().filter(pl.col("province") == "广东省", pl.col("month").is_in(period.months()))
    totals = []
    for month in period.months():
        rows = base.filter(pl.col("month") == month)
        provincial = rows.filter(pl.col("is_province_level"))
        totals.append((provincial if provincial.height else rows)["personal_customers"].sum())
    assert 0 < sum(1 for m in period.months() if m.month % 2 == 1) < len(period.months())
    filters = EDGE_FILTERS["province"]
    volume = (
        make_edge_cases()
        .filter(
            pl.col("province") == "广东省",
            pl.col("received_date") >= period.start,
            pl.col("received_date") < period.end,
        )
        .height
    )
    expected = volume / (sum(totals) / len(totals) / 1_000_000)
    by_pandas = compute_reference_kpis(edge.cases, edge.base, edge.groups, filters, period)
    by_sql = compute_sql_kpis(edge.con, filters, period)
    assert by_pandas["current"]["per_million_customers"] == pytest.approx(expected, rel=1e-12)
    assert by_sql["current"]["per_million_customers"] == pytest.approx(expected, rel=1e-12)
    assert by_pandas["current"]["per_1000_branches"] is not None


def test_the_edge_warehouse_exercises_every_rule(edge: Warehouse) -> None:
    cases = edge.cases
    assert (cases["is_closed"] & cases["closed_date"].isna()).any()  # 已办结 without 办结时间
    assert (cases["closed_date"].notna() & cases["is_on_time"].isna()).any()
    assert cases["satisfaction"].isin([" ", " 满意 "]).any()
    figures = engine_figures(edge.con, Filters(), EDGE_PERIODS["half_year"])
    assert all(figures["current"][m] is not None for m in KPI_IDS)
    no_branches = engine_figures(edge.con, EDGE_FILTERS["no_branches"], EDGE_PERIODS["half_year"])
    assert no_branches["current"]["per_1000_branches"] is None
    assert no_branches["current"]["per_million_customers"] is not None
