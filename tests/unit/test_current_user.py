"""Who is signed in, asked below the app (dashboard/auth/current.py): a download made after the click, outside
the session's thread, still logs, audits and watermarks as the user who drew the button."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from dashboard.auth import current
from dashboard.auth.users import User
from dashboard.export.identity import current_user_label

ANALYST = User("gd", "广东分析员", "分析师", provinces=("广东省",))


@pytest.fixture
def app_installed() -> Iterator[list[tuple[str, dict[str, object], User]]]:
    """The app's lookup answers only in the 'script thread' (here: the test's thread); other threads see nobody."""
    script_thread = threading.get_ident()
    recorded: list[tuple[str, dict[str, object], User]] = []
    saved = (current._lookup, current._recorder)  # noqa: SLF001 - restored below
    current.install(
        lambda: ANALYST if threading.get_ident() == script_thread else None,
        lambda action, detail, user: recorded.append((action, detail, user)),
    )
    try:
        yield recorded
    finally:
        current._lookup, current._recorder = saved  # noqa: SLF001


def run_elsewhere(work) -> object:  # noqa: ANN001 - a callable
    result: list[object] = []
    thread = threading.Thread(target=lambda: result.append(work()))
    thread.start()
    thread.join()
    return result[0]


def test_another_thread_sees_nobody_unless_it_acts_as_the_captured_user(app_installed: list) -> None:
    assert current.current_user() == ANALYST
    assert run_elsewhere(current.current_user) is None  # what a deferred download saw before
    captured = current.current_user()

    def deferred() -> tuple[User | None, str]:
        with current.acting_as(captured):
            current.record("export", {"what": "表格"})
            return current.current_user(), current_user_label()

    user, label = run_elsewhere(deferred)
    assert user == ANALYST and label == ANALYST.label()
    assert app_installed == [("export", {"what": "表格"}, ANALYST)]
    assert run_elsewhere(current.current_user) is None  # the override ended with the block


def test_without_a_signed_in_user_nothing_is_recorded() -> None:
    recorded: list[object] = []
    saved = (current._lookup, current._recorder)  # noqa: SLF001 - restored below
    current.install(lambda: None, lambda *entry: recorded.append(entry))  # the CLI's answer: nobody
    try:
        current.record("export", {"what": "表格"})
        assert current.current_user() is None and recorded == []
    finally:
        current._lookup, current._recorder = saved  # noqa: SLF001
