"""Customer identifiers are stored only as salted hashes; names and phones only masked."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest

from tests.builders import build_cases, read_table_rows, write_csv
from warehouse import store
from warehouse.importer.pipeline import import_file, load_frame
from warehouse.settings import salt_path

IDS = ["110101199003071234", "44030419851212567x", "CUST-00042"]
NAMES = ["欧阳明华", "司马光远", "诸葛青云"]
PHONES = ["13912345678", "+86 137-0000-5555", "020-87654321"]


def _identities() -> list[dict[str, str]]:
    return [
        {"complainant_id": i, "complainant_name": n, "phone": p} for i, n, p in zip(IDS, NAMES, PHONES, strict=True)
    ]


def _clear_values() -> list[str]:
    digits_only = [p.replace("+86 ", "").replace("-", "") for p in PHONES]
    return IDS + [i.upper() for i in IDS] + NAMES + PHONES + digits_only


def _every_text_value(db: Path) -> list[str]:
    con = store.open_reader(db)
    try:
        columns = con.sql(
            "SELECT table_name, column_name FROM information_schema.columns WHERE data_type = 'VARCHAR'"
        ).fetchall()
        found: list[str] = []
        for table, column in columns:
            found += [v for (v,) in con.sql(f'SELECT DISTINCT "{column}" FROM "{table}"').fetchall() if v]
        return found
    finally:
        con.close()


def test_no_clear_identity_reaches_the_warehouse(tmp_path: Path, tmp_db: Path) -> None:
    rows = _identities() + [{**_identities()[0], "case_id": "BAD1", "province": "火星", "city": None}]
    result = import_file(write_csv(build_cases(rows), tmp_path / "identities.csv"))
    assert (result.loaded, result.quarantined) == (3, 1)
    load_frame(build_cases([{**r, "case_id": f"F{n}"} for n, r in enumerate(_identities())]), "cases")
    stored = _every_text_value(tmp_db)
    for clear in _clear_values():
        assert not any(clear in value for value in stored), clear
        assert clear.encode("utf-8") not in store.current_version(tmp_db).read_bytes()
    assert not any(clear in str(v) for clear in _clear_values() for v in result.quarantine_rows.rows())


def test_keys_are_salted_sha256_of_the_normalised_identifier(tmp_path: Path, tmp_db: Path) -> None:
    spelled = [{"complainant_id": " 44030419851212567x "}, {"complainant_id": "44030419851212567X"}]
    import_file(write_csv(build_cases(spelled), tmp_path / "ids.csv"))
    salt = salt_path(tmp_db).read_text(encoding="ascii").strip()
    expected = hashlib.sha256((salt + "44030419851212567X").encode("utf-8")).hexdigest()
    assert read_table_rows(tmp_db, "SELECT DISTINCT complainant_key FROM raw_cases") == [(expected,)]
    # Without the salt, the plain hash of the identifier does not appear.
    plain = hashlib.sha256(b"44030419851212567X").hexdigest()
    assert read_table_rows(tmp_db, f"SELECT count(*) FROM raw_cases WHERE complainant_key = '{plain}'") == [(0,)]


def test_names_and_phones_are_masked(tmp_path: Path, tmp_db: Path) -> None:
    import_file(write_csv(build_cases(_identities()), tmp_path / "masks.csv"))
    rows = read_table_rows(tmp_db, "SELECT complainant_name_masked, phone_masked FROM raw_cases ORDER BY source_row")
    assert rows == [("欧**", "139****5678"), ("司**", "137****5555"), ("诸**", "020****4321")]


def test_the_salt_file_is_created_once_outside_the_warehouse_with_mode_600(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("COCKPIT_SALT_FILE")
    db = tmp_path / "data" / "cockpit.duckdb"
    path = write_csv(build_cases(_identities()), tmp_path / "ids.csv")
    import_file(path, db=db)
    salt_file = db.parent / ".cockpit_salt"
    assert stat.S_IMODE(salt_file.stat().st_mode) == 0o600
    first_salt = salt_file.read_text(encoding="ascii")
    keys = read_table_rows(db, "SELECT complainant_key FROM raw_cases ORDER BY source_row")
    salt = first_salt.strip()
    assert len(salt) >= 32 and salt.encode() not in store.current_version(db).read_bytes()
    second = import_file(path, db=db)
    assert second.duplicates == 3  # same salt, same keys
    assert salt_file.read_text(encoding="ascii") == first_salt
    assert read_table_rows(db, "SELECT complainant_key FROM raw_cases ORDER BY source_row") == keys
