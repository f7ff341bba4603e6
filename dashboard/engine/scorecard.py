"""考核 scorecard (METRICS.md "Scorecard"): units ranked by score for a period, each with its KPIs, attainment
against target, red cards, grey-list flag and the change in rank against the previous period.

Two steps, like the KPI engine:
1. Inputs, as Arrow frames from DuckDB: each unit's KPI values from the KPI engine (`compute_period_metrics`
   broken down by the unit's dimension, so a row equals `kpis --where UNIT=key` for the same period), the
   bank-wide headline for the leadership team, and each department's red cards (dashboard/engine/sla.py).
2. `score_units`: one lazy Polars job over (unit kind, period, unit, KPI) rows for any number of periods:
   attainment, weighted score with the weights of missing KPIs shared out, the red-card deduction, the rank
   (scores rounded to two decimals first, so equal scores as shown share a rank).
   No Python callbacks inside Polars (tests/unit/test_thread_rules.py).

Published quarters are stored by dashboard/engine/scorecard_store.py; this module only computes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

import duckdb
import polars as pl

from dashboard.engine.asof import resolve_as_of
from dashboard.engine.filters import Filters
from dashboard.engine.kpi_source import DuckDBSource
from dashboard.engine.kpis import compute_period_metrics
from dashboard.engine.periods import Period, add_months, previous_period, quarter_key
from dashboard.engine.scorecard_rules import CARDED_KINDS, LEADERSHIP, LEADERSHIP_KEY, UNIT_KINDS, ScorecardRules
from dashboard.engine.sla import compute_cards

VALUE_SCHEMA: dict[str, pl.DataType] = {
    "unit": pl.String(),
    "period_key": pl.String(),
    "key": pl.String(),
    "kpi": pl.String(),
    "value": pl.Float64(),
}
VOLUME_SCHEMA: dict[str, pl.DataType] = {
    "unit": pl.String(),
    "period_key": pl.String(),
    "key": pl.String(),
    "volume": pl.Int64(),
}
CARD_SCHEMA: dict[str, pl.DataType] = {
    "period_key": pl.String(),
    "key": pl.String(),
    "red_cards": pl.Int64(),
    "grey_listed": pl.Boolean(),
}
ROW_SCHEMA: dict[str, pl.DataType] = {
    "unit": pl.String(),
    "period_key": pl.String(),
    "key": pl.String(),
    "volume": pl.Int64(),
    "score": pl.Float64(),
    "rank": pl.Int64(),
    "red_cards": pl.Int64(),  # NULL: not a carded unit kind
    "grey_listed": pl.Boolean(),
}
KPI_SCHEMA: dict[str, pl.DataType] = {
    "unit": pl.String(),
    "period_key": pl.String(),
    "key": pl.String(),
    "kpi": pl.String(),
    "value": pl.Float64(),
    "attainment": pl.Float64(),  # NULL: no value or no target (left out, its weight shared out)
}


SCORE_DECIMALS = 2


def period_key(period: Period) -> str:
    """2026Q3 for a calendar quarter (how snapshots are stored), else the dates."""
    start = period.start
    if start.day == 1 and start.month in (1, 4, 7, 10) and period.end == add_months(start, 3):
        return quarter_key(start)
    return f"{period.start.isoformat()}/{period.end.isoformat()}"


def _quarter_index(day: date) -> int:
    return day.year * 4 + (day.month - 1) // 3


# ---------------------------------------------------------------------------------------------
# Inputs from the warehouse.
# ---------------------------------------------------------------------------------------------
def collect_unit_values(
    con: duckdb.DuckDBPyConnection, unit: str, period: Period, kpis: Sequence[str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(values, volumes) of every unit of a kind in P, from the KPI engine; units without a name are left out
    (nobody is accountable for them). The leadership team's one unit is the bank-wide headline."""
    source = DuckDBSource(con, Filters().with_custom_period(period))
    by = None if unit == LEADERSHIP else UNIT_KINDS[unit][0]
    metrics = compute_period_metrics(source, period, by)
    if by is None:
        metrics = metrics.with_columns(key=pl.lit(LEADERSHIP_KEY))
    named = (
        metrics.lazy()
        .filter(pl.col("key").is_not_null())
        .with_columns(unit=pl.lit(unit), period_key=pl.lit(period_key(period)))
    )
    values = named.select("unit", "period_key", "key", *(pl.col(k).cast(pl.Float64) for k in kpis)).unpivot(
        index=["unit", "period_key", "key"], variable_name="kpi", value_name="value"
    )
    volumes = named.select("unit", "period_key", "key", pl.col("volume").cast(pl.Int64))
    return (
        values.collect().cast(VALUE_SCHEMA),  # type: ignore[arg-type]
        volumes.collect().cast(VOLUME_SCHEMA),  # type: ignore[arg-type]
    )


