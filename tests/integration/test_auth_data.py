"""Region binding on the data paths (Filters SQL, SQL sandbox) and no clear identity in the warehouse file."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.auth.access import bind_filters
from dashboard.engine.filters import Filters
from dashboard.engine.sandbox import SandboxError, open_sandbox
from tests.builders import build_cases, case_row, write_csv
from warehouse import store
from warehouse.importer.pipeline import import_file

BOUND = ("广东省",)


@pytest.fixture
def loaded(tmp_path: Path, tmp_db: Path) -> list[dict[str, object]]:
    rows = [case_row(i) for i in range(40)]
    result = import_file(write_csv(build_cases(rows), tmp_path / "cases.csv"))
    assert result.loaded == len(rows)
    return rows


def test_bound_filters_count_only_the_bound_province(loaded: list[dict[str, object]], tmp_db: Path) -> None:
    expected = sum(1 for r in loaded if r["province"] in BOUND)
    assert 0 < expected < len(loaded)
    con = store.open_reader(tmp_db)
    try:
        for chosen in (Filters(), Filters(provinces=("浙江省",)), Filters(provinces=("浙江省", "广东省"))):
            where, params = bind_filters(chosen, BOUND).to_sql_where("f")
            count = con.sql(f"SELECT count(*) FROM fct_complaint AS f WHERE {where}", params=params).fetchall()[0][0]
            assert count == expected, chosen
        where, params = bind_filters(Filters(region_group="长三角"), BOUND).to_sql_where("f")
        assert con.sql(f"SELECT count(*) FROM fct_complaint AS f WHERE {where}", params=params).fetchall()[0][0] == 0
    finally:
        con.close()


def test_bound_sandbox_sees_only_its_province(loaded: list[dict[str, object]], tmp_db: Path) -> None:
    expected = sum(1 for r in loaded if r["province"] in BOUND)
    with open_sandbox(tmp_db, provinces=BOUND) as sandbox:
        provinces = sandbox.run("SELECT DISTINCT province FROM v_complaint").frame["province"].to_list()
        assert provinces == list(BOUND)
        assert sandbox.run("SELECT count(*) AS n FROM fct_complaint").frame["n"].item() == expected
        regions = sandbox.run("SELECT DISTINCT province FROM dim_region").frame["province"].to_list()
        assert regions == list(BOUND)
        with pytest.raises(SandboxError):  # batches and quarantine carry no region: not exposed
            sandbox.run("SELECT * FROM quarantine")
    with open_sandbox(tmp_db) as sandbox:
        assert sandbox.run("SELECT count(*) AS n FROM fct_complaint").frame["n"].item() == len(loaded)


IDS = ["440301199001011234", "CUST-77aa-0042"]
NAMES = ["欧阳明华", "慕容雪"]
PHONES = ["13912345678", "02087654321"]


def test_warehouse_bytes_hold_no_clear_identity_in_any_encoding(tmp_path: Path, tmp_db: Path) -> None:
    rows = [
        case_row(i, complainant_id=cid, complainant_name=name, phone=phone)
        for i, (cid, name, phone) in enumerate(zip(IDS, NAMES, PHONES, strict=True))
    ]
    assert import_file(write_csv(build_cases(rows), tmp_path / "clear.csv")).loaded == len(rows)
    stored = store.current_version(tmp_db).read_bytes()
    for clear in IDS + NAMES + PHONES:
        for encoding in ("utf-8", "utf-16-le", "utf-16-be", "gbk"):
            assert clear.encode(encoding) not in stored, (clear, encoding)
    # the search can fail: the same file does hold a value of the test data that is stored in clear
    assert str(rows[0]["summary"]).encode("utf-8") in stored
