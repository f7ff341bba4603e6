"""Outcome metrics (METRICS.md: mediation_success_rate, litigation_rate, compensation_yuan, payout_ratio and the
count of 先行赔付 cases) end to end: a canonical CSV through the real importer, then `python -m dashboard kpis`.

Each expected figure is computed here from the rows the test writes, by the METRICS.md definition; a file
without the outcome columns must read "no data" (null with a reason), never 0.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from dashboard.engine.filters import Filters
from dashboard.engine.kpi_source import DuckDBSource
from dashboard.engine.kpis import compute_period_metrics
from dashboard.engine.periods import Period
from tests.builders import build_cases, write_csv
from tests.cockpit_support import PROJECT_ROOT
from warehouse import store

pytestmark = pytest.mark.slow  # loads and asks through the CLIs in fresh processes

START = datetime(2025, 3, 1, 9)
PERIOD = ("2025-03-01", "2025-05-01")
OUTCOME_COLUMNS = ("mediation", "compensation", "advance_payment", "litigation")


def outcome_rows() -> list[dict[str, Any]]:
    """Twelve cases: ten closed in the period with varied outcomes, one closed later, one still open."""
    plans: list[tuple[str | None, str | None, bool | None, bool | None, float | None]] = [
        # mediation, compensation, advance, litigation, disputed
        ("调解成功", "1200.50", True, False, 2000.0),
        ("调解成功", "0", False, False, 800.0),
        ("调解失败", "300", False, True, 1000.0),
        ("未调解", None, None, None, None),
        (None, "150.25", None, False, None),  # paid, no dispute stated: not in payout_ratio
        ("调解成功", "5000", True, True, 5000.0),
        ("调解失败", None, None, False, 400.0),
        (None, None, None, None, 900.0),
        ("未调解", "0", False, False, 50.0),
        ("调解成功", "99.99", False, None, 100.0),
    ]
    rows = []
    for i, (mediation, compensation, advance, litigation, disputed) in enumerate(plans):
        received = START + timedelta(days=3 * i)
        rows.append({
            "received_at": received, "closed_at": received + timedelta(days=5), "status": "已办结",
            "mediation": mediation, "compensation": compensation, "advance_payment": advance,
            "litigation": litigation, "amount_disputed": disputed,
        })  # fmt: skip
    # Closed after the period and still open: neither counts (outcomes are over cases closed in P).
    rows.append(
        {
            "received_at": START + timedelta(days=55),
            "closed_at": START + timedelta(days=70),
            "status": "已办结",
            "mediation": "调解失败",
            "compensation": "777",
            "litigation": True,
        }
    )
    rows.append(
        {
            "received_at": START + timedelta(days=50),
            "closed_at": None,
            "status": "办理中",
            "mediation": None,
            "compensation": None,
            "litigation": None,
        }
    )
    return rows


def expected_outcomes(rows: list[dict[str, Any]]) -> dict[str, float | None]:
    """The METRICS.md definitions, over the cases closed in PERIOD."""
    end = datetime.fromisoformat(PERIOD[1])
    closed = [r for r in rows if r["closed_at"] is not None and r["closed_at"] < end]
    mediated = [r for r in closed if r["mediation"] in ("调解成功", "调解失败")]
    paid = [r for r in closed if r["compensation"] and Decimal(r["compensation"]) > 0 and r["amount_disputed"]]
    known_lit = [r for r in closed if r["litigation"] is not None]
    return {
        "mediation_success_rate": sum(r["mediation"] == "调解成功" for r in mediated) / len(mediated),
        "litigation_rate": sum(bool(r["litigation"]) for r in closed) / len(closed) if known_lit else None,
        "compensation_yuan": float(sum(Decimal(r["compensation"]) for r in closed if r["compensation"])),
        "payout_ratio": float(sum(Decimal(r["compensation"]) for r in paid)) / sum(r["amount_disputed"] for r in paid),
        "advance_payment_count": sum(r["advance_payment"] is True for r in closed),
    }


def load_and_ask(tmp_path: Path, frame: pl.DataFrame) -> dict[str, Any]:
    csv = write_csv(frame, tmp_path / "cases.csv")
    db = tmp_path / "wh" / "cockpit.duckdb"
    for command in (
        ["-m", "warehouse", "load", str(csv), "--db", str(db), "--json"],
        ["-m", "dashboard", "kpis", "--from", PERIOD[0], "--to", PERIOD[1], "--db", str(db), "--json"],
    ):
        done = subprocess.run([sys.executable, *command], cwd=PROJECT_ROOT, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)["kpis"]


def test_outcome_metrics_follow_the_definitions(tmp_path: Path) -> None:
    rows = outcome_rows()
    kpis = load_and_ask(tmp_path, build_cases(rows))
    for metric_id, expected in expected_outcomes(rows).items():
        assert kpis[metric_id]["value"] == pytest.approx(expected, rel=1e-12), metric_id
    # Not vacuous: the figures differ from what ignoring the rules would give.
    assert kpis["mediation_success_rate"]["value"] == pytest.approx(4 / 6)
    assert kpis["advance_payment_count"]["value"] == 2


def test_both_engine_paths_agree_on_outcomes(tmp_path: Path) -> None:
    load_and_ask(tmp_path, build_cases(outcome_rows()))
    period = Period(datetime.fromisoformat(PERIOD[0]).date(), datetime.fromisoformat(PERIOD[1]).date())
    with store.open_reader(store.current_version(tmp_path / "wh" / "cockpit.duckdb")) as con:
        cubes = compute_period_metrics(DuckDBSource(con, Filters()), period)
        cases = compute_period_metrics(DuckDBSource(con, Filters(), use_aggregates=False), period)
    assert cubes.to_dicts() == cases.to_dicts()


def test_a_file_without_outcome_columns_reads_no_data_not_zero(tmp_path: Path) -> None:
    frame = build_cases(outcome_rows()).drop(*OUTCOME_COLUMNS)
    kpis = load_and_ask(tmp_path, frame)
    for metric_id in ("mediation_success_rate", "litigation_rate", "compensation_yuan", "advance_payment_count"):
        assert kpis[metric_id]["value"] is None, metric_id
    end = datetime.fromisoformat(PERIOD[1])
    assert kpis["volume"]["value"] == sum(r["received_at"] < end for r in outcome_rows()), "the cases still count"
