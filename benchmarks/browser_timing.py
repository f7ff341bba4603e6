"""How long a person waits for the cockpit in a real browser: first draw and redraw after a filter change.

A real `streamlit run streamlit_app.py` serves the given warehouse on a free loopback port; Debian's
chromium (driven by Playwright, never downloaded) opens the home page (驾驶舱总览) in a fresh browser
context per run, then picks one channel in the sidebar's 渠道 filter (a different one each run, so
the server's cache cannot answer). "Drawn" means: the script run has ended, the KPI cards are there,
every visible chart has painted (plotly's svg, vega's canvas or svg, the data grid's canvas, a
component iframe's canvas or svg, each with a non-zero size) and the main area has not changed for
SETTLE_MS. The time reported is when it last changed, read on the page's own clock (performance.now(),
which starts at navigation), so the settle window and Playwright's round trips are not counted.

Every request to a host other than loopback is aborted and counted (the app must work air-gapped).
The server's peak resident memory is sampled throughout (benchmarks.app_memory).

    python -m benchmarks.browser_timing --db benchmarks/cache/demo-1m/cockpit.duckdb --runs 3
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext, Page, Route, WebSocketRoute, sync_playwright

from benchmarks.app_memory import PeakMemorySampler

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
VIEWPORT = {"width": 1440, "height": 900}  # a laptop, as the cockpit's layout test uses
CHANNEL_LABEL = "渠道"
COMPLAINTS_CARD = "投诉量"
SETTLE_MS = 1000  # a busy 2-core machine can pause for a few hundred ms between a rerun's messages
POLL_MS = 50
DRAW_TIMEOUT_MS = 15 * 60 * 1000  # a cold first draw at 10M cases on a loaded machine can be slow
SERVER_START_SECONDS = 180

# Install on every page: the time of the last press on a dropdown option (the start of a filter change).
PRESS_JS = """
document.addEventListener('pointerdown', event => {
  if (event.target instanceof Element && event.target.closest('[role="option"]')) window.__benchPressAt = event.timeStamp;
}, true);
"""

# Polled until it returns an object: {since, cards, charts}. `since` is when the main area last changed (ms on the
# page's clock); it must be later than `after` (the filter press, or 0 for a first draw).
DRAWN_JS = """({settleMs, after}) => {
  const app = document.querySelector('[data-testid="stApp"]');
  const main = document.querySelector('[data-testid="stMain"]');
  if (!app || !main) return null;
  const sized = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const shown = el => !el.closest('details:not([open])');
  const painted = (root, selector) => Array.from(root.querySelectorAll(selector)).some(sized);
  const charts = [];
  for (const el of main.querySelectorAll('[data-testid="stPlotlyChart"]')) {
    if (!shown(el)) continue;
    const svg = el.querySelector('svg.main-svg');
    // Bars and lines move without their labels changing: their path geometry is part of the signature.
    const paths = Array.from(el.querySelectorAll('.trace path')).map(p => (p.getAttribute('d') || '').length);
    charts.push({kind: 'plotly', ok: !!svg && sized(svg), sig: el.textContent + '|' + paths.join(',')});
  }
  for (const el of main.querySelectorAll('[data-testid="stVegaLiteChart"], [data-testid="stMetricChart"]')) {
    if (shown(el)) charts.push({kind: 'vega', ok: painted(el, 'canvas, svg'), sig: ''});
  }
  for (const el of main.querySelectorAll('[data-testid="stDataFrame"]')) {
    if (shown(el)) charts.push({kind: 'grid', ok: painted(el, 'canvas'), sig: ''});
  }
  for (const frame of main.querySelectorAll('iframe')) {
    if (!shown(frame)) continue;
    let doc = null;
    try { doc = frame.contentDocument; } catch (error) { doc = null; }
    // A component iframe is same-origin; should one not be, its own size is all we can see.
    const ok = doc ? painted(doc, 'canvas, svg') : sized(frame);
    charts.push({kind: 'iframe', ok: ok, sig: doc && doc.body ? String(doc.body.innerText.length) : ''});
  }
  const cards = main.querySelectorAll('[data-testid="stMetric"]').length;
  const state = app.dataset.testScriptState;
  const stale = main.querySelectorAll('[data-stale="true"]').length;
  // An element whose code is still loading (plotly's bundle, say) shows a skeleton without its test id.
  const loading = main.querySelectorAll('[data-testid="stSkeleton"]').length;
  const signature = [state, stale, loading, main.innerText, ...charts.map(c => c.kind + c.ok + c.sig)].join('\\u0001');
  const now = performance.now();
  const track = window.__benchDraw;
  if (!track || track.signature !== signature) { window.__benchDraw = {signature: signature, since: now}; return null; }
  const drawn = state === 'notRunning' && loading === 0 && cards > 0 && main.innerText.trim() !== ''
    && charts.every(c => c.ok);
  if (!drawn || track.since <= after || now - track.since < settleMs) return null;
  return {since: track.since, cards: cards, charts: charts.length};
}"""


@dataclass(frozen=True)
class Drawn:
    """A fully drawn cockpit: when it became stable (page clock, ms) and what it showed."""

    since_ms: float
    cards: int
    charts: int


def find_free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    # data:, blob: and about: URLs never leave the machine.
    return parts.scheme in ("data", "blob", "about") or (parts.hostname or "") in LOCAL_HOSTS


def build_server_env(db: Path, scratch: Path) -> dict[str, str]:
    """The server's environment: the given warehouse in demo mode without login; nothing written beside it."""
    env = {
        **os.environ,
        "COCKPIT_DB": str(db),
        "COCKPIT_MODE": "demo",
        "COCKPIT_AUTH": "off",
        "COCKPIT_AUDIT": str(scratch / "audit.sqlite3"),
        "PYTHONDONTWRITEBYTECODE": "1",
        "TMPDIR": str(scratch),
    }
    # The warehouse's own salt (a caller's COCKPIT_SALT_FILE may belong to another warehouse).
    salt = db.parent / ".cockpit_salt"
    if salt.exists():
        env["COCKPIT_SALT_FILE"] = str(salt)
    else:
        env.pop("COCKPIT_SALT_FILE", None)
    return env


