"""Two cockpit replicas behind nginx (issue 17, docs/deploy.md), started by `python -m dashboard replicas`.

On loopback, on a copy of the small demo warehouse:
(a) both replicas serve: each answers its health check, and requests through the proxy reach both, each browser
    staying on one replica (the sticky cookie), page and websocket alike (nginx's access log);
(b) a load published by `python -m warehouse load` is shown by an open page on each replica after a rerun
    (数据概况's 投诉案件数 goes from 3,000 to 3,025): both readers reopened on the new version;
(c) one replica stopped: the proxy still serves (every request answered by the other), a page already open on
    the survivor keeps working, and the stopped replica's browser reconnects to the survivor.
Ctrl-C (SIGINT) to the launcher then stops nginx and the surviving replica.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, WebSocket, expect

from tests.browser.conftest import guard_network, wait_until_settled
from tests.builders import build_cases, case_row, write_csv
from tests.cockpit_support import DEMO_CASES, PROJECT_ROOT
from warehouse import store

START_SECONDS = 300
COOKIE = "cockpit_replica"
HEADER = "x-cockpit-replica"
CASES_CARD = "投诉案件数"
NEW_CASES = 25


def find_port_pair() -> int:
    """A free loopback port whose next port is free too (the launcher numbers replicas from --base-port)."""
    for _ in range(50):
        with socket.socket() as first:
            first.bind(("127.0.0.1", 0))
            port = int(first.getsockname()[1])
            with socket.socket() as second:
                try:
                    second.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
                return port
    raise RuntimeError("no two consecutive free ports")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def copy_warehouse(demo_db: Path, target: Path) -> None:
    """The demo warehouse's current version as this test's own served warehouse (the load writes to it)."""
    source = store.current_version(demo_db)
    assert source is not None
    versions = store.versions_dir(target)
    versions.mkdir(parents=True)
    shutil.copyfile(source, versions / source.name)
    os.symlink(os.path.relpath(versions / source.name, target.parent), target)


def get(url: str, cookie: str | None = None) -> tuple[int, str, str | None]:
    """(status, replica that answered, the sticky cookie set by the response or None)."""
    request = urllib.request.Request(url, headers={"Cookie": f"{COOKIE}={cookie}"} if cookie else {})
    with urllib.request.urlopen(request, timeout=20) as response:
        set_cookie = None
        for header in response.headers.get_all("Set-Cookie") or []:
            parsed = SimpleCookie(header)
            if COOKIE in parsed:
                set_cookie = parsed[COOKIE].value
        return response.status, response.headers.get(HEADER, ""), set_cookie


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return not Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].startswith("Z")
    except OSError:
        return False


def wait_gone(pid: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not alive(pid), f"process {pid} still runs"


@contextmanager
def launched(command: list[str], env: dict[str, str], run_dir: Path, log: Path) -> Iterator[dict]:
    """The launcher until everything answers (its replicas.json); Ctrl-C'd and everything it started gone after."""
    with open(log, "wb") as handle:
        launcher = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)
    state: dict = {}
    try:
        deadline = time.monotonic() + START_SECONDS
        while not (run_dir / "replicas.json").exists():
            assert launcher.poll() is None, f"the launcher exited:\n{log.read_text(errors='replace')[-4000:]}"
            assert time.monotonic() < deadline, f"not ready in {START_SECONDS}s:\n{log.read_text(errors='replace')}"
            time.sleep(0.5)
        time.sleep(0.2)  # written in one call; let it be closed
        state = json.loads((run_dir / "replicas.json").read_text(encoding="utf-8"))
        yield state
        launcher.send_signal(signal.SIGINT)  # Ctrl-C: the launcher stops nginx, then the replicas
        assert launcher.wait(timeout=60) == 0, log.read_text(errors="replace")[-4000:]
        for pid in [state["nginx_pid"], *(r["pid"] for r in state["replicas"])]:
            wait_gone(pid, 10)
    finally:
        # Also after a failure: Ctrl-C first (the launcher stops what it started), then anything left, nginx's
        # workers included (a killed master would leave them serving).
        if launcher.poll() is None:
            launcher.send_signal(signal.SIGINT)
            try:
                launcher.wait(timeout=60)
            except subprocess.TimeoutExpired:
                launcher.kill()
                launcher.wait(timeout=30)
        nginx_pid = state.get("nginx_pid")
        leftovers = [nginx_pid, *children_of(nginx_pid), *(r["pid"] for r in state.get("replicas", []))]
        for pid in [pid for pid in leftovers if pid and alive(pid)]:
            os.kill(pid, signal.SIGTERM)
        for pid in [pid for pid in leftovers if pid]:
            try:
                wait_gone(pid, 15)
            except AssertionError:
                os.kill(pid, signal.SIGKILL)


