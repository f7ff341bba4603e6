"""Sign-in forms in the pages (AppTest): a must_change user is held at the password form, an expired password must
be changed, an admin unlocks a locked account and verifies the audit log. The rules behind them are unit-tested
in tests/unit/test_auth_lockout.py and tests/unit/test_auth_password.py."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.auth import access, audit, lockout
from dashboard.auth.users import load_users
from tests.auth_support import enable_login

APP = Path(__file__).resolve().parents[2] / "streamlit_app.py"
PAGE_FILES = sorted(f"pages/{p.name}" for p in (APP.parent / "pages").glob("*.py"))


def test_must_change_user_sees_only_the_password_form(
    tmp_path: Path, tmp_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dashboard.auth.access import load_roles
    from dashboard.auth.users import load_users, store_password

    path = enable_login(monkeypatch, tmp_path)
    users = load_users(path, load_roles())
    store_password(path, "root", users["root"].password_hash, must_change=True)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.session_state["auth.user"] = load_users(path, load_roles())["root"]
    at.session_state["auth.login_at"] = at.session_state["auth.seen_at"] = time.time()
    at.run()
    for page in PAGE_FILES:
        at.switch_page(page).run()
        assert [t.value for t in at.title] == ["首次登录：请设置新密码"], page
        assert not at.dataframe and not at.metric and not at.exception, page
    assert audit.search(username="root", action="page_view").height == 0


def test_admin_unlocks_on_the_users_page_and_verifies_the_audit_log(
    tmp_path: Path, tmp_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dashboard.auth.access import load_roles
    from dashboard.auth.users import load_users

    path = enable_login(monkeypatch, tmp_path)
    for _ in range(5):
        lockout.register_failure("boss")
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.session_state["auth.user"] = load_users(path, load_roles())["root"]
    at.session_state["auth.login_at"] = at.session_state["auth.seen_at"] = time.time()
    at.run()
    at.switch_page("pages/admin_users.py").run()
    table = at.dataframe[0].value  # the users table comes first
    assert table.set_index("用户名").loc["boss", "状态"].startswith("已锁定至")
    at.button(key="admin-unlock").click().run()
    assert not at.exception and lockout.locked_until("boss") is None
    unlocked = audit.search(action="account_unlocked")
    assert unlocked["username"].to_list() == ["root"] and '"username": "boss"' in unlocked["detail"].item()
    at.switch_page("pages/admin_audit.py").run()
    at.button(key="audit-verify").click().run()
    assert any("审计日志完整" in s.value for s in at.success), [e.value for e in at.error]
    assert audit.search(action="audit_verified").height == 1


def _signed_in_app(path: Path, username: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.session_state["auth.user"] = load_users(path, access.load_roles())[username]
    at.session_state["auth.login_at"] = at.session_state["auth.seen_at"] = time.time()
    return at.run()


def test_an_expired_password_must_be_changed_and_anyone_may_change_theirs(
    tmp_path: Path, tmp_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import yaml

    path = enable_login(monkeypatch, tmp_path)
    body = yaml.safe_load(path.read_text(encoding="utf-8"))
    body["users"]["boss"]["password_changed"] = "2020-01-01"
    path.write_text(yaml.safe_dump(body, allow_unicode=True), encoding="utf-8")
    at = _signed_in_app(path, "boss")
    assert [t.value for t in at.title] == ["密码已过期：请设置新密码"]
    assert not at.metric and not at.dataframe

    at = _signed_in_app(path, "centre")  # a password without a date is not aged
    assert "修改密码" not in [t.value for t in at.title]
    assert any(b.label == "修改密码" for b in at.sidebar.button)
    # What the sidebar's 修改密码 button sets (AppTest's legacy-mode replay drops a click, tests/app/test_auth_app.py).
    at.session_state["auth.change_asked"] = True
    at.run()
    assert [t.value for t in at.title] == ["修改密码"] and not at.exception
