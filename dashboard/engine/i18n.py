"""Chinese display names for warehouse columns, tables, data kinds and batch states.

Pages show operators Chinese headers; the warehouse keeps English column names.
One dictionary per kind of name so a page never spells a label itself.
"""

from __future__ import annotations

from collections.abc import Iterable

from dashboard.engine.kpis import DIMENSION_LABELS
from dashboard.engine.metrics import get_metric
from dashboard.engine.periods import PRESETS

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
    "rows_footer": "表尾行（未计入读取）",
    "rows_malformed": "其中残缺记录",
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
    # summaries built by dashboard.views.warehouse_views
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

# Columns of the analysts' query files (queries/) and of v_complaint: their charts and tables show these
# names, never the SQL alias (a column not listed keeps its own name: the analyst chose it).
RESULT_LABELS: dict[str, str] = {
    "rank": "名次",
    "source_system": "来源系统",
    "case_id": "案件编号",
    "received_date": "受理日期",
    "due_date": "到期日",
    "closed_date": "办结日期",
    "days_overdue": "超期天数",
    "status": "状态",
    "channel": "渠道",
    "business_line": "业务条线",
    "product": "产品",
    "issue": "问题类型",
    "province": "省份",
    "city": "城市",
    "branch": "机构",
    "department": "处理部门",
    "region_group": "区域分组",
    "vulnerable_group": "特殊群体",
    "complainant_name_masked": "客户（脱敏）",
    "month": "月份",
    "quarter": "季度",
    "customers": "客户数",
    "mean_customers": "平均客户数",
    "mean_personal_customers": "平均个人客户数",
    "n_complaints": "投诉量",
    "n_received": "受理量",
    "n_closed": "办结量",
    "n_on_time": "按期办结量",
    "n_due_still_open": "到期未办结量",
    "n_regulator_referred": "监管转办量",
    "n_previous_year": "上年同期投诉量",
    "n_high_risk": "高风险案件数",
    "n_medium_risk": "中风险案件数",
    "n_identified_cases": "可识别客户的案件数",
    "n_repeat_cases": "重复投诉件数",
    "n_repeat_complainants": "重复投诉人数",
    "n_surveyed": "回访数",
    "n_satisfied": "满意数",
    "n_mostly_satisfied": "基本满意数",
    "n_dissatisfied": "不满意数",
    "share": "占比",
    "share_of_all": "占全部投诉比例",
    "cumulative_share": "累计占比",
    "high_risk_share": "高风险占比",
    "per_million_customers": "百万客户投诉量",
    "repeat_rate": "重复投诉率",
    "on_time_rate": "按期办结率",
    "on_time_rate_closed": "按期办结率（办结案件）",
    "satisfaction_rate": "满意率",
    "yoy": "同比",
    "mean_handling_days": "平均处理天数",
    "mean_days": "平均天数",
    "median_days": "中位天数",
    "p90_days": "90分位天数",
}


def result_label(name: str) -> str:
    return RESULT_LABELS.get(name, name)


def result_labels(names: Iterable[str]) -> dict[str, str]:
    """Rename mapping for a query result's columns (unknown names stay as the analyst wrote them; a label that
    another column already carries is not given twice)."""
    names = list(names)
    taken, mapping = set(names), {}
    for name in names:
        label = result_label(name)
        if label != name and label not in taken:
            mapping[name] = label
            taken.add(label)
    return mapping


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
    "fct_defect": "缺陷清单事实表",
    "bridge_case_defect": "案件与缺陷关联表",
}

