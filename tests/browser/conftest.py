"""Browser end-to-end harness: a real `streamlit run` server on a free local port and Debian's chromium.

Every request the page makes goes through a Playwright route: loopback requests
pass, anything else is aborted and recorded, and a test fails when the app tried
to reach outside (the cockpit must work air-gapped). Playwright never downloads
a browser here: it drives /usr/bin/chromium.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from benchmarks.browser_timing import (  # one harness for tests and benchmarks
    CHROMIUM,
    CHROMIUM_ARGS,
    guard_network,
    run_streamlit,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'
# True once the script run has ended and the main area's text has not changed for SETTLE_MS: a busy CI machine can
# report "notRunning" before a fresh session's first run starts, or between two reruns.
SETTLE_MS = 1000
SETTLED_JS = """settleMs => {
  const app = document.querySelector('[data-testid="stApp"]');
  const main = document.querySelector('[data-testid="stMain"]');
  const text = main ? main.innerText : '';
  if (!app || app.dataset.testScriptState !== 'notRunning' || text.trim() === '') { window.__cockpitSettle = null; return false; }
  const now = performance.now();
  const last = window.__cockpitSettle;
  if (!last || last.text !== text) { window.__cockpitSettle = {text: text, since: now}; return false; }
  return now - last.since >= settleMs;
}"""


def wait_until_settled(page: Page) -> None:
    """Streamlit has finished its script run and the page has stopped changing."""
    page.wait_for_selector(READY, state="attached")
    page.wait_for_load_state("networkidle")
    page.wait_for_function(SETTLED_JS, arg=SETTLE_MS, polling=200)


@pytest.fixture
def app_server(tmp_path: Path, isolated_warehouse: Path) -> Iterator[str]:
    """`streamlit run streamlit_app.py` serving the test's own warehouse; yields its base URL."""
    # The autouse fixture already put COCKPIT_DB / COCKPIT_SALT_FILE of this test's tmp folder in the environment.
    # TMPDIR: the server's upload copies stay in the test's folder.
    server_tmp = tmp_path / "server-tmp"
    server_tmp.mkdir()
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "TMPDIR": str(server_tmp)}
    with run_streamlit("streamlit_app.py", env, tmp_path / "streamlit.log") as (base_url, _process):
        yield base_url


@pytest.fixture(scope="session")
def require_chromium() -> None:
    """Skips (with the reason) where Debian's chromium is not installed: a user's machine without `make setup-dev`.
    On CI the set-up installs it, so no browser test skips there."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (make setup-dev)")


@pytest.fixture(scope="session")
def browser(require_chromium: None) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def outside_requests() -> list[str]:
    """URLs the page tried to reach outside this machine (each one was aborted)."""
    return []


@pytest.fixture
def page(browser: Browser, outside_requests: list[str]) -> Iterator[Page]:
    # A tall viewport: Streamlit scrolls an inner container, so full-page screenshots need the height up front.
    context = browser.new_context(viewport={"width": 1440, "height": 2200}, locale="zh-CN", accept_downloads=True)
    guard_network(context, outside_requests)
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()
    assert outside_requests == [], f"the app tried to reach outside: {outside_requests}"


@dataclass
class Cockpit:
    """The served app as a test drives it: one browser page, the server URL, the blocked requests."""

    page: Page
    base_url: str
    outside_requests: list[str]

    def wait(self) -> None:
        """Streamlit has finished the script run and the page has stopped changing."""
        wait_until_settled(self.page)

    def open_home(self) -> None:
        self.page.goto(self.base_url)
        self.wait()

    def open_page(self, title: str, heading: str | None = None) -> None:
        """Follow the sidebar link with this Chinese title; wait for the page's heading (default: the title)."""
        self.page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
        # The previous page stays in the DOM until the new run starts: wait for the new heading, then the run's end.
        expect(self.page.get_by_role("heading", name=heading or title, exact=True)).to_be_visible()
        self.wait()

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        target = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(target), full_page=True)
        return target


@pytest.fixture
def cockpit(app_server: str, page: Page, outside_requests: list[str]) -> Cockpit:
    return Cockpit(page, app_server, outside_requests)
