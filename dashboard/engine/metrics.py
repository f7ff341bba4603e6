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
class Formula:
    """How a headline metric is computed from the tallies (warehouse/sql/aggregates/*.sql column names).

    numerator / (denominator / per) when a denominator is given (NULL unless it is > 0), else numerator / divisor.
    """

    numerator: str
    denominator: str | None = None
    per: float | None = None  # e.g. 1,000,000 for complaints per million customers
    divisor: float | None = None  # e.g. 100: money is tallied in fen, shown in yuan


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
    formula: Formula | None = None  # headline metrics: how the engine computes it from the tallies
    # (tally, reason): the metric is "—" with this reason when the tally is NULL or ≤ 0 (first that holds wins)
    unavailable: tuple[tuple[str, str], ...] = ()
    card: tuple[int, int] | None = None  # (row, position) on the cockpit: 0 headline, 1 detail, 2 outcomes
    on_map: bool = False  # the 区域分析 map and rankings can be coloured by it
    in_breakdown: bool = False  # a column of `kpis --by` in text form
    sentence: str | None = None  # how the pack's narrative names it, when the narrative reports it

    def description(self) -> str:
        """Definition text for tooltips, with the no-regulatory-formula note where it applies."""
        return f"{self.definition}\n{NO_REGULATORY_FORMULA}" if self.no_regulatory_formula else self.definition


@dataclass(frozen=True)
class Target:
    metric_id: str
    field: str  # "value", "yoy" or "pop": which figure of the metric the target applies to
    target: float
    warning: float


# Why a metric is "—" (never shown as 0).
REASON_NO_CASES = "所选期间和筛选条件下没有受理的投诉"
REASON_NO_IDENTIFIED = "案件没有客户标识，无法判断重复投诉"
REASON_NO_CLOSED = "所选期间没有办结的案件"
REASON_RFT_UNKNOWN = "办结案件既没有“是否一次性化解”，也无法按90天规则推算（缺少客户标识或办结时间）"
REASON_NO_BASE = "所选地区和期间没有个人客户数（客户基数）"
REASON_NO_BRANCHES = "所选地区和期间没有营业网点数"
REASON_NO_DUE = "所选期间没有办结或到期未办结的案件"
REASON_NO_REFERRED_DUE = "所选期间没有办结或到期未办结的监管转办案件"
REASON_NO_HANDLING = "所选期间办结的案件都没有办结时间，无法计算处理时长"
REASON_NO_SURVEYED = "所选期间办结的案件都未回访"
REASON_NO_MEDIATION = "无数据：所选期间办结的案件没有调解成功或调解失败的记录"
REASON_NO_LITIGATION = "无数据：所选期间办结的案件没有“是否诉讼”"
REASON_NO_COMPENSATION = "无数据：所选期间办结的案件没有“赔付金额”"
REASON_NO_PAYOUT = "无数据：所选期间没有既有赔付又有争议金额的办结案件"
REASON_NO_ADVANCE = "无数据：所选期间办结的案件没有“是否先行赔付”"
_CASES = ("volume", REASON_NO_CASES)
_CLOSED = ("closed", REASON_NO_CLOSED)
_BASE = ("customers", REASON_NO_BASE)
_HANDLED = ("handled", REASON_NO_HANDLING)

_PERIOD_NOTE = "期间P为按中国标准时间计的左闭右开日期区间；“P内案件”指受理时间在P内的案件。"

