"""Each row rule sends the offending row to quarantine, named by its rule; the rest of the file loads."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from tests.builders import build_cases, build_customers, build_events, read_table_rows, write_csv
from warehouse.importer.pipeline import import_file
from warehouse.importer.values import now_cst


def _future() -> str:
    return (now_cst() + timedelta(days=30)).strftime("%Y-%m-%d %H:%M:%S")


# (rule, builder, overrides of the bad row, column named in the quarantine, value shown)
CASES: list[tuple[str, Callable[..., pl.DataFrame], dict[str, Any], str, str | None]] = [
    ("required_missing", build_cases, {"case_id": ""}, "案件编号", None),
    ("required_missing", build_cases, {"complainant_id": " "}, "客户标识", None),
    ("invalid_date", build_cases, {"received_at": "2024-02-30"}, "受理时间", "2024-02-30"),
    ("invalid_date", build_cases, {"closed_at": "下周"}, "办结时间", "下周"),
    ("future_date", build_cases, {"received_at": _future(), "closed_at": None}, "受理时间", _future()[:10]),
    ("date_too_early", build_cases, {"received_at": "1985-03-01", "closed_at": None}, "受理时间", "1985-03-01"),
    (
        "closed_before_received",
        build_cases,
        {"received_at": "2024-07-10 09:00", "closed_at": "2024-07-09 18:00"},
        "办结时间",
        "2024-07-09 18:00",
    ),
    ("invalid_boolean", build_cases, {"litigation": "也许"}, "是否诉讼", "也许"),
    ("invalid_number", build_cases, {"amount_disputed": "一千元"}, "争议金额", "一千元"),
    ("negative_amount", build_cases, {"amount_disputed": -100.5}, "争议金额", "-100.5"),
    ("invalid_deadline", build_cases, {"deadline_days": 0}, "办理时限天数", "0"),
    ("invalid_deadline", build_cases, {"deadline_days": 400}, "办理时限天数", "400"),
    ("invalid_number", build_cases, {"deadline_days": "7.5"}, "办理时限天数", "7.5"),
    ("invalid_status", build_cases, {"status": "挂起"}, "办理状态", "挂起"),
    ("unknown_province", build_cases, {"province": "火星", "city": None}, "省份", "火星"),
    ("invalid_month", build_customers, {"month": "2024-13"}, "月份", "2024-13"),
    ("invalid_count", build_customers, {"personal_customers": 0}, "个人客户数", "0"),
    ("invalid_number", build_customers, {"personal_customers": "很多"}, "个人客户数", "很多"),
    ("unknown_stage", build_events, {"stage": "审批"}, "环节", "审批"),
    (
        "finished_before_started",
        build_events,
        {"started_at": "2024-07-02 10:00", "finished_at": "2024-07-02 09:59"},
        "完成时间",
        "2024-07-02 09:59",
    ),
]


@pytest.mark.parametrize(
    ("rule", "build", "bad", "column", "value"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_a_row_breaking_a_rule_is_quarantined_and_the_rest_loads(
    rule: str,
    build: Callable[..., pl.DataFrame],
    bad: dict[str, Any],
    column: str,
    value: str | None,
    tmp_path: Path,
    tmp_db: Path,
) -> None:
    rows: list[dict[str, Any]] = [{}, {}, bad, {}]
    path = write_csv(build(rows), tmp_path / "file.csv")
    result = import_file(path)
    assert not result.rejected, result.message
    assert (result.read, result.loaded, result.quarantined) == (4, 3, 1)
    assert result.reconciles
    landed = read_table_rows(tmp_db, "SELECT source_row, column_name, value, rule, message FROM quarantine")
    assert len(landed) == 1
    source_row, column_name, shown, rule_found, message = landed[0]
    assert (source_row, column_name, rule_found) == (3, column, rule)
    assert "第3行" in message and column in message
    if value is not None:
        assert value in shown and value in message
    assert result.quarantine_rows["rule"].to_list() == [rule]
    kind_table = {"build_cases": "raw_cases", "build_customers": "raw_customers", "build_events": "raw_events"}
    table = kind_table[build.__name__]
    assert read_table_rows(tmp_db, f"SELECT list(source_row ORDER BY source_row) FROM {table}") == [([1, 2, 4],)]


def test_a_row_breaking_several_rules_is_quarantined_once_with_every_rule(tmp_path: Path, tmp_db: Path) -> None:
    frame = build_cases([{}, {"province": "火星", "city": None, "amount_disputed": -1.0, "litigation": "也许"}])
    result = import_file(write_csv(frame, tmp_path / "file.csv"))
    assert (result.read, result.loaded, result.quarantined) == (2, 1, 1)
    rules = read_table_rows(tmp_db, "SELECT rule FROM quarantine WHERE source_row = 2 ORDER BY rule")
    assert [r for (r,) in rules] == sorted(["unknown_province", "negative_amount", "invalid_boolean"])


def test_an_accepted_load_records_its_batch_and_its_quarantine(tmp_path: Path, tmp_db: Path) -> None:
    frame = build_cases([{}, {"received_at": ""}, {}])
    result = import_file(write_csv(frame, tmp_path / "batch.csv"))
    batches = read_table_rows(
        tmp_db,
        "SELECT batch_id, file_name, kind, profile, source_system, rows_read, rows_loaded, rows_updated, "
        "rows_duplicate, rows_quarantined, status FROM etl_batch",
    )
    assert batches == [(result.batch_id, "batch.csv", "cases", "canonical", "default", 3, 2, 0, 0, 1, "loaded")]
    assert read_table_rows(tmp_db, "SELECT DISTINCT batch_id FROM quarantine") == [(result.batch_id,)]
    assert read_table_rows(tmp_db, "SELECT DISTINCT batch_id FROM raw_cases") == [(result.batch_id,)]
