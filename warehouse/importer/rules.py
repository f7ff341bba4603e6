"""Row rules: a row that breaks one goes to quarantine with the rule id and a Chinese message
naming the row, the column and the value; the other rows of the file still load.

Every rule is a vectorised mask over the typed frame; a row may break several rules and then
has one quarantine row per rule (it still counts once as quarantined).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import polars as pl

from warehouse.importer.contract import DEFECT_DONE, DEFECT_STATUSES, STAGES, Field, fields_of
from warehouse.importer.mapping import SRC_PREFIX
from warehouse.importer.normalise import INVALID_PREFIX
from warehouse.importer.readers import SOURCE_ROW
from warehouse.importer.records import Malformed

QUARANTINE_SCHEMA = {
    "source_row": pl.Int64,
    "column_name": pl.String,
    "source_column": pl.String,
    "value": pl.String,
    "rule": pl.String,
    "message": pl.String,
}
# The rule ids (stable: tests, the quarantine page and operators' notes use them).
RULES = {
    "required_missing": "必填列为空",
    "invalid_date": "日期无法识别或不存在",
    "invalid_month": "月份无法识别",
    "future_date": "日期晚于当前时间",
    "date_too_early": "日期早于合理范围",
    "closed_before_received": "办结时间早于受理时间",
    "finished_before_started": "完成时间早于开始时间",
    "invalid_boolean": "是/否值无法识别",
    "invalid_number": "数字无法识别",
    "negative_amount": "金额为负数",
    "invalid_deadline": "办理时限不在 1 至 365 天之间",
    "invalid_count": "客户数或网点数不合理（客户数须大于 0，网点数不得为负）",
    "invalid_status": "办理状态无法识别",
    "unknown_province": "省份无法识别",
    "unknown_stage": "环节无法识别",
    "invalid_defect_status": "整改状态无法识别",
    "completed_without_date": "整改状态为已完成或已验收，但完成日期为空",
    "completed_before_found": "完成日期早于发现日期",
    "malformed_record": "记录的字段数与表头不一致或引号未闭合，整条记录无法读取",
}
_INVALID_RULE = {
    "datetime": (
        "invalid_date",
        "不是可识别的日期，或日期不存在（可用 2024-07-14、2024/7/14、2024年7月14日，可带时间）",
    ),
    "month": ("invalid_month", "不是可识别的月份（如 2024-07、2024年7月）"),
    "bool": ("invalid_boolean", "不是可识别的是/否值（可用 是/否、Y/N、yes/no、true/false、1/0）"),
    "int": ("invalid_number", "不是整数"),
    "decimal": ("invalid_number", "不是数字"),
    "status": ("invalid_status", "不是可识别的办理状态（应为 已办结 或 办理中）"),
    "stage": ("unknown_stage", f"不是可识别的环节（应为 {'、'.join(STAGES)} 之一）"),
    "date": ("invalid_date", "不是可识别的日期，或日期不存在（可用 2024-07-14、2024/7/14、2024年7月14日）"),
    "defect_status": ("invalid_defect_status", f"不是可识别的整改状态（应为 {'、'.join(DEFECT_STATUSES)} 之一）"),
}
_PRIVATE_TYPES = {"id", "person_name", "phone"}
FUTURE_TOLERANCE = timedelta(minutes=10)  # clocks of source systems drift a little
MAX_DEADLINE_DAYS = 365  # a longer 办理时限 is a data-entry error (the data checks agree)
MAY_BE_FUTURE = {"due_date"}  # 整改期限 is a plan: a date ahead of today is normal


@dataclass(frozen=True)
class RuleContext:
    kind: str
    sources: dict[str, str]  # field -> header as written in the file
    required: frozenset[str]
    region_scheme: str = "cn"
    now: datetime | None = None
    earliest: date = date(1990, 1, 1)


def _value(frame: pl.DataFrame, f: Field) -> pl.Expr:
    """The value as the operator wrote it (the typed value for typed sources); never a clear identity."""
    if f.type in _PRIVATE_TYPES:
        return pl.lit("（已隐去）")
    src = SRC_PREFIX + f.name
    typed = pl.col(f.name).cast(pl.String)
    return pl.coalesce(pl.col(src).cast(pl.String), typed) if src in frame.columns else typed


def _label(f: Field, ctx: RuleContext) -> str:
    written = ctx.sources.get(f.name)
    if written and written.strip() != f.zh:
        return f"列「{f.zh}」（文件表头「{written.strip()}」）"
    return f"列「{f.zh}」"


def _violations(
    frame: pl.DataFrame, mask: pl.Expr, f: Field, ctx: RuleContext, rule: str, text: str, value: pl.Expr | None = None
) -> pl.DataFrame:
    """Quarantine rows for one rule: `text` follows the value in the message ({} = extra value if given)."""
    shown = _value(frame, f) if value is None else value
    message = pl.format("数据第{}行：" + _label(f, ctx) + "的值「{}」" + text, pl.col(SOURCE_ROW), shown.fill_null(""))
    return frame.filter(mask).select(
        pl.col(SOURCE_ROW).cast(pl.Int64).alias("source_row"),
        pl.lit(f.zh).alias("column_name"),
        pl.lit(ctx.sources.get(f.name, f.zh)).alias("source_column"),
        shown.alias("value"),
        pl.lit(rule).alias("rule"),
        message.alias("message"),
    )


def _field_rules(frame: pl.DataFrame, f: Field, ctx: RuleContext) -> list[pl.DataFrame]:
    col = pl.col(f.name)
    invalid_col = INVALID_PREFIX + f.name
    invalid = pl.col(invalid_col) if invalid_col in frame.columns else pl.lit(False)
    found: list[pl.DataFrame] = []
    if f.name in ctx.required:
        found.append(
            frame.filter(col.is_null() & ~invalid).select(
                pl.col(SOURCE_ROW).cast(pl.Int64).alias("source_row"),
                pl.lit(f.zh).alias("column_name"),
                pl.lit(ctx.sources.get(f.name, f.zh)).alias("source_column"),
                pl.lit(None, dtype=pl.String).alias("value"),
                pl.lit("required_missing").alias("rule"),
                pl.format("数据第{}行：必填" + _label(f, ctx) + "为空", pl.col(SOURCE_ROW)).alias("message"),
            )
        )
    if f.type == "province":
        where = (
            "美国州或属地代码（如 CA、NY）"
            if ctx.region_scheme == "us_states"
            else "中国省级行政区名称（如 广东省、广东）"
        )
        found.append(_violations(frame, invalid, f, ctx, "unknown_province", f"不是可识别的{where}"))
    elif f.type in _INVALID_RULE:
        rule, text = _INVALID_RULE[f.type]
        found.append(_violations(frame, invalid, f, ctx, rule, text))
    if f.type in ("datetime", "month", "date"):
        now = ctx.now or datetime.now()
        limit = now + FUTURE_TOLERANCE if f.type == "datetime" else now.date()
        if f.name not in MAY_BE_FUTURE:
            found.append(
                _violations(
                    frame, col > limit, f, ctx, "future_date", f"晚于当前时间（{now:%Y-%m-%d %H:%M}），日期不可能在未来"
                )
            )
        found.append(
            _violations(
                frame,
                col < pl.lit(ctx.earliest).cast(frame.schema[f.name]),
                f,
                ctx,
                "date_too_early",
                f"早于 {ctx.earliest:%Y-%m-%d}，不是合理的日期",
            )
        )
    if f.name in ("amount_disputed", "compensation"):
        found.append(_violations(frame, col < 0, f, ctx, "negative_amount", f"为负数，{f.zh}应大于或等于 0"))
    if f.name == "deadline_days":
        found.append(
            _violations(
                frame,
                (col < 1) | (col > MAX_DEADLINE_DAYS),
                f,
                ctx,
                "invalid_deadline",
                f"不在 1 至 {MAX_DEADLINE_DAYS} 天之间",
            )
        )
    if f.name == "personal_customers":
        found.append(_violations(frame, col <= 0, f, ctx, "invalid_count", "不大于 0，个人客户数应为正整数"))
    if f.name == "branches":
        found.append(_violations(frame, col < 0, f, ctx, "invalid_count", "为负数，营业网点数应大于或等于 0"))
    return found


def _order_rule(frame: pl.DataFrame, ctx: RuleContext, later: str, earlier: str, rule: str) -> pl.DataFrame:
    fields = {f.name: f for f in fields_of(ctx.kind)}
    f_later, f_earlier = fields[later], fields[earlier]
    text = "早于" + _label(f_earlier, ctx).removeprefix("列") + "的值「{}」"
    shown = _value(frame, f_later)
    message = pl.format(
        "数据第{}行：" + _label(f_later, ctx) + "的值「{}」" + text,
        pl.col(SOURCE_ROW),
        shown.fill_null(""),
        _value(frame, f_earlier).fill_null(""),
    )
    return frame.filter(pl.col(later) < pl.col(earlier)).select(
        pl.col(SOURCE_ROW).cast(pl.Int64).alias("source_row"),
        pl.lit(f_later.zh).alias("column_name"),
        pl.lit(ctx.sources.get(later, f_later.zh)).alias("source_column"),
        shown.alias("value"),
        pl.lit(rule).alias("rule"),
        message.alias("message"),
    )


def _completed_without_date(frame: pl.DataFrame, ctx: RuleContext) -> pl.DataFrame:
    """已完成 / 已验收 needs its 完成日期: without it neither the completion rate nor the effect can be judged."""
    fields = {f.name: f for f in fields_of(ctx.kind)}
    status, completed = fields["status"], fields["completed_date"]
    invalid = INVALID_PREFIX + "completed_date"
    unreadable = pl.col(invalid) if invalid in frame.columns else pl.lit(False)  # invalid_date says it already
    mask = pl.col("status").is_in(list(DEFECT_DONE)) & pl.col("completed_date").is_null() & ~unreadable
    return _violations(
        frame, mask, status, ctx, "completed_without_date", "表示整改已完成，但" + _label(completed, ctx) + "为空"
    )


def find_violations(frame: pl.DataFrame, ctx: RuleContext) -> pl.DataFrame:
    """All rule violations of a typed frame, one row per (source row, rule, column), in file order."""
    parts: list[pl.DataFrame] = []
    for f in fields_of(ctx.kind):
        parts.extend(_field_rules(frame, f, ctx))
    if ctx.kind == "cases":
        parts.append(_order_rule(frame, ctx, "closed_at", "received_at", "closed_before_received"))
    if ctx.kind == "events":
        parts.append(_order_rule(frame, ctx, "finished_at", "started_at", "finished_before_started"))
    if ctx.kind == "defects":
        parts.append(_order_rule(frame, ctx, "completed_date", "found_date", "completed_before_found"))
        parts.append(_completed_without_date(frame, ctx))
    parts = [p.cast(QUARANTINE_SCHEMA) for p in parts if p.height]  # type: ignore[arg-type]
    if not parts:
        return pl.DataFrame(schema=QUARANTINE_SCHEMA)
    return pl.concat(parts).sort("source_row", maintain_order=True)


def drop_violations(frame: pl.DataFrame, violations: pl.DataFrame) -> pl.DataFrame:
    """The rows that break no rule."""
    if violations.height == 0:
        return frame
    bad = violations.select(pl.col("source_row").unique().alias(SOURCE_ROW))
    return frame.join(bad, on=SOURCE_ROW, how="anti", maintain_order="left")


def malformed_violations(malformed: list[Malformed], width: int) -> pl.DataFrame:
    """Quarantine rows for records the reader could not split into the header's columns."""
    rows = []
    for record in malformed:
        problem = (
            "引号未闭合，记录不完整（例如导出在此中断）"
            if record.open_quote
            else f"有 {record.fields} 个字段，与表头的 {width} 列不一致"
        )
        message = f"数据第{record.source_row}行（文件第{record.line}行）：{problem}，整条记录无法读取；原文「{record.text[:200]}」"
        rows.append((record.source_row, None, None, record.text, "malformed_record", message))
    return pl.DataFrame(rows, schema=QUARANTINE_SCHEMA, orient="row")  # type: ignore[arg-type]
