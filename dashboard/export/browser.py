"""One headless Debian chromium (Playwright) for ECharts images and the PDF pack; all content is
local (inlined), and any request that would leave the page is refused."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from playwright.sync_api import Browser, Page, Route, sync_playwright

T = TypeVar("T")

CHROMIUM = Path("/usr/bin/chromium")


def _refuse_outside(route: Route) -> None:
    if route.request.url.startswith(("data:", "about:")):
        route.continue_()
    else:
        route.abort()


@contextmanager
def open_browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM) if CHROMIUM.exists() else None, args=["--no-sandbox"]
        )
        try:
            yield browser
        finally:
            browser.close()


def open_page(browser: Browser, html: str, width: int = 1200, height: int = 800, scale: float = 1) -> Page:
    """A page showing the given HTML, network off."""
    page = browser.new_page(viewport={"width": width, "height": height}, device_scale_factor=scale)
    page.route("**/*", _refuse_outside)
    page.set_content(html, wait_until="load")
    return page


def with_browser(task: Callable[[Browser], T]) -> T:
    """Run `task` with a fresh browser in a thread of its own: Playwright's sync API refuses to run
    in a thread that already has an asyncio loop (Streamlit's server, another Playwright session)."""

    def run() -> T:
        with open_browser() as browser:
            return task(browser)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="export-browser") as pool:
        return pool.submit(run).result()
