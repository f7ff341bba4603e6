"""The 区域分析 frames from grouped queries equal the frames of one engine call per column (the old way).

`reference_*` below are the former implementations, kept as the reference: one engine
breakdown per business line, one engine volume query per issue, one engine breakdown per
month, one engine risk breakdown per region group. The warehouse is hand-built
(write_star_schema) with what makes the two disagree if a shortcut is wrong: a city whose
cases were all received long before P but are closed, or still open past their due date,
in P (the engine lists it with volume 0); months outside the data; a region listed twice in
a group; province-level customer base rows; a department filter no cube answers.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from dashboard.engine.filters import Filters
from dashboard.engine.kpi_source import DuckDBSource, list_filter_options
from dashboard.engine.kpis import compute_breakdown, compute_period_metrics
from dashboard.engine.periods import Period, month_key
from dashboard.views import regions_view as view
from tests.reference.kpi_frames import build_case_frame
from tests.reference.star_schema import write_star_schema

# (region_key, province, city) of the cities with cases all along.
CITIES = [
    (11, "广东省", "深圳市"),
    (12, "广东省", "广州市"),
    (21, "浙江省", "杭州市"),
    (22, "浙江省", "宁波市"),
    (31, "四川省", "成都市"),
]
# 珠海市: old cases only, closed or overdue in P (listed by the engine with volume 0).
# 温州市: old cases closed before P and due in P, or due and closed after P (not listed in P).
QUIET = (13, "广东省", "珠海市")
CLOSED_EARLY = (23, "浙江省", "温州市")
GD_PROVINCE_KEY = 10
PRODUCTS = [
    ("信用卡", "信用卡分期"),
    ("信用卡", "信用卡年费"),
    ("零售信贷", "个人住房贷款"),
    ("零售信贷", "消费贷"),
    ("借记卡", "借记卡"),
]
GROUPS = pl.DataFrame(
    {
        "region_group": ["珠三角", "珠三角", "珠三角", "珠三角", "长三角", "长三角", "成渝", "粤浙", "粤浙", "空组"],
        "region_key": [11, 12, 13, 12, 21, 22, 31, 11, 21, 99],  # 广州市 twice in 珠三角; 空组 has no case
    }
)
PERIOD = Period(date(2025, 1, 1), date(2025, 12, 20))  # ends mid-month: the last trend month is cut
EARLY = Period(date(2024, 3, 10), date(2024, 9, 1))  # its trend starts before the data
LATE = Period(date(2025, 7, 1), date(2026, 3, 1))  # runs past the data: closings only in its last months


def make_cases(seed: int = 7, n: int = 900) -> pl.DataFrame:
    rng = random.Random(seed)
    rows: list[dict[str, object]] = []
    for i in range(n):
        key, province, city = rng.choice(CITIES)
        line, product = rng.choice(PRODUCTS)
        received = date(2024, 1, 1) + timedelta(days=rng.randrange(730))
        row: dict[str, object] = {
            "case_id": f"R{i:04d}",
            "received_date": received,
            "deadline_days": rng.choice([15, 30, 60]),
            "channel": rng.choice(["电话", "网络", "来访"]),
            "business_line": line,
            "product": product,
            "issue": rng.choice(["息费争议", "催收方式", "服务态度"]),
            "department": rng.choice(["信用卡中心", "零售部", None]),
            "province": province,
            "city": city,
            "region_key": key,
            "complainant_key": rng.choice([None, *(f"p{j}" for j in range(80))]),
            "is_regulator_referred": rng.random() < 0.2,
            "risk_level": rng.choice(["高", "中", "低", "低"]),
        }
        if rng.random() < 0.8:
            row["closed_date"] = received + timedelta(days=rng.randrange(120))
        rows.append(row)
    for i in range(12):  # the quiet city: received in early 2024, closed in 2025 or open and due in 2025
        received = date(2024, 1, 5) + timedelta(days=10 * i)
        row = {
            "case_id": f"Q{i:02d}",
            "received_date": received,
            "deadline_days": 420,
            "channel": "电话",
            "business_line": "借记卡",
            "product": "借记卡",
            "issue": "服务态度",
            "department": "零售部",
            "province": QUIET[1],
            "city": QUIET[2],
            "region_key": QUIET[0],
            "is_regulator_referred": i % 3 == 0,
            "risk_level": "高",
        }
        if i % 2:
            row["closed_date"] = date(2025, 2, 1) + timedelta(days=20 * i)
        rows.append(row)
        early = {**row, "case_id": f"W{i:02d}", "business_line": "信用卡", "product": "信用卡分期", "issue": "息费争议"}
        early.update(province=CLOSED_EARLY[1], city=CLOSED_EARLY[2], region_key=CLOSED_EARLY[0])
        rows.append({**early, "closed_date": received + timedelta(days=30)})
        # Due and closed after P (received before it): not listed in P either.
        rows.append({**early, "case_id": f"X{i:02d}", "deadline_days": 720, "closed_date": date(2026, 1, 10)})
    return build_case_frame(rows)


def make_base() -> pl.DataFrame:
    months = [date(2023 + m // 12, m % 12 + 1, 1) for m in range(42)]  # 2023-01 .. 2026-06
    rows = []
    for index, month in enumerate(months):
        for key, province, city in (*CITIES, QUIET, CLOSED_EARLY):
            rows.append((key, province, city, False, month, 300_000 + 5_000 * key + index, 10 + key))
        if month.month % 2:
            rows.append((GD_PROVINCE_KEY, "广东省", None, True, month, 2_500_000 + index, 120))
    names = ["region_key", "province", "city", "is_province_level", "month", "personal_customers", "branches"]
    return pl.DataFrame(rows, schema=names, orient="row").cast({"region_key": pl.Int64, "month": pl.Date})


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    path: Path = tmp_path_factory.mktemp("regions-parity") / "cockpit.duckdb"
    writer = duckdb.connect(str(path))
    write_star_schema(writer, make_cases(), make_base(), GROUPS)
    writer.close()
    connection = duckdb.connect(str(path), read_only=True)
    yield connection
    connection.close()


# ---------------------------------------------------------------------------------------------
# The former implementations (one engine call per column).
# ---------------------------------------------------------------------------------------------
def reference_region_trend(
    con: duckdb.DuckDBPyConnection, filters: Filters, period: Period, metric_id: str, province: str | None = None
) -> pl.DataFrame:
    source_filters = view.region_filters(filters, province)
    by = view.level_of(province)
    months = view.trend_periods(period)
    source = DuckDBSource(con, source_filters)
    coverage = source.coverage()
    trend = pl.concat(
        compute_period_metrics(source, month, by, coverage=coverage)
        .filter(pl.col("key").is_not_null())
        .select("key", pl.lit(month_key(month.start)).alias("month"), pl.col(metric_id).cast(pl.Float64).alias("value"))
        for month in months
    )
    grid = trend.select("key").unique().join(pl.DataFrame({"month": [month_key(m.start) for m in months]}), how="cross")
    full = grid.join(trend, on=["key", "month"], how="left")
    if view.MAP_METRICS[metric_id].unit == "count":
        full = full.with_columns(pl.col("value").fill_null(0.0))
    return full.sort("key", "month")


def reference_high_risk_of(source: DuckDBSource, period: Period) -> int:
    levels = compute_breakdown(source, period, "risk_level")
    high = levels.filter(pl.col("key") == view.HIGH_RISK_LEVEL)["volume"]
    return int(high[0] or 0) if high.len() else 0


def reference_group_shares(con: duckdb.DuckDBPyConnection, filters: Filters, period: Period) -> pl.DataFrame:
    base = replace(filters, region_group=None)
    source = DuckDBSource(con, base)
    total = compute_period_metrics(source, period)["volume"][0] or 0
    total_high = reference_high_risk_of(source, period)
    groups = compute_breakdown(source, period, "region_group").select("key", "volume")
    listed = list_filter_options(con).region_groups
    frame = pl.DataFrame({"region_group": listed}, schema={"region_group": pl.String}).join(
        groups.rename({"key": "region_group"}), on="region_group", how="left"
    )
    highs = [reference_high_risk_of(DuckDBSource(con, replace(base, region_group=g)), period) for g in listed]
    frame = frame.with_columns(pl.col("volume").fill_null(0).cast(pl.Int64), high_risk=pl.Series(highs, dtype=pl.Int64))
    return frame.with_columns(
        volume_share=pl.col("volume") / total if total else pl.lit(None, dtype=pl.Float64),
        high_risk_share=pl.col("high_risk") / total_high if total_high else pl.lit(None, dtype=pl.Float64),
    ).sort("high_risk", "volume", descending=True)


def reference_region_by_line(
    con: duckdb.DuckDBPyConnection, filters: Filters, period: Period, metric_id: str, province: str | None = None
) -> pl.DataFrame:
    source_filters = view.region_filters(filters, province)
    by = view.level_of(province)
    lines = list(source_filters.business_lines) or list_filter_options(con).business_lines
    frames = []
    for line in lines:
        metrics = compute_breakdown(DuckDBSource(con, replace(source_filters, business_lines=(line,))), period, by)
        frames.append(
            metrics.filter(pl.col("key").is_not_null()).select(
                pl.col("key").alias("row"),
                pl.lit(line).alias("column"),
                pl.col(metric_id).cast(pl.Float64).alias("value"),
            )
        )
    return view._complete_counts(view._concat_cells(frames), view.MAP_METRICS[metric_id].unit)


def reference_product_by_issue(con: duckdb.DuckDBPyConnection, filters: Filters, period: Period) -> pl.DataFrame:
    issues = list(filters.issues) or list_filter_options(con).issues
    frames = []
    for issue in issues:
        volumes = DuckDBSource(con, replace(filters, issues=(issue,))).volumes(period, ["product"])["product"]
        frames.append(
            volumes.filter(pl.col("key").is_not_null()).select(
                pl.col("key").alias("row"),
                pl.lit(issue).alias("column"),
                pl.col("volume").cast(pl.Float64).alias("value"),
            )
        )
    return view._complete_counts(view._concat_cells(frames), "count")


# ---------------------------------------------------------------------------------------------
# Same frames (row order aside: the former frames came out of unordered joins).
# ---------------------------------------------------------------------------------------------
FILTERS = {
    "none": Filters(),
    "channel": Filters(channels=("电话",)),
    "province": Filters(provinces=("广东省",)),
    "lines": Filters(business_lines=("零售信贷", "借记卡")),  # not in name order: columns keep this order
    "region_group": Filters(region_group="珠三角"),
    "department": Filters(departments=("零售部",)),  # no cube holds it: the case table answers
    "issues": Filters(issues=("服务态度", "催收方式")),
    "referred_city": Filters(cities=("珠海市", "杭州市"), referred_only=True),
}


# The fast set checks the whole-bank view, a filter a cube answers and one only the case table answers; the other
# filters are the same paths with other columns and run in `make test` (marked slow).
FAST_FILTERS = ("none", "province", "department")
FILTER_CASES = [name if name in FAST_FILTERS else pytest.param(name, marks=pytest.mark.slow) for name in FILTERS]


def assert_same_cells(new: pl.DataFrame, old: pl.DataFrame, keys: list[str]) -> None:
    assert new.schema == old.schema
    assert_frame_equal(new.sort(keys), old.sort(keys))
    if "column" in new.columns:  # columns first appear in the same order (the heatmap lays them out so)
        assert list(dict.fromkeys(new["column"])) == list(dict.fromkeys(old["column"]))


@pytest.mark.parametrize("filter_name", FILTER_CASES)
def test_heatmaps_equal_one_engine_call_per_column(con: duckdb.DuckDBPyConnection, filter_name: str) -> None:
    filters = FILTERS[filter_name]
    for metric_id in view.HEATMAP_METRICS:
        for province in (None, "广东省", "浙江省"):
            new = view.region_by_business_line(con, filters, PERIOD, metric_id, province)
            old = reference_region_by_line(con, filters, PERIOD, metric_id, province)
            assert_same_cells(new, old, ["row", "column"])
    new = view.product_by_issue(con, filters, PERIOD)
    assert_same_cells(new, reference_product_by_issue(con, filters, PERIOD), ["row", "column"])
    assert new.height > 0


@pytest.mark.parametrize("filter_name", FILTER_CASES)
def test_group_shares_equal_one_engine_call_per_group(con: duckdb.DuckDBPyConnection, filter_name: str) -> None:
    filters = FILTERS[filter_name]
    new = view.region_group_shares(con, filters, PERIOD)
    assert_same_cells(new, reference_group_shares(con, filters, PERIOD), ["region_group"])


# Every filter over the year; the partial periods unfiltered in make test-fast, and filtered in make test.
TREND_CASES = [(name, "year") for name in FILTERS] + [
    (name, period) if name == "none" else pytest.param(name, period, marks=pytest.mark.slow)
    for name in ("none", "department", "region_group")
    for period in ("early", "late")
]


@pytest.mark.parametrize(("filter_name", "period_name"), TREND_CASES)
def test_volume_trend_equals_one_engine_call_per_month(
    con: duckdb.DuckDBPyConnection, filter_name: str, period_name: str
) -> None:
    filters = FILTERS[filter_name]
    period = {"year": PERIOD, "early": EARLY, "late": LATE}[period_name]
    for province in (None, "广东省", "浙江省"):
        new = view.region_trend(con, filters, period, "volume", province)
        assert_frame_equal(new, reference_region_trend(con, filters, period, "volume", province))


def test_the_data_exercises_what_a_shortcut_would_get_wrong(con: duckdb.DuckDBPyConnection) -> None:
    # 珠海市 is in every frame only because its old cases are closed or overdue in P (volume 0).
    cities = view.region_by_business_line(con, Filters(), PERIOD, "volume", "广东省")
    quiet = cities.filter(pl.col("row") == "珠海市")
    assert quiet.height == cities["column"].n_unique() and quiet["value"].sum() == 0
    trend = view.region_trend(con, Filters(), PERIOD, "volume", "广东省")
    assert trend.filter(pl.col("key") == "珠海市")["value"].to_list() == [0.0] * 12
    received = view.count_received(con, Filters(provinces=("广东省",)), PERIOD, ["city"])
    assert "珠海市" not in received["city"].to_list()
    # 温州市's cases were due in P but closed before it: no engine breakdown of P lists the city.
    assert "温州市" not in view.region_by_business_line(con, Filters(), PERIOD, "volume", "浙江省")["row"].to_list()
    due_in_p = con.sql(
        "SELECT count(*) FROM fct_complaint WHERE region_key = $k AND due_date >= $s AND due_date < $e",
        params={"k": CLOSED_EARLY[0], "s": PERIOD.start, "e": PERIOD.end},
    ).fetchall()[0][0]
    assert due_in_p > 0
    # A month before the data and a duplicated group member are part of the comparison.
    assert view.trend_periods(EARLY)[0].start < date(2024, 1, 1)
    shares = view.region_group_shares(con, Filters(), PERIOD).filter(pl.col("region_group") == "珠三角")
    counted = con.sql(
        "SELECT count(*) FROM fct_complaint WHERE region_key IN (11, 12, 13) AND risk_level = '高' "
        "AND received_date >= $s AND received_date < $e",
        params={"s": PERIOD.start, "e": PERIOD.end},
    ).fetchall()[0][0]
    assert shares["high_risk"][0] == counted > 0


def test_other_metrics_still_ask_the_engine_per_line(con: duckdb.DuckDBPyConnection) -> None:
    for metric_id in ("repeat_rate", "on_time_rate"):
        new = view.region_by_business_line(con, FILTERS["channel"], PERIOD, metric_id)
        assert_same_cells(new, reference_region_by_line(con, FILTERS["channel"], PERIOD, metric_id), ["row", "column"])
