"""Lockout and session tokens without a browser: counters per name that survive a restart, an admin's unlock,
tokens that a logout, a lock or the idle limit end (the pages' side: tests/app/test_auth_forms.py)."""

from __future__ import annotations

import base64
import importlib
import time
from pathlib import Path

from dashboard.auth import audit, lockout, state, tokens


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
