"""The serving process's safety net (dashboard/app/server_runtime.py): the run watchdog and the stall dump.

The watchdog must name the page, the session, the user and where the stuck thread is; a thread that
holds the GIL so long that no Python code can run (what the Polars deadlock looked like) must still
leave a dump of every thread in the log, written by faulthandler's C-level timer.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading

import pytest

from dashboard.__main__ import main as dashboard_main
from dashboard.app.server_runtime import RunWatchdog
from tests.cockpit_support import PROJECT_ROOT


def wait_in_page_code(release: threading.Event) -> None:
    release.wait(timeout=60)


def test_a_run_past_the_limit_is_reported_once_with_page_session_user_and_stack() -> None:
    watchdog = RunWatchdog(limit_s=0.05)
    inside, release = threading.Event(), threading.Event()

    def page_run() -> None:
        with watchdog.track("session-42", "pages/cockpit.py", "leader1"):
            inside.set()
            wait_in_page_code(release)

    worker = threading.Thread(target=page_run)
    worker.start()
    try:
        assert inside.wait(timeout=30)
        reports: list[str] = []
        while not reports:  # the limit is 50 ms; check until it has passed
            release.wait(0.05)
            reports = watchdog.check_once()
        assert len(reports) == 1
        report = reports[0]
        for expected in ("pages/cockpit.py", "session-42", "leader1", "wait_in_page_code", "其他线程"):
            assert expected in report, expected
        assert watchdog.check_once() == [], "each stuck run is reported once"
    finally:
        release.set()
        worker.join(timeout=30)
    assert watchdog.runs == {}, "a finished run leaves the registry"


def test_runs_within_the_limit_are_not_reported() -> None:
    watchdog = RunWatchdog(limit_s=3600)
    with watchdog.track("s", "pages/trends.py"):
        assert watchdog.check_once() == []
        assert len(watchdog.runs) == 1


GIL_HOG = textwrap.dedent(
    """
    import re, sys
    from dashboard.app.server_runtime import RunWatchdog

    def hold_the_gil():
        # Catastrophic backtracking: seconds inside the regex engine, which never releases the GIL.
        re.match(r"(a+)+$", "a" * 27 + "b")

    watchdog = RunWatchdog(limit_s=1.0, check_every_s=0.1)
    watchdog.start()
    import time; time.sleep(0.5)  # the watchdog has armed its timer
    hold_the_gil()
    watchdog.stop()
    print("finished", flush=True)
    """
)


@pytest.mark.slow  # a child process held past the watchdog limit
def test_a_thread_holding_the_gil_still_gets_every_thread_dumped() -> None:
    done = subprocess.run(
        [sys.executable, "-c", GIL_HOG], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "finished" in done.stdout
    assert "most recent call first" in done.stderr, done.stderr
    assert "hold_the_gil" in done.stderr, "the dump shows where the GIL is held"


def test_serve_passes_streamlit_options_through_and_other_commands_refuse_unknown_ones() -> None:
    with pytest.raises(SystemExit) as refused:
        dashboard_main(["kpis", "--from", "2026-01-01", "--to", "2026-02-01", "--server.port", "1"])
    assert refused.value.code == 2
    done = subprocess.run(
        [sys.executable, "-m", "dashboard", "serve", "--help"], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0 and "--port" in done.stdout


def test_the_warmup_fills_the_cockpits_cache_and_skips_a_missing_warehouse(
    serve_demo, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`serve` warms what the first visitor reads (dashboard.app.server_runtime.warm_caches); no warehouse: nothing."""
    from dashboard.app import data
    from dashboard.app.server_runtime import warm_caches
    from dashboard.engine.filters import Filters

    data.load_cockpit.clear()
    version = warm_caches()
    assert version == data.warehouse_version()
    computed: list[object] = []
    monkeypatch.setattr("dashboard.app.data.build_cockpit_view", lambda source: computed.append(source))
    data.load_cockpit(version, Filters())  # the page's call with the sidebar's default filters: a cache hit
    assert computed == []
    monkeypatch.setenv("COCKPIT_DB", str(tmp_path / "none" / "cockpit.duckdb"))
    assert warm_caches() is None
