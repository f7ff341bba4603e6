"""How each case was handled: stage timings (minutes after 受理) that add up to its closing time.

A case runs 受理 → 分派 → 沟通 (first contact) while 调查 goes on → 决策 → 反馈 (the case
closes when the customer hears the decision) → 回访 → rarely 复盘. Stage clocks come
from settings.toml [sla]; most stages finish inside them, a few departments breach
them (catalog.DEPARTMENT_SLA_BREACH), and the 决策 clock is the case's (by 案件类型). A late case (past
办理时限天数) spent the extra time in 调查, which has no clock: it breaches 决策 only as its department does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from warehouse.settings import setting

DAY = 1440.0  # minutes
NEVER = 1e9  # minutes (~1,900 years): stands in for "never reached" when converting to timestamps
HANDLING_MEDIAN_DAYS, HANDLING_SIGMA = 3.0, 0.7  # cases closed on time
LATE_EXTRA_DAYS = (1.0, 20.0)  # how far past the deadline a late case closes


@dataclass
class Timeline:
    """Minutes after received_at for every stage boundary of every case (inf: never reached)."""

    accept_end: np.ndarray
    assign_end: np.ndarray
    contact_start: np.ndarray
    contact_end: np.ndarray
    decision_start: np.ndarray
    decision_end: np.ndarray
    closed: np.ndarray  # = 反馈 finished
    visit_start: np.ndarray
    visit_end: np.ndarray
    review_start: np.ndarray  # 复盘, when a case gets one
    review_end: np.ndarray

    def take(self, index: np.ndarray) -> Timeline:
        return Timeline(**{name: values[index] for name, values in vars(self).items()})


def stage_sla_minutes() -> dict[str, float]:
    return {stage: float(rule[0]) for stage, rule in setting("sla", default={}).items()}


def decision_minutes(case_type: str) -> float:
    """The 决策 clock of a case type (settings [sla_clock.decision_by_case_type], else [sla] 决策)."""
    by_type = setting("sla_clock", "decision_by_case_type", default={}) or {}
    return float(by_type.get(case_type, stage_sla_minutes().get("决策", 5 * DAY)))


def _stage_minutes(rng: np.random.Generator, sla: float | np.ndarray, breach_prob: np.ndarray) -> np.ndarray:
    count = len(breach_prob)
    within = sla * rng.uniform(0.08, 0.95, count)
    breached = sla * rng.uniform(1.05, 4.0, count)
    return np.where(rng.random(count) < breach_prob, breached, within)


def draw_timeline(
    rng: np.random.Generator,
    deadline_days: np.ndarray,
    late: np.ndarray,
    breach: np.ndarray,
    decision_minutes: np.ndarray,
) -> Timeline:
    """Stage timings consistent with each case's deadline: on-time cases close by the day before it is due.

    `breach`: each case's department's share of stages that overrun; `decision_minutes`: each case's 决策 clock.
    """
    sla = stage_sla_minutes()
    count = len(late)

    def stage(name: str, clock: float | np.ndarray | None = None) -> np.ndarray:
        minutes = np.broadcast_to(sla.get(name, DAY) if clock is None else clock, (count,))
        return _stage_minutes(rng, minutes, np.minimum(breach, 0.9))

    accept = stage("受理")
    assign = accept + stage("分派")  # 分派 starts when 受理 ends (build_events): no gap, or it eats the clock
    contact_start = assign + rng.uniform(0, 10, count)
    contact = contact_start + stage("沟通")
    decision = stage("决策", decision_minutes)
    feedback = stage("反馈")
    fixed = contact + decision + feedback

    # On time: total handling drawn log-normal, capped so the closing date is at most the due date.
    budget = (deadline_days - 1) * DAY
    target = rng.lognormal(np.log(HANDLING_MEDIAN_DAYS * DAY), HANDLING_SIGMA, count)
    investigate = np.maximum(target - fixed, 30.0)
    excess = np.maximum(fixed + investigate - budget, 0.0)
    investigate = np.maximum(investigate - excess, 30.0)
    decision = np.where(
        fixed + investigate > budget, np.maximum(budget - contact - feedback - investigate, 60.0), decision
    )

    # Late: closes 1-20 days after the due date; the investigation took the time.
    overrun = (deadline_days + rng.uniform(*LATE_EXTRA_DAYS, count)) * DAY
    investigate = np.where(late, np.maximum(overrun - contact - decision - feedback, 30.0), investigate)

    decision_start = contact + investigate
    decision_end = decision_start + decision
    closed = decision_end + feedback
    visit_end = closed + stage("回访")
    visit_start = closed + (visit_end - closed) * rng.uniform(0.1, 0.9, count)
    review_start = visit_end + rng.uniform(0.5, 3.0, count) * DAY
    review_end = review_start + rng.uniform(1.0, 10.0, count) * DAY
    return Timeline(
        accept,
        assign,
        contact_start,
        contact,
        decision_start,
        decision_end,
        closed,
        visit_start,
        visit_end,
        review_start,
        review_end,
    )


def stop_at_decision(timeline: Timeline, stuck: np.ndarray) -> None:
    """Cases stuck in 决策: nothing after it ever happens (they stay open and overdue)."""
    for name in ("decision_end", "closed", "visit_start", "visit_end", "review_start", "review_end"):
        values = getattr(timeline, name)
        values[stuck] = np.inf


def to_whole_seconds(minutes: np.ndarray) -> np.ndarray:
    """Minutes after 受理 as whole seconds (exports carry seconds); never-reached stages land far in the future."""
    return np.round(np.minimum(minutes, NEVER) * 60).astype(np.int64)


def build_events(
    case_ids: pl.Series,
    received_us: np.ndarray,
    timeline: Timeline,
    visited: np.ndarray,
    review: np.ndarray,
    cutoff_us: int,
) -> pl.DataFrame:
    """One row per case x stage reached before the cut-off; a stage still running has no finished_at."""
    always = np.ones(len(review), dtype=bool)
    stages = (
        ("受理", np.zeros(len(review)), timeline.accept_end, always),
        ("分派", timeline.accept_end, timeline.assign_end, always),
        ("调查", timeline.assign_end, timeline.decision_start, always),
        ("沟通", timeline.contact_start, timeline.contact_end, always),
        ("决策", timeline.decision_start, timeline.decision_end, always),
        ("反馈", timeline.decision_end, timeline.closed, always),
        ("回访", timeline.visit_start, timeline.visit_end, visited),
        ("复盘", timeline.review_start, timeline.review_end, review),
    )
    parts = []
    for order, (name, start, end, present) in enumerate(stages):
        start_us = received_us + to_whole_seconds(start) * 1_000_000
        index = np.flatnonzero(present & (start_us < cutoff_us))
        end_us = received_us[index] + to_whole_seconds(end[index]) * 1_000_000
        parts.append(
            pl.DataFrame(
                {
                    "row": index,
                    "order": np.full(len(index), order, dtype=np.int8),
                    "started_us": start_us[index],
                    "finished_us": np.where(end_us < cutoff_us, end_us, -1),
                }
            ).with_columns(stage=pl.lit(name))
        )
    events = pl.concat(parts).sort("row", "order")
    return events.select(
        case_ids.gather(events["row"]).alias("case_id"),
        "stage",
        pl.col("started_us").cast(pl.Datetime("us")).alias("started_at"),
        pl.when(pl.col("finished_us") >= 0).then(pl.col("finished_us")).cast(pl.Datetime("us")).alias("finished_at"),
    )
