"""A daily load into an existing warehouse (issue 17): time and peak memory, with the parts it spends them on.

    python -m benchmarks.incremental_load --db benchmarks/cache/inc-1m/cockpit.duckdb --cases 2000 --runs 3

Each run loads `--cases` new cases through the real pipeline (`load_frame`: rules, hashing, batch checks,
landing, marts refresh, mart checks, publish) in a fresh child process, so the peak RSS is the load's own. The
cases come from the demo generator (another seed), received over the last 7 days before `--as-of`, with new
case ids; their complainants are drawn from the demo's pool and hashed with the warehouse's salt, so some are
repeats of complainants already in the warehouse (their subjects are recomputed, as in real use).
Reported per run: total; how the new version got its file (`prepared_by`: "reused" = the previous version
taken over and caught up, "copied" = a copy of the current one) and the seconds that took (`prepare`, with
`copy` the part spent copying); the marts refresh; the checks; peak RSS.
Runs accumulate (each run's cases stay in the warehouse). Results go to stdout as JSON lines.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

CHILD = r"""
import json, shutil, sys, time
from datetime import date, datetime, timedelta
import polars as pl
from warehouse import marts, store
from warehouse.demo.generate import generate_demo
from warehouse.importer import pipeline

db, cases, seed, prefix, as_of = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
as_of = date.fromisoformat(as_of)
frame = generate_demo(cases, seed, as_of).cases.head(cases)
end = datetime.combine(as_of, datetime.min.time())
offset = pl.duration(days=pl.int_range(0, pl.len()) % 7 + 1)
shift = (pl.lit(end) - offset) - pl.col("received_at").dt.truncate("1d")
frame = frame.with_columns(
    (prefix + pl.col("case_id")).alias("case_id"),
    (pl.col("received_at") + shift).alias("received_at"),
    (pl.col("closed_at") + shift).alias("closed_at"),
)
frame = frame.with_columns(
    pl.when(pl.col("closed_at") > pl.lit(end)).then(None).otherwise(pl.col("closed_at")).alias("closed_at"),
)
frame = frame.with_columns(
    pl.when(pl.col("closed_at").is_null()).then(pl.lit("办理中")).otherwise(pl.col("status")).alias("status")
)
spent = {"copy": 0.0, "refresh": 0.0}
copyfile, refresh = store.shutil.copyfile, marts.refresh_marts

def timed_copy(*args, **kwargs):
    started = time.perf_counter()
    try:
        return copyfile(*args, **kwargs)
    finally:
        spent["copy"] += time.perf_counter() - started

def timed_refresh(con):
    # The catch-up of a taken-over version refreshes too: that part is counted in "prepare", not here.
    if spent.get("preparing"):
        return refresh(con)
    started = time.perf_counter()
    try:
        spent["mode"] = refresh(con)
    finally:
        spent["refresh"] += time.perf_counter() - started
    return spent["mode"]

open_new_version = store._open_new_version

def marked_preparation(*args, **kwargs):
    spent["preparing"] = True
    try:
        return open_new_version(*args, **kwargs)
    finally:
        spent["preparing"] = False

store._open_new_version = marked_preparation
store.shutil.copyfile = timed_copy
marts.refresh_marts = timed_refresh
from data_checks import gate

def timing(name, function):
    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[name] = spent.get(name, 0.0) + time.perf_counter() - started
    return timed

gate.validate_batch = timing("batch_checks", gate.validate_batch)
gate.validate_marts = timing("mart_checks", gate.validate_marts)
pipeline.prepare_frame = timing("prepare", pipeline.prepare_frame)
store._publish = timing("publish", store._publish)
store._prune = timing("prune", store._prune)
started = time.perf_counter()
result = pipeline.load_frame(frame, "cases", db=db, file_name="daily.csv")
spent["total"] = time.perf_counter() - started
spent["prepared_by"] = store.LAST_PREPARATION.get("how")
spent["prepare"] = store.LAST_PREPARATION.get("seconds")
spent["loaded"], spent["rejected"], spent["message"] = result.loaded, result.rejected, result.message
import resource
spent["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(spent, ensure_ascii=False))
"""


def run_once(db: Path, cases: int, seed: int, prefix: str, as_of: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    salt = db.parent / "salt"
    if salt.exists():
        env["COCKPIT_SALT_FILE"] = str(salt)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(db), str(cases), str(seed), prefix, as_of],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    measured["process_wall"] = wall
    measured["cases"] = cases
    measured["size_bytes"] = Path(os.path.realpath(db)).stat().st_size
    return measured


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=90210)
    parser.add_argument("--as-of", default="2026-10-31")
    args = parser.parse_args(argv)
    stamp = datetime.now().strftime("%H%M%S")
    for run in range(args.runs):
        prefix = f"D{stamp}{run}-"
        measured = run_once(Path(args.db), args.cases, args.seed + run, prefix, args.as_of)
        print(json.dumps(measured, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