def collect_red_cards(
    con: duckdb.DuckDBPyConnection, periods: Sequence[Period], as_of: datetime | None = None
) -> pl.DataFrame:
    """Per period and department: red cards falling due in P, and whether it is grey-listed (CARD_SCHEMA).

    Cards are judged as of the data's latest moment; a stage due in P is judged the same at any later moment
    (it was finished by then, or is past due either way). Grey-listed in P: red cards in two consecutive
    quarters, the later of which P touches."""
    as_of = as_of if as_of is not None else resolve_as_of(con)
    if as_of is None or not periods:
        return pl.DataFrame(schema=CARD_SCHEMA)
    report = compute_cards(con, as_of)
    wanted = pl.LazyFrame(
        {
            "period_key": [period_key(p) for p in periods],
            "start": [p.start for p in periods],
            "end": [p.end for p in periods],
            "first_q": [_quarter_index(p.start) for p in periods],
            "last_q": [_quarter_index(p.last_day) for p in periods],
        }
    )
    in_period = (pl.col("day") >= pl.col("start")) & (pl.col("day") < pl.col("end"))
    red = (
        report.yellow_stages.lazy()
        .filter(pl.col("is_red"))
        .select(key=pl.col("department"), day=pl.col("due_at").dt.date())
        .join(wanted, how="cross")
        .filter(in_period)
        .group_by("period_key", "key")
        .agg(red_cards=pl.len().cast(pl.Int64))
    )
    red_quarters = (
        report.cards.lazy()
        .filter(pl.col("red") > 0)
        .select(
            key=pl.col("department"),
            q=pl.col("quarter").str.slice(0, 4).cast(pl.Int64) * 4
            + pl.col("quarter").str.slice(5, 1).cast(pl.Int64)
            - 1,
        )  # fmt: skip
    )
    grey_ends = red_quarters.join(red_quarters.with_columns(q=pl.col("q") + 1), on=["key", "q"], how="semi")
    grey = (
        grey_ends.join(wanted, how="cross")
        .filter((pl.col("q") >= pl.col("first_q")) & (pl.col("q") <= pl.col("last_q")))
        .select("period_key", "key", grey_listed=pl.lit(True))
        .unique()
    )
    return (
        red.join(grey, on=["period_key", "key"], how="full", coalesce=True)
        .with_columns(pl.col("red_cards").fill_null(0), pl.col("grey_listed").fill_null(False))
        .collect()
        .cast(CARD_SCHEMA)  # type: ignore[arg-type]
    )


# ---------------------------------------------------------------------------------------------
# The Polars job.
# ---------------------------------------------------------------------------------------------
def attainment_expr() -> pl.Expr:
    """min(1, value / target), or min(1, target / value) where lower is better; NULL without value or target."""
    value, target = pl.col("value"), pl.col("target")
    lower = pl.when(value <= target).then(1.0).otherwise(target / value)
    higher = pl.when(value >= target).then(1.0).otherwise(value / target)
    return (
        pl.when(value.is_null() | target.is_null())
        .then(None)
        .when(pl.col("lower_is_better"))
        .then(lower)
        .otherwise(higher)
        .cast(pl.Float64)
    )


def score_units(
    values: pl.LazyFrame, volumes: pl.LazyFrame, rules: pl.LazyFrame, cards: pl.LazyFrame, deduction: float
) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """(rows, kpis) of every (unit kind, period, unit): score = 100 × Σ w × a / Σ w over the KPIs with an
    attainment − deduction × red cards; rank by score within (unit kind, period), ties sharing the better rank."""
    kpis = values.join(rules, on=["unit", "kpi"], how="inner").with_columns(attainment=attainment_expr())
    counted = pl.col("attainment").is_not_null()
    totals = kpis.group_by("unit", "period_key", "key").agg(
        weighted=(pl.col("weight") * pl.col("attainment")).filter(counted).sum(),
        weights=pl.col("weight").filter(counted).sum(),
    )
    carded = pl.col("unit").is_in(list(CARDED_KINDS))
    rows = (
        volumes.join(totals, on=["unit", "period_key", "key"], how="left")
        .join(cards.with_columns(unit=pl.lit(CARDED_KINDS[0])), on=["unit", "period_key", "key"], how="left")
        .with_columns(
            red_cards=pl.when(carded).then(pl.col("red_cards").fill_null(0)),
            grey_listed=pl.when(carded).then(pl.col("grey_listed").fill_null(False)),
        )
        .with_columns(
            score=pl.when(pl.col("weights") > 0)
            .then(100 * pl.col("weighted") / pl.col("weights") - deduction * pl.col("red_cards").fill_null(0))
            .round(SCORE_DECIMALS)  # ranked as shown: 99.996 and 100 are both 100.00, one rank
        )
        .with_columns(rank=pl.col("score").rank("min", descending=True).over("unit", "period_key").cast(pl.Int64))
        .select(list(ROW_SCHEMA))
        .sort(["unit", "period_key", "rank", "key"], nulls_last=True)
    )
    return rows, kpis.select(list(KPI_SCHEMA))


