"""Access control end to end in chromium: the login gate on every URL, refusals on typed URLs,
a 广东-bound analyst's SQL results and export, and imported text shown as text, never as HTML."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest
from playwright.sync_api import Page, expect

from dashboard.auth import audit
from tests.auth_support import PASSWORD, enable_login
from tests.browser.conftest import Cockpit
from tests.builders import build_cases, case_row, write_csv
from warehouse.importer.pipeline import import_file

pytestmark = pytest.mark.browser

PAGE_STEMS = sorted(p.stem for p in (Path(__file__).resolve().parents[2] / "pages").glob("*.py"))
LOGIN_HEADING = "投诉信访治理驾驶舱 · 登录"
PAYLOAD_DEPARTMENT = '<img src=x onerror="window.__xss=1">'
PAYLOAD_SUMMARY = "<script>window.__xss=2</script>"


@pytest.fixture
def secured(
    tmp_path: Path, isolated_warehouse: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Cockpit:
    rows = [case_row(i) for i in range(40)]
    rows[0] = case_row(0, province="广东省", city="深圳市", department=PAYLOAD_DEPARTMENT, summary=PAYLOAD_SUMMARY)
    assert import_file(write_csv(build_cases(rows), tmp_path / "cases.csv")).loaded == len(rows)
    enable_login(monkeypatch, tmp_path)  # before the server starts: it inherits the environment
    return request.getfixturevalue("cockpit")


def sign_in(cockpit: Cockpit, username: str) -> None:
    page = cockpit.page
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_test_id("stFormSubmitButton").get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name=LOGIN_HEADING)).to_have_count(0)
    cockpit.wait()


def open_url(cockpit: Cockpit, stem: str) -> None:
    cockpit.page.goto(f"{cockpit.base_url}/{stem}")
    cockpit.wait()


def test_anonymous_visitor_reaches_only_the_login_page(secured: Cockpit) -> None:
    for stem in ["", *PAGE_STEMS]:
        open_url(secured, stem)
        expect(secured.page.get_by_role("heading", name=LOGIN_HEADING)).to_be_visible()
        headings = [h for h in secured.page.get_by_role("heading").all_inner_texts() if h != "Page not found"]
        assert headings == [LOGIN_HEADING], stem  # the home page's own URL is "/": Streamlit says so, then logs in
        assert secured.page.get_by_test_id("stSidebarNav").count() == 0, stem
        assert secured.page.get_by_test_id("stDataFrame").count() == 0, stem


def test_leadership_typing_a_case_list_url_is_refused(secured: Cockpit) -> None:
    for index, stem in enumerate(("watchlist", "query_explorer")):
        open_url(secured, stem)
        if index == 0:  # the second URL is typed in the same browser: its signed cookie resumes the session
            sign_in(secured, "boss")
        expect(secured.page.get_by_text("您的角色无权打开此页面")).to_be_visible()
        assert secured.page.get_by_test_id("stDataFrame").count() == 0
        assert secured.page.locator("textarea").count() == 0
    secured.screenshot("access-refused")
    nav = secured.page.get_by_test_id("stSidebarNav")
    expect(nav.get_by_text("驾驶舱总览", exact=True)).to_be_visible()
    expect(nav.get_by_text("重点人员", exact=True)).to_have_count(0)
    denied = audit.search(username="boss", action="access_denied")["page"].to_list()
    assert sorted(denied) == ["query_explorer", "watchlist"]


def test_guangdong_analyst_sql_and_export_hold_only_guangdong(secured: Cockpit, tmp_path: Path) -> None:
    open_url(secured, "query_explorer")
    sign_in(secured, "gd")
    page: Page = secured.page
    expect(page.get_by_text("数据范围：广东省")).to_be_visible()
    page.get_by_role("tab", name="SQL 查询框").click()
    page.locator("textarea").fill("SELECT province, case_id FROM v_complaint ORDER BY case_id")
    page.get_by_test_id("stFormSubmitButton").get_by_role("button", name="运行").click()
    secured.wait()
    with page.expect_download() as download:
        page.get_by_role("button", name="下载 CSV").last.click()
    saved = tmp_path / "export.csv"
    download.value.save_as(saved)
    exported = pl.read_csv(saved)
    assert set(exported["province"]) == {"广东省"}
    assert exported.height == sum(1 for i in range(40) if case_row(i)["province"] == "广东省")
    secured.wait()
    actions = audit.search(username="gd")["action"].to_list()
    assert {"login", "page_view", "sql", "export"} <= set(actions)
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("heading", name=LOGIN_HEADING)).to_be_visible()
    assert audit.search(username="gd", action="logout").height == 1


def test_imported_markup_is_shown_as_text(secured: Cockpit) -> None:
    page = secured.page
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    open_url(secured, "sla")
    sign_in(secured, "root")
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_test_id("stMultiSelect").filter(has_text="处理部门").locator("input").click()
    expect(page.get_by_role("option", name=PAYLOAD_DEPARTMENT, exact=True)).to_be_visible()  # text, not a tag
    secured.wait()
    assert page.evaluate("window.__xss") is None and dialogs == []
    assert page.locator('img[src="x"]').count() == 0


def test_demo_mode_banner_and_one_local_admin_from_the_console(
    tmp_path: Path, isolated_warehouse: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    monkeypatch.delenv("COCKPIT_AUTH")  # the `make run` environment: COCKPIT_MODE=demo, no users file
    cockpit: Cockpit = request.getfixturevalue("cockpit")
    cockpit.open_home()
    expect(cockpit.page.get_by_text("演示模式", exact=False).first).to_be_visible()
    log = (tmp_path / "streamlit.log").read_text(encoding="utf-8", errors="replace")
    match = re.search(r"本机管理员 admin，密码 (\S+)（", log)
    assert match, log
    cockpit.page.get_by_label("用户名").fill("admin")
    cockpit.page.get_by_label("密码").fill(match.group(1))
    cockpit.page.get_by_test_id("stFormSubmitButton").get_by_role("button", name="登录").click()
    expect(cockpit.page.get_by_text("当前用户：演示管理员（admin）")).to_be_visible()
    expect(cockpit.page.get_by_text("演示模式：仅限本机访问").first).to_be_visible()
