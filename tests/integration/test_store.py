"""The versioned store: publish on success, discard on failure, replace with a fresh build."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from pathlib import Path

import pytest

from warehouse import store
from warehouse.settings import PROJECT_ROOT


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_failed_write_leaves_the_served_file_untouched(tmp_db: Path) -> None:
    with store.new_version(tmp_db) as con:
        con.execute("CREATE TABLE kept AS SELECT 1 AS n")
    served = store.current_version(tmp_db)
    assert served is not None
    before = _digest(served)
    with pytest.raises(RuntimeError), store.new_version(tmp_db) as con:
        con.execute("INSERT INTO kept VALUES (2)")
        raise RuntimeError("load failed half-way")
    assert store.current_version(tmp_db) == served
    assert _digest(served) == before
    assert len(list(store.versions_dir(tmp_db).glob("*.duckdb"))) == 1


def test_replace_with_publishes_a_separately_built_warehouse(tmp_db: Path, tmp_path: Path) -> None:
    with store.new_version(tmp_db) as con:
        con.execute("CREATE TABLE marker AS SELECT 'old' AS v")
    built = tmp_path / "elsewhere" / "fresh.duckdb"
    with store.new_version(built) as con:
        con.execute("CREATE TABLE marker AS SELECT 'new' AS v")
    store.replace_with(tmp_db, built)
    reader = store.open_reader(tmp_db)
    try:
        assert reader.sql("SELECT v FROM marker").fetchall() == [("new",)]
    finally:
        reader.close()
    assert not built.exists() and not store.versions_dir(built).exists()


def _publish(tmp_db: Path, marker: str) -> Path:
    with store.new_version(tmp_db) as con:
        con.execute(f"CREATE OR REPLACE TABLE marker AS SELECT '{marker}' AS v")
    return store.current_version(tmp_db)


def test_retention_keeps_the_current_and_one_previous_version(tmp_db: Path) -> None:
    published = [_publish(tmp_db, f"v{n}") for n in range(4)]
    assert sorted(store.versions_dir(tmp_db).glob("v*.duckdb")) == sorted(published[-2:])


def test_retention_never_deletes_a_version_a_reader_holds(tmp_db: Path) -> None:
    first = _publish(tmp_db, "first")
    reader = store.open_reader(tmp_db)  # holds `first` across two publishes
    _publish(tmp_db, "second")
    third = _publish(tmp_db, "third")

    assert first.exists(), "retention deleted a version a reader still had open"
    assert reader.sql("SELECT v FROM marker").fetchall() == [("first",)]
    store.release_reader(reader)

    fourth = _publish(tmp_db, "fourth")
    assert not first.exists(), "a released version beyond retention is deleted at the next publish"
    assert sorted(store.versions_dir(tmp_db).glob("v*.duckdb")) == sorted([third, fourth])
    assert sorted(p.name for p in store.versions_dir(tmp_db).glob("*.readers")) == []


def test_a_reader_in_another_process_keeps_its_version_until_it_closes(tmp_db: Path, tmp_path: Path) -> None:
    first = _publish(tmp_db, "first")
    ready, stop = tmp_path / "ready", tmp_path / "stop"
    script = (
        "import sys, time; from pathlib import Path; from warehouse import store\n"
        "con = store.open_reader(sys.argv[1]); Path(sys.argv[2]).touch()\n"
        "while not Path(sys.argv[3]).exists(): time.sleep(0.02)\n"
        "print(con.sql('SELECT v FROM marker').fetchall()[0][0])\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_db), str(ready), str(stop)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        while not ready.exists():
            assert child.poll() is None
            time.sleep(0.02)
        _publish(tmp_db, "second")
        _publish(tmp_db, "third")
        assert first.exists()
    finally:
        stop.touch()
        out, _ = child.communicate(timeout=60)
    assert out.strip() == "first"
    _publish(tmp_db, "fourth")
    assert not first.exists()
