"""Chinese names of the columns that checks talk about (operator-readable messages)."""

from __future__ import annotations

COLUMN_LABELS: dict[str, str] = {
    "batch_id": "批次号",
    "source_row": "源文件行号",
    "source_system": "来源系统",
    "row_hash": "行内容指纹",
    # cases (DATA_CONTRACT.md canonical headers)
    "case_id": "案件编号",
    "received_at": "受理时间",
    "closed_at": "办结时间",
    "status": "办理状态",
    "channel": "渠道",
    "business_line": "业务条线",
    "product": "产品",
    "issue": "问题类型",
    "province": "省份",
    "city": "城市",
    "branch": "机构",
    "department": "处理部门",
    "complainant_key": "客户标识（加盐哈希）",
    "complainant_name_masked": "客户姓名（脱敏）",
    "phone_masked": "联系电话（脱敏）",
    "vulnerable_group": "特殊群体",
    "regulator_referred": "是否监管转办",
    "deadline_days": "办理时限天数",
    "resolved_first_time": "是否一次性化解",
    "satisfaction": "回访满意度",
    "amount_disputed_yuan": "争议金额",
    "litigation": "是否诉讼",
    "media_exposure": "媒体曝光",
    "mediation": "调解结果",
    "compensation_yuan": "赔付金额",
    "advance_payment": "是否先行赔付",
    "defect_ids": "缺陷编号",
    "summary": "诉求摘要",
    # customers
    "month": "月份",
    "personal_customers": "个人客户数",
    "branches": "营业网点数",
    # events
    "stage": "环节",
    "started_at": "开始时间",
    "finished_at": "完成时间",
    # marts
    "case_key": "案件代理键",
    "received_date": "受理日期",
    "due_date": "应办结日期",
    "is_repeat": "是否重复投诉",
    "region_key": "地区代理键",
}


def label_column(column: str | None) -> str:
    """The Chinese name of a column (the English name when none is known)."""
    if not column:
        return ""
    parts = [COLUMN_LABELS.get(part, part) for part in column.split(",")]
    return "、".join(parts)
