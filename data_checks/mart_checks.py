"""The mart suite: keys, grain, foreign keys and rules of the star schema after a rebuild.

GX runs on the small tables (dimensions, customer base); the 10M-row fact table is
checked with SQL aggregates (sql_checks.py), by the function of the same id.
"""

from __future__ import annotations

from data_checks.check import STALE_AFTER_DAYS, Check, expect, list_province_aliases, sql_check

# Dimensions referenced by fct_complaint: (dimension, required). A required key may not be NULL.
FACT_DIMENSIONS: tuple[tuple[str, bool], ...] = (
    ("channel", True), ("product", True), ("issue", True), ("region", True), ("branch", False), ("department", False),
)  # fmt: skip
DIMENSION_LABELS = {
    "channel": "渠道", "product": "产品", "issue": "问题类型", "region": "地区", "branch": "机构", "department": "处理部门",
}  # fmt: skip
MART_TABLES = ("fct_complaint", "fct_customer_base", "dim_date", *(f"dim_{d}" for d, _ in FACT_DIMENSIONS))


def build_dimension_checks() -> list[Check]:
    checks: list[Check] = []
    for dimension, _ in FACT_DIMENSIONS:
        key, table, label = f"{dimension}_key", f"dim_{dimension}", DIMENSION_LABELS[dimension]
        checks += [
            expect(
                f"marts.dim_{dimension}_key_unique", key, f"{label}维表（{table}）的代理键不得重复",
                "ExpectColumnValuesToBeUnique", table=table,
            ),
            expect(
                f"marts.dim_{dimension}_key_not_null", key, f"{label}维表（{table}）的代理键不得为空",
                "ExpectColumnValuesToNotBeNull", table=table,
            ),
        ]  # fmt: skip
    return checks


def build_mart_checks() -> list[Check]:
    fact = "fct_complaint"
    return [
        *build_dimension_checks(),
        expect(
            "marts.dim_region_province_canonical", "province", "地区维表（dim_region）的省份须为规范全称（如“广东省”）",
            "ExpectColumnValuesToNotBeInSet", table="dim_region", value_set=list_province_aliases,
        ),
        expect(
            "marts.customer_base_positive", "personal_customers", "客户基数表（fct_customer_base）的个人客户数须大于 0",
            "ExpectColumnValuesToBeBetween", table="fct_customer_base", min_value=0, strict_min=True,
        ),
        sql_check("marts.case_key_unique", fact, "case_key", "投诉事实表每个案件代理键只出现一次且不为空"),
        sql_check(
            "marts.case_natural_key_unique", fact, "source_system,case_id",
            "投诉事实表中每个（来源系统, 案件编号）只出现一次（同一案件只保留最新版本）",
        ),
        *(
            sql_check(
                f"marts.fk_{dimension}", fact, f"{dimension}_key",
                f"投诉事实表的{DIMENSION_LABELS[dimension]}键须能在 dim_{dimension} 中找到"
                + ("且不得为空" if required else "（可为空）"),
            )
            for dimension, required in FACT_DIMENSIONS
        ),
        sql_check("marts.fk_received_date", fact, "received_date", "投诉事实表的受理日期须能在日期维表（dim_date）中找到"),
        sql_check(
            "marts.fk_customer_base_region", "fct_customer_base", "region_key",
            "客户基数表的地区键须能在 dim_region 中找到且不得为空",
        ),
        sql_check("marts.repeat_needs_complainant", fact, "is_repeat", "只有有客户标识的案件才可能被判为重复投诉"),
        sql_check("marts.closed_not_before_received", fact, "closed_at", "办结时间不得早于受理时间"),
        sql_check("marts.due_date_rule", fact, "due_date", "应办结日期须等于受理日期加办理时限天数（时限须大于 0）"),
        sql_check("marts.received_not_future", fact, "received_date", "受理日期不得晚于今天（北京时间，容差 1 天）"),
        sql_check(
            "marts.data_recent", fact, "received_date",
            f"最新受理日期距今不应超过 {STALE_AFTER_DAYS} 天（数据可能没有按时导入）", critical=False,
        ),
    ]  # fmt: skip


MART_CHECKS: list[Check] = build_mart_checks()
