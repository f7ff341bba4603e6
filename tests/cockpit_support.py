"""Shared by the cockpit tests: one demo warehouse per test session, built by the real CLI (the `demo_db` and
`serve_demo` fixtures of tests/conftest.py).

`python -m warehouse demo --cases 3000 --as-of 2026-10-31` runs the whole import
pipeline (generate -> land -> marts); the tests only read the result.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEMO_CASES = 3000
DEMO_AS_OF = "2026-10-31"


def build_demo_warehouse(folder: Path) -> Path:
    """The demo warehouse in `folder` (built once; later calls reuse it)."""
    db = folder / "cockpit.duckdb"
    if db.exists():
        return db
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "COCKPIT_DB": str(db), "COCKPIT_SALT_FILE": str(folder / "salt")}
    command = [sys.executable, "-m", "warehouse", "demo", "--cases", str(DEMO_CASES), "--db", str(db)]
    command += ["--as-of", DEMO_AS_OF]
    done = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return db


@contextmanager
def module_warehouse(folder: Path) -> Iterator[Path]:
    """For a module-scoped fixture that builds a warehouse its tests only read (one import instead of one
    per test): COCKPIT_DB and COCKPIT_SALT_FILE point into `folder`, laid out like conftest's per-test
    warehouse, while the block builds it. Yields the warehouse path; `serve` points a test at it."""
    db = folder / "wh" / "cockpit.duckdb"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COCKPIT_DB", str(db))
        patch.setenv("COCKPIT_SALT_FILE", str(folder / "salt"))
        yield db


def serve(monkeypatch: pytest.MonkeyPatch, db: Path) -> Path:
    """Point this test's COCKPIT_DB and salt file at a warehouse built by `module_warehouse` (read only)."""
    monkeypatch.setenv("COCKPIT_DB", str(db))
    monkeypatch.setenv("COCKPIT_SALT_FILE", str(db.parent.parent / "salt"))
    return db


@contextmanager
def built_once_per_run(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[Path]:
    """The folder `name` for a session warehouse, held under a lock. Under pytest-xdist (make test-fast) the
    folder sits in the run's temporary root that every worker shares, so the first worker builds it and the
    others wait, then reuse it; without xdist it is in the session's own temporary folder."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield root / name
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
