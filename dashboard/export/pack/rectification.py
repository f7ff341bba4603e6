"""The pack's 溯源整改 section: what was found, how much is fixed, what is overdue, which fixes worked.

Written from the same report as `python -m dashboard rectification --json` (dashboard/engine/rectification.py): every
figure in the sentences and the table is one of its numbers. No ledger in the warehouse, no section.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from dashboard.engine.filters import Filters
from dashboard.engine.formatting import format_percent
from dashboard.engine.periods import Period
from dashboard.engine.rectification import (
    VERDICTS,
    EffectRules,
    RectificationReport,
    compute_rectification,
    has_defect_ledger,
)

EFFECT_HEADER = ["缺陷编号", "产品·问题", "完成日期", "完成前", "完成后", "变化", "成效"]
NAMED_OVERDUE = 3  # overdue defects named in the sentence; the count covers the rest


@dataclass(frozen=True)
class RectificationSection:
    paragraphs: list[str]
    rows: list[list[str]] = field(default_factory=list)
    note: str = ""


def _counts(counts: dict[str, int]) -> str:
    return "、".join(f"{key}{n}项" for key, n in counts.items())


def _effect_text(row: dict) -> str:
    change = (
        ""
        if row["change"] is None
        else f"，{'下降' if row['change'] < 0 else '上升'}{format_percent(abs(row['change']))}"
    )
    return f"{row['defect_id']}（{row['pairs']}，前{row['before']}件→后{row['after']}件{change}）"


def describe_rectification(report: RectificationReport, rules: EffectRules) -> list[str]:
    """The paragraphs, in reading order, from the report's numbers."""
    found = report.defects.height
    paragraphs = []
    if found:
        rate = report.completion_rate or 0.0
        paragraphs.append(
            f"本期通过投诉溯源发现内部缺陷{found}项，其中{_counts(report.breakdowns['by_type'])}；"
            f"整改措施为{_counts(report.breakdowns['by_measure'])}。截至期末已完成整改{report.completed}项，"
            f"整改完成率{format_percent(rate)}。"
        )
    else:
        paragraphs.append("本期未发现新的内部缺陷。")
    overdue = report.overdue
    if overdue.height:
        named = "、".join(
            f"{r['defect_id']}（{r['department']}，期限{r['due_date']:%Y-%m-%d}）"
            for r in overdue.head(NAMED_OVERDUE).iter_rows(named=True)
        )
        more = "等" if overdue.height > NAMED_OVERDUE else ""
        paragraphs.append(f"逾期未整改的缺陷{overdue.height}项：{named}{more}，请督促责任部门加快整改。")
    else:
        paragraphs.append("截至期末没有逾期未整改的缺陷。")
    if report.traced_rate is not None:
        paragraphs.append(
            f"本期受理的投诉中，{report.linked_cases}件已溯源至内部缺陷，溯源率{format_percent(report.traced_rate)}。"
        )
    effects = report.effects.to_dicts()
    worked = [e for e in effects if e["verdict"] == "worked"]
    not_worked = [e for e in effects if e["verdict"] == "not_worked"]
    if not effects:
        paragraphs.append(f"整改成效方面，本期没有完成满{rules.window_days}天可评估的整改。")
        return paragraphs
    sentence = (
        f"整改成效方面，本期可评估的整改{len(effects)}项（完成前后各{rules.window_days}天同类投诉对比）："
        f"见效{len(worked)}项" + (f"，{'、'.join(_effect_text(e) for e in worked)}" if worked else "")
    )
    sentence += f"；未见效{len(not_worked)}项" + (
        f"，{'、'.join(_effect_text(e) for e in not_worked)}，需复查整改措施" if not_worked else ""
    )
    paragraphs.append(sentence + "。")
    return paragraphs


def effect_rows(report: RectificationReport) -> list[list[str]]:
    return [
        [
            e["defect_id"],
            e["pairs"],
            e["completed_date"].isoformat(),
            f"{e['before']:,}",
            f"{e['after']:,}",
            "—" if e["change"] is None else format_percent(e["change"]),
            VERDICTS[e["verdict"]],
        ]
        for e in report.effects.to_dicts()
    ]


def build_rectification_section(
    con: duckdb.DuckDBPyConnection, period: Period, filters: Filters | None = None
) -> RectificationSection | None:
    """The section for `period`, or None when the warehouse has no defect ledger."""
    if not has_defect_ledger(con):
        return None
    rules = EffectRules.from_settings()
    report = compute_rectification(con, period, filters, rules)
    note = (
        f"整改成效：完成日期前后各{rules.window_days}天、该缺陷关联投诉的产品×问题类型上的投诉量；"
        f"下降{format_percent(rules.worked_drop)}及以上为见效。口径见溯源整改页。"
    )
    return RectificationSection(describe_rectification(report, rules), effect_rows(report), note)
