"""重点人员 (watch list): complainants who keep coming back or whose cases are dangerous (METRICS.md "Watch list").

Over the `[watchlist].window_days` (365) days ending on the as-of date (both ends
counted: the case received 365 days before the as-of date is day 366 and drops out):
- red: `red_min_cases` (3) or more cases from the same complainant, or 2 cases of which
  one was regulator-referred, media-exposed or litigated (a "flagged" case);
- orange: 2 cases (none flagged);
- yellow: a single case of high risk (fct_case_risk).
A single regulator-referred case does not list a person (METRICS.md: the list must stay short
enough to work; on the 150,000-case demo the former rule listed 7,661 people).
Only identified complainants (complainant_key) can be listed. People are shown masked
as the warehouse holds them (张**, 138****1234) with a short ID: the first 8 hex digits
of the salted hash. The page and `python -m dashboard watchlist` call these functions.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import polars as pl

from dashboard.engine.filters import Filters
from warehouse.settings import setting

WATCH_LEVELS: tuple[str, ...] = ("red", "orange", "yellow")
WATCH_LABELS: dict[str, str] = {"red": "红色", "orange": "橙色", "yellow": "黄色"}
SHORT_ID_LENGTH = 8


@dataclass(frozen=True)
class WatchRules:
    window_days: int
    red_min_cases: int

    @classmethod
    def from_settings(cls) -> WatchRules:
        return cls(
            window_days=int(setting("watchlist", "window_days", default=365)),
            red_min_cases=int(setting("watchlist", "red_min_cases", default=3)),
        )

    def window(self, as_of: date) -> tuple[date, date]:
        """First and last day (both inclusive) of the trailing window ending on `as_of`."""
        return as_of - timedelta(days=self.window_days - 1), as_of


def find_latest_date(con: duckdb.DuckDBPyConnection) -> date | None:
    """The latest 受理日期 in the warehouse: the default as-of date."""
    return con.sql("SELECT max(received_date) FROM fct_complaint").fetchall()[0][0]


def list_watchlist(
    con: duckdb.DuckDBPyConnection,
    as_of: date | None = None,
    filters: Filters | None = None,
    rules: WatchRules | None = None,
) -> pl.DataFrame:
    """One row per listed complainant, red first, then by cases and highest score.

    Columns: short_id, complainant_key, name_masked, phone_masked, watch_level, watch_label,
    cases, referred_cases, flagged_cases, high_risk_cases, max_risk_score, open_cases,
    first_received, last_received, reasons. A complainant is classified on all their cases in
    the window; `filters` (region, product, …; not the period) only choose whom to show: those
    with at least one window case that matches.
    """
    rules = rules or WatchRules.from_settings()
    as_of = as_of or find_latest_date(con)
    if as_of is None:
        return _empty_watchlist()
    first, last = rules.window(as_of)
    where, params = (filters or Filters()).to_sql_where("f")
    params = {**params, "w_first": first, "w_last": last, "red_min": rules.red_min_cases}
    # Most complainants have one case that is not of high risk and are never listed: a first pass with
    # cheap aggregates finds who can be (2+ cases or a high-risk one, and one matching the filters), and
    # the full aggregates run on their cases only. The window is scanned twice, not stored (NOT
    # MATERIALIZED): the second scan reads only the candidates' rows (the join filters it).
    sql = f"""
        WITH win AS NOT MATERIALIZED (
            SELECT f.source_system, f.case_id, f.complainant_key, f.complainant_name_masked, f.phone_masked,
                f.received_at, f.received_date, f.is_regulator_referred, f.risk_level, f.risk_score, f.is_closed,
                f.is_regulator_referred OR f.is_media_exposure OR f.is_litigation AS is_flagged,
                ({where}) AS matches
            FROM fct_complaint AS f
            WHERE f.complainant_key IS NOT NULL AND f.received_date BETWEEN $w_first AND $w_last
        ),
        candidates AS (
            SELECT complainant_key FROM win
            GROUP BY complainant_key
            HAVING bool_or(matches) AND (count(*) >= 2 OR bool_or(risk_level = '高'))
        ),
        person AS (
            SELECT
                complainant_key,
                arg_max(complainant_name_masked, received_at) AS name_masked,
                arg_max(phone_masked, received_at) AS phone_masked,
                count(*)::INTEGER AS cases,
                count(*) FILTER (WHERE is_regulator_referred)::INTEGER AS referred_cases,
                count(*) FILTER (WHERE is_flagged)::INTEGER AS flagged_cases,
                count(*) FILTER (WHERE risk_level = '高')::INTEGER AS high_risk_cases,
                max(risk_score)::INTEGER AS max_risk_score,
                count(*) FILTER (WHERE NOT is_closed)::INTEGER AS open_cases,
                min(received_date) AS first_received,
                max(received_date) AS last_received
            FROM win SEMI JOIN candidates USING (complainant_key)
            GROUP BY complainant_key
        ),
        levelled AS (
            SELECT *,
                CASE
                    WHEN cases >= $red_min OR (cases = 2 AND flagged_cases > 0) THEN 'red'
                    WHEN cases = 2 THEN 'orange'
                    WHEN cases = 1 AND high_risk_cases > 0 THEN 'yellow'
                END AS watch_level
            FROM person
        )
        SELECT * FROM levelled WHERE watch_level IS NOT NULL
    """
    frame = con.sql(sql, params=params).pl()
    if frame.is_empty():
        return _empty_watchlist()
    order = {level: index for index, level in enumerate(WATCH_LEVELS)}
    return (
        frame.with_columns(
            short_id=pl.col("complainant_key").str.slice(0, SHORT_ID_LENGTH),
            watch_label=pl.col("watch_level").replace_strict(WATCH_LABELS),
            _order=pl.col("watch_level").replace_strict(order, return_dtype=pl.Int32),
        )
        .with_columns(reasons=_reasons_expr(rules))
        .sort(["_order", "cases", "max_risk_score", "last_received"], descending=[False, True, True, True])
        .select(WATCHLIST_COLUMNS)
    )


WATCHLIST_COLUMNS = [
    "short_id",
    "complainant_key",
    "name_masked",
    "phone_masked",
    "watch_level",
    "watch_label",
    "cases",
    "referred_cases",
    "flagged_cases",
    "high_risk_cases",
    "max_risk_score",
    "open_cases",
    "first_received",
    "last_received",
    "reasons",
]


def _reasons_expr(rules: WatchRules) -> pl.Expr:
    """Why a person is listed, in Chinese: "365天内2件；监管转办、媒体曝光或诉讼1件；高风险1件"."""
    parts = [
        pl.format(f"{rules.window_days}天内{{}}件", pl.col("cases")),
        pl.when(pl.col("flagged_cases") > 0).then(pl.format("监管转办、媒体曝光或诉讼{}件", pl.col("flagged_cases"))),
        pl.when(pl.col("high_risk_cases") > 0).then(pl.format("高风险{}件", pl.col("high_risk_cases"))),
    ]
    return pl.concat_str(parts, separator="；", ignore_nulls=True)


def _empty_watchlist() -> pl.DataFrame:
    schema = {name: pl.String for name in WATCHLIST_COLUMNS}
    schema.update(
        dict.fromkeys(
            (
                "cases",
                "referred_cases",
                "flagged_cases",
                "high_risk_cases",
                "max_risk_score",
                "open_cases",
            ),
            pl.Int32,
        )
    )
    schema.update(first_received=pl.Date, last_received=pl.Date)
    return pl.DataFrame(schema=schema)


def count_watchlist(frame: pl.DataFrame) -> dict[str, int]:
    """People per level, every level present (0 when none): {"red": n, "orange": n, "yellow": n}."""
    counts = dict(frame.group_by("watch_level").len().iter_rows())
    return {level: int(counts.get(level, 0)) for level in WATCH_LEVELS}


def list_person_cases(
    con: duckdb.DuckDBPyConnection, complainant_key: str, as_of: date | None = None, rules: WatchRules | None = None
) -> pl.DataFrame:
    """Every case of one complainant (the timeline), oldest first, masked; `in_window` marks the listed ones.

    Columns: case_id, received_date, closed_date, status, is_closed, channel, product, issue, department,
    risk_score, risk_level, risk_reason_text, is_regulator_referred, in_window.
    """
    rules = rules or WatchRules.from_settings()
    as_of = as_of or find_latest_date(con) or date.today()
    first, last = rules.window(as_of)
    sql = """
        SELECT v.case_id, v.received_date, v.closed_date, v.status, v.is_closed, v.channel, v.product, v.issue,
            v.department, r.risk_score, r.risk_level, r.risk_reason_text, v.is_regulator_referred,
            v.received_date BETWEEN $w_first AND $w_last AS in_window
        FROM v_complaint AS v
        JOIN fct_case_risk AS r ON r.case_key = v.case_key
        WHERE v.complainant_key = $key AND v.received_date <= $w_last
        ORDER BY v.received_at, v.case_id
    """
    return con.sql(sql, params={"key": complainant_key, "w_first": first, "w_last": last}).pl()


def has_contact_log(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the marts hold fct_contact (a warehouse built before the contact log was in the contract has none)."""
    sql = "SELECT count(*) FROM information_schema.tables WHERE table_name = 'fct_contact'"
    return bool(con.sql(sql).fetchall()[0][0])


