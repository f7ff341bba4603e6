"""时效与红黄牌 (METRICS.md "SLA cards"): stage clocks, yellow and red cards, the grey list, on-time closure
by deadline type and the overdue list the consumer-protection center works from.

Choices where METRICS.md is silent:
- A stage's clock starts at its own start, or for an anchored stage (反馈 after 决策,
  回访 after 反馈) when its anchor stage finished; an anchored stage whose case has no
  anchor event falls back to its own start; one whose anchor is still running is not due.
- Finishing exactly at the due moment is on time. A stage unfinished at the as-of moment
  and past due is a yellow card already (still open); one not yet due is "pending" and
  neither earns nor resets anything. Stages without an SLA (调查, 复盘) are not judged.
- Red card: per department, judged stages in order of due time (ties: case, stage order);
  an on-time stage resets the run; the second yellow of a run is a red card and starts a
  new run, so four yellows in a row make two red cards. A red card is also one of the
  department's yellow cards.
- A card belongs to the quarter of its due time. Grey list: red cards in two consecutive
  quarters. Cards use every stage of a department (the department filter narrows the
  departments shown; other filters would break the runs, so they do not apply).
- Overdue list: cases open at the as-of moment whose due date is past or within
  `horizon_days` days; days overdue = as-of date − due date (0 = due today, negative =
  days left), as the due date itself is still on time (METRICS.md: "within" includes the
  last day).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import duckdb
import polars as pl

from dashboard.config import setting
from dashboard.filters import Filters
from dashboard.kpi_source import DuckDBSource
from dashboard.kpis import compute_period_metrics
from dashboard.periods import Period

ON_TIME, YELLOW, PENDING = "on_time", "yellow", "pending"
NO_DEPARTMENT = "未指定部门"
DEFAULT_HORIZON_DAYS = 3


@dataclass(frozen=True)
class StageRule:
    stage: str
    minutes: float
    anchor: str | None  # the stage whose finish starts the clock; None = the stage's own start


def read_stage_rules() -> list[StageRule]:
    """settings.toml [sla]: stage = [minutes, anchor stage or ""]."""
    rules = setting("sla", default={}) or {}
    return [
        StageRule(stage, float(value[0]), str(value[1]) or None)
        for stage, value in rules.items()
        if isinstance(value, list) and len(value) == 2
    ]


def describe_rule(rule: StageRule) -> str:
    """ "决策完成后24小时" / "开始后10分钟"."""
    minutes = rule.minutes
    if minutes % 1440 == 0:
        span = f"{int(minutes // 1440)}天"
    elif minutes % 60 == 0:
        span = f"{int(minutes // 60)}小时"
    else:
        span = f"{minutes:g}分钟"
    return f"{rule.anchor}完成后{span}" if rule.anchor else f"开始后{span}"


def horizon_days() -> int:
    return int(setting("overdue", "horizon_days", default=DEFAULT_HORIZON_DAYS))


# ---- stage rows -----------------------------------------------------------------------------
STAGE_SCHEMA: dict[str, pl.DataType] = {
    "source_system": pl.String(),
    "case_id": pl.String(),
    "stage": pl.String(),
    "stage_order": pl.Int64(),
    "started_at": pl.Datetime("us"),
    "finished_at": pl.Datetime("us"),
    "department": pl.String(),
}


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
            CASE WHEN s.finished_at <= $as_of THEN s.finished_at END AS finished_at, d.department
        FROM fct_case_stage AS s
        LEFT JOIN dim_department AS d USING (department_key)
        WHERE s.started_at <= $as_of AND list_contains($stages, s.stage) {where}
    """
    return con.sql(sql, params=params).pl().cast(STAGE_SCHEMA)  # type: ignore[arg-type]


