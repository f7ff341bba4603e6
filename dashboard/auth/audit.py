"""The audit log: who did what and when (login, logout, page views with filters, exports, SQL, loads).

The warehouse file is read-only for the app and replaced on every load, so the log is its own
SQLite file beside it (`<db>.audit.sqlite3`; COCKPIT_AUDIT overrides). Append-only twice over:
this module exposes only `record` and `search`, and triggers in the file abort any UPDATE or
DELETE. Each write opens the file, inserts one row and closes it; SQLite's file lock serialises
writers of several server processes, a module lock the threads of one.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from dashboard.config import db_path

ACTIONS: dict[str, str] = {
    "login": "登录",
    "login_failed": "登录失败",
    "logout": "退出",
    "session_expired": "会话过期",
    "page_view": "查看页面",
    "access_denied": "拒绝访问",
    "export": "导出",
    "sql": "SQL 查询",
    "query": "运行查询文件",
    "load": "导入数据",
}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at_utc TEXT NOT NULL,
    username TEXT NOT NULL,
    role TEXT NOT NULL,
    action TEXT NOT NULL,
    page TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '{}',
    session_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log (at_utc);
CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, '审计日志只能追加，不能修改'); END;
CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, '审计日志只能追加，不能删除'); END;
"""
_lock = threading.Lock()


@dataclass(frozen=True)
class Actor:
    username: str
    role: str
    session_id: str = ""


def audit_path(db: Path | None = None) -> Path:
    raw = os.environ.get("COCKPIT_AUDIT")
    if raw:
        return Path(raw)
    served = db or db_path()
    return served.with_name(served.name + ".audit.sqlite3")


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=10)
    con.executescript(_SCHEMA)
    return con


def record(actor: Actor, action: str, page: str = "", detail: Mapping[str, Any] | None = None,
           path: Path | None = None) -> None:  # fmt: skip
    """Append one entry (UTC time); `detail` is stored as JSON (filters, SQL text, file names)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    target = path or audit_path()
    text = json.dumps(dict(detail or {}), ensure_ascii=False, default=str, sort_keys=True)
    stamp = datetime.now(UTC).isoformat(timespec="milliseconds")
    with _lock:
        con = _connect(target)
        try:
            with con:
                con.execute(
                    "INSERT INTO audit_log (at_utc, username, role, action, page, detail, session_id) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (stamp, actor.username, actor.role, action, page, text, actor.session_id),
                )
        finally:
            con.close()


def search(
    *,
    username: str | None = None,
    action: str | None = None,
    text: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 1000,
    path: Path | None = None,
) -> pl.DataFrame:
    """Newest first: entries matching every given condition (text matches page or detail)."""
    target = path or audit_path()
    clauses, params = ["1 = 1"], []
    if username:
        clauses.append("username = ?")
        params.append(username)
    if action:
        clauses.append("action = ?")
        params.append(action)
    if text:
        clauses.append("(instr(detail, ?) > 0 OR instr(page, ?) > 0)")
        params += [text, text]
    if since is not None:
        clauses.append("at_utc >= ?")
        params.append(since.astimezone(UTC).isoformat(timespec="milliseconds"))
    if until is not None:
        clauses.append("at_utc < ?")
        params.append(until.astimezone(UTC).isoformat(timespec="milliseconds"))
    columns = ["id", "at_utc", "username", "role", "action", "page", "detail", "session_id"]
    if not target.exists():
        return pl.DataFrame(schema=dict.fromkeys(columns, pl.String))
    con = sqlite3.connect(f"file:{target}?mode=ro", uri=True, timeout=10)
    try:
        rows = con.execute(
            f"SELECT {', '.join(columns)} FROM audit_log WHERE {' AND '.join(clauses)} ORDER BY id DESC LIMIT ?",
            [*params, int(limit)],
        ).fetchall()
    finally:
        con.close()
    return pl.DataFrame(rows, schema=columns, orient="row").with_columns(pl.col("id").cast(pl.Int64))
