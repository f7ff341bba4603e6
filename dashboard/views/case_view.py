"""案件详情: one case's whole story (masked), as the consumer-protection center works it.

The case itself (masked complainant, product, issue, region, branch, department, 案件类型, deadline), its
risk score with the reasons, the eight process stages with their clocks (due, finished, on time / yellow /
red) and the person's other cases. Clocks are judged by dashboard/engine/sla.py's definition (typed 决策 clock,
natural or working time); whether a yellow stage is also a red card depends on its department's run, so the
card comes from the same CardReport the 时效与红黄牌 page shows (`mark_cards`).

Access: a user bound to provinces sees only cases of those provinces; `read_case` says "refused" for the
others without returning any of their fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb
import polars as pl

from dashboard.engine import sla
from dashboard.engine.kpis import DIMENSION_LABELS
from dashboard.views.sql_files import view_sql
from warehouse.importer.contract import STAGES

CASE_FIELDS: dict[str, str] = {
    "case_id": "案件编号",
    "status": "状态",
    "case_type": "案件类型",
    "received_at": "受理时间",
    "closed_at": "办结时间",
    "deadline_days": "办理时限（天）",
    "due_date": "到期日",
    **{key: DIMENSION_LABELS[key] for key in ("channel", "business_line", "product", "issue", "province", "city")},
    "branch": "承办机构",
    "department": DIMENSION_LABELS["department"],
    "name_masked": "客户",
    "phone_masked": "电话",
    "short_id": "客户ID（摘要）",
    "vulnerable_group": "特殊群体",
    "is_regulator_referred": "监管转办",
    "is_litigation": "诉讼",
    "is_media_exposure": "媒体曝光",
}
STATE_LABELS: dict[str, str] = {
    "red": "红牌",
    sla.YELLOW: "黄牌",
    sla.ON_TIME: "按时",
    sla.PENDING: "未到期",
    "untimed": "不计时",
    "missing": "无记录",
}


@dataclass(frozen=True)
class CaseDetail:
    found: bool
    refused: bool = False
    case: dict[str, object] | None = None  # CASE_FIELDS plus complainant_key, source_system, risk_*
    stages: pl.DataFrame | None = None  # the case's stage rows (sla.STAGE_SCHEMA), as read at the as-of moment


def read_case(
    con: duckdb.DuckDBPyConnection,
    case_id: str,
    as_of: datetime,
    provinces: tuple[str, ...] = (),
    source_system: str | None = None,
) -> CaseDetail:
    """The case (latest version) and its stages judged as of `as_of`; refused outside the user's provinces."""
    params: dict[str, object] = {"case_id": case_id.strip()}
    system = ""
    if source_system:
        params["source_system"] = source_system
        system = "AND v.source_system = $source_system"
    sql = view_sql("case_detail", system=system)
    rows = con.sql(sql, params=params).pl().to_dicts()
    if not rows:
        return CaseDetail(found=False)
    case = rows[0]
    if provinces and case["province"] not in provinces:
        return CaseDetail(found=True, refused=True)
    return CaseDetail(found=True, case=case, stages=judge_case_stages(con, case, as_of))


def judge_case_stages(con: duckdb.DuckDBPyConnection, case: dict[str, object], as_of: datetime) -> pl.DataFrame:
    """The case's stage rows as sla.read_stages reads them (every stage, timed or not)."""
    sql = view_sql("case_stages")
    params = {"source_system": case["source_system"], "case_id": case["case_id"], "as_of": as_of}
    return con.sql(sql, params=params).pl().cast(sla.STAGE_SCHEMA)  # type: ignore[arg-type]


TIMELINE_SCHEMA: dict[str, pl.DataType] = {
    "stage_order": pl.Int64(),
    "stage": pl.String(),
    "started_at": pl.Datetime("us"),
    "finished_at": pl.Datetime("us"),
    "due_at": pl.Datetime("us"),
    "sla_minutes": pl.Float64(),
    "late_minutes": pl.Float64(),
    "state": pl.String(),
}


