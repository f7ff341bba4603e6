"""What the 时效与红黄牌 page shows: Chinese tables for the stage summary, cards, grey list and overdue list."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from dashboard.engine import workdays
from dashboard.engine.backlog import BacklogReport
from dashboard.engine.sla import CardReport, ClockRules, calendar_span, read_stage_rules

STAGE_HEADERS = {
    "stage": "环节",
    "sla": "时限",
    "judged": "已判定环节数",
    "on_time_rate": "按时率",
    "yellow": "黄牌",
    "yellow_open": "其中仍未完成",
    "median_minutes": "中位用时（小时）",
    "p90_minutes": "P90用时（小时）",
}
OVERDUE_HEADERS = {
    "status": "状态",
    "days_overdue": "超期天数",
    "case_id": "案件编号",
    "received_date": "受理日期",
    "deadline_days": "时限（天）",
    "due_date": "到期日",
    "department": "处理部门",
    "branch": "承办机构",
    "current_stage": "当前环节",
    "is_regulator_referred": "监管转办",
    "province": "省份",
    "city": "城市",
    "channel": "渠道",
    "product": "产品",
    "issue": "问题类型",
    "complainant_id": "客户ID（摘要）",
    "complainant_name_masked": "客户",
    "phone_masked": "电话",
}


def build_stage_table(cards: CardReport) -> pl.DataFrame:
    return cards.stages.with_columns(
        (pl.col("median_minutes", "p90_minutes") / 60).round(1),
        pl.col("on_time_rate").round(4),
    ).rename(STAGE_HEADERS)


def build_cards_table(cards: CardReport) -> pl.DataFrame:
    """Departments × quarters, each cell "黄N / 红M"; departments with the most red cards first."""
    frame = cards.cards
    if frame.is_empty():
        return pl.DataFrame({"处理部门": []}, schema={"处理部门": pl.String})
    cells = frame.with_columns(cell=pl.format("黄{} / 红{}", "yellow", "red"))
    wide = cells.pivot(on="quarter", index="department", values="cell", sort_columns=True)
    totals = frame.group_by("department").agg(yellow=pl.col("yellow").sum(), red=pl.col("red").sum())
    return (
        wide.join(totals, on="department")
        .sort(["red", "yellow", "department"], descending=[True, True, False])
        .with_columns(pl.exclude("department", "yellow", "red").fill_null("—"))
        .rename({"department": "处理部门", "yellow": "黄牌合计", "red": "红牌合计"})
    )


def build_grey_table(cards: CardReport) -> pl.DataFrame:
    return cards.grey_list.rename({"department": "处理部门", "quarters": "连续出现红牌的季度", "red": "红牌数"})


def build_deadline_table(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        pl.col("deadline_type").alias("类型"),
        pl.format("{}天", "deadline_days").alias("默认时限"),
        pl.col("on_time_rate").alias("按期办结率"),
        pl.col("on_time").alias("按期办结"),
        pl.col("due").alias("应办结"),
        pl.col("reason").fill_null("").alias("说明"),
    )


def label_status(days_overdue: pl.Expr) -> pl.Expr:
    """已超期 N 天 / 今日到期 / N 天后到期."""
    return (
        pl.when(days_overdue > 0)
        .then(pl.format("已超期{}天", days_overdue))
        .when(days_overdue == 0)
        .then(pl.lit("今日到期"))
        .otherwise(pl.format("{}天后到期", -days_overdue))
    )


def build_overdue_table(overdue: pl.DataFrame) -> pl.DataFrame:
    """The overdue list with Chinese headers (the same rows as the CSV download)."""
    shown = overdue.with_columns(
        pl.col("received_date", "due_date").dt.strftime("%Y-%m-%d"),
        status=label_status(pl.col("days_overdue")),
        current_stage=pl.col("current_stage").fill_null("无环节记录"),
        complainant_name_masked=pl.col("complainant_name_masked").fill_null("—"),  # no 姓名 / 电话: —, not "None"
        phone_masked=pl.col("phone_masked").fill_null("—"),
        is_regulator_referred=pl.when(pl.col("is_regulator_referred")).then(pl.lit("是")).otherwise(pl.lit("否")),
    )
    return shown.select(list(OVERDUE_HEADERS)).rename(OVERDUE_HEADERS)


def summarise_overdue(overdue: pl.DataFrame) -> dict[str, int]:
    days = overdue["days_overdue"]
    return {
        "overdue": int((days > 0).sum()),
        "due_today": int((days == 0).sum()),
        "due_soon": int((days < 0).sum()),
        "referred": int(overdue["is_regulator_referred"].fill_null(False).sum()),
    }


def count_overdue_by_owner(overdue: pl.DataFrame, horizon: int) -> pl.DataFrame:
    """Open cases past due per department (and how many more are due soon): who to call first."""
    return (
        overdue.group_by(pl.col("department").fill_null("未指定部门"))
        .agg(
            overdue=(pl.col("days_overdue") > 0).sum(),
            due_soon=(pl.col("days_overdue") <= 0).sum(),
            max_days=pl.col("days_overdue").max(),
        )
        .sort(["overdue", "max_days"], descending=True)
        .rename({"department": "处理部门", "overdue": "已超期", "due_soon": "临期", "max_days": "最长超期天数"})
    )


def label_overdue_counts(counts: dict[str, int], horizon: int) -> list[tuple[str, str]]:
    """The four cards above the overdue list: (label, "N 件")."""
    labels = {
        "overdue": "已超期",
        "due_today": "今日到期",
        "due_soon": f"{horizon}天内到期",
        "referred": "其中监管转办",
    }
    return [(label, f"{counts[key]} 件") for key, label in labels.items()]


def keep_shown(table: pl.DataFrame, show: str | None) -> pl.DataFrame:
    """The overdue table as the 显示 control asks: 全部, 已超期 or 今日及临期."""
    if show == "已超期":
        return keep_overdue(table, past_due=True)
    if show == "今日及临期":
        return keep_overdue(table, past_due=False)
    return table


def keep_overdue(table: pl.DataFrame, *, past_due: bool) -> pl.DataFrame:
    """Rows of the shown overdue table: past due (超期天数 > 0) or due today / soon."""
    days = pl.col(OVERDUE_HEADERS["days_overdue"])
    return table.filter(days > 0 if past_due else days <= 0)


def list_carded_departments(cards: CardReport) -> list[str]:
    """Departments with yellow cards, most red then most yellow first."""
    totals = cards.cards.group_by("department").agg(pl.col("yellow").sum(), pl.col("red").sum())
    return totals.filter(pl.col("yellow") > 0).sort(["red", "yellow"], descending=True)["department"].to_list()


def build_yellow_table(cards: CardReport, department: str | None) -> pl.DataFrame:
    """One department's yellow stages, latest due first: which case, which stage, how late, red or not."""
    frame = cards.yellow_stages.filter(pl.col("department") == department)
    return frame.select(
        pl.col("case_id").alias("案件编号"),
        pl.col("stage").alias("环节"),
        pl.col("due_at").dt.strftime("%Y-%m-%d %H:%M").alias("到期时间"),
        pl.col("finished_at").dt.strftime("%Y-%m-%d %H:%M").fill_null("未完成").alias("完成时间"),
        (pl.col("late_minutes") / 60).round(1).alias("超时（小时）"),
        pl.when(pl.col("is_red")).then(pl.lit("红牌")).otherwise(pl.lit("黄牌")).alias("卡片"),
        pl.col("quarter").alias("季度"),
    )


