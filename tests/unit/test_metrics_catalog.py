"""The metric catalog: complete against METRICS.md, targets from settings, status by direction."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from dashboard.engine.kpis import metric_expressions, reason_expressions
from dashboard.engine.metrics import (
    CATALOG,
    KPI_IDS,
    METRICS,
    NO_REGULATORY_FORMULA,
    Target,
    status_of,
    target_key_owner,
    targets,
)
from warehouse.settings import settings_path


def metrics_md_ids(shared_dir: Path) -> list[str]:
    """First column of the KPI table in METRICS.md."""
    text = (shared_dir / "METRICS.md").read_text(encoding="utf-8")
    return [
        m.group(1).strip()
        for m in re.finditer(r"^\| ([a-z0-9_/ ]+?) \| ", text, flags=re.MULTILINE)
        if m.group(1).strip() != "KPI"
    ]


def test_every_metrics_md_kpi_is_in_the_catalog(shared_dir: Path) -> None:
    ids = metrics_md_ids(shared_dir)
    assert "volume" in ids and "handling_days" in ids  # the table was parsed
    for kpi_id in ids:
        if kpi_id == "handling_days":
            assert {"handling_days_mean", "handling_days_median", "handling_days_p90"} <= set(METRICS)
        elif kpi_id == "risk pools":
            assert METRICS["risk_pools"].dimension == "risk_level"
        elif kpi_id.endswith(" mix"):
            for dimension in kpi_id.removesuffix(" mix").split("/"):
                assert METRICS[f"{dimension}_mix"].kind == "mix"
        else:
            assert kpi_id in METRICS, kpi_id


def test_every_headline_metric_has_one_expression_and_one_reason_rule() -> None:
    assert set(metric_expressions()) == set(KPI_IDS) == set(reason_expressions())


def test_every_target_key_in_settings_maps_to_a_metric() -> None:
    with open(settings_path(), "rb") as handle:
        keys = tomllib.load(handle)["targets"].keys()
    for key in keys:
        metric_id, figure = target_key_owner(key)
        assert metric_id in METRICS and figure in ("value", "yoy", "pop")
    assert set(targets()) == {target_key_owner(k)[0] for k in keys}
    with pytest.raises(KeyError, match="不对应任何指标"):
        target_key_owner("happiness")


def test_targets_match_the_documented_defaults() -> None:
    found = targets()
    assert found["repeat_rate"].target == 0.10
    assert found["one_time_resolution_rate"].target == 0.85
    assert found["on_time_rate"].target == 0.95
    assert found["referred_on_time_rate"].target == 1.00
    assert found["satisfaction_rate"].target == 0.90
    assert (found["volume"].field, found["volume"].target) == ("yoy", -0.10)


def test_catalog_entries_are_complete_and_chinese() -> None:
    for metric in CATALOG:
        assert metric.name_zh and metric.name_en and metric.definition
        assert re.search(r"[\u4e00-\u9fff]", metric.definition), metric.id
        assert metric.unit in ("count", "rate", "per_million", "per_10m", "per_1000_branches", "days", "yuan")
    flagged = {m.id for m in CATALOG if m.no_regulatory_formula}
    assert flagged == {"one_time_resolution_rate", "repeat_rate", "referred_on_time_rate"}
    assert NO_REGULATORY_FORMULA in METRICS["repeat_rate"].description()
    assert NO_REGULATORY_FORMULA not in METRICS["on_time_rate"].description()


@pytest.mark.parametrize(
    ("metric_id", "value", "expected"),
    [
        ("repeat_rate", 0.10, "good"),
        ("repeat_rate", 0.11, "warning"),
        ("repeat_rate", 0.12, "warning"),
        ("repeat_rate", 0.13, "bad"),
        ("on_time_rate", 19 / 20, "good"),
        ("on_time_rate", 0.92, "warning"),
        ("on_time_rate", 0.89, "bad"),
        ("referred_on_time_rate", 1.0, "good"),
        ("referred_on_time_rate", 0.985, "warning"),
        ("satisfaction_rate", None, None),
        ("handling_days_median", 5.0, None),  # no target
        ("handling_days_mean", 11.0, "warning"),  # lower is better: 10 days target, 12 warning
    ],
)
def test_status_by_direction(metric_id: str, value: float | None, expected: str | None) -> None:
    assert status_of(metric_id, value) == expected


def test_status_with_an_explicit_target() -> None:
    target = Target("volume", "yoy", -0.10, 0.0)
    assert status_of("volume", -0.2, target) == "good"
    assert status_of("volume", -0.05, target) == "warning"
    assert status_of("volume", 0.05, target) == "bad"
