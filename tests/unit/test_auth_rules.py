"""Users file, roles, region binding, the audit log and the start-up rules (no Streamlit)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dashboard.auth import access, audit, mode
from dashboard.auth.users import User, UsersFileError, check_password, hash_password, load_users
from dashboard.engine.filters import Filters
from tests.auth_support import ACCOUNTS, PASSWORD, write_test_users


def test_users_file_round_trip_and_passwords(tmp_path: Path) -> None:
    users = load_users(write_test_users(tmp_path), access.load_roles())
    assert {name: (u.role, u.provinces) for name, u in users.items()} == ACCOUNTS
    assert check_password(users["gd"], PASSWORD)
    assert not check_password(users["gd"], PASSWORD + "x")
    assert not check_password(users["gd"], "")
    assert "Cockpit" not in (tmp_path / "users.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"role": "超级用户"}, "超级用户"),
        ({"role": "领导", "password_hash": "plain-text"}, "bcrypt"),
        ({"role": "领导", "provinces": ["火星"]}, "火星"),
    ],
)
def test_users_file_errors_name_user_and_value(tmp_path: Path, entry: dict[str, object], message: str) -> None:
    import yaml

    path = tmp_path / "users.yaml"
    path.write_text(yaml.safe_dump({"users": {"wang": entry}}, allow_unicode=True), encoding="utf-8")
    with pytest.raises(UsersFileError, match=message) as raised:
        load_users(path, access.load_roles())
    assert "wang" in str(raised.value)


def test_roles_open_their_pages_only() -> None:
    assert access.can_open("领导", "pages/cockpit.py")
    for page in ("watchlist", "products_issues", "risk_radar", "query_explorer", "data_import", "admin_audit"):
        assert not access.can_open("领导", page), page
    assert access.can_open("消保中心", "watchlist") and not access.can_open("消保中心", "query_explorer")
    assert access.can_open("分析师", "query_explorer") and not access.can_open("分析师", "admin_users")
    assert access.can_open("管理员", "admin_audit") and access.can_open("管理员", "data_import")
    assert not access.can_open("陌生角色", "cockpit")
    admin, bound_admin = User("a", "a", "管理员"), User("b", "b", "管理员", ("广东省",))
    assert access.user_can_open(admin, "home") and not access.user_can_open(bound_admin, "home")
    assert access.user_can_open(bound_admin, "query_explorer") and not access.user_can_open(bound_admin, "admin_audit")


def test_binding_keeps_provinces_inside_and_never_empties() -> None:
    bound = ("广东省",)
    assert access.bind_filters(Filters(), bound).provinces == bound
    assert access.bind_filters(Filters(provinces=("浙江省",)), bound).provinces == bound
    assert access.bind_filters(Filters(provinces=("浙江省", "广东省")), bound).provinces == bound
    assert access.outside_binding(Filters(provinces=("浙江省", "广东省")), bound) == ("浙江省",)
    grouped = access.bind_filters(Filters(region_group="长三角"), bound)
    assert grouped.provinces == bound and grouped.region_group == "长三角"  # ANDed in SQL: no rows, not 长三角's
    assert access.bind_filters(Filters(provinces=("浙江省",)), ()).provinces == ("浙江省",)


def test_audit_log_appends_searches_and_refuses_changes(tmp_db: Path) -> None:
    path = audit.audit_path()
    assert path.parent == tmp_db.parent and path.name.startswith(tmp_db.name)
    before = datetime.now(UTC) - timedelta(seconds=1)
    audit.record(audit.Actor("gd", "分析师", "s1"), "login", detail={"method": "password"})
    audit.record(audit.Actor("gd", "分析师", "s1"), "sql", "query_explorer", {"sql": "SELECT 42 AS answer"})
    audit.record(audit.Actor("boss", "领导", "s2"), "access_denied", "watchlist")
    everything = audit.search()
    assert everything["action"].to_list() == ["access_denied", "sql", "login"]
    assert all(datetime.fromisoformat(at) >= before for at in everything["at_utc"])
    assert audit.search(username="gd").height == 2
    assert audit.search(text="SELECT 42")["username"].to_list() == ["gd"]
    assert audit.search(since=datetime.now(UTC) + timedelta(hours=1)).height == 0
    con = sqlite3.connect(path)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="只能追加"):
            con.execute("UPDATE audit_log SET username = 'x'")
        with pytest.raises(sqlite3.DatabaseError, match="只能追加"):
            con.execute("DELETE FROM audit_log")
    finally:
        con.close()
    assert audit.search().height == 3
    with pytest.raises(ValueError):
        audit.record(audit.Actor("gd", "分析师"), "delete_everything")


def test_production_refuses_without_users_or_with_login_off(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COCKPIT_MODE", "production")
    monkeypatch.delenv("COCKPIT_AUTH")
    assert "COCKPIT_USERS" in (mode.startup_problem("0.0.0.0") or "")
    monkeypatch.setenv("COCKPIT_USERS", str(tmp_path / "missing.yaml"))
    assert "missing.yaml" in (mode.startup_problem("0.0.0.0") or "")
    monkeypatch.setenv("COCKPIT_USERS", str(write_test_users(tmp_path)))
    assert mode.startup_problem("0.0.0.0") is None
    monkeypatch.setenv("COCKPIT_AUTH", "off")
    assert "COCKPIT_AUTH" in (mode.startup_problem("127.0.0.1") or "")
    monkeypatch.delenv("COCKPIT_MODE")  # no mode at all is production
    assert mode.startup_problem("127.0.0.1") is not None


def test_demo_mode_is_loopback_only_with_one_generated_admin(
    monkeypatch: pytest.MonkeyPatch, tmp_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("COCKPIT_AUTH")
    assert mode.current_mode() == mode.DEMO
    assert mode.startup_problem("127.0.0.1") is None
    assert "127.0.0.1" in (mode.startup_problem("0.0.0.0") or "")
    assert mode.startup_problem(None) is not None  # Streamlit's default listens on every interface
    path = mode.users_file()
    assert path == tmp_db.parent / "demo_users.yaml"
    password = mode.ensure_demo_admin(path)
    assert password and password in capsys.readouterr().err
    assert mode.ensure_demo_admin(path) is None  # printed once only
    users = load_users(path, access.load_roles())
    assert list(users) == [mode.DEMO_ADMIN] and users[mode.DEMO_ADMIN].role == access.ADMIN_ROLE
    assert check_password(users[mode.DEMO_ADMIN], password)
    assert path.stat().st_mode & 0o077 == 0


def test_hash_refuses_empty_and_overlong_passwords() -> None:
    with pytest.raises(ValueError):
        hash_password("", rounds=4)
    with pytest.raises(ValueError):
        hash_password("密" * 30, rounds=4)
    assert not check_password(User("x", "x", "领导", password_hash="$2b$04$broken"), "anything")


def test_cli_hashes_a_password_and_creates_the_demo_admin_once(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_db: Path
) -> None:
    import io

    from dashboard.auth.__main__ import main

    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret-Pass-2026\n"))
    assert main(["hash"]) == 0
    hashed = capsys.readouterr().out.strip()
    assert check_password(User("x", "x", "领导", password_hash=hashed), "s3cret-Pass-2026")
    assert main(["demo-admin"]) == 0
    first = capsys.readouterr().err
    assert "密码" in first and (tmp_db.parent / "demo_users.yaml").exists()
    assert main(["demo-admin"]) == 0
    assert "已存在" in capsys.readouterr().err
