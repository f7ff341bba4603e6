"""The demo's 内部缺陷清单 (--kind defects): defects traced from complaints, and their rectification.

About 30 defects a year, each found on a busy product × issue with a handful of that pair's recent complaints
linked (mostly 关联案件 on the ledger, some 缺陷编号 on the case); most are rectified before their 整改期限, a few
late, a few still open past it. Two fixes are planted so that 整改成效 has a story in the last complete quarter:
one that worked (most later complaints on its pair stop: they are relabelled to another issue of the product, so
volumes and every other figure stay as drawn) and one that did not (its pair's complaints did not fall).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl

from warehouse.demo.seasons import DemoPeriod

PER_YEAR = 30
LINKED_MIN, LINKED_MAX = 3, 12  # complaints linked to a defect
LINK_LOOKBACK_DAYS = 60  # linked complaints were received in the days before the defect was found
CASE_SIDE_SHARE = 0.2  # defects whose links are written on the cases (缺陷编号) instead of the ledger
ON_TIME, LATE = 0.86, 0.08  # of defects already due at the cut-off (the rest are overdue, still open)
EFFECT_DAYS = 90
WORKED_SHARE = 0.8  # of the planted fix's pair's later complaints that stop
OUTAGE_PAIR = ("手机银行", "系统故障")  # the alert's planted outage: left alone
TYPES = {  # type -> (root causes, measures, how the description starts)
    "制度缺陷": (("制度缺失", "人员操作"), ("修订制度", "培训"), "制度条款未覆盖"),
    "系统漏洞": (("系统设计缺陷", "第三方"), ("优化系统功能", "优化系统功能", "其他"), "系统功能缺陷导致"),
    "流程断点": (("流程衔接", "人员操作"), ("关闭流程断点", "培训"), "流程衔接不畅导致"),
}
TYPE_WEIGHTS = np.array([0.4, 0.3, 0.3])
SCHEMA = {
    **{name: pl.String for name in ("defect_id", "defect_type", "description", "root_cause", "department")},
    **{"found_date": pl.Date, "due_date": pl.Date, "status": pl.String, "completed_date": pl.Date},
    **{"measure": pl.String, "case_ids": pl.String},
}


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _pair_counts(cases: pl.DataFrame) -> pl.DataFrame:
    counts = cases.group_by("product", "issue").len().sort(["len", "product", "issue"], descending=[True, False, False])
    return counts.filter((pl.col("product") != OUTAGE_PAIR[0]) | (pl.col("issue") != OUTAGE_PAIR[1]))


def _window_counts(days: np.ndarray, completed: date) -> tuple[int, int]:
    """Complaints in the EFFECT_DAYS before and after `completed` (the day itself in neither)."""
    ordinal = completed.toordinal()
    before = int(((days >= ordinal - EFFECT_DAYS) & (days < ordinal)).sum())
    after = int(((days > ordinal) & (days <= ordinal + EFFECT_DAYS)).sum())
    return before, after


class _Ledger:
    """Rows of the ledger being drawn, and the cases' 缺陷编号 links."""

    def __init__(self, rng: np.random.Generator, cases: pl.DataFrame, cutoff: date) -> None:
        self.rng, self.cutoff, self.rows = rng, cutoff, []
        self.case_links: dict[str, list[str]] = {}
        days = cases["received_at"].dt.date().to_physical().to_numpy() + date(1970, 1, 1).toordinal()
        self.by_pair = {
            (key[0], key[1]): (frame["case_id"].to_numpy(), days[frame["row"].to_numpy()], frame["department"])
            for key, frame in cases.with_row_index("row").group_by("product", "issue")
        }

    def add(self, pair: tuple[str, str], found: date, due: date, completed: date | None, kind: str) -> None:
        rng = self.rng
        ids, days, departments = self.by_pair[pair]
        recent = ids[(days < found.toordinal()) & (days >= found.toordinal() - LINK_LOOKBACK_DAYS)]
        size = min(len(recent), int(rng.integers(LINKED_MIN, LINKED_MAX + 1)))
        linked = sorted(rng.choice(recent, size=size, replace=False).tolist()) if size else []
        defect_id = f"QX{found:%Y%m}{len(self.rows) + 1:03d}"
        causes, measures, opening = TYPES[kind]
        on_cases = rng.random() < CASE_SIDE_SHARE
        for case_id in linked if on_cases else []:
            self.case_links.setdefault(case_id, []).append(defect_id)
        status = "整改中" if completed is None else ("已验收" if (self.cutoff - completed).days > 30 else "已完成")
        if completed is None and found + timedelta(days=7) > self.cutoff:
            status = "未开始"
        self.rows.append(
            {
                "defect_id": defect_id,
                "defect_type": kind,
                "description": f"{opening}{pair[0]}“{pair[1]}”类投诉反复发生",
                "root_cause": causes[int(rng.integers(0, len(causes)))],
                "department": departments.mode().sort()[0] or "消费者权益保护部",
                "found_date": found,
                "due_date": due,
                "status": status,
                "completed_date": completed,
                "measure": measures[int(rng.integers(0, len(measures)))],
                "case_ids": None if on_cases else "；".join(linked) or None,
            }
        )

    def draw_one(self, pair: tuple[str, str], found: date) -> None:
        rng = self.rng
        due = found + timedelta(days=int(rng.integers(30, 91)))
        kind = str(rng.choice(list(TYPES), p=TYPE_WEIGHTS))
        if due < self.cutoff:
            roll = rng.random()
            if roll < ON_TIME:
                completed = found + timedelta(days=int(rng.integers(10, (due - found).days + 1)))
            elif roll < ON_TIME + LATE:
                completed = due + timedelta(days=int(rng.integers(5, 41)))
            else:
                completed = None
        else:
            completed = found + timedelta(days=int(rng.integers(10, 60))) if rng.random() < 0.3 else None
        self.add(pair, found, due, completed if completed is not None and completed < self.cutoff else None, kind)


