"""`python -m warehouse demo`: builds through the import pipeline, writes templates the importer reads back."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from warehouse import store
from warehouse.__main__ import main
from warehouse.demo import build, generate_demo, load_demo, write_canonical_csv
from warehouse.importer.pipeline import import_file

AS_OF = "2026-11-23"
SEED = "11"


def _count(db: Path, table: str) -> int:
    with store.open_reader(db) as con:
        return con.sql(f"SELECT count(*) FROM {table}").fetchall()[0][0]


def test_csv_dir_writes_the_templates_and_builds_nothing(tmp_path: Path, tmp_db: Path, capsys) -> None:
    folder = tmp_path / "模板"
    assert main(["demo", "--cases", "300", "--seed", SEED, "--as-of", AS_OF, "--csv-dir", str(folder)]) == 0
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["投诉案件.csv", "客户基数.csv", "办理环节.csv", "联系记录.csv", "缺陷清单.csv"]
    )
    assert store.current_version(tmp_db) is None
    assert "已写出" in capsys.readouterr().err


def test_demo_builds_the_warehouse_then_if_missing_leaves_it_alone(tmp_db: Path, capsys) -> None:
    assert main(["demo", "--cases", "400", "--seed", SEED, "--as-of", AS_OF, "--db", str(tmp_db)]) == 0
    err = capsys.readouterr().err
    assert "演示数据仓库已就绪" in err and "导入投诉案件" in err  # progress on stderr, in Chinese
    expected = generate_demo(cases=400, seed=int(SEED), as_of=date.fromisoformat(AS_OF))
    assert _count(tmp_db, "raw_cases") == 400
    assert _count(tmp_db, "raw_customers") == expected.customers.height
    assert _count(tmp_db, "raw_events") == expected.events.height
    with store.open_reader(tmp_db) as con:
        landed = con.sql("SELECT * FROM raw_cases").pl()
    # The clear identity fields went through the pipeline: hashed and masked, never stored.
    assert not {"complainant_id", "complainant_name", "phone"} & set(landed.columns)
    assert landed["phone_masked"].drop_nulls().str.contains(r"^\d{3}\*{4}\d{4}$").all()
    assert not set(landed["phone_masked"].drop_nulls()) & set(expected.cases["phone"].drop_nulls())

    version = store.current_version(tmp_db)
    assert main(["demo", "--cases", "50", "--if-missing", "--db", str(tmp_db)]) == 0
    assert store.current_version(tmp_db) == version
    assert "已存在" in capsys.readouterr().err


@pytest.mark.slow  # a whole demo through the importer
def test_canonical_csv_round_trips_through_the_importer(tmp_path: Path, tmp_db: Path) -> None:
    """Loading the written templates over the same data built from frames finds every row a duplicate:
    the CSV carries every value exactly (timestamps, amounts, booleans, blanks)."""
    data = generate_demo(cases=300, seed=int(SEED), as_of=date.fromisoformat(AS_OF))
    built = load_demo(data, tmp_db)
    assert not any(result.rejected for result in built)
    paths = write_canonical_csv(data, tmp_path / "csv")
    for kind, path in paths.items():
        result = import_file(path, db=tmp_db)  # the kind is recognised from the Chinese headers
        assert not result.rejected, result.message
        assert result.kind == kind
        assert (result.read, result.duplicates, result.quarantined) == (getattr(data, kind).height,) * 2 + (0,)


@pytest.mark.slow  # a whole demo through the importer
def test_a_fresh_warehouse_from_csv_matches_the_frames(tmp_path: Path, tmp_db: Path) -> None:
    data = generate_demo(cases=300, seed=int(SEED), as_of=date.fromisoformat(AS_OF))
    paths = write_canonical_csv(data, tmp_path / "csv")
    for path in paths.values():
        result = import_file(path, db=tmp_db)
        assert result.loaded == result.read and result.quarantined == 0, result.message
    with store.open_reader(tmp_db) as con:
        landed = con.sql(
            "SELECT channel, count(*) AS n, sum(amount_disputed_yuan) AS amount FROM raw_cases "
            "GROUP BY channel ORDER BY channel"
        ).pl()
    frame = data.cases.group_by("channel").agg(n=pl.len(), amount=pl.col("amount_disputed").sum()).sort("channel")
    assert landed["channel"].to_list() == frame["channel"].to_list()
    assert landed["n"].to_list() == frame["n"].to_list()
    assert [float(x or 0) for x in landed["amount"]] == pytest.approx([float(x or 0) for x in frame["amount"]])


def test_large_frames_load_in_slices(tmp_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(build, "LOAD_CHUNK_ROWS", 4_000)
    data = generate_demo(cases=300, seed=int(SEED), as_of=date.fromisoformat(AS_OF))
    seen: list[str] = []
    results = load_demo(data, tmp_db, progress=lambda _fraction, step: seen.append(step))
    slices = -(-data.customers.height // 4_000)
    assert slices > 1
    assert [r.kind for r in results] == ["cases"] + ["customers"] * slices + ["events", "contacts", "defects"]
    assert sum(r.loaded for r in results if r.kind == "customers") == data.customers.height
    assert _count(tmp_db, "raw_customers") == data.customers.height
    assert _count(tmp_db, "etl_batch") == len(results)
    assert any(f"第 {slices}/{slices} 批" in step for step in seen)
