"""Many people open the cockpit at once: N browser sessions against one real `streamlit run` server.

Each session is its own chromium context (cookies and Streamlit session of its own) that
signs in through the login form, waits until the cockpit (驾驶舱总览) is fully drawn, picks a
channel in the sidebar's 渠道 filter and waits for the redraw, then opens 趋势分析 and waits
for it. All sessions start together (a committee before its meeting); the steps are phases: the
filter changes begin once every session has opened — all at once, or spread at random over
`--filter-window` seconds (people in one meeting change a filter within the same minute, not the
same instant) — and the second page once every session has redrawn. Meanwhile a thread asks
the server's health endpoint every HEALTH_EVERY_S seconds: a server that stops answering it
is frozen, whatever the pages show.

The result says, per session, how long each step took — on the page's own clock, from the action
(the sign-in click, the click on a 渠道 option, the menu click) to the last change of the page, so the
settle window that confirms "drawn" is not counted — and whether it ended drawn without an
exception box; overall p50/p95, the slowest health answer, failed health probes and the
server's peak memory. The run is bounded: every wait has a generous timeout (it detects a
hang, it is not a performance target), and only loopback is contacted (other requests are
aborted and counted).

The browser tests use it with 12 sessions (tests/browser/test_concurrent_sessions.py);
`make bench` with 20 on each size, at once and over a 60 s window. By hand, on the served demo:

    python -m benchmarks.concurrent_sessions --db data/cockpit.duckdb --sessions 8 --filter-window 60
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, BrowserContext, Page, Route, WebSocketRoute, async_playwright
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from benchmarks.app_memory import PeakMemorySampler, read_cpu_seconds
from benchmarks.browser_timing import (
    CHANNEL_LABEL,
    CHROMIUM,
    CHROMIUM_ARGS,
    OPEN_ATTEMPTS,
    OPEN_WAIT_MS,
    OUTSIDE_URL,
    SELECT_ALL,
    build_server_env,
    is_local,
    read_log_tail,
    serve_cockpit,
)

USERNAME = "loadtest"
PASSWORD = "Load-test-2026!"
SECOND_PAGE = "趋势分析"
VIEWPORT = {"width": 1280, "height": 900}
STEP_TIMEOUT_MS = 240_000  # one step of one session; only a hang comes near it
HEALTH_EVERY_S = 1.0
HEALTH_TIMEOUT_S = 30.0  # one health probe; the event loop answers in milliseconds unless it is stuck
SETTLE_MS = 1000

# Settled: the script run has ended, the main area has text and has not changed for settleMs, no skeleton is
# loading, and it last changed after `after` (the action on the page clock: a rerun not yet begun is not "drawn"). Returns {error} as soon as an exception box is shown, {ok} once settled, null meanwhile.
SETTLED_JS = """({settleMs, heading, after}) => {
  const app = document.querySelector('[data-testid="stApp"]');
  const main = document.querySelector('[data-testid="stMain"]');
  if (!app || !main) return null;
  const failure = main.querySelector('[data-testid="stException"]');
  if (failure) return {error: failure.innerText.slice(0, 800)};
  const title = main.querySelector('h1');
  const text = main.innerText;
  const loading = main.querySelectorAll('[data-testid="stSkeleton"]').length;
  const ready = app.dataset.testScriptState === 'notRunning' && text.trim() !== '' && loading === 0
    && (!heading || (title && title.innerText.trim() === heading));
  const now = performance.now();
  const last = window.__loadSettle;
  if (!ready || !last || last.text !== text) { window.__loadSettle = {text: text, since: now}; return null; }
  if (now - last.since < settleMs || last.since <= after) return null;
  return {ok: true, cards: main.querySelectorAll('[data-testid="stMetric"]').length, drawnAt: last.since};
}"""


@dataclass
class SessionResult:
    """One person's visit: seconds per step (None where it did not get that far) and what went wrong."""

    session: int
    login_s: float | None = None
    open_s: float | None = None
    filter_s: float | None = None
    second_page_s: float | None = None
    cards: int = 0
    channel: str | None = None
    error: str | None = None


@dataclass
class HealthLog:
    """What the health endpoint answered while the sessions ran."""

    probes: int = 0
    failures: list[str] = field(default_factory=list)
    slowest_s: float = 0.0


class HealthProbe:
    """A background thread asking /_stcore/health every HEALTH_EVERY_S seconds until stopped."""

    def __init__(self, base_url: str) -> None:
        self.url = f"{base_url}/_stcore/health"
        self.log = HealthLog()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="health-probe", daemon=True)

    def __enter__(self) -> HealthProbe:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=HEALTH_TIMEOUT_S + 5)

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(self.url, timeout=HEALTH_TIMEOUT_S) as response:
                    if response.status != 200:
                        self.log.failures.append(f"HTTP {response.status}")
            except OSError as error:
                self.log.failures.append(f"{type(error).__name__}: {error}")
            self.log.probes += 1
            self.log.slowest_s = max(self.log.slowest_s, time.perf_counter() - started)
            self._stop.wait(HEALTH_EVERY_S)


