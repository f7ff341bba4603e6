"""The metric catalog: every number the cockpit shows, described once.

Definitions quote ../shared/METRICS.md; targets come from settings.toml
[targets] (`id = [target, warning]`, or `<id>_yoy` for a target on the
year-on-year change). Status is good / warning / bad by the metric's direction.
"""

from __future__ import annotations

from dataclasses import dataclass

from warehouse.settings import setting

NO_REGULATORY_FORMULA = "监管没有规定该指标的计算公式，此处口径为本产品自定义（见指标说明）。"

STATUS_LABELS: dict[str, str] = {"good": "达标", "warning": "预警", "bad": "未达标"}
UNIT_LABELS: dict[str, str] = {
    "count": "件",
    "rate": "%",
    "per_million": "件/百万客户",
    "per_10m": "件/千万客户",
    "per_1000_branches": "件/千网点",
    "days": "天",
    "yuan": "元",
}
_TOLERANCE = 1e-12  # 19/20 must meet a 0.95 target despite binary fractions


@dataclass(frozen=True)
class Metric:
    id: str
    name_zh: str
    name_en: str
    unit: str  # count | rate | per_million | per_10m | per_1000_branches | days
    lower_is_better: bool | None  # None: neutral (a structure, not a performance)
    definition: str  # Chinese, quoting METRICS.md
    kind: str = "kpi"  # kpi (a headline card) | comparison | mix | snapshot (at the end of P)
    no_regulatory_formula: bool = False
    dimension: str | None = None  # the dimension of a mix

    def description(self) -> str:
        """Definition text for tooltips, with the no-regulatory-formula note where it applies."""
        return f"{self.definition}\n{NO_REGULATORY_FORMULA}" if self.no_regulatory_formula else self.definition


@dataclass(frozen=True)
class Target:
    metric_id: str
    field: str  # "value", "yoy" or "pop": which figure of the metric the target applies to
    target: float
    warning: float


_PERIOD_NOTE = "期间P为按中国标准时间计的左闭右开日期区间；“P内案件”指受理时间在P内的案件。"

CATALOG: tuple[Metric, ...] = (
    Metric("volume", "投诉量", "Complaint volume", "count", True, "P内受理的案件数（cases in P）。" + _PERIOD_NOTE),
    Metric(
        "yoy",
        "同比",
        "Year-on-year change",
        "rate",
        True,
        "volume(P) / volume(P − 1年) − 1；上年同期没有数据时为空。",
        kind="comparison",
    ),
    Metric(
        "pop",
        "环比",
        "Period-on-period change",
        "rate",
        True,
        "volume(P) / volume(紧邻的上一个等长期间) − 1；上一期间没有数据时为空。",
        kind="comparison",
    ),
    Metric(
        "repeat_rate",
        "重复投诉率",
        "Repeat complaint rate",
        "rate",
        True,
        "P内重复投诉案件数 / P内有客户标识的案件数。同一客户（客户标识）在该案受理前365天内"
        "（按日期计，含第365天）就同一产品、同一问题类型已有较早的案件，即为重复投诉。"
        "没有客户标识的案件无法判断是否重复，不计入分母；期间内没有带客户标识的案件时显示“—”。",
        no_regulatory_formula=True,
    ),
    Metric(
        "one_time_resolution_rate",
        "一次性化解率",
        "One-time resolution rate",
        "rate",
        False,
        "P内办结的案件中一次性化解的比例：来源数据给出“是否一次性化解”的按来源；否则，"
        "办结后90天内同一客户未就同一产品、同一问题再次投诉的办结案件视为一次性化解"
        "（无客户标识或办结未满90天的无法判断，不计入分母）。",
        no_regulatory_formula=True,
    ),
    Metric(
        "per_million_customers",
        "百万客户投诉量",
        "Complaints per million customers",
        "per_million",
        True,
        "volume(P) / (P内各月个人客户数的平均值 / 1,000,000)，客户数取相同地区。",
    ),
    Metric(
        "per_10m_customers",
        "每千万个人客户投诉量",
        "Complaints per 10 million customers",
        "per_10m",
        True,
        "volume(P) / (P内各月个人客户数的平均值 / 10,000,000)，即监管全国季度通报采用的口径。",
    ),
    Metric(
        "per_1000_branches",
        "每千营业网点投诉量",
        "Complaints per 1,000 branches",
        "per_1000_branches",
        True,
        "volume(P) / (P内各月营业网点数的平均值 / 1,000)，监管通报的另一归一化口径。",
    ),
    Metric(
        "on_time_rate",
        "按期办结率",
        "On-time closure rate",
        "rate",
        False,
        "按期办结件数 / (P内办结的案件数 + 到P期末仍未办结且办理期限落在P内的案件数)。"
        "到期日 = 受理日期 + 办理时限天数（自然日）；办结时间不晚于到期日（含当日）为按期。"
        "来源未给出时限的：投诉15天（《银行业保险业消费投诉处理管理办法》第十八条），"
        "来访、来信60天（《信访工作条例》第三十四条）。",
    ),
    Metric(
        "referred_on_time_rate",
        "监管转办按期办结率",
        "On-time rate of regulator referrals",
        "rate",
        False,
        "按期办结率，仅统计“是否监管转办”为是的案件。",
        no_regulatory_formula=True,
    ),
    Metric(
        "handling_days_mean",
        "平均处理时长",
        "Mean handling time",
        "days",
        True,
        "P内办结案件从受理日期到办结日期的自然日数的平均值（当日办结计0天；已办结但无办结时间的案件不计）。",
    ),
    Metric(
        "handling_days_median",
        "中位处理时长",
        "Median handling time",
        "days",
        True,
        "P内办结案件处理时长（自然日）的中位数（精确值）。",
    ),
    Metric(
        "handling_days_p90",
        "P90处理时长",
        "90th percentile handling time",
        "days",
        True,
        "P内办结案件处理时长（自然日）的第90百分位数（精确值，线性插值）。",
    ),
    Metric(
        "satisfaction_rate",
        "回访满意率",
        "Satisfaction rate",
        "rate",
        False,
        "(满意 + 基本满意) / P内办结且已回访的案件数（不含“未回访”和空白）。",
    ),
    # Outcomes (METRICS.md): a source without the column shows "无数据", never 0.
    Metric(
        "mediation_success_rate",
        "调解成功率",
        "Mediation success rate",
        "rate",
        False,
        "调解成功 / (调解成功 + 调解失败)，P内办结的案件；“未调解”和空白不计入。",
    ),
    Metric(
        "litigation_rate",
        "诉讼转化率",
        "Litigation rate",
        "rate",
        True,
        "P内办结且“是否诉讼”为是的案件 / P内办结的案件数；所有办结案件都没有“是否诉讼”时显示“—”。",
    ),
    Metric(
        "compensation_yuan",
        "赔付金额",
        "Compensation paid",
        "yuan",
        None,
        "P内办结案件的赔付金额之和（元）；没有任何赔付金额记录时显示“—”，而不是 0。",
    ),
    Metric(
        "payout_ratio",
        "平均赔付比例",
        "Payout ratio",
        "rate",
        None,
        "赔付金额之和 / 争议金额之和，P内办结、赔付金额大于 0 且有争议金额的案件。",
    ),
    Metric(
        "advance_payment_count",
        "先行赔付件数",
        "Advance payments",
        "count",
        None,
        "P内办结且“是否先行赔付”为是的案件数。",
    ),
    # A snapshot at the end of P, not a tally over P: computed by dashboard/engine/backlog.py, shown on the SLA page,
    # in `kpis --json` ("backlog") and the pack; listed here so its definition is stated once like the others.
    Metric(
        "backlog",
        "积案",
        "Backlog",
        "count",
        True,
        "P末仍未办结且已过办理时限的案件数，按自受理起的天数分为 ≤30、31–60、61–90、>90 天四档。",
        kind="snapshot",
    ),
    Metric(
        "channel_mix",
        "渠道结构",
        "Channel mix",
        "rate",
        None,
        "各渠道投诉量占 volume(P) 的比例。",
        kind="mix",
        dimension="channel",
    ),
    Metric(
        "business_line_mix",
        "业务条线结构",
        "Business line mix",
        "rate",
        None,
        "各业务条线投诉量占 volume(P) 的比例。",
        kind="mix",
        dimension="business_line",
    ),
    Metric(
        "product_mix",
        "产品结构",
        "Product mix",
        "rate",
        None,
        "各产品投诉量占 volume(P) 的比例。",
        kind="mix",
        dimension="product",
    ),
    Metric(
        "issue_mix",
        "问题结构",
        "Issue mix",
        "rate",
        None,
        "各问题类型投诉量占 volume(P) 的比例。",
        kind="mix",
        dimension="issue",
    ),
    Metric(
        "risk_pools",
        "高/中/低风险事项",
        "Risk pools",
        "count",
        None,
        "P内案件按风险等级（高、中、低）的件数。",
        kind="mix",
        dimension="risk_level",
    ),
)

