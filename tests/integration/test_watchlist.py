"""重点人员 rules at their boundaries, masking, the timeline and the CLI, on a warehouse loaded by the importer."""

from __future__ import annotations

import argparse
import io
import json
import re
from contextlib import redirect_stdout
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from dashboard.commands import watchlist as watchlist_command
from dashboard.engine.filters import Filters
from dashboard.engine.watchlist import (
    count_watchlist,
    find_complainant_key,
    format_watchlist_table,
    list_person_cases,
    list_watchlist,
)
from tests.builders import build_cases, case_row
from tests.cockpit_support import module_warehouse, serve
from warehouse import store
from warehouse.importer.pipeline import load_frame
from warehouse.settings import setting

AS_OF = date(2025, 6, 30)
PLAIN: dict[str, Any] = {
    "channel": "电话",
    "regulator_referred": False,
    "litigation": False,
    "media_exposure": False,
    "vulnerable_group": "无",
    "amount_disputed": 0.0,
    "product": "信用卡分期",
    "department": "信用卡中心",
    "issue": "息费争议",
    "status": "已办结",
}
WINDOW = int(setting("watchlist", "window_days"))
RED_MIN = int(setting("watchlist", "red_min_cases"))


def days_back(days: int) -> datetime:
    return datetime.combine(AS_OF - timedelta(days=days), datetime.min.time()) + timedelta(hours=10)


# person -> list of (days before AS_OF, overrides)
PEOPLE: dict[str, list[tuple[int, dict[str, Any]]]] = {
    # RED_MIN cases; the oldest on the last day of the window (day WINDOW counting AS_OF as day 1).
    "red": [(0, {})] + [(30 * k, {"issue": f"问题{k}"}) for k in range(1, RED_MIN - 1)] + [(WINDOW - 1, {})],
    "two": [(5, {}), (50, {"issue": "服务态度"})],
    "referred": [(20, {"regulator_referred": True})],  # one referred case alone: not listed
    "two_referred": [(8, {}), (25, {"regulator_referred": True, "issue": "服务态度"})],  # 2, one referred: red
    "two_media": [(9, {}), (26, {"media_exposure": True, "issue": "销售误导"})],  # 2, one media-exposed: red
    "two_sued": [(10, {}), (27, {"litigation": True, "issue": "征信异议"})],  # 2, one litigated: red
    "high": [(40, {"litigation": True, "media_exposure": True})],  # 2 + 3 points: 高, not referred
    "medium": [(60, {"media_exposure": True})],  # 中: not listed
    "old": [(WINDOW, {}), (WINDOW + 10, {}), (WINDOW + 20, {})],  # all outside the window
    "moved": [(70, {})],  # reassigned to a second department by a later load
}


def build_people_cases() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for who, cases in PEOPLE.items():
        for days, flags in cases:
            received = days_back(days)
            index = len(rows)
            rows.append(
                case_row(
                    index,
                    **{**PLAIN, **flags},
                    case_id=f"{who}-{index}",
                    received_at=received,
                    closed_at=received + timedelta(hours=5),
                    complainant_id=f"ID-{who}-0001",
                    complainant_name=f"欧阳{who}",
                    phone=f"1391234{len(rows):04d}",
                )
            )
    return rows


