"""What a serving process sets up once: libraries imported before any session runs, a run watchdog, and the
thread that closes superseded warehouse snapshots (dashboard/app/data.py).

Streamlit runs every browser session's script in its own thread, so the first visitors of a fresh
server import the heavy libraries at the same moment. plotly looks pandas up in `sys.modules` without
importing it, and can find a half-initialised module there (`partially initialized module 'pandas' has
no attribute 'Series'`): `preload_libraries()` finishes those imports first — at server start
(`python -m dashboard serve`) and again as the router's first statement (a no-op once loaded, and a
thread that arrives while another is importing waits on Python's module lock).

The watchdog reports, in the server log, any script run that exceeds `[server] watchdog_seconds`:
the page, the session, the user, how long, and where every thread is parked. A second, C-level timer
(faulthandler) dumps all threads if the watchdog thread itself has not run for that long, which is
what a deadlock that holds the GIL looks like (no Python thread can run to report it).
See docs/design.md, "Concurrent sessions".

`start_warmup()` (the serve launcher calls it) opens the served warehouse in a background thread once
Streamlit's runtime is up and computes what the cockpit's first visitor asks for, into the pages' own
caches: the first visitor of a fresh server finds them warm instead of paying for the cold file and the
first computation. The health endpoint answers meanwhile (the work runs beside the event loop, mostly in
DuckDB without the GIL); without a warehouse, or with an empty one, it does nothing.
"""

from __future__ import annotations

import contextlib
import faulthandler
import logging
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TextIO

from warehouse.settings import setting

LOG = logging.getLogger("cockpit.watchdog")
WARM_LOG = logging.getLogger("cockpit.warmup")
RUNTIME_WAIT_SECONDS = 60.0
DEFAULT_LIMIT_SECONDS = 120.0
CHECK_EVERY_SECONDS = 5.0


def preload_libraries() -> None:
    """Import (and touch the lazy paths of) pandas, pyarrow, polars, plotly and pyecharts before sessions share them."""
    import pandas  # noqa: F401
    import plotly.graph_objects as go
    import polars as pl
    import pyarrow  # noqa: F401
    from pyecharts.charts import HeatMap, Map  # noqa: F401 - the maps and heatmaps import them per run

    # Polars -> pandas and plotly's pandas checks import more modules on first use: do that first use now.
    frame = pl.DataFrame({"k": ["a"], "v": [1]}).to_pandas()
    go.Figure(go.Bar(x=frame["k"], y=frame["v"])).to_plotly_json()


@dataclass
class ScriptRun:
    """One script run in progress: whose, which page, since when (monotonic seconds)."""

    thread_id: int
    session_id: str
    page: str
    user: str
    started: float
    reported: bool = False


@dataclass
class RunWatchdog:
    """Script runs in progress, and a thread that reports the ones running longer than `limit_s`."""

    limit_s: float = DEFAULT_LIMIT_SECONDS
    check_every_s: float = CHECK_EVERY_SECONDS
    stream: TextIO | None = None  # where the C-level stall dump goes (default: stderr, i.e. the server log)
    runs: dict[int, ScriptRun] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _thread: threading.Thread | None = None
    _stop: threading.Event = field(default_factory=threading.Event)

    @contextmanager
    def track(self, session_id: str, page: str, user: str = "") -> Iterator[None]:
        """Around one script run of the calling thread."""
        run = ScriptRun(threading.get_ident(), session_id, page, user, time.monotonic())
        with self._lock:
            self.runs[run.thread_id] = run
        try:
            yield
        finally:
            with self._lock:
                if self.runs.get(run.thread_id) is run:
                    del self.runs[run.thread_id]
            if run.reported:
                LOG.warning(
                    "会话 %s 的页面 %s 终于结束，用时 %.0f 秒。",
                    run.session_id,
                    run.page,
                    time.monotonic() - run.started,
                )

    def find_overdue(self, now: float | None = None) -> list[ScriptRun]:
        """Runs past the limit that have not been reported yet (each is reported once)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            overdue = [r for r in self.runs.values() if not r.reported and now - r.started > self.limit_s]
            for run in overdue:
                run.reported = True
        return overdue

    def report(self, run: ScriptRun, now: float | None = None) -> str:
        """The log entry for an overdue run: who and what, then where every thread is."""
        now = time.monotonic() if now is None else now
        frames = sys._current_frames()
        names = {t.ident: t.name for t in threading.enumerate()}
        lines = [
            f"脚本运行超时：页面 {run.page}，会话 {run.session_id}，用户 {run.user or '-'}，"
            f"已运行 {now - run.started:.0f} 秒（上限 {self.limit_s:.0f} 秒）。卡住的位置：",
            *_format_stack(frames.get(run.thread_id)),
            "其他线程：",
        ]
        for ident, frame in frames.items():
            if ident != run.thread_id:
                lines.append(f"-- 线程 {names.get(ident, ident)}")
                lines += _format_stack(frame)
        message = "\n".join(lines)
        LOG.error(message)
        return message

    def check_once(self) -> list[str]:
        return [self.report(run) for run in self.find_overdue()]

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="cockpit-watchdog", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        faulthandler.cancel_dump_traceback_later()

    def _loop(self) -> None:
        # The process's own stderr (the server log), not a replacement a test harness may have put in sys.stderr.
        stream = self.stream or sys.__stderr__
        while not self._stop.is_set():
            # Re-armed on every pass: it fires only when this thread could not run for limit_s (the GIL is stuck).
            # A stream without a file descriptor (a test harness's) gets no C-level dump.
            with contextlib.suppress(AttributeError, OSError, ValueError):
                faulthandler.dump_traceback_later(self.limit_s, repeat=False, file=stream)
            try:
                self.check_once()
            except Exception:  # noqa: BLE001 - the watchdog must outlive a bad report
                LOG.exception("watchdog check failed")
            self._stop.wait(self.check_every_s)


def _format_stack(frame: object) -> list[str]:
    if frame is None:
        return ["   (线程已结束)"]
    return ["   " + line.rstrip() for line in traceback.format_stack(frame)[-12:]]  # type: ignore[arg-type]


_WATCHDOG: RunWatchdog | None = None
_WATCHDOG_LOCK = threading.Lock()


def watchdog() -> RunWatchdog:
    """The process's watchdog, started on first use (limit from settings)."""
    global _WATCHDOG
    with _WATCHDOG_LOCK:
        if _WATCHDOG is None:
            _log_to_server_log(LOG)
            limit = float(setting("server", "watchdog_seconds", default=DEFAULT_LIMIT_SECONDS))
            _WATCHDOG = RunWatchdog(limit_s=limit)
            _WATCHDOG.start()
        return _WATCHDOG


