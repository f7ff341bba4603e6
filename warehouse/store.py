"""The warehouse on disk: versioned DuckDB files published by an atomic rename.

DuckDB lets one process write a file or many read it, never both. So a writer
never touches the served file: it works on a new file holding the current content
(the previous version taken over and caught up, warehouse/recycle.py, or else a
copy of the current one), and when everything succeeded it swaps the served path
(a symlink) to the new file with one atomic rename. Readers keep their open snapshot and
reopen when `current_version()` changes. A failed write deletes its new file and
the served version stays exactly as it was.

    data/cockpit.duckdb                  -> symlink to the current version
    data/cockpit.duckdb.versions/v….duckdb
    data/cockpit.duckdb.lock             serialises writers
    data/cockpit.duckdb.versions/v….duckdb.readers
                                         a reader holds a shared flock on it while its connection is open

Retention (settings [warehouse] keep_versions, default 1): after a publish, the current version and the
`keep_versions` newest previous ones stay; an older one is deleted only when the pruner gets an exclusive,
non-blocking flock on its `.readers` file, i.e. when no reader has it open. A version a reader still holds is
left for a later publish to delete.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from warehouse.settings import db_path, setting

SQL_DIR = Path(__file__).resolve().parent / "sql"


def versions_dir(path: Path) -> Path:
    return path.with_name(path.name + ".versions")


def current_version(path: Path | str | None = None) -> Path | None:
    """The file currently served at `path` (resolved), or None when there is none."""
    served = db_path(path)
    if not os.path.lexists(served):
        return None
    resolved = served.resolve()
    return resolved if resolved.exists() else None


def _reader_lock_path(version: Path) -> Path:
    return version.with_name(version.name + ".readers")


_READER_LOCKS: dict[int, weakref.finalize] = {}


def _hold_shared(version: Path) -> int | None:
    """A shared flock on `version`'s reader lock file, taken before connecting; None when the version was pruned
    in between (the caller resolves the current version again)."""
    fd = os.open(_reader_lock_path(version), os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_SH)
    if not version.exists():  # pruned after we resolved it: the pruner held the lock, then deleted both files
        os.close(fd)
        return None
    return fd


def hold_version(version: Path) -> int | None:
    """For a reader that opens `version` its own way (the SQL box ATTACHes it): the shared reader lock, as a file
    descriptor to `os.close` when done; None when the version was pruned meanwhile."""
    return _hold_shared(version)


def open_reader(path: Path | str | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the current version (a consistent snapshot).

    While the connection object lives (or until `release_reader(con)`), the reader holds a shared lock on its
    version, so retention never deletes a file a reader has open.
    """
    for _attempt in range(5):
        current = current_version(path)
        if current is None:
            raise FileNotFoundError(
                f"没有找到数据仓库 {db_path(path)}：请先运行 `python -m warehouse demo` 或导入数据。"
            )
        fd = _hold_shared(current)
        if fd is not None:
            break
    else:
        raise RuntimeError(f"数据仓库 {db_path(path)} 的版本在打开时反复被替换，请重试。")
    try:
        limit = setting("warehouse", "reader_memory_limit", default="2GB")
        spill = Path(tempfile.gettempdir()) / "cockpit-duckdb-spill"
        con = duckdb.connect(str(current), read_only=True)
        # Set after connecting (not as connect config): another read-only connection to the same file in this
        # process (a test, the SQL box) would otherwise be refused for a "different configuration".
        con.execute(f"SET memory_limit = '{limit}'")
        con.execute(f"SET temp_directory = '{spill}'")
    except BaseException:
        os.close(fd)
        raise
    _READER_LOCKS[id(con)] = weakref.finalize(con, _release_fd, fd, id(con))
    return con


def _release_fd(fd: int, key: int) -> None:
    _READER_LOCKS.pop(key, None)
    os.close(fd)  # closing the descriptor drops its flock


def release_reader(con: duckdb.DuckDBPyConnection) -> None:
    """Close a reader's connection and let retention delete its version (also done when the object is freed)."""
    con.close()
    finalizer = _READER_LOCKS.get(id(con))
    if finalizer is not None:
        finalizer()


