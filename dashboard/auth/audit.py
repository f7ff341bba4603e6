"""The audit log: who did what and when (login, logout, page views with filters, exports, SQL, loads).

The warehouse file is read-only for the app and replaced on every load, so the log is its own
SQLite file beside it (`<db>.audit.sqlite3`; COCKPIT_AUDIT overrides). Append-only twice over:
this module exposes only `record` and `search`, and triggers in the file abort any UPDATE or
DELETE. Each write opens the file, inserts one row and closes it; SQLite's file lock serialises
writers of several server processes, a module lock the threads of one.

Tamper evidence: every row carries `row_hash` = SHA-256 of the previous row's hash and this row's
fields, so an edited or deleted row breaks the chain from that row on. `verify()` (and
`python -m dashboard.auth verify-audit`, the button on 审计日志) names the first broken link.
Rows written before the chain existed (empty hash) are counted as unchained, not as broken.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from warehouse.settings import db_path

ACTIONS: dict[str, str] = {
    "login": "登录",
    "login_failed": "登录失败",
    "account_locked": "账号锁定",
    "account_unlocked": "账号解锁",
    "password_changed": "修改密码",
    "audit_verified": "校验审计日志",
    "logout": "退出",
    "session_expired": "会话过期",
    "session_resumed": "恢复会话",
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
    session_id TEXT NOT NULL DEFAULT '',
    row_hash TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log (at_utc);
CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, '审计日志只能追加，不能修改'); END;
CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, '审计日志只能追加，不能删除'); END;
"""
_lock = threading.Lock()
_FIELDS = ("id", "at_utc", "username", "role", "action", "page", "detail", "session_id")
GENESIS = "0" * 64  # the "previous hash" of the first chained row


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
    con = sqlite3.connect(path, timeout=10, isolation_level=None)  # transactions are explicit below
    con.executescript(_SCHEMA)
    columns = {row[1] for row in con.execute("PRAGMA table_info(audit_log)")}
    if "row_hash" not in columns:  # a log written before the chain: its old rows stay unchained
        con.execute("ALTER TABLE audit_log ADD COLUMN row_hash TEXT NOT NULL DEFAULT ''")
    return con


def row_digest(previous: str, row: Mapping[str, Any]) -> str:
    """The chain link: SHA-256 over the previous hash and this row's fields (id included, so a
    renumbered row breaks too). Fields are joined as JSON: no separator can be forged inside a value."""
    payload = json.dumps([previous, *(str(row[f]) for f in _FIELDS)], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@contextmanager
def immediate_transaction(con: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE (the write lock first), COMMIT on success, ROLLBACK on any error."""
    con.execute("BEGIN IMMEDIATE")
    try:
        yield con
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _next_id(con: sqlite3.Connection) -> int:
    seq = con.execute("SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'").fetchone()
    top = con.execute("SELECT max(id) FROM audit_log").fetchone()[0]
    return max(int(seq[0]) if seq else 0, int(top or 0)) + 1


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
            # IMMEDIATE: the write lock is taken before the last hash is read, so two server
            # processes cannot both chain onto the same row.
            with immediate_transaction(con):
                last = con.execute("SELECT id, row_hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
                previous = (last[1] if last else "") or GENESIS
                # The id is fixed before the insert (AUTOINCREMENT never reuses one) so the hash is
                # written with the row: no UPDATE is ever needed, and the triggers refuse all of them.
                row = {"id": _next_id(con), "at_utc": stamp, "username": actor.username, "role": actor.role,
                       "action": action, "page": page, "detail": text, "session_id": actor.session_id}  # fmt: skip
                con.execute(
                    f"INSERT INTO audit_log ({', '.join(_FIELDS)}, row_hash) VALUES ({', '.join('?' * 9)})",
                    (*(row[f] for f in _FIELDS), row_digest(previous, row)),
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


@dataclass(frozen=True)
class ChainCheck:
    """What verify() found: rows checked, legacy rows without a hash, and the first broken link."""

    rows: int
    unchained: int
    broken_id: int | None = None  # the first row whose link does not hold (None: the chain holds)
    reason: str = ""
    head: str = ""  # the last row's hash: written down elsewhere, it also pins the end of the log

    @property
    def ok(self) -> bool:
        return self.broken_id is None and not self.reason

    def message(self) -> str:
        if self.ok:
            legacy = f"（其中 {self.unchained:,} 行写于哈希链启用之前，未纳入校验）" if self.unchained else ""
            return f"审计日志完整：{self.rows:,} 行哈希链全部一致{legacy}。末行哈希 {self.head[:16]}…"
        where = f"序号 {self.broken_id} 处" if self.broken_id is not None else ""
        return f"审计日志被改动：{where}{self.reason}"


def verify(path: Path | None = None) -> ChainCheck:
    """Walk the chain in id order and report the first row whose hash or predecessor does not match."""
    target = path or audit_path()
    if not target.exists():
        return ChainCheck(rows=0, unchained=0)
    con = sqlite3.connect(f"file:{target}?mode=ro", uri=True, timeout=10)
    try:
        has_hash = "row_hash" in {row[1] for row in con.execute("PRAGMA table_info(audit_log)")}
        hash_column = "row_hash" if has_hash else "''"
        cursor = con.execute(f"SELECT {', '.join(_FIELDS)}, {hash_column} FROM audit_log ORDER BY id")
        seq_row = con.execute("SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'").fetchone()
        rows = unchained = 0
        previous_id, previous_hash = 0, ""
        for values in cursor:
            row = dict(zip(_FIELDS, values, strict=False))
            stored = values[-1]
            rows += 1
            if not stored:
                if previous_hash:  # a hash-less row after the chain began was inserted by hand
                    return ChainCheck(rows, unchained, row["id"], "此行没有哈希（哈希链启用后插入的行）", previous_hash)
                unchained += 1
            else:
                if previous_hash and row["id"] != previous_id + 1:
                    missing = f"序号 {previous_id + 1}" + (
                        f"–{row['id'] - 1}" if row["id"] - 1 > previous_id + 1 else ""
                    )
                    return ChainCheck(
                        rows, unchained, row["id"], f"之前的 {missing} 已被删除（链接断开）", previous_hash
                    )
                if row_digest(previous_hash or GENESIS, row) != stored:
                    return ChainCheck(
                        rows, unchained, row["id"], "此行内容或其前一行已被修改（哈希不一致）", previous_hash
                    )
                previous_hash = stored
            previous_id = row["id"]
        if seq_row and int(seq_row[0]) > previous_id:
            return ChainCheck(rows, unchained, previous_id + 1, f"末尾序号 {previous_id + 1}–{seq_row[0]} 已被删除",
                              previous_hash)  # fmt: skip
        return ChainCheck(rows, unchained, head=previous_hash)
    finally:
        con.close()