# The registry. Lists, not tuples: `register` extends them in place, so every module that imported them sees
# a metric added later (a bank's own KPI, or a test's toy metric) without another edit.
CATALOG: list[Metric] = [
    Metric(
        "volume",
        "投诉量",
        "Complaint volume",
        "count",
        True,
        "P内受理的案件数（cases in P）。" + _PERIOD_NOTE,
        formula=Formula("volume"),
        card=(0, 0),
        on_map=True,
        in_breakdown=True,
    ),
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
        formula=Formula("repeats", "identified"),
        unavailable=(_CASES, ("identified", REASON_NO_IDENTIFIED)),
        card=(0, 1),
        on_map=True,
        in_breakdown=True,
        sentence="重复投诉率",
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
        formula=Formula("rft_yes", "rft_known"),
        unavailable=(_CLOSED, ("rft_known", REASON_RFT_UNKNOWN)),
        card=(0, 2),
        in_breakdown=True,
        sentence="一次性化解率",
    ),
    Metric(
        "per_million_customers",
        "百万客户投诉量",
        "Complaints per million customers",
        "per_million",
        True,
        "volume(P) / (P内各月个人客户数的平均值 / 1,000,000)，客户数取相同地区。",
        formula=Formula("volume", "customers", per=1_000_000),
        unavailable=(_BASE,),
        card=(0, 5),
        on_map=True,
        in_breakdown=True,
    ),
    Metric(
        "per_10m_customers",
        "每千万个人客户投诉量",
        "Complaints per 10 million customers",
        "per_10m",
        True,
        "volume(P) / (P内各月个人客户数的平均值 / 10,000,000)，即监管全国季度通报采用的口径。",
        formula=Formula("volume", "customers", per=10_000_000),
        unavailable=(_BASE,),
        card=(1, 4),
    ),
    Metric(
        "per_1000_branches",
        "每千营业网点投诉量",
        "Complaints per 1,000 branches",
        "per_1000_branches",
        True,
        "volume(P) / (P内各月营业网点数的平均值 / 1,000)，监管通报的另一归一化口径。",
        formula=Formula("volume", "branches", per=1_000),
        unavailable=(("branches", REASON_NO_BRANCHES),),
        card=(1, 5),
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
        formula=Formula("on_time_yes", "on_time_due"),
        unavailable=(("on_time_due", REASON_NO_DUE),),
        card=(0, 3),
        on_map=True,
        in_breakdown=True,
        sentence="按时办结率",
    ),
    Metric(
        "referred_on_time_rate",
        "监管转办按期办结率",
        "On-time rate of regulator referrals",
        "rate",
        False,
        "按期办结率，仅统计“是否监管转办”为是的案件。",
        no_regulatory_formula=True,
        formula=Formula("referred_yes", "referred_due"),
        unavailable=(("referred_due", REASON_NO_REFERRED_DUE),),
        card=(1, 0),
    ),
    Metric(
        "handling_days_mean",
        "平均处理时长",
        "Mean handling time",
        "days",
        True,
        "P内办结案件从受理日期到办结日期的自然日数的平均值（当日办结计0天；已办结但无办结时间的案件不计）。",
        formula=Formula("handling_days_mean"),
        unavailable=(_CLOSED, _HANDLED),
        card=(1, 1),
        in_breakdown=True,
    ),
    Metric(
        "handling_days_median",
        "中位处理时长",
        "Median handling time",
        "days",
        True,
        "P内办结案件处理时长（自然日）的中位数（精确值）。",
        formula=Formula("handling_days_median"),
        unavailable=(_CLOSED, _HANDLED),
        card=(1, 2),
    ),
    Metric(
        "handling_days_p90",
        "P90处理时长",
        "90th percentile handling time",
        "days",
        True,
        "P内办结案件处理时长（自然日）的第90百分位数（精确值，线性插值）。",
        formula=Formula("handling_days_p90"),
        unavailable=(_CLOSED, _HANDLED),
        card=(1, 3),
    ),
    Metric(
        "satisfaction_rate",
        "回访满意率",
        "Satisfaction rate",
        "rate",
        False,
        "(满意 + 基本满意) / P内办结且已回访的案件数（不含“未回访”和空白）。",
        formula=Formula("satisfied", "surveyed"),
        unavailable=(_CLOSED, ("surveyed", REASON_NO_SURVEYED)),
        card=(0, 4),
        in_breakdown=True,
        sentence="满意率",
    ),
    # Outcomes (METRICS.md): a source without the column shows "无数据", never 0.
    Metric(
        "mediation_success_rate",
        "调解成功率",
        "Mediation success rate",
        "rate",
        False,
        "调解成功 / (调解成功 + 调解失败)，P内办结的案件；“未调解”和空白不计入。",
        formula=Formula("mediation_success", "mediated"),
        unavailable=(_CLOSED, ("mediated", REASON_NO_MEDIATION)),
        card=(2, 0),
    ),
    Metric(
        "litigation_rate",
        "诉讼转化率",
        "Litigation rate",
        "rate",
        True,
        "P内办结且“是否诉讼”为是的案件 / P内办结的案件数；所有办结案件都没有“是否诉讼”时显示“—”。",
        formula=Formula("litigated", "closed"),
        unavailable=(_CLOSED, ("litigation_known", REASON_NO_LITIGATION)),
        card=(2, 1),
    ),
    Metric(
        "compensation_yuan",
        "赔付金额",
        "Compensation paid",
        "yuan",
        None,
        "P内办结案件的赔付金额之和（元）；没有任何赔付金额记录时显示“—”，而不是 0。",
        formula=Formula("compensation_fen", divisor=100),
        unavailable=(_CLOSED, ("compensation_known", REASON_NO_COMPENSATION)),
        card=(2, 2),
    ),
    Metric(
        "payout_ratio",
        "平均赔付比例",
        "Payout ratio",
        "rate",
        None,
        "赔付金额之和 / 争议金额之和，P内办结、赔付金额大于 0 且有争议金额的案件。",
        formula=Formula("paid_compensation_fen", "paid_disputed_fen"),
        unavailable=(_CLOSED, ("paid_disputed_fen", REASON_NO_PAYOUT)),
        card=(2, 3),
    ),
    Metric(
        "advance_payment_count",
        "先行赔付件数",
        "Advance payments",
        "count",
        None,
        "P内办结且“是否先行赔付”为是的案件数。",
        formula=Formula("advance_paid"),
        unavailable=(_CLOSED, ("advance_known", REASON_NO_ADVANCE)),
        card=(2, 4),
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
]

