"""The import gate: each suite passes on good rows and each expectation fails on rows broken here."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import duckdb
import polars as pl
import pytest

from data_checks.check import EARLIEST_DATE, now_cst
from data_checks.gate import CheckOutcome, load_check_history, load_check_results, record_outcome, validate_batch
from data_checks.raw_checks import BATCH_CHECKS
from warehouse import store

NOW = now_cst().replace(microsecond=0)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def build_cases(n: int = 60) -> pl.DataFrame:
    """Valid raw_cases rows: every third case open, optional columns partly blank."""
    start = NOW - timedelta(days=400)
    received = [start + timedelta(hours=7 * i) for i in range(n)]
    is_open = [i % 3 == 0 for i in range(n)]
    return pl.DataFrame(
        {
            "source_row": list(range(1, n + 1)),
            "source_system": ["default"] * n,
            "case_id": [f"TS{i:05d}" for i in range(n)],
            "received_at": received,
            "closed_at": [None if is_open[i] else received[i] + timedelta(days=i % 20) for i in range(n)],
            "status": ["办理中" if is_open[i] else "已办结" for i in range(n)],
            "channel": [("电话", "网络", "来访", "监管转办")[i % 4] for i in range(n)],
            "business_line": [None if i % 5 == 0 else "信用卡" for i in range(n)],
            "product": [("信用卡分期", "房抵贷", "借记卡")[i % 3] for i in range(n)],
            "issue": [("息费争议", "催收方式", "服务态度")[i % 3] for i in range(n)],
            "province": [("广东省", "北京市", "内蒙古自治区", "香港特别行政区")[i % 4] for i in range(n)],
            "city": [("深圳市", "北京市", None, None)[i % 4] for i in range(n)],
            "branch": [None if i % 2 else "深圳分行" for i in range(n)],
            "department": [None] * n,
            "complainant_key": [None if i % 7 == 0 else sha(f"id{i % 9}") for i in range(n)],
            "complainant_name_masked": [None if i % 7 == 0 else "张**" for i in range(n)],
            "phone_masked": [None if i % 7 == 0 else "138****1234" for i in range(n)],
            "vulnerable_group": [("无", "老年人", None)[i % 3] for i in range(n)],
            "regulator_referred": [i % 4 == 3 for i in range(n)],
            "deadline_days": [None if i % 2 else 15 for i in range(n)],
            "resolved_first_time": [None] * n,
            "satisfaction": [("满意", "基本满意", "不满意", "未回访", None)[i % 5] for i in range(n)],
            "amount_disputed_yuan": [None if i % 4 else Decimal("1200.50") for i in range(n)],
            "litigation": [False] * n,
            "media_exposure": [i == 5 for i in range(n)],
            "summary": ["客户对分期手续费有异议"] * n,
            "row_hash": [sha(f"row{i}") for i in range(n)],
            "mediation": [("调解成功", "调解失败", "未调解", None)[i % 4] for i in range(n)],
            "compensation_yuan": [Decimal("300.00") if i % 4 == 0 else None for i in range(n)],
            "advance_payment": [None] * n,
            "defect_ids": [None] * n,
        },
        schema_overrides={
            "compensation_yuan": pl.Decimal(18, 2),
            "advance_payment": pl.Boolean,
            "defect_ids": pl.String,
            "closed_at": pl.Datetime("us"),
            "received_at": pl.Datetime("us"),
            "department": pl.String,
            "deadline_days": pl.Int32,
            "resolved_first_time": pl.Boolean,
            "amount_disputed_yuan": pl.Decimal(18, 2),
            "source_row": pl.Int64,
        },
    )


def build_customers(n_months: int = 12) -> pl.DataFrame:
    this_month = NOW.date().replace(day=1)
    months: list[date] = []
    year, month = this_month.year, this_month.month
    for _ in range(n_months):
        months.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    regions = [("广东省", "深圳市"), ("广东省", None), ("北京市", "北京市")]
    rows = [(p, c, m) for m in months for p, c in regions]
    n = len(rows)
    return pl.DataFrame(
        {
            "source_row": list(range(1, n + 1)),
            "source_system": ["default"] * n,
            "province": [r[0] for r in rows],
            "city": [r[1] for r in rows],
            "month": [r[2] for r in rows],
            "personal_customers": [1_000_000 + 10 * i for i in range(n)],
            "branches": [None if i % 4 == 0 else 120 for i in range(n)],
            "row_hash": [sha(f"cust{i}") for i in range(n)],
        },
        schema_overrides={"source_row": pl.Int64, "branches": pl.Int32, "month": pl.Date},
    )


def build_events(n_cases: int = 15) -> pl.DataFrame:
    stages = ["受理", "分派", "调查", "沟通", "决策", "反馈", "回访"]
    start = NOW - timedelta(days=90)
    rows: list[tuple[str, str, datetime, datetime | None]] = []
    for c in range(n_cases):
        moment = start + timedelta(days=c)
        for s, stage in enumerate(stages[: 3 + c % 5]):
            finished = None if (c % 4 == 0 and s == 2 + c % 5) else moment + timedelta(hours=5)
            rows.append((f"TS{c:05d}", stage, moment, finished))
            moment += timedelta(hours=6)
    n = len(rows)
    return pl.DataFrame(
        {
            "source_row": list(range(1, n + 1)),
            "source_system": ["default"] * n,
            "case_id": [r[0] for r in rows],
            "stage": [r[1] for r in rows],
            "started_at": [r[2] for r in rows],
            "finished_at": [r[3] for r in rows],
            "row_hash": [sha(f"ev{i}") for i in range(n)],
        },
        schema_overrides={"source_row": pl.Int64, "finished_at": pl.Datetime("us"), "started_at": pl.Datetime("us")},
    )


def build_contacts(n: int = 12) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "source_row": list(range(1, n + 1)),
            "source_system": ["default"] * n,
            "complainant_key": [sha(f"person{i % 5}") for i in range(n)],
            "contacted_at": [NOW - timedelta(days=60 - i) for i in range(n)],
            "method": [("来电", "上门", "约谈", "书面")[i % 4] for i in range(n)],
            "staff": ["李经理"] * n,
            "outcome": ["已解释"] * n,
            "row_hash": [sha(f"ct{i}") for i in range(n)],
        },
        schema_overrides={"source_row": pl.Int64, "contacted_at": pl.Datetime("us")},
    )


def build_defects(n: int = 12) -> pl.DataFrame:
    found = [date(2025, 1, 1) + timedelta(days=i) for i in range(n)]
    done = [d + timedelta(days=20) if i % 3 else None for i, d in enumerate(found)]
    return pl.DataFrame(
        {
            "source_row": list(range(1, n + 1)),
            "source_system": ["default"] * n,
            "defect_id": [f"QX{i:03d}" for i in range(n)],
            "defect_type": [("制度缺陷", "系统漏洞", "流程断点")[i % 3] for i in range(n)],
            "description": ["描述"] * n,
            "root_cause": ["制度缺失"] * n,
            "department": ["信用卡中心"] * n,
            "found_date": found,
            "due_date": [d + timedelta(days=60) for d in found],
            "status": ["已完成" if d else "整改中" for d in done],
            "completed_date": done,
            "measure": ["修订制度"] * n,
            "case_ids": ["C1；C2"] * n,
            "row_hash": [sha(f"df{i}") for i in range(n)],
        },
        schema_overrides={"source_row": pl.Int64, "completed_date": pl.Date},
    )


BUILDERS: dict[str, Callable[[], pl.DataFrame]] = {
    "cases": build_cases,
    "customers": build_customers,
    "events": build_events,
    "contacts": build_contacts,
    "defects": build_defects,
}


def set_value(frame: pl.DataFrame, column: str, row: int, value: Any) -> pl.DataFrame:
    """The frame with one cell replaced (row = 0-based position)."""
    dtype = frame.schema[column]
    return frame.with_columns(
        pl.when(pl.int_range(pl.len()) == row).then(pl.lit(value, dtype=dtype)).otherwise(pl.col(column)).alias(column)
    )


# check id -> (kind, how to break good rows, 0-based row broken or None for a table-level break)
Breaker = tuple[str, Callable[[pl.DataFrame], pl.DataFrame], int | None]
FUTURE = NOW + timedelta(days=3)
TOO_EARLY = datetime(1899, 12, 30)


def _null(kind: str, column: str, row: int = 4) -> Breaker:
    # A blank source_row cannot name its own row.
    return kind, lambda f: set_value(f, column, row, None), None if column == "source_row" else row


BREAKERS: dict[str, Breaker] = {
    # cases
    "cases.columns_present": ("cases", lambda f: f.drop("product"), None),
    "cases.source_row_unique": ("cases", lambda f: set_value(f, "source_row", 2, 2), 1),
    "cases.source_row_positive": ("cases", lambda f: set_value(f, "source_row", 0, 0), None),
    **{
        f"cases.{c}_not_null": _null("cases", c)
        for c in (
            "source_row",
            "source_system",
            "case_id",
            "received_at",
            "channel",
            "product",
            "issue",
            "province",
            "row_hash",
        )
    },
    "cases.received_at_not_future": ("cases", lambda f: set_value(f, "received_at", 3, FUTURE), 3),
    "cases.received_at_not_too_early": ("cases", lambda f: set_value(f, "received_at", 6, TOO_EARLY), 6),
    "cases.closed_at_not_future": ("cases", lambda f: set_value(f, "closed_at", 4, FUTURE), 4),
    "cases.closed_not_before_received": (
        "cases",
        lambda f: set_value(f, "closed_at", 4, f["received_at"][4] - timedelta(hours=1)),
        4,
    ),
    "cases.status_in_set": ("cases", lambda f: set_value(f, "status", 7, "已结案"), 7),
    "cases.open_case_not_closed": ("cases", lambda f: set_value(f, "closed_at", 3, f["received_at"][3]), 3),
    "cases.channel_known": ("cases", lambda f: set_value(f, "channel", 8, "抖音"), 8),
    "cases.province_canonical": ("cases", lambda f: set_value(f, "province", 9, "广东"), 9),
    "cases.deadline_days_range": ("cases", lambda f: set_value(f, "deadline_days", 10, 0), 10),
    "cases.amount_not_negative": ("cases", lambda f: set_value(f, "amount_disputed_yuan", 12, Decimal("-1.00")), 12),
    "cases.satisfaction_in_set": ("cases", lambda f: set_value(f, "satisfaction", 11, "非常满意"), 11),
    "cases.compensation_not_negative": ("cases", lambda f: set_value(f, "compensation_yuan", 8, Decimal("-5.00")), 8),
    "cases.mediation_in_set": ("cases", lambda f: set_value(f, "mediation", 14, "调解中"), 14),
    "cases.vulnerable_group_in_set": ("cases", lambda f: set_value(f, "vulnerable_group", 13, "外籍人士"), 13),
    "cases.complainant_key_hashed": ("cases", lambda f: set_value(f, "complainant_key", 15, "110101199001011234"), 15),
    "cases.name_masked": ("cases", lambda f: set_value(f, "complainant_name_masked", 16, "张三"), 16),
    "cases.phone_masked": ("cases", lambda f: set_value(f, "phone_masked", 17, "13812345678"), 17),
    "cases.case_once_per_file": ("cases", lambda f: set_value(f, "case_id", 18, f["case_id"][19]), 18),
    # customers
    "customers.columns_present": ("customers", lambda f: f.drop("personal_customers"), None),
    "customers.source_row_unique": ("customers", lambda f: set_value(f, "source_row", 2, 2), 1),
    "customers.source_row_positive": ("customers", lambda f: set_value(f, "source_row", 0, -3), None),
    **{
        f"customers.{c}_not_null": _null("customers", c)
        for c in ("source_row", "source_system", "province", "month", "personal_customers", "row_hash")
    },
    "customers.month_valid": ("customers", lambda f: set_value(f, "month", 5, f["month"][5] + timedelta(days=14)), 5),
    "customers.personal_customers_positive": ("customers", lambda f: set_value(f, "personal_customers", 6, 0), 6),
    "customers.branches_not_negative": ("customers", lambda f: set_value(f, "branches", 7, -2), 7),
    "customers.province_canonical": ("customers", lambda f: set_value(f, "province", 8, "Beijing"), 8),
    "customers.region_month_once_per_file": ("customers", lambda f: set_value(f, "month", 3, f["month"][0]), 3),
    # events
    "events.columns_present": ("events", lambda f: f.drop("stage"), None),
    "events.source_row_unique": ("events", lambda f: set_value(f, "source_row", 2, 2), 1),
    "events.source_row_positive": ("events", lambda f: set_value(f, "source_row", 0, 0), None),
    **{
        f"events.{c}_not_null": _null("events", c)
        for c in ("source_row", "source_system", "case_id", "stage", "started_at", "row_hash")
    },
    "events.stage_in_set": ("events", lambda f: set_value(f, "stage", 5, "归档"), 5),
    "events.started_at_not_future": (
        "events",
        lambda f: set_value(f, "started_at", 6, FUTURE).pipe(lambda g: set_value(g, "finished_at", 6, None)),
        6,
    ),
    "events.started_at_not_too_early": ("events", lambda f: set_value(f, "started_at", 7, TOO_EARLY), 7),
    "events.finished_at_not_future": ("events", lambda f: set_value(f, "finished_at", 1, FUTURE), 1),
    "events.finished_not_before_started": (
        "events",
        lambda f: set_value(f, "finished_at", 1, f["started_at"][1] - timedelta(minutes=5)),
        1,
    ),
    "events.stage_once_per_file": ("events", lambda f: set_value(f, "stage", 1, f["stage"][0]), 1),
    # contacts
    "contacts.columns_present": ("contacts", lambda f: f.drop("method"), None),
    "contacts.source_row_unique": ("contacts", lambda f: set_value(f, "source_row", 2, 2), 1),
    "contacts.source_row_positive": ("contacts", lambda f: set_value(f, "source_row", 0, 0), None),
    **{
        f"contacts.{c}_not_null": _null("contacts", c)
        for c in ("source_row", "source_system", "complainant_key", "contacted_at", "method", "row_hash")
    },
    "contacts.contacted_at_not_future": ("contacts", lambda f: set_value(f, "contacted_at", 4, FUTURE), 4),
    "contacts.contacted_at_not_too_early": ("contacts", lambda f: set_value(f, "contacted_at", 5, TOO_EARLY), 5),
    # defects
    "defects.columns_present": ("defects", lambda f: f.drop("status"), None),
    "defects.source_row_unique": ("defects", lambda f: set_value(f, "source_row", 2, 2), 1),
    "defects.source_row_positive": ("defects", lambda f: set_value(f, "source_row", 0, 0), None),
    **{
        f"defects.{c}_not_null": _null("defects", c)
        for c in (
            *("source_row", "source_system", "defect_id", "defect_type", "department", "found_date", "due_date"),
            *("status", "row_hash"),
        )
    },
    "defects.status_in_set": ("defects", lambda f: set_value(f, "status", 4, "差不多了"), 4),
    "defects.completed_not_before_found": (
        "defects",
        lambda f: set_value(f, "completed_date", 1, f["found_date"][1] - timedelta(days=3)),
        1,
    ),
    "defects.defect_type_known": ("defects", lambda f: set_value(f, "defect_type", 5, "管理漏洞"), 5),
    "defects.defect_once_per_file": ("defects", lambda f: set_value(f, "defect_id", 1, f["defect_id"][0]), 1),
}
ALL_BATCH_CHECKS = {check.id: check for checks in BATCH_CHECKS.values() for check in checks}


def test_every_batch_check_has_a_breaking_case_here() -> None:
    assert set(BREAKERS) == set(ALL_BATCH_CHECKS)


@pytest.mark.parametrize("kind", list(BUILDERS))
def test_each_suite_passes_on_good_rows(kind: str) -> None:
    frame = BUILDERS[kind]()
    outcome = validate_batch(kind, frame)
    assert outcome.ok, outcome.critical_failures
    assert outcome.failed_checks == []
    assert outcome.suite == f"raw_{kind}"
    assert {r["expectation"] for r in outcome.results} == {c.id for c in BATCH_CHECKS[kind]}
    # GX really ran over the frame: row-level results counted every row.
    unique = next(r for r in outcome.results if r["expectation"] == f"{kind}.source_row_unique")
    assert unique["element_count"] == frame.height
    assert unique["unexpected_count"] == 0


# Every check of the cases suite is broken in the fast set; the other kinds' checks (the same mechanism) run in
# `make test` (marked slow).
BREAK_CASES = [c if c.startswith("cases.") else pytest.param(c, marks=pytest.mark.slow) for c in sorted(BREAKERS)]


@pytest.mark.parametrize("check_id", BREAK_CASES)
def test_each_check_fails_on_rows_broken_for_it(check_id: str) -> None:
    kind, breaker, row = BREAKERS[check_id]
    check = ALL_BATCH_CHECKS[check_id]
    good = BUILDERS[kind]()
    broken = breaker(good)
    outcome = validate_batch(kind, broken)

    result = next(r for r in outcome.results if r["expectation"] == check_id)
    assert result["success"] is False
    assert outcome.failed_checks == [check_id], "only the check aimed at should fail"
    assert outcome.ok is (not check.critical)
    if check.critical:
        assert len(outcome.critical_failures) == 1
        assert check_id in outcome.critical_failures[0]
        assert check.description in outcome.critical_failures[0]
    else:
        assert outcome.warnings == [result["details"]]
    if row is not None:
        source_row = good["source_row"][row]
        assert f"第 {source_row} 行" in result["details"], result["details"]
        assert result["unexpected_count"] >= 1


def test_missing_column_is_named_in_the_failure() -> None:
    outcome = validate_batch("cases", build_cases().drop("issue", "channel"))
    assert not outcome.ok
    assert "问题类型（issue）" in outcome.critical_failures[0]
    assert "渠道（channel）" in outcome.critical_failures[0]


def test_received_in_the_future_names_row_and_value() -> None:
    frame = set_value(build_cases(), "received_at", 0, datetime(2091, 5, 6, 7, 8, 9))
    outcome = validate_batch("cases", frame)
    assert "第 1 行（受理时间=2091-05-06 07:08:09）" in outcome.critical_failures[0]


def test_earliest_allowed_date_passes_and_one_second_before_fails() -> None:
    edge = datetime.combine(EARLIEST_DATE, datetime.min.time())
    assert validate_batch("events", set_value(build_events(), "started_at", 3, edge)).ok
    outcome = validate_batch("events", set_value(build_events(), "started_at", 3, edge - timedelta(seconds=1)))
    assert outcome.failed_checks == ["events.started_at_not_too_early"]


def test_many_bad_rows_are_counted_with_example_values() -> None:
    frame = build_cases(3000)
    frame = frame.with_columns(pl.col("province").replace({"广东省": "广东"}))
    bad = frame.filter(pl.col("province") == "广东").height
    outcome = validate_batch("cases", frame)
    result = next(r for r in outcome.results if r["expectation"] == "cases.province_canonical")
    assert result["unexpected_count"] == bad
    assert result["examples"]


def test_empty_batch_passes() -> None:
    for kind, build in BUILDERS.items():
        assert validate_batch(kind, build().head(0)).ok


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="未知的数据类型"):
        validate_batch("complaints", build_cases())


def test_a_batch_of_many_repeated_rows_passes() -> None:
    # How fast the gate is is measured by `make bench`: it is part of the 1M-row CSV import (benchmarks/run.py).
    n = 6_000
    base = build_cases(30)
    frame = pl.concat([base] * (n // base.height)).with_columns(
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("source_row"),
        ("C" + pl.int_range(pl.len()).cast(pl.String)).alias("case_id"),
    )
    outcome = validate_batch("cases", frame)
    assert outcome.ok
    assert max(r["element_count"] or 0 for r in outcome.results) == n  # every row was checked


def test_record_outcome_writes_one_row_per_check_and_reads_back() -> None:
    good = validate_batch("customers", build_customers())
    warned = validate_batch("cases", set_value(build_cases(), "channel", 2, "抖音"))
    with store.new_version() as con:
        record_outcome(con, 11, good)
        record_outcome(con, 12, warned)
    con = store.open_reader()
    try:
        stored = con.sql("SELECT batch_id, count(*) FROM dq_result GROUP BY ALL ORDER BY 1").fetchall()
        assert stored == [(11, len(good.results)), (12, len(warned.results))]
        times = con.sql("SELECT count(DISTINCT checked_at) FROM dq_result WHERE batch_id = 12").fetchall()
        assert times == [(1,)]

        results = load_check_results(con, 12)
        assert results.height == len(warned.results)
        first = results.row(0, named=True)
        assert (first["expectation"], first["success"], first["severity"]) == ("cases.channel_known", False, "警告")
        assert first["description"] == ALL_BATCH_CHECKS["cases.channel_known"].description
        assert "第 3 行" in first["details"]
        assert results["success"].sum() == len(warned.results) - 1

        history = load_check_history(con)
        assert history.select("batch_id", "checks", "failed", "critical_failed").rows() == [
            (12, len(warned.results), 1, 0),
            (11, len(good.results), 0, 0),
        ]
    finally:
        con.close()


def test_reading_results_from_a_file_without_dq_result_gives_empty_frames(tmp_path) -> None:
    con = duckdb.connect(str(tmp_path / "bare.duckdb"))
    try:
        assert load_check_results(con, 1).is_empty()
        assert load_check_history(con).is_empty()
    finally:
        con.close()


def test_outcome_without_critical_failures_is_ok() -> None:
    assert CheckOutcome(suite="raw_cases").ok
    assert not CheckOutcome(suite="raw_cases", critical_failures=["x"]).ok
