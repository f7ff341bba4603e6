"""溯源整改 双清单 (METRICS.md "Root cause and rectification"): everything the page, the CLI and the pack show.

As of the end of a period P, from fct_defect and bridge_case_defect:
- defects found in P (发现日期 in P) by 缺陷类型, 根因分类, 责任部门 and 整改措施;
- 整改完成率: those completed (已完成 / 已验收 with 完成日期 before the end of P) / defects found;
- 逾期未整改: defects found before the end of P, not completed by then, whose 整改期限 is before it (a work list);
- linked cases: distinct cases received in P linked to at least one defect of the ledger; traced_rate = / volume;
- 整改成效: for each completed defect whose 90-day after-window ends in P, the cases on the (product, issue) pairs
  of its linked cases in the 90 days after 完成日期 against the 90 days before (the completion day in neither).

Case filters (province, product …) narrow the cases counted and keep the defects linked to at least one matching
case: a user bound to 广东 sees the defects that explain 广东's complaints, and the cases in 广东 only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import duckdb
import polars as pl

from dashboard.engine.filters import Filters
from dashboard.engine.periods import Period
from warehouse.settings import setting

BREAKDOWNS = {"by_type": "defect_type", "by_root_cause": "root_cause", "by_department": "department",
              "by_measure": "measure"}  # fmt: skip
VERDICTS = {"worked": "见效", "not_worked": "未见效", "no_baseline": "无法判断"}
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_ID_NUMBER = re.compile(r"(?<!\d)(\d{4})\d{10}(\d{3}[\dXx])(?!\d)")


@dataclass(frozen=True)
class EffectRules:
    window_days: int = 90  # METRICS.md: 90 days before and after 完成日期
    worked_drop: float = 0.2  # a fix worked when the after-window has at least this much fewer cases

    @classmethod
    def from_settings(cls) -> EffectRules:
        return cls(
            int(setting("rectification", "effect_window_days", default=90)),
            float(setting("rectification", "worked_drop", default=0.2)),
        )


@dataclass(frozen=True)
class RectificationReport:
    period: Period
    defects: pl.DataFrame  # found in P (one row per defect, with linked_cases)
    overdue: pl.DataFrame  # the work list: not completed by the end of P, past 整改期限
    effects: pl.DataFrame  # defect_id, completed_date, pairs, before, after, change, verdict
    completed: int
    linked_cases: int
    volume: int
    unknown_links: int  # links to a case or defect the warehouse does not hold (kept, reported)
    breakdowns: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def completion_rate(self) -> float | None:
        return self.completed / self.defects.height if self.defects.height else None

    @property
    def traced_rate(self) -> float | None:
        return self.linked_cases / self.volume if self.volume else None

    def to_json(self) -> dict[str, Any]:
        """The `python -m dashboard rectification --json` object (ARCHITECTURE.md), plus the lists behind it."""
        return {
            "period": self.period.as_list(),
            "defects": self.defects.height,
            "by_type": self.breakdowns["by_type"],
            "by_measure": self.breakdowns["by_measure"],
            "by_root_cause": self.breakdowns["by_root_cause"],
            "by_department": self.breakdowns["by_department"],
            "completed": self.completed,
            "completion_rate": self.completion_rate,
            "overdue": self.overdue.height,
            "linked_cases": self.linked_cases,
            "volume": self.volume,
            "traced_rate": self.traced_rate,
            "unknown_links": self.unknown_links,
            "effects": [
                {**row, "completed_date": row["completed_date"].isoformat()}
                for row in self.effects.select(
                    "defect_id", "before", "after", "change", "verdict", "completed_date"
                ).to_dicts()
            ],
            "overdue_list": [
                {**row, "due_date": row["due_date"].isoformat()}
                for row in self.overdue.select("defect_id", "department", "due_date", "days_overdue").to_dicts()
            ],
        }


def has_defect_ledger(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the warehouse holds a defect ledger (a warehouse built before it has no fct_defect at all)."""
    found = con.sql("SELECT 1 FROM information_schema.tables WHERE table_name = 'fct_defect'").fetchall()
    return bool(found) and con.sql("SELECT count(*) FROM fct_defect").fetchall()[0][0] > 0


def mask_free_text(text: str | None) -> str | None:
    """A description as written, with mobile numbers and ID numbers masked (138****1234, 4401**********123X)."""
    if text is None:
        return None
    text = _PHONE.sub(r"\1****\2", text)
    return _ID_NUMBER.sub(lambda m: m.group(1) + "*" * 10 + m.group(2), text)


# The same masks as Polars expressions (no Python callback inside Polars: docs/design.md "Concurrent sessions").
# Rust regex has no look-behind, so the neighbouring non-digit is captured and put back; applied twice so that
# two numbers separated by one character are both masked.
_PHONE_EXPR = (r"(^|\D)(1[3-9]\d)\d{4}(\d{4})(\D|$)", "${1}${2}****${3}${4}")
_ID_EXPR = (r"(^|\D)(\d{4})\d{10}(\d{3}[\dXx])(\D|$)", "${1}${2}**********${3}${4}")