METRICS: dict[str, Metric] = {metric.id: metric for metric in CATALOG}
KPI_IDS: tuple[str, ...] = tuple(metric.id for metric in CATALOG if metric.kind == "kpi")
MIX_DIMENSIONS: tuple[str, ...] = tuple(m.dimension for m in CATALOG if m.kind == "mix" and m.dimension != "risk_level")


def get_metric(metric_id: str) -> Metric:
    try:
        return METRICS[metric_id]
    except KeyError:
        raise KeyError(f"指标目录中没有 {metric_id!r}") from None


def target_key_owner(key: str) -> tuple[str, str]:
    """Which metric and figure a settings [targets] key is for: `repeat_rate` or `volume_yoy`."""
    if key in METRICS:
        return key, "value"
    for suffix in ("yoy", "pop"):
        base = key.removesuffix(f"_{suffix}")
        if base != key and base in METRICS:
            return base, suffix
    raise KeyError(f"settings.toml [targets] 中的 {key!r} 不对应任何指标")


def targets() -> dict[str, Target]:
    """Targets by metric id, from settings.toml [targets]."""
    found: dict[str, Target] = {}
    for key, pair in (setting("targets", default={}) or {}).items():
        metric_id, figure = target_key_owner(key)
        target, warning = (float(x) for x in pair)
        found[metric_id] = Target(metric_id, figure, target, warning)
    return found


def target_for(metric_id: str) -> Target | None:
    return targets().get(metric_id)


def status_of(metric_id: str, figure: float | None, target: Target | None = None) -> str | None:
    """good / warning / bad for the figure the target applies to; None without a figure or target."""
    target = target if target is not None else target_for(metric_id)
    metric = get_metric(metric_id)
    if figure is None or target is None or metric.lower_is_better is None:
        return None
    if metric.lower_is_better:
        if figure <= target.target + _TOLERANCE:
            return "good"
        return "warning" if figure <= target.warning + _TOLERANCE else "bad"
    if figure >= target.target - _TOLERANCE:
        return "good"
    return "warning" if figure >= target.warning - _TOLERANCE else "bad"
