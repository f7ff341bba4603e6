"""Twelve people open the cockpit at once, three times in a row on one server (issue 18: it used to freeze).

A real `python -m dashboard serve` on the small demo warehouse; twelve chromium contexts sign in through
the login form at the same moment, wait for 驾驶舱总览 drawn, change the 渠道 filter, open 趋势分析.
The first round meets a cold server (the libraries' first imports race there), the next two a warm one
(where Polars' thread pool used to deadlock). Every session must end drawn without an exception box, and
the health endpoint must answer every probe throughout. The harness's timeouts detect a hang; nothing
here is a performance target. It runs in its own process, as `make bench` runs it (Playwright's async
API beside this session's sync one would share a thread).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard.charts import kpi_cards
from tests import cockpit_support as support

pytestmark = pytest.mark.browser

SESSIONS, ROUNDS = 12, 3


def test_twelve_sessions_at_once_all_draw_three_rounds_in_a_row(require_chromium: None, demo_db: Path) -> None:
    command = [sys.executable, "-m", "benchmarks.concurrent_sessions", "--db", str(demo_db)]
    command += ["--sessions", str(SESSIONS), "--rounds", str(ROUNDS)]
    done = subprocess.run(command, cwd=support.PROJECT_ROOT, capture_output=True, text=True, timeout=2400)
    assert done.stdout.strip().startswith("["), done.stderr[-4000:]
    rounds = json.loads(done.stdout)
    assert len(rounds) == ROUNDS
    cards = sum(len(row) for row in kpi_cards.card_rows())
    for number, summary in enumerate(rounds, start=1):
        problems = summary["errors"] + summary["health_failure_examples"]
        assert summary["failed"] == 0 and summary["health_failures"] == 0, (
            f"round {number}: {problems}\n{summary.get('server_log_tail', '')}"
        )
        assert summary["sessions"] == SESSIONS
        assert summary["health_probes"] > 0, "the health endpoint was asked throughout"
        assert summary["blocked_requests"] == 0, "nothing may leave the machine"
        for session in summary["per_session"]:
            assert session["cards"] == cards, session
            assert session["channel"], session  # the filter was changed
            assert session["second_page_s"] is not None, session  # and the second page drawn after it
    assert done.returncode == 0, done.stderr[-4000:]
