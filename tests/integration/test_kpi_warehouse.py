"""End to end on a real warehouse: raw rows -> marts (rebuild_marts) -> KPI engine and `python -m dashboard kpis`.

The boundaries that the marts decide at case level (365-day repeat window, 90-day
derived one-time resolution, 15/60-day default deadlines) are checked through the
KPIs they feed; each expected figure is derived here from the rows landed.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from dashboard.__main__ import main
from dashboard.engine.filters import Filters
from dashboard.engine.kpi_source import DuckDBSource, list_filter_options
from dashboard.engine.kpis import compute_breakdown, compute_kpis, compute_period_metrics
from dashboard.engine.metrics import KPI_IDS
from dashboard.engine.periods import Period
from warehouse import store
from warehouse.marts import rebuild_marts
from warehouse.settings import setting

D = date
WINDOW = int(setting("repeat", "window_days"))
FOLLOW_UP_DAYS = int(setting("repeat", "first_time_resolution_days"))
COMPLAINT_DAYS = int(setting("deadlines", "complaint_days"))
PETITION_DAYS = int(setting("deadlines", "petition_days"))
PETITION_CHANNELS = set(setting("deadlines", "petition_channels"))

# A. Repeat window: k1's second case is exactly WINDOW days after the first, k2's one day more.
REPEAT_FIRST = D(2023, 1, 10)
REPEAT_CASES = [
    {"case_id": "R1", "complainant_key": "k1", "received": REPEAT_FIRST},
    {"case_id": "R2", "complainant_key": "k1", "received": REPEAT_FIRST + timedelta(days=WINDOW)},
    {"case_id": "R3", "complainant_key": "k2", "received": REPEAT_FIRST - timedelta(days=1)},
    {"case_id": "R4", "complainant_key": "k2", "received": REPEAT_FIRST + timedelta(days=WINDOW)},
    {"case_id": "R5", "complainant_key": None, "received": REPEAT_FIRST + timedelta(days=WINDOW)},
]
# B. Derived one-time resolution: a follow-up exactly FOLLOW_UP_DAYS after closing breaks it, one day later does not.
CLOSED_B = D(2024, 3, 1)
FIRST_TIME_CASES = [
    {"case_id": "F1", "complainant_key": "k3", "received": D(2024, 2, 20), "closed": CLOSED_B},
    {"case_id": "F2", "complainant_key": "k3", "received": CLOSED_B + timedelta(days=FOLLOW_UP_DAYS)},
    {"case_id": "F3", "complainant_key": "k4", "received": D(2024, 2, 20), "closed": CLOSED_B},
    {"case_id": "F4", "complainant_key": "k4", "received": CLOSED_B + timedelta(days=FOLLOW_UP_DAYS + 1)},
    {
        "case_id": "F5",
        "complainant_key": "k5",
        "received": D(2024, 2, 25),
        "closed": D(2024, 3, 5),
        "resolved_first_time": False,
    },
    {"case_id": "F6", "complainant_key": None, "received": D(2024, 2, 25), "closed": D(2024, 3, 6)},
]
# C. Default deadlines: 15 days for complaints, 60 for 来访/来信 petitions; a source deadline wins.
DEADLINE_START = D(2024, 6, 1)
DEADLINE_CASES = [
    {"case_id": "T1", "channel": "电话", "closed": DEADLINE_START + timedelta(days=COMPLAINT_DAYS)},
    {"case_id": "T2", "channel": "电话", "closed": DEADLINE_START + timedelta(days=COMPLAINT_DAYS + 1)},
    {"case_id": "T3", "channel": "来信", "closed": DEADLINE_START + timedelta(days=PETITION_DAYS)},
    {"case_id": "T4", "channel": "来访", "closed": DEADLINE_START + timedelta(days=PETITION_DAYS + 1)},
    {"case_id": "T5", "channel": "网络", "closed": DEADLINE_START + timedelta(days=30), "deadline_days": 30},
    {"case_id": "T6", "channel": "电话", "received": D(2024, 8, 10), "closed": None},  # open, due in P
]
DEADLINE_PERIOD = Period(D(2024, 6, 1), D(2024, 9, 1))


def raw_case(row: dict[str, Any], product: str, issue: str, index: int) -> dict[str, Any]:
    received = row.get("received", DEADLINE_START)
    closed = row.get("closed")
    return {
        "batch_id": 1,
        "source_row": index,
        "source_system": "default",
        "case_id": row["case_id"],
        "received_at": datetime.combine(received, datetime.min.time()) + timedelta(hours=10),
        "closed_at": None if closed is None else datetime.combine(closed, datetime.min.time()) + timedelta(hours=16),
        "status": None,
        "channel": row.get("channel", "电话"),
        "business_line": "零售信贷",
        "product": product,
        "issue": issue,
        "province": row.get("province", "广东"),
        "city": row.get("city", "深圳"),
        "department": "零售部",
        "complainant_key": row.get("complainant_key"),
        "regulator_referred": row.get("regulator_referred"),
        "deadline_days": row.get("deadline_days"),
        "resolved_first_time": row.get("resolved_first_time"),
        "satisfaction": row.get("satisfaction"),
        "row_hash": f"h{index}",
    }


def land(db: Path, cases: list[dict[str, Any]], customers: list[dict[str, Any]] | None = None) -> None:
    frame = pl.DataFrame(
        cases,
        schema_overrides={
            "deadline_days": pl.Int32,
            "regulator_referred": pl.Boolean,
            "resolved_first_time": pl.Boolean,
            "closed_at": pl.Datetime,
        },
    )
    with store.new_version(db) as con:
        con.register("cases_frame", frame.to_arrow())
        con.execute("INSERT INTO raw_cases BY NAME SELECT * FROM cases_frame")
        if customers:
            con.register("customers_frame", pl.DataFrame(customers).to_arrow())
            con.execute("INSERT INTO raw_customers BY NAME SELECT * FROM customers_frame")
        rebuild_marts(con)


@pytest.fixture
def warehouse(tmp_db: Path) -> Path:
    cases = [raw_case(r, "房抵贷", "息费争议", i) for i, r in enumerate(REPEAT_CASES, 1)]
    cases += [raw_case(r, "代销理财", "销售误导", i) for i, r in enumerate(FIRST_TIME_CASES, 100)]
    cases += [raw_case(r, "借记卡", "账户冻结", i) for i, r in enumerate(DEADLINE_CASES, 200)]
    customers = [
        {
            "batch_id": 2,
            "source_row": i,
            "source_system": "default",
            "province": "广东",
            "city": None,
            "month": D(2024, m, 1),
            "personal_customers": 2_000_000 + 100_000 * m,
            "branches": 400,
            "row_hash": f"c{i}",
        }
        for i, m in enumerate(range(1, 13), 1)
    ]
    land(tmp_db, cases, customers)
    return tmp_db


def metrics_of(filters: Filters, period: Period) -> dict[str, Any]:
    con = store.open_reader()
    try:
        return compute_period_metrics(DuckDBSource(con, filters), period).row(0, named=True)
    finally:
        con.close()


def test_repeat_window_boundary_on_both_sides(warehouse: Path) -> None:
    period = Period(D(2024, 1, 1), D(2024, 2, 1))
    row = metrics_of(Filters(products=("房抵贷",)), period)
    first = {}
    identified = repeats = 0
    for case in sorted(REPEAT_CASES, key=lambda c: c["received"]):
        key = case["complainant_key"]
        if key is None:
            continue
        if period.start <= case["received"] < period.end:
            identified += 1
            repeats += key in first and (case["received"] - first[key]).days <= WINDOW
        first.setdefault(key, case["received"])
    assert (identified, repeats) == (2, 1)
    assert row["volume"] == 3
    assert row["repeat_rate"] == pytest.approx(repeats / identified)


def test_derived_one_time_resolution_uses_the_follow_up_window(warehouse: Path) -> None:
    period = Period(D(2024, 3, 1), D(2024, 4, 1))
    row = metrics_of(Filters(products=("代销理财",)), period)
    resolved = {}
    for case in FIRST_TIME_CASES:
        if case.get("closed") is None or not period.start <= case["closed"] < period.end:
            continue
        if "resolved_first_time" in case:
            resolved[case["case_id"]] = case["resolved_first_time"]
        elif case["complainant_key"] is not None:
            resolved[case["case_id"]] = not any(
                other["complainant_key"] == case["complainant_key"]
                and other is not case
                and case["closed"] <= other["received"] <= case["closed"] + timedelta(days=FOLLOW_UP_DAYS)
                for other in FIRST_TIME_CASES
            )
    assert resolved == {"F1": False, "F3": True, "F5": False}
    assert row["rft_known"] == len(resolved) and row["closed"] == 4  # F6: no identifier, not derivable
    assert row["one_time_resolution_rate"] == pytest.approx(sum(resolved.values()) / len(resolved))


def test_default_deadlines_of_15_and_60_days(warehouse: Path) -> None:
    row = metrics_of(Filters(products=("借记卡",)), DEADLINE_PERIOD)
    due_in_p = on_time = 0
    for case in DEADLINE_CASES:
        received = case.get("received", DEADLINE_START)
        days = case.get("deadline_days") or (PETITION_DAYS if case["channel"] in PETITION_CHANNELS else COMPLAINT_DAYS)
        due = received + timedelta(days=days)
        closed = case["closed"]
        if closed is not None and DEADLINE_PERIOD.start <= closed < DEADLINE_PERIOD.end:
            due_in_p += 1
            on_time += closed <= due
        elif closed is None and DEADLINE_PERIOD.start <= due < DEADLINE_PERIOD.end:
            due_in_p += 1
    assert (on_time, due_in_p) == (3, 6)
    assert row["on_time_rate"] == pytest.approx(on_time / due_in_p)


def test_per_million_customers_from_the_landed_customer_base(warehouse: Path) -> None:
    period = DEADLINE_PERIOD
    customers = [2_000_000 + 100_000 * m for m in (6, 7, 8)]
    row = metrics_of(Filters(provinces=("广东省",)), period)
    volume = sum(period.start <= c.get("received", DEADLINE_START) < period.end for c in DEADLINE_CASES)
    assert row["volume"] == volume
    assert row["per_million_customers"] == pytest.approx(volume / (sum(customers) / 3 / 1_000_000))
    assert row["per_1000_branches"] == pytest.approx(volume / (400 / 1_000))


def test_breakdowns_on_the_warehouse_cover_every_dimension(warehouse: Path) -> None:
    con = store.open_reader()
    try:
        source = DuckDBSource(con, Filters())
        period = Period(D(2023, 1, 1), D(2025, 1, 1))
        total = compute_period_metrics(source, period).row(0, named=True)["volume"]
        assert total == len(REPEAT_CASES) + len(FIRST_TIME_CASES) + len(DEADLINE_CASES)
        for by in (
            "channel",
            "business_line",
            "product",
            "issue",
            "province",
            "city",
            "department",
            "risk_level",
            "month",
            "quarter",
        ):
            assert compute_breakdown(source, period, by)["volume"].sum() == total, by
        groups = compute_breakdown(source, period, "region_group")
        assert set(groups["key"]) == {"珠三角", "粤港澳大湾区"}  # every case is in 深圳
        assert groups["volume"].to_list() == [total, total]
        report = compute_kpis(source, DEADLINE_PERIOD)
        assert set(report.kpis) == set(KPI_IDS)
    finally:
        con.close()


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["kpis", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_json_follows_the_contract(warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(
        capsys, "--from", "2024-06-01", "--to", "2024-09-01", "--where", "product=借记卡", "--by", "channel", "--json"
    )
    assert code == 0
    payload = json.loads(out)
    assert payload["period"] == ["2024-06-01", "2024-09-01"]
    assert payload["previous_year"] == ["2023-06-01", "2023-09-01"]
    assert payload["previous_period"] == ["2024-03-01", "2024-06-01"]
    assert set(payload["kpis"]) == set(KPI_IDS)
    for figure in payload["kpis"].values():
        assert {"value", "previous_year", "yoy", "previous_period", "pop", "target", "status"} <= set(figure)
    on_time = payload["kpis"]["on_time_rate"]
    assert on_time["value"] == pytest.approx(metrics_of(Filters(products=("借记卡",)), DEADLINE_PERIOD)["on_time_rate"])
    assert 0 < on_time["value"] < 1  # a fraction, not a percent
    assert payload["kpis"]["repeat_rate"]["value"] is None and payload["kpis"]["repeat_rate"]["reason"]
    assert payload["by"]["dim"] == "channel"
    by_channel = {row["key"]: row["volume"] for row in payload["by"]["rows"]}
    expected: dict[str, int] = {}
    for case in DEADLINE_CASES:
        expected[case["channel"]] = expected.get(case["channel"], 0) + 1
    assert by_channel == expected
    assert {row["key"]: row["share"] for row in payload["mix"]["channel"]} == pytest.approx(
        {k: v / len(DEADLINE_CASES) for k, v in expected.items()}
    )


def test_cli_text_output_and_errors(warehouse: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run_cli(
        capsys, "--from", "2024-06-01", "--to", "2024-09-01", "--where", "province=广东", "--by", "month"
    )
    assert code == 0
    assert "按期办结率" in out and "按月份" in out and "2024-08" in out and "省份：广东省" in out
    code, _, err = run_cli(capsys, "--from", "2024-06-01", "--to", "2024-09-01", "--where", "colour=红")
    assert code == 2 and "不能按" in err
    code, _, err = run_cli(capsys, "--from", "2024-06-01")
    assert code == 2 and "--to" in err
    code, _, err = run_cli(capsys, "--from", "2024-06-01", "--to", "2024-09-01", "--db", str(tmp_path / "none.duckdb"))
    assert code == 2 and "没有找到数据仓库" in err


def test_cli_preset_is_relative_to_the_latest_data(warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    latest = max(c.get("received", DEADLINE_START) for c in DEADLINE_CASES + FIRST_TIME_CASES + REPEAT_CASES)
    code, out, _ = run_cli(capsys, "--preset", "this_month", "--json")
    assert code == 0
    payload = json.loads(out)
    assert payload["period"] == [latest.replace(day=1).isoformat(), (latest + timedelta(days=1)).isoformat()]


def test_filter_options_list_what_occurs_in_the_cases(warehouse: Path) -> None:
    con = store.open_reader()
    try:
        options = list_filter_options(con)
    finally:
        con.close()
    assert options.cities_by_province == {"广东省": ["深圳市"]}
    assert options.products_by_line == {"零售信贷": sorted({"房抵贷", "代销理财", "借记卡"})}
    used = {c.get("channel", "电话") for c in REPEAT_CASES + FIRST_TIME_CASES + DEADLINE_CASES}
    assert options.channels == [c for c in setting("channels", "known") if c in used]
    assert options.region_groups == list(setting("region_groups"))
    assert options.departments == ["零售部"]
