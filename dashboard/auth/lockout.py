"""登录失败处理: after [auth] lockout_failures consecutive failures (default 5) an account is locked for
lockout_minutes (default 15). Counters are kept by the name typed, whether or not such a user exists,
so the lock message never tells a visitor which names are real. Kept in state.py's file: a restart
neither forgets a lock nor resets a counter.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from dashboard.auth import state
from warehouse.settings import setting

MAX_NAME = 64  # a typed name is cut to this before it is counted or audited


def max_failures() -> int:
    return max(1, int(setting("auth", "lockout_failures", default=5)))


def lock_seconds() -> float:
    return float(setting("auth", "lockout_minutes", default=15)) * 60


def key(username: str) -> str:
    return username.strip()[:MAX_NAME]


@dataclass(frozen=True)
class Lock:
    username: str
    failures: int
    locked_until: float  # epoch seconds; 0 = not locked


def locked_until(username: str, now: float | None = None) -> float | None:
    """When the lock on `username` ends, or None when it is not locked."""
    now = time.time() if now is None else now
    with state.connect() as con:
        row = con.execute("SELECT locked_until FROM login_failures WHERE username = ?", (key(username),)).fetchone()
    return row[0] if row and row[0] > now else None


def register_failure(username: str, now: float | None = None) -> float | None:
    """Count one failure; returns the lock's end when this failure locked the account."""
    now = time.time() if now is None else now
    name = key(username)
    with state.connect() as con:
        row = con.execute("SELECT failures, locked_until FROM login_failures WHERE username = ?", (name,)).fetchone()
        failures = (row[0] if row else 0) + 1
        if failures >= max_failures():
            until = now + lock_seconds()
            # The counter starts again after the lock: the next lock needs another full run of failures.
            con.execute(
                "INSERT INTO login_failures (username, failures, locked_until) VALUES (?, 0, ?) "
                "ON CONFLICT (username) DO UPDATE SET failures = 0, locked_until = excluded.locked_until",
                (name, until),
            )
            return until
        con.execute(
            "INSERT INTO login_failures (username, failures) VALUES (?, ?) "
            "ON CONFLICT (username) DO UPDATE SET failures = excluded.failures",
            (name, failures),
        )
    return None


def register_success(username: str) -> None:
    with state.connect() as con:
        con.execute("DELETE FROM login_failures WHERE username = ?", (key(username),))


def unlock(username: str) -> bool:
    """An administrator's unlock: clears the lock and the counter; False when nothing was locked."""
    was_locked = locked_until(username) is not None
    register_success(username)
    return was_locked


def locked_accounts(now: float | None = None) -> list[Lock]:
    now = time.time() if now is None else now
    with state.connect() as con:
        rows = con.execute(
            "SELECT username, failures, locked_until FROM login_failures WHERE locked_until > ? ORDER BY username",
            (now,),
        ).fetchall()
    return [Lock(*row) for row in rows]
