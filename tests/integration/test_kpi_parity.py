"""DuckDBSource (GROUP BY inside the warehouse) gives exactly what FrameSource (Polars) gives.

The same hand-built cases are written to a DuckDB file as the star schema's tables
(write_star_schema); every breakdown, filter and period shape must agree.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from dashboard.engine.filters import Filters
from dashboard.engine.kpi_source import DuckDBSource
from dashboard.engine.kpis import DIMENSIONS, compute_kpis, compute_mix, compute_period_metrics
from dashboard.engine.periods import Period
from tests.reference.kpi_frames import FrameSource, build_case_frame
from tests.reference.star_schema import write_star_schema

REGIONS = [
    (1, "广东省", "深圳市"),
    (2, "广东省", "广州市"),
    (3, "浙江省", "杭州市"),
    (4, "香港特别行政区", None),
    (5, "北京市", "北京市"),
]
GROUPS = pl.DataFrame(
    {
        "region_group": ["珠三角", "珠三角", "粤港澳大湾区", "粤港澳大湾区", "粤港澳大湾区", "京津冀"],
        "region_key": [1, 2, 1, 2, 4, 5],
    }
)
PERIODS = [
    Period(date(2024, 7, 1), date(2024, 8, 1)),
    Period(date(2024, 7, 10), date(2024, 9, 20)),
    Period(date(2024, 1, 1), date(2024, 12, 1)),
]
FILTERS = [
    Filters(),
    Filters(channels=("来访", "来信")),
    Filters(provinces=("广东省",), referred_only=True),
    Filters(region_group="粤港澳大湾区", products=("房抵贷",)),
    Filters(cities=("杭州市",), departments=("零售部",)),
]


def make_cases(seed: int = 7, n: int = 500) -> pl.DataFrame:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        received = date(2023, 1, 1) + timedelta(days=rng.randrange(730))
        key, province, city = rng.choice(REGIONS)
        channel = rng.choice(["来访", "来信", "电话", "网络"])
        row: dict[str, object] = {
            "case_id": f"K{i:04d}",
            "received_date": received,
            "channel": channel,
            "deadline_days": 60 if channel in ("来访", "来信") else 15,
            "product": rng.choice(["房抵贷", "借记卡", "信用卡分期"]),
            "issue": rng.choice(["息费争议", "催收方式"]),
            "business_line": rng.choice(["零售信贷", "信用卡"]),
            "department": rng.choice(["零售部", "信用卡中心", None]),
            "province": province,
            "city": city,
            "region_key": key,
            "complainant_key": rng.choice([None, *(f"c{j}" for j in range(40))]),
            "is_regulator_referred": rng.random() < 0.2,
            "is_resolved_first_time": rng.choice([True, False, None]),
            "satisfaction": rng.choice(["满意", "基本满意", "不满意", "未回访", None, ""]),
            "risk_level": rng.choice(["高", "中", "低"]),
        }
        row["is_repeat"] = row["complainant_key"] is not None and rng.random() < 0.3
        fate = rng.random()
        if fate < 0.65:
            row["closed_date"] = received + timedelta(days=rng.randrange(75))
        elif fate < 0.72:
            row["is_closed"] = True  # 已办结 without 办结时间
        rows.append(row)
    return build_case_frame(rows)


def make_base() -> pl.DataFrame:
    rows = []
    for month_index in range(24):
        month = date(2023 + month_index // 12, month_index % 12 + 1, 1)
        for key, province, city in REGIONS:
            rows.append(
                {
                    "region_key": key,
                    "province": province,
                    "city": city,
                    "is_province_level": city is None,
                    "month": month,
                    "personal_customers": 1_000_000 + 1000 * key + month_index,
                    "branches": None if key == 3 else 50 + key,
                }
            )
        rows.append(
            {
                "region_key": 100,
                "province": "广东省",
                "city": None,
                "is_province_level": True,
                "month": month,
                "personal_customers": 5_000_000,
                "branches": 300,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "region_key": pl.Int64,
            "province": pl.String,
            "city": pl.String,
            "is_province_level": pl.Boolean,
            "month": pl.Date,
            "personal_customers": pl.Int64,
            "branches": pl.Int64,
        },
    )


def write_warehouse(path: Path, cases: pl.DataFrame, base: pl.DataFrame, groups: pl.DataFrame) -> None:
    con = duckdb.connect(str(path))
    write_star_schema(con, cases, base, groups)
    con.close()


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> tuple[pl.DataFrame, pl.DataFrame, duckdb.DuckDBPyConnection]:
    cases, base = make_cases(), make_base()
    path = tmp_path_factory.mktemp("parity") / "wh.duckdb"
    write_warehouse(path, cases, base, GROUPS)
    con = duckdb.connect(str(path), read_only=True)
    yield cases, base, con
    con.close()


def _sorted(frame: pl.DataFrame, *columns: str) -> pl.DataFrame:
    return frame.sort(list(columns), nulls_last=True)


# Every filter once, every period shape at least twice (a full cross product adds time, not coverage).
CASES_TO_COMPARE = [(FILTERS[i], PERIODS[i % len(PERIODS)]) for i in range(len(FILTERS))] + [(FILTERS[0], PERIODS[1])]


@pytest.mark.parametrize("use_aggregates", [True, False], ids=["agg-cubes", "case-table"])
@pytest.mark.parametrize(
    ("filters", "period"),
    CASES_TO_COMPARE,
    ids=lambda x: x.label() if isinstance(x, Period) else "|".join(x.describe()) or "none",
)
def test_duckdb_and_polars_sources_agree(sources, filters: Filters, period: Period, use_aggregates: bool) -> None:  # type: ignore[no-untyped-def]
    cases, base, con = sources
    frame_source = FrameSource(cases, filters, base, GROUPS)
    db_source = DuckDBSource(con, filters, use_aggregates=use_aggregates)
    assert db_source.coverage() == frame_source.coverage()
    for by in (None, *DIMENSIONS):
        expected, actual = frame_source.tallies(period, by), db_source.tallies(period, by)
        assert_frame_equal(_sorted(actual.counts, "key"), _sorted(expected.counts, "key"), check_column_order=False)
        assert_frame_equal(
            _sorted(actual.handling, "key", "handling_days"),
            _sorted(expected.handling, "key", "handling_days"),
            check_column_order=False,
        )
        if by in (None, "province", "city", "region_group", "quarter"):  # the customer base differs by these
            assert_frame_equal(
                _sorted(compute_period_metrics(db_source, period, by), "key"),
                _sorted(compute_period_metrics(frame_source, period, by), "key"),
            )
    db_mix, frame_mix = compute_mix(db_source, period), compute_mix(frame_source, period)
    for dimension, frame in frame_mix.items():
        assert_frame_equal(db_mix[dimension], frame)


def test_the_data_set_exercises_every_branch(sources) -> None:  # type: ignore[no-untyped-def]
    # Guards the parity test against agreeing on trivial data.
    cases, base, con = sources
    row = compute_period_metrics(FrameSource(cases, Filters(), base, GROUPS), PERIODS[2]).row(0, named=True)
    for metric_id in (
        "repeat_rate",
        "one_time_resolution_rate",
        "per_million_customers",
        "per_1000_branches",
        "on_time_rate",
        "referred_on_time_rate",
        "handling_days_p90",
        "satisfaction_rate",
    ):
        assert row[metric_id] is not None and row[metric_id] > 0, metric_id
        if metric_id.endswith("_rate"):
            assert row[metric_id] < 1, metric_id
    start, end = PERIODS[0].start, PERIODS[0].end
    open_at_end_due_in_p = cases.filter(
        (pl.col("due_date") >= start)
        & (pl.col("due_date") < end)
        & (~pl.col("is_closed") | (pl.col("closed_date") >= end))
    )
    assert open_at_end_due_in_p.height > 0
    assert cases.filter(pl.col("is_closed") & pl.col("closed_date").is_null()).height > 0
    report = compute_kpis(DuckDBSource(con), PERIODS[0])
    assert report.kpis["volume"].yoy is not None and report.kpis["volume"].pop is not None
