"""The three real CFPB exports in ../shared/testdata/cfpb load with the `cfpb` profile and reconcile.

Expected figures are derived here from the files themselves with Python's csv module (the way
their README counts rows), independently of the importer.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from tests.builders import read_table_rows
from warehouse.importer.pipeline import import_file

FILES = [
    "priyankdsilva_ConsumerComplaints_2011-2015.csv",
    "capitalprince100_Consumer_Complaints_2013-08.csv",
    "sravanbunny2002_Consumer_Complaints_2023-04.csv",
]

# Real CFPB exports through the importer (about 12 s): `make test` runs them; `make test-fast` keeps the importer's
# hand-made files only.
pytestmark = pytest.mark.slow


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


class Export:
    """The file read with the csv module: rows as dicts keyed by a spelling-free header key."""

    def __init__(self, path: Path) -> None:
        with open(path, encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        self.keys = [_key(h) for h in rows[0]]
        self.rows = [dict(zip(self.keys, r, strict=True)) for r in rows[1:]]

    def column(self, *prefixes: str) -> list[str]:
        key = next(k for k in self.keys if k.startswith(prefixes))
        return [row[key].strip() for row in self.rows]


def _readme_counts(readme: Path) -> dict[str, int]:
    counts = {}
    for line in readme.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) > 2 and cells[0].endswith(".csv"):
            counts[cells[0]] = int(cells[1].replace(",", ""))
    return counts


def _parse_dates(texts: list[str]) -> list[datetime]:
    """ISO, M/D/YYYY or DD-MM-YYYY, as the README describes the three files."""
    formats = ("%Y-%m-%d", "%m/%d/%Y", "%d-%m-%Y")
    for fmt in formats:
        try:
            return [datetime.strptime(t, fmt) for t in texts]
        except ValueError:
            continue
    raise AssertionError("unexpected date format")


@pytest.fixture
def cfpb_dir(shared_dir: Path) -> Path:
    folder = shared_dir / "testdata" / "cfpb"
    if not folder.is_dir():
        pytest.skip("../shared/testdata/cfpb is absent")
    return folder


@pytest.mark.parametrize("name", FILES)
def test_a_real_cfpb_export_loads_and_reconciles(name: str, cfpb_dir: Path, tmp_path: Path) -> None:
    path = cfpb_dir / name
    export = Export(path)
    assert len(export.rows) == _readme_counts(cfpb_dir / "README.md")[name]
    states = export.column("state")
    blank_state = sum(1 for s in states if not s)

    db = tmp_path / "wh" / "cockpit.duckdb"
    result = import_file(path, profile="cfpb", db=db)
    assert not result.rejected, result.message
    assert result.kind == "cases"
    assert result.read == len(export.rows)
    assert result.read == result.loaded + result.updated + result.duplicates + result.quarantined
    # CFPB has no customer identifier (allowed by the profile); a blank state is a case of region 未知地区.
    assert (result.loaded, result.updated, result.duplicates, result.quarantined) == (len(export.rows), 0, 0, 0)
    assert result.loaded >= 0.99 * result.read
    assert result.footer_lines == 0 and result.malformed == 0
    assert any("未知地区" in w and str(blank_state) in w for w in result.warnings) == (blank_state > 0)

    received = _parse_dates(export.column("datereceived"))
    channel = Counter(export.column("submittedvia"))
    in_progress = sum(1 for r in export.column("companyresponse") if r == "In progress")
    disputed = Counter(export.column("consumerdisputed"))
    landed = read_table_rows(
        db,
        """
        SELECT count(*), count(complainant_key), min(received_at), max(received_at),
               count(*) FILTER (channel = '监管转办'), count(*) FILTER (regulator_referred),
               count(*) FILTER (channel = '来信'), count(*) FILTER (status = '办理中'),
               count(*) FILTER (resolved_first_time), count(*) FILTER (NOT resolved_first_time),
               count(*) FILTER (resolved_first_time IS NULL), count(DISTINCT source_system), min(source_system),
               count(*) FILTER (province = '未知地区')
        FROM raw_cases""",
    )[0]
    rows = len(export.rows)
    assert landed == (
        rows,
        0,
        min(received),
        max(received),
        channel["Referral"],
        channel["Referral"],
        channel["Postal mail"] + channel["Fax"],
        in_progress,
        disputed["No"],
        disputed["Yes"],
        rows - disputed["No"] - disputed["Yes"],
        1,
        "cfpb",
        blank_state,
    )
    known = "SELECT count(*) FROM raw_cases WHERE province NOT SIMILAR TO '[A-Z]{2}' AND province <> '未知地区'"
    assert read_table_rows(db, known) == [(0,)]
    if blank_state:
        assert read_table_rows(
            db, "SELECT unexpected_count, critical FROM dq_result WHERE expectation = 'region_unknown'"
        ) == [(blank_state, False)]


def test_tags_older_american_become_the_elderly_group(cfpb_dir: Path, tmp_path: Path) -> None:
    name = "capitalprince100_Consumer_Complaints_2013-08.csv"
    export = Export(cfpb_dir / name)
    older = sum(1 for tag in export.column("tags") if "Older American" in tag)
    db = tmp_path / "wh" / "cockpit.duckdb"
    import_file(cfpb_dir / name, profile="cfpb", db=db)
    assert read_table_rows(
        db, "SELECT count(*) FILTER (vulnerable_group = '老年人'), count(vulnerable_group) FROM raw_cases"
    ) == [(older, older)]


def test_reimporting_a_cfpb_export_is_all_duplicates(cfpb_dir: Path, tmp_path: Path) -> None:
    path = cfpb_dir / "capitalprince100_Consumer_Complaints_2013-08.csv"
    db = tmp_path / "wh" / "cockpit.duckdb"
    first = import_file(path, profile="cfpb", db=db)
    again = import_file(path, profile="cfpb", db=db)
    assert (again.loaded, again.updated, again.duplicates, again.quarantined) == (0, 0, first.loaded, first.quarantined)


def test_backslash_escaped_apostrophes_are_unescaped(cfpb_dir: Path, tmp_path: Path) -> None:
    path = cfpb_dir / "priyankdsilva_ConsumerComplaints_2011-2015.csv"
    assert "\\'" in path.read_text(encoding="utf-8")
    db = tmp_path / "wh" / "cockpit.duckdb"
    import_file(path, profile="cfpb", db=db)
    assert read_table_rows(
        db, "SELECT count(*) FROM raw_cases WHERE contains(branch, '\\') OR contains(issue, '\\')"
    ) == [(0,)]
    assert read_table_rows(db, "SELECT count(*) > 0 FROM raw_cases WHERE contains(branch, '''')") == [(True,)]


def test_an_export_without_complaint_id_is_rejected_naming_the_column(tmp_path: Path, tmp_db: Path) -> None:
    path = tmp_path / "no_id.csv"
    path.write_text(
        "Date received,Product,Issue,State,Submitted via,Company response to consumer\n"
        "2023-04-27,Mortgage,Trouble during payment process,CA,Web,In progress\n",
        encoding="utf-8",
    )
    result = import_file(path, profile="cfpb")
    assert result.rejected
    assert all(word in result.message for word in ("no_id.csv", "案件编号", "case_id", "Complaint ID"))


OLD_LAYOUT = [
    "Complaint ID",
    "Product",
    "Sub-product",
    "Issue",
    "Sub-issue",
    "State",
    "ZIP code",
    "Submitted via",
    "Date received",
    "Date sent to company",
    "Company",
    "Company response",
    "Timely response?",
    "Consumer disputed?",
]


def _old_layout_row(i: int) -> list[str]:
    via = ("Web", "Referral", "Phone", "Postal mail", "Fax", "Email")[i % 6]
    state = "" if i % 10 == 3 else ("CA", "NY", "TX", "FL")[i % 4]
    response = "In progress" if i % 7 == 0 else "Closed with explanation"
    return [
        str(100000 + i),
        "Mortgage",
        "Other mortgage",
        "Loan servicing, payments, escrow account",
        "",
        state,
        f"{90000 + i}",
        via,
        f"{1 + i % 12}/{1 + i % 28}/2013",
        "1/30/2014",
        "Bank of America",
        response,
        "Yes",
        ("Yes", "No", "")[i % 3],
    ]


def test_the_2012_2016_layout_with_junk_lines_narratives_and_a_short_last_row_loads(tmp_path: Path) -> None:
    """Complaint ID first, 14 columns, M/D/YYYY dates, CRLF, junk above the header, one field short at the end."""
    rows = [_old_layout_row(i) for i in range(60)]
    rows[5][4] = 'Told me "wait"\r\nthen, on a second line, nothing'  # a quoted multi-line field
    short = _old_layout_row(60)[:-1]
    path = tmp_path / "Consumer_Complaints_2013.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write("Consumer Complaint Database\r\nExported 2014-02-01\r\n\r\n")
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(OLD_LAYOUT)
        writer.writerows(rows)
        handle.write(",".join(short) + "\r\n")
    db = tmp_path / "wh" / "cockpit.duckdb"
    result = import_file(path, profile="cfpb", db=db)
    assert not result.rejected, result.message
    assert (result.read, result.loaded, result.quarantined, result.malformed) == (len(rows) + 1, len(rows), 1, 1)
    assert result.quarantine_rows["rule"].to_list() == ["malformed_record"]
    assert result.quarantine_rows["source_row"].to_list() == [len(rows) + 1]
    received = [datetime.strptime(r[8], "%m/%d/%Y") for r in rows]
    blank_state = sum(1 for r in rows if not r[5])
    landed = read_table_rows(
        db,
        """
        SELECT count(*), min(received_at), max(received_at), count(*) FILTER (status = '办理中'),
               count(*) FILTER (province = '未知地区'), count(*) FILTER (contains(issue, chr(10)))
        FROM raw_cases""",
    )[0]
    in_progress = sum(1 for r in rows if r[11] == "In progress")
    assert landed == (len(rows), min(received), max(received), in_progress, blank_state, 0)
    narrative = read_table_rows(db, "SELECT count(*) FROM raw_cases WHERE case_id = '100005'")
    assert narrative == [(1,)]
