"""`python -m warehouse status`: the ARCHITECTURE.md JSON object, counted from a real warehouse."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from tests.marts_support import at, build_warehouse
from warehouse import store
from warehouse.__main__ import main
from warehouse.settings import PROJECT_ROOT

STATUS_KEYS = {"db", "tables", "batches", "quarantined", "last_load_at", "latest_received_at"}


def land_batches_and_quarantine(batches: list[tuple[int, datetime]], quarantined: list[tuple[int, int, str]]) -> None:
    with store.new_version() as con:
        for batch_id, finished in batches:
            con.execute(
                "INSERT INTO etl_batch VALUES (?, 'cases.csv', 'sha', 'cases', 'canonical', 'default', ?, ?,"
                " 3, 2, 0, 0, 1, 'loaded', NULL, 0, 0)",  # rows_footer, rows_malformed last
                [batch_id, finished - timedelta(seconds=5), finished],
            )
        for batch_id, source_row, rule in quarantined:
            con.execute(
                "INSERT INTO quarantine VALUES (?, ?, '受理时间', '受理时间', 'x', ?, '规则不通过')",
                [batch_id, source_row, rule],
            )


def test_status_json_has_exactly_the_contract_keys_and_counts(tmp_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    day = date(2024, 7, 1)
    cases = [{"case_id": f"C{i}", "received_at": at(day + timedelta(days=i), 10 + i)} for i in range(5)]
    cases.append({**cases[0], "batch_id": 2, "product": "借记卡"})  # a second version of C0
    build_warehouse(cases)
    batches = [(1, datetime(2024, 8, 1, 9)), (2, datetime(2024, 8, 2, 9, 30))]
    quarantined = [(1, 3, "closed_before_received"), (1, 3, "missing_required"), (2, 5, "missing_required")]
    land_batches_and_quarantine(batches, quarantined)

    assert main(["status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)

    assert set(status) == STATUS_KEYS
    assert status["db"] == str(tmp_db)
    assert status["tables"]["raw_cases"] == len(cases)
    assert status["tables"]["fct_complaint"] == len({c["case_id"] for c in cases})
    assert status["tables"]["quarantine"] == len(quarantined)
    assert {"dim_date", "dim_region", "fct_customer_base", "fct_case_stage", "etl_batch"} <= set(status["tables"])
    assert status["batches"] == len(batches)
    assert status["quarantined"] == len({(b, r) for b, r, _ in quarantined})
    assert status["last_load_at"] == max(f for _, f in batches).isoformat()
    assert status["latest_received_at"] == max(c["received_at"] for c in cases).isoformat()


def test_status_without_loads_reports_nulls_and_zeros(capsys: pytest.CaptureFixture[str]) -> None:
    build_warehouse()
    assert main(["status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert (status["batches"], status["quarantined"], status["last_load_at"], status["latest_received_at"]) == (
        0,
        0,
        None,
        None,
    )
    assert status["tables"]["fct_complaint"] == 0


def test_status_text_lists_tables_for_an_operator(capsys: pytest.CaptureFixture[str]) -> None:
    build_warehouse([{"case_id": "A", "received_at": at(date(2024, 7, 1))}])
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert "fct_complaint" in out and "导入批次：0" in out and "最新受理时间：2024-07-01T09:00:00" in out


def test_status_of_a_missing_warehouse_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "none" / "cockpit.duckdb"
    assert main(["status", "--db", str(missing), "--json"]) == 1
    assert "没有找到数据仓库" in capsys.readouterr().err


def test_status_cli_in_a_fresh_process_honours_db(tmp_path: Path) -> None:
    other = tmp_path / "other" / "cockpit.duckdb"
    build_warehouse([{"case_id": "A", "received_at": at(date(2024, 7, 1))}])  # the default warehouse
    with store.new_version(other) as con:
        con.execute("SELECT 1")
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "warehouse", "status", "--db", str(other), "--json"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    status = json.loads(done.stdout)
    assert set(status) == STATUS_KEYS
    assert status["db"] == str(other) and status["tables"]["raw_cases"] == 0
