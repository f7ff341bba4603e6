"""What the 考核 page and the committee pack show of a scorecard: Chinese tables and sentences from its numbers.

Formatting is plain Python over small frames (never a Polars callback: docs/design.md "Concurrent sessions").
"""

from __future__ import annotations

from typing import Any

import polars as pl

from dashboard.engine.formatting import MISSING, format_percent, format_value
from dashboard.engine.metrics import get_metric
from dashboard.engine.periods import Period
from dashboard.engine.scorecard import Scorecard
from dashboard.engine.scorecard_rules import CARDED_KINDS, UNIT_KINDS


def format_score(score: float | None) -> str:
    return MISSING if score is None else f"{score:.2f}"


def format_rank_change(change: int | None) -> str:
    """↑2 (moved up two places), ↓1, 持平; — for a unit not ranked in the previous period."""
    if change is None:
        return MISSING
    if change == 0:
        return "持平"
    return f"↑{change}" if change > 0 else f"↓{-change}"


def unit_name(unit: str) -> str:
    return UNIT_KINDS[unit][1]


def build_rank_table(card: Scorecard) -> pl.DataFrame:
    """排名, 名次变化, unit, 得分, 红牌, 灰名单, 投诉量, then each KPI in display units (rates in %)."""
    payload = card.to_json()
    kpis = card.rules["kpi"].to_list()
    carded = card.unit in CARDED_KINDS
    columns: dict[str, list[Any]] = {
        "排名": [r["rank"] for r in payload["rows"]],
        "名次变化": [format_rank_change(r["rank_change"]) for r in payload["rows"]],
        unit_name(card.unit): [r["key"] for r in payload["rows"]],
        "得分": [r["score"] for r in payload["rows"]],
    }
    if carded:
        columns["红牌"] = [r["red_cards"] for r in payload["rows"]]
        columns["灰名单"] = ["灰名单" if r["grey_listed"] else "" for r in payload["rows"]]
    columns["投诉量"] = [r["volume"] for r in payload["rows"]]
    for kpi in kpis:
        metric = get_metric(kpi)
        columns[metric.name_zh] = [format_value(r["kpis"].get(kpi), metric.unit) for r in payload["rows"]]
    schema = {"排名": pl.Int64, "得分": pl.Float64, "投诉量": pl.Int64}
    if carded:
        schema["红牌"] = pl.Int64
    return pl.DataFrame(columns, schema_overrides=schema)


def build_attainment_table(card: Scorecard) -> pl.DataFrame:
    """unit, then each KPI's attainment (达成度, 0–100%); — where the KPI has no value or target."""
    payload = card.to_json()
    columns: dict[str, list[Any]] = {unit_name(card.unit): [r["key"] for r in payload["rows"]]}
    for kpi in card.rules["kpi"].to_list():
        columns[get_metric(kpi).name_zh] = [format_percent(r["attainment"].get(kpi), 0) for r in payload["rows"]]
    return pl.DataFrame(columns)


def build_rules_table(card: Scorecard) -> pl.DataFrame:
    """指标, 权重, 目标, 方向: the rules the scorecard was computed with (as published, for a snapshot)."""
    rows = []
    for record in card.rules.iter_rows(named=True):
        metric = get_metric(record["kpi"])
        rows.append(
            {
                "指标": metric.name_zh,
                "权重": format_percent(record["weight"], 0),
                "目标": format_value(record["target"], metric.unit) if record["target"] is not None else "未设",
                "方向": "越低越好" if record["lower_is_better"] else "越高越好",
            }
        )
    return pl.DataFrame(rows, schema={"指标": pl.String, "权重": pl.String, "目标": pl.String, "方向": pl.String})


def describe_state(card: Scorecard) -> str:
    """Whether the figures are the published snapshot or computed now."""
    if card.published_at is not None:
        return f"已于 {card.published_at:%Y-%m-%d %H:%M} 发布：排名按发布时的数据与规则，之后补录的数据不改变本期排名。"
    return "本期尚未发布（季度未结束或尚未运行发布），以下为按当前数据实时计算的结果。"


def describe_rules(card: Scorecard) -> str:
    deduction = (
        f"每张红牌扣 {card.red_card_deduction:g} 分" if card.unit in CARDED_KINDS else "红牌只计入处理部门的得分"
    )
    return (
        "达成度 = min(1, 实际值 / 目标值)，越低越好的指标为 min(1, 目标值 / 实际值)；得分 = 100 × Σ 权重 × 达成度 / Σ 权重"
        f"（没有数值或目标的指标不计，其权重按比例分摊）；{deduction}。同分同名次。"
    )


def summarise_scorecard(card: Scorecard, period: Period, leadership: Scorecard | None = None) -> list[str]:
    """The pack's 考核 paragraphs: top and bottom units, grey list, biggest movers — only figures of the card."""
    rows = [r for r in card.to_json()["rows"] if r["score"] is not None]
    name = unit_name(card.unit)
    if not rows:
        return [f"本期没有可考核的{name}。"]
    paragraphs: list[str] = []
    if leadership is not None and not leadership.rows.is_empty() and leadership.rows["score"][0] is not None:
        paragraphs.append(f"领导班子（全行）考核得分{format_score(leadership.rows['score'][0])}分。")
    top = "、".join(f"{r['key']}（{format_score(r['score'])}分）" for r in rows[:3])
    sentence = f"{len(rows)}个{name}参加考核，{top}位居前列"
    if len(rows) > 3:
        last = rows[-1]
        sentence += f"；{last['key']}得分最低（{format_score(last['score'])}分）"
    paragraphs.append(sentence + "。")
    if card.unit in CARDED_KINDS:
        red = [r for r in rows if r["red_cards"]]
        if red:
            named = "、".join(f"{r['key']}{r['red_cards']}张" for r in red)
            paragraphs.append(
                f"本期红牌{sum(r['red_cards'] for r in red)}张（{named}），每张扣{card.red_card_deduction:g}分。"
            )
        grey = card.grey_listed()
        paragraphs.append(
            f"{'、'.join(grey)}连续两个季度出现红牌，列入灰名单。" if grey else "本期没有部门列入灰名单。"
        )
    moved = [r for r in rows if r["rank_change"]]
    if moved:
        best = max(moved, key=lambda r: (r["rank_change"], r["key"]))
        worst = min(moved, key=lambda r: (r["rank_change"], r["key"]))
        parts = []
        if best["rank_change"] > 0:
            parts.append(f"{best['key']}上升{best['rank_change']}位")
        if worst["rank_change"] < 0:
            parts.append(f"{worst['key']}下降{-worst['rank_change']}位")
        if parts:
            paragraphs.append("与上一季度相比，" + "，".join(parts) + "。")
    return paragraphs


def label_headline(card: Scorecard, leadership: Scorecard | None) -> list[tuple[str, str]]:
    """The page's metric row: leadership score, units scored, and for departments red cards and grey list."""
    rows = card.to_json()["rows"]
    scored = [r for r in rows if r["score"] is not None]
    lead = None if leadership is None or leadership.rows.is_empty() else leadership.rows["score"][0]
    figures = [("领导班子（全行）得分", format_score(lead)), (f"参加考核的{unit_name(card.unit)}", f"{len(scored)}")]
    if card.unit in CARDED_KINDS:
        figures.append(("本期红牌", f"{sum(r['red_cards'] or 0 for r in rows)} 张"))
        figures.append(("灰名单", f"{len(card.grey_listed())} 个"))
    return figures