def write_load_users(folder: Path) -> Path:
    """A users file with one administrator of known password (bcrypt at 4 rounds: a real hash, cheap to check)."""
    from dashboard.auth.users import User, hash_password, write_users

    path = folder / "load_users.yaml"
    write_users(path, [User(USERNAME, "压测管理员", "管理员", password_hash=hash_password(PASSWORD, rounds=4))])
    return path


@contextmanager
def serve_for_sessions(db: Path, scratch: Path) -> Iterator[tuple[str, int]]:
    """The cockpit on `db` with login on (demo mode, the load-test users file); yields base URL and server pid."""
    env = build_server_env(db, scratch)
    env.pop("COCKPIT_AUTH", None)
    env["COCKPIT_USERS"] = str(write_load_users(scratch))
    with serve_cockpit(db, scratch, env) as (base_url, process):
        yield base_url, process.pid


async def guard_network_async(context: BrowserContext, blocked: list[str]) -> None:
    """Loopback passes; anything else is aborted and recorded (the async twin of browser_timing.guard_network)."""

    async def route_request(route: Route) -> None:
        if is_local(route.request.url):
            await route.continue_()
        else:
            blocked.append(route.request.url)
            await route.abort("blockedbyclient")

    async def route_socket(ws: WebSocketRoute) -> None:
        blocked.append(ws.url)
        await ws.close()

    await context.route(OUTSIDE_URL, route_request)
    await context.route_web_socket(OUTSIDE_URL, route_socket)


async def page_clock(page: Page) -> float:
    """The page's performance.now() in ms: steps are timed on the browser's clock, from the action to the moment
    the page reached its final state (not to the end of the settle window that confirms it)."""
    return float(await page.evaluate("performance.now()"))


async def wait_settled(page: Page, heading: str | None = None, since_ms: float | None = None) -> tuple[int, float]:
    """Until the page is settled after its last change later than `since_ms` (page clock): its KPI card count and
    the seconds from `since_ms` to that change; an exception box raises at once."""
    handle = await page.wait_for_function(
        SETTLED_JS,
        arg={"settleMs": SETTLE_MS, "heading": heading, "after": since_ms if since_ms is not None else -1.0},
        polling=250,
        timeout=STEP_TIMEOUT_MS,
    )
    found = await handle.json_value()
    if "error" in found:
        raise RuntimeError(f"exception on the page: {found['error']}")
    drawn_s = (float(found["drawnAt"]) - since_ms) / 1000 if since_ms is not None else float("nan")
    return int(found["cards"]), max(0.0, drawn_s)


async def sign_in(page: Page, base_url: str) -> None:
    await page.goto(base_url, timeout=STEP_TIMEOUT_MS)
    await page.get_by_label("用户名").fill(USERNAME)
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()


async def pick_channel(page: Page, session: int) -> tuple[str, float]:
    """The session's channel in the sidebar's 渠道 multiselect (a different one per session); returns it and the
    page clock just before the option is clicked (the filter change starts there, not at opening the list)."""
    box = (
        page.get_by_test_id("stSidebar")
        .get_by_test_id("stMultiSelect")
        .filter(has=page.get_by_text(CHANNEL_LABEL, exact=True))
    )
    options = page.get_by_role("option")
    field = box.locator("input")
    for _ in range(OPEN_ATTEMPTS):  # a click on a just-drawn page sometimes only focuses it: open from the keyboard
        await field.focus()
        await field.press("ArrowDown")
        try:
            await options.first.wait_for(timeout=OPEN_WAIT_MS)
            break
        except PlaywrightTimeoutError:
            continue
    else:
        raise RuntimeError(f"the 渠道 dropdown did not open after {OPEN_ATTEMPTS} attempts")
    names = [name.strip() for name in await options.all_inner_texts() if name.strip() != SELECT_ALL]
    channel = names[session % len(names)]
    clicked = await page_clock(page)
    await page.get_by_role("option", name=channel, exact=True).click()
    await page.keyboard.press("Escape")
    return channel, clicked


async def run_session(
    browser: Browser,
    base_url: str,
    session: int,
    blocked: list[str],
    phases: tuple[asyncio.Barrier, asyncio.Barrier],
    delay_s: float,
) -> SessionResult:
    """Sign in, cockpit drawn; once every session has opened, wait `delay_s`, change a filter and wait for the
    redraw; once every session has done that, draw a second page. Timings and the first error."""
    result = SessionResult(session)
    passed = 0  # phase barriers this session has passed (a failed session still passes the rest)
    context = await browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    try:
        await guard_network_async(context, blocked)
        page = await context.new_page()
        page.set_default_timeout(STEP_TIMEOUT_MS)
        started = time.perf_counter()
        await sign_in(page, base_url)
        result.login_s = time.perf_counter() - started
        result.cards, result.open_s = await wait_settled(page, "驾驶舱总览", await page_clock(page))
        if result.cards == 0:
            raise RuntimeError("the cockpit showed no KPI cards")
        await phases[0].wait()
        passed = 1
        await asyncio.sleep(delay_s)
        result.channel, clicked = await pick_channel(page, session)
        _, result.filter_s = await wait_settled(page, "驾驶舱总览", clicked)
        await phases[1].wait()
        passed = 2
        clicked = await page_clock(page)
        await page.get_by_test_id("stSidebarNav").get_by_text(SECOND_PAGE, exact=True).click()
        _, result.second_page_s = await wait_settled(page, SECOND_PAGE, clicked)
    except Exception as error:  # noqa: BLE001 - every failure of a session is reported, not raised
        result.error = f"{type(error).__name__}: {str(error)[:800]}"
        for barrier in phases[passed:]:
            await barrier.wait()  # the others must not wait for a session that failed
    finally:
        await context.close()
    return result


