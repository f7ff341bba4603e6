"""The data contract (../shared/DATA_CONTRACT.md) as code: kinds, fields, types, header aliases."""

from __future__ import annotations

from dataclasses import dataclass, field

KINDS = ("cases", "customers", "events", "contacts", "defects")


@dataclass(frozen=True)
class Field:
    name: str  # English name of the contract, the canonical column of the frames
    zh: str  # canonical Chinese header
    type: str  # text|datetime|bool|int|decimal|month|status|channel|province|city|stage|id|person_name|phone
    required: bool = False
    aliases: tuple[str, ...] = field(default_factory=tuple)  # other spellings seen in bank exports


CASE_FIELDS: tuple[Field, ...] = (
    Field("case_id", "案件编号", "text", True, ("投诉编号", "工单编号", "工单号", "案件号", "编号", "case_no")),
    Field(
        "received_at", "受理时间", "datetime", True, ("受理日期", "投诉时间", "投诉日期", "登记时间", "date_received")
    ),
    Field("closed_at", "办结时间", "datetime", False, ("办结日期", "结案时间", "结案日期", "date_closed")),
    Field("status", "办理状态", "status", False, ("状态", "处理状态", "案件状态")),
    Field("channel", "渠道", "channel", True, ("投诉渠道", "受理渠道", "来源渠道")),
    Field("business_line", "业务条线", "text", False, ("条线", "业务线")),
    Field("product", "产品", "text", True, ("产品名称", "涉及产品", "产品类型")),
    Field("issue", "问题类型", "text", True, ("投诉问题", "问题分类", "投诉原因", "投诉类型")),
    Field("province", "省份", "province", True, ("省", "所在省份", "省/直辖市")),
    Field("city", "城市", "city", False, ("市", "所在城市", "地市")),
    Field("branch", "机构", "text", False, ("网点", "承办机构", "处理机构", "分支机构")),
    Field("department", "处理部门", "text", False, ("部门", "责任部门", "承办部门")),
    Field("complainant_id", "客户标识", "id", True, ("客户号", "客户编号", "证件号码", "身份证号", "customer_id")),
    Field("complainant_name", "客户姓名", "person_name", False, ("姓名", "投诉人", "投诉人姓名", "客户名称")),
    Field("phone", "联系电话", "phone", False, ("电话", "手机号", "手机号码", "联系方式")),
    Field("vulnerable_group", "特殊群体", "text", False, ("特殊客群",)),
    Field("regulator_referred", "是否监管转办", "bool", False, ("监管转办",)),
    Field("deadline_days", "办理时限天数", "int", False, ("办理时限", "时限天数")),
    Field("resolved_first_time", "是否一次性化解", "bool", False, ("一次性化解",)),
    Field("satisfaction", "回访满意度", "text", False, ("满意度",)),
    Field("amount_disputed", "争议金额", "decimal", False, ("涉及金额", "金额")),
    Field("litigation", "是否诉讼", "bool", False, ("诉讼",)),
    Field("media_exposure", "媒体曝光", "bool", False, ("是否媒体曝光",)),
    Field("summary", "诉求摘要", "text", False, ("诉求内容", "投诉内容", "摘要")),
    # 简单 / 复杂 / 诉讼: chooses the 决策 clock (METRICS.md, SLA cards); blank -> 简单, or 诉讼 when litigated.
    Field("case_type", "案件类型", "text", False, ("案件分类", "案件复杂程度")),
    # Outcomes (METRICS.md: mediation_success_rate, litigation_rate, compensation_yuan, payout_ratio).
    Field("mediation", "调解结果", "text", False, ("调解情况", "调解状态")),
    Field("compensation", "赔付金额", "decimal", False, ("赔偿金额", "补偿金额")),
    Field("advance_payment", "是否先行赔付", "bool", False, ("先行赔付",)),
    Field("defect_ids", "缺陷编号", "text", False, ("关联缺陷",)),
)

CUSTOMER_FIELDS: tuple[Field, ...] = (
    Field("province", "省份", "province", True, ("省",)),
    Field("city", "城市", "city", False, ("市", "地市")),
    Field("month", "月份", "month", True, ("统计月份", "年月")),
    Field("personal_customers", "个人客户数", "int", True, ("个人客户数量", "客户数")),
    Field("branches", "营业网点数", "int", False, ("网点数", "营业网点数量")),
)

EVENT_FIELDS: tuple[Field, ...] = (
    Field("case_id", "案件编号", "text", True, ("投诉编号", "工单编号", "工单号")),
    Field("stage", "环节", "stage", True, ("处理环节", "阶段")),
    Field("started_at", "开始时间", "datetime", True, ("开始日期",)),
    Field("finished_at", "完成时间", "datetime", False, ("完成日期", "结束时间")),
)

