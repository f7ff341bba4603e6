"""Rebuild the star schema from the landing tables, inside a writer's copy.

The SQL in `warehouse/sql/staging/` and `warehouse/sql/marts/` does the work, one file after another in the
order of their numbers (a staging step may need a dimension built before it), then `warehouse/sql/aggregates/`
builds the agg_* cubes (warehouse/aggregates.py). `warehouse/sql/schema.yaml` describes every table.
It reads the settings (deadlines, repeat windows, channels, region groups) and
the reference regions from small `cfg_*` / `ref_*` tables that this module
writes first, so a settings change takes effect on the next rebuild and the SQL
files stay plain SQL. Region spellings are canonicalised here, once per distinct
(province, city) pair, with the same functions the importer uses.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from warehouse import aggregates, store
from warehouse.aggregates import build_aggregates
from warehouse.importer.regions_us import US_REGIONS, canonical_us_state
from warehouse.reference.regions import canonical_city, canonical_province, cities, provinces
from warehouse.risk_settings import write_risk_settings
from warehouse.settings import setting

Schema = dict[str, Any]  # column -> polars dtype
REGION_GROUP_MEMBER_SCHEMA: Schema = {
    "region_group": pl.String,
    "group_order": pl.Int32,
    "member": pl.String,
    "province": pl.String,
    "city": pl.String,
}
REF_PROVINCE_SCHEMA: Schema = {
    "province": pl.String,
    "province_short": pl.String,
    "province_en": pl.String,
    "province_kind": pl.String,
    "population_2020": pl.Int64,
}
REF_CITY_SCHEMA: Schema = {
    "province": pl.String,
    "city": pl.String,
    "city_short": pl.String,
    "city_code": pl.String,
    "population_2020": pl.Int64,
}


def mart_sql_files(sql_dir: Path = store.SQL_DIR) -> list[Path]:
    """The staging and mart SQL files in the order they run: by file name (number first) across both folders."""
    return sorted([*sql_dir.glob("staging/*.sql"), *sql_dir.glob("marts/*.sql")], key=lambda path: path.name)


CASE_FACTS: tuple[str, ...] = ("fct_case_risk", "fct_complaint", "fct_case_stage")
# What an incremental refresh reads and replaces: without every one of these it rebuilds in full.
REFRESHED_TABLES: tuple[str, ...] = (
    *CASE_FACTS,
    "dim_channel",
    "dim_product",
    "dim_issue",
    "dim_branch",
    "dim_department",
    "dim_region",
    "ref_region_alias",
    "cfg_marts_build",
    *aggregates.AGGREGATE_TABLES,
)
# The settings sections the marts are built from: another value of any of them needs a full rebuild.
MART_SETTINGS: tuple[str, ...] = ("deadlines", "repeat", "channels", "region_groups", "risk")
_RAW_WITH_BATCH: tuple[str, ...] = ("raw_cases", "raw_customers", "raw_events", "raw_contacts", "raw_defects")


def rebuild_marts(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild every dim_*/fct_* table and view from raw_* (inside `store.new_version()`).

    Surrogate keys are kept: a case or dimension member the marts already hold keeps its key (the previous
    fct_complaint and dim_* are the key maps), so a rebuild equals the incrementally maintained marts.
    """
    store.ensure_raw_schema(con)
    write_settings_tables(con)
    write_risk_settings(con)  # cfg_risk_* for the risk score (staging/22, marts/23)
    write_reference_tables(con)
    write_region_aliases(con)
    _known_case_keys(con, scope=None)
    con.execute(f"DROP TABLE IF EXISTS {REFRESH_SCOPE}")  # the checks after a rebuild look at every row
    for table in CASE_FACTS:
        con.execute(f"DROP TABLE IF EXISTS {table}")
    # An incremental refresh earlier on this connection left these as tables of its scope.
    drop_temporaries(con, ("_case_source", "_event_source"))
    con.execute("CREATE OR REPLACE TEMP VIEW _case_source AS SELECT * FROM raw_cases")
    con.execute("CREATE OR REPLACE TEMP VIEW _event_source AS SELECT * FROM raw_events")
    for sql_file in mart_sql_files():
        store.run_sql_file(con, sql_file)
    build_aggregates(con)
    _record_build(con)


