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
- Typed clocks: the case's 案件类型 (fct_complaint.case_type) chooses the 决策 clock from
  `[sla_clock.decision_by_case_type]`; a stage whose case was never loaded, or a type not listed
  there, keeps `[sla]` 决策. With `[sla_clock].time = "working"` a clock of whole days counts
  working days of the official calendar (dashboard/engine/workdays.py: due at the start's time of day
  on the N-th working day after the start's date); clocks shorter than a day stay natural time.
- Overdue list: cases open at the as-of moment whose due date is past or within
  `horizon_days` days; days overdue = as-of date − due date (0 = due today, negative =
  days left), as the due date itself is still on time (METRICS.md: "within" includes the
  last day).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

import duckdb
import numpy as np
import polars as pl

from dashboard.engine import workdays
from dashboard.engine.filters import Filters
from dashboard.engine.kpi_source import DuckDBSource
from dashboard.engine.kpis import compute_period_metrics
from dashboard.engine.periods import Period
from warehouse.settings import setting

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


DECISION_STAGE = "决策"
DAY_MINUTES = 1440


@dataclass(frozen=True)
class ClockRules:
    """How clocks run beyond the stage rules: the 决策 clock by 案件类型, natural or working days."""

    decision_by_case_type: dict[str, float]
    working: bool = False

    @classmethod
    def from_settings(cls) -> ClockRules:
        by_type = setting("sla_clock", "decision_by_case_type", default={}) or {}
        working = str(setting("sla_clock", "time", default="natural")) == "working"
        return cls({str(k): float(v) for k, v in by_type.items()}, working)

    def describe(self) -> str:
        """ "决策时限按案件类型：简单 1天、复杂 5天、诉讼 15天；整日时限按工作日计（国家法定节假日及调休）"."""
        types = "、".join(f"{name} {describe_minutes(minutes)}" for name, minutes in self.decision_by_case_type.items())
        time = "整日时限按工作日计（国家法定节假日及调休）" if self.working else "按自然时间计"
        return f"决策时限按案件类型：{types}；{time}。" if types else f"时限{time}。"


def describe_minutes(minutes: float) -> str:
    """A clock in words: 1天 / 2小时 / 10分钟."""
    if minutes % DAY_MINUTES == 0:
        return f"{int(minutes // DAY_MINUTES)}天"
    if minutes % 60 == 0:
        return f"{int(minutes // 60)}小时"
    return f"{minutes:g}分钟"


def describe_rule(rule: StageRule) -> str:
    """ "决策完成后24小时" / "开始后10分钟"."""
    span = describe_minutes(rule.minutes)
    return f"{rule.anchor}完成后{span}" if rule.anchor else f"开始后{span}"


def describe_clock(rule: StageRule, clock: ClockRules | None = None) -> str:
    """describe_rule, except 决策 whose clock depends on the 案件类型: "按案件类型：简单1天/复杂5天/诉讼15天"."""
    by_type = (clock or ClockRules.from_settings()).decision_by_case_type
    if rule.stage != DECISION_STAGE or not by_type:
        return describe_rule(rule)
    return "按案件类型：" + "/".join(f"{name}{describe_minutes(m)}" for name, m in by_type.items())


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
    "case_type": pl.String(),
}


