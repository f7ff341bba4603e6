"""Lockout and session tokens without a browser: counters per name that survive a restart, an admin's unlock,
tokens that a logout, a lock or the idle limit end, and a must_change user held at the password form."""

from __future__ import annotations

import base64
import importlib
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.auth import audit, lockout, state, tokens
from tests.auth_support import enable_login

APP = Path(__file__).resolve().parent.parent / "streamlit_app.py"
PAGE_FILES = sorted(f"pages/{p.name}" for p in (APP.parent / "pages").glob("*.py"))


def test_five_failures_lock_for_the_configured_time_and_the_counter_survives_a_restart(tmp_db: Path) -> None:
    now = 1_000_000.0
    for _ in range(4):
        assert lockout.register_failure("boss", now) is None
    importlib.reload(lockout)  # a restarted server keeps no counter in memory: the file has it
    until = lockout.register_failure("boss", now)
    assert until == now + 15 * 60
    assert lockout.locked_until("boss", now + 1) == until
    assert lockout.locked_until("boss", until + 1) is None  # the lock ends by itself
    assert lockout.locked_until("centre", now + 1) is None  # per user
    assert state.state_path().parent == audit.audit_path().parent


def test_a_success_resets_the_count_and_an_admin_unlock_clears_a_lock(tmp_db: Path) -> None:
    for _ in range(4):
        lockout.register_failure("gd")
    lockout.register_success("gd")
    for _ in range(4):
        assert lockout.register_failure("gd") is None
    assert lockout.register_failure("gd") is not None
    assert [lock.username for lock in lockout.locked_accounts()] == ["gd"]
    assert lockout.unlock("gd") and lockout.locked_until("gd") is None
    assert not lockout.unlock("gd")


def test_unknown_names_lock_like_real_ones(tmp_db: Path) -> None:
    for _ in range(5):
        until = lockout.register_failure("nobody-here")
    assert until is not None and lockout.locked_until("nobody-here") == until


def test_tokens_verify_until_logout_lock_or_idle(tmp_db: Path) -> None:
    now = 2_000_000.0
    token, token_id = tokens.issue("boss", absolute_seconds=3600, now=now)
    assert tokens.check(token, 60, 3600, now + 30).ok
    assert tokens.check(token, 60, 3600, now + 80).ok  # the check at +30 moved the last use
    assert tokens.check(token, 60, 3600, now + 200).problem == "expired"  # idle for 120 s
    assert tokens.check(token, 60, 3600, now + 210).problem == "invalid"  # ended, never back
    token, token_id = tokens.issue("boss", absolute_seconds=3600, now=now)
    tokens.end(token_id)
    assert tokens.check(token, 60, 3600, now + 1).problem == "invalid"
    token, _ = tokens.issue("boss", absolute_seconds=3600, now=now)
    tokens.end_user("boss")  # a lock ends every session of the user
    assert tokens.check(token, 60, 3600, now + 1).problem == "invalid"
    token, _ = tokens.issue("boss", absolute_seconds=100, now=now)
    assert tokens.check(token, 1000, 100, now + 101).problem == "expired"  # the absolute limit


def test_a_forged_or_altered_token_is_refused(tmp_db: Path) -> None:
    now = time.time()
    token, _ = tokens.issue("boss", absolute_seconds=3600, now=now)
    version, user, token_id, expires, signature = token.split(".")
    other = base64.urlsafe_b64encode(b"root").decode().rstrip("=")
    assert not tokens.check(".".join([version, other, token_id, expires, signature]), 60, 3600, now).ok
    assert not tokens.check(".".join([version, user, token_id, str(int(expires) + 9999), signature]), 60, 3600, now).ok
    assert state.key_path().stat().st_mode & 0o077 == 0


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