def drop_temporaries(con: duckdb.DuckDBPyConnection, names: tuple[str, ...] | None = None) -> None:
    """Drop the connection's TEMP tables and views named `names` (all of them when None), whichever kind each is."""
    found = con.sql(
        "SELECT table_name, 'TABLE' FROM duckdb_tables() WHERE temporary "
        "UNION ALL SELECT view_name, 'VIEW' FROM duckdb_views() WHERE temporary AND NOT internal"
    ).fetchall()
    for name, kind in found:
        if names is None or name in names:
            con.execute(f"DROP {kind} IF EXISTS {name}")


def refresh_marts(con: duckdb.DuckDBPyConnection) -> str:
    """Bring the marts up to date with raw_* by recomputing only what the batches landed since they were built
    can change; rebuild in full when that cannot be done (no marts yet, built by other code or settings).

    Returns "incremental" or "full". docs/design.md "Incremental marts" says what is recomputed and why.
    """
    through = refreshable_through(con)
    if through is None:
        # A load's writer is bounded for incremental work (settings load_memory_limit); a full rebuild of a big
        # warehouse needs the general writer's room.
        con.execute(f"SET memory_limit = '{store.writer_memory_limit()}'")
        rebuild_marts(con)
        return "full"
    _add_region_aliases(con, through)
    changed = _scope_cases(con, through)
    _known_case_keys(con, scope="_scope")
    _scope_events(con, through)
    # The scope's rows before the refresh: the cube days to recompute are those of the rows that changed.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _scope_before AS "
        "SELECT * FROM fct_complaint WHERE case_key IN (SELECT case_key FROM _case_key_known)"
    )
    contacts_changed = _landed_since(con, "raw_contacts", through)
    for sql_file in mart_sql_files():
        if sql_file.name.startswith("28_") and not contacts_changed:
            continue  # fct_contact is built from raw_contacts alone
        store.run_sql_file(con, sql_file)
    if changed:
        _affected_days(con)
        aggregates.refresh_aggregates(con, "_affected_days")
    _record_build(con)
    _record_refresh_scope(con)
    return "incremental"


