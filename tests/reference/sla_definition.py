"""The SLA cards by their definition (METRICS.md "SLA cards"), stage row by stage row in Polars.

Moved out of dashboard/engine/sla.py, where only tests used it: read every stage row (`read_stages`), judge
it (`sla.judge_stages`, which the product shares), put each department's stages in due order and card them
(`assign_cards`), then count (`summarise_cards`, `summarise_stages`). `sla.compute_cards` gets the same
figures without a frame of every stage; tests/integration/test_sla_parity.py compares the two.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import polars as pl

from dashboard.engine.sla import (
    CARD_SCHEMA,
    ON_TIME,
    PENDING,
    STAGE_SCHEMA,
    YELLOW,
    StageRule,
    format_stage_summary,
    order_cards,
)


def read_stages(
    con: duckdb.DuckDBPyConnection,
    as_of: datetime,
    stages: list[str],
    departments: tuple[str, ...] = (),
    provinces: tuple[str, ...] = (),
) -> pl.DataFrame:
    """Stage rows started by `as_of` (a finish after it reads as unfinished), with the case's department.

    `provinces` is a user's region binding: only stages of cases in those provinces count.
    """
    params: dict[str, object] = {"as_of": as_of, "stages": stages}
    where = ""
    if departments:
        params["departments"] = list(departments)
        where = "AND list_contains($departments, d.department)"
    if provinces:
        params["provinces"] = list(provinces)
        where += """
            AND EXISTS (SELECT 1 FROM fct_complaint AS f JOIN dim_region AS r USING (region_key)
                        WHERE f.source_system = s.source_system AND f.case_id = s.case_id
                          AND list_contains($provinces, r.province))"""
    sql = f"""
        SELECT s.source_system, s.case_id, s.stage, s.stage_order::BIGINT AS stage_order, s.started_at,
            CASE WHEN s.finished_at <= $as_of THEN s.finished_at END AS finished_at, d.department, s.case_type
        FROM fct_case_stage AS s
        LEFT JOIN dim_department AS d USING (department_key)
        WHERE s.started_at <= $as_of AND list_contains($stages, s.stage) {where}
    """
    return con.sql(sql, params=params).pl().cast(STAGE_SCHEMA)  # type: ignore[arg-type]


def assign_cards(judged: pl.DataFrame) -> pl.DataFrame:
    """Judged (not pending) stages in each department's due order, with is_yellow and is_red."""
    ordered = judged.filter(pl.col("state") != PENDING).sort(
        "department", "due_at", "source_system", "case_id", "stage_order"
    )
    yellow = pl.col("state") == YELLOW
    return (
        ordered.with_columns(is_yellow=yellow, run=(~yellow).cast(pl.Int64).cum_sum().over("department"))
        .with_columns(run_yellow=pl.col("is_yellow").cast(pl.Int64).cum_sum().over("department", "run"))
        .with_columns(is_red=pl.col("is_yellow") & (pl.col("run_yellow") % 2 == 0))
        .drop("run", "run_yellow")
    )


def summarise_cards(carded: pl.DataFrame) -> pl.DataFrame:
    """Per department and quarter: judged stages, on time, yellow (of which still open), red."""
    if carded.is_empty():
        return pl.DataFrame(schema=CARD_SCHEMA)
    counts = carded.group_by("department", "quarter").agg(
        judged=pl.len(),
        on_time=(~pl.col("is_yellow")).sum(),
        yellow=pl.col("is_yellow").sum(),
        yellow_open=(pl.col("is_yellow") & pl.col("is_open")).sum(),
        red=pl.col("is_red").sum(),
    )
    return order_cards(counts)


def summarise_stages(judged: pl.DataFrame, rules: list[StageRule]) -> pl.DataFrame:
    """Per stage in process order: judged, on-time share, yellow (open), median and P90 duration of finished ones."""
    done = judged.filter(pl.col("state") != PENDING)
    stats = done.group_by("stage").agg(
        judged=pl.len(),
        on_time=(pl.col("state") == ON_TIME).sum(),
        yellow=(pl.col("state") == YELLOW).sum(),
        yellow_open=((pl.col("state") == YELLOW) & pl.col("is_open")).sum(),
        median_minutes=pl.col("duration_minutes").median(),
        p90_minutes=pl.col("duration_minutes").quantile(0.9, interpolation="linear"),
    )
    return format_stage_summary(stats, rules)