def calendar_span(first: datetime, as_of: datetime, rules: list[StageRule], clock: ClockRules) -> tuple[date, date]:
    """Days a working calendar must cover for clocks started between `first` and `as_of`."""
    longest = max([r.minutes for r in rules] + list(clock.decision_by_case_type.values()) + [0.0])
    # N working days never span more than 2N + 30 natural days (the longest holiday is 9 days).
    return first.date(), as_of.date() + timedelta(days=2 * int(longest // DAY_MINUTES) + 30)


def add_due_times(frame: pl.DataFrame, clock: ClockRules, calendar: pl.DataFrame | None) -> pl.DataFrame:
    """due_at from clock_start and sla_minutes: natural time, or working days for whole-day clocks."""
    natural = pl.col("clock_start") + pl.duration(seconds=pl.col("sla_minutes") * 60)
    if not clock.working or calendar is None:
        return frame.with_columns(due_at=natural)
    work = calendar.filter("is_workday").select(due_day="day", target="ordinal")
    days = pl.when(pl.col("sla_minutes") % DAY_MINUTES == 0).then((pl.col("sla_minutes") // DAY_MINUTES).cast(pl.Int64))
    start = pl.col("clock_start")
    return (
        frame.with_columns(_start_day=start.dt.date(), _days=days)
        .join(calendar.select(_start_day="day", _ordinal="ordinal"), on="_start_day", how="left")
        .with_columns(target=pl.col("_ordinal") + pl.col("_days"))
        .join(work, on="target", how="left")
        .with_columns(
            due_at=pl.when(pl.col("_days").is_null() | start.is_null())
            .then(natural)
            .otherwise(pl.col("due_day").cast(pl.Datetime("us")) + (start - start.dt.truncate("1d")))
        )
        .drop("_start_day", "_days", "_ordinal", "target", "due_day")
    )


def judge_stages(
    stages: pl.DataFrame, rules: list[StageRule], as_of: datetime, clock: ClockRules | None = None
) -> pl.DataFrame:
    """Each stage with an SLA: due_at, state (on_time / yellow / pending), late_minutes, is_open."""
    clock = clock or ClockRules.from_settings()
    if "case_type" not in stages.columns:
        stages = stages.with_columns(case_type=pl.lit(None, pl.String))
    rule_frame = pl.DataFrame(
        {
            "stage": [r.stage for r in rules],
            "sla_minutes": [r.minutes for r in rules],
            "anchor": [r.anchor for r in rules],
        },
        schema={"stage": pl.String, "sla_minutes": pl.Float64, "anchor": pl.String},
    )
    by_type = pl.DataFrame(
        {"case_type": list(clock.decision_by_case_type), "type_minutes": list(clock.decision_by_case_type.values())},
        schema={"case_type": pl.String, "type_minutes": pl.Float64},
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
        .join(by_type, on="case_type", how="left")
        .join(anchors, on=["source_system", "case_id", "anchor"], how="left")
        .with_columns(
            sla_minutes=pl.when(pl.col("stage") == DECISION_STAGE)
            .then(pl.coalesce("type_minutes", "sla_minutes"))
            .otherwise(pl.col("sla_minutes")),
            clock_start=pl.when(pl.col("anchor").is_null() | pl.col("anchor_present").is_null())
            .then(pl.col("started_at"))
            .otherwise(pl.col("anchor_finished")),
        )
        .drop("type_minutes")
    )
    calendar = None
    if clock.working and frame.height:
        first = frame["started_at"].min()
        assert isinstance(first, datetime)
        calendar = workdays.build_calendar(*calendar_span(first, as_of, rules, clock))
    frame = add_due_times(frame, clock, calendar)
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


CARD_SCHEMA: dict[str, pl.DataType] = {
    "department": pl.String(),
    "quarter": pl.String(),
    "judged": pl.Int64(),
    "on_time": pl.Int64(),
    "yellow": pl.Int64(),
    "yellow_open": pl.Int64(),
    "red": pl.Int64(),
}


def order_cards(counts: pl.DataFrame) -> pl.DataFrame:
    """Card counts as CARD_SCHEMA, quarter by quarter, most red (then yellow) cards first."""
    return (
        counts.select(list(CARD_SCHEMA))
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


def format_stage_summary(stats: pl.DataFrame, rules: list[StageRule]) -> pl.DataFrame:
    """Per-stage figures (stage, judged, on_time, yellow, yellow_open, median/p90 minutes) in process order with
    each stage's SLA and on-time share, as STAGE_SUMMARY_SCHEMA (stages nobody reached: 0 judged)."""
    order = pl.DataFrame(
        {"stage": [r.stage for r in rules], "sla": [describe_clock(r) for r in rules], "i": list(range(len(rules)))}
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
    """Stage summary, cards per department × quarter, grey list and yellow stages as of `as_of`.

    The figures of the definition (tests/reference/sla_definition.py: every stage row judged by judge_stages,
    carded in each department's due order, then counted), computed without a frame of every stage: DuckDB judges
    the stages, and only the yellow ones are put in order.
    """
    rules = read_stage_rules()
    clock = ClockRules.from_settings()
    if as_of is None:
        none_judged = pl.DataFrame(schema=JUDGED_SCHEMA)
        return CardReport(
            None,
            count_stage_figures(none_judged, rules),
            pl.DataFrame(schema=CARD_SCHEMA),
            pl.DataFrame(schema=GREY_SCHEMA),
            pl.DataFrame(schema=YELLOW_SCHEMA),
        )
    known = read_departments(con)
    judged = read_judged_stages(con, as_of, rules, known, departments, provinces, clock)
    marked = mark_red_cards(con, as_of, judged)
    cards = count_cards(judged, marked, known)
    yellow = describe_yellow_stages(marked, rules, known, as_of, clock)
    return CardReport(as_of, count_stage_figures(judged, rules), cards, find_grey_list(cards), yellow)


# ---- the cards at scale ---------------------------------------------------------------------
JUDGED_SCHEMA: dict[str, pl.DataType] = {
    "row_id": pl.Int64(),  # fct_case_stage's rowid, to fetch the case of the few stages that need it
    "stage_idx": pl.Int32(),  # index into the rules
    "department_code": pl.Int32(),  # index into Departments.names
    "due_at": pl.Datetime("us"),
    "quarter_key": pl.Int32(),  # year * 10 + quarter of due_at
    "is_yellow": pl.Boolean(),
    "duration_s": pl.Int64(),  # whole seconds from start to finish (as dt.total_seconds); null while open
}


@dataclass(frozen=True)
class Departments:
    """The names stages are carded under (sorted, NO_DEPARTMENT included) and each department_key's index in them."""

    names: list[str]
    code_by_key: dict[int, int]

    @property
    def no_department(self) -> int:
        return self.names.index(NO_DEPARTMENT)

    def frame(self) -> pl.DataFrame:
        return pl.DataFrame(
            {"department_code": list(range(len(self.names))), "department": self.names},
            schema={"department_code": pl.Int32, "department": pl.String},
        )


def read_departments(con: duckdb.DuckDBPyConnection) -> Departments:
    """judge_stages cards a stage under its department's name, a missing one (no row, NULL) as NO_DEPARTMENT."""
    rows = con.sql("SELECT department_key, department FROM dim_department").fetchall()
    named = {key: NO_DEPARTMENT if name is None else name for key, name in rows}
    names = sorted(set(named.values()) | {NO_DEPARTMENT})
    return Departments(names, {key: names.index(name) for key, name in named.items() if key is not None})


def minutes_to_us(minutes: list[float]) -> list[int]:
    """SLAs in microseconds, converted by polars exactly as judge_stages converts them."""
    frame = pl.DataFrame({"m": minutes}, schema={"m": pl.Float64})
    return frame.select(us=pl.duration(seconds=pl.col("m") * 60).dt.total_microseconds())["us"].to_list()


def rule_offsets_us(rules: list[StageRule]) -> list[int]:
    """Each rule's SLA in microseconds."""
    return minutes_to_us([r.minutes for r in rules])


def read_judged_stages(
    con: duckdb.DuckDBPyConnection,
    as_of: datetime,
    rules: list[StageRule],
    known: Departments,
    departments: tuple[str, ...] = (),
    provinces: tuple[str, ...] = (),
    clock: ClockRules | None = None,
) -> pl.DataFrame:
    """The stages judge_stages would judge on_time or yellow (not pending), one narrow row each (JUDGED_SCHEMA).

    The rows, clocks and states of read_stages + judge_stages. Only anchored stages are joined with their
    anchor: on the case's integer key (fct_complaint's, one per source_system + case_id) where the case
    was loaded, on source_system + case_id where it was not. (The department filter and the region binding
    are properties of the case: a stage's anchor passes them whenever the stage does.)
    """
    clock = clock or ClockRules.from_settings()
    params: dict[str, object] = {
        "as_of": as_of,
        "decision": DECISION_STAGE,
        "type_names": list(clock.decision_by_case_type),
        "type_offsets": minutes_to_us(list(clock.decision_by_case_type.values())),
        "rule_stages": [r.stage for r in rules],
        "rule_anchors": [r.anchor for r in rules],
        "rule_offsets": rule_offsets_us(rules),
        "own_clock": [r.stage for r in rules if not r.anchor],
        "anchored": [r.stage for r in rules if r.anchor],
        "anchors": sorted({r.anchor for r in rules if r.anchor}),
        "departments": list(departments),
        "provinces": list(provinces),
    }
    where = " AND s.department_key IN (SELECT department_key FROM bound_departments)" if departments else ""
    if provinces:  # fct_case_stage.case_key is the case's fct_complaint key (NULL: not loaded, in no province)
        where += " AND s.case_key IN (SELECT case_key FROM bound_cases)"
    finished = "CASE WHEN s.finished_at <= $as_of THEN s.finished_at END"
    natural = "c.clock_start + to_microseconds(c.offset_us)"
    due, calendar_joins = natural, ""
    if clock.working:  # whole-day clocks: the N-th working day after the start's date, at its time of day
        day_us = DAY_MINUTES * 60_000_000
        calendar_joins = f"""
            LEFT JOIN {{calendar}} AS sd ON sd.day = c.clock_start::DATE
            LEFT JOIN (SELECT day, ordinal FROM {{calendar}} WHERE is_workday) AS wd
                ON c.offset_us % {day_us} = 0 AND wd.ordinal = sd.ordinal + c.offset_us // {day_us}"""
        due = f"""CASE WHEN c.offset_us % {day_us} = 0 AND c.clock_start IS NOT NULL
            THEN wd.day::TIMESTAMP + (c.clock_start - date_trunc('day', c.clock_start)) ELSE {natural} END"""

    def scan(stages: str, case_key: str = "TRUE") -> str:
        """fct_case_stage rows of these stages (rule: their 1-based index in the rules), as read_stages reads them."""
        return f"""(
            SELECT s.rowid AS row_id, s.case_key, s.source_system, s.case_id, s.department_key, s.started_at,
                {finished} AS finished_at, list_position($rule_stages::VARCHAR[], s.stage) AS rule,
                -- the 决策 clock by 案件类型; another stage, an unknown type or no case: the stage's rule
                coalesce(
                    CASE WHEN s.stage = $decision
                        THEN ($type_offsets::BIGINT[])[list_position($type_names::VARCHAR[], s.case_type)] END,
                    ($rule_offsets::BIGINT[])[list_position($rule_stages::VARCHAR[], s.stage)]
                ) AS offset_us
            FROM fct_case_stage AS s
            WHERE s.started_at <= $as_of AND list_contains(${stages}::VARCHAR[], s.stage) AND {case_key} {where}
        ) AS s"""

    def anchored(loaded: bool) -> str:
        case_key = "s.case_key IS NOT NULL" if loaded else "s.case_key IS NULL"
        match = "a.case_key = s.case_key" if loaded else "a.source_system = s.source_system AND a.case_id = s.case_id"
        return f"""
            SELECT s.row_id, s.rule - 1, s.department_key, s.started_at, s.finished_at, s.offset_us,
                -- no anchor event: the stage's own start; an anchor still running: not due (NULL)
                CASE WHEN a.anchor IS NULL THEN s.started_at ELSE a.anchor_finished END
            FROM {scan("anchored", case_key)}
            LEFT JOIN (
                SELECT s.case_key, s.source_system, s.case_id, s.stage AS anchor, {finished} AS anchor_finished
                FROM fct_case_stage AS s
                WHERE s.started_at <= $as_of AND list_contains($anchors::VARCHAR[], s.stage) AND {case_key} {where}
            ) AS a ON {match} AND a.anchor = ($rule_anchors::VARCHAR[])[s.rule]"""

    sql = f"""
        WITH bound_departments AS (
            SELECT department_key FROM dim_department WHERE list_contains($departments::VARCHAR[], department)
        ), bound_cases AS (
            SELECT f.case_key FROM fct_complaint AS f JOIN dim_region AS r USING (region_key)
            WHERE list_contains($provinces::VARCHAR[], r.province)
        ), started AS (
            SELECT s.row_id, s.rule - 1 AS stage_idx, s.department_key, s.started_at, s.finished_at, s.offset_us,
                s.started_at AS clock_start
            FROM {scan("own_clock")}
            UNION ALL {anchored(True)}
            UNION ALL {anchored(False)}
        ), clocked AS (
            SELECT c.row_id, c.stage_idx, c.department_key, c.started_at, c.finished_at, {due} AS due_at
            FROM started AS c {calendar_joins}
        )
        SELECT row_id, stage_idx, department_key, due_at, (year(due_at) * 10 + quarter(due_at))::INTEGER AS quarter_key,
            coalesce(finished_at > due_at, TRUE) AS is_yellow,
            (epoch_us(finished_at) - epoch_us(started_at)) // 1000000 AS duration_s
        FROM clocked
        WHERE due_at IS NOT NULL AND (finished_at IS NOT NULL OR $as_of > due_at)
    """
    code = pl.col("department_key").replace_strict(
        known.code_by_key, default=known.no_department, return_dtype=pl.Int32
    )
    name = f"sla_calendar_{uuid.uuid4().hex}"
    calendar = read_working_calendar(con, as_of, rules, clock)
    if calendar is not None:
        con.register(name, calendar)
    try:
        frame = con.sql(sql.replace("{calendar}", name), params=params).pl().with_columns(department_code=code)
    finally:
        if calendar is not None:
            con.unregister(name)
    return frame.select(list(JUDGED_SCHEMA)).cast(JUDGED_SCHEMA)  # type: ignore[arg-type]


def read_working_calendar(
    con: duckdb.DuckDBPyConnection, as_of: datetime, rules: list[StageRule], clock: ClockRules
) -> pl.DataFrame | None:
    """The calendar judge_stages builds for these stages (None in natural time or without stages)."""
    if not clock.working:
        return None
    first = con.sql("SELECT min(started_at) FROM fct_case_stage").fetchall()[0][0]
    return None if first is None else workdays.build_calendar(*calendar_span(first, as_of, rules, clock))


def read_stage_details(con: duckdb.DuckDBPyConnection, as_of: datetime, row_ids: pl.Series) -> pl.DataFrame:
    """source_system, case_id, stage_order, started_at and finished_at (as read_stages reads them) of these
    fct_case_stage rows, by row_id."""
    wanted = pl.DataFrame({"row_id": row_ids}, schema={"row_id": pl.Int64})
    name = f"sla_rows_{uuid.uuid4().hex}"
    con.register(name, wanted)
    try:
        sql = f"""
            SELECT s.rowid AS row_id, s.source_system, s.case_id, s.stage_order::BIGINT AS stage_order, s.started_at,
                CASE WHEN s.finished_at <= $as_of THEN s.finished_at END AS finished_at, s.case_type
            FROM fct_case_stage AS s
            SEMI JOIN {name} AS w ON s.rowid = w.row_id
        """
        return con.sql(sql, params={"as_of": as_of}).pl().cast({"row_id": pl.Int64, "stage_order": pl.Int64})
    finally:
        con.unregister(name)


def order_keys(department_code: pl.Series, due_at: pl.Series) -> pl.Series:
    """One int64 per stage that orders stages as (department, due time) does."""
    if due_at.is_empty():
        return pl.Series("key", [], dtype=pl.Int64)
    due = due_at.to_physical().to_numpy()
    span = int(due.max()) - int(due.min()) + 1
    if (int(department_code.max()) + 1) * span >= 2**63:  # due times centuries apart: their ranks order them too
        due = due_at.rank("dense").cast(pl.Int64).to_numpy()
        span = int(due.max()) + 1
    return pl.Series("key", department_code.cast(pl.Int64).to_numpy() * span + (due - due.min()), dtype=pl.Int64)


def mark_red_cards(con: duckdb.DuckDBPyConnection, as_of: datetime, judged: pl.DataFrame) -> pl.DataFrame:
    """The yellow rows of `judged` with their read_stage_details, in assign_cards' order, and is_red.

    A department's run of yellow stages is broken only by an on-time stage between two of them, and
    every second yellow of a run is red. So only the (few) yellow stages are put in assign_cards' order
    (department, due time, source_system, case_id, stage_order); for each two consecutive ones a binary
    search in the sorted on-time keys tells whether an on-time stage falls due in between. Only on-time
    stages due at the very moment of a yellow one of their department need their case to be placed.
    """
    key = order_keys(judged["department_code"], judged["due_at"])
    is_yellow = judged["is_yellow"]
    yellow = judged.filter(is_yellow).with_columns(key=key.filter(is_yellow))
    yellow_keys = yellow["key"].sort().to_numpy()
    on_time_keys = key.filter(~is_yellow).sort().to_numpy()
    before = np.searchsorted(on_time_keys, yellow_keys, "left")
    up_to = np.searchsorted(on_time_keys, yellow_keys, "right")
    separated = np.zeros(yellow_keys.size + 1, dtype=bool)  # [i]: an on-time stage between yellow i-1 and i
    separated[1:-1] = before[1:] > up_to[:-1]
    is_tied = ~is_yellow & key.is_in(pl.Series(yellow_keys[up_to > before]).implode())
    tied = pl.DataFrame({"row_id": judged["row_id"].filter(is_tied), "key": key.filter(is_tied), "is_yellow": False})
    ranked = (
        pl.concat([yellow, tied], how="diagonal")
        .join(read_stage_details(con, as_of, pl.concat([yellow["row_id"], tied["row_id"]])), on="row_id", how="left")
        .sort("key", "source_system", "case_id", "stage_order")
        .with_columns(yellows_before=pl.col("is_yellow").cast(pl.Int64).cum_sum() - pl.col("is_yellow").cast(pl.Int64))
    )
    separated[ranked.filter(~pl.col("is_yellow"))["yellows_before"].to_numpy()] = True
    ordered = ranked.filter(pl.col("is_yellow")).drop("key", "yellows_before")
    codes = ordered["department_code"].to_numpy()
    starts = separated[:-1] | np.r_[True, codes[1:] != codes[:-1]][: codes.size]  # a department's first: a new run
    position = np.arange(codes.size)
    run_start = np.maximum.accumulate(np.where(starts, position, 0)) if codes.size else position
    return ordered.with_columns(is_red=pl.Series((position - run_start) % 2 == 1, dtype=pl.Boolean))


# A stage row as read (STAGE_SCHEMA), judged and carded.
YELLOW_SCHEMA: dict[str, pl.DataType] = {
    **STAGE_SCHEMA,
    "sla_minutes": pl.Float64(),
    "anchor": pl.String(),
    "due_at": pl.Datetime("us"),
    "state": pl.String(),
    "duration_minutes": pl.Float64(),
    "late_minutes": pl.Float64(),
    "is_open": pl.Boolean(),
    "quarter": pl.String(),
    "is_yellow": pl.Boolean(),
    "is_red": pl.Boolean(),
}


def _rule_frame(rules: list[StageRule]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "stage_idx": list(range(len(rules))),
            "stage": [r.stage for r in rules],
            "sla_minutes": [r.minutes for r in rules],
            "anchor": [r.anchor for r in rules],
        },
        schema={"stage_idx": pl.Int32, "stage": pl.String, "sla_minutes": pl.Float64, "anchor": pl.String},
    )


def describe_yellow_stages(
    marked: pl.DataFrame, rules: list[StageRule], known: Departments, as_of: datetime, clock: ClockRules
) -> pl.DataFrame:
    """mark_red_cards' rows as judge_stages + assign_cards describe them (YELLOW_SCHEMA), latest due first."""
    finished, due = pl.col("finished_at"), pl.col("due_at")
    by_type = pl.DataFrame(
        {"case_type": list(clock.decision_by_case_type), "type_minutes": list(clock.decision_by_case_type.values())},
        schema={"case_type": pl.String, "type_minutes": pl.Float64},
    )
    return (
        marked.join(_rule_frame(rules), on="stage_idx", how="left")
        .join(by_type, on="case_type", how="left")
        .join(known.frame(), on="department_code", how="left")
        .with_columns(
            sla_minutes=pl.when(pl.col("stage") == DECISION_STAGE)
            .then(pl.coalesce("type_minutes", "sla_minutes"))
            .otherwise(pl.col("sla_minutes")),
            state=pl.lit(YELLOW),
            duration_minutes=pl.col("duration_s") / 60,
            late_minutes=(pl.coalesce(finished, pl.lit(as_of)) - due).dt.total_seconds() / 60,
            is_open=finished.is_null(),
            quarter=pl.format("{}Q{}", due.dt.year(), due.dt.quarter()),
            is_yellow=pl.lit(True),
        )
        .select(list(YELLOW_SCHEMA))
        .cast(YELLOW_SCHEMA)  # type: ignore[arg-type]
        # a stable sort by due time of assign_cards' order
        .sort(
            ["due_at", "department", "source_system", "case_id", "stage_order"],
            descending=[True, False, False, False, False],
        )
    )


def count_cards(judged: pl.DataFrame, marked: pl.DataFrame, known: Departments) -> pl.DataFrame:
    """summarise_cards from the judged rows (judged, on time, yellow, still open) and the marked ones (red)."""
    keys = ["department_code", "quarter_key"]
    counts = judged.group_by(keys).agg(
        judged=pl.len(),
        on_time=(~pl.col("is_yellow")).sum(),
        yellow=pl.col("is_yellow").sum(),
        yellow_open=(pl.col("is_yellow") & pl.col("duration_s").is_null()).sum(),
    )
    red = marked.group_by(keys).agg(red=pl.col("is_red").sum())
    return order_cards(
        counts.join(red, on=keys, how="left")
        .join(known.frame(), on="department_code", how="left")
        .with_columns(
            pl.col("red").fill_null(0),
            quarter=pl.format("{}Q{}", pl.col("quarter_key") // 10, pl.col("quarter_key") % 10),
        )
    )


def count_stage_figures(judged: pl.DataFrame, rules: list[StageRule]) -> pl.DataFrame:
    """summarise_stages from the judged rows."""
    stats = (
        judged.select("stage_idx", "is_yellow", minutes=pl.col("duration_s") / 60)
        .group_by("stage_idx")
        .agg(
            judged=pl.len(),
            on_time=(~pl.col("is_yellow")).sum(),
            yellow=pl.col("is_yellow").sum(),
            yellow_open=(pl.col("is_yellow") & pl.col("minutes").is_null()).sum(),
            median_minutes=pl.col("minutes").median(),
            p90_minutes=pl.col("minutes").quantile(0.9, interpolation="linear"),
        )
        .join(_rule_frame(rules).select("stage_idx", "stage"), on="stage_idx")
        .drop("stage_idx")
    )
    return format_stage_summary(stats, rules)


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
