"""`python -m warehouse rebuild`: the marts rebuilt from raw and published as a new version."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest

from data_checks.gate import CheckOutcome
from tests.marts_support import at, build_warehouse, insert_cases, query
from warehouse import store
from warehouse.__main__ import main
from warehouse.commands import rebuild

D = date(2024, 5, 6)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def land_without_rebuilding(rows: list[dict]) -> None:
    with store.new_version() as con:
        insert_cases(con, rows)


def test_rebuild_publishes_marts_that_reflect_raw(capsys: pytest.CaptureFixture[str]) -> None:
    build_warehouse([{"case_id": "A", "received_at": at(D)}])
    land_without_rebuilding([{"case_id": "B", "received_at": at(D)}, {"case_id": "C", "received_at": at(D)}])
    stale = store.current_version()
    assert query("SELECT count(*) AS n FROM fct_complaint")[0]["n"] == 1

    assert main(["rebuild"]) == 0

    assert store.current_version() != stale
    raw_cases = query("SELECT count(DISTINCT case_id) AS n FROM raw_cases")[0]["n"]
    assert query("SELECT count(*) AS n FROM fct_complaint")[0]["n"] == raw_cases
    assert f"fct_complaint {raw_cases} 行" in capsys.readouterr().out


def test_rebuild_refuses_a_missing_warehouse(tmp_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rebuild"]) == 1
    assert "没有找到数据仓库" in capsys.readouterr().err
    assert store.current_version() is None


def test_rebuild_with_a_failed_mart_check_changes_nothing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    build_warehouse([{"case_id": "A", "received_at": at(D)}])
    land_without_rebuilding([{"case_id": "B", "received_at": at(D)}])
    served = store.current_version()
    digest = sha256(served)
    failing = CheckOutcome(suite="marts", critical_failures=["fct_complaint.case_key 不唯一"])
    monkeypatch.setattr(rebuild, "validate_marts", lambda con: failing)

    assert main(["rebuild"]) == 2

    assert "case_key 不唯一" in capsys.readouterr().err
    assert store.current_version() == served and sha256(served) == digest
    assert query("SELECT count(*) AS n FROM fct_complaint")[0]["n"] == 1


def test_if_stale_rebuilds_only_marts_built_by_other_code(tmp_db: Path) -> None:
    assert main(["rebuild", "--if-stale"]) == 0  # no warehouse: nothing to do, nothing created
    assert store.current_version() is None
    build_warehouse([{"case_id": "A", "received_at": at(D)}])
    assert rebuild.marts_are_current()
    current = store.current_version()
    assert main(["rebuild", "--if-stale"]) == 0
    assert store.current_version() == current, "current marts are left as they are"
    with store.new_version() as con:  # as if an older release had built them
        con.execute("UPDATE cfg_marts_build SET fingerprint = 'older-release'")
    assert not rebuild.marts_are_current()
    assert main(["rebuild", "--if-stale"]) == 0
    assert rebuild.marts_are_current()
    assert query("SELECT count(*) AS n FROM fct_complaint")[0]["n"] == 1


def test_the_filter_pairs_of_the_settings_are_part_of_the_marts_fingerprint(monkeypatch: pytest.MonkeyPatch) -> None:
    """A settings change to [aggregates] filter_pairs makes `rebuild --if-stale` rebuild (the cubes differ)."""
    from warehouse import aggregates, marts

    before = marts.marts_fingerprint()
    monkeypatch.setattr(aggregates, "filter_pairs", lambda: (frozenset({"issue_key", "channel_key"}),))
    assert marts.marts_fingerprint() != before
