"""Password policy: `hash` and `set-password` refuse a weak password with the reason; an initial password is
flagged must_change; the demo admin's generated password meets the policy."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from dashboard.auth import access, audit, mode, policy
from dashboard.auth.__main__ import main
from dashboard.auth.users import check_password, load_users
from tests.auth_support import PASSWORD, enable_login


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("Short-1", "至少 12 个字符"),
        ("alllowercaseletters", "至少 3 类"),
        ("lowercase-and-symbols", "至少 3 类"),
        ("Analyst-2026-pass", "不能包含用户名"),
    ],
)
def test_hash_refuses_a_weak_password_with_the_reason(
    password: str, reason: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    assert main(["hash", "--user", "analyst"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and reason in captured.err


def test_policy_accepts_the_test_password_and_reads_settings() -> None:
    assert policy.problem(PASSWORD, "root") is None
    assert policy.problem("Abcdefghijk1") is None  # 12 characters, three classes
    assert policy.problem("Abcdefghij1") is not None  # 11
    assert policy.problem("ROOT-password-1", "root") == "密码不能包含用户名"


def test_set_password_initial_marks_must_change_and_is_audited(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = enable_login(monkeypatch, tmp_path)
    monkeypatch.setattr("sys.stdin", io.StringIO("weak\n"))
    assert main(["set-password", "boss", "--initial"]) == 2
    assert "至少 12 个字符" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("Initial-Pass-2026\n"))
    assert main(["set-password", "boss", "--initial"]) == 0
    users = load_users(path, access.load_roles())
    assert users["boss"].must_change and check_password(users["boss"], "Initial-Pass-2026")
    assert not users["centre"].must_change and check_password(users["centre"], PASSWORD)  # others untouched
    assert path.stat().st_mode & 0o077 == 0
    entry = audit.search(action="password_changed").row(0, named=True)
    assert '"username": "boss"' in entry["detail"]


def test_demo_admin_password_meets_the_policy(tmp_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    password = mode.ensure_demo_admin(mode.demo_users_file())
    assert password and policy.problem(password, mode.DEMO_ADMIN) is None
    (admin,) = load_users(mode.demo_users_file(), access.load_roles()).values()
    assert not admin.must_change  # demo: loopback only, printed once (docs/security.md)


def test_password_age_counts_from_the_date_a_password_was_set() -> None:
    from datetime import date

    today = date(2026, 12, 3)
    assert not policy.expired("2026-09-04", today)  # 90 days
    assert policy.expired("2026-09-03", today)  # 91
    assert not policy.expired("", today)  # unknown date (a file from before this rule): not aged
    assert policy.expired("not a date", today)
