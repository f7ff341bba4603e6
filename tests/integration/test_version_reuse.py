"""Publishing without copying (issue 17): a load takes over the previous version retention would delete and
catches it up, instead of copying the current file — and publishes exactly what the copy would have published.

The reference is the same seeded sequence of loads run with `reuse_previous_version = false` (every load copies):
both runs must end with the same tables, row for row. Safety: a previous version a reader holds, or one that is
not an ancestor of the current version (a demo put in its place), is never taken over; the load copies instead.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.load_sequences import Sequence, load, run_sequence
from warehouse import recycle, schema, store

# Columns that hold the wall-clock time of the run, not data: equal runs differ only there.
CLOCK_COLUMNS = {"started_at", "finished_at", "checked_at", "published_at"}


@pytest.fixture
def preparations(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """How each new version got its file, in order ("reused", "copied" or "new")."""
    seen: list[dict[str, Any]] = []
    original = store._open_new_version

    def recording(served: Path, new_file: Path, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
        con = original(served, new_file, memory_limit)
        seen.append(dict(store.LAST_PREPARATION))
        return con

    monkeypatch.setattr(store, "_open_new_version", recording)
    yield seen


def _reuse(monkeypatch: pytest.MonkeyPatch, enabled: bool) -> None:
    original = store.setting

    def patched(*keys: str, default: Any = None) -> Any:
        if keys == ("warehouse", "reuse_previous_version"):
            return enabled
        return original(*keys, default=default)

    monkeypatch.setattr(store, "setting", patched)


def _content(path: Path) -> dict[str, list[str]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = sorted(r[0] for r in con.sql("SELECT table_name FROM duckdb_tables() WHERE NOT temporary").fetchall())
        content = {}
        for table in tables:
            columns = [r[0] for r in con.sql(f"DESCRIBE {table}").fetchall() if r[0] not in CLOCK_COLUMNS]
            rows = con.sql(f"SELECT {', '.join(columns)} FROM {table}").fetchall()
            content[table] = sorted(repr(row) for row in rows)
        return content
    finally:
        con.close()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_reused_versions_publish_exactly_what_copies_publish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, preparations: list[dict[str, Any]]
) -> None:
    finals = {}
    for reuse in (True, False):
        monkeypatch.setenv("COCKPIT_DB", str(tmp_path / f"reuse-{reuse}" / "cockpit.duckdb"))
        _reuse(monkeypatch, reuse)
        preparations.clear()
        run_sequence(seed=11, loads=6)
        hows = [p["how"] for p in preparations]
        if reuse:
            assert hows[:2] == ["new", "copied"]  # no previous version yet, then only the current one
            assert hows[2:] == ["reused"] * (len(hows) - 2), preparations
            assert {p["marts"] for p in preparations[2:]} <= {"incremental", "unchanged"}
        else:
            assert set(hows[1:]) == {"copied"}
        finals[reuse] = store.current_version()
        assert len(list(store.versions_dir(store.db_path()).glob("v*.duckdb"))) == 2  # current + one previous
    reused, copied = _content(finals[True]), _content(finals[False])
    assert reused["fct_complaint"], "the sequence landed cases"
    assert reused == copied


def test_a_previous_version_a_reader_holds_is_copied_around_not_taken_over(
    tmp_db: Path, preparations: list[dict[str, Any]]
) -> None:
    sequence = Sequence(5)
    load("cases", sequence.cases_load())
    load("cases", sequence.cases_load())
    reader = store.open_reader()  # holds the current version, which the next load makes the previous one
    held = store.current_version()
    held_count = reader.sql("SELECT count(*) FROM fct_complaint").fetchall()[0][0]
    load("cases", sequence.cases_load())
    assert preparations[-1]["how"] == "reused"  # the version before `held` was free
    load("cases", sequence.cases_load())
    assert preparations[-1]["how"] == "copied", "the previous version is being read: it must not change"
    assert held.exists()
    assert reader.sql("SELECT count(*) FROM fct_complaint").fetchall()[0][0] == held_count
    store.release_reader(reader)
    load("cases", sequence.cases_load())
    assert preparations[-1]["how"] == "reused"


def test_a_version_that_is_not_an_ancestor_is_not_caught_up(
    tmp_db: Path, tmp_path: Path, preparations: list[dict[str, Any]]
) -> None:
    load("cases", Sequence(1).cases_load())
    load("cases", Sequence(2).cases_load())
    other = tmp_path / "other" / "cockpit.duckdb"  # another warehouse (say, a new demo) put in its place
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COCKPIT_DB", str(other))
        load("cases", Sequence(3).cases_load())
    store.replace_with(tmp_db, other)
    before = _content(store.current_version())
    load("cases", [Sequence(3).new_case()])
    assert preparations[-1]["how"] == "copied" and "declined" in preparations[-1]
    after = _content(store.current_version())
    assert len(after["etl_batch"]) == len(before["etl_batch"]) + 1, "the load continued the new warehouse"
    assert set(before["raw_cases"]) <= set(after["raw_cases"])


def test_a_failed_load_on_a_taken_over_version_leaves_the_served_one_untouched(
    tmp_db: Path, preparations: list[dict[str, Any]]
) -> None:
    sequence = Sequence(8)
    for _ in range(2):
        load("cases", sequence.cases_load())
    served = store.current_version()
    before = _digest(served)
    with pytest.raises(RuntimeError), store.new_version() as con:
        assert preparations[-1]["how"] == "reused"
        con.execute("DELETE FROM raw_cases")
        raise RuntimeError("load failed half-way")
    assert store.current_version() == served and _digest(served) == before
    load("cases", sequence.cases_load())  # nothing to take over now: the next load copies and works
    assert preparations[-1]["how"] == "copied"


def test_every_table_written_outside_the_marts_is_caught_up() -> None:
    tables = schema.persistent_tables()
    landing = {name for name, table in tables.items() if table.layer == "raw"}
    published = {name for name in tables if name.startswith("fct_scorecard")}
    assert landing | published <= set(recycle.BATCH_TABLES) | set(recycle.COPIED_TABLES)


def _as_duckdb_shows(limit: str) -> str:
    con = duckdb.connect()
    try:
        con.execute(f"SET memory_limit = '{limit}'")
        return con.sql("SELECT current_setting('memory_limit')").fetchall()[0][0]
    finally:
        con.close()


def test_a_daily_load_runs_under_the_load_memory_limit_and_a_full_rebuild_under_the_writers(
    tmp_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A day's load is bounded tighter (settings load_memory_limit: 2.5 GiB peak at 10M cases); the first load,
    which builds the marts in full, gets writer_memory_limit."""
    from warehouse import marts

    seen: list[str] = []
    refresh = marts.refresh_marts

    def recording(con: duckdb.DuckDBPyConnection) -> str:
        how = refresh(con)  # the limit it ran under (a full rebuild raises it inside)
        seen.append(con.sql("SELECT current_setting('memory_limit')").fetchall()[0][0])
        return how

    monkeypatch.setattr(marts, "refresh_marts", recording)
    sequence = Sequence(17)
    load("cases", sequence.cases_load())  # no marts yet: a full build
    load("cases", sequence.cases_load())  # incremental
    load_limit = store.setting("warehouse", "load_memory_limit")
    assert load_limit and _as_duckdb_shows(load_limit) != _as_duckdb_shows(store.writer_memory_limit())
    assert seen == [_as_duckdb_shows(store.writer_memory_limit()), _as_duckdb_shows(load_limit)]
