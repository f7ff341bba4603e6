"""Shared by the access tests: a users file with known passwords, and login switched on."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.auth.users import User, hash_password, write_users

PASSWORD = "Cockpit-test-1"
# username -> (role, provinces)
ACCOUNTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "boss": ("领导", ()),
    "centre": ("消保中心", ()),
    "analyst": ("分析师", ()),
    "gd": ("分析师", ("广东省",)),
    "root": ("管理员", ()),
}


def write_test_users(folder: Path) -> Path:
    """A users file of ACCOUNTS, all with PASSWORD (bcrypt at 4 rounds: fast, still a real hash)."""
    hashed = hash_password(PASSWORD, rounds=4)
    users = [User(name, name, role, provinces, hashed) for name, (role, provinces) in ACCOUNTS.items()]
    path = folder / "users.yaml"
    write_users(path, users)
    return path


def enable_login(monkeypatch: pytest.MonkeyPatch, folder: Path) -> Path:
    """Production mode with the test users file (the autouse fixture turned login off)."""
    path = write_test_users(folder)
    monkeypatch.setenv("COCKPIT_MODE", "production")
    monkeypatch.delenv("COCKPIT_AUTH", raising=False)
    monkeypatch.setenv("COCKPIT_USERS", str(path))
    return path
