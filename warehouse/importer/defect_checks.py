"""Warnings of a defect-ledger load (--kind defects) that keep the row: the 缺陷类型 outside the contract's list,
and 关联案件 that name no case in the warehouse. Both load as written and are reported; neither is quarantined."""

from __future__ import annotations

import duckdb
import polars as pl

from warehouse.importer.contract import DEFECT_TYPES

TYPE_RULE = "defect_type_unknown"
LINK_RULE = "defect_case_unknown"
SHOWN_IDS = 5  # ids named in a warning; the count covers the rest


def _warning(rule: str, column: str, count: int, total: int, details: str) -> dict:
    return {
        "expectation": rule,
        "column": column,
        "success": False,
        "critical": False,
        "unexpected_count": count,
        "element_count": total,
        "details": details,
    }


def defect_type_warnings(accepted: pl.DataFrame) -> list[dict]:
    """One warning naming the 缺陷类型 values outside 制度缺陷 / 系统漏洞 / 流程断点 (kept as written)."""
    other = accepted.filter(~pl.col("defect_type").is_in(list(DEFECT_TYPES)))
    if other.is_empty():
        return []
    values = "、".join(f"「{v}」" for v in sorted(other["defect_type"].unique().to_list()))
    details = (
        f"{other.height} 条缺陷的「缺陷类型」不在 {'、'.join(DEFECT_TYPES)} 之中（{values}）："
        "按原值导入，在按缺陷类型的统计中单列"
    )
    return [_warning(TYPE_RULE, "defect_type", other.height, accepted.height, details)]


def unknown_case_link_warnings(con: duckdb.DuckDBPyConnection) -> list[str]:
    """After a rebuild: links (from either side) whose case or defect is not in the warehouse. Kept, reported."""
    rows = con.sql(
        "SELECT linked_from, count(*) AS n, list(CASE WHEN linked_from = 'defect' THEN case_id ELSE defect_id END "
        f"ORDER BY defect_id, case_id)[1:{SHOWN_IDS}] AS ids "
        "FROM bridge_case_defect WHERE NOT has_case OR NOT has_defect GROUP BY linked_from ORDER BY linked_from"
    ).fetchall()
    found = []
    for side, count, ids in rows:
        named = "、".join(ids) + ("等" if count > len(ids) else "")
        if side == "defect":
            found.append(f"{count} 条「关联案件」在数据仓库中找不到对应案件（{named}）：链接已保留，案件导入后自动关联")
        else:
            found.append(f"{count} 条案件的「缺陷编号」在缺陷清单中找不到（{named}）：链接已保留，缺陷导入后自动关联")
    return found
