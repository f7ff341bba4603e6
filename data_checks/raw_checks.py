"""The import suites: checks on the rows of one batch about to land in raw_cases / raw_customers / raw_events."""

from __future__ import annotations

from data_checks.check import (
    EARLIEST_DATE,
    Check,
    earliest_allowed_time,
    expect,
    latest_allowed_time,
    list_known_channels,
    list_province_aliases,
    list_valid_months,
)

CASE_STATUSES = ("已办结", "办理中")
SATISFACTION_VALUES = ("满意", "基本满意", "不满意", "未回访")
MEDIATION_VALUES = ("未调解", "调解成功", "调解失败")
VULNERABLE_GROUPS = ("老年人", "残障人士", "小微企业主", "学生", "无")
EVENT_STAGES = ("受理", "分派", "调查", "沟通", "决策", "反馈", "回访", "复盘")
DEFECT_STATUSES = ("未开始", "整改中", "已完成", "已验收")
DEFECT_TYPES = ("制度缺陷", "系统漏洞", "流程断点")

# The columns of raw_<kind> (warehouse/sql/raw/00_raw.sql) the gate needs; batch_id may be absent (set when landing).
RAW_COLUMNS: dict[str, tuple[str, ...]] = {
    "cases": (
        *("source_row", "source_system", "case_id", "received_at", "closed_at", "status", "channel"),
        *("business_line", "product", "issue", "province", "city", "branch", "department", "complainant_key"),
        *("complainant_name_masked", "phone_masked", "vulnerable_group", "regulator_referred", "deadline_days"),
        *("resolved_first_time", "satisfaction", "amount_disputed_yuan", "litigation", "media_exposure"),
        *("summary", "row_hash", "mediation", "compensation_yuan", "advance_payment", "defect_ids"),
    ),
    "customers": (
        *("source_row", "source_system", "province", "city", "month", "personal_customers", "branches"),
        "row_hash",
    ),
    "events": ("source_row", "source_system", "case_id", "stage", "started_at", "finished_at", "row_hash"),
    "contacts": (
        *("source_row", "source_system", "complainant_key", "contacted_at", "method", "staff", "outcome"),
        "row_hash",
    ),
    "defects": (
        *("source_row", "source_system", "defect_id", "defect_type", "description", "root_cause", "department"),
        *("found_date", "due_date", "status", "completed_date", "measure", "case_ids", "row_hash"),
    ),
}
# NOT NULL columns of raw_<kind>, with their Chinese names.
REQUIRED_COLUMNS: dict[str, dict[str, str]] = {
    "cases": {
        "source_row": "源文件行号", "source_system": "来源系统", "case_id": "案件编号", "received_at": "受理时间",
        "channel": "渠道", "product": "产品", "issue": "问题类型", "province": "省份", "row_hash": "行内容指纹",
    },
    "customers": {
        "source_row": "源文件行号", "source_system": "来源系统", "province": "省份", "month": "月份",
        "personal_customers": "个人客户数", "row_hash": "行内容指纹",
    },
    "events": {
        "source_row": "源文件行号", "source_system": "来源系统", "case_id": "案件编号", "stage": "环节",
        "started_at": "开始时间", "row_hash": "行内容指纹",
    },
    "contacts": {
        "source_row": "源文件行号", "source_system": "来源系统", "complainant_key": "客户标识（哈希）",
        "contacted_at": "时间", "method": "方式", "row_hash": "行内容指纹",
    },
    "defects": {
        "source_row": "源文件行号", "source_system": "来源系统", "defect_id": "缺陷编号", "defect_type": "缺陷类型",
        "department": "责任部门", "found_date": "发现日期", "due_date": "整改期限", "status": "整改状态",
        "row_hash": "行内容指纹",
    },
}  # fmt: skip


def build_common_checks(kind: str) -> list[Check]:
    """Shape checks every batch gets: all columns present, row numbers usable, required values filled."""
    return [
        expect(
            f"{kind}.columns_present", None, "待落地的数据须包含落地表的全部列（映射配置或导入程序缺列时拒绝整批）",
            "ExpectTableColumnsToMatchSet", column_set=list(RAW_COLUMNS[kind]), exact_match=False,
        ),
        expect(f"{kind}.source_row_unique", "source_row", "源文件行号在本批次中不得重复", "ExpectColumnValuesToBeUnique"),
        expect(
            f"{kind}.source_row_positive", "source_row", "源文件行号须从 1 开始", "ExpectColumnValuesToBeBetween",
            min_value=1,
        ),
        *(
            expect(f"{kind}.{column}_not_null", column, f"{label}不得为空", "ExpectColumnValuesToNotBeNull")
            for column, label in REQUIRED_COLUMNS[kind].items()
        ),
    ]  # fmt: skip


