"""重点人员: the list equals a plain formulation of METRICS.md on warehouses loaded by the importer,
with and without versions.

`reference_list_watchlist` aggregates every complainant of the window and applies the rule as
METRICS.md words it; the product aggregates only the complainants who can be listed. Two
warehouses: one load, and the same load followed by a second file that reassigns, re-sends and
blanks departments (one case twice in that file): versions must not count as cases.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from dashboard.engine.filters import Filters
from dashboard.engine.watchlist import (
    SHORT_ID_LENGTH,
    WATCH_LABELS,
    WATCH_LEVELS,
    WATCHLIST_COLUMNS,
    WatchRules,
    _empty_watchlist,
    _reasons_expr,
    find_latest_date,
    list_watchlist,
)
from tests.builders import build_cases, case_row
from warehouse import store
from warehouse.importer.pipeline import load_frame

AS_OF = date(2025, 6, 30)
PEOPLE = 70
SURNAMES = "张王李赵刘陈杨黄"
DEPARTMENT = "消费者权益保护部"
OTHER_DEPARTMENT = "零售信贷部"


def reference_list_watchlist(
    con: duckdb.DuckDBPyConnection, as_of: date | None = None, filters: Filters | None = None
) -> pl.DataFrame:
    """METRICS.md's watch list over every complainant of the window (no first pass)."""
    rules = WatchRules.from_settings()
    as_of = as_of or find_latest_date(con)
    if as_of is None:
        return _empty_watchlist()
    first, last = rules.window(as_of)
    where, params = (filters or Filters()).to_sql_where("f")
    params = {**params, "w_first": first, "w_last": last, "red_min": rules.red_min_cases}
    sql = f"""
        WITH win AS (
            SELECT f.*, ({where}) AS matches
            FROM fct_complaint AS f
            WHERE f.complainant_key IS NOT NULL AND f.received_date BETWEEN $w_first AND $w_last
        ),
        person AS (
            SELECT
                complainant_key,
                arg_max(complainant_name_masked, received_at) AS name_masked,
                arg_max(phone_masked, received_at) AS phone_masked,
                count(*)::INTEGER AS cases,
                count(*) FILTER (WHERE is_regulator_referred)::INTEGER AS referred_cases,
                count(*) FILTER (WHERE is_regulator_referred OR is_media_exposure OR is_litigation)::INTEGER
                    AS flagged_cases,
                count(*) FILTER (WHERE risk_level = '高')::INTEGER AS high_risk_cases,
                max(risk_score)::INTEGER AS max_risk_score,
                count(*) FILTER (WHERE NOT is_closed)::INTEGER AS open_cases,
                min(received_date) AS first_received,
                max(received_date) AS last_received,
                bool_or(matches) AS matches
            FROM win
            GROUP BY complainant_key
        ),
        levelled AS (
            SELECT *,
                CASE
                    WHEN cases >= $red_min THEN 'red'
                    WHEN cases = 2 AND flagged_cases > 0 THEN 'red'
                    WHEN cases = 2 THEN 'orange'
                    WHEN cases = 1 AND high_risk_cases > 0 THEN 'yellow'
                END AS watch_level
            FROM person
        )
        SELECT * EXCLUDE (matches) FROM levelled
        WHERE watch_level IS NOT NULL AND matches
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


def make_cases(seed: int = 5) -> list[dict[str, Any]]:
    """People with 1-4 cases over ~500 days before AS_OF (some outside the window)."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for person in range(PEOPLE):
        for _ in range(rng.choice([1, 1, 1, 2, 2, 3, 4])):
            index = len(rows)
            received = datetime.combine(AS_OF, datetime.min.time()) - timedelta(days=rng.randrange(500), hours=index)
            closed = rng.random() < 0.7
            rows.append(
                case_row(
                    index,
                    case_id=f"W{index:04d}",
                    received_at=received,
                    closed_at=received + timedelta(days=rng.randrange(1, 40)) if closed else None,
                    status="已办结" if closed else "办理中",
                    department=DEPARTMENT,
                    regulator_referred=rng.random() < 0.08,
                    litigation=rng.random() < 0.15,
                    media_exposure=rng.random() < 0.15,
                    complainant_id=f"ID-{person:03d}",
                    complainant_name=f"{SURNAMES[index % len(SURNAMES)]}某",  # the latest case names the person
                    phone=f"139{person:04d}{index:04d}",
                )
            )
    return rows


