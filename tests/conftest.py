"""Every test gets its own warehouse path and salt file in a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = PROJECT_ROOT.parent / "shared"


@pytest.fixture(autouse=True)
def isolated_warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "wh" / "cockpit.duckdb"
    monkeypatch.setenv("COCKPIT_DB", str(db))
    monkeypatch.setenv("COCKPIT_SALT_FILE", str(tmp_path / "salt"))
    # Login is off for tests unless one opts in (tests/auth_support.py); production mode refuses this.
    monkeypatch.setenv("COCKPIT_MODE", "demo")
    monkeypatch.setenv("COCKPIT_AUTH", "off")
    monkeypatch.delenv("COCKPIT_USERS", raising=False)
    monkeypatch.delenv("COCKPIT_AUDIT", raising=False)
    return db


@pytest.fixture
def tmp_db(isolated_warehouse: Path) -> Path:
    return isolated_warehouse


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED_DIR.is_dir():
        pytest.skip("../shared is absent (a user's clone has no shared/ folder)")
    return SHARED_DIR