# Contact log of the 一人一档 (seed 003): what the center did for a person. 客户标识 is hashed like the cases'
# (same salt), so a contact joins the person's cases without any clear identifier in the warehouse.
CONTACT_FIELDS: tuple[Field, ...] = (
    Field("complainant_id", "客户标识", "id", True, ("客户号", "客户编号", "证件号码", "身份证号", "customer_id")),
    Field("contacted_at", "时间", "datetime", True, ("联系时间", "接触时间", "走访时间", "contacted_at")),
    Field("method", "方式", "text", True, ("联系方式", "接触方式", "method")),  # 来电 / 上门 / 约谈 / 书面
    Field("staff", "经办人", "text", False, ("处理人", "承办人", "staff")),
    Field("outcome", "结果", "text", False, ("处理结果", "联系结果", "outcome")),
)

# The 内部缺陷清单 of 溯源整改 (DATA_CONTRACT.md, defect ledger): one defect found by tracing complaints, with its
# rectification. 关联案件 links cases from this side; 缺陷编号 on a case links from the other.
DEFECT_FIELDS: tuple[Field, ...] = (
    Field("defect_id", "缺陷编号", "text", True, ("缺陷号", "问题编号", "defect_no")),
    Field("defect_type", "缺陷类型", "text", True, ("缺陷分类",)),  # 制度缺陷 / 系统漏洞 / 流程断点, others kept
    Field("description", "缺陷描述", "text", False, ("问题描述", "缺陷内容")),
    Field("root_cause", "根因分类", "text", False, ("根因", "原因分类", "根本原因")),
    Field("department", "责任部门", "text", True, ("整改部门", "牵头部门")),
    Field("found_date", "发现日期", "date", True, ("发现时间", "识别日期")),
    Field("due_date", "整改期限", "date", True, ("整改时限", "计划完成日期", "要求完成日期")),
    Field("status", "整改状态", "defect_status", True, ("状态", "整改进度")),
    Field("completed_date", "完成日期", "date", False, ("完成时间", "整改完成日期", "实际完成日期")),
    Field("measure", "整改措施", "text", False, ("措施", "整改方式")),
    Field("case_ids", "关联案件", "text", False, ("关联案件编号", "案件编号", "related_cases")),
)

FIELDS: dict[str, tuple[Field, ...]] = {
    "cases": CASE_FIELDS,
    "customers": CUSTOMER_FIELDS,
    "events": EVENT_FIELDS,
    "contacts": CONTACT_FIELDS,
    "defects": DEFECT_FIELDS,
}

# Natural key of each kind (source_system is always part of it).
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "cases": ("source_system", "case_id"),
    "customers": ("source_system", "province", "city", "month"),
    "events": ("source_system", "case_id", "stage"),
    "contacts": ("source_system", "complainant_key", "contacted_at", "method"),
    "defects": ("source_system", "defect_id"),
}

KIND_ZH = {
    "cases": "投诉案件",
    "customers": "客户基数",
    "events": "办理环节",
    "contacts": "联系记录",
    "defects": "缺陷清单",
}
CONTACT_METHODS = ("来电", "上门", "约谈", "书面")
DEFECT_TYPES = ("制度缺陷", "系统漏洞", "流程断点")  # others are kept as written, with a warning
DEFECT_STATUSES = ("未开始", "整改中", "已完成", "已验收")
DEFECT_DONE = ("已完成", "已验收")  # statuses that need a 完成日期

# A case with a blank descriptive cell is still a case (DATA_CONTRACT.md): it loads as this member of
# the dimension and is reported as a warning with the rule id beside it; it is never quarantined.
UNKNOWN_MEMBERS: dict[str, tuple[str, str]] = {
    "province": ("未知地区", "region_unknown"),
    "product": ("未知产品", "product_unknown"),
    "issue": ("未知问题类型", "issue_unknown"),
    "channel": ("未知渠道", "channel_unknown"),
}

STATUS_VALUES = ("已办结", "办理中")
STAGES = ("受理", "分派", "调查", "沟通", "决策", "反馈", "回访", "复盘")


def describe_unknown_rules() -> dict[str, str]:
    """{rule id: Chinese description} of the blank-cell warnings (region_unknown …), for the 数据质量 page."""
    zh = {f.name: f.zh for f in CASE_FIELDS}
    return {
        rule: f"{zh[name]}为空的案件按「{member}」导入：计入全国总量，在按{zh[name]}的分组中单列（警告，不隔离）"
        for name, (member, rule) in UNKNOWN_MEMBERS.items()
    }


def fields_of(kind: str) -> tuple[Field, ...]:
    if kind not in FIELDS:
        raise ValueError(f"未知的数据类型 {kind!r}：应为 {', '.join(KINDS)}")
    return FIELDS[kind]


def field_of(kind: str, name: str) -> Field:
    for f in fields_of(kind):
        if f.name == name:
            return f
    raise KeyError(name)


def zh_name(kind: str, name: str) -> str:
    """The Chinese header of a field, or the name itself for columns outside the contract."""
    try:
        return field_of(kind, name).zh
    except KeyError:
        return name