def build_timeline(stages: pl.DataFrame, as_of: datetime, cards: sla.CardReport) -> pl.DataFrame:
    """The eight stages in process order (TIMELINE_SCHEMA): each clock judged by sla.judge_stages, and 红牌 where
    the department's run made this yellow stage red (the CardReport the 时效与红黄牌 page shows)."""
    judged = sla.judge_stages(stages, sla.read_stage_rules(), as_of)
    red = cards.yellow_stages.filter(pl.col("is_red")).select("source_system", "case_id", "stage", "is_red")
    judged = judged.join(red, on=["source_system", "case_id", "stage"], how="left")
    clocks = {row["stage"]: row for row in judged.iter_rows(named=True)}
    present = {row["stage"]: row for row in stages.iter_rows(named=True)}
    rows: list[dict[str, object]] = []
    for order, name in enumerate(STAGES, start=1):
        row: dict[str, object] = {"stage_order": order, "stage": name}
        if name in clocks:
            clock = clocks[name]
            fields = ("started_at", "finished_at", "due_at", "sla_minutes", "late_minutes")
            row |= {key: clock[key] for key in fields} | {"state": "red" if clock["is_red"] else clock["state"]}
        elif name in present:
            row |= {"started_at": present[name]["started_at"], "finished_at": present[name]["finished_at"]}
            row["state"] = "untimed"
        else:
            row["state"] = "missing"
        rows.append(row)
    return pl.DataFrame(rows, schema=TIMELINE_SCHEMA)  # type: ignore[arg-type]


def _when(value: object) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else "—"


def format_timeline(timeline: pl.DataFrame) -> pl.DataFrame:
    """The stage table as shown: Chinese headers, times to the minute, the card in words (small: plain Python)."""
    rows = [
        {
            "环节": row["stage"],
            "开始": _when(row["started_at"]),
            "完成": _when(row["finished_at"]) if row["started_at"] else "—",
            "时限": sla.describe_minutes(row["sla_minutes"]) if row["sla_minutes"] else "—",
            "到期": _when(row["due_at"]),
            "超时（小时）": f"{row['late_minutes'] / 60:.1f}" if row["late_minutes"] else "—",
            "时效": STATE_LABELS[row["state"]],
        }
        for row in timeline.iter_rows(named=True)
    ]
    return pl.DataFrame(
        rows,
        schema={
            "环节": pl.String,
            "开始": pl.String,
            "完成": pl.String,
            "时限": pl.String,
            "到期": pl.String,
            "超时（小时）": pl.String,
            "时效": pl.String,
        },
    )


def format_case_fields(case: dict[str, object]) -> pl.DataFrame:
    """The case's fields as a two-column table (项目, 内容), booleans as 是/否, blanks as —."""

    def shown(value: object) -> str:
        if isinstance(value, bool):
            return "是" if value else "否"
        if isinstance(value, datetime):
            return value.strftime("%Y-%m-%d %H:%M")
        return "—" if value is None or value == "" else str(value)

    return pl.DataFrame({"项目": list(CASE_FIELDS.values()), "内容": [shown(case.get(k)) for k in CASE_FIELDS]})


def count_cards(timeline: pl.DataFrame) -> str:
    """ "2 / 1": the case's yellow cards (red ones included) and red cards."""
    states = timeline["state"].to_list()
    red = states.count("red")
    return f"{states.count(sla.YELLOW) + red} / {red}"


def describe_clocks() -> str:
    """How the stage clocks of the table run (settings), in one sentence."""
    rules = "、".join(
        f"{r.stage}{sla.describe_rule(r)}" for r in sla.read_stage_rules() if r.stage != sla.DECISION_STAGE
    )
    return f"{sla.ClockRules.from_settings().describe()}其余环节：{rules}。调查、复盘不计时。"
