"""How long a person waits for the cockpit in a real browser: first draw and redraw after a filter change.

A real `streamlit run streamlit_app.py` serves the given warehouse on a free loopback port; Debian's
chromium (driven by Playwright, never downloaded) opens the home page (驾驶舱总览) in a fresh browser
context per run, then picks one channel in the sidebar's 渠道 filter (a different one each run, so
the server's cache cannot answer). "Drawn" means: the script run has ended, the KPI cards are there,
every visible chart has painted (plotly's svg, vega's canvas or svg, the data grid's canvas, a
component iframe's canvas or svg, each with a non-zero size) and the main area has not changed for
SETTLE_MS. The time reported is when it last changed, read on the page's own clock (performance.now(),
which starts at navigation), so the settle window and Playwright's round trips are not counted.

Charts below the fold (the cockpit's mixes and rising issues, dashboard/app/lazy.py) are drawn when
scrolled to: the first draw covers the first screen (1440×900: title, period line, the twelve KPI cards);
each run then scrolls to the deferred block and times it until drawn (`below_fold`), before the filter
change, so that change redraws the whole page, charts included.

Each run also reopens the home page in the same browser context (a returning visitor whose browser
has the app's scripts cached), and records where each wait went: the page's main-thread long tasks
(scripts, layout, paint) and the server's CPU time. The first run is the server's cold one (first
script run, empty caches): it is reported apart from the median of the others.

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
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext, Locator, Page, Route, WebSocketRoute, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from benchmarks.app_memory import PeakMemorySampler, read_cpu_seconds

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
# Any scheme://host URL whose host is not loopback (data:, blob: and about: URLs never leave the machine).
OUTSIDE_URL = re.compile(
    r"^(?!(?:https?|wss?)://(?:127\.0\.0\.1|localhost|\[::1\])(?::\d+)?(?:[/?#]|$))[a-z][a-z0-9+.-]*://", re.I
)
VIEWPORT = {"width": 1440, "height": 900}  # a laptop, as the cockpit's layout test uses
CHANNEL_LABEL = "渠道"
COMPLAINTS_CARD = "投诉量"
SELECT_ALL = "Select all"  # Streamlit's own first option of a multiselect
SETTLE_MS = 1000  # a busy 2-core machine can pause for a few hundred ms between a rerun's messages
POLL_MS = 250  # the exact times come from a MutationObserver; polling only checks the drawn state
STUCK_MS = 60_000  # a finished script run with nothing changing for this long and still not drawn: broken
DRAW_TIMEOUT_MS = 15 * 60 * 1000  # a cold first draw at 10M cases on a loaded machine can be slow
ACTION_TIMEOUT_MS = 60_000
OPEN_ATTEMPTS, OPEN_WAIT_MS = 5, 3000
SERVER_START_SECONDS = 180
SERVER_LOG = "streamlit.log"

# Installed on every page: the time of the last press on a dropdown option (the start of a filter change); the time
# of the last change in the main area and of the last end of a script run (a MutationObserver is exact where polling
# would be as coarse as its interval, and polling often forces layouts that slow the page being measured); the main
# thread's long tasks (how much of a wait is the browser's own work: scripts, layout, paint).
PAGE_INIT_JS = """
document.addEventListener('pointerdown', event => {
  if (event.target instanceof Element && event.target.closest('[role="option"]')) window.__benchPressAt = event.timeStamp;
}, true);
window.__benchMutatedAt = 0;
new MutationObserver(records => {
  const now = performance.now();
  const main = document.querySelector('[data-testid="stMain"]');
  for (const record of records) {
    if (record.attributeName === 'data-test-script-state') {
      window.__benchMutatedAt = now;
      if (record.target.dataset.testScriptState === 'notRunning') window.__benchScriptEnd = now;
    } else if (main && main.contains(record.target)) {
      window.__benchMutatedAt = now;
    }
  }
}).observe(document, {subtree: true, childList: true, characterData: true, attributes: true});
window.__benchLongTasks = [];
new PerformanceObserver(list => {
  for (const entry of list.getEntries()) window.__benchLongTasks.push([entry.startTime, entry.duration]);
}).observe({type: 'longtask', buffered: true});
"""

# Polled until it returns an object: {since, scriptEnd, cards, charts}, or {error} for a broken page. `since` is
# when the main area last changed (ms on the page's clock); it must be later than `after` (the filter press, or 0
# for a first draw).
DRAWN_JS = """({settleMs, stuckMs, after}) => {
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
  for (const el of main.querySelectorAll('svg.cockpit-spark')) {
    if (shown(el)) charts.push({kind: 'spark', ok: sized(el), sig: el.querySelector('polyline').getAttribute('points')});
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
  const polledAt = window.__benchPolledAt || 0;
  window.__benchPolledAt = now;
  if (!track || track.signature !== signature) {
    // Changed since the last poll: at the last mutation seen meanwhile (canvas paints are no mutations: then now).
    const mutatedAt = window.__benchMutatedAt || 0;
    window.__benchDraw = {signature: signature, since: mutatedAt > polledAt ? mutatedAt : now};
    return null;
  }
  const drawn = state === 'notRunning' && loading === 0 && cards > 0 && main.innerText.trim() !== ''
    && charts.every(c => c.ok);
  const still = now - track.since;
  // A page that has stopped changing without being drawn is broken: say why instead of waiting out the timeout.
  const failure = main.querySelector('[data-testid="stException"]');
  if (failure && state === 'notRunning' && still >= settleMs) return {error: failure.innerText.slice(0, 1000)};
  if (!drawn && state === 'notRunning' && still >= stuckMs) {
    return {error: `not drawn: ${cards} cards, ${loading} loading, charts not painted: ` +
      charts.filter(c => !c.ok).map(c => c.kind).join(', ')};
  }
  if (!drawn || track.since <= after || still < settleMs) return null;
  // When the script run ended (what is left after it is the browser's drawing).
  const scriptEnd = window.__benchScriptEnd > after ? window.__benchScriptEnd : null;
  return {since: track.since, scriptEnd: scriptEnd, cards: cards, charts: charts.length};
}"""


@dataclass(frozen=True)
class Drawn:
    """A fully drawn cockpit: when it became stable (page clock, ms) and what it showed."""

    since_ms: float
    script_end_ms: float | None  # when the server's script run ended (None: no end seen after the start)
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
def run_streamlit(
    script: str | Path, env: Mapping[str, str], log: Path
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`python -m dashboard serve --script <script>` from the project root on a free loopback port, output to `log`; yields its base URL
    and process once it answers, and stops it afterwards (the benchmark and the browser tests share this)."""
    port = find_free_port()
    base_url = f"http://127.0.0.1:{port}"
    # The product's own launcher (libraries loaded and watchdog started before the first visitor), as `make run`.
    command = [sys.executable, "-m", "dashboard", "serve", "--script", str(script), "--port", str(port)]
    with open(log, "wb") as log_handle:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=dict(env), stdout=log_handle, stderr=subprocess.STDOUT
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


@contextmanager
def serve_cockpit(
    db: Path, scratch: Path, env: Mapping[str, str] | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """The cockpit on `db` (environment: `env`, default build_server_env's); yields its base URL and process."""
    with run_streamlit("streamlit_app.py", env or build_server_env(db, scratch), scratch / SERVER_LOG) as served:
        yield served


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

    # Regexes, not a catch-all: Playwright matches them in the browser's driver, so the app's own requests and its
    # websocket go straight to the server instead of through this process (which would slow what is measured).
    context.route(OUTSIDE_URL, route_request)
    context.route_web_socket(OUTSIDE_URL, route_socket)


def wait_until_drawn(page: Page, after_ms: float = 0.0) -> Drawn:
    """Block until the cockpit is fully drawn and stable, with its last change later than `after_ms`."""
    handle = page.wait_for_function(
        DRAWN_JS,
        arg={"settleMs": SETTLE_MS, "stuckMs": STUCK_MS, "after": after_ms},
        polling=POLL_MS,
        timeout=DRAW_TIMEOUT_MS,
    )
    found = handle.json_value()
    if "error" in found:
        raise RuntimeError(f"the cockpit did not draw: {found['error']}")
    script_end = None if found["scriptEnd"] is None else float(found["scriptEnd"])
    return Drawn(float(found["since"]), script_end, int(found["cards"]), int(found["charts"]))


def read_cards(page: Page) -> dict[str, str]:
    """KPI card label -> shown value."""
    return page.eval_on_selector_all(
        '[data-testid="stMain"] [data-testid="stMetric"]',
        """els => Object.fromEntries(els.map(el => [
            el.querySelector('[data-testid="stMetricLabel"]').innerText.trim(),
            el.querySelector('[data-testid="stMetricValue"]').innerText.trim()]))""",
    )


def open_dropdown(field: Locator, options: Locator) -> None:
    """Open a multiselect's list from the keyboard (a click on a just-drawn page sometimes only focuses it)."""
    for _ in range(OPEN_ATTEMPTS):
        field.focus()
        field.press("ArrowDown")
        try:
            options.first.wait_for(timeout=OPEN_WAIT_MS)
            return
        except PlaywrightTimeoutError:
            continue
    raise RuntimeError(f"the dropdown did not open after {OPEN_ATTEMPTS} attempts")


def pick_channel(page: Page, run: int) -> tuple[str, float]:
    """Select the run's channel in the sidebar's 渠道 filter; returns it and the press time (page clock, ms)."""
    sidebar = page.get_by_test_id("stSidebar")
    box = sidebar.get_by_test_id("stMultiSelect").filter(has=page.get_by_text(CHANNEL_LABEL, exact=True))
    options = page.get_by_role("option")
    open_dropdown(box.locator("input"), options)
    names = [name.strip() for name in options.all_inner_texts() if name.strip() != SELECT_ALL]
    channel = names[run % len(names)]
    page.get_by_role("option", name=channel, exact=True).click()
    pressed = page.evaluate("window.__benchPressAt")
    if pressed is None:
        raise RuntimeError(f"the press on the option {channel!r} was not seen by the page")
    return channel, float(pressed)


def read_busy_seconds(page: Page, start_ms: float, end_ms: float) -> float:
    """Main-thread long tasks (> 50 ms: script, layout, paint) that started within [start_ms, end_ms]."""
    busy_ms = page.evaluate(
        "([a, b]) => (window.__benchLongTasks || []).filter(([s]) => s >= a && s <= b).reduce((t, [, d]) => t + d, 0)",
        [start_ms, end_ms],
    )
    return float(busy_ms) / 1000


def account_wait(page: Page, drawn: Drawn, start_ms: float, cpu_before: float, server_pid: int) -> dict[str, Any]:
    """A wait from `start_ms` (page clock) until `drawn`: its length, when the script run ended within it, the
    browser's busy time and the server's CPU time meanwhile."""
    script_end = drawn.script_end_ms
    return {
        "s": (drawn.since_ms - start_ms) / 1000,
        "script_end_s": None if script_end is None else (script_end - start_ms) / 1000,
        "browser_busy_s": read_busy_seconds(page, start_ms, drawn.since_ms),
        "server_cpu_s": read_cpu_seconds(server_pid) - cpu_before,
    }


def time_first_draw(page: Page, base_url: str, server_pid: int) -> tuple[Drawn, dict[str, Any]]:
    """Navigate to the home page and wait until drawn (the page clock starts at the navigation)."""
    cpu = read_cpu_seconds(server_pid)
    page.goto(base_url)
    drawn = wait_until_drawn(page)
    return drawn, account_wait(page, drawn, 0.0, cpu, server_pid)


LAZY_MARKER = ".cockpit-lazy-marker"


def time_below_fold(page: Page, server_pid: int) -> tuple[Drawn, dict[str, Any]] | None:
    """Scroll to the block drawn when scrolled to and wait until drawn; None when the page has none."""
    if page.locator(LAZY_MARKER).count() == 0:
        return None
    cpu = read_cpu_seconds(server_pid)
    scrolled_ms = float(
        page.evaluate(
            f"() => {{ document.querySelector('{LAZY_MARKER}').scrollIntoView({{block: 'center'}}); "
            "return performance.now(); }"
        )
    )
    drawn = wait_until_drawn(page, after_ms=scrolled_ms)
    if page.locator(LAZY_MARKER).count():
        raise RuntimeError("the block below the fold was not drawn after scrolling to it")
    return drawn, account_wait(page, drawn, scrolled_ms, cpu, server_pid)


def time_filter_change(page: Page, run: int, server_pid: int) -> tuple[str, dict[str, Any]]:
    """Pick the run's channel and wait until redrawn; returns the channel and the wait's figures."""
    cpu = read_cpu_seconds(server_pid)
    channel, pressed_ms = pick_channel(page, run)
    drawn = wait_until_drawn(page, after_ms=pressed_ms)
    return channel, account_wait(page, drawn, pressed_ms, cpu, server_pid)


def open_page(context: BrowserContext) -> Page:
    page = context.new_page()
    page.set_default_timeout(ACTION_TIMEOUT_MS)
    return page


def measure_run(browser: Browser, base_url: str, run: int, server_pid: int, blocked: list[str]) -> dict[str, Any]:
    """One fresh browser context: first draw, one channel picked and the redraw, then a returning visit."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    try:
        guard_network(context, blocked)
        context.add_init_script(PAGE_INIT_JS)
        page = open_page(context)
        first, first_timing = time_first_draw(page, base_url, server_pid)
        before = read_cards(page)
        below = time_below_fold(page, server_pid)
        below_timing = None if below is None else below[1]
        channel, change_timing = time_filter_change(page, run, server_pid)
        after = read_cards(page)
        page.close()
        # A returning visitor: same browser profile, so the app's scripts come from the HTTP cache.
        _cached, cached_timing = time_first_draw(open_page(context), base_url, server_pid)
    finally:
        context.close()
    figures = {f"first_draw_{k}": v for k, v in first_timing.items()}
    figures |= {f"below_fold_{k}": v for k, v in (below_timing or dict.fromkeys(change_timing)).items()}
    figures |= {f"filter_change_{k}": v for k, v in change_timing.items()}
    figures |= {f"cached_draw_{k}": v for k, v in cached_timing.items()}
    return {key: value if value is None else round(value, 3) for key, value in figures.items()} | {
        "channel": channel,
        "complaints_before": before.get(COMPLAINTS_CARD),
        "complaints_after": after.get(COMPLAINTS_CARD),
        "kpi_cards": first.cards,
        "charts": first.charts,
        "charts_below_fold": None if below is None else below[0].charts - first.charts,
    }


def median_of(per_run: list[dict[str, Any]], key: str) -> float | None:
    values = [run[key] for run in per_run if run[key] is not None]
    return round(statistics.median(values), 3) if values else None


def summarise(per_run: list[dict[str, Any]], peak_mib: float, blocked: list[str], start_s: float) -> dict[str, Any]:
    warm = [run["first_draw_s"] for run in per_run[1:]]
    return {
        "first_draw_cold_s": round(per_run[0]["first_draw_s"], 3),
        "first_draw_warm_s": round(statistics.median(warm), 3) if warm else None,
        "first_draw_browser_cached_s": median_of(per_run, "cached_draw_s"),
        "filter_change_s": median_of(per_run, "filter_change_s"),
        # Scrolling to the charts drawn when scrolled to, until drawn (None: the page draws everything at once).
        "below_fold_s": median_of(per_run, "below_fold_s"),
        "below_fold_script_end_s": median_of(per_run, "below_fold_script_end_s"),
        # Where the time goes (medians over all runs): when the server's script run ended (the rest is drawing in the
        # browser), the browser's main-thread long tasks, the server's CPU time.
        "first_draw_script_end_s": median_of(per_run, "first_draw_script_end_s"),
        "filter_change_script_end_s": median_of(per_run, "filter_change_script_end_s"),
        "first_draw_browser_busy_s": median_of(per_run, "first_draw_browser_busy_s"),
        "first_draw_server_cpu_s": median_of(per_run, "first_draw_server_cpu_s"),
        "filter_change_browser_busy_s": median_of(per_run, "filter_change_browser_busy_s"),
        "filter_change_server_cpu_s": median_of(per_run, "filter_change_server_cpu_s"),
        "server_peak_rss_mib": round(peak_mib, 1),
        "blocked_requests": len(blocked),
        "blocked_urls": blocked[:10],
        "server_start_s": round(start_s, 3),
        "kpi_cards": per_run[-1]["kpi_cards"],
        "charts": per_run[-1]["charts"],  # on the first screen
        "charts_below_fold": per_run[-1]["charts_below_fold"],  # added by the scroll (None: nothing deferred)
        "runs": len(per_run),
        "settle_ms": SETTLE_MS,
        "viewport": f"{VIEWPORT['width']}x{VIEWPORT['height']}",
        "per_run": per_run,
    }


def read_log_tail(scratch: Path, lines: int = 40) -> str:
    log = scratch / SERVER_LOG
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else ""


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
                    per_run = [measure_run(browser, base_url, run, process.pid, blocked) for run in range(runs)]
                except RuntimeError as error:
                    raise RuntimeError(f"{error}\n--- server log (end) ---\n{read_log_tail(Path(scratch))}") from error
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
