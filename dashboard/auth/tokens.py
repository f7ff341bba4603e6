"""Signed session tokens: a signed-in browser tab that is reloaded stays signed in.

The token is `v1.<user name, base64url>.<random id>.<expiry>.<HMAC-SHA256>`: nothing in it but the
user name identifies anybody, and it is signed with state.secret_key() (beside the audit log,
outside the repository). The signature alone is not trusted: every run checks the id's row in
state.py's file — not ended by logout or a lock, used within the idle limit, younger than the
absolute limit — and moves its last-use time. Logout, a lock and an expiry end the row, so a
copied cookie stops working at once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from dashboard.auth import state

VERSION = "v1"
TOUCH_SECONDS = 5.0


@dataclass(frozen=True)
class Verdict:
    username: str = ""
    token_id: str = ""
    login_at: float = 0.0
    problem: str = ""  # "" = valid; "expired" (idle/absolute limit) or "invalid" (forged, ended, unknown)

    @property
    def ok(self) -> bool:
        return not self.problem


def _sign(body: str) -> str:
    return hmac.new(state.secret_key(), body.encode("utf-8"), hashlib.sha256).hexdigest()


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def _unb64(text: str) -> str:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("utf-8")


def issue(username: str, absolute_seconds: float, now: float | None = None) -> tuple[str, str]:
    """(token, token_id) for a fresh login; the row is what later checks consult."""
    now = time.time() if now is None else now
    token_id = secrets.token_hex(16)
    body = f"{VERSION}.{_b64(username)}.{token_id}.{int(now + absolute_seconds)}"
    with state.connect() as con:
        # Rows past the absolute limit can never verify again: drop them so the file stays small.
        con.execute("DELETE FROM sessions WHERE login_at < ?", (now - 2 * absolute_seconds,))
        con.execute(
            "INSERT INTO sessions (token_id, username, login_at, seen_at) VALUES (?, ?, ?, ?)",
            (token_id, username, now, now),
        )
    return f"{body}.{_sign(body)}", token_id


def check(token: str, idle_seconds: float, absolute_seconds: float, now: float | None = None) -> Verdict:
    """Verify signature, expiry and the server's row; a valid token's last use becomes `now`."""
    now = time.time() if now is None else now
    parts = token.split(".")
    if len(parts) != 5 or parts[0] != VERSION:
        return Verdict(problem="invalid")
    body, signature = ".".join(parts[:4]), parts[4]
    if not hmac.compare_digest(_sign(body), signature):
        return Verdict(problem="invalid")
    try:
        username, token_id, expires = _unb64(parts[1]), parts[2], int(parts[3])
    except ValueError:
        return Verdict(problem="invalid")
    with state.connect() as con:
        row = con.execute(
            "SELECT username, login_at, seen_at, ended FROM sessions WHERE token_id = ?", (token_id,)
        ).fetchone()
        if row is None or row[3] or row[0] != username:
            return Verdict(username, token_id, problem="invalid")
        login_at, seen_at = row[1], row[2]
        if now > expires or now - seen_at > idle_seconds or now - login_at > absolute_seconds:
            con.execute("UPDATE sessions SET ended = 1 WHERE token_id = ?", (token_id,))
            return Verdict(username, token_id, login_at, problem="expired")
        if now - seen_at >= TOUCH_SECONDS:  # the idle clock needs seconds, not every rerun's write
            con.execute("UPDATE sessions SET seen_at = ? WHERE token_id = ?", (now, token_id))
    return Verdict(username, token_id, login_at)


def end(token_id: str) -> None:
    """Logout or expiry: this token never verifies again."""
    with state.connect() as con:
        con.execute("UPDATE sessions SET ended = 1 WHERE token_id = ?", (token_id,))


def end_user(username: str) -> None:
    """A lock (or a password change) ends every session of the user, in every browser."""
    with state.connect() as con:
        con.execute("UPDATE sessions SET ended = 1 WHERE username = ? AND ended = 0", (username,))