def wait_until_healthy(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"streamlit did not answer within {SERVER_START_SECONDS}s:\n{log.read_text(errors='replace')}")


@contextmanager
def serve_cockpit(db: Path, scratch: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`streamlit run streamlit_app.py` on a free loopback port; yields its base URL and process."""
    port = find_free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = scratch / "streamlit.log"
    command = [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port", str(port)]
    command += ["--server.address", "127.0.0.1", "--server.headless", "true"]
    with open(log, "wb") as log_handle:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=build_server_env(db, scratch), stdout=log_handle, stderr=subprocess.STDOUT
        )
        try:
            wait_until_healthy(base_url, process, log)
            yield base_url, process
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)


def guard_network(context: BrowserContext, blocked: list[str]) -> None:
    """Let loopback through; abort and record everything else."""

    def route_request(route: Route) -> None:
        if is_local(route.request.url):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("blockedbyclient")

    def route_socket(ws: WebSocketRoute) -> None:
        if is_local(ws.url.replace("ws://", "http://", 1).replace("wss://", "https://", 1)):
            ws.connect_to_server()
        else:
            blocked.append(ws.url)
            ws.close()

    context.route("**/*", route_request)
    context.route_web_socket(re.compile(".*"), route_socket)


def wait_until_drawn(page: Page, after_ms: float = 0.0) -> Drawn:
    """Block until the cockpit is fully drawn and stable, with its last change later than `after_ms`."""
    handle = page.wait_for_function(
        DRAWN_JS, arg={"settleMs": SETTLE_MS, "after": after_ms}, polling=POLL_MS, timeout=DRAW_TIMEOUT_MS
    )
    found = handle.json_value()
    return Drawn(since_ms=float(found["since"]), cards=int(found["cards"]), charts=int(found["charts"]))


def read_cards(page: Page) -> dict[str, str]:
    """KPI card label -> shown value."""
    return page.eval_on_selector_all(
        '[data-testid="stMain"] [data-testid="stMetric"]',
        """els => Object.fromEntries(els.map(el => [
            el.querySelector('[data-testid="stMetricLabel"]').innerText.trim(),
            el.querySelector('[data-testid="stMetricValue"]').innerText.trim()]))""",
    )


def pick_channel(page: Page, run: int) -> tuple[str, float]:
    """Select the run's channel in the sidebar's 渠道 filter; returns it and the press time (page clock, ms)."""
    sidebar = page.get_by_test_id("stSidebar")
    box = sidebar.get_by_test_id("stMultiSelect").filter(has=page.get_by_text(CHANNEL_LABEL, exact=True))
    box.locator("input").click()
    options = page.get_by_role("option")
    options.first.wait_for()
    names = [name.strip() for name in options.all_inner_texts()]
    channel = names[run % len(names)]
    page.get_by_role("option", name=channel, exact=True).click()
    return channel, float(page.evaluate("window.__benchPressAt"))


def measure_run(browser: Browser, base_url: str, run: int, blocked: list[str]) -> dict[str, Any]:
    """One fresh browser context: first draw, then one channel picked and the redraw."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    try:
        guard_network(context, blocked)
        context.add_init_script(PRESS_JS)
        page = context.new_page()
        page.set_default_timeout(DRAW_TIMEOUT_MS)
        page.goto(base_url)
        first = wait_until_drawn(page)
        before = read_cards(page)
        channel, pressed_ms = pick_channel(page, run)
        redrawn = wait_until_drawn(page, after_ms=pressed_ms)
        after = read_cards(page)
        return {
            "first_draw_s": first.since_ms / 1000,
            "filter_change_s": (redrawn.since_ms - pressed_ms) / 1000,
            "channel": channel,
            "complaints_before": before.get(COMPLAINTS_CARD),
            "complaints_after": after.get(COMPLAINTS_CARD),
            "kpi_cards": first.cards,
            "charts": first.charts,
        }
    finally:
        context.close()


def summarise(per_run: list[dict[str, Any]], peak_mib: float, blocked: list[str], start_s: float) -> dict[str, Any]:
    warm = [run["first_draw_s"] for run in per_run[1:]]
    return {
        "first_draw_cold_s": round(per_run[0]["first_draw_s"], 3),
        "first_draw_warm_s": round(statistics.median(warm), 3) if warm else None,
        "filter_change_s": round(statistics.median(run["filter_change_s"] for run in per_run), 3),
        "server_peak_rss_mib": round(peak_mib, 1),
        "blocked_requests": len(blocked),
        "blocked_urls": blocked[:10],
        "server_start_s": round(start_s, 3),
        "kpi_cards": per_run[-1]["kpi_cards"],
        "charts": per_run[-1]["charts"],
        "runs": len(per_run),
        "settle_ms": SETTLE_MS,
        "viewport": f"{VIEWPORT['width']}x{VIEWPORT['height']}",
        "per_run": per_run,
    }


def measure_cockpit_in_browser(db: Path, runs: int = 5) -> dict:
    """Serve `db`, open the cockpit `runs` times in fresh browser contexts; the timings, peak memory and blocked
    requests (the first run is the server's cold one, the others find its caches warm)."""
    if runs < 1:
        raise ValueError("runs must be at least 1")
    db = Path(db).absolute()
    if not db.exists():
        raise FileNotFoundError(f"no warehouse at {db}")
    blocked: list[str] = []
    per_run: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="browser-timing-") as scratch:
        started = time.perf_counter()
        with serve_cockpit(db, Path(scratch)) as (base_url, process):
            start_s = time.perf_counter() - started
            with PeakMemorySampler(process.pid) as memory, sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                try:
                    per_run = [measure_run(browser, base_url, run, blocked) for run in range(runs)]
                finally:
                    browser.close()
                memory.finish()  # before the server stops: its VmHWM is read from /proc
    result = summarise(per_run, memory.peak_mib, blocked, start_s)
    result["db"] = str(db)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time the cockpit's first draw and a filter change in chromium.")
    parser.add_argument("--db", type=Path, required=True, help="the warehouse to serve (opened read-only)")
    parser.add_argument("--runs", type=int, default=5, help="browser runs (the first is the server's cold one)")
    args = parser.parse_args(argv)
    print(json.dumps(measure_cockpit_in_browser(args.db, args.runs), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