def draw_defects(
    rng: np.random.Generator, cases: pl.DataFrame, period: DemoPeriod
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(cases with 缺陷编号 and the planted fix's relabelled issues, the defect ledger)."""
    pairs = _pair_counts(cases)
    if pairs.height < 3:  # a toy demo of a handful of cases: no ledger to speak of
        return cases, pl.DataFrame(schema=SCHEMA)
    quarter = _quarter_start(period.last_month) - timedelta(days=1)  # the last complete quarter's last day
    judged_from = _quarter_start(quarter) - timedelta(days=EFFECT_DAYS)  # completions judged in that quarter
    # The planted fix that worked: the busiest pair, fixed early in the window; most later complaints stop.
    worked_pair = (pairs["product"][0], pairs["issue"][0])
    worked_on = judged_from + timedelta(days=20)
    other_issue = (
        pairs.filter((pl.col("product") == worked_pair[0]) & (pl.col("issue") != worked_pair[1]))["issue"].first()
        or pairs["issue"][1]
    )
    after = pl.col("received_at").dt.date() > worked_on
    stops = (
        (pl.col("product") == worked_pair[0])
        & (pl.col("issue") == worked_pair[1])
        & after
        & pl.Series(rng.random(cases.height) < WORKED_SHARE)
    )
    cases = cases.with_columns(pl.when(stops).then(pl.lit(other_issue)).otherwise(pl.col("issue")).alias("issue"))
    ledger = _Ledger(rng, cases, period.end)
    ledger.add(worked_pair, worked_on - timedelta(days=45), worked_on + timedelta(days=10), worked_on, "制度缺陷")
    # The fix that did not work: among the next busiest pairs and the days judged in the quarter, the one whose
    # complaints rose most after it (after ≥ before: nothing stopped).
    candidates = []
    for product, issue in pairs.select("product", "issue").slice(1, 5).iter_rows():
        if (product, issue) == worked_pair or issue == other_issue and product == worked_pair[0]:
            continue
        days = ledger.by_pair[(product, issue)][1]
        for offset in range(10, (quarter - judged_from).days - EFFECT_DAYS + 80, 5):
            day = judged_from + timedelta(days=offset)
            before, after_n = _window_counts(days, day)
            if before and day + timedelta(days=EFFECT_DAYS) <= quarter:
                candidates.append((after_n / before, -offset, (product, issue), day))
    if candidates:
        _, _, pair, day = max(candidates)
        ledger.add(pair, day - timedelta(days=40), day + timedelta(days=5), day, "系统漏洞")
    # The rest: about PER_YEAR a year, found on busy pairs (weighted by volume) at random days of the window.
    count = max(1, round(PER_YEAR * period.days / 365))
    weights = pairs["len"].head(30).to_numpy().astype(float)
    start = period.start + timedelta(days=LINK_LOOKBACK_DAYS)
    for pick, offset in zip(
        rng.choice(len(weights), size=count, p=weights / weights.sum()),
        np.sort(rng.integers(0, (period.end - start).days, count)),
        strict=True,
    ):
        ledger.draw_one((pairs["product"][int(pick)], pairs["issue"][int(pick)]), start + timedelta(days=int(offset)))
    links = pl.DataFrame(
        {"case_id": list(ledger.case_links), "defect_ids": ["；".join(v) for v in ledger.case_links.values()]},
        schema={"case_id": pl.String, "defect_ids": pl.String},
    )
    cases = cases.drop("defect_ids").join(links, on="case_id", how="left", maintain_order="left").select(cases.columns)
    frame = pl.DataFrame(ledger.rows, schema=SCHEMA).sort("found_date", "defect_id")
    return cases, frame