METRICS: dict[str, Metric] = {metric.id: metric for metric in CATALOG}
KPI_IDS: list[str] = [metric.id for metric in CATALOG if metric.kind == "kpi"]
MIX_DIMENSIONS: tuple[str, ...] = tuple(m.dimension for m in CATALOG if m.kind == "mix" and m.dimension != "risk_level")


def register(metric: Metric) -> None:
    """Add a metric to the registry: the engine computes it from its formula, and the catalog, `kpis --json`,
    the cards (when it has `card`) and the pack list it. Its tallies must exist in warehouse/sql/aggregates/."""
    if metric.id in METRICS:
        raise ValueError(f"指标 {metric.id!r} 已在指标目录中")
    if metric.kind == "kpi" and metric.formula is None:
        raise ValueError(f"指标 {metric.id!r} 没有计算公式（formula）")
    CATALOG.append(metric)
    METRICS[metric.id] = metric
    if metric.kind == "kpi":
        KPI_IDS.append(metric.id)


def unregister(metric_id: str) -> None:
    """Remove a metric added by `register` (tests put the registry back as they found it)."""
    metric = METRICS.pop(metric_id)
    CATALOG.remove(metric)
    if metric_id in KPI_IDS:
        KPI_IDS.remove(metric_id)


def card_rows() -> list[list[str]]:
    """The cockpit's card rows, each in its order: metric ids by `card` (row, position)."""
    placed = sorted((m.card, m.id) for m in CATALOG if m.card is not None)
    rows: dict[int, list[str]] = {}
    for (row, _position), metric_id in placed:
        rows.setdefault(row, []).append(metric_id)
    return [rows[row] for row in sorted(rows)]


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