@pytest.fixture(scope="module")
def built_watch_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once for the module: the tests below only read it."""
    with module_warehouse(tmp_path_factory.mktemp("watchlist")) as db:
        rows = build_people_cases()
        assert load_frame(build_cases(rows), "cases", db=db, file_name="people.csv").loaded == len(rows)
        moved = next(r for r in rows if r["case_id"].startswith("moved"))
        again = load_frame(build_cases([{**moved, "department": "零售信贷部"}]), "cases", db=db, file_name="b.csv")
        assert again.updated == 1, again.message
    return db


@pytest.fixture
def watch_db(built_watch_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return serve(monkeypatch, built_watch_db)


def levels_by_person(db: Path, as_of: date, filters: Filters | None = None) -> dict[str, str]:
    """Person -> level, matched through the cases of each listed complainant (the list itself is masked)."""
    with store.open_reader(db) as con:
        listed = list_watchlist(con, as_of, filters)
        result = {}
        for row in listed.iter_rows(named=True):
            case_ids = list_person_cases(con, row["complainant_key"], as_of)["case_id"].to_list()
            result[case_ids[0].split("-")[0]] = row["watch_level"]
    return result


def test_each_person_gets_the_level_of_the_rules(watch_db: Path) -> None:
    assert levels_by_person(watch_db, AS_OF) == {
        "red": "red",
        "two_referred": "red",
        "two_media": "red",
        "two_sued": "red",
        "two": "orange",
        "high": "yellow",
        # "referred" (one regulator-referred case) and "moved" (one case, two departments) are not listed
    }


def test_the_366th_day_drops_a_case(watch_db: Path) -> None:
    # The oldest case of "red" is on day WINDOW of the window ending AS_OF (AS_OF is day 1); a day
    # later it is on day WINDOW + 1 and drops out: one case fewer, so no longer red.
    with store.open_reader(watch_db) as con:
        today = list_watchlist(con, AS_OF)
        tomorrow = list_watchlist(con, AS_OF + timedelta(days=1))
    red = today.filter(today["watch_level"] == "red").row(0, named=True)
    assert red["cases"] == RED_MIN
    assert red["first_received"] == AS_OF - timedelta(days=WINDOW - 1)
    later = tomorrow.filter(tomorrow["complainant_key"] == red["complainant_key"]).row(0, named=True)
    assert later["cases"] == RED_MIN - 1
    assert later["watch_level"] == "orange"


def test_people_are_shown_masked_with_a_short_hash(watch_db: Path) -> None:
    with store.open_reader(watch_db) as con:
        listed = list_watchlist(con, AS_OF)
        keys = con.sql("SELECT DISTINCT complainant_key FROM fct_complaint").fetchall()
    table = format_watchlist_table(listed)
    text = table.write_csv()
    assert "欧阳" not in text and "ID-" not in text
    assert not re.search(r"1391234\d{4}", text)
    assert set(listed["name_masked"]) == {"欧**"}
    assert all(re.fullmatch(r"139\*{4}\d{4}", phone) for phone in listed["phone_masked"])
    assert all(len(short) == 8 for short in listed["short_id"])
    assert set(listed["short_id"]) <= {key[:8] for (key,) in keys}
    assert "complainant_key" not in table.columns
    short = listed["short_id"][0]
    assert find_complainant_key(listed, short) == listed["complainant_key"][0]


def test_the_timeline_lists_every_case_and_marks_the_window(watch_db: Path) -> None:
    with store.open_reader(watch_db) as con:
        key = con.sql("SELECT complainant_key FROM fct_complaint WHERE case_id LIKE 'red-%' LIMIT 1").fetchall()[0][0]
        cases = list_person_cases(con, key, AS_OF + timedelta(days=1))
    assert cases.height == len(PEOPLE["red"])
    assert cases["received_date"].is_sorted()
    assert cases["in_window"].to_list() == [False] + [True] * (len(PEOPLE["red"]) - 1)


def test_filters_choose_whom_to_show_not_how_they_are_classified(watch_db: Path) -> None:
    # Only "two" and "two_referred" have a 服务态度 case; their other case still counts towards the level.
    shown = levels_by_person(watch_db, AS_OF, Filters(issues=("服务态度",)))
    assert shown == {"two": "orange", "two_referred": "red"}


def run_cli(*args: str) -> dict[str, Any]:
    parser = argparse.ArgumentParser()
    watchlist_command.add_parser(parser.add_subparsers())
    parsed = parser.parse_args(["watchlist", *args, "--json"])
    out = io.StringIO()
    with redirect_stdout(out):
        assert parsed.handler(parsed) == 0
    return json.loads(out.getvalue())


def test_cli_counts_equal_the_list(watch_db: Path) -> None:
    payload = run_cli("--db", str(watch_db), "--as-of", AS_OF.isoformat())
    with store.open_reader(watch_db) as con:
        counts = count_watchlist(list_watchlist(con, AS_OF))
    assert payload["counts"] == counts == {"red": 4, "orange": 1, "yellow": 1}
    assert len(payload["people"]) == sum(counts.values())
    assert "complainant_key" not in payload["people"][0]
    red_only = run_cli("--db", str(watch_db), "--as-of", AS_OF.isoformat(), "--level", "red")
    assert [p["watch_level"] for p in red_only["people"]] == ["red"] * 4