def run_sql_file(con: duckdb.DuckDBPyConnection, sql_file: Path) -> None:
    con.execute(sql_file.read_text(encoding="utf-8"))


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the append-only tables if missing: landing tables, quarantine, batch log and published scorecards."""
    run_sql_file(con, SQL_DIR / "raw" / "00_raw.sql")
    run_sql_file(con, SQL_DIR / "published" / "scorecard.sql")


def _new_version_name() -> str:
    return f"v{time.strftime('%Y%m%dT%H%M%S')}-{time.time_ns() % 1_000_000_000:09d}-{os.getpid()}.duckdb"


def _publish(served: Path, new_file: Path) -> None:
    """Point `served` at `new_file` with one atomic rename of a symlink."""
    link_tmp = served.with_name(f".{served.name}.{os.getpid()}.tmp")
    if os.path.lexists(link_tmp):
        link_tmp.unlink()
    os.symlink(os.path.relpath(new_file, served.parent), link_tmp)
    if served.exists() and not served.is_symlink():
        # A plain DuckDB file placed here by hand: keep it as an old version.
        shutil.move(str(served), versions_dir(served) / f"v00000000-adopted-{served.name}")
    os.replace(link_tmp, served)


def keep_versions() -> int:
    """How many previous versions stay beside the current one (settings [warehouse] keep_versions, default 1)."""
    return max(0, int(setting("warehouse", "keep_versions", default=1)))


def _prune(served: Path, keep: int) -> list[Path]:
    """Delete the previous versions beyond the `keep` newest, except those a reader holds; return the deleted."""
    folder = versions_dir(served)
    current = served.resolve()
    olds = sorted(
        (f for f in folder.glob("v*.duckdb") if f.resolve() != current),
        key=lambda f: f.stat().st_mtime,
    )
    deleted = []
    for stale in olds[: max(0, len(olds) - keep)]:
        lock_path = _reader_lock_path(stale)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a reader has it open: a later publish deletes it
            stale.unlink(missing_ok=True)
            Path(str(stale) + ".wal").unlink(missing_ok=True)
            lock_path.unlink(missing_ok=True)
            deleted.append(stale)
        finally:
            os.close(fd)
    # Lock files whose version is gone (a crash between the two unlinks).
    for orphan in folder.glob("v*.duckdb.readers"):
        if not orphan.with_name(orphan.name.removesuffix(".readers")).exists():
            orphan.unlink(missing_ok=True)
    return deleted


@contextmanager
def writer_lock(served: Path) -> Iterator[None]:
    served.parent.mkdir(parents=True, exist_ok=True)
    with open(served.with_name(served.name + ".lock"), "a+") as lock_handle:
        fcntl.flock(lock_handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_handle, fcntl.LOCK_UN)


def replace_with(path: Path | str | None, built: Path | str) -> Path:
    """Publish the warehouse built at another path (e.g. a fresh demo) as the new current version.

    The built warehouse is moved, not copied; its own served path and versions folder are removed.
    """
    served = db_path(path)
    built_served = Path(built)
    source = current_version(built_served)
    if source is None:
        raise FileNotFoundError(f"没有可发布的数据仓库：{built_served}")
    with writer_lock(served):
        folder = versions_dir(served)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / _new_version_name()
        shutil.move(str(source), target)
        _publish(served, target)
        _prune(served, keep_versions())
    shutil.rmtree(versions_dir(built_served), ignore_errors=True)
    for leftover in (built_served, built_served.with_name(built_served.name + ".lock")):
        leftover.unlink(missing_ok=True)
    return target


def writer_memory_limit() -> str:
    return str(setting("warehouse", "writer_memory_limit", default="8GB"))


def _connect_writer(new_file: Path, memory_limit: str | None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(new_file))
    try:
        # DuckDB takes 80% of RAM by default; a bounded writer spills instead of starving the app beside it.
        con.execute(f"SET memory_limit = '{memory_limit or writer_memory_limit()}'")
        ensure_raw_schema(con)
    except BaseException:
        con.close()
        raise
    return con


def _discard(new_file: Path) -> None:
    new_file.unlink(missing_ok=True)
    Path(str(new_file) + ".wal").unlink(missing_ok=True)


LAST_PREPARATION: dict[str, object] = {}  # how the last new_version in this process got its file (benchmarks)


def _open_new_version(served: Path, new_file: Path, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """The writer's connection to `new_file` holding the current content: a previous version taken over and
    caught up (warehouse/recycle.py) when retention would delete one no reader holds, else a copy."""
    started = time.perf_counter()
    current = current_version(served)
    LAST_PREPARATION.clear()
    if current is not None and setting("warehouse", "reuse_previous_version", default=True):
        from warehouse import recycle  # imports the marts, which import this module

        if recycle.take_over_previous(served, current, new_file, keep_versions()) is not None:
            con = None
            try:
                con = _connect_writer(new_file, memory_limit)
                marts_caught_up = recycle.catch_up(con, current)
                LAST_PREPARATION.update(how="reused", marts=marts_caught_up, seconds=time.perf_counter() - started)
                return con
            except (recycle.NotAnAncestor, duckdb.Error) as reason:
                # Not safe to continue (or a process opened the file without the reader lock): copy instead.
                LAST_PREPARATION["declined"] = f"{type(reason).__name__}: {reason}"
                if con is not None:
                    con.close()
                _discard(new_file)
            except BaseException:
                if con is not None:
                    con.close()
                _discard(new_file)
                raise
    if current is not None:
        shutil.copyfile(current, new_file)
    LAST_PREPARATION.update(how="copied" if current else "new", seconds=time.perf_counter() - started)
    try:
        return _connect_writer(new_file, memory_limit)
    except BaseException:
        _discard(new_file)
        raise


@contextmanager
def new_version(path: Path | str | None = None, memory_limit: str | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open a writable copy of the warehouse; publish it only if the block succeeds.

    Any exception inside the block discards the copy: the served warehouse is
    unchanged, byte for byte.
    """
    served = db_path(path)
    with writer_lock(served):
        folder = versions_dir(served)
        folder.mkdir(parents=True, exist_ok=True)
        new_file = folder / _new_version_name()
        con = _open_new_version(served, new_file, memory_limit)
        try:
            yield con
            con.execute("CHECKPOINT")
            con.close()
        except BaseException:
            con.close()
            _discard(new_file)
            raise
        _publish(served, new_file)
        _prune(served, keep_versions())
