"""The cockpit in headless chromium at a laptop's 1440x900, on the demo warehouse, outside network blocked.

Screenshots go to test-artifacts/ (cockpit-1440x900.png, trends-1440x900.png) for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Page, expect

from dashboard.charts import kpi_cards
from tests.browser.conftest import ARTIFACTS, guard_network, wait_until_settled

pytestmark = pytest.mark.browser
VIEWPORT = {"width": 1440, "height": 900}


@pytest.fixture
def laptop(serve_demo, app_server: str, browser: Browser) -> Iterator[tuple[Page, str, list[str]]]:
    """A 1440x900 page on a server that serves the demo warehouse (serve_demo runs before app_server)."""
    blocked: list[str] = []
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    guard_network(context, blocked)
    page = context.new_page()
    page.set_default_timeout(90_000)
    yield page, app_server, blocked
    context.close()
    assert blocked == [], f"the app tried to reach outside: {blocked}"


def open_and_wait(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector('[data-testid="stMetric"]')
    wait_until_settled(page)


def read_cards(page: Page) -> list[dict]:
    """Label, value and bounding box of every KPI card, in page order."""
    return page.eval_on_selector_all(
        '[data-testid="stMetric"]',
        """els => els.map(el => {
            const box = el.getBoundingClientRect();
            return {label: el.querySelector('[data-testid="stMetricLabel"]').innerText.trim(),
                    value: el.querySelector('[data-testid="stMetricValue"]').innerText.trim(),
                    top: box.top, bottom: box.bottom, left: box.left, right: box.right};
        })""",
    )


def test_kpi_row_fits_a_laptop_screen(laptop) -> None:
    page, base_url, _blocked = laptop
    open_and_wait(page, base_url)
    expect(page.get_by_role("heading", name="驾驶舱总览")).to_be_visible()
    cards = read_cards(page)
    assert len(cards) == sum(len(row) for row in kpi_cards.card_rows())
    first_row = cards[:6]
    assert len({round(c["top"]) for c in first_row}) == 1, "the six headline cards share one row"
    assert max(c["bottom"] for c in first_row) <= VIEWPORT["height"], "the KPI row must be visible without scrolling"
    assert max(c["right"] for c in first_row) <= VIEWPORT["width"]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "cockpit-1440x900.png"))


def test_a_copied_url_reopens_the_same_numbers(laptop, browser: Browser) -> None:
    page, base_url, blocked = laptop
    open_and_wait(page, base_url)
    default = {c["label"]: c["value"] for c in read_cards(page)}
    url = f"{base_url}/?preset=this_year&channel={quote('电话')}&cmp=pop"
    open_and_wait(page, url)
    filtered = {c["label"]: c["value"] for c in read_cards(page)}
    assert filtered["投诉量"] != default["投诉量"]
    # Another browser (a colleague opening the link): same numbers.
    other = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    guard_network(other, blocked)
    try:
        colleague = other.new_page()
        colleague.set_default_timeout(90_000)
        open_and_wait(colleague, url)
        assert {c["label"]: c["value"] for c in read_cards(colleague)} == filtered
    finally:
        other.close()


def test_trends_page_on_a_laptop_screen(laptop) -> None:
    page, base_url, _blocked = laptop
    page.goto(f"{base_url}/trends")
    expect(page.get_by_role("heading", name="趋势分析")).to_be_visible()
    page.wait_for_selector('[data-testid="stPlotlyChart"]')
    wait_until_settled(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "trends-1440x900.png"))
    assert page.locator('[data-testid="stPlotlyChart"]').count() >= 2
