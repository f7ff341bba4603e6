"""What the 预警 page shows, built from the same JSON as `python -m dashboard alerts --json`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from dashboard.engine.alerts import NEW_PAIR


def describe_high_frequency(alert: dict[str, Any], thresholds: dict[str, Any]) -> str:
    """One Chinese sentence of evidence: current, baseline, ratio against the rule."""
    ratio = NEW_PAIR if alert["ratio"] is None else f"{alert['ratio']:.2f} 倍"
    return (
        f"{alert['month']} 共 {alert['current']} 件，前 {alert['baseline_months']} 个月月均 "
        f"{alert['baseline_mean']:.1f} 件，为基线的 {ratio}"
        f"（规则：≥ {thresholds['high_frequency_ratio']:g} 倍且 ≥ {thresholds['high_frequency_min_cases']} 件）"
    )


def describe_surge(alert: dict[str, Any], thresholds: dict[str, Any]) -> str:
    sigma = "—" if alert["sigma"] is None else f"{alert['sigma']:.1f}"
    return (
        f"{alert['week_start']}～{alert['week_end']} 共 {alert['current']} 件，前 {alert['baseline_weeks']} 周周均 "
        f"{alert['baseline_mean']:.1f} 件、标准差 {alert['baseline_sd']:.1f}，高出 {sigma} 个标准差"
        f"（规则：超过 {thresholds['surge_sigma']:g} 个标准差且 ≥ {thresholds['surge_min_cases']} 件）"
    )


def build_high_frequency_table(payload: dict[str, Any]) -> pl.DataFrame:
    """The alerts of the JSON as a table with Chinese headers (numbers unformatted: the table sorts them)."""
    rows = payload["high_frequency"]
    return pl.DataFrame(
        {
            "产品": [a["product"] for a in rows],
            "问题类型": [a["issue"] for a in rows],
            "月份": [a["month"] for a in rows],
            "本月件数": [a["current"] for a in rows],
            "基线月均": [a["baseline_mean"] for a in rows],
            "倍数": [a["ratio"] for a in rows],
            "预警线": [a["threshold"] for a in rows],
        },
        schema={
            "产品": pl.String,
            "问题类型": pl.String,
            "月份": pl.String,
            "本月件数": pl.Int64,
            "基线月均": pl.Float64,
            "倍数": pl.Float64,
            "预警线": pl.Float64,
        },
    )


def build_surge_table(payload: dict[str, Any]) -> pl.DataFrame:
    rows = payload["surges"]
    return pl.DataFrame(
        {
            "省份": [a["province"] for a in rows],
            "周": [f"{a['week_start']}～{a['week_end']}" for a in rows],
            "本周件数": [a["current"] for a in rows],
            "基线周均": [a["baseline_mean"] for a in rows],
            "标准差": [a["baseline_sd"] for a in rows],
            "偏离（σ）": [a["sigma"] for a in rows],
            "预警线": [a["threshold"] for a in rows],
        },
        schema={
            "省份": pl.String,
            "周": pl.String,
            "本周件数": pl.Int64,
            "基线周均": pl.Float64,
            "标准差": pl.Float64,
            "偏离（σ）": pl.Float64,
            "预警线": pl.Float64,
        },
    )


def describe_scope(payload: dict[str, Any]) -> str:
    """What was checked, for the caption under the title."""
    if payload["month"] is None:
        return ""
    baseline = payload["baseline_months"]
    weeks = payload["weeks_checked"]
    base = f"{baseline[0]} 至 {baseline[-1]}" if baseline else "无（数据不足一个月）"
    return (
        f"数据截至 {payload['as_of']}。高频投诉看 {payload['month']}（基线 {base}）；"
        f"区域激增看 {weeks[0]} 起的 {len(weeks)} 个完整周（周一至周日），每周对比其前 "
        f"{payload['thresholds']['surge_baseline_weeks']} 周。期间筛选不适用，其余筛选适用。"
    )


@dataclass(frozen=True)
class AlertSection:
    """One block of the 预警 page: its rule, the alerts as a table, and one evidence card per alert."""

    kind: str  # high_frequency | surge (which chart each card draws)
    title: str
    anchor: str
    rule: str
    all_clear: str  # shown instead of the table when nothing was flagged
    table: pl.DataFrame
    number_formats: dict[str, str] = field(default_factory=dict)  # column -> printf format
    column_help: dict[str, str] = field(default_factory=dict)
    cards: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)  # (heading, evidence, alert)

    @property
    def key(self) -> str:
        return f"alerts-{'high' if self.kind == 'high_frequency' else 'surge'}"


def build_sections(payload: dict[str, Any]) -> list[AlertSection]:
    """高频投诉研判 then 区域激增, in the words of the rules in settings.toml [alerts]."""
    limits = payload["thresholds"]
    return [
        AlertSection(
            kind="high_frequency",
            title="高频投诉研判",
            anchor="high-frequency",
            rule=f"产品 × 问题类型：最近一个完整月件数 ≥ 前 {limits['high_frequency_baseline_months']} 个月月均的 "
            f"{limits['high_frequency_ratio']:g} 倍，且 ≥ {limits['high_frequency_min_cases']} 件。",
            all_clear="没有达到高频投诉条件的产品与问题。",
            table=build_high_frequency_table(payload),
            number_formats={"基线月均": "%.1f", "倍数": "%.2f 倍", "预警线": "%.1f"},
            column_help={"倍数": "空白表示基线为 0（新出现）"},
            cards=[
                (f"{a['product']} · {a['issue']}", describe_high_frequency(a, limits), a)
                for a in payload["high_frequency"]
            ],
        ),
        AlertSection(
            kind="surge",
            title="区域激增",
            anchor="regional-surge",
            rule=f"省份周投诉量超过其前 {limits['surge_baseline_weeks']} 周均值 {limits['surge_sigma']:g} 个标准差"
            f"（恰好等于不算），且 ≥ {limits['surge_min_cases']} 件。",
            all_clear="最近几个完整周没有省份出现激增。",
            table=build_surge_table(payload),
            number_formats={"基线周均": "%.1f", "标准差": "%.1f", "偏离（σ）": "%.1f", "预警线": "%.1f"},
            cards=[(a["province"], describe_surge(a, limits), a) for a in payload["surges"]],
        ),
    ]
