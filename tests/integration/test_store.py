"""The versioned store: publish on success, discard on failure, replace with a fresh build."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from warehouse import store


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