def _log_to_server_log(logger: logging.Logger) -> None:
    """`logger` writes to stderr (the server log) even where nothing configured logging."""
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


_PREPARED = False
_PREPARE_LOCK = threading.Lock()


def prepare_server() -> RunWatchdog:
    """Everything a serving process needs before its first session: libraries loaded, watchdog running.

    Once per process; a session that calls it while another is preparing waits until that is done."""
    global _PREPARED
    with _PREPARE_LOCK:
        if not _PREPARED:
            preload_libraries()
            from dashboard.app import data  # imports Streamlit's caches: after the libraries above

            data.start_snapshot_janitor()
            _PREPARED = True
    return watchdog()


def warm_caches() -> str | None:
    """Compute, into the pages' caches, what the cockpit's first visitor reads with the default filters.

    Returns the warehouse version warmed, or None when there is nothing to warm (no warehouse, no cases)."""
    from dashboard.app import data
    from dashboard.engine.filters import Filters

    version = data.warehouse_version()
    if version is None:
        return None
    if data.load_summary(version).is_empty or data.load_coverage(version) is None:
        return None
    data.load_filter_options(version)
    view = data.load_cockpit(version, Filters())  # the sidebar's default filters (no URL parameters)
    # The cockpit page's modules, and its first chart built once (plotly's validators load on first use).
    from dashboard.app import export_buttons, page_frame  # noqa: F401
    from dashboard.charts import kpi_cards, mix

    if view.report is not None:
        frame = view.mixes["channel"]
        mix.build_mix_bar(frame, "", "zh").to_plotly_json()
        kpi_cards.card_rows()
    return version


def _warm_when_running() -> None:
    from streamlit import runtime

    deadline = time.monotonic() + RUNTIME_WAIT_SECONDS
    while not runtime.exists():  # the caches belong to the runtime: warm them once it is there
        if time.monotonic() > deadline:
            WARM_LOG.warning("Streamlit 未在 %.0f 秒内启动，跳过预热。", RUNTIME_WAIT_SECONDS)
            return
        time.sleep(0.1)
    started = time.monotonic()
    try:
        version = warm_caches()
    except Exception:  # noqa: BLE001 - a failed warm-up only leaves the first visitor a cold start
        WARM_LOG.exception("预热失败（首位访问者将冷启动）")
        return
    if version is None:
        WARM_LOG.info("没有数据仓库或案件，未预热。")
    else:
        WARM_LOG.info("驾驶舱已预热：%s，用时 %.1f 秒。", version, time.monotonic() - started)


def start_warmup() -> threading.Thread:
    """Warm the cockpit's caches in a background thread once Streamlit's runtime exists (see the module doc)."""
    _log_to_server_log(WARM_LOG)
    thread = threading.Thread(target=_warm_when_running, name="cockpit-warmup", daemon=True)
    thread.start()
    return thread
