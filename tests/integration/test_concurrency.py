"""Readers never wait for writers, and a failed write changes nothing (ARCHITECTURE.md)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.marts_support import at, build_warehouse, insert_cases, query
from warehouse import store
from warehouse.marts import rebuild_marts
from warehouse.settings import PROJECT_ROOT

D = date(2024, 1, 1)
CASES_PER_VERSION = 40

# A dashboard-like reader in another process: one read-only connection per published version,
# reopened when the served version changes; it never waits for the writer.
READER = """
import json, sys, time
from pathlib import Path
from warehouse import store

out, stop, ready = (Path(a) for a in sys.argv[1:4])
seen, errors, con, version = [], [], None, None
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    try:
        current = store.current_version()
        if current != version:
            if con is not None:
                con.close()
            con, version = store.open_reader(), current
        facts = con.sql("SELECT count(*) FROM fct_complaint").fetchall()[0][0]
        raw = con.sql("SELECT count(DISTINCT case_id) FROM raw_cases").fetchall()[0][0]
        seen.append([facts, raw])
        ready.touch()
    except Exception as error:
        errors.append(f"{type(error).__name__}: {error}")
    if stop.exists():
        break
    time.sleep(0.01)
out.write_text(json.dumps({"seen": seen, "errors": errors}))
"""


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cases(start: int, count: int) -> list[dict]:
    return [
        {"case_id": f"C{i:05d}", "complainant_key": f"k{i % 7}", "received_at": at(D + timedelta(days=i))}
        for i in range(start, start + count)
    ]


def wait_for(path: Path, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert process.poll() is None, "the reader process ended early"
        assert time.monotonic() < deadline, "the reader never read the warehouse"
        time.sleep(0.05)


@pytest.mark.slow
def test_a_reader_in_another_process_sees_only_complete_versions_while_loads_publish(tmp_path: Path) -> None:
    build_warehouse(cases(0, CASES_PER_VERSION))
    out, stop, ready = tmp_path / "seen.json", tmp_path / "stop", tmp_path / "ready"
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-c", READER, str(out), str(stop), str(ready)], cwd=PROJECT_ROOT, env=env
    )
    try:
        wait_for(ready, process)
        published = [CASES_PER_VERSION]
        for version in range(1, 6):
            build_warehouse(cases(version * CASES_PER_VERSION, CASES_PER_VERSION))
            published.append((version + 1) * CASES_PER_VERSION)
            time.sleep(0.1)
        # A CLI rebuild in a third process publishes too (same counts, new file).
        subprocess.run(
            [sys.executable, "-m", "warehouse", "rebuild"],
            cwd=PROJECT_ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
        time.sleep(0.3)
    finally:
        stop.touch()
        process.wait(timeout=120)
    result = json.loads(out.read_text())

    assert result["errors"] == []
    counts = [facts for facts, _ in result["seen"]]
    assert all(facts == raw for facts, raw in result["seen"]), "a snapshot had marts out of step with raw"
    assert set(counts) <= set(published)
    assert counts == sorted(counts), "a reader went back to an older version"
    assert len(set(counts)) >= 2 and counts[-1] == published[-1]


def test_an_exception_inside_a_write_leaves_the_served_file_byte_for_byte(tmp_db: Path) -> None:
    build_warehouse(cases(0, CASES_PER_VERSION))
    served = store.current_version()
    digest = sha256(served)
    versions = sorted(store.versions_dir(tmp_db).iterdir())

    with pytest.raises(RuntimeError, match="导入中途失败"), store.new_version() as con:
        insert_cases(con, cases(CASES_PER_VERSION, 10))
        rebuild_marts(con)
        raise RuntimeError("导入中途失败")

    assert store.current_version() == served
    assert sha256(served) == digest
    assert sorted(store.versions_dir(tmp_db).iterdir()) == versions
    assert query("SELECT count(*) AS n FROM fct_complaint")[0]["n"] == CASES_PER_VERSION


def test_a_settings_error_during_the_rebuild_changes_nothing(
    tmp_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_warehouse(cases(0, CASES_PER_VERSION))
    served = store.current_version()
    digest = sha256(served)
    bad = tmp_path / "settings.toml"
    bad.write_text(
        (PROJECT_ROOT / "settings.toml").read_text(encoding="utf-8").replace('"广东/深圳"', '"广东/深证"'),
        encoding="utf-8",
    )
    monkeypatch.setenv("COCKPIT_SETTINGS", str(bad))

    with pytest.raises(ValueError, match="广东/深证"):
        build_warehouse(cases(CASES_PER_VERSION, 10))

    assert store.current_version() == served and sha256(served) == digest
