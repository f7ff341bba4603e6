"""The pack as an ordered list of sections, rendered to images once, shared by the PPTX and PDF."""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import polars as pl

from dashboard.engine.filters import Filters
from dashboard.engine.formatting import format_percent
from dashboard.engine.periods import Period, month_key
from dashboard.export.browser import with_browser
from dashboard.export.pack import tables
from dashboard.export.pack.content import PackContent, build_pack_content
from dashboard.export.pack.figures import build_pack_charts, render_chart_png
from dashboard.export.pack.rectification import EFFECT_HEADER, build_rectification_section
from dashboard.export.pack.scorecard import HEADER as SCORECARD_HEADER
from dashboard.export.pack.scorecard import build_scorecard_pack
from dashboard.export.pack.summary import build_summary, describe_period

TITLE = "消费者权益保护委员会汇报材料"


@dataclass(frozen=True)
class Section:
    title: str
    kind: str  # summary | kpi_table | chart | table | definitions
    paragraphs: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    statuses: list[str | None] = field(default_factory=list)
    image: bytes | None = None
    note: str = ""


@dataclass(frozen=True)
class PackDocument:
    content: PackContent
    title: str
    subtitle: str
    sections: list[Section]


def build_pack_document(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters | None = None) -> PackDocument:
    content = build_pack_content(con, period, filters)
    kpi = tables.kpi_rows(content)
    sections = [
        Section("一、总体情况", "summary", paragraphs=build_summary(content)),
        Section(
            "二、主要指标",
            "kpi_table",
            header=tables.KPI_HEADER,
            rows=[cells for cells, _ in kpi],
            statuses=[status for _, status in kpi],
            note="比率的同比、环比为百分点变化；计数与时长为相对变化。状态：达标 / 预警 / 未达标（阈值见 settings.toml）。",
        ),
    ]
    charts = build_pack_charts(content)
    images = with_browser(lambda browser: [render_chart_png(chart, browser) for chart in charts])
    for number, (chart, image) in enumerate(zip(charts, images, strict=True), start=3):
        sections.append(
            Section(
                f"{_chinese_number(number)}、{chart.title}",
                "chart",
                image=image,
                note=chart.note or _chart_note(content, chart.key),
            )
        )
    number = len(sections) + 1
    alerts = tables.alert_rows(content)
    sections.append(
        Section(
            f"{_chinese_number(number)}、预警事项",
            "table",
            header=["类型", "对象", "情况"],
            rows=alerts or [["—", "—", "本期末月及近期各周未触发预警"]],
        )
    )
    sections.append(
        Section(
            f"{_chinese_number(number + 1)}、重点关注投诉人（仅人数）",
            "table",
            header=tables.WATCH_HEADER,
            rows=tables.watch_rows(content),
            note=f"截至{content.period.last_day.isoformat()}；名单含个人信息，不在汇报材料中列示。",
        )
    )
    following = number + 2  # the sections below are numbered on from here, each only when it has content
    rectification = build_rectification_section(con, period, filters)  # None without a defect ledger
    if rectification is not None:
        title = f"{_chinese_number(following)}、溯源整改"
        following += 1
        sections.append(Section(title, "summary", paragraphs=rectification.paragraphs))
        if rectification.rows:
            sections.append(
                Section(
                    f"{title}：整改成效",
                    "table",
                    header=EFFECT_HEADER,
                    rows=rectification.rows,
                    note=rectification.note,
                )
            )
    if filters is None or not filters.has_region_filter():  # a bank-wide ranking: not in a region-bound pack
        scorecard = build_scorecard_pack(con, period)
        sections.append(Section(f"{_chinese_number(following)}、考核情况", "summary", paragraphs=scorecard.paragraphs))
        sections.append(
            Section(
                f"{_chinese_number(following + 1)}、考核排名（处理部门）",
                "table",
                header=SCORECARD_HEADER,
                rows=scorecard.rows or [["—", "—", "—", "—", "—", "—"]],
                note=scorecard.note,
            )
        )
    sections.append(
        Section("附录：指标口径", "definitions", header=["指标", "口径"], rows=tables.definition_rows(content))
    )
    return PackDocument(
        content=content,
        title=TITLE,
        subtitle=f"{describe_period(period)}（{period.label()}）",
        sections=sections,
    )


def _chart_note(content: PackContent, key: str) -> str:
    """One sentence under a chart, from the same numbers the chart shows."""
    if key == "trend":
        months = content.trend.filter(pl.col("bucket").is_in([month_key(m) for m in content.period.months()]))
        return (
            "本期各月："
            + "、".join(f"{int(r['bucket'][5:])}月{r['volume']:,}件" for r in months.iter_rows(named=True))
            + "。"
        )
    if key in ("channel", "business_line"):
        rows = content.mix(key)
        if rows:
            top = rows[0]
            return f"占比最高的是{top['key']}，{top['volume']:,}件，占{format_percent(top['share'])}。"
    if key == "risk":
        return "风险等级由规则评分得出，评分规则见风险雷达页。"
    if key == "sla":
        return (
            "黄牌：环节超过时限才完成，或到期末仍未完成且已超时；红牌：同一部门按到期顺序连续出现第二张黄牌"
            "（红牌同时计为黄牌）。口径见时效与红黄牌页。"
        )
    if key == "issues":
        return content.pareto_summary.replace(" ", "")
    if key == "map":
        top = content.provinces.head(3).to_dicts()
        return "投诉量居前的省份：" + "、".join(f"{r['key']}{r['volume']:,}件" for r in top) + "。" if top else ""
    return ""


def _chinese_number(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n - 10] if n > 10 else "")
    return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
