"""The audit log's hash chain: an untouched log verifies; an edited, deleted or appended-by-hand row is named."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from dashboard.auth import audit
from dashboard.auth.__main__ import main


def write_rows(count: int) -> Path:
    for i in range(count):
        audit.record(audit.Actor(f"user{i}", "分析师", "s1"), "page_view", "cockpit", {"n": i})
    return audit.audit_path()


def tamper(path: Path, sql: str) -> None:
    """What an intruder with file access does: drop the append-only triggers, then change the table."""
    con = sqlite3.connect(path)
    try:
        con.execute("DROP TRIGGER audit_log_no_update")
        con.execute("DROP TRIGGER audit_log_no_delete")
        con.execute(sql)
        con.commit()
    finally:
        con.close()


def test_untouched_log_verifies_from_the_cli(tmp_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_rows(5)
    check = audit.verify()
    assert check.ok and check.rows == 5 and check.unchained == 0
    assert main(["verify-audit"]) == 0
    assert "完整" in capsys.readouterr().out


def test_an_edited_row_is_named(tmp_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_rows(6)
    tamper(path, "UPDATE audit_log SET username = 'someone-else' WHERE id = 3")
    check = audit.verify()
    assert not check.ok and check.broken_id == 3
    assert main(["verify-audit"]) == 1
    assert "序号 3" in capsys.readouterr().err


def test_an_edit_that_recomputes_its_own_hash_breaks_the_next_link(tmp_db: Path) -> None:
    path = write_rows(6)
    con = sqlite3.connect(path)
    rows = {r[0]: r for r in con.execute("SELECT id, at_utc, username, role, action, page, detail, session_id, "
                                         "row_hash FROM audit_log")}  # fmt: skip
    con.close()
    fields = ("id", "at_utc", "username", "role", "action", "page", "detail", "session_id")
    forged = dict(zip(fields, rows[3][:8], strict=True)) | {"detail": '{"n": 99}'}
    new_hash = audit.row_digest(rows[2][8], forged)
    tamper(path, f"UPDATE audit_log SET detail = '{{\"n\": 99}}', row_hash = '{new_hash}' WHERE id = 3")
    assert audit.verify().broken_id == 4


def test_a_deleted_row_is_named(tmp_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_rows(6)
    tamper(path, "DELETE FROM audit_log WHERE id = 3")
    check = audit.verify()
    assert not check.ok and check.broken_id == 4 and "序号 3" in check.reason
    assert main(["verify-audit"]) == 1
    assert "序号 3" in capsys.readouterr().err


def test_deleting_the_last_rows_is_noticed(tmp_db: Path) -> None:
    path = write_rows(6)
    tamper(path, "DELETE FROM audit_log WHERE id >= 5")
    check = audit.verify()
    assert not check.ok and check.broken_id == 5


def test_a_log_from_before_the_chain_is_upgraded_and_verifies(tmp_db: Path) -> None:
    path = audit.audit_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path)
    con.executescript(
        "CREATE TABLE audit_log (id INTEGER PRIMARY KEY AUTOINCREMENT, at_utc TEXT NOT NULL, username TEXT NOT NULL,"
        " role TEXT NOT NULL, action TEXT NOT NULL, page TEXT NOT NULL DEFAULT '', detail TEXT NOT NULL DEFAULT '{}',"
        " session_id TEXT NOT NULL DEFAULT '');"
        "INSERT INTO audit_log (at_utc, username, role, action) VALUES ('2026-01-01T00:00:00', 'old', '领导', 'login');"
    )
    con.close()
    write_rows(2)
    check = audit.verify()
    assert check.ok and check.rows == 3 and check.unchained == 1
    assert audit.search()["username"].to_list() == ["user1", "user0", "old"]


def test_concurrent_writers_keep_one_chain(tmp_db: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda i: audit.record(audit.Actor(f"u{i}", "分析师"), "login"), range(40)))
    check = audit.verify()
    assert check.ok and check.rows == 40