def _affected_days(con: duckdb.DuckDBPyConnection) -> None:
    """_affected_days: the days (received, closed, due) of the fact rows the refresh changed, before and after.

    A subject is recomputed whole, but most of its older cases come out exactly as they were (a new case changes
    an older one only within the 90-day first-time window); a cube row is a sum over its day's cases, so only the
    days of rows that differ need summing again — a few days instead of most of the calendar when new cases come
    from repeat complainants."""
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _affected_days AS
        WITH after AS (SELECT * FROM fct_complaint WHERE case_key IN (SELECT case_key FROM stg_complaint)),
        moved AS (
            (SELECT * FROM _scope_before EXCEPT ALL SELECT * FROM after)
            UNION ALL
            (SELECT * FROM after EXCEPT ALL SELECT * FROM _scope_before)
        )
        SELECT received_date, closed_on, closed_date, due_date FROM moved
    """)


# After an incremental refresh, which rows of the big tables it wrote (a condition per table, a superset of the
# rows deleted and inserted): the key checks that follow in the same connection group only those keys, since
# the rows it did not touch passed the same checks at the load that wrote them. Absent after a full rebuild.
REFRESH_SCOPE = "_refresh_scope"


def _record_refresh_scope(con: duckdb.DuckDBPyConnection) -> None:
    by_case = "case_key IN (SELECT case_key FROM stg_complaint)"
    scope = {
        "fct_complaint": by_case,
        "fct_case_risk": by_case,
        "fct_case_stage": "case_id IN (SELECT case_id FROM _new_case_stage)",
    }
    con.execute(f"CREATE OR REPLACE TEMP TABLE {REFRESH_SCOPE} (table_name VARCHAR, rows_where VARCHAR)")
    con.executemany(f"INSERT INTO {REFRESH_SCOPE} VALUES (?, ?)", list(scope.items()))


def refresh_scope(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """table -> the condition naming the rows the last incremental refresh on `con` wrote; {} when none."""
    temporary = con.sql(
        f"SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = '{REFRESH_SCOPE}'"
    ).fetchall()[0][0]
    return dict(con.sql(f"SELECT * FROM {REFRESH_SCOPE}").fetchall()) if temporary else {}


def _landed_since(con: duckdb.DuckDBPyConnection, table: str, through: int) -> bool:
    return bool(
        con.sql(f"SELECT count(*) FROM (SELECT 1 FROM {table} WHERE batch_id > {through} LIMIT 1)").fetchall()[0][0]
    )


def _table_names(con: duckdb.DuckDBPyConnection) -> set[str]:
    # Only the connection's own file: another database may be attached (the catch-up in warehouse/recycle.py).
    return {
        row[0]
        for row in con.sql(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database()"
        ).fetchall()
    }


def refreshable_through(con: duckdb.DuckDBPyConnection) -> int | None:
    """The last batch the marts reflect, when they can be refreshed incrementally; else None."""
    if not set(REFRESHED_TABLES) <= _table_names(con):
        return None
    columns = {row[0] for row in con.sql("DESCRIBE cfg_marts_build").fetchall()}
    if not {"fingerprint", "settings_fingerprint", "through_batch"} <= columns:
        return None
    rows = con.sql("SELECT fingerprint, settings_fingerprint, through_batch FROM cfg_marts_build").fetchall()
    if len(rows) != 1:
        return None
    fingerprint, settings_print, through = rows[0]
    if fingerprint != marts_fingerprint() or settings_print != settings_fingerprint() or through is None:
        return None
    return int(through)


def _last_batch(con: duckdb.DuckDBPyConnection) -> int:
    parts = " UNION ALL ".join(f"SELECT max(batch_id) AS b FROM {table}" for table in _RAW_WITH_BATCH)
    return int(con.sql(f"SELECT coalesce(max(b), 0) FROM ({parts})").fetchall()[0][0])


def _record_build(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE OR REPLACE TABLE cfg_marts_build AS SELECT $fingerprint AS fingerprint, "
        "$settings AS settings_fingerprint, $through::BIGINT AS through_batch",
        {"fingerprint": marts_fingerprint(), "settings": settings_fingerprint(), "through": _last_batch(con)},
    )


def _known_case_keys(con: duckdb.DuckDBPyConnection, scope: str | None) -> None:
    """_case_key_known / _case_key_base: the keys the marts already gave (of the cases in `scope`, or all)."""
    if "fct_complaint" in _table_names(con):
        within = f" SEMI JOIN {scope} USING (source_system, case_id)" if scope else ""
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _case_key_known AS "
            f"SELECT source_system, case_id, case_key FROM fct_complaint{within}"
        )
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _case_key_base AS "
            "SELECT coalesce(max(case_key), 0)::BIGINT AS max_key FROM fct_complaint"
        )
    else:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _case_key_known (source_system VARCHAR, case_id VARCHAR, case_key BIGINT)"
        )
        con.execute("CREATE OR REPLACE TEMP TABLE _case_key_base AS SELECT 0::BIGINT AS max_key")


def _scope_cases(con: duckdb.DuckDBPyConnection, through: int) -> int:
    """_scope: the cases landed after batch `through` and every case of a complainant subject (complainant,
    product, issue) any of them had before or has now: their repeat and first-time flags depend on each other.
    _case_source: the raw rows of those cases. Returns how many cases changed."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _changed AS "
        f"SELECT DISTINCT source_system, case_id FROM raw_cases WHERE batch_id > {through}"
    )
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _subjects AS
        SELECT DISTINCT complainant_key, product, issue FROM raw_cases
        WHERE batch_id > {through} AND complainant_key IS NOT NULL
        UNION
        SELECT f.complainant_key, p.product, i.issue
        FROM fct_complaint AS f
        SEMI JOIN _changed USING (source_system, case_id)
        JOIN dim_product AS p USING (product_key)
        JOIN dim_issue AS i USING (issue_key)
        WHERE f.complainant_key IS NOT NULL
    """)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _scope AS
        SELECT source_system, case_id FROM _changed
        UNION
        SELECT f.source_system, f.case_id
        FROM fct_complaint AS f
        JOIN dim_product AS p USING (product_key)
        JOIN dim_issue AS i USING (issue_key)
        JOIN _subjects AS s ON s.complainant_key = f.complainant_key AND s.product = p.product AND s.issue = i.issue
        WHERE f.complainant_key IN (SELECT complainant_key FROM _subjects)
    """)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _case_source AS "
        "SELECT * FROM raw_cases SEMI JOIN _scope USING (source_system, case_id)"
    )
    return int(con.sql("SELECT count(*) FROM _changed").fetchall()[0][0])


