"""Repeat-window benchmark: the window functions of staging/21_stg_complaint.sql against a plain self-join.

`make bench` runs it on 1M synthetic cases (benchmarks/run.py, "repeat_window"); alone, on the size you ask for:

    .venv/bin/python -m benchmarks.repeat_window 1000000

tests/integration/test_repeat_window.py runs `compare_formulations` on small data, where it proves both
formulations agree on skewed synthetic cases (the timings are measured here, never asserted in tests).

Synthetic data: 20% of cases without a customer identifier; complainants drawn with a heavy skew
(a few file thousands of cases, as 职业投诉人 do), which is what makes a self-join grow with the
square of a complainant's cases.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import duckdb

from warehouse import store
from warehouse.marts import rebuild_marts

SELF_JOIN_REPEAT = """
CREATE OR REPLACE TEMP TABLE bench_repeat_self AS
SELECT a.case_key, count(b.case_key) AS prior_repeats
FROM stg_case AS a
LEFT JOIN stg_case AS b
    ON b.complainant_key = a.complainant_key AND b.product = a.product AND b.issue = a.issue
    AND (b.received_at, b.case_id, b.source_system) < (a.received_at, a.case_id, a.source_system)
    AND a.received_date - b.received_date <= (SELECT window_days FROM cfg_repeat)
WHERE a.complainant_key IS NOT NULL
GROUP BY a.case_key
"""

SELF_JOIN_FOLLOWED = """
CREATE OR REPLACE TEMP TABLE bench_followed_self AS
SELECT DISTINCT a.case_key
FROM stg_case AS a
JOIN stg_case AS b
    ON b.complainant_key = a.complainant_key AND b.product = a.product AND b.issue = a.issue
    AND (b.received_at, b.case_id, b.source_system) > (a.received_at, a.case_id, a.source_system)
    AND b.received_date BETWEEN a.closed_date AND a.closed_date + (SELECT first_time_resolution_days FROM cfg_repeat)
WHERE a.complainant_key IS NOT NULL AND a.closed_date IS NOT NULL
"""


def land_synthetic_cases(con: duckdb.DuckDBPyConnection, rows: int, seed: float = 0.42) -> None:
    con.execute(f"SELECT setseed({seed})")
    con.execute(f"""
        INSERT INTO raw_cases (batch_id, source_row, source_system, case_id, received_at, closed_at, channel,
            product, issue, province, city, complainant_key, row_hash)
        SELECT 1, i, 'default', 'C' || lpad(i::VARCHAR, 9, '0'), received_at,
            CASE WHEN random() < 0.85 THEN received_at + to_hours((random() * 24 * 40)::BIGINT) END,
            ['来访', '来信', '电话', '网络'][1 + i % 4], 'P' || (customer % 6), 'I' || ((customer // 6) % 4),
            ['广东', '广东省', '北京市', '浙江'][1 + i % 4], NULL,
            CASE WHEN random() < 0.2 THEN NULL ELSE md5(customer::VARCHAR) END, 'h' || i
        FROM (
            SELECT i, floor(pow(random(), 2) * {rows} * 0.4)::BIGINT AS customer,
                TIMESTAMP '2023-01-01' + to_seconds((random() * 2 * 365 * 86400)::BIGINT) AS received_at
            FROM range({rows}) AS t(i)
        )
    """)


def production_statement(table: str) -> str:
    """The CREATE statement of `table` in staging/21_stg_complaint.sql (the formulation the marts use)."""
    text = (store.SQL_DIR / "staging" / "21_stg_complaint.sql").read_text(encoding="utf-8")
    start = text.index(f"CREATE OR REPLACE TEMP TABLE {table} AS")
    return text[start : text.index(";", start)]


def timed(con: duckdb.DuckDBPyConnection, sql: str) -> float:
    started = time.perf_counter()
    con.execute(sql)
    return time.perf_counter() - started


def compare_formulations(rows: int) -> dict[str, float]:
    """Land `rows` synthetic cases, rebuild, and time both formulations; assert they agree."""
    with store.new_version() as con:
        land_synthetic_cases(con, rows)
        started = time.perf_counter()
        rebuild_marts(con)
        timings = {"rebuild_marts (all)": time.perf_counter() - started}
        timings["repeat: window"] = timed(con, production_statement("stg_case_sequence"))
        timings["repeat: self-join"] = timed(con, SELF_JOIN_REPEAT)
        timings["first-time: window"] = timed(con, production_statement("stg_case_followed"))
        timings["first-time: self-join"] = timed(con, SELF_JOIN_FOLLOWED)
        disagreeing_repeats = con.sql("""
            SELECT count(*) FROM fct_complaint f JOIN bench_repeat_self s USING (case_key)
            WHERE f.prior_repeats <> s.prior_repeats
        """).fetchall()[0][0]
        disagreeing_first_time = con.sql("""
            SELECT count(*) FROM fct_complaint f LEFT JOIN bench_followed_self s USING (case_key)
            WHERE f.has_complainant AND f.closed_date IS NOT NULL
              AND f.is_resolved_first_time <> (s.case_key IS NULL)
        """).fetchall()[0][0]
        repeats, identified = con.sql(
            "SELECT count(*) FILTER (WHERE is_repeat), count(*) FILTER (WHERE has_complainant) FROM fct_complaint"
        ).fetchall()[0]
    assert (disagreeing_repeats, disagreeing_first_time) == (0, 0)
    assert 0 < repeats < identified
    return timings


def main(argv: list[str]) -> int:
    """Time both formulations on `argv[0]` synthetic cases (default 1M) in a throwaway warehouse; `--json` prints
    the timings as one JSON object (for benchmarks/run.py)."""
    import os
    import tempfile

    sizes = [a for a in argv if not a.startswith("--")]
    size = int(sizes[0]) if sizes else 1_000_000
    with tempfile.TemporaryDirectory() as folder:
        os.environ["COCKPIT_DB"] = str(Path(folder) / "bench.duckdb")
        os.environ["COCKPIT_SALT_FILE"] = str(Path(folder) / "salt")
        timings = compare_formulations(size)
    if "--json" in argv:
        print(json.dumps({"cases": size, "seconds": timings}))
    else:
        for label, seconds in timings.items():
            print(f"{label:<24} {seconds:7.2f} s   ({size:,} cases)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