KIND_LABELS: dict[str, str] = {
    "cases": "投诉案件",
    "customers": "客户基数",
    "events": "办理环节",
    "contacts": "联系记录",
    "defects": "缺陷清单（溯源整改）",
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


# --- Cockpit pages: one dictionary per language; a key missing in English falls back to Chinese. ---
LANGUAGES: dict[str, str] = {"zh": "中文", "en": "English"}
DEFAULT_LANGUAGE = "zh"

UI_TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "app_title": "投诉信访治理驾驶舱",
        "updated_at": "数据更新于 {at}",
        "no_warehouse_yet": "数据仓库：尚未建立",
        "cockpit": "驾驶舱总览",
        "trends": "趋势分析",
        "filters": "筛选条件",
        "period": "统计期间",
        "custom_range": "自定义起止日期",
        "comparison": "对比基准",
        "region_mode": "地区口径",
        "region_mode_province": "省份/城市",
        "region_mode_group": "区域分组",
        "province": "省份",
        "city": "城市",
        "region_group": "区域分组",
        "business_line": "业务条线",
        "product": "产品",
        "channel": "渠道",
        "department": "处理部门",
        "vulnerable_group": "特殊群体",
        "referred_only": "仅看监管转办",
        "all": "全部",
        "reset": "重置筛选",
        "language": "语言",
        "copy_link_hint": "复制浏览器地址栏的链接，即可让他人打开同样的视图。",
        "period_line": "统计期间 {period}；同比基期 {last_year}；环比基期 {before}",
        "active_filters": "筛选：{filters}",
        "freshness": "数据截至：最近受理时间 {latest}；最近导入 {load}",
        "kpi_more": "更多指标",
        "yoy": "同比",
        "pop": "环比",
        "target": "目标",
        "no_target": "无考核目标",
        "status_good": "达标",
        "status_warning": "预警",
        "status_bad": "未达标",
        "channel_mix": "渠道结构",
        "business_line_mix": "业务条线结构",
        "rising_issues": "上升最快的五类问题",
        "rising_rule": "按投诉量较{base}增加的件数排序（仅列增加的问题类型）。",
        "no_rising": "与{base}相比，没有投诉量上升的问题类型。",
        "table": "数据表",
        "share": "占比",
        "volume": "投诉量",
        "key_issue": "问题类型",
        "current": "本期",
        "earlier": "基期",
        "change": "增加",
        "change_rate": "增幅",
        "volume_trend": "投诉量趋势",
        "grain": "时间粒度",
        "grain_month": "月",
        "grain_quarter": "季度",
        "grain_week": "周",
        "stack_by": "堆叠维度",
        "stack_none": "不分组",
        "last_year": "上年同期",
        "kpi_trends": "各指标走势与目标",
        "trend_span": "展示区间 {span}（按所选期间的截止日期往前取）",
        "target_line": "目标",
        "warning_line": "预警线",
        "not_available": "无法计算",
        "no_data_period": "所选期间没有数据：{reason}",
        "bucket": "时间",
        "missing_metric": "—：{reason}",
        "target_on_yoy": "目标针对同比：{target}",
        "yoy_trend": "同比变化",
        "kpi_by_month_note": "选择“周”时，投诉量按周展示；各指标按月展示（周内样本太少，比率不稳定）。",
        "page_in_chinese": "",
        "language_scope": "",
    },
    "en": {
        "app_title": "Complaint & Petition Governance Cockpit",
        "updated_at": "Data updated {at}",
        "no_warehouse_yet": "Warehouse: not built yet",
        "cockpit": "Cockpit overview",
        "trends": "Trends",
        "filters": "Filters",
        "period": "Period",
        "custom_range": "Custom dates",
        "comparison": "Compare with",
        "region_mode": "Regions by",
        "region_mode_province": "Province / city",
        "region_mode_group": "Region group",
        "province": "Province",
        "city": "City",
        "region_group": "Region group",
        "business_line": "Business line",
        "product": "Product",
        "channel": "Channel",
        "department": "Department",
        "vulnerable_group": "Vulnerable group",
        "referred_only": "Regulator referrals only",
        "all": "All",
        "reset": "Reset filters",
        "language": "Language",
        "copy_link_hint": "Copy the address bar link to share exactly this view.",
        "period_line": "Period {period}; last year {last_year}; previous period {before}",
        "active_filters": "Filters: {filters}",
        "freshness": "Data as of: latest received {latest}; last load {load}",
        "kpi_more": "More metrics",
        "yoy": "YoY",
        "pop": "PoP",
        "target": "Target",
        "no_target": "No target",
        "status_good": "On target",
        "status_warning": "Warning",
        "status_bad": "Off target",
        "channel_mix": "Channel mix",
        "business_line_mix": "Business line mix",
        "rising_issues": "Five fastest-rising issues",
        "rising_rule": "Ranked by the increase in cases over {base} (rising issues only).",
        "no_rising": "No issue rose compared with {base}.",
        "table": "Table",
        "share": "Share",
        "volume": "Volume",
        "key_issue": "Issue",
        "current": "This period",
        "earlier": "Base",
        "change": "Increase",
        "change_rate": "Growth",
        "volume_trend": "Complaint volume",
        "grain": "Grain",
        "grain_month": "Month",
        "grain_quarter": "Quarter",
        "grain_week": "Week",
        "stack_by": "Stack by",
        "stack_none": "None",
        "last_year": "Last year",
        "kpi_trends": "Each KPI against its target",
        "trend_span": "Showing {span} (counted back from the end of the selected period)",
        "target_line": "Target",
        "warning_line": "Warning",
        "not_available": "Not available",
        "no_data_period": "No data for the selected period: {reason}",
        "bucket": "Period",
        "missing_metric": "—: {reason}",
        "target_on_yoy": "Target applies to YoY: {target}",
        "yoy_trend": "YoY change",
        "kpi_by_month_note": "With weeks selected, volume is shown by week and the KPIs by month (weekly rates are too noisy).",
        "page_in_chinese": "This page's content is in Chinese: the English switch covers the menu, the filters, "
        "the cockpit overview and the trends page.",
        "language_scope": "English: menu, filters, cockpit overview and trends. The other pages stay in Chinese.",
    },
}