def mask_free_text_expr(column: pl.Expr) -> pl.Expr:
    """`mask_free_text` over a column, computed inside Polars."""
    for pattern, replacement in (_PHONE_EXPR, _PHONE_EXPR, _ID_EXPR, _ID_EXPR):
        column = column.str.replace_all(pattern, replacement)
    return column


def _case_filter(filters: Filters | None) -> tuple[str, dict[str, object], bool]:
    """(condition on fct_complaint aliased f, its parameters, whether any case filter is set)."""
    condition, params = (filters or Filters()).to_sql_where("f")
    return condition, params, condition != "TRUE"


def _defect_scope(filters: Filters | None) -> tuple[str, dict[str, object]]:
    """A condition on fct_defect aliased d: every defect, or those linked to a case that passes the filters."""
    condition, params, active = _case_filter(filters)
    if not active:
        return "TRUE", {}
    return (
        "d.defect_id IN (SELECT b.defect_id FROM bridge_case_defect b JOIN fct_complaint f USING (case_key) "
        f"WHERE {condition})",
        params,
    )


def list_defects(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters | None = None) -> pl.DataFrame:
    """Defects found in P with their linked (known, filtered) cases counted; completion as of the end of P."""
    scope, params = _defect_scope(filters)
    condition, case_params, _ = _case_filter(filters)
    return con.sql(
        f"""
        SELECT d.defect_id, d.defect_type, d.root_cause, d.department, d.measure, d.found_date, d.due_date,
            d.status, d.completed_date, d.description,
            d.is_completed AND d.completed_date < $end AS is_completed,
            (SELECT count(DISTINCT b.case_key) FROM bridge_case_defect b JOIN fct_complaint f USING (case_key)
             WHERE b.defect_id = d.defect_id AND {condition})::INTEGER AS linked_cases
        FROM fct_defect d
        WHERE d.found_date >= $start AND d.found_date < $end AND {scope}
        ORDER BY d.found_date, d.defect_id
        """,
        params={"start": period.start, "end": period.end, **params, **case_params},
    ).pl()


def list_overdue(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters | None = None) -> pl.DataFrame:
    """逾期未整改 as of the end of P: found before it, not completed before it, 整改期限 before it; oldest first."""
    scope, params = _defect_scope(filters)
    frame = con.sql(
        f"""
        SELECT d.defect_id, d.defect_type, d.department, d.found_date, d.due_date, d.status, d.measure,
            d.description, ($end - 1 - d.due_date)::INTEGER AS days_overdue
        FROM fct_defect d
        WHERE d.found_date < $end AND d.due_date < $end
          AND NOT (d.is_completed AND d.completed_date < $end) AND {scope}
        ORDER BY d.due_date, d.defect_id
        """,
        params={"end": period.end, **params},
    ).pl()
    return frame.with_columns(mask_free_text_expr(pl.col("description")))


def count_linked_cases(
    con: duckdb.DuckDBPyConnection, period: Period, filters: Filters | None = None
) -> tuple[int, int]:
    """(cases received in P linked to at least one defect of the ledger, cases received in P), filtered."""
    condition, params, _ = _case_filter(filters)
    linked, volume = con.sql(
        f"""
        SELECT count(*) FILTER (WHERE f.case_key IN (SELECT case_key FROM bridge_case_defect WHERE has_defect)),
            count(*)
        FROM fct_complaint f
        WHERE f.received_date >= $start AND f.received_date < $end AND {condition}
        """,
        params={"start": period.start, "end": period.end, **params},
    ).fetchall()[0]
    return int(linked), int(volume)


