"""Test groups by folder, and what every test shares: its own warehouse path and salt file in a temporary folder,
and one demo warehouse per session.

Folders (README "Tests"):
- unit/         pure functions; at most a tiny DuckDB in memory or a small file a test builds by hand
- integration/  real DuckDB warehouses: the importer, the marts, the CLIs, the engine on the demo warehouse
- app/          Streamlit pages driven by AppTest
- browser/      a real server and headless chromium (Playwright)

Each test is marked with its folder's name (`-m unit`, `-m "not browser"`); `slow` marks the few
end-to-end tests that `make test-fast` leaves to `make test`. Helpers (builders.py, cockpit_support.py,
marts_support.py, sql_warehouse.py, auth_support.py) and the reference formulations (reference/) sit beside
this file and are imported as `tests.<module>`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cockpit_support import build_demo_warehouse, built_once_per_run

TESTS_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = TESTS_DIR.parent
SHARED_DIR = PROJECT_ROOT.parent / "shared"
GROUPS = ("unit", "integration", "app", "browser")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test with its folder's group; a test module outside the group folders is an error."""
    for item in items:
        try:
            folder = item.path.resolve().relative_to(TESTS_DIR).parts[0]
        except ValueError:  # collected from outside tests/ (e.g. a path given on the command line)
            continue
        if folder not in GROUPS:
            raise pytest.UsageError(f"{item.nodeid}: put the test in one of tests/{{{','.join(GROUPS)}}}/")
        item.add_marker(getattr(pytest.mark, folder))


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


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo warehouse of tests/cockpit_support.py, built once per run by the real CLI (one build shared by the
    xdist workers of make test-fast); tests only read it."""
    with built_once_per_run(tmp_path_factory, "cockpit-demo") as folder:
        return build_demo_warehouse(folder)


@pytest.fixture
def serve_demo(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point this test's COCKPIT_DB at the shared demo warehouse (read only)."""
    monkeypatch.setenv("COCKPIT_DB", str(demo_db))
    return demo_db