def judge_stages(stages: pl.DataFrame, rules: list[StageRule], as_of: datetime) -> pl.DataFrame:
    """Each stage with an SLA: due_at, state (on_time / yellow / pending), late_minutes, is_open."""
    rule_frame = pl.DataFrame(
        {
            "stage": [r.stage for r in rules],
            "sla_minutes": [r.minutes for r in rules],
            "anchor": [r.anchor for r in rules],
        },
        schema={"stage": pl.String, "sla_minutes": pl.Float64, "anchor": pl.String},
    )
    anchors = stages.select(
        "source_system",
        "case_id",
        anchor=pl.col("stage"),
        anchor_present=pl.lit(True),
        anchor_finished=pl.col("finished_at"),
    ).unique(["source_system", "case_id", "anchor"], keep="first")
    frame = (
        stages.join(rule_frame, on="stage")
        .join(anchors, on=["source_system", "case_id", "anchor"], how="left")
        .with_columns(
            clock_start=pl.when(pl.col("anchor").is_null() | pl.col("anchor_present").is_null())
            .then(pl.col("started_at"))
            .otherwise(pl.col("anchor_finished"))
        )
        .with_columns(due_at=pl.col("clock_start") + pl.duration(seconds=pl.col("sla_minutes") * 60))
    )
    finished, due = pl.col("finished_at"), pl.col("due_at")
    state = (
        pl.when(due.is_null())
        .then(pl.lit(PENDING))
        .when(finished.is_not_null())
        .then(pl.when(finished <= due).then(pl.lit(ON_TIME)).otherwise(pl.lit(YELLOW)))
        .when(pl.lit(as_of) > due)
        .then(pl.lit(YELLOW))
        .otherwise(pl.lit(PENDING))
    )
    late = (pl.coalesce(finished, pl.lit(as_of)) - due).dt.total_seconds() / 60
    return (
        frame.with_columns(
            state=state,
            department=pl.col("department").fill_null(NO_DEPARTMENT),
            duration_minutes=(finished - pl.col("started_at")).dt.total_seconds() / 60,
        )
        .with_columns(
            late_minutes=pl.when(pl.col("state") == YELLOW).then(late),
            is_open=finished.is_null(),
            quarter=pl.format("{}Q{}", due.dt.year(), due.dt.quarter()),
        )
        .drop("anchor_present", "anchor_finished", "clock_start")
    )


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


CARD_SCHEMA: dict[str, pl.DataType] = {
    "department": pl.String(),
    "quarter": pl.String(),
    "judged": pl.Int64(),
    "on_time": pl.Int64(),
    "yellow": pl.Int64(),
    "yellow_open": pl.Int64(),
    "red": pl.Int64(),
}


def summarise_cards(carded: pl.DataFrame) -> pl.DataFrame:
    """Per department and quarter: judged stages, on time, yellow (of which still open), red."""
    if carded.is_empty():
        return pl.DataFrame(schema=CARD_SCHEMA)
    return (
        carded.group_by("department", "quarter")
        .agg(
            judged=pl.len(),
            on_time=(~pl.col("is_yellow")).sum(),
            yellow=pl.col("is_yellow").sum(),
            yellow_open=(pl.col("is_yellow") & pl.col("is_open")).sum(),
            red=pl.col("is_red").sum(),
        )
        .cast(CARD_SCHEMA)  # type: ignore[arg-type]
        .sort(["quarter", "red", "yellow", "department"], descending=[False, True, True, False])
    )


def _next_quarter(quarter: str) -> str:
    year, q = int(quarter[:4]), int(quarter[5:])
    return f"{year + q // 4}Q{q % 4 + 1}"


GREY_SCHEMA: dict[str, pl.DataType] = {"department": pl.String(), "quarters": pl.String(), "red": pl.Int64()}


def find_grey_list(cards: pl.DataFrame) -> pl.DataFrame:
    """Departments with red cards in two consecutive quarters: department, quarters (e.g. 2026Q2、2026Q3),
    red (red cards over those quarters)."""
    rows: list[dict[str, Any]] = []
    red = cards.filter(pl.col("red") > 0)
    for department, part in red.group_by("department", maintain_order=True):
        by_quarter = dict(zip(part["quarter"].to_list(), part["red"].to_list(), strict=True))
        quarters = sorted(q for q in by_quarter if _next_quarter(q) in by_quarter)
        spans = sorted({q for first in quarters for q in (first, _next_quarter(first))})
        if spans:
            rows.append(
                {"department": department[0], "quarters": "、".join(spans), "red": sum(by_quarter[q] for q in spans)}
            )
    return pl.DataFrame(rows, schema=GREY_SCHEMA).sort("red", "department", descending=[True, False])


