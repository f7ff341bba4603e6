"""考核 rules from settings.toml [scorecard]: the units scored, each kind's KPI weights, targets, red-card deduction.

METRICS.md "Scorecard": attainment per KPI against its target, weights per unit kind, a deduction per red
card. Targets are the cockpit's own ([targets], the figures leadership already reads on the cards): one target
per metric, declared once. `[scorecard.targets]` may still override one for the 考核 only.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from dashboard.engine.metrics import KPI_IDS, get_metric, targets
from warehouse.settings import setting

# Unit kind -> (KPI engine dimension, Chinese name). 机构 is the case's 承办机构 (fct_complaint.branch_key).
UNIT_KINDS: dict[str, tuple[str, str]] = {
    "department": ("department", "处理部门"),
    "branch": ("branch", "机构"),
    "province": ("province", "省份"),
}
# The leadership team (领导班子) answers for the whole bank: one unit, the headline figures.
LEADERSHIP = "leadership"
LEADERSHIP_KEY = "全行"
LEADERSHIP_NAME = "领导班子（全行）"
# Red cards are a 处理部门's (METRICS.md "SLA cards"): only departments lose points or are grey-listed.
CARDED_KINDS = ("department",)

# Seed 000: these three weigh at least 20% of every unit's KPI; 一次性化解率 is 10% of the leadership team's.
OUTCOME_KPIS = ("one_time_resolution_rate", "mediation_success_rate", "satisfaction_rate")
MIN_OUTCOME_SHARE = 0.20
LEADERSHIP_RESOLUTION_SHARE = 0.10
_TOLERANCE = 1e-9

RULE_SCHEMA: dict[str, pl.DataType] = {
    "unit": pl.String(),
    "kpi": pl.String(),
    "weight": pl.Float64(),
    "target": pl.Float64(),
    "lower_is_better": pl.Boolean(),
}


@dataclass(frozen=True)
class ScorecardRules:
    weights: dict[str, dict[str, float]]  # unit kind (incl. leadership) -> KPI id -> weight
    targets: dict[str, float]  # KPI id -> target value
    red_card_deduction: float

    def kpis(self, unit: str) -> list[str]:
        return list(self.weights.get(unit, {}))

    def frame(self) -> pl.DataFrame:
        """One row per (unit kind, KPI): weight, target (NULL without one) and direction (RULE_SCHEMA)."""
        rows = [
            {
                "unit": unit,
                "kpi": kpi,
                "weight": weight,
                "target": self.targets.get(kpi),
                "lower_is_better": bool(get_metric(kpi).lower_is_better),
            }
            for unit, weights in self.weights.items()
            for kpi, weight in weights.items()
        ]
        return pl.DataFrame(rows, schema=RULE_SCHEMA)


def read_rules() -> ScorecardRules:
    """The rules of settings.toml [scorecard] (ValueError, in Chinese, for a KPI the scorecard cannot use)."""
    section = setting("scorecard", default={}) or {}
    weights: dict[str, dict[str, float]] = {}
    for unit, table in (section.get("weights") or {}).items():
        if unit not in UNIT_KINDS and unit != LEADERSHIP:
            raise ValueError(
                f"settings.toml [scorecard.weights.{unit}]：未知的考核单位类型（可用：department、branch、province、leadership）"
            )
        weights[unit] = {str(kpi): float(w) for kpi, w in table.items()}
        for kpi, weight in weights[unit].items():
            if kpi not in KPI_IDS or get_metric(kpi).lower_is_better is None:
                raise ValueError(f"settings.toml [scorecard.weights.{unit}] 中的 {kpi!r} 不是有方向的指标，不能考核")
            if weight < 0:
                raise ValueError(f"settings.toml [scorecard.weights.{unit}] 中 {kpi} 的权重不能为负数")
    found = {t.metric_id: t.target for t in targets().values() if t.field == "value"}
    found.update({str(k): float(v) for k, v in (section.get("targets") or {}).items()})
    return ScorecardRules(weights, found, float(section.get("red_card_deduction", 0.0)))


def check_rules(rules: ScorecardRules) -> list[str]:
    """Where the weights depart from seed 000 (shown on the page; the scorecard is still computed)."""
    problems: list[str] = []
    for unit, weights in rules.weights.items():
        total = sum(weights.values())
        name = LEADERSHIP_NAME if unit == LEADERSHIP else UNIT_KINDS[unit][1]
        if total <= 0:
            problems.append(f"{name}：权重之和为 0")
            continue
        outcome = sum(weights.get(k, 0.0) for k in OUTCOME_KPIS) / total
        if outcome < MIN_OUTCOME_SHARE - _TOLERANCE:
            problems.append(f"{name}：一次性化解率、调解成功率、回访满意率合计 {outcome:.0%}，低于 20%")
        if unit == LEADERSHIP and abs(weights.get("one_time_resolution_rate", 0.0) / total - 0.10) > _TOLERANCE:
            problems.append(f"{name}：一次性化解率权重应为 10%")
    for kpi in sorted({k for w in rules.weights.values() for k in w} - set(rules.targets)):
        problems.append(f"{get_metric(kpi).name_zh}没有目标值，不计入得分（在 settings.toml [targets] 中设置）")
    return problems
