"""`python -m dashboard sql` runs through the sandbox: JSON as ARCHITECTURE.md says, exit 2 with the reason."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard.engine.sandbox import open_sandbox
from tests.sql_warehouse import build_sql_warehouse
from warehouse.settings import PROJECT_ROOT


@pytest.fixture
def sql_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sql_warehouse(tmp_path_factory)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dashboard", "sql", *args], capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=120
    )


def test_json_output_has_columns_rows_and_truncated(sql_warehouse: Path) -> None:
    statement = (
        "SELECT channel, count(*) AS n, min(received_date) AS first_day, sum(amount_disputed_yuan) AS amount "
        "FROM v_complaint GROUP BY channel ORDER BY n DESC, channel"
    )
    done = run_cli(statement, "--db", str(sql_warehouse), "--json")
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert set(payload) == {"columns", "rows", "truncated"}
    assert payload["columns"] == ["channel", "n", "first_day", "amount"]
    with open_sandbox(sql_warehouse) as sandbox:
        expected = sandbox.run(statement).frame
    assert [row[:2] for row in payload["rows"]] == [list(r) for r in expected.select("channel", "n").rows()]
    assert all(isinstance(row[2], str) and len(row[2]) == 10 for row in payload["rows"])  # ISO dates
    assert payload["truncated"] is False


def test_row_cap_sets_truncated(sql_warehouse: Path) -> None:
    done = run_cli("SELECT case_id FROM fct_complaint", "--db", str(sql_warehouse), "--json", "--max-rows", "5")
    payload = json.loads(done.stdout)
    assert (len(payload["rows"]), payload["truncated"]) == (5, True)


def test_refused_statement_exits_2_with_the_reason(sql_warehouse: Path, tmp_path: Path) -> None:
    done = run_cli(f"COPY (SELECT * FROM v_complaint) TO '{tmp_path}/leak.csv'", "--db", str(sql_warehouse), "--json")
    assert done.returncode == 2
    assert done.stdout == ""
    assert "COPY" in done.stderr and "SELECT" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_failed_statement_exits_2_with_the_reason(sql_warehouse: Path) -> None:
    done = run_cli("SELECT no_such_column FROM v_complaint", "--db", str(sql_warehouse))
    assert done.returncode == 2
    assert "no_such_column" in done.stderr


def test_missing_warehouse_exits_2(tmp_path: Path) -> None:
    done = run_cli("SELECT 1", "--db", str(tmp_path / "none.duckdb"))
    assert done.returncode == 2
    assert "数据仓库" in done.stderr