STAGE_SUMMARY_SCHEMA: dict[str, pl.DataType] = {
    "stage": pl.String(),
    "sla": pl.String(),
    "judged": pl.Int64(),
    "on_time_rate": pl.Float64(),
    "yellow": pl.Int64(),
    "yellow_open": pl.Int64(),
    "median_minutes": pl.Float64(),
    "p90_minutes": pl.Float64(),
}


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
    order = pl.DataFrame(
        {"stage": [r.stage for r in rules], "sla": [describe_rule(r) for r in rules], "i": list(range(len(rules)))}
    )
    return (
        order.join(stats, on="stage", how="left")
        .sort("i")
        .with_columns(
            pl.col("judged", "yellow", "yellow_open").fill_null(0),
            on_time_rate=pl.when(pl.col("judged") > 0).then(pl.col("on_time") / pl.col("judged")),
        )
        .select(list(STAGE_SUMMARY_SCHEMA))
        .cast(STAGE_SUMMARY_SCHEMA)  # type: ignore[arg-type]
    )


@dataclass(frozen=True)
class CardReport:
    as_of: datetime | None
    stages: pl.DataFrame  # summarise_stages
    cards: pl.DataFrame  # summarise_cards
    grey_list: pl.DataFrame  # find_grey_list
    yellow_stages: pl.DataFrame  # the carded stages that are yellow, latest due first (for drilling)


def compute_cards(
    con: duckdb.DuckDBPyConnection,
    as_of: datetime | None,
    departments: tuple[str, ...] = (),
    provinces: tuple[str, ...] = (),
) -> CardReport:
    """Stage summary, cards per department × quarter, grey list and yellow stages as of `as_of`."""
    rules = read_stage_rules()
    if as_of is None:
        empty = judge_stages(pl.DataFrame(schema=STAGE_SCHEMA), rules, datetime.min)
        return CardReport(
            None,
            summarise_stages(empty, rules),
            pl.DataFrame(schema=CARD_SCHEMA),
            pl.DataFrame(schema=GREY_SCHEMA),
            assign_cards(empty),
        )
    wanted = sorted({r.stage for r in rules} | {r.anchor for r in rules if r.anchor})
    judged = judge_stages(read_stages(con, as_of, wanted, departments, provinces), rules, as_of)
    carded = assign_cards(judged)
    cards = summarise_cards(carded)
    yellow = carded.filter(pl.col("is_yellow")).sort("due_at", descending=True)
    return CardReport(as_of, summarise_stages(judged, rules), cards, find_grey_list(cards), yellow)


# ---- on-time closure by deadline type (the KPI engine's on_time_rate) -------------------------
DEADLINE_SCHEMA: dict[str, pl.DataType] = {
    "deadline_type": pl.String(),
    "deadline_days": pl.Int64(),
    "on_time_rate": pl.Float64(),
    "on_time": pl.Int64(),
    "due": pl.Int64(),
    "reason": pl.String(),
}