def build_time_checks(kind: str, column: str, label: str, *, not_too_early: bool) -> list[Check]:
    checks = [
        expect(
            f"{kind}.{column}_not_future", column, f"{label}不得晚于当前时间（北京时间，容差 1 天）",
            "ExpectColumnValuesToBeBetween", max_value=latest_allowed_time,
        ),
    ]  # fmt: skip
    if not_too_early:
        checks.append(
            expect(
                f"{kind}.{column}_not_too_early", column,
                f"{label}不得早于 {EARLIEST_DATE:%Y-%m-%d}（更早的日期多为日期解析错误）",
                "ExpectColumnValuesToBeBetween", min_value=earliest_allowed_time,
            )
        )  # fmt: skip
    return checks


def build_province_check(kind: str) -> Check:
    return expect(
        f"{kind}.province_canonical", "province", "省份须为规范全称（如“广东省”，而非“广东”或“Guangdong”）",
        "ExpectColumnValuesToNotBeInSet", value_set=list_province_aliases,
    )  # fmt: skip


def build_case_checks() -> list[Check]:
    return [
        *build_common_checks("cases"),
        *build_time_checks("cases", "received_at", "受理时间", not_too_early=True),
        *build_time_checks("cases", "closed_at", "办结时间", not_too_early=False),
        expect(
            "cases.closed_not_before_received", "closed_at", "办结时间不得早于受理时间",
            "ExpectColumnPairValuesAToBeGreaterThanB", column_A="closed_at", column_B="received_at", or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
        expect(
            "cases.status_in_set", "status", f"办理状态须为 {'、'.join(CASE_STATUSES)} 之一",
            "ExpectColumnValuesToBeInSet", value_set=list(CASE_STATUSES),
        ),
        expect(
            "cases.open_case_not_closed", "closed_at", "办理状态为“办理中”的案件不应有办结时间",
            "ExpectColumnValuesToBeNull", critical=False, row_condition=("status", "办理中"),
        ),
        # Unknown channels are kept as new members (DATA_CONTRACT.md): shown, never rejected.
        expect(
            "cases.channel_known", "channel", "渠道应为已知渠道之一（未知渠道会作为新成员保留并单独显示）",
            "ExpectColumnValuesToBeInSet", critical=False, value_set=list_known_channels,
        ),
        build_province_check("cases"),
        expect(
            "cases.deadline_days_range", "deadline_days", "办理时限天数须在 1 至 365 天之间",
            "ExpectColumnValuesToBeBetween", min_value=1, max_value=365,
        ),
        expect(
            "cases.amount_not_negative", "amount_disputed_yuan", "争议金额不得为负数",
            "ExpectColumnValuesToBeBetween", min_value=0,
        ),
        expect(
            "cases.compensation_not_negative", "compensation_yuan", "赔付金额不得为负数",
            "ExpectColumnValuesToBeBetween", min_value=0,
        ),
        # Warnings until the importer quarantines unknown values row by row (it keeps them as written today).
        expect(
            "cases.mediation_in_set", "mediation", f"调解结果应为 {'、'.join(MEDIATION_VALUES)} 之一",
            "ExpectColumnValuesToBeInSet", critical=False, value_set=list(MEDIATION_VALUES),
        ),
        expect(
            "cases.satisfaction_in_set", "satisfaction", f"回访满意度须为 {'、'.join(SATISFACTION_VALUES)} 之一",
            "ExpectColumnValuesToBeInSet", critical=False, value_set=list(SATISFACTION_VALUES),
        ),
        expect(
            "cases.vulnerable_group_in_set", "vulnerable_group", f"特殊群体应为 {'、'.join(VULNERABLE_GROUPS)} 之一",
            "ExpectColumnValuesToBeInSet", critical=False, value_set=list(VULNERABLE_GROUPS),
        ),
        # Privacy: the clear identifier, name and phone must never reach the warehouse.
        expect(
            "cases.complainant_key_hashed", "complainant_key", "客户标识只能以加盐哈希（64 位十六进制）保存，不得出现明文",
            "ExpectColumnValuesToMatchRegex", regex=r"^[0-9a-f]{64}$",
        ),
        expect(
            "cases.name_masked", "complainant_name_masked", "客户姓名须已脱敏（含 *，如“张**”）",
            "ExpectColumnValuesToMatchRegex", regex=r"\*",
        ),
        expect(
            "cases.phone_masked", "phone_masked", "联系电话须已脱敏（含 *，如“138****1234”）",
            "ExpectColumnValuesToMatchRegex", regex=r"\*",
        ),
        expect(
            "cases.case_once_per_file", "source_system,case_id",
            "同一文件中同一案件编号应只出现一次（重复出现时以后出现的版本为准）",
            "ExpectCompoundColumnsToBeUnique", critical=False, column_list=["source_system", "case_id"],
        ),
    ]  # fmt: skip


def build_customer_checks() -> list[Check]:
    return [
        *build_common_checks("customers"),
        expect(
            "customers.month_valid", "month", f"月份须为 {EARLIEST_DATE:%Y-%m} 至本月之间某月的 1 日（不得为未来月份）",
            "ExpectColumnValuesToBeInSet", value_set=list_valid_months,
        ),
        expect(
            "customers.personal_customers_positive", "personal_customers", "个人客户数须大于 0",
            "ExpectColumnValuesToBeBetween", min_value=0, strict_min=True,
        ),
        expect(
            "customers.branches_not_negative", "branches", "营业网点数不得为负数",
            "ExpectColumnValuesToBeBetween", min_value=0,
        ),
        build_province_check("customers"),
        expect(
            "customers.region_month_once_per_file", "province,city,month", "同一文件中同一地区同一月份应只出现一次",
            "ExpectCompoundColumnsToBeUnique", critical=False,
            column_list=["source_system", "province", "city", "month"],
        ),
    ]  # fmt: skip


def build_event_checks() -> list[Check]:
    return [
        *build_common_checks("events"),
        expect(
            "events.stage_in_set", "stage", f"环节须为 {'、'.join(EVENT_STAGES)} 之一",
            "ExpectColumnValuesToBeInSet", value_set=list(EVENT_STAGES),
        ),
        *build_time_checks("events", "started_at", "开始时间", not_too_early=True),
        *build_time_checks("events", "finished_at", "完成时间", not_too_early=False),
        expect(
            "events.finished_not_before_started", "finished_at", "完成时间不得早于开始时间",
            "ExpectColumnPairValuesAToBeGreaterThanB", column_A="finished_at", column_B="started_at", or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
        expect(
            "events.stage_once_per_file", "case_id,stage", "同一文件中同一案件的同一环节应只出现一次",
            "ExpectCompoundColumnsToBeUnique", critical=False, column_list=["source_system", "case_id", "stage"],
        ),
    ]  # fmt: skip


def build_defect_checks() -> list[Check]:
    return [
        *build_common_checks("defects"),
        expect(
            "defects.status_in_set", "status", f"整改状态须为 {'、'.join(DEFECT_STATUSES)} 之一",
            "ExpectColumnValuesToBeInSet", value_set=list(DEFECT_STATUSES),
        ),
        expect(
            "defects.completed_not_before_found", "completed_date", "完成日期不得早于发现日期",
            "ExpectColumnPairValuesAToBeGreaterThanB", column_A="completed_date", column_B="found_date",
            or_equal=True, ignore_row_if="either_value_is_missing",
        ),
        # Other types are kept as written (DATA_CONTRACT.md): a warning, never a rejection.
        expect(
            "defects.defect_type_known", "defect_type", f"缺陷类型应为 {'、'.join(DEFECT_TYPES)} 之一（其他值按原值保留）",
            "ExpectColumnValuesToBeInSet", critical=False, value_set=list(DEFECT_TYPES),
        ),
        expect(
            "defects.defect_once_per_file", "source_system,defect_id",
            "同一文件中同一缺陷编号应只出现一次（重复出现时以后出现的版本为准，计为更新）",
            "ExpectCompoundColumnsToBeUnique", critical=False, column_list=["source_system", "defect_id"],
        ),
    ]  # fmt: skip


BATCH_CHECKS: dict[str, list[Check]] = {
    "cases": build_case_checks(),
    "customers": build_customer_checks(),
    "events": build_event_checks(),
    "contacts": [
        *build_common_checks("contacts"),
        *build_time_checks("contacts", "contacted_at", "时间", not_too_early=True),
    ],
    "defects": build_defect_checks(),
}
