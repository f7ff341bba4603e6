"""Cached data access for the pages: the only module that uses st.cache_resource / st.cache_data.

The served warehouse is a versioned file (warehouse/store.py). Pages ask for
`warehouse_version()` on every run and pass it to the cached functions, so a
load published by the import page or the CLI is seen on the next rerun, and a
snapshot is never mixed with a newer one. One read-only connection is kept per
version; each query runs on its own cursor because Streamlit serves sessions
from several threads and a DuckDB connection is not thread-safe.
"""

from __future__ import annotations

import contextlib
import threading
import time
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import streamlit as st

from dashboard.engine.filters import Filters
from dashboard.engine.kpi_source import DuckDBSource, FilterOptions, list_filter_options
from dashboard.views import trends_view
from dashboard.views import warehouse_views as views
from dashboard.views.cockpit_view import CockpitView, build_cockpit_view
from warehouse import store
from warehouse.settings import db_path


def warehouse_version() -> str | None:
    """The file currently served (changes with every published load), or None when there is no warehouse."""
    current = store.current_version()
    return None if current is None else str(current)


def _close_connection(con: duckdb.DuckDBPyConnection) -> None:
    store.release_reader(con)  # closes it and lets retention delete the version once nobody reads it


# Two entries: the newest snapshot plus the previous one, which a session may
# still be reading from while a load is being published.
@st.cache_resource(max_entries=2, on_release=_close_connection, show_spinner=False)
def open_snapshot(version: str) -> duckdb.DuckDBPyConnection:
    """A read-only connection to exactly this version file."""
    with _SNAPSHOTS_LOCK:
        _SNAPSHOTS[version] = None
    return store.open_reader(version)


# A superseded snapshot is let go this long after a newer version was first seen (runs started on it have
# finished by then), so the next load can take its file over instead of copying the whole warehouse
# (warehouse/recycle.py takes a previous version only when no reader holds it). A run that still asks for it
# afterwards reopens it, as long as the file is there.
SNAPSHOT_GRACE_S = 60.0
JANITOR_EVERY_S = 10.0
_SNAPSHOTS: dict[str, float | None] = {}  # opened version -> when first seen superseded (None: not yet)
_SNAPSHOTS_LOCK = threading.Lock()
_JANITOR: threading.Thread | None = None


def release_superseded(now: float | None = None, grace_s: float = SNAPSHOT_GRACE_S) -> list[str]:
    """Close the snapshots of versions superseded for at least `grace_s` seconds; return those released."""
    now = time.monotonic() if now is None else now
    current = store.current_version()
    released: list[str] = []
    with _SNAPSHOTS_LOCK:
        for version, since in list(_SNAPSHOTS.items()):
            if current is not None and version == str(current):
                _SNAPSHOTS[version] = None
            elif since is None:
                _SNAPSHOTS[version] = now
            elif now - since >= grace_s:
                del _SNAPSHOTS[version]
                released.append(version)
    for version in released:
        open_snapshot.clear(version)  # calls _close_connection: the reader lock goes with it
    return released


def _janitor_loop() -> None:
    while True:
        time.sleep(JANITOR_EVERY_S)
        with contextlib.suppress(Exception):  # a failed sweep is retried at the next tick
            release_superseded()


def start_snapshot_janitor() -> None:
    """The thread that lets superseded snapshots go (once per serving process: server_runtime.prepare_server)."""
    global _JANITOR
    with _SNAPSHOTS_LOCK:
        if _JANITOR is None:
            _JANITOR = threading.Thread(target=_janitor_loop, name="cockpit-snapshot-janitor", daemon=True)
            _JANITOR.start()


def _cursor(version: str) -> duckdb.DuckDBPyConnection:
    return open_snapshot(version).cursor()


@st.cache_data(max_entries=8, show_spinner=False)
def load_summary(version: str) -> views.WarehouseSummary:
    with _cursor(version) as cur:
        return views.summarise_warehouse(cur)


@st.cache_data(max_entries=8, show_spinner=False)
def load_batches(version: str, limit: int = 100) -> pl.DataFrame:
    with _cursor(version) as cur:
        return views.list_batches(cur, limit)


@st.cache_data(max_entries=32, show_spinner=False)
def load_quarantine_by_rule(version: str, batch_id: int | None = None) -> pl.DataFrame:
    with _cursor(version) as cur:
        return views.count_quarantine_by_rule(cur, batch_id)


@st.cache_data(max_entries=32, show_spinner=False)
def load_quarantine_rows(version: str, batch_id: int) -> pl.DataFrame:
    with _cursor(version) as cur:
        return views.list_quarantine_rows(cur, batch_id)


@st.cache_data(max_entries=32, show_spinner=False)
def load_check_results(version: str, batch_id: int | None) -> pl.DataFrame:
    with _cursor(version) as cur:
        return views.list_check_results(cur, batch_id)


def load_rejected_loads(limit: int = 20) -> pl.DataFrame:
    """Rejected loads of the served warehouse, re-read only when the log file changes."""
    log = views.loadlog_path(db_path())
    try:
        stamp = log.stat().st_mtime_ns
    except OSError:
        stamp = 0
    return _read_rejected_loads(str(log), stamp, limit)


@st.cache_data(max_entries=4, show_spinner=False)
def _read_rejected_loads(log: str, stamp: int, limit: int) -> pl.DataFrame:
    # `stamp` (the log's mtime) is only part of the cache key.
    return views.list_rejected_loads(Path(log), limit)


# --- KPI engine calls: cached per (warehouse version, Filters); Filters is frozen, so reruns that do not
# change the filters reuse the figures instead of recomputing them. ---
@st.cache_data(max_entries=8, show_spinner=False)
def load_filter_options(version: str) -> FilterOptions:
    with _cursor(version) as cur:
        return list_filter_options(cur)


@st.cache_data(max_entries=8, show_spinner=False)
def load_coverage(version: str) -> tuple[date, date] | None:
    """First and last 受理日期 of the warehouse (what the presets are read against)."""
    with _cursor(version) as cur:
        return DuckDBSource(cur).coverage()


@st.cache_data(max_entries=64, show_spinner="正在计算指标…")
def load_cockpit(version: str, filters: Filters) -> CockpitView:
    with _cursor(version) as cur:
        return build_cockpit_view(DuckDBSource(cur, filters))


@st.cache_data(max_entries=64, show_spinner="正在计算趋势…")
def load_volume_trend(
    version: str, filters: Filters, grain: str, stack_by: str | None
) -> trends_view.VolumeTrend | str:
    with _cursor(version) as cur:
        options = list_filter_options(cur)
        available = {"channel": options.channels, "business_line": options.business_lines}
        members = [] if stack_by is None else trends_view.stack_members(filters, stack_by, available[stack_by])
        return trends_view.build_volume_trend(
            lambda narrowed: DuckDBSource(cur, narrowed), filters, grain, stack_by, members
        )


@st.cache_data(max_entries=64, show_spinner="正在计算趋势…")
def load_kpi_trends(version: str, filters: Filters, grain: str) -> list[trends_view.KpiTrend] | str:
    with _cursor(version) as cur:
        return trends_view.build_kpi_trends(DuckDBSource(cur, filters), grain)
