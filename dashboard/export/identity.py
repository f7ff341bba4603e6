"""Who is exporting, and whether they may: the one place exports ask (login lives in dashboard/auth)."""

from __future__ import annotations

from dashboard.auth import access, current
from dashboard.auth.users import User

DEMO_USER = "演示用户"
EXPORT_PERMISSION = "export"  # the pseudo-page of settings.toml [roles] that allows downloads


def _signed_in() -> User | None:
    return current.current_user()  # None in the CLI and unit tests: no session, no login


def current_user_label() -> str:
    """The signed-in user's name (用户名), else 演示用户 (the CLI, or no login)."""
    user = _signed_in()
    return user.label() if user is not None else DEMO_USER


def may_export() -> bool:
    """False only for a signed-in user whose role lacks the export permission."""
    user = _signed_in()
    if user is None:
        return True
    return access.can_open(user.role, EXPORT_PERMISSION)
