"""Chinese display names for warehouse columns, tables, data kinds and batch states.

Pages show operators Chinese headers; the warehouse keeps English column names.
One dictionary per kind of name so a page never spells a label itself.
"""

from __future__ import annotations

from collections.abc import Iterable

COLUMN_LABELS: dict[str, str] = {
    # etl_batch
    "batch_id": "批次号",
    "file_name": "文件名",
    "file_hash": "文件指纹",
    "kind": "数据类型",
    "profile": "映射配置",
    "source_system": "来源系统",
    "started_at": "开始时间",
    "finished_at": "完成时间",
    "rows_read": "读取",
    "rows_loaded": "新增",
    "rows_updated": "更新",
    "rows_duplicate": "重复",
    "rows_quarantined": "隔离",
    "status": "状态",
    "message": "说明",
    # quarantine
    "source_row": "源文件行号",
    "column_name": "字段",
    "source_column": "源表头",
    "value": "值",
    "rule": "规则",
    "reason": "原因",
    # dq_result
    "suite": "检查套件",
    "expectation": "检查项",
    "success": "通过",
    "critical": "关键检查",
    "unexpected_count": "不符合数",
    "element_count": "检查行数",
    "details": "详情",
    "checked_at": "检查时间",
    # summaries built by dashboard.warehouse_views
    "table": "数据表",
    "table_label": "内容",
    "rows": "行数",
    "n_records": "隔离记录数",
    "n_rows": "涉及源文件行数",
    "example_message": "示例原因",
    "target": "中文表头",
    "note": "说明",
    # rejected loads (<db>.loadlog.jsonl)
    "at": "时间",
    "file": "文件",
}

TABLE_LABELS: dict[str, str] = {
    "raw_cases": "投诉案件（原始版本）",
    "raw_customers": "客户基数（原始版本）",
    "raw_events": "办理环节（原始版本）",
    "quarantine": "隔离行",
    "etl_batch": "导入批次",
    "dq_result": "数据质量检查结果",
    "fct_complaint": "投诉事实表",
    "fct_customer_base": "客户基数事实表",
    "fct_case_stage": "办理环节事实表",
}

KIND_LABELS: dict[str, str] = {
    "cases": "投诉案件",
    "customers": "客户基数",
    "events": "办理环节",
}

PROFILE_LABELS: dict[str, str] = {
    "canonical": "标准模板（canonical）",
    "cfpb": "美国 CFPB 投诉数据（cfpb）",
}

STATUS_LABELS: dict[str, str] = {
    "loaded": "已导入",
    "rejected": "已拒绝",
}


def column_label(name: str) -> str:
    """The Chinese header of a column, or the name itself when none is defined."""
    return COLUMN_LABELS.get(name, name)


def column_labels(names: Iterable[str]) -> dict[str, str]:
    """Old name -> Chinese header for every name that has one (for a rename)."""
    return {name: COLUMN_LABELS[name] for name in names if name in COLUMN_LABELS}


def table_label(name: str) -> str:
    return TABLE_LABELS.get(name, name)


def kind_label(kind: str | None) -> str:
    if kind is None:
        return "自动识别"
    return KIND_LABELS.get(kind, kind)


def profile_label(profile: str) -> str:
    return PROFILE_LABELS.get(profile, profile)


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)