# The engine's presets and comparisons in English (Chinese names live in dashboard.engine.periods).
PRESET_LABELS_EN: dict[str, str] = {
    "this_month": "Month to date",
    "this_quarter": "Quarter to date",
    "this_year": "Year to date",
    "last_12_months": "Last 12 months",
    "last_full_quarter": "Last full quarter",
    "custom": "Custom",
}
# Navigation titles in English, by page file (the router's PAGES list holds the Chinese ones): every page is
# named in the menu in both languages. Page content is translated only on TRANSLATED_PAGES (docs/design.md,
# "Language switch"); the other pages say so under their title and stay in Chinese.
NAV_TITLES_EN: dict[str, str] = {
    "pages/cockpit.py": "Cockpit overview",
    "pages/trends.py": "Trends",
    "pages/regions.py": "Regions",
    "pages/query_explorer.py": "Query explorer",
    "pages/risk_radar.py": "Risk radar",
    "pages/watchlist.py": "Watch list",
    "pages/products_issues.py": "Products and issues",
    "pages/alerts.py": "Alerts",
    "pages/sla.py": "SLA and cards",
    "pages/case.py": "Case detail",
    "pages/pack.py": "Committee pack",
    "pages/scorecard.py": "Scorecard",
    "pages/rectification.py": "Root cause and rectification",
    "pages/home.py": "Data overview",
    "pages/data_import.py": "Data import",
    "pages/data_quality.py": "Data quality",
    "pages/admin_users.py": "Users and roles",
    "pages/admin_audit.py": "Audit log",
}
TRANSLATED_PAGES = frozenset({"pages/cockpit.py", "pages/trends.py"})
SECTION_TITLES_EN: dict[str, str] = {
    "概览": "Overview",
    "分析": "Analysis",
    "消保工作台": "Consumer protection desk",
    "报告": "Reports",
    "数据管理": "Data",
    "系统管理": "Administration",
}
FILTER_NAMES_EN: dict[str, str] = {
    "provinces": "Province",
    "cities": "City",
    "business_lines": "Business line",
    "products": "Product",
    "issues": "Issue",
    "channels": "Channel",
    "departments": "Department",
    "vulnerable_groups": "Vulnerable group",
}
DIMENSION_LABELS_EN: dict[str, str] = {
    "channel": "Channel",
    "business_line": "Business line",
    "product": "Product",
    "issue": "Issue",
    "province": "Province",
    "city": "City",
    "region_group": "Region group",
    "department": "Department",
    "risk_level": "Risk level",
    "month": "Month",
    "quarter": "Quarter",
    "week": "Week",
}


def text(key: str, lang: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """A UI string in the language, with {placeholders} filled."""
    table = UI_TEXT.get(lang, UI_TEXT[DEFAULT_LANGUAGE])
    template = table.get(key, UI_TEXT[DEFAULT_LANGUAGE].get(key, key))
    return template.format(**values) if values else template


def preset_label(preset: str, lang: str = DEFAULT_LANGUAGE) -> str:
    if lang == "en":
        return PRESET_LABELS_EN.get(preset, preset)
    return PRESETS.get(preset, preset)


def comparison_label(comparison: str, lang: str = DEFAULT_LANGUAGE) -> str:
    return text(comparison, lang)


def dimension_label(dimension: str, lang: str = DEFAULT_LANGUAGE) -> str:
    if lang == "en":
        return DIMENSION_LABELS_EN.get(dimension, dimension)
    return DIMENSION_LABELS.get(dimension, {"week": "周"}.get(dimension, dimension))


def page_title(page: str, title_zh: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A page's title in the language (the menu's English name; the Chinese title otherwise)."""
    return NAV_TITLES_EN.get(page, title_zh) if lang == "en" else title_zh


def metric_name(metric_id: str, lang: str = DEFAULT_LANGUAGE) -> str:
    metric = get_metric(metric_id)
    return metric.name_en if lang == "en" else metric.name_zh
