"""Who is signed in to this session, asked without importing Streamlit.

The engine, exports and CLIs sit below the Streamlit app, so they cannot read the session themselves. The app
installs two callables when it starts (dashboard/app/auth_session.py); until then, as in every CLI and unit
test, nobody is signed in and nothing is recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from dashboard.auth.users import User

UserLookup = Callable[[], User | None]
AuditRecorder = Callable[[str, dict[str, object], User], None]

_lookup: UserLookup = lambda: None  # noqa: E731 - the CLI's answer: no session
_recorder: AuditRecorder | None = None
# A download made after the click runs outside the page's script thread, where the session cannot be read: the
# button captures the user when it is drawn and the file is made "acting as" that user (watermark, log, audit).
_acting: ContextVar[User | None] = ContextVar("acting_user", default=None)


def install(lookup: UserLookup, recorder: AuditRecorder) -> None:
    """Called once by the app: how to find this run's user and write to its audit trail."""
    global _lookup, _recorder
    _lookup, _recorder = lookup, recorder


def current_user() -> User | None:
    """The signed-in User of the running session (or the user a deferred download acts for), else None."""
    return _acting.get() or _lookup()


@contextmanager
def acting_as(user: User | None) -> Iterator[None]:
    """Within the block, `current_user()` is `user` (captured where the session could be read)."""
    token = _acting.set(user)
    try:
        yield
    finally:
        _acting.reset(token)


def record(action: str, detail: dict[str, object]) -> None:
    """Add an entry to the signed-in user's audit trail; nothing outside the app."""
    user = current_user()
    if _recorder is not None and user is not None:
        _recorder(action, detail, user)