def _scope_events(con: duckdb.DuckDBPyConnection, through: int) -> None:
    """_event_source: the raw events of the cases in scope (their case's keys may have changed) and of every
    case with events landed after batch `through`."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _event_source AS
        SELECT * FROM raw_events
        SEMI JOIN (
            SELECT source_system, case_id FROM _scope
            UNION SELECT source_system, case_id FROM raw_events WHERE batch_id > {through}
        ) USING (source_system, case_id)
    """)


def _add_region_aliases(con: duckdb.DuckDBPyConnection, through: int) -> None:
    """ref_region_alias gains the (province, city) pairs first written by the new batches."""
    seen = con.sql(f"""
        SELECT DISTINCT province, city FROM raw_cases WHERE batch_id > {through}
        UNION SELECT DISTINCT province, city FROM raw_customers WHERE batch_id > {through}
        EXCEPT SELECT raw_province, raw_city FROM ref_region_alias
    """).fetchall()
    if seen:
        rows = _alias_rows(seen)
        frame = pl.DataFrame(rows, schema=dict.fromkeys(_ALIAS_COLUMNS, pl.String), orient="row")
        con.register("_new_region_alias", frame.to_arrow())
        try:
            con.execute("INSERT INTO ref_region_alias SELECT * FROM _new_region_alias")
        finally:
            con.unregister("_new_region_alias")


def settings_fingerprint() -> str:
    """The settings the marts are built from (MART_SETTINGS): a change needs a full rebuild."""
    chosen = {section: setting(section) for section in MART_SETTINGS}
    return hashlib.sha256(json.dumps(chosen, sort_keys=True, default=str).encode()).hexdigest()[:16]


def marts_fingerprint() -> str:
    """What the marts are built by (the SQL files, this module, the cube builder and the cubes settings.toml
    [aggregates] asks for): a warehouse whose marts carry another fingerprint was built by older code or settings
    and needs `python -m warehouse rebuild` (`--if-stale` sees it)."""
    digest = hashlib.sha256()
    for source in [
        *mart_sql_files(),
        *sorted(aggregates.AGGREGATES_DIR.glob("*.sql")),
        Path(aggregates.__file__),
        Path(__file__),
    ]:
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    digest.update(repr(sorted(sorted(pair) for pair in aggregates.filter_pairs())).encode())
    return digest.hexdigest()[:16]


def read_marts_fingerprint(con: duckdb.DuckDBPyConnection) -> str | None:
    """The fingerprint the warehouse's marts were built with (None before this was recorded)."""
    found = con.sql("SELECT 1 FROM information_schema.tables WHERE table_name = 'cfg_marts_build'").fetchall()
    return con.sql("SELECT fingerprint FROM cfg_marts_build").fetchall()[0][0] if found else None


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    cleaned = unicodedata.normalize("NFKC", text).strip()
    return cleaned or None


def resolve_region(province: str | None, city: str | None) -> tuple[str | None, str | None]:
    """Canonical (province, city) for whatever spelling a source used (广东 / 广东省, 深圳 / 深圳市)."""
    china = canonical_province(province)
    if china is not None:
        return china, canonical_city(china, city)
    # The CFPB profile writes US states and territories as USPS codes: regions of kind us_state.
    us = canonical_us_state(province)
    if us is not None:
        return us, _clean(city)
    return _clean(province), _clean(city)


def _replace_table(
    con: duckdb.DuckDBPyConnection, name: str, data: list[dict[str, Any]] | dict[str, list[Any]], schema: Schema
) -> None:
    """CREATE OR REPLACE `name` from Python rows (typed by `schema`, so empty lists still make a table)."""
    view = f"_{name}_frame"
    con.register(view, pl.DataFrame(data, schema=schema, orient="row" if isinstance(data, list) else None).to_arrow())
    try:
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {view}")
    finally:
        con.unregister(view)


