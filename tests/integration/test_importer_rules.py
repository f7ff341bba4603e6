"""Each row rule sends the offending row to quarantine, named by its rule; the rest of the file loads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from tests.builders import build_cases, build_customers, build_events, read_table_rows, write_csv
from warehouse.importer.pipeline import import_file
from warehouse.importer.results import LoadResult
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


KIND_TABLE = {"build_cases": "raw_cases", "build_customers": "raw_customers", "build_events": "raw_events"}


@dataclass
class FoldedLoad:
    """One import of one kind's file: a valid row, then each bad row of CASES followed by a valid row."""

    result: LoadResult
    db: Path
    bad_rows: dict[int, int]  # index in CASES -> source row (1-based) of its bad row
    good_rows: list[int]


@pytest.fixture(scope="module")
def folded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, FoldedLoad]:
    """Every bad row of a kind in one file, imported once per kind (an import costs about a second of data
    checks), so the per-rule tests below read their own row's outcome instead of importing a file each."""
    loads: dict[str, FoldedLoad] = {}
    for build in (build_cases, build_customers, build_events):
        folder = tmp_path_factory.mktemp(f"rules_{build.__name__}")
        rows: list[dict[str, Any]] = [{}]
        bad_rows: dict[int, int] = {}
        for index, case in enumerate(CASES):
            if case[1] is build:
                rows.append(case[2])
                bad_rows[index] = len(rows)
                rows.append({})
        good_rows = [n for n in range(1, len(rows) + 1) if n not in bad_rows.values()]
        db = folder / "wh" / "cockpit.duckdb"
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("COCKPIT_DB", str(db))
            patch.setenv("COCKPIT_SALT_FILE", str(folder / "salt"))
            result = import_file(write_csv(build(rows), folder / "file.csv"), db=db)
        loads[build.__name__] = FoldedLoad(result, db, bad_rows, good_rows)
    return loads


@pytest.mark.parametrize("kind", sorted(KIND_TABLE))
def test_a_file_with_broken_rows_quarantines_them_and_loads_the_rest(kind: str, folded: dict[str, FoldedLoad]) -> None:
    load = folded[kind]
    result = load.result
    assert not result.rejected, result.message
    read, bad = len(load.good_rows) + len(load.bad_rows), len(load.bad_rows)
    assert (result.read, result.loaded, result.quarantined) == (read, read - bad, bad)
    assert result.reconciles
    table = KIND_TABLE[kind]
    assert read_table_rows(load.db, f"SELECT list(source_row ORDER BY source_row) FROM {table}") == [(load.good_rows,)]


@pytest.mark.parametrize(
    ("index", "rule", "build", "column", "value"),
    [(i, c[0], c[1], c[3], c[4]) for i, c in enumerate(CASES)],
    ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)],
)
def test_a_row_breaking_a_rule_is_quarantined_and_the_rest_loads(
    index: int,
    rule: str,
    build: Callable[..., pl.DataFrame],
    column: str,
    value: str | None,
    folded: dict[str, FoldedLoad],
) -> None:
    load = folded[build.__name__]
    row = load.bad_rows[index]
    landed = read_table_rows(
        load.db, f"SELECT source_row, column_name, value, rule, message FROM quarantine WHERE source_row = {row}"
    )
    assert len(landed) == 1, landed
    source_row, column_name, shown, rule_found, message = landed[0]
    assert (source_row, column_name, rule_found) == (row, column, rule)
    assert f"第{row}行" in message and column in message
    if value is not None:
        assert value in shown and value in message
    quarantined = load.result.quarantine_rows
    assert quarantined.filter(pl.col("source_row") == row)["rule"].to_list() == [rule]
    # its valid neighbours loaded
    table = KIND_TABLE[build.__name__]
    neighbours = read_table_rows(load.db, f"SELECT count(*) FROM {table} WHERE source_row IN ({row - 1}, {row + 1})")
    assert neighbours == [(2,)]


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