# ---------------------------------------------------------------------------------------------
# What the page, the CLI and the pack ask for.
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Scorecard:
    unit: str
    period: Period
    rules: pl.DataFrame  # kpi, weight, target, lower_is_better: this unit kind's, as scored
    red_card_deduction: float
    rows: pl.DataFrame  # key, volume, score, rank, red_cards, grey_listed, previous_rank, rank_change; by rank
    kpis: pl.DataFrame  # key, kpi, value, attainment
    published_at: datetime | None = None  # None: computed now, not a published snapshot
    previous: Period | None = None  # the period rank changes are against

    def weights(self) -> dict[str, float]:
        return dict(zip(self.rules["kpi"].to_list(), self.rules["weight"].to_list(), strict=True))

    def targets(self) -> dict[str, float | None]:
        return dict(zip(self.rules["kpi"].to_list(), self.rules["target"].to_list(), strict=True))

    def grey_listed(self) -> list[str]:
        return self.rows.filter(pl.col("grey_listed").fill_null(False))["key"].to_list()

    def with_previous(self, previous: Scorecard | None) -> Scorecard:
        """The rank change against `previous` (positive = moved up); NULL for a unit not ranked there."""
        earlier = (
            pl.DataFrame(schema={"key": pl.String, "previous_rank": pl.Int64})
            if previous is None
            else previous.rows.select("key", previous_rank=pl.col("rank"))
        )
        rows = (
            self.rows.drop("previous_rank", "rank_change", strict=False)
            .join(earlier, on="key", how="left")
            .with_columns(rank_change=pl.col("previous_rank") - pl.col("rank"))
        )
        return replace(self, rows=rows, previous=None if previous is None else previous.period)

    def to_json(self) -> dict[str, Any]:
        """The `python -m dashboard scorecard --json` object (ARCHITECTURE.md), rates as fractions."""
        values: dict[str, dict[str, Any]] = {}
        attainment: dict[str, dict[str, Any]] = {}
        for record in self.kpis.iter_rows(named=True):
            values.setdefault(record["key"], {})[record["kpi"]] = record["value"]
            attainment.setdefault(record["key"], {})[record["kpi"]] = record["attainment"]
        rows = []
        for record in self.rows.iter_rows(named=True):
            key = record["key"]
            rows.append(
                {
                    "key": key,
                    "score": record["score"],
                    "rank": record["rank"],
                    "kpis": values.get(key, {}),
                    "attainment": attainment.get(key, {}),
                    "red_cards": record["red_cards"],
                    "grey_listed": record["grey_listed"],
                    "volume": record["volume"],
                    "previous_rank": record.get("previous_rank"),
                    "rank_change": record.get("rank_change"),
                }
            )
        return {
            "unit": self.unit,
            "period": self.period.as_list(),
            "weights": self.weights(),
            "targets": self.targets(),
            "red_card_deduction": self.red_card_deduction,
            "published_at": None if self.published_at is None else self.published_at.isoformat(),
            "previous_period": None if self.previous is None else self.previous.as_list(),
            "rows": rows,
        }


def compute_scorecards(
    con: duckdb.DuckDBPyConnection,
    units: Sequence[str],
    periods: Sequence[Period],
    rules: ScorecardRules,
    as_of: datetime | None = None,
) -> dict[tuple[str, str], Scorecard]:
    """Every (unit kind, period) scorecard in one Polars job, keyed by (unit kind, period_key)."""
    values, volumes = [], []
    for period in periods:
        for unit in units:
            found = collect_unit_values(con, unit, period, rules.kpis(unit))
            values.append(found[0])
            volumes.append(found[1])
    cards = (
        collect_red_cards(con, periods, as_of)
        if any(u in CARDED_KINDS for u in units)
        else pl.DataFrame(schema=CARD_SCHEMA)
    )
    rule_frame = rules.frame()
    rows, kpis = score_units(
        pl.concat([pl.DataFrame(schema=VALUE_SCHEMA), *values]).lazy(),
        pl.concat([pl.DataFrame(schema=VOLUME_SCHEMA), *volumes]).lazy(),
        rule_frame.lazy(),
        cards.lazy(),
        rules.red_card_deduction,
    )
    rows_frame, kpi_frame = pl.collect_all([rows, kpis])
    found: dict[tuple[str, str], Scorecard] = {}
    for period in periods:
        for unit in units:
            key = period_key(period)
            mine = (pl.col("unit") == unit) & (pl.col("period_key") == key)
            found[(unit, key)] = Scorecard(
                unit=unit,
                period=period,
                rules=rule_frame.filter(pl.col("unit") == unit).drop("unit"),
                red_card_deduction=rules.red_card_deduction,
                rows=rows_frame.filter(mine).drop("unit", "period_key"),
                kpis=kpi_frame.filter(mine).drop("unit", "period_key"),
            )
    return found


def compute_scorecard(
    con: duckdb.DuckDBPyConnection, unit: str, period: Period, rules: ScorecardRules, with_previous: bool = True
) -> Scorecard:
    """One unit kind's scorecard for P, computed now, with its rank change against the period before."""
    periods = [period, previous_period(period)] if with_previous else [period]
    found = compute_scorecards(con, [unit], periods, rules)
    card = found[(unit, period_key(period))]
    return card.with_previous(found[(unit, period_key(periods[1]))] if with_previous else None)