def list_channels(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [row[0] for row in con.sql("SELECT DISTINCT channel FROM dim_channel WHERE channel IS NOT NULL").fetchall()]


def compute_on_time_by_deadline(con: duckdb.DuckDBPyConnection, filters: Filters, period: Period) -> pl.DataFrame:
    """按期办结率 of P for 投诉 (15-day) and 信访 (来访/来信, 60-day) cases, split by channel as the defaults are."""
    petition = [str(c) for c in setting("deadlines", "petition_channels", default=["来访", "来信"])]
    channels = list_channels(con)
    selected = set(filters.channels) if filters.channels else set(channels)
    types = [
        ("投诉", int(setting("deadlines", "complaint_days", default=15)), [c for c in channels if c not in petition]),
        ("信访", int(setting("deadlines", "petition_days", default=60)), [c for c in channels if c in petition]),
    ]
    rows: list[dict[str, Any]] = []
    for label, days, members in types:
        chosen = tuple(sorted(c for c in members if c in selected))
        if not chosen:
            rows.append(
                {
                    "deadline_type": label,
                    "deadline_days": days,
                    "on_time_rate": None,
                    "on_time": 0,
                    "due": 0,
                    "reason": "所选渠道不含此类案件",
                }
            )
            continue
        source = DuckDBSource(con, replace(filters, channels=chosen))
        row = compute_period_metrics(source, period).row(0, named=True)
        rows.append(
            {
                "deadline_type": label,
                "deadline_days": days,
                "on_time_rate": row["on_time_rate"],
                "on_time": row["on_time_yes"],
                "due": row["on_time_due"],
                "reason": row["on_time_rate__reason"],
            }
        )
    return pl.DataFrame(rows, schema=DEADLINE_SCHEMA)


# ---- the overdue list -----------------------------------------------------------------------
OVERDUE_SCHEMA: dict[str, pl.DataType] = {
    "case_id": pl.String(),
    "received_date": pl.Date(),
    "deadline_days": pl.Int64(),
    "due_date": pl.Date(),
    "days_overdue": pl.Int64(),
    "department": pl.String(),
    "branch": pl.String(),
    "province": pl.String(),
    "city": pl.String(),
    "channel": pl.String(),
    "product": pl.String(),
    "issue": pl.String(),
    "current_stage": pl.String(),
    "is_regulator_referred": pl.Boolean(),
    "complainant_id": pl.String(),
    "complainant_name_masked": pl.String(),
    "phone_masked": pl.String(),
}


def list_overdue_cases(
    con: duckdb.DuckDBPyConnection, filters: Filters, as_of: datetime, horizon: int | None = None
) -> pl.DataFrame:
    """Cases open at `as_of` that are past due or due within `horizon` days, most overdue first (masked)."""
    horizon = horizon_days() if horizon is None else horizon
    where, params = filters.to_sql_where("f")
    params = {**params, "as_of": as_of, "as_of_date": as_of.date(), "last_due": as_of.date() + timedelta(days=horizon)}
    sql = f"""
        WITH open_cases AS (
            SELECT f.* FROM fct_complaint AS f
            WHERE ({where}) AND f.received_at <= $as_of
                AND (NOT f.is_closed OR f.closed_at > $as_of)
                AND f.due_date <= $last_due
        ), stage_now AS (
            SELECT s.source_system, s.case_id,
                arg_max(s.stage || CASE WHEN s.finished_at <= $as_of THEN '（已完成）' ELSE '（进行中）' END,
                        s.stage_order) AS current_stage
            FROM fct_case_stage AS s
            SEMI JOIN open_cases AS o ON o.source_system = s.source_system AND o.case_id = s.case_id
            WHERE s.started_at <= $as_of
            GROUP BY ALL
        )
        SELECT o.case_id, o.received_date, o.deadline_days::BIGINT AS deadline_days, o.due_date,
            date_diff('day', o.due_date, $as_of_date::DATE)::BIGINT AS days_overdue,
            d.department, b.branch, r.province, r.city, ch.channel, p.product, i.issue, sn.current_stage,
            o.is_regulator_referred, left(o.complainant_key, 8) AS complainant_id,
            o.complainant_name_masked, o.phone_masked
        FROM open_cases AS o
        LEFT JOIN stage_now AS sn USING (source_system, case_id)
        LEFT JOIN dim_department AS d USING (department_key)
        LEFT JOIN dim_branch AS b USING (branch_key)
        LEFT JOIN dim_region AS r USING (region_key)
        LEFT JOIN dim_channel AS ch USING (channel_key)
        LEFT JOIN dim_product AS p USING (product_key)
        LEFT JOIN dim_issue AS i USING (issue_key)
        ORDER BY days_overdue DESC, o.is_regulator_referred DESC, o.due_date, o.case_id
    """
    return con.sql(sql, params=params).pl().cast(OVERDUE_SCHEMA)  # type: ignore[arg-type]
