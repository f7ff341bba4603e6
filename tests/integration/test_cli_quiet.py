"""The CLIs print no Streamlit warnings ("No runtime found", "missing ScriptRunContext"): they never import
Streamlit, so no st.cache_data call runs outside a session (issue 12, part 8)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cockpit_support import PROJECT_ROOT

STREAMLIT_NOISE = ("No runtime found", "ScriptRunContext", "streamlit", "Streamlit")


def run_cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COCKPIT_DB": str(db), "COCKPIT_SALT_FILE": str(db.parent / "salt")}
    command = [sys.executable, "-m", "dashboard", *args]
    return subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600)


def test_importing_the_cli_does_not_import_streamlit() -> None:
    code = "import sys, dashboard.__main__; sys.exit(any(m.split('.')[0] == 'streamlit' for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, timeout=120).returncode == 0


@pytest.mark.parametrize(
    "args",
    [
        ("kpis", "--from", "2026-07-01", "--to", "2026-10-01", "--json"),
        pytest.param(("alerts", "--json"), marks=pytest.mark.slow, id="alerts"),  # same start-up path as kpis
        pytest.param(("watchlist", "--level", "red"), marks=pytest.mark.slow, id="watchlist"),
        ("sql", "SELECT channel, count(*) AS n FROM v_complaint GROUP BY 1"),
        pytest.param(  # builds a PPTX in a fresh interpreter (~6 s): make test only
            ("pack", "--from", "2026-07-01", "--to", "2026-10-01", "--format", "pptx", "--out", "{tmp}/pack.pptx"),
            marks=pytest.mark.slow,
            id="pack",
        ),
    ],
    ids=lambda args: args[0],
)
def test_cli_stderr_has_no_streamlit_warning(demo_db: Path, tmp_path: Path, args: tuple[str, ...]) -> None:  # noqa: F811
    done = run_cli(demo_db, *(a.replace("{tmp}", str(tmp_path)) for a in args))
    assert done.returncode in (0, 1), done.stderr  # alerts exits 1 when there are alerts
    noise = [line for line in done.stderr.splitlines() if any(word in line for word in STREAMLIT_NOISE)]
    assert noise == []