def describe_clocks(clock: ClockRules, as_of: datetime) -> tuple[str, str | None]:
    """The clock rules in a sentence, and a warning when working days beyond the official calendar fall back
    to Monday–Friday (the package knows only published years)."""
    text = clock.describe()
    if not clock.working:
        return text, None
    # the days the clocks may reach: from a year back to the last due moment the calendar must hold
    first, last = calendar_span(as_of.replace(year=as_of.year - 1), as_of, read_stage_rules(), clock)
    years = workdays.fallback_years(first, last)
    if not years:
        return text, None
    listed = "、".join(str(y) for y in years)
    return text, f"{listed} 年的法定节假日安排尚未收录（chinese-calendar），这些年份的工作日暂按周一至周五计算。"


def build_backlog_table(frame: pl.DataFrame, key: str, label: str) -> pl.DataFrame:
    """积案 by `key` (department / province) with the age buckets and the total, headers in Chinese."""
    return frame.rename({key: label, "total": "合计"})


def build_backlog_trend_table(trend: pl.DataFrame) -> pl.DataFrame:
    return trend.drop("snapshot").rename({"month": "月份", "total": "合计"})


def describe_backlog(report: BacklogReport) -> str:
    """ "截至 2026-11-30 日终：积案 123 件（≤30天 80、31–60天 30、61–90天 10、>90天 3），较上月末 +5 件。" """
    if report.as_of is None:
        return "数据仓库中还没有案件。"
    buckets = "、".join(f"{name} {n}" for name, n in report.buckets.items())
    totals = report.trend["total"].to_list()
    change = f"，较上月末 {totals[-1] - totals[-2]:+d} 件" if len(totals) >= 2 else ""
    return f"截至 {report.as_of:%Y-%m-%d} 日终：积案 {report.total} 件（{buckets}）{change}。"
