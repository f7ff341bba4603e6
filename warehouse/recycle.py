"""Publishing without copying the warehouse: a writer reuses the previous version instead of copying the current.

With the default retention (current + one previous) every publish deletes the version before the current. That
file is the current one minus the last write(s), so instead of copying the current file (4 GB at 10M cases) and
letting the pruner delete the old one, the writer takes the old one over: it renames it to the new version's
name, appends the batches it lacks from the current version (the landing tables are append-only by batch),
copies the few small tables written outside loads (data-check results, published 考核), refreshes the marts
incrementally over those batches, and checks that every table now has the current version's row count. Then the
new load runs on it as on a copy.

It is only done when it is safe, otherwise the caller copies as before:
- no reader holds the old version (an exclusive, non-blocking flock on its `.readers` file, as retention takes);
- the old version is an ancestor of the current one (its batch log is a prefix of the current's);
- after the catch-up every table's row count and the marts' build record equal the current version's.
The renamed file has a new name, so nothing keyed by version name (the app's caches) can mistake it for the old.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import duckdb

from warehouse import marts, schema, store

# Append-only by batch (batch_id never NULL): the catch-up appends the batches the old version lacks.
BATCH_TABLES = ("etl_batch", "raw_cases", "raw_customers", "raw_events", "raw_contacts", "raw_defects", "quarantine")
# Small tables written outside the marts refresh (by the load's checks and `scorecard --publish`): copied whole.
COPIED_TABLES = (
    "dq_result",
    "fct_scorecard_publication",
    "fct_scorecard_rule",
    "fct_scorecard",
    "fct_scorecard_kpi",
)


class NotAnAncestor(Exception):
    """The old version cannot be caught up to the current one; the writer copies instead."""


def _candidates(served: Path, current: Path, keep: int) -> list[Path]:
    """The previous versions this publish's retention will delete, newest first (least to catch up)."""
    if keep < 1:
        return []  # the pruner deletes every previous version: none to take over
    olds = sorted(
        (f for f in store.versions_dir(served).glob("v*.duckdb") if f.resolve() != current),
        key=lambda f: f.stat().st_mtime,
    )
    return list(reversed(olds[: max(0, len(olds) - (keep - 1))]))


def take_over_previous(served: Path, current: Path, new_file: Path, keep: int) -> Path | None:
    """Rename a previous version no reader holds to `new_file`; return its former path, or None when none is free."""
    for old in _candidates(served, current, keep):
        lock_path = old.with_name(old.name + ".readers")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a reader has it open
            if Path(str(old) + ".wal").exists():
                continue  # not closed cleanly: copying is the safe way
            os.replace(old, new_file)
            # A reader blocked on this lock finds the file gone and resolves the current version again.
            lock_path.unlink(missing_ok=True)
            return old
        finally:
            os.close(fd)
    return None


SOURCE = "_current"  # the current version, attached read-only to the writer's connection during the catch-up


def _in(database: str, table: str) -> str:
    return f'"{database}".{table}'


def _rows(con: duckdb.DuckDBPyConnection, query: str) -> list[tuple]:
    return con.sql(query).fetchall()


def _tables(con: duckdb.DuckDBPyConnection, database: str) -> set[str]:
    query = f"SELECT table_name FROM duckdb_tables() WHERE NOT temporary AND database_name = '{database}'"
    return {row[0] for row in _rows(con, query)}


def _last_batch(con: duckdb.DuckDBPyConnection, database: str) -> int:
    return int(_rows(con, f"SELECT coalesce(max(batch_id), 0) FROM {_in(database, 'etl_batch')}")[0][0])


def _check_ancestor(con: duckdb.DuckDBPyConnection, old: str) -> None:
    through = _last_batch(con, old)

    def batch_log(database: str) -> list[tuple]:
        return _rows(
            con,
            f"SELECT batch_id, file_hash, started_at FROM {_in(database, 'etl_batch')} "
            f"WHERE batch_id <= {through} ORDER BY batch_id",
        )

    if batch_log(old) != batch_log(SOURCE):
        raise NotAnAncestor("旧版本的批次记录不是当前版本的前缀")