def make_second_file(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Reassigned cases (a second department), re-sent ones (same department, now closed), blanked ones."""
    singles = [r for r in rows if sum(o["complainant_id"] == r["complainant_id"] for o in rows) == 1]
    again = [{**r, "department": OTHER_DEPARTMENT} for r in singles[:10]]
    again += [{**r, "status": "已办结", "closed_at": r["received_at"] + timedelta(days=3)} for r in singles[10:14]]
    again += [{**r, "department": None, "summary": "补充说明"} for r in singles[14:16]]
    twice = rows[-20]  # listed twice in the file: its second row names a third department
    again += [{**twice, "department": OTHER_DEPARTMENT}, {**twice, "department": "信用卡中心"}]
    return again


def build_warehouse(folder: Path, reload: bool) -> Path:
    db = folder / "cockpit.duckdb"
    rows = make_cases()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COCKPIT_SALT_FILE", str(folder / "salt"))
        patch.setenv("COCKPIT_MODE", "demo")
        first = load_frame(build_cases(rows), "cases", db=db, file_name="a.csv")
        assert first.loaded == len(rows), first.message
        if reload:
            second = load_frame(build_cases(make_second_file(rows)), "cases", db=db, file_name="b.csv")
            assert second.updated >= 16, second.message
    return db


@pytest.fixture(scope="module", params=["one_load", "reloaded"])
def con(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[duckdb.DuckDBPyConnection]:
    db = build_warehouse(tmp_path_factory.mktemp(request.param), reload=request.param == "reloaded")
    connection = store.open_reader(db)
    yield connection
    connection.close()


FILTERS = {
    "none": Filters(),
    "channel": Filters(channels=("电话",)),
    "province": Filters(provinces=("广东省",)),
    "issue": Filters(issues=("服务态度",)),
    "referred": Filters(referred_only=True),
    "line_group": Filters(business_lines=("零售信贷",), region_group="长三角"),
    "vulnerable": Filters(vulnerable_groups=("老年人",)),
    "department": Filters(departments=(OTHER_DEPARTMENT,)),
}


@pytest.mark.parametrize("filter_name", list(FILTERS))
@pytest.mark.parametrize("as_of", [AS_OF, AS_OF - timedelta(days=120)], ids=["as_of", "earlier"])
def test_the_list_equals_the_plain_formulation(con: duckdb.DuckDBPyConnection, filter_name: str, as_of: date) -> None:
    filters = FILTERS[filter_name]
    new = list_watchlist(con, as_of, filters)
    old = reference_list_watchlist(con, as_of, filters)
    assert new.schema == old.schema
    assert_frame_equal(new.sort("complainant_key"), old.sort("complainant_key"))
    # Ties aside (same level, cases, score and last day), the order is the same.
    ranks = ["watch_level", "cases", "max_risk_score", "last_received"]
    assert new.select(ranks).equals(old.select(ranks))


def test_the_data_exercises_every_rule(con: duckdb.DuckDBPyConnection) -> None:
    listed = list_watchlist(con, AS_OF)
    assert set(listed["watch_level"]) == set(WATCH_LEVELS)
    assert listed.height < PEOPLE  # some people are not listed
    # A reassigned case (two departments) alone lists nobody: only cases, flags and risk do.
    flagged = listed.filter(pl.col("watch_level") == "red", pl.col("cases") == 2)
    assert flagged.height > 0 and (flagged["flagged_cases"] > 0).all()
    # each filter narrows the list (department: the reassigned cases are single ones, so nobody is shown)
    for name, filters in FILTERS.items():
        if name == "none":
            continue
        shown = list_watchlist(con, AS_OF, filters)
        assert shown.height < listed.height, name
        assert (shown.height > 0) == (name != "department"), name