def children_of(pid: int | None) -> list[int]:
    """Processes whose parent is `pid` (nginx's workers)."""
    if not pid:
        return []
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(") ", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


@dataclass
class Visitor:
    """One browser on the proxy: its context, its page, the replica that served the page, the websockets it opened."""

    context: BrowserContext
    page: Page
    served_by: str
    sockets: list[WebSocket]

    def cookie(self) -> str | None:
        return next((c["value"] for c in self.context.cookies() if c["name"] == COOKIE), None)


def open_overview(browser: Browser, proxy: str, cookie: str | None, blocked: list[str]) -> Visitor:
    """A browser (with this sticky cookie, if any) on the proxy's 数据概况 page, drawn."""
    context = browser.new_context(viewport={"width": 1440, "height": 1200}, locale="zh-CN")
    guard_network(context, blocked)
    if cookie:
        context.add_cookies([{"name": COOKIE, "value": cookie, "url": proxy}])
    page = context.new_page()
    page.set_default_timeout(90_000)
    sockets: list[WebSocket] = []
    page.on("websocket", lambda socket: sockets.append(socket))
    response = page.goto(f"{proxy}/home")
    assert response is not None and response.ok
    wait_until_settled(page)
    return Visitor(context, page, response.headers.get(HEADER, ""), sockets)


def access_fields(line: str) -> dict[str, str]:
    """One line of the launcher's nginx access log (log_format cockpit): uri, replica, upstream, cookie, …"""
    words = line.split(" ")
    fields = dict(word.split("=", 1) for word in words if "=" in word)
    return {"status": words[1], "uri": words[3], **fields}


def read_access_log(run_dir: Path, streams: int, seconds: float = 20) -> list[dict[str, str]]:
    """The access log once it holds this many websockets (nginx writes a websocket's line when it has closed)."""
    deadline = time.monotonic() + seconds
    while True:
        text = (run_dir / "logs" / "access.log").read_text(encoding="utf-8")
        logged = [access_fields(line) for line in text.splitlines()]
        if sum(entry["uri"] == "/_stcore/stream" for entry in logged) >= streams or time.monotonic() > deadline:
            return logged
        time.sleep(0.3)


def cases_card(page: Page):
    return page.get_by_test_id("stMetric").filter(has_text=CASES_CARD).get_by_test_id("stMetricValue")


def visit(page: Page, title: str) -> None:
    """Follow the sidebar link to this page in the same browser session; wait until it is drawn."""
    page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
    expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
    wait_until_settled(page)


def run_again(page: Page) -> None:
    """The open session runs its pages again (another page, then 数据概况): each run asks for the current version."""
    visit(page, "数据质量")
    visit(page, "数据概况")


def test_two_replicas_behind_nginx_serve_switch_versions_and_survive_one_stopping(
    require_chromium: None, browser: Browser, demo_db: Path, isolated_warehouse: Path, tmp_path: Path
) -> None:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        pytest.fail("nginx is missing: make setup-dev installs it (scripts/setup_system.sh)")
    db = isolated_warehouse
    copy_warehouse(demo_db, db)
    shutil.copyfile(demo_db.parent / "salt", os.environ["COCKPIT_SALT_FILE"])  # the load hashes as the demo did
    first_version = store.current_version(db)
    server_tmp = tmp_path / "server-tmp"
    server_tmp.mkdir()
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "TMPDIR": str(server_tmp)}
    env["COCKPIT_AUDIT"] = str(tmp_path / "audit.sqlite3")
    run_dir = tmp_path / "run"
    base, proxy_port = find_port_pair(), free_port()
    command = [sys.executable, "-m", "dashboard", "replicas", "--count", "2", "--base-port", str(base)]
    command += ["--proxy-port", str(proxy_port), "--run-dir", str(run_dir), "--nginx", nginx]
    blocked: list[str] = []
    contexts: list[BrowserContext] = []

    with launched(command, env, run_dir, tmp_path / "launcher.log") as state:
        proxy = state["proxy"]
        replicas = {r["name"]: r for r in state["replicas"]}
        assert sorted(replicas) == ["r1", "r2"] and {r["port"] for r in replicas.values()} == {base, base + 1}
        try:
            # (a) Each replica answers on its own port; through the proxy, new browsers are spread over both and
            # each stays on its replica.
            for replica in replicas.values():
                assert get(f"http://127.0.0.1:{replica['port']}/_stcore/health")[0] == 200
            seen: set[str] = set()
            for _ in range(20):  # browsers without the cookie: round robin
                status, name, cookie = get(f"{proxy}/_stcore/health")
                assert status == 200 and name in replicas and cookie == name
                seen.add(name)
            assert seen == set(replicas), f"the proxy sent every new browser to {seen}"
            for name in replicas:
                for _ in range(5):
                    assert get(f"{proxy}/", name) == (200, name, name), "sticky: the cookie's replica answers"

            # One open page per replica, through the proxy.
            visitors: dict[str, Visitor] = {}
            for name in replicas:
                visitor = visitors[name] = open_overview(browser, proxy, name, blocked)
                contexts.append(visitor.context)
                assert visitor.served_by == name and visitor.cookie() == name
                expect(cases_card(visitor.page)).to_have_text(f"{DEMO_CASES:,}")

            # (b) A load publishes a new version; both open pages show it on their next run.
            rows = [case_row(i, case_id=f"RPL{i:04d}") for i in range(NEW_CASES)]
            csv = write_csv(build_cases(rows), tmp_path / "新增案件.csv")
            load = [sys.executable, "-m", "warehouse", "load", str(csv), "--db", str(db)]
            done = subprocess.run(load, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, done.stdout + done.stderr
            assert store.current_version(db) != first_version
            for visitor in visitors.values():
                run_again(visitor.page)
                expect(cases_card(visitor.page)).to_have_text(f"{DEMO_CASES + NEW_CASES:,}")

            # (c) Stop r1. The proxy keeps serving, from r2 only.
            stopped, survivor = "r1", "r2"
            os.kill(replicas[stopped]["pid"], signal.SIGTERM)
            wait_gone(replicas[stopped]["pid"])
            for _ in range(10):
                assert get(f"{proxy}/_stcore/health") == (200, survivor, survivor)
            # A browser of the stopped replica is answered by the survivor, and its cookie now names the survivor.
            assert get(f"{proxy}/", stopped) == (200, survivor, survivor)
            # The page open on the survivor keeps working in the same session: one websocket, still open.
            kept = visitors[survivor]
            run_again(kept.page)
            expect(cases_card(kept.page)).to_have_text(f"{DEMO_CASES + NEW_CASES:,}")
            assert len(kept.sockets) == 1 and not kept.sockets[0].is_closed(), "the survivor's session was not cut"
            # The stopped replica's page reconnects by itself (a new websocket, through the proxy, to the survivor)
            # and draws again; its cookie follows, so its uploads would reach the same replica as its websocket.
            orphan = visitors[stopped]
            run_again(orphan.page)
            expect(cases_card(orphan.page)).to_have_text(f"{DEMO_CASES + NEW_CASES:,}", timeout=120_000)
            assert len(orphan.sockets) >= 2 and orphan.sockets[0].is_closed()
            assert orphan.cookie() == survivor
            # A new browser is served too.
            newcomer = open_overview(browser, proxy, None, blocked)
            contexts.append(newcomer.context)
            assert newcomer.served_by == survivor
            expect(cases_card(newcomer.page)).to_have_text(f"{DEMO_CASES + NEW_CASES:,}")
        finally:
            for context in contexts:
                context.close()  # closes the websockets: nginx logs each one as it ends
        logged = read_access_log(run_dir, streams=4)  # the four websockets: r1's, kept, orphan's second, newcomer
    assert blocked == [], f"the app tried to reach outside: {blocked}"

    # nginx's access log: every request carrying a replica's cookie was answered by that replica while it ran (the
    # survivor's, always), websockets included; the stopped replica's browser reconnected to the survivor.
    carried = [entry for entry in logged if entry["cookie"] == survivor]
    assert carried and all(entry["replica"] == survivor for entry in carried)
    streams = [entry for entry in logged if entry["uri"] == "/_stcore/stream"]
    assert any(entry["replica"] == entry["cookie"] == stopped for entry in streams), streams  # before the stop
    assert sum(entry["replica"] == survivor for entry in streams) >= 3, streams  # kept, orphan, newcomer