def compute_effects(
    con: duckdb.DuckDBPyConnection, period: Period, filters: Filters | None = None, rules: EffectRules | None = None
) -> pl.DataFrame:
    """整改成效 of the completed defects whose after-window ends in P (完成日期 + window in P)."""
    rules = rules or EffectRules.from_settings()
    scope, params = _defect_scope(filters)
    condition, case_params, _ = _case_filter(filters)
    frame = con.sql(
        f"""
        WITH judged AS (
            SELECT d.defect_id, d.defect_type, d.department, d.measure, d.completed_date
            FROM fct_defect d
            WHERE d.is_completed AND d.completed_date + $days >= $start AND d.completed_date + $days < $end
              AND {scope}
        ),
        pairs AS (
            -- A product is its name: the same 产品 under another 业务条线 is another product_key, same pair.
            SELECT DISTINCT j.defect_id, same.product_key, f.issue_key
            FROM judged j JOIN bridge_case_defect b USING (defect_id) JOIN fct_complaint f USING (case_key)
            JOIN dim_product linked ON linked.product_key = f.product_key
            JOIN dim_product same ON same.product = linked.product
        ),
        counted AS (
            SELECT j.defect_id,
                count(DISTINCT f.case_key) FILTER (
                    WHERE f.received_date >= j.completed_date - $days AND f.received_date < j.completed_date
                ) AS before,
                count(DISTINCT f.case_key) FILTER (
                    WHERE f.received_date > j.completed_date AND f.received_date <= j.completed_date + $days
                ) AS after
            FROM judged j JOIN pairs p USING (defect_id)
            JOIN fct_complaint f ON f.product_key = p.product_key AND f.issue_key = p.issue_key
            WHERE f.received_date >= j.completed_date - $days AND f.received_date <= j.completed_date + $days
              AND {condition}
            GROUP BY j.defect_id
        ),
        named AS (
            SELECT p.defect_id, string_agg(DISTINCT pr.product || '·' || i.issue, '、') AS pairs
            FROM pairs p JOIN dim_product pr USING (product_key) JOIN dim_issue i USING (issue_key)
            GROUP BY p.defect_id
        )
        SELECT j.defect_id, j.defect_type, j.department, j.measure, j.completed_date, n.pairs,
            coalesce(c.before, 0)::INTEGER AS before, coalesce(c.after, 0)::INTEGER AS after
        FROM judged j JOIN named n USING (defect_id) LEFT JOIN counted c USING (defect_id)
        ORDER BY j.completed_date, j.defect_id
        """,
        params={"days": rules.window_days, "start": period.start, "end": period.end, **params, **case_params},
    ).pl()
    before, after = pl.col("before"), pl.col("after")
    return frame.with_columns(
        change=pl.when(before > 0).then(after / before - 1),
        verdict=pl.when(before == 0)
        .then(pl.lit("no_baseline"))
        .when(after <= before * (1 - rules.worked_drop))
        .then(pl.lit("worked"))
        .otherwise(pl.lit("not_worked")),
    )


def count_unknown_links(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.sql("SELECT count(*) FROM bridge_case_defect WHERE NOT has_case OR NOT has_defect").fetchall()[0][0])


def _count_by(defects: pl.DataFrame, column: str) -> dict[str, int]:
    counted = defects.group_by(column).len().sort(["len", column], descending=[True, False])
    return {str(key): int(n) for key, n in counted.iter_rows()}


def compute_rectification(
    con: duckdb.DuckDBPyConnection, period: Period, filters: Filters | None = None, rules: EffectRules | None = None
) -> RectificationReport:
    defects = list_defects(con, period, filters)
    linked, volume = count_linked_cases(con, period, filters)
    return RectificationReport(
        period=period,
        defects=defects,
        overdue=list_overdue(con, period, filters),
        effects=compute_effects(con, period, filters, rules),
        completed=int(defects["is_completed"].sum()),
        linked_cases=linked,
        volume=volume,
        unknown_links=count_unknown_links(con),
        breakdowns={name: _count_by(defects, column) for name, column in BREAKDOWNS.items()},
    )


# ---- the two lists side by side -----------------------------------------------------------------------


def list_defect_cases(con: duckdb.DuckDBPyConnection, defect_id: str, filters: Filters | None = None) -> pl.DataFrame:
    """The complaints a defect explains (linked from either side); a link to an unknown case is listed too."""
    condition, params, _ = _case_filter(filters)
    return con.sql(
        f"""
        SELECT b.case_id, f.received_date, f.product, f.issue, f.province, f.complainant_name_masked,
            f.is_closed, b.linked_from, b.has_case
        FROM bridge_case_defect b LEFT JOIN v_complaint f USING (case_key)
        WHERE b.defect_id = $defect AND (NOT b.has_case OR ({condition}))
        ORDER BY f.received_date NULLS LAST, b.case_id
        """,
        params={"defect": defect_id, **params},
    ).pl()


def list_traced_cases(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters | None = None) -> pl.DataFrame:
    """Complaints received in P traced to at least one defect, each with its defect ids."""
    condition, params, _ = _case_filter(filters)
    return con.sql(
        f"""
        SELECT f.case_id, f.received_date, f.product, f.issue, f.province, f.complainant_name_masked,
            string_agg(b.defect_id, '、' ORDER BY b.defect_id) AS defect_ids
        FROM v_complaint f JOIN bridge_case_defect b USING (case_key)
        WHERE b.has_defect AND f.received_date >= $start AND f.received_date < $end AND {condition}
        GROUP BY ALL
        ORDER BY f.received_date, f.case_id
        """,
        params={"start": period.start, "end": period.end, **params},
    ).pl()


def list_case_defects(con: duckdb.DuckDBPyConnection, case_id: str) -> pl.DataFrame:
    """The defects a complaint was traced to (a 缺陷编号 not in the ledger is listed, marked unknown)."""
    return con.sql(
        """
        SELECT b.defect_id, d.defect_type, d.root_cause, d.department, d.status, d.due_date, d.completed_date,
            b.linked_from, b.has_defect
        FROM bridge_case_defect b LEFT JOIN fct_defect d USING (defect_key)
        WHERE b.case_id = $case
        ORDER BY b.defect_id
        """,
        params={"case": case_id},
    ).pl()


def effect_window(completed: date, rules: EffectRules) -> tuple[date, date]:
    """The first day of the before-window and the last day of the after-window of a fix."""
    return completed - timedelta(days=rules.window_days), completed + timedelta(days=rules.window_days)
