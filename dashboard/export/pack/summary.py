"""The written 情况汇报 of the pack: fixed Chinese sentence templates filled with the pack's numbers.

Deterministic and factual: every figure comes from PackContent (the KPI engine and the view
modules); a sentence whose figure is missing is left out rather than guessed."""

from __future__ import annotations

from typing import Any

import polars as pl

from dashboard.engine.formatting import format_count, format_days, format_percent, format_value
from dashboard.engine.metrics import CATALOG, STATUS_LABELS, get_metric, target_for
from dashboard.engine.periods import Period, add_months
from dashboard.export.pack.content import PackContent

QUARTER_NAMES = {1: "一", 2: "二", 3: "三", 4: "四"}
WATCH_LABELS = {"red": "红色", "orange": "橙色", "yellow": "黄色"}


def rate_sentences() -> list[tuple[str, str]]:
    """(metric, how the narrative names it) for every registry metric the narrative reports."""
    return [(m.id, m.sentence) for m in CATALOG if m.sentence]


def describe_period(period: Period) -> str:
    """2026年第三季度 for a calendar quarter, otherwise the date range."""
    start = period.start
    if start.day == 1 and start.month in (1, 4, 7, 10) and period.end == add_months(start, 3):
        return f"{start.year}年第{QUARTER_NAMES[(start.month - 1) // 3 + 1]}季度"
    return period.label()


def _relative(change: float | None) -> str:
    """同比下降3.0% / 上升 / 持平 (the change is a fraction)."""
    if change is None:
        return ""
    if round(change * 100, 1) == 0:
        return "持平"
    return f"{'上升' if change > 0 else '下降'}{format_percent(abs(change))}"


def _rate_move(now: float, before: float | None, basis: str) -> str:
    """由13.3%降至11.1% against the basis period; 与…持平 when equal at one decimal."""
    if before is None:
        return f"为{format_percent(now)}"
    if format_percent(now) == format_percent(before):
        return f"为{format_percent(now)}，与{basis}持平"
    verb = "升至" if now > before else "降至"
    return f"由{basis}的{format_percent(before)}{verb}{format_percent(now)}"


def _target_clause(content: PackContent, metric_id: str) -> str:
    figure = content.kpis["kpis"][metric_id]
    if figure.get("target") is None or figure.get("status") is None:
        return ""
    metric = get_metric(metric_id)
    sign = "不高于" if metric.lower_is_better else "不低于"
    return f"（目标{sign}{format_percent(figure['target'])}，{STATUS_LABELS[figure['status']]}）"


def _list_mix(rows: list[dict[str, Any]], with_share: bool) -> str:
    parts = []
    for row in rows:
        share = f"（占{format_percent(row['share'])}）" if with_share and row.get("share") is not None else ""
        parts.append(f"{row['key'] or '未填写'}{format_count(row['volume'])}件{share}")
    return "、".join(parts)


def build_summary(content: PackContent) -> list[str]:
    """The paragraphs of the written summary, in reading order."""
    kpi = content.kpis["kpis"]
    paragraphs: list[str] = []
    volume = kpi["volume"]
    head = f"{describe_period(content.period)}，本行共受理投诉事项{format_count(volume['value'])}件"
    changes = [
        f"同比{_relative(volume['yoy'])}" if volume["yoy"] is not None else "",
        f"环比{_relative(volume['pop'])}" if volume["pop"] is not None else "",
    ]
    head += "".join(f"，{c}" for c in changes if c) + _volume_target_clause(volume) + "。"
    channels = content.mix("channel")
    if channels:
        head += f"其中，{_list_mix(channels, with_share=False)}。"
    paragraphs.append(head)

    lines = content.mix("business_line")[:3]
    if lines:
        paragraphs.append(f"从业务条线看，{_list_mix(lines, with_share=True)}位居前列。")

    quality = []
    for metric_id, name in rate_sentences():
        figure = kpi[metric_id]
        if figure["value"] is None:
            continue
        quality.append(
            f"{name}{_rate_move(figure['value'], figure['previous_year'], '上年同期')}{_target_clause(content, metric_id)}"
        )
    days = kpi["handling_days_mean"]
    if days["value"] is not None:
        quality.append(f"平均办理时长{format_days(days['value'])}")
    if quality:
        paragraphs.append("办理质效方面，" + "；".join(quality) + "。")

    paragraphs.append(_outcome_sentence(content))

    if not content.issues.is_empty():
        top = content.issues.head(3).to_dicts()
        named = "、".join(f"{r['issue']}{format_count(r['volume'])}件" for r in top)
        pareto = content.pareto_summary.replace(" ", "")
        paragraphs.append(f"从问题类型看，{named}居前；{pareto}")

    pools = {r["risk_level"]: r for r in content.risk_pools.to_dicts()}
    high = pools.get("高")
    if high is not None and high["share"] is not None:
        paragraphs.append(
            f"风险分级方面，高风险案件{format_count(high['volume'])}件，占{format_percent(high['share'])}；"
            f"中风险{format_count(pools['中']['volume'])}件，低风险{format_count(pools['低']['volume'])}件。"
        )

    paragraphs.append(_alerts_sentence(content.alerts))

    if not content.sla_cards.is_empty():
        by_department = (
            content.sla_cards.group_by("department")
            .agg(pl.col("yellow", "red").sum())
            .sort(["red", "yellow", "department"], descending=[True, True, False])
        )
        red, yellow = int(by_department["red"].sum()), int(by_department["yellow"].sum())
        worst = by_department.row(0, named=True)
        sentence = f"时限管理方面，本期共出示黄牌{format_count(yellow)}张、红牌{format_count(red)}张"
        if worst["red"] or worst["yellow"]:
            sentence += f"，{worst['department']}最多（黄牌{format_count(worst['yellow'])}张、红牌{format_count(worst['red'])}张）"
        paragraphs.append(sentence + "。")

    paragraphs.append(_backlog_sentence(content))
    people = "、".join(f"{WATCH_LABELS[level]}{format_count(n)}人" for level, n in content.watch_counts.items())
    paragraphs.append(f"截至期末，重点关注投诉人{people}（仅统计人数，名单另行管理）。")
    return paragraphs


