"""The browser benchmark (benchmarks/browser_timing.py) on the small demo warehouse, and its /proc memory sampler.

Nothing here is timed: the tests check that the measurement ran the cockpit for real (every card
and chart drawn, the filter change reached the numbers the engine computes for that channel),
that nothing left the machine, and that the sampler sees memory a child process touches.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from benchmarks.app_memory import PeakMemorySampler, read_status_kib
from benchmarks.browser_timing import OUTSIDE_URL, guard_network
from dashboard.charts import kpi_cards
from dashboard.engine.filters import Filters
from tests import cockpit_support as support

pytestmark = pytest.mark.browser


TIMES = ("first_draw_cold_s", "first_draw_warm_s", "first_draw_browser_cached_s", "filter_change_s")
PER_RUN_TIMES = ("first_draw_s", "filter_change_s", "cached_draw_s")


def engine_volume(db: Path, *where: str) -> int:
    """投诉量 of the cockpit's default period, as `python -m dashboard kpis --json` computes it."""
    command = [sys.executable, "-m", "dashboard", "kpis", "--preset", Filters().preset, "--db", str(db), "--json"]
    for condition in where:
        command += ["--where", condition]
    done = subprocess.run(command, cwd=support.PROJECT_ROOT, capture_output=True, text=True, timeout=300, check=True)
    return int(json.loads(done.stdout)["kpis"]["volume"]["value"])


def read_count(card_value: str) -> int:
    return int(card_value.replace(",", "").strip())


def test_the_cockpit_is_measured_drawn_and_refiltered(require_chromium: None, demo_db: Path) -> None:
    # As make bench runs it: its own process (this one already drives chromium through the session's Playwright,
    # and Playwright's sync API runs one instance per thread).
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.browser_timing", "--db", str(demo_db), "--runs", "2"],
        cwd=support.PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    result = json.loads(done.stdout)

    for key in (*TIMES, "server_peak_rss_mib", "blocked_requests", "kpi_cards", "charts", "per_run"):
        assert key in result, key
    for key in TIMES:
        assert math.isfinite(result[key]) and result[key] > 0, (key, result[key])
    assert result["runs"] == len(result["per_run"]) == 2
    assert result["blocked_requests"] == 0, result["blocked_urls"]
    assert result["server_peak_rss_mib"] > 0
    cards = sum(len(row) for row in kpi_cards.card_rows())
    assert result["kpi_cards"] == cards
    assert result["charts"] > 0, "the cards' sparklines are counted on the first screen"
    # The mix charts and the rising-issues table are drawn when scrolled to, and timed then.
    assert result["charts_below_fold"] >= 2 and math.isfinite(result["below_fold_s"]) and result["below_fold_s"] > 0

    everything = engine_volume(demo_db)
    for run in result["per_run"]:
        for key in PER_RUN_TIMES:
            assert math.isfinite(run[key]) and run[key] > 0, (key, run[key])
        assert read_count(run["complaints_before"]) == everything
        assert run["complaints_after"] != run["complaints_before"]
        assert read_count(run["complaints_after"]) == engine_volume(demo_db, f"channel={run['channel']}")
    assert len({run["channel"] for run in result["per_run"]}) == 2, "each run filters on another channel"


def test_requests_leaving_the_machine_are_aborted_and_counted(browser: Browser) -> None:
    blocked: list[str] = []
    context = browser.new_context()
    try:
        guard_network(context, blocked)
        page = context.new_page()
        outcome = page.evaluate(
            """async () => {
                try { await fetch('https://example.com/tracker.js'); return 'fetched'; }
                catch (error) { return 'failed'; }
            }"""
        )
        page.evaluate("() => { new WebSocket('wss://example.com/socket'); }")
        page.wait_for_timeout(500)
    finally:
        context.close()
    assert outcome == "failed"
    assert blocked == ["https://example.com/tracker.js", "wss://example.com/socket"]


@pytest.mark.parametrize(
    ("url", "outside"),
    [
        ("http://127.0.0.1:8501/static/js/main.js", False),
        ("ws://127.0.0.1:8501/_stcore/stream", False),
        ("http://localhost/", False),
        ("http://[::1]:8501/", False),
        ("data:image/png;base64,AAAA", False),
        ("blob:http://127.0.0.1:8501/0b1c", False),
        ("https://assets.example.net/fonts.css", True),
        ("http://127.0.0.1.example.com/", True),
        ("http://localhost.example.com/", True),
        ("wss://example.com/socket", True),
    ],
)
def test_only_loopback_counts_as_local(url: str, outside: bool) -> None:
    assert bool(OUTSIDE_URL.search(url)) is outside


def test_the_sampler_sees_memory_a_child_process_touches() -> None:
    size_mib = 120
    # The parent only waits; its child fills size_mib of fresh memory (written, so it is resident), then idles.
    child = f"b = bytearray(b'x') * ({size_mib} * 1024 * 1024); import time; time.sleep(1.5)"
    parent = subprocess.Popen(
        [sys.executable, "-c", f"import subprocess, sys; subprocess.run([sys.executable, '-c', {child!r}])"]
    )
    try:
        with PeakMemorySampler(parent.pid) as sampler:
            parent.wait(timeout=60)
            time.sleep(0.2)
    finally:
        if parent.poll() is None:
            parent.kill()
    assert sampler.samples > 3
    assert sampler.sampled_peak_kib >= size_mib * 1024
    assert sampler.peak_mib >= size_mib
    assert sampler.hwm_kib < size_mib * 1024, "the parent itself stayed small: the peak came from its child"


def test_a_missing_process_reads_as_no_memory() -> None:
    gone = int(Path("/proc/sys/kernel/pid_max").read_text())  # pids stay below pid_max: this one never exists
    assert read_status_kib(gone, "VmRSS") == 0
    with PeakMemorySampler(gone) as sampler:
        time.sleep(0.25)
    assert sampler.peak_mib == 0