def _build_record(con: duckdb.DuckDBPyConnection, database: str) -> list[tuple]:
    if "cfg_marts_build" not in _tables(con, database):
        return []
    return _rows(con, f"SELECT * FROM {_in(database, 'cfg_marts_build')}")


def _counts(con: duckdb.DuckDBPyConnection, database: str, tables: set[str]) -> dict[str, int]:
    return {t: int(_rows(con, f"SELECT count(*) FROM {_in(database, t)}")[0][0]) for t in sorted(tables)}


def _append_missing_batches(con: duckdb.DuckDBPyConnection, old: str, table: str) -> None:
    """Append the batches of `table` newer than the old version's newest (batch ids only grow along a lineage)."""
    newest, held = _rows(con, f"SELECT coalesce(max(batch_id), 0), count(*) FROM {_in(old, table)}")[0]
    shared = _rows(con, f"SELECT count(*) FROM {SOURCE}.{table} WHERE batch_id <= {newest}")[0][0]
    if shared != held:
        raise NotAnAncestor(f"{table} 的已有批次与当前版本不同")
    con.execute(f"INSERT INTO {_in(old, table)} BY NAME SELECT * FROM {SOURCE}.{table} WHERE batch_id > {newest}")


def _other_tables(source_tables: set[str]) -> set[str]:
    """Tables the schema file does not know (written by a tool or test): copied whole, whatever they hold."""
    return source_tables - set(schema.persistent_tables())


def catch_up(con: duckdb.DuckDBPyConnection, current: Path) -> str:
    """Bring the taken-over version open on `con` to the current version's content; raise NotAnAncestor when it
    cannot be. Returns how the marts were brought along ("incremental" or "unchanged")."""
    old = _rows(con, "SELECT current_database()")[0][0]
    refreshable = marts.refreshable_through(con) is not None
    con.execute(f"ATTACH '{current}' AS {SOURCE} (READ_ONLY)")
    try:
        wanted_record = _build_record(con, SOURCE)
        if wanted_record and not refreshable:
            raise NotAnAncestor("旧版本的集市需全量重建，复制当前版本更快")
        _check_ancestor(con, old)
        source_tables = _tables(con, SOURCE)
        for table in BATCH_TABLES:
            if table in source_tables:
                _append_missing_batches(con, old, table)
        for table in COPIED_TABLES:
            if table in source_tables:
                con.execute(f"DELETE FROM {_in(old, table)}")
                con.execute(f"INSERT INTO {_in(old, table)} BY NAME SELECT * FROM {SOURCE}.{table}")
        for table in _other_tables(source_tables):
            con.execute(f"CREATE OR REPLACE TABLE {_in(old, table)} AS SELECT * FROM {SOURCE}.{table}")
        sequence = _rows(
            con,
            "SELECT last_value FROM duckdb_sequences() "
            f"WHERE database_name = '{SOURCE}' AND sequence_name = 'seq_batch_id'",
        )
        next_batch = max((sequence[0][0] or 0) if sequence else 0, _last_batch(con, SOURCE)) + 1
        con.execute(f"CREATE OR REPLACE SEQUENCE {_in(old, 'seq_batch_id')} START {next_batch}")
    finally:
        # Detached while the marts refresh, so nothing there can resolve a name in the current version.
        con.execute(f"DETACH {SOURCE}")
    how = "unchanged"
    if wanted_record and _build_record(con, old) != wanted_record:
        how = marts.refresh_marts(con)
        marts.drop_temporaries(con)  # the writer's own work follows on this connection: no leftover scope
    con.execute(f"ATTACH '{current}' AS {SOURCE} (READ_ONLY)")
    try:
        if _build_record(con, old) != wanted_record:
            raise NotAnAncestor("集市构建记录与当前版本不同")
        if _tables(con, old) != source_tables or _counts(con, old, source_tables) != _counts(
            con, SOURCE, source_tables
        ):
            raise NotAnAncestor("追平后各表行数与当前版本不同")
    finally:
        con.execute(f"DETACH {SOURCE}")
    return how
