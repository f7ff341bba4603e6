"""等保 2.0 identification items end to end in chromium: five wrong passwords lock an account until the lock
ends; a reloaded tab stays signed in until the idle limit or a logout; an initial password is changed first.

Lock and idle limits are set short through a settings file of the test (COCKPIT_SETTINGS): the test waits
until the limit the server itself recorded has passed, it never asserts on elapsed time.
"""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from dashboard.auth import audit, lockout, state
from tests.auth_support import PASSWORD, enable_login
from tests.browser.conftest import Cockpit
from tests.builders import build_cases, case_row, write_csv
from warehouse.importer.pipeline import import_file
from warehouse.settings import DEFAULT_SETTINGS_PATH

pytestmark = pytest.mark.browser

LOGIN_HEADING = "投诉信访治理驾驶舱 · 登录"
LOCK_MINUTES = 0.3
IDLE_MINUTES = 0.25


@pytest.fixture
def secured(
    tmp_path: Path, isolated_warehouse: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Cockpit:
    rows = [case_row(i) for i in range(20)]
    assert import_file(write_csv(build_cases(rows), tmp_path / "cases.csv")).loaded == len(rows)
    text = DEFAULT_SETTINGS_PATH.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^lockout_minutes = .*$", f"lockout_minutes = {LOCK_MINUTES}", text)
    text = re.sub(r"(?m)^idle_minutes = .*$", f"idle_minutes = {IDLE_MINUTES}", text)
    short = tmp_path / "settings.toml"
    short.write_text(text, encoding="utf-8")
    monkeypatch.setenv("COCKPIT_SETTINGS", str(short))
    enable_login(monkeypatch, tmp_path)  # before the server starts: it inherits the environment
    cockpit: Cockpit = request.getfixturevalue("cockpit")
    cockpit.open_home()
    return cockpit


def submit_login(cockpit: Cockpit, username: str, password: str) -> None:
    page = cockpit.page
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_test_id("stFormSubmitButton").get_by_role("button", name="登录").click()


def expect_signed_in(cockpit: Cockpit, username: str) -> None:
    expect(cockpit.page.get_by_text(re.compile(f"当前用户：{username}"))).to_be_visible()
    expect(cockpit.page.get_by_role("heading", name=LOGIN_HEADING)).to_have_count(0)
    cockpit.wait()


def expect_login_page(cockpit: Cockpit) -> None:
    expect(cockpit.page.get_by_role("heading", name=LOGIN_HEADING)).to_be_visible()
    cockpit.wait()
    assert cockpit.page.get_by_test_id("stSidebarNav").count() == 0


def reload(cockpit: Cockpit) -> None:
    cockpit.page.reload()
    cockpit.wait()


def test_five_wrong_passwords_lock_the_account_until_the_lock_ends(secured: Cockpit) -> None:
    page = secured.page
    for attempt in range(1, 6):
        submit_login(secured, "boss", f"Wrong-password-{attempt}")
        expected = "已被锁定" if attempt == 5 else "用户名或密码不正确"
        expect(page.get_by_text(expected)).to_be_visible()
        secured.wait()
    submit_login(secured, "boss", PASSWORD)  # the right password, refused while locked
    expect(page.get_by_text(re.compile("该账号因连续 5 次登录失败已被锁定，请于 .+（北京时间）后再试"))).to_be_visible()
    secured.wait()
    expect(page.get_by_role("heading", name=LOGIN_HEADING)).to_be_visible()
    secured.screenshot("security-locked")
    submit_login(secured, "nobody", "Wrong-password-0")  # an unknown name gets the same answer as a real one
    expect(page.get_by_text("用户名或密码不正确")).to_be_visible()
    secured.wait()

    failed = audit.search(username="boss", action="login_failed")
    assert failed.height == 6 and failed["session_id"].str.len_chars().min() > 0
    assert failed["detail"].str.contains("账号已锁定").sum() == 1
    assert audit.search(username="boss", action="account_locked").height == 1
    assert audit.search(username="boss", action="login").height == 0

    until = lockout.locked_until("boss")  # the lock the server recorded (a state file beside the audit log)
    assert until is not None
    time.sleep(max(0.0, until - time.time()) + 0.5)
    submit_login(secured, "boss", PASSWORD)
    expect_signed_in(secured, "boss")
    assert audit.search(username="boss", action="login").height == 1
    assert audit.verify().ok


def test_a_reload_keeps_the_session_until_idle_or_logout(secured: Cockpit) -> None:
    page = secured.page
    submit_login(secured, "centre", PASSWORD)
    expect_signed_in(secured, "centre")
    (cookie,) = [c for c in page.context.cookies() if c["name"] == "cockpit_session"]
    assert cookie["sameSite"] == "Strict" and cookie["value"].count(".") == 4  # v1.<name>.<random id>.<expiry>.<sig>
    reload(secured)
    expect_signed_in(secured, "centre")
    assert audit.search(username="centre", action="session_resumed").height == 1

    # Idle: wait past the last use the server recorded, then reload.
    con = sqlite3.connect(state.state_path())
    (seen_at,) = con.execute("SELECT max(seen_at) FROM sessions WHERE username = 'centre' AND ended = 0").fetchone()
    con.close()
    time.sleep(max(0.0, seen_at + IDLE_MINUTES * 60 - time.time()) + 1.0)
    reload(secured)
    expect_login_page(secured)
    expect(page.get_by_text("会话已过期，请重新登录。")).to_be_visible()
    assert audit.search(username="centre", action="session_expired").height == 1

    submit_login(secured, "centre", PASSWORD)
    expect_signed_in(secured, "centre")
    page.get_by_role("button", name="退出登录").click()
    expect_login_page(secured)
    reload(secured)
    expect_login_page(secured)
    assert audit.search(username="centre", action="logout").height == 1
    assert not [c for c in page.context.cookies() if c["name"] == "cockpit_session" and c["value"]]


def test_an_initial_password_is_changed_before_any_page_opens(secured: Cockpit) -> None:
    from dashboard.auth.access import load_roles
    from dashboard.auth.mode import users_file
    from dashboard.auth.users import load_users, store_password

    path = users_file()
    assert path is not None
    store_password(path, "analyst", load_users(path, load_roles())["analyst"].password_hash, must_change=True)
    page = secured.page
    submit_login(secured, "analyst", PASSWORD)
    form_heading = page.get_by_role("heading", name="首次登录：请设置新密码")
    expect(form_heading).to_be_visible()
    secured.wait()
    page.goto(f"{secured.base_url}/trends")  # a typed URL, after a reload: still the form
    secured.wait()
    expect(form_heading).to_be_visible()
    assert page.get_by_test_id("stDataFrame").count() == 0

    def change(new: str, confirm: str | None = None) -> None:
        page.get_by_label("原密码").fill(PASSWORD)
        page.get_by_label("新密码", exact=True).fill(new)
        page.get_by_label("再次输入新密码").fill(confirm or new)
        page.get_by_role("button", name="保存新密码").click()

    change("too-short")
    expect(page.get_by_text("新密码不符合要求：密码至少 12 个字符")).to_be_visible()
    secured.wait()
    change("Analyst-New-2026")
    expect(page.get_by_text("密码不能包含用户名")).to_be_visible()
    secured.wait()
    change("Fresh-Passw0rd-2026")
    expect(form_heading).to_have_count(0)
    expect_signed_in(secured, "analyst")
    changed = load_users(path, load_roles())["analyst"]
    assert not changed.must_change
    assert audit.search(username="analyst", action="password_changed").height == 1
