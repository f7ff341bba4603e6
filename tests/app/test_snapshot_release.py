"""The app lets go of a superseded warehouse version a minute after a newer one appears, so the next load can
take that file over instead of copying the whole warehouse (issue 17); until then, the load copies around it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard.app import data
from tests.load_sequences import Sequence, load
from warehouse import store


@pytest.fixture
def app_snapshots() -> Iterator[None]:
    data.open_snapshot.clear()
    data._SNAPSHOTS.clear()
    yield
    data.open_snapshot.clear()
    data._SNAPSHOTS.clear()


def _open_current() -> str:
    version = data.warehouse_version()
    assert version is not None
    data.open_snapshot(version)
    return version


def test_superseded_snapshots_are_released_after_the_grace_and_their_file_taken_over(
    tmp_db: Path, app_snapshots: None
) -> None:
    sequence = Sequence(31)
    load("cases", sequence.cases_load())
    first = _open_current()
    load("cases", sequence.cases_load())
    second = _open_current()  # the app now holds both, as while sessions finish on the older one
    load("cases", sequence.cases_load())
    assert store.LAST_PREPARATION["how"] == "copied", "a version the app holds must not be taken over"
    third = _open_current()

    # On the monotonic clock, so a janitor thread another test started in this process agrees with these sweeps.
    grace, now = data.SNAPSHOT_GRACE_S, time.monotonic()
    assert data.release_superseded(now=now) == []  # first seen superseded now
    assert data.release_superseded(now=now + grace - 1) == []
    assert sorted(data.release_superseded(now=now + grace + 1)) == sorted([first, second])
    assert data.open_snapshot(third).sql("SELECT count(*) FROM fct_complaint").fetchall()[0][0] > 0

    load("cases", sequence.cases_load())
    assert store.LAST_PREPARATION["how"] == "reused"
    assert not Path(second).exists(), "the released previous version was taken over (renamed to the new one)"