def filter_delays(sessions: int, window_s: float, seed: int = 2026) -> list[float]:
    """When each session changes its filter after all have opened: at once (window 0), or spread uniformly at
    random (seeded) over `window_s` seconds — people in one meeting click within a minute, not the same instant."""
    rng = random.Random(seed)
    return [rng.uniform(0, window_s) if window_s > 0 else 0.0 for _ in range(sessions)]


async def run_all_sessions(
    base_url: str, sessions: int, blocked: list[str], window_s: float = 0.0
) -> list[SessionResult]:
    phases = (asyncio.Barrier(sessions), asyncio.Barrier(sessions))  # all opened; all filtered
    delays = filter_delays(sessions, window_s)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            return list(
                await asyncio.gather(
                    *(run_session(browser, base_url, n, blocked, phases, delays[n]) for n in range(sessions))
                )
            )
        finally:
            await browser.close()


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile (p95 of 20 values is the 19th smallest)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return round(ordered[rank - 1], 3)


def summarise_sessions(results: list[SessionResult], health: HealthLog, peak_mib: float, blocked: list[str]) -> dict:
    summary: dict[str, Any] = {"sessions": len(results), "failed": sum(r.error is not None for r in results)}
    for step in ("login_s", "open_s", "filter_s", "second_page_s"):
        values = [getattr(r, step) for r in results if getattr(r, step) is not None]
        summary[f"{step[:-2]}_p50_s"] = round(statistics.median(values), 3) if values else None
        summary[f"{step[:-2]}_p95_s"] = percentile(values, 0.95)
    summary |= {
        "health_probes": health.probes,
        "health_failures": len(health.failures),
        "health_failure_examples": health.failures[:5],
        "health_slowest_s": round(health.slowest_s, 3),
        "server_peak_rss_mib": round(peak_mib, 1),
        "blocked_requests": len(blocked),
        "errors": [f"session {r.session}: {r.error}" for r in results if r.error],
        "per_session": [asdict(r) for r in results],
    }
    return summary


def measure_concurrent_sessions(
    db: Path, sessions: int = 12, rounds: int = 1, filter_window_s: float = 0.0
) -> list[dict]:
    """`rounds` times in a row on one server: `sessions` people at once (their filter changes spread over
    `filter_window_s` seconds after all have opened). One summary per round."""
    db = Path(db).absolute()
    if not db.exists():
        raise FileNotFoundError(f"no warehouse at {db}")
    summaries: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="concurrent-sessions-") as folder:
        scratch = Path(folder)
        with serve_for_sessions(db, scratch) as (base_url, pid):
            for _ in range(rounds):
                blocked: list[str] = []
                cpu_before, started = read_cpu_seconds(pid), time.perf_counter()
                with PeakMemorySampler(pid) as memory, HealthProbe(base_url) as probe:
                    results = asyncio.run(run_all_sessions(base_url, sessions, blocked, filter_window_s))
                    memory.finish()
                summary = summarise_sessions(results, probe.log, memory.peak_mib, blocked)
                # Server CPU against wall time: how much of the wait was the server's work (the rest is the
                # browsers drawing, on the same cores here).
                summary["wall_s"] = round(time.perf_counter() - started, 3)
                summary["filter_window_s"] = filter_window_s
                summary["server_cpu_s"] = round(read_cpu_seconds(pid) - cpu_before, 3)
                if summary["failed"] or summary["health_failures"]:
                    summary["server_log_tail"] = read_log_tail(scratch, 80)
                summaries.append(summary)
    return summaries


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Open the cockpit in N concurrent browser sessions.")
    parser.add_argument("--db", type=Path, required=True, help="the warehouse to serve (opened read-only)")
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=1, help="rounds in a row on the same server")
    parser.add_argument(
        "--filter-window",
        type=float,
        default=0.0,
        help="seconds over which the sessions' filter changes are spread after all opened (0: all at once)",
    )
    args = parser.parse_args(argv)
    summaries = measure_concurrent_sessions(args.db, args.sessions, args.rounds, args.filter_window)
    print(json.dumps(summaries, ensure_ascii=False, indent=2))
    return 1 if any(s["failed"] or s["health_failures"] for s in summaries) else 0


if __name__ == "__main__":
    sys.exit(main())
