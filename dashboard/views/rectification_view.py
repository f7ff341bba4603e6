"""溯源整改 page tables: the engine's frames (dashboard/engine/rectification.py) with Chinese headers, ready to show."""

from __future__ import annotations

import polars as pl

from dashboard.engine.rectification import VERDICTS, RectificationReport, mask_free_text_expr

LINKED_FROM = {"defect": "缺陷清单", "case": "案件", "both": "双方"}
BREAKDOWN_LABELS = {"by_type": "缺陷类型", "by_root_cause": "根因分类", "by_department": "责任部门",
                    "by_measure": "整改措施"}  # fmt: skip


def _dates_as_text(frame: pl.DataFrame) -> pl.DataFrame:
    """Dates as 2025-01-15 (a Date column would show a time of day in the grid)."""
    return frame.with_columns(pl.col(pl.Date).dt.strftime("%Y-%m-%d"))


def label_counts(report: RectificationReport) -> list[tuple[str, str, str | None]]:
    """(label, value, help) of the page's four headline figures."""
    rate, traced = report.completion_rate, report.traced_rate
    return [
        ("发现缺陷", f"{report.defects.height} 项", "发现日期在本期内的缺陷"),
        ("整改完成率", "—" if rate is None else f"{rate:.1%}", f"期末前已完成 {report.completed} 项 / 发现缺陷"),
        ("逾期未整改", f"{report.overdue.height} 项", "期末仍未完成、整改期限已过的缺陷（含以前发现的）"),
        ("溯源投诉", f"{report.linked_cases} 件", "本期受理并关联到缺陷的投诉" + ("" if traced is None else f"，溯源率 {traced:.1%}")),
    ]  # fmt: skip


def build_breakdown_table(report: RectificationReport, name: str) -> pl.DataFrame:
    counts = report.breakdowns[name]
    return pl.DataFrame({BREAKDOWN_LABELS[name]: list(counts), "缺陷数": list(counts.values())},
                        schema={BREAKDOWN_LABELS[name]: pl.String, "缺陷数": pl.Int64})  # fmt: skip


def build_overdue_table(report: RectificationReport) -> pl.DataFrame:
    return _dates_as_text(
        report.overdue.select(
            pl.col("defect_id").alias("缺陷编号"), pl.col("defect_type").alias("缺陷类型"),
            pl.col("department").alias("责任部门"), pl.col("due_date").alias("整改期限"),
            pl.col("days_overdue").alias("逾期天数"), pl.col("status").alias("整改状态"),
            pl.col("measure").alias("整改措施"), pl.col("description").alias("缺陷描述"),
        )
    )  # fmt: skip


def build_defect_table(report: RectificationReport) -> pl.DataFrame:
    return _dates_as_text(
        report.defects.select(
            pl.col("defect_id").alias("缺陷编号"), pl.col("defect_type").alias("缺陷类型"),
            pl.col("root_cause").alias("根因分类"), pl.col("department").alias("责任部门"),
            pl.col("found_date").alias("发现日期"), pl.col("status").alias("整改状态"),
            pl.col("linked_cases").alias("关联投诉"),
            mask_free_text_expr(pl.col("description")).alias("缺陷描述"),
        )
    )  # fmt: skip


def build_defect_cases_table(cases: pl.DataFrame) -> pl.DataFrame:
    """The complaints of one defect; a linked id the warehouse does not hold is listed as 未导入."""
    return _dates_as_text(
        cases.select(
            pl.col("case_id").alias("案件编号"), pl.col("received_date").alias("受理日期"), pl.col("product").alias("产品"),
            pl.col("issue").alias("问题类型"), pl.col("province").alias("省份"),
            pl.col("complainant_name_masked").alias("客户"),
            pl.when(pl.col("has_case")).then(pl.lit("已关联")).otherwise(pl.lit("案件未导入")).alias("状态"),
            pl.col("linked_from").replace_strict(LINKED_FROM, default=None).alias("关联来源"),
        )
    )  # fmt: skip


def build_traced_table(traced: pl.DataFrame) -> pl.DataFrame:
    return _dates_as_text(
        traced.select(
            pl.col("case_id").alias("案件编号"), pl.col("received_date").alias("受理日期"), pl.col("product").alias("产品"),
            pl.col("issue").alias("问题类型"), pl.col("province").alias("省份"),
            pl.col("complainant_name_masked").alias("客户"), pl.col("defect_ids").alias("缺陷编号"),
        )
    )  # fmt: skip


def build_case_defects_table(defects: pl.DataFrame) -> pl.DataFrame:
    return _dates_as_text(
        defects.select(
            pl.col("defect_id").alias("缺陷编号"), pl.col("defect_type").alias("缺陷类型"),
            pl.col("root_cause").alias("根因分类"), pl.col("department").alias("责任部门"),
            pl.col("status").fill_null("不在缺陷清单中").alias("整改状态"), pl.col("completed_date").alias("完成日期"),
            pl.col("linked_from").replace_strict(LINKED_FROM, default=None).alias("关联来源"),
        )
    )  # fmt: skip


def with_verdict_labels(effects: pl.DataFrame) -> pl.DataFrame:
    return effects.with_columns(verdict_zh=pl.col("verdict").replace_strict(VERDICTS, default=None))


def build_effect_table(effects: pl.DataFrame) -> pl.DataFrame:
    return _dates_as_text(
        with_verdict_labels(effects).select(
            pl.col("defect_id").alias("缺陷编号"), pl.col("defect_type").alias("缺陷类型"),
            pl.col("measure").alias("整改措施"), pl.col("completed_date").alias("完成日期"),
            pl.col("pairs").alias("产品·问题"), pl.col("before").alias("完成前"), pl.col("after").alias("完成后"),
            pl.col("change").alias("变化"), pl.col("verdict_zh").alias("成效"),
        )
    )  # fmt: skip
