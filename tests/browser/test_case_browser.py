"""案件详情 in headless chromium: opened from the risk radar's case list, its timeline shows the planted stages and
the card the SLA engine computes; its URL reopens it for a user with access and refuses one bound elsewhere.

Planted (北京市, 甲部): two cases whose 受理 each overran its 10-minute clock, one after the other, so the second
(RED-2, regulator-referred and media-exposed: 高 risk, on the radar's default list) earns 甲部's red card
(METRICS.md: a department's second yellow in a row). RED-2's 分派 is on time, its 调查 is untimed, 沟通 has no event.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from dashboard.auth import audit
from dashboard.engine import sla
from tests.auth_support import PASSWORD, enable_login
from tests.browser.conftest import Cockpit
from tests.builders import build_cases, build_events, case_row
from warehouse import store
from warehouse.importer.pipeline import load_frame

pytestmark = pytest.mark.browser
RECEIVED = datetime(2024, 6, 3, 9)
ACCEPT = timedelta(minutes=sla.read_stage_rules()[0].minutes)
CASE = "RED-2"


def plant(db: Path) -> None:
    flags = {
        "regulator_referred": True,
        "media_exposure": True,
        "province": "北京市",
        "city": "北京市",
        "department": "甲部",
        "status": "办理中",
        "closed_at": None,
    }
    cases = [
        case_row(i, case_id=f"RED-{i + 1}", received_at=RECEIVED + timedelta(minutes=i), **flags) for i in range(2)
    ]
    cases += [case_row(i, province="广东省", city="深圳市") for i in range(2, 12)]  # others, elsewhere
    events = []
    for i in range(2):
        start = RECEIVED + timedelta(minutes=i)  # due one minute apart: nothing on time in between
        accepted = start + ACCEPT + timedelta(minutes=5)  # late: yellow, and the second in a row is red
        events += [
            {"case_id": f"RED-{i + 1}", "stage": "受理", "started_at": start, "finished_at": accepted},
            {
                "case_id": f"RED-{i + 1}",
                "stage": "分派",
                "started_at": accepted,
                "finished_at": accepted + timedelta(minutes=10),
            },
            {
                "case_id": f"RED-{i + 1}",
                "stage": "调查",
                "started_at": accepted + timedelta(minutes=10),
                "finished_at": None,
            },
        ]
    assert load_frame(build_cases(cases), "cases", db=db, file_name="cases.csv", rebuild=False).loaded == len(cases)
    assert load_frame(build_events(events), "events", db=db, file_name="events.csv").loaded == len(events)
    with store.open_reader(db) as con:  # the engine's own verdict, which the page must show
        report = sla.compute_cards(con, datetime(2024, 6, 30))
    red = report.yellow_stages.filter(report.yellow_stages["is_red"])
    assert red.select("case_id", "stage").rows() == [(CASE, "受理")]


def stage_row(cockpit: Cockpit, stage: str) -> str:
    timeline = cockpit.page.locator('[data-testid="stTable"]').filter(has_text="超时（小时）")
    return timeline.locator("tr").filter(has_text=stage).first.inner_text()


def expect_case_story(cockpit: Cockpit) -> None:
    page = cockpit.page
    expect(page.get_by_role("heading", name="案件详情", exact=True)).to_be_visible()
    expect(page.locator('[data-testid="stTable"]').filter(has_text="处理部门").first).to_contain_text(CASE)
    assert "红牌" in stage_row(cockpit, "受理")
    assert "按时" in stage_row(cockpit, "分派")
    assert "不计时" in stage_row(cockpit, "调查")
    assert "无记录" in stage_row(cockpit, "沟通")
    expect(page.get_by_test_id("stMetric").filter(has_text="黄牌 / 红牌")).to_contain_text("1 / 1")


def test_a_case_opens_from_the_risk_radar(cockpit: Cockpit, isolated_warehouse: Path) -> None:
    plant(isolated_warehouse)
    cockpit.open_home()
    cockpit.open_page("风险雷达")
    page = cockpit.page
    page.get_by_test_id("stSelectbox").filter(has_text="打开案件详情").click()
    page.get_by_role("option", name=CASE, exact=True).click()
    cockpit.wait()
    page.get_by_role("button", name="打开案件", exact=True).click()
    cockpit.wait()
    expect_case_story(cockpit)
    assert f"case={CASE}" in page.url  # the URL names the case: it can be shared
    cockpit.screenshot("case-detail")


def sign_in(cockpit: Cockpit, username: str) -> None:
    page = cockpit.page
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_test_id("stFormSubmitButton").get_by_role("button", name="登录").click()
    cockpit.wait()


@pytest.fixture
def secured(
    tmp_path: Path, isolated_warehouse: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Cockpit:
    plant(isolated_warehouse)
    enable_login(monkeypatch, tmp_path)  # before the server starts: it inherits the environment
    return request.getfixturevalue("cockpit")


def test_the_url_reopens_the_case_only_for_users_with_access(secured: Cockpit) -> None:
    page = secured.page
    page.goto(f"{secured.base_url}/case?case={CASE}")
    secured.wait()
    sign_in(secured, "analyst")  # 分析师, every province
    expect_case_story(secured)

    other = secured.page.context.browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 2200})
    try:
        bound = Cockpit(other.new_page(), secured.base_url, secured.outside_requests)
        bound.page.goto(f"{secured.base_url}/case?case={CASE}")
        bound.wait()
        sign_in(bound, "gd")  # bound to 广东省; the case is in 北京市
        expect(bound.page.get_by_text("无权查看该案件")).to_be_visible()
        assert bound.page.locator('[data-testid="stTable"]').count() == 0
        assert CASE not in bound.page.locator('[data-testid="stMain"]').inner_text().replace(f"case={CASE}", "")
    finally:
        other.close()
    # Opening a case is in the audit log (with its id), and so is the refusal.
    assert CASE in audit.search(username="analyst", action="page_view", text="case_id")["detail"].to_list()[0]
    assert "case" in audit.search(username="gd", action="access_denied")["page"].to_list()
