"""联系记录 (--kind contacts): a contact-log file loads through the importer, its 客户标识 is hashed like the
cases' (so it joins the person without a clear identifier), and the watch list shows last contact and 待联系."""

from __future__ import annotations

import argparse
import io
import json
from contextlib import redirect_stdout
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from dashboard.commands import watchlist as watchlist_command
from dashboard.engine.watchlist import attach_contacts, contact_due_days, list_person_contacts, list_watchlist
from tests.builders import build_cases, case_row
from tests.cockpit_support import module_warehouse, serve
from warehouse import store
from warehouse.importer.pipeline import import_file, load_frame

AS_OF = date(2025, 6, 30)
IDS = {"recent": "440101199001011234", "stale": "44010119900101567X", "never": "440101199001019999"}


def _cases() -> list[dict[str, object]]:
    rows = []
    for who, clear in IDS.items():  # two cases each: orange
        for k in range(2):
            received = datetime(2025, 5, 1 + k, 10)
            rows.append(
                case_row(
                    len(rows),
                    case_id=f"{who}-{k}",
                    received_at=received,
                    complainant_id=clear,
                    closed_at=received + timedelta(days=2),
                    status="已办结",
                    regulator_referred=False,
                    media_exposure=False,
                    litigation=False,
                    issue=f"问题{k}",
                )
            )
    return rows


@pytest.fixture(scope="module")
def built_contacts_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once for the module: the tests below only read it."""
    folder = tmp_path_factory.mktemp("contacts")
    with module_warehouse(folder) as db:
        assert load_frame(build_cases(_cases()), "cases", db=db, file_name="c.csv").loaded == 6
        log = pl.DataFrame(
            {
                "客户标识": [IDS["recent"], IDS["recent"], IDS["stale"].lower(), IDS["recent"]],
                "时间": ["2025-05-03 09:30", "2025/6/20 15:00", "2025年3月5日 10:00", "2025-07-02 10:00"],
                "方式": ["来电", "上门", "约谈", "书面"],
                "经办人": ["李经理", "王主管", "李经理", "李经理"],
                "结果": ["已解释", "达成和解协议", "客户认可", "回函"],
            }
        )
        path = folder / "contacts.csv"
        log.write_csv(path)
        result = import_file(path, kind="contacts", db=db)
        assert (result.loaded, result.quarantined, result.rejected) == (4, 0, False), result.message
    return db


@pytest.fixture
def contacts_db(built_contacts_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return serve(monkeypatch, built_contacts_db)


def test_contacts_join_the_person_through_the_hash_only(contacts_db: Path) -> None:
    with store.open_reader(contacts_db) as con:
        raw = con.sql("SELECT * FROM raw_contacts").pl()
        keys = dict(con.sql("SELECT case_id, complainant_key FROM fct_complaint").fetchall())
        log = list_person_contacts(con, keys["recent-0"], AS_OF)
        stale = list_person_contacts(con, keys["stale-0"], AS_OF)
    assert not any(clear in raw.write_csv() for clear in IDS.values())
    assert set(raw["complainant_key"]) == {keys["recent-0"], keys["stale-0"]}  # x and X: the same person
    assert log["method"].to_list() == ["来电", "上门"]  # in time order; the July contact is after AS_OF
    assert log["outcome"].to_list() == ["已解释", "达成和解协议"]
    assert stale["staff"].to_list() == ["李经理"]


def test_watch_list_shows_last_contact_and_who_needs_one(contacts_db: Path) -> None:
    with store.open_reader(contacts_db) as con:
        people = attach_contacts(con, list_watchlist(con, AS_OF), AS_OF)
        keys = dict(con.sql("SELECT case_id, complainant_key FROM fct_complaint").fetchall())
    by_person = {who: people.filter(pl.col("complainant_key") == keys[f"{who}-0"]).row(0, named=True) for who in IDS}
    assert by_person["recent"]["last_contact"] == date(2025, 6, 20)
    assert by_person["recent"]["days_since_contact"] == 10 and not by_person["recent"]["needs_contact"]
    assert by_person["stale"]["days_since_contact"] == (AS_OF - date(2025, 3, 5)).days > contact_due_days()
    assert by_person["stale"]["needs_contact"]
    assert by_person["never"]["last_contact"] is None and by_person["never"]["needs_contact"]
    assert by_person["never"]["contacts"] == 0 and by_person["recent"]["contacts"] == 2


def test_cli_json_carries_the_contact_flags(contacts_db: Path) -> None:
    parser = argparse.ArgumentParser()
    watchlist_command.add_parser(parser.add_subparsers())
    args = parser.parse_args(["watchlist", "--db", str(contacts_db), "--as-of", AS_OF.isoformat(), "--json"])
    out = io.StringIO()
    with redirect_stdout(out):
        assert args.handler(args) == 0
    payload = json.loads(out.getvalue())
    assert payload["counts"] == {"red": 0, "orange": 3, "yellow": 0}
    flags = {(p["last_contact"], p["needs_contact"]) for p in payload["people"]}
    assert flags == {("2025-06-20", False), ("2025-03-05", True), (None, True)}
