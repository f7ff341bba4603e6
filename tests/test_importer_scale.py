"""A million-row canonical CSV imports, with validation and the marts rebuilt, in under a minute."""

from __future__ import annotations

import time
from pathlib import Path

import polars as pl
import pytest

from tests.builders import build_cases, write_csv
from warehouse.importer.pipeline import import_file

ROWS = 1_000_000
LIMIT_SECONDS = 60.0


def _million_cases() -> pl.DataFrame:
    """1,000 distinct template rows repeated, each copy with its own case, complainant and dates."""
    template = build_cases(1_000)
    copies = pl.concat([template] * (ROWS // template.height)).with_row_index("n")
    shift = pl.duration(days=pl.col("n") % 700)
    return copies.with_columns(
        pl.format("C{}", pl.col("n")).alias("case_id"),
        pl.format("ID{}", pl.col("n") % 250_000).alias("complainant_id"),
        (pl.col("received_at") - shift).alias("received_at"),
        (pl.col("closed_at") - shift).alias("closed_at"),
    ).drop("n")


@pytest.mark.slow
def test_a_million_row_csv_imports_within_a_minute(tmp_path: Path) -> None:
    path = write_csv(_million_cases(), tmp_path / "million.csv")
    started = time.perf_counter()
    result = import_file(path)
    elapsed = time.perf_counter() - started
    assert not result.rejected, result.message
    assert (result.read, result.loaded, result.quarantined) == (ROWS, ROWS, 0)
    assert elapsed < LIMIT_SECONDS, f"{ROWS} rows took {elapsed:.1f} s"
