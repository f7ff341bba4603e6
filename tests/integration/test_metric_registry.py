"""One metric registry: a metric declared once (dashboard/engine/metrics.py) reaches the engine, `kpis --json`,
the cockpit's cards and the committee pack without touching another file.

The toy metric is the share of P's complaints that were closed in P, built only from existing tallies
(closed, volume); its expected value is counted here from the rows the test writes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from dashboard.__main__ import main as dashboard_main
from dashboard.charts import kpi_cards
from dashboard.engine import metrics
from dashboard.engine.filters import Filters
from dashboard.engine.kpi_source import DuckDBSource
from dashboard.engine.kpis import COUNT_COLUMNS, compute_kpis, reason_expressions
from dashboard.engine.periods import Period
from dashboard.export.pack import tables
from dashboard.export.pack.content import build_pack_content
from dashboard.views.cockpit_view import build_cockpit_view
from tests.builders import build_cases, write_csv
from tests.cockpit_support import PROJECT_ROOT
from warehouse import store

START = datetime(2025, 4, 1, 9)
PERIOD = Period(START.date(), datetime(2025, 7, 1).date())
TOY = metrics.Metric(
    "closed_share",
    "办结占比",
    "Closed share",
    "rate",
    False,
    "P内办结的案件数 / P内受理的案件数（测试用指标）。",
    formula=metrics.Formula("closed", "volume"),
    unavailable=(("volume", "所选期间没有受理的投诉"),),
    card=(2, 9),
)


@pytest.fixture(scope="module")
def warehouse_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    """Twenty cases received in P, closed on a fixed pattern: 12 closed inside P, 2 after it, 6 open."""
    rows, closed_in_p = [], 0
    for i in range(20):
        received = START + timedelta(days=4 * i)
        row: dict[str, object] = {"received_at": received}
        if i % 5 == 4 or i >= 17:
            row.update(status="处理中", closed_at=None)
        else:
            closed = received + timedelta(days=3 if i < 15 else 40)
            row.update(status="已办结", closed_at=closed)
            closed_in_p += closed.date() < PERIOD.end
        rows.append(row)
    folder = tmp_path_factory.mktemp("registry")
    csv = write_csv(build_cases(rows), folder / "cases.csv")
    db = folder / "wh" / "cockpit.duckdb"
    done = subprocess.run(
        [sys.executable, "-m", "warehouse", "load", str(csv), "--db", str(db), "--json"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return db, closed_in_p / 20


@pytest.fixture
def toy_registered() -> Iterator[metrics.Metric]:
    metrics.register(TOY)
    try:
        yield TOY
    finally:
        metrics.unregister(TOY.id)


def test_every_formula_reads_tallies_the_warehouse_declares() -> None:
    derived = {"customers", "branches", "handled", "handling_days_mean", "handling_days_median", "handling_days_p90"}
    for metric in metrics.CATALOG:
        if metric.kind != "kpi":
            continue
        assert metric.formula is not None, metric.id
        used = {metric.formula.numerator, metric.formula.denominator, *(t for t, _ in metric.unavailable)} - {None}
        assert used <= set(COUNT_COLUMNS) | derived, (metric.id, used - set(COUNT_COLUMNS) - derived)


def test_a_registered_metric_reaches_json_cards_and_pack(
    warehouse_db: tuple[Path, float], toy_registered: metrics.Metric, capsys: pytest.CaptureFixture[str]
) -> None:
    db, expected = warehouse_db
    assert expected == pytest.approx(12 / 20)  # the plan above, so the check below is not vacuous

    # kpis --json (the CLI's own code path, in this process where the toy is registered)
    code = dashboard_main(["kpis", "--from", "2025-04-01", "--to", "2025-07-01", "--db", str(db), "--json"])
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["kpis"][TOY.id]["value"] == pytest.approx(expected)

    con = store.open_reader(db)
    try:
        source = DuckDBSource(con, Filters(start=PERIOD.start, end=PERIOD.end))
        assert compute_kpis(source, PERIOD).kpis[TOY.id].value == pytest.approx(expected)
        # the cockpit's cards: a card in the row the declaration names, with the engine's value
        assert TOY.id in kpi_cards.card_rows()[2]
        view = build_cockpit_view(source)
        assert view.report is not None
        cards = kpi_cards.build_cards(view.report, view.sparklines, [TOY.id], "yoy", "zh")
        assert cards[0].label == "办结占比" and cards[0].value == "60.0%"
        # the committee pack's KPI table (the rows the PPTX and the PDF both print)
        rows = [cells for cells, _ in tables.kpi_rows(build_pack_content(con, PERIOD))]
    finally:
        con.close()
    assert rows[-1][:2] == ["办结占比", "60.0%"]


def test_unregistering_puts_the_registry_back(toy_registered: metrics.Metric) -> None:
    assert TOY.id in metrics.KPI_IDS and TOY.id in reason_expressions()
    metrics.unregister(TOY.id)
    assert TOY.id not in metrics.KPI_IDS and TOY.id not in metrics.METRICS
    metrics.register(TOY)  # the fixture removes it again