def write_settings_tables(con: duckdb.DuckDBPyConnection) -> None:
    """cfg_deadline, cfg_petition_channel, cfg_repeat, cfg_channel, cfg_channel_alias, cfg_region_group_member."""
    deadlines = {
        "complaint_days": [int(setting("deadlines", "complaint_days", default=15))],
        "petition_days": [int(setting("deadlines", "petition_days", default=60))],
    }
    _replace_table(con, "cfg_deadline", deadlines, {"complaint_days": pl.Int32, "petition_days": pl.Int32})
    petition = [str(c) for c in setting("deadlines", "petition_channels", default=["来访", "来信"])]
    _replace_table(con, "cfg_petition_channel", {"channel": petition}, {"channel": pl.String})
    repeat = {
        "window_days": [int(setting("repeat", "window_days", default=365))],
        "first_time_resolution_days": [int(setting("repeat", "first_time_resolution_days", default=90))],
    }
    _replace_table(con, "cfg_repeat", repeat, {"window_days": pl.Int32, "first_time_resolution_days": pl.Int32})
    known = [str(c) for c in setting("channels", "known", default=[])]
    channels = {"channel": known, "sort_order": list(range(1, len(known) + 1))}
    _replace_table(con, "cfg_channel", channels, {"channel": pl.String, "sort_order": pl.Int32})
    aliases = setting("channels", "aliases", default={}) or {}
    alias_rows = {"alias": [str(a) for a in aliases], "channel": [str(c) for c in aliases.values()]}
    _replace_table(con, "cfg_channel_alias", alias_rows, {"alias": pl.String, "channel": pl.String})
    members = build_region_group_members(setting("region_groups", default={}) or {})
    _replace_table(con, "cfg_region_group_member", members, REGION_GROUP_MEMBER_SCHEMA)


def build_region_group_members(groups: dict[str, list[str]]) -> list[dict[str, Any]]:
    """One row per settings member: a province ("广东") or a province/city pair ("广东/深圳"), canonical."""
    known_cities = {(c.province, c.name) for c in cities()}
    rows: list[dict[str, Any]] = []
    for order, (group, members) in enumerate(groups.items(), start=1):
        for member in members:
            province_part, _, city_part = str(member).partition("/")
            province, city = resolve_region(province_part, city_part or None)
            known_province = (
                canonical_province(province_part) is not None or canonical_us_state(province_part) is not None
            )
            if not known_province or (city is not None and (province, city) not in known_cities):
                raise ValueError(
                    f"settings.toml [region_groups] 中“{group}”的成员“{member}”不是已知的省份或“省份/城市”："
                    "请按 warehouse/reference 中的名称填写（如“广东”或“广东/深圳”）。"
                )
            rows.append(
                {
                    "region_group": str(group),
                    "group_order": order,
                    "member": str(member),
                    "province": province,
                    "city": city,
                }
            )
    return rows


def write_reference_tables(con: duckdb.DuckDBPyConnection) -> None:
    """ref_province, ref_city (China, 2020 census) and ref_us_state."""
    province_rows = [
        {
            "province": p.name,
            "province_short": p.short,
            "province_en": p.name_en,
            "province_kind": p.kind,
            "population_2020": p.population_2020,
        }
        for p in provinces()
    ]
    _replace_table(con, "ref_province", province_rows, REF_PROVINCE_SCHEMA)
    city_rows = [
        {
            "province": c.province,
            "city": c.name,
            "city_short": c.short,
            "city_code": c.code,
            "population_2020": c.population_2020,
        }
        for c in cities()
    ]
    _replace_table(con, "ref_city", city_rows, REF_CITY_SCHEMA)
    states = {"state_code": list(US_REGIONS), "state_name": list(US_REGIONS.values())}
    _replace_table(con, "ref_us_state", states, {"state_code": pl.String, "state_name": pl.String})


_ALIAS_COLUMNS = ("raw_province", "raw_city", "province", "city")


def _alias_rows(seen: list[tuple[str | None, str | None]]) -> list[dict[str, Any]]:
    rows = []
    for raw_province, raw_city in seen:
        province, city = resolve_region(raw_province, raw_city)
        rows.append(
            {"raw_province": raw_province, "raw_city": raw_city, "province": province or raw_province, "city": city}
        )
    return rows


def write_region_aliases(con: duckdb.DuckDBPyConnection) -> None:
    """ref_region_alias: every distinct (province, city) written in raw_* -> its canonical pair."""
    seen = con.sql(
        "SELECT DISTINCT province, city FROM raw_cases UNION SELECT DISTINCT province, city FROM raw_customers"
    ).fetchall()
    _replace_table(con, "ref_region_alias", _alias_rows(seen), dict.fromkeys(_ALIAS_COLUMNS, pl.String))
