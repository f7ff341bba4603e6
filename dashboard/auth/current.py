"""Who is signed in to this session, asked without importing Streamlit.

The engine, exports and CLIs sit below the Streamlit app, so they cannot read the session themselves. The app
installs two callables when it starts (dashboard/app/auth_session.py); until then, as in every CLI and unit
test, nobody is signed in and nothing is recorded.
"""

from __future__ import annotations

from collections.abc import Callable

from dashboard.auth.users import User

UserLookup = Callable[[], User | None]
AuditRecorder = Callable[[str, dict[str, object]], None]

_lookup: UserLookup = lambda: None  # noqa: E731 - the CLI's answer: no session
_recorder: AuditRecorder | None = None


def install(lookup: UserLookup, recorder: AuditRecorder) -> None:
    """Called once by the app: how to find this run's user and write to its audit trail."""
    global _lookup, _recorder
    _lookup, _recorder = lookup, recorder


def current_user() -> User | None:
    """The signed-in User of the running session, or None (CLI, tests, nobody signed in)."""
    return _lookup()


def record(action: str, detail: dict[str, object]) -> None:
    """Add an entry to the signed-in user's audit trail; nothing outside the app."""
    if _recorder is not None and _lookup() is not None:
        _recorder(action, detail)
