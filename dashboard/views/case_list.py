"""The masked case list behind any figure: the cases of a period under the filters (plus a drill condition).

Used by 风险雷达 (sorted by score, with the reasons) and 产品与问题 (the cases behind a
bar). It never returns a clear identifier: the warehouse holds none (only the salted
complainant_key, 张** and 138****1234), the complainant is shown as the first 8 hex
digits of the key, and free text (诉求摘要, where a customer may write a phone number)
is left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import polars as pl

from dashboard.engine.filters import Filters
from dashboard.engine.periods import Period

SORTS: dict[str, str] = {
    "risk_score": "r.risk_score DESC, v.received_at DESC, v.case_id",
    "received_at": "v.received_at DESC, v.case_id",
    "open_first": "v.is_closed, v.due_date, r.risk_score DESC, v.case_id",
}
SORT_LABELS: dict[str, str] = {
    "risk_score": "风险分（高→低）",
    "received_at": "受理时间（新→旧）",
    "open_first": "未办结优先（到期早→晚）",
}
# Column -> Chinese header, in the order shown.
CASE_COLUMNS: dict[str, str] = {
    "case_id": "案件编号",
    "received_date": "受理日期",
    "status": "状态",
    "risk_score": "风险分",
    "risk_level": "风险等级",
    "name_masked": "客户",
    "phone_masked": "电话",
    "short_id": "客户ID（摘要）",
    "product": "产品",
    "issue": "问题类型",
    "channel": "渠道",
    "province": "省份",
    "city": "城市",
    "department": "处理部门",
    "due_date": "到期日",
    "risk_reasons": "风险因素",
}
DEFAULT_LIMIT = 500


@dataclass(frozen=True)
class CaseList:
    cases: pl.DataFrame  # CASE_COLUMNS, at most `limit` rows
    total: int  # all cases that match


def list_cases(
    con: duckdb.DuckDBPyConnection,
    filters: Filters,
    period: Period,
    *,
    risk_levels: Sequence[str] = (),
    sort: str = "risk_score",
    limit: int = DEFAULT_LIMIT,
) -> CaseList:
    """Cases received in P matching the filters (and risk levels 高/中/低 when given), masked, sorted."""
    if sort not in SORTS:
        raise ValueError(f"不能按 {sort!r} 排序；可用：{'、'.join(SORTS)}")
    where, params = filters.to_sql_where("v")
    params = {**params, "p_start": period.start, "p_end": period.end}
    levels = ""
    if risk_levels:
        names = []
        for index, level in enumerate(risk_levels):
            params[f"lvl_{index}"] = level
            names.append(f"$lvl_{index}")
        levels = f" AND r.risk_level IN ({', '.join(names)})"
    matched = (
        "FROM v_complaint AS v JOIN fct_case_risk AS r ON r.case_key = v.case_key "
        f"WHERE ({where}) AND v.received_date >= $p_start AND v.received_date < $p_end{levels}"
    )
    total = con.sql(f"SELECT count(*) {matched}", params=params).fetchall()[0][0]
    sql = f"""
        SELECT v.case_id, v.received_date, v.status, v.due_date, r.risk_score, r.risk_level,
            r.risk_reason_text AS risk_reasons, v.channel, v.product, v.issue, v.province, v.city, v.department,
            left(v.complainant_key, 8) AS short_id, v.complainant_name_masked AS name_masked, v.phone_masked
        {matched}
        ORDER BY {SORTS[sort]}
        LIMIT {int(limit)}
    """
    return CaseList(cases=con.sql(sql, params=params).pl().select(list(CASE_COLUMNS)), total=int(total))


# A source without 姓名 / 电话 (or a case without city or department) shows a dash, never "None".
BLANK_AS_DASH = ("name_masked", "phone_masked", "city", "department", "risk_reasons")
DASH = "—"


def format_case_table(cases: pl.DataFrame) -> pl.DataFrame:
    """Chinese headers for display and CSV export (the same rows); missing text as —."""
    dates = [name for name, dtype in cases.schema.items() if dtype == pl.Date]
    blanks = [name for name in BLANK_AS_DASH if name in cases.columns]
    return cases.with_columns(pl.col(dates).dt.strftime("%Y-%m-%d"), pl.col(blanks).fill_null(DASH)).rename(
        CASE_COLUMNS
    )
