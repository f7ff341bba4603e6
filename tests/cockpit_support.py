"""Shared by the cockpit tests: one demo warehouse per test session, built by the real CLI (the `demo_db` and
`serve_demo` fixtures of tests/conftest.py).

`python -m warehouse demo --cases 3000 --as-of 2026-10-31` runs the whole import
pipeline (generate -> land -> marts); the tests only read the result.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
