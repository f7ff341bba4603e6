"""考核排名 in headless chromium with the outside network cut: the published ranking, grey list, other unit kinds."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from dashboard.engine.scorecard_store import publish_scorecards
from tests.browser.conftest import Cockpit
from tests.scorecard_support import build_warehouse

pytestmark = pytest.mark.browser


@pytest.fixture
def scorecard_cockpit(isolated_warehouse: Path, app_server: str, page: Page, outside_requests: list[str]) -> Cockpit:
    return Cockpit(page, app_server, outside_requests)


@pytest.fixture
def published_warehouse(isolated_warehouse: Path) -> Path:
    db = build_warehouse(isolated_warehouse.parent)
    assert publish_scorecards(db)
    return db


def test_scorecard_page_opens_offline_and_switches_unit(published_warehouse: Path, scorecard_cockpit: Cockpit) -> None:
    page = scorecard_cockpit.page
    scorecard_cockpit.open_home()
    scorecard_cockpit.open_page("考核排名")
    expect(page.get_by_text("灰名单：甲部 连续两个季度出现红牌。")).to_be_visible()
    expect(page.get_by_text("已于", exact=False).first).to_be_visible()
    expect(page.get_by_role("heading", name="考核规则")).to_be_visible()
    scorecard_cockpit.screenshot("scorecard_departments")
    for unit in ("省份", "机构"):
        page.get_by_test_id("stButtonGroup").get_by_text(unit, exact=True).click()
        scorecard_cockpit.wait()
        expect(page.get_by_text(f"参加考核的{unit}")).to_be_visible()
    scorecard_cockpit.screenshot("scorecard_branches")
    assert page.locator('[data-testid="stException"]').count() == 0
