"""The pack's 考核 section: the departments' ranking for the period with the grey list, and sentences written
from the same numbers as `python -m dashboard scorecard --json` (published quarter or computed now)."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from dashboard.engine.periods import Period
from dashboard.engine.scorecard_rules import LEADERSHIP
from dashboard.engine.scorecard_store import load_scorecard
from dashboard.views.scorecard_view import format_rank_change, format_score, summarise_scorecard

HEADER = ["排名", "处理部门", "得分", "名次变化", "红牌", "灰名单"]


@dataclass(frozen=True)
class ScorecardPack:
    paragraphs: list[str]
    rows: list[list[str]]
    note: str


def build_scorecard_pack(con: duckdb.DuckDBPyConnection, period: Period) -> ScorecardPack:
    """Narrative (departments, then provinces in one sentence) and the departments' ranking table."""
    departments = load_scorecard(con, "department", period)
    provinces = load_scorecard(con, "province", period)
    leadership = load_scorecard(con, LEADERSHIP, period)
    paragraphs = summarise_scorecard(departments, period, leadership)
    ranked = [r for r in provinces.to_json()["rows"] if r["score"] is not None]
    if ranked:
        top = "、".join(f"{r['key']}（{format_score(r['score'])}分）" for r in ranked[:3])
        paragraphs.append(
            f"分省份看，{top}得分居前，{ranked[-1]['key']}最低（{format_score(ranked[-1]['score'])}分）。"
        )
    rows = [
        [
            "—" if r["rank"] is None else str(r["rank"]),
            r["key"],
            format_score(r["score"]),
            format_rank_change(r["rank_change"]),
            str(r["red_cards"] or 0),
            "是" if r["grey_listed"] else "",
        ]
        for r in departments.to_json()["rows"]
    ]
    state = "已发布的季度考核结果" if departments.published_at else "按当前数据计算（本期尚未发布）"
    note = (
        f"{state}。得分 = 100 × Σ 权重 × 达成度 / Σ 权重 − 每张红牌 {departments.red_card_deduction:g} 分；"
        "灰名单：连续两个季度出现红牌。权重与目标见考核排名页。"
    )
    return ScorecardPack(paragraphs, rows, note)
