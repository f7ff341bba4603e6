"""Login state that must outlive the server process: failure counters, locks and signed-in sessions.

A small SQLite file beside the audit log (`<audit>.state.sqlite3`), and the secret that signs
session cookies (`<audit>.session_key`, mode 600, created on first use). Both live with the
audit log outside the repository; neither holds a password or anything but user names.
Unlike the audit log this file is updated in place: it is state, not evidence (every change of
it that matters — failures, locks, unlocks, logins, logouts — is also an audit row).
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dashboard.auth.audit import audit_path, immediate_transaction

_SCHEMA = """
CREATE TABLE IF NOT EXISTS login_failures (
    username TEXT PRIMARY KEY,
    failures INTEGER NOT NULL DEFAULT 0,
    locked_until REAL NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS sessions (
    token_id TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    login_at REAL NOT NULL,
    seen_at REAL NOT NULL,
    ended INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions (username);
"""
_lock = threading.Lock()


def state_path() -> Path:
    audit = audit_path()
    return audit.with_name(audit.name + ".state.sqlite3")


def key_path() -> Path:
    audit = audit_path()
    return audit.with_name(audit.name + ".session_key")


@contextmanager
def connect() -> Iterator[sqlite3.Connection]:
    """One short transaction (IMMEDIATE: read-then-write is atomic across server processes)."""
    path = state_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with _lock:
        con = sqlite3.connect(path, timeout=10, isolation_level=None)
        try:
            # WAL and synchronous=NORMAL: a session check runs on every page run, and a full fsync per
            # commit would queue concurrent sessions behind the disk (this file is state, not evidence).
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=NORMAL")
            con.executescript(_SCHEMA)
            with immediate_transaction(con):
                yield con
        finally:
            con.close()
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)


def secret_key() -> bytes:
    """The cookie-signing secret; created once with O_EXCL so two processes never write different keys."""
    path = key_path()
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(32))
    return bytes.fromhex(path.read_text(encoding="ascii").strip())