CONTACT_COLUMNS: dict[str, pl.DataType] = {
    "contacts": pl.Int32(),
    "last_contact": pl.Date(),
    "days_since_contact": pl.Int32(),
    "needs_contact": pl.Boolean(),
}


def contact_due_days() -> int:
    return int(setting("watchlist", "contact_due_days", default=90))


def attach_contacts(con: duckdb.DuckDBPyConnection, people: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """The list with each person's contact log up to `as_of` (一人一档): contacts, last_contact,
    days_since_contact (as_of − last contact) and needs_contact: never contacted, or not for more than
    `[watchlist].contact_due_days` days."""
    keys = people.select("complainant_key")
    if has_contact_log(con) and people.height:
        name = f"watch_keys_{uuid.uuid4().hex}"
        con.register(name, keys)
        try:
            sql = f"""
                SELECT c.complainant_key, count(*)::INTEGER AS contacts, max(c.contacted_date) AS last_contact
                FROM fct_contact AS c SEMI JOIN {name} AS k USING (complainant_key)
                WHERE c.contacted_date <= $as_of
                GROUP BY ALL
            """
            log = con.sql(sql, params={"as_of": as_of}).pl()
        finally:
            con.unregister(name)
    else:
        log = pl.DataFrame(schema={"complainant_key": pl.String, "contacts": pl.Int32, "last_contact": pl.Date})
    days = (pl.lit(as_of) - pl.col("last_contact")).dt.total_days().cast(pl.Int32)
    return (
        people.join(log, on="complainant_key", how="left")
        .with_columns(pl.col("contacts").fill_null(0).cast(pl.Int32), days_since_contact=days)
        .with_columns(needs_contact=pl.col("days_since_contact").is_null() | (days > contact_due_days()))
        .cast(CONTACT_COLUMNS)  # type: ignore[arg-type]
    )


def list_person_contacts(con: duckdb.DuckDBPyConnection, complainant_key: str, as_of: date) -> pl.DataFrame:
    """One person's contact log up to `as_of`, oldest first: contacted_at, method, staff, outcome."""
    schema = {"contacted_at": pl.Datetime("us"), "method": pl.String, "staff": pl.String, "outcome": pl.String}
    if not has_contact_log(con):
        return pl.DataFrame(schema=schema)
    sql = """
        SELECT contacted_at, method, staff, outcome FROM fct_contact
        WHERE complainant_key = $key AND contacted_date <= $as_of
        ORDER BY contacted_at
    """
    return con.sql(sql, params={"key": complainant_key, "as_of": as_of}).pl().cast(schema)  # type: ignore[arg-type]


def describe_workload(people: pl.DataFrame) -> str:
    """ "名单共 4,515 人，其中 1,200 人待联系（从未联系或超过 30 天未联系）。" """
    total = people.height
    text = f"名单共 {total:,} 人（红、橙、黄合计）"
    if "needs_contact" in people.columns:
        text += (
            f"，其中 {int(people['needs_contact'].sum()):,} 人待联系（从未联系或超过 {contact_due_days()} 天未联系）"
        )
    return text + "。"


def describe_contact(row: dict[str, object]) -> str:
    """ "2026-10-08（53天前）" / "从未联系"."""
    if row.get("last_contact") is None:
        return "从未联系"
    return f"{row['last_contact']:%Y-%m-%d}（{row['days_since_contact']}天前）"


def format_contacts(contacts: pl.DataFrame) -> pl.DataFrame:
    return contacts.with_columns(pl.col("contacted_at").dt.strftime("%Y-%m-%d %H:%M")).rename(
        {"contacted_at": "时间", "method": "方式", "staff": "经办人", "outcome": "结果"}
    )


def find_complainant_key(frame: pl.DataFrame, short_id: str) -> str | None:
    """The full key behind a short ID shown on the page (None when it is not on the list)."""
    hits = frame.filter(pl.col("short_id") == short_id.strip().lower())["complainant_key"]
    return hits[0] if hits.len() else None


WATCH_TABLE_HEADERS: dict[str, str] = {
    "watch_label": "等级",
    "short_id": "客户ID（摘要）",
    "name_masked": "客户",
    "phone_masked": "电话",
    "cases": "窗口内案件",
    "open_cases": "未办结",
    "max_risk_score": "最高风险分",
    "last_received": "最近受理",
    "reasons": "列入原因",
}


def format_watchlist_table(frame: pl.DataFrame) -> pl.DataFrame:
    """The list as shown and exported: masked person, level and why (never the full key); with the contact
    log's last contact and a 待联系 mark when `attach_contacts` ran."""
    headers = dict(WATCH_TABLE_HEADERS)
    extra: list[pl.Expr] = []
    if "last_contact" in frame.columns:
        reasons = headers.pop("reasons")  # the contact columns before the long reasons, so they stay in view
        headers |= {"last_contact": "最近联系", "days_since_contact": "未联系天数", "needs_contact": "待联系"}
        headers["reasons"] = reasons
        extra = [
            pl.col("last_contact").dt.strftime("%Y-%m-%d").fill_null("从未联系"),
            pl.when(pl.col("needs_contact")).then(pl.lit("是")).otherwise(pl.lit("")).alias("needs_contact"),
        ]
    shown = frame.select(list(headers))
    return shown.with_columns(
        pl.col("last_received").dt.strftime("%Y-%m-%d"),
        pl.col("name_masked", "phone_masked").fill_null("—"),  # a source without 姓名/电话: a dash, not "None"
        *extra,
    ).rename(headers)


def describe_person(row: dict[str, object]) -> str:
    """One line to pick a person by: "红色 · c47868f7 · 刘** · 133****1274 · 4件"."""
    return f"{row['watch_label']} · {row['short_id']} · {row['name_masked'] or '—'} · {row['phone_masked'] or '—'} · {row['cases']}件"


def describe_rules(rules: WatchRules, as_of: date) -> str:
    first, last = rules.window(as_of)
    return (
        f"统计窗口：{first:%Y-%m-%d} 至 {last:%Y-%m-%d}（{rules.window_days} 天）。"
        f"红色：{rules.red_min_cases} 件及以上，或 2 件且其中有监管转办、媒体曝光或诉讼；橙色：2 件；"
        "黄色：仅 1 件且为高风险（单件监管转办不列入）。按客户标识的加盐哈希归并，客户信息已脱敏。"
    )


TIMELINE_HEADERS: dict[str, str] = {
    "case_id": "案件编号",
    "received_date": "受理日期",
    "closed_date": "办结日期",
    "status": "状态",
    "channel": "渠道",
    "product": "产品",
    "issue": "问题类型",
    "department": "处理部门",
    "risk_score": "风险分",
    "risk_level": "风险等级",
    "risk_reason_text": "风险因素",
}


def format_person_cases(cases: pl.DataFrame) -> pl.DataFrame:
    """A person's cases, newest first, with a mark on those inside the watch window."""
    return (
        cases.sort("received_date", descending=True)
        .with_columns(pl.when(pl.col("in_window")).then(pl.lit("是")).otherwise(pl.lit("")).alias("窗口内"))
        .with_columns(pl.col("received_date", "closed_date").dt.strftime("%Y-%m-%d"))
        .select(*TIMELINE_HEADERS, "窗口内")
        .rename(TIMELINE_HEADERS)
    )


def keep_levels(frame: pl.DataFrame, levels: list[str]) -> pl.DataFrame:
    return frame.filter(pl.col("watch_level").is_in(levels))