def _outcome_sentence(content: PackContent) -> str:
    """办理成效: mediation, litigation and payments of the cases closed in P (METRICS.md outcome rows);
    a figure the source files do not carry is said to be missing, never written as 0."""
    kpi = content.kpis["kpis"]
    parts = []
    mediation = kpi["mediation_success_rate"]
    if mediation["value"] is not None:
        move = _rate_move(mediation["value"], mediation["previous_year"], "上年同期")
        parts.append(f"调解成功率{move}{_target_clause(content, 'mediation_success_rate')}")
    if kpi["litigation_rate"]["value"] is not None:
        parts.append(f"诉讼转化率为{format_percent(kpi['litigation_rate']['value'])}")
    paid = kpi["compensation_yuan"]
    if paid["value"] is not None:
        change = f"，同比{_relative(paid['yoy'])}" if paid["yoy"] is not None else ""
        parts.append(f"赔付金额合计{format_value(paid['value'], 'yuan')}{change}")
    if kpi["advance_payment_count"]["value"] is not None:
        parts.append(f"先行赔付{format_count(kpi['advance_payment_count']['value'])}件")
    if kpi["payout_ratio"]["value"] is not None:
        parts.append(f"有争议金额的赔付案件平均赔付比例{format_percent(kpi['payout_ratio']['value'])}")
    if not parts:
        return "办理成效方面，来源数据未提供调解结果、诉讼与赔付信息，本期无法统计。"
    return "办理成效方面，本期办结案件中" + "；".join(parts) + "。"


def _backlog_sentence(content: PackContent) -> str:
    """积案 at the end of P, the oldest bucket, and the move since the previous month end."""
    backlog = content.backlog
    sentence = f"积案方面，截至期末未办结且已超期的案件{format_count(backlog.total)}件"
    oldest = list(backlog.buckets)[-1]
    if backlog.total:
        sentence += f"，其中受理超过{oldest.lstrip('>')}的{format_count(backlog.buckets[oldest])}件"
    totals = backlog.trend["total"].to_list()
    if len(totals) >= 2:
        change = totals[-1] - totals[-2]
        sentence += (
            f"；较上月末{'增加' if change > 0 else '减少'}{format_count(abs(change))}件" if change else "；与上月末持平"
        )
    return sentence + "。"


def _alerts_sentence(alerts: dict[str, Any]) -> str:
    month = _month_name(alerts.get("month"))
    high, surges = alerts.get("high_frequency", []), alerts.get("surges", [])
    if not high and not surges:
        return f"预警监测方面，{month}未触发高频问题预警，近期各周未发现地区投诉激增。"
    parts = []
    if high:
        named = "、".join(f"{a['product']}·{a['issue']}（{a['current']}件）" for a in high[:3])
        parts.append(f"{month}触发高频问题预警{len(high)}项，包括{named}")
    if surges:
        named = "、".join(f"{a['province']}（{a['week_start']}当周{a['current']}件）" for a in surges[:3])
        parts.append(f"地区投诉激增预警{len(surges)}项，包括{named}")
    return "预警监测方面，" + "；".join(parts) + "。"


def _month_name(month: str | None) -> str:
    """2026-09 -> 2026年9月."""
    if not month:
        return "期末月"
    year, number = month.split("-")
    return f"{year}年{int(number)}月"


def _volume_target_clause(volume: dict[str, Any]) -> str:
    """（目标为同比下降10.0%及以上，预警） when the volume target is a year-on-year change."""
    target = target_for("volume")
    if target is None or target.field != "yoy" or volume.get("status") is None or volume.get("target") is None:
        return ""
    goal = volume["target"]
    direction = "下降" if goal < 0 else "上升"
    return f"（目标为同比{direction}{format_percent(abs(goal))}及以上，{STATUS_LABELS[volume['status']]}）"
