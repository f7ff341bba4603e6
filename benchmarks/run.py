"""`make bench`: build (or reuse) demo warehouses of 1M and 10M cases and measure the cockpit on them.

Every figure is the median of several runs unless its row says otherwise. Results go to
benchmarks/results/<date>-<commit>.json and to the table between the markers in benchmarks/README.md.
Warehouses and the 1M-row CSV are cached in benchmarks/cache/ (git-ignored); a build is timed when it
happens and its figures are kept beside the cached file (build.json) for later runs to report.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from benchmarks.incremental_load import run_once as run_daily_load
from benchmarks.report import DAILY_CASES, write_readme_table
from warehouse import store
from warehouse.commands.rebuild import marts_are_current
from warehouse.demo.template import FILE_NAMES

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
CACHE = BENCH_DIR / "cache"
RESULTS = BENCH_DIR / "results"
SIZES = {"1m": 1_000_000, "10m": 10_000_000}
AS_OF = "2026-10-31"  # fixed, so every run measures the same data
CSV_ROWS = 1_000_000
DAILY_RUNS = 3
SPREAD_WINDOW_S = 60  # the sessions' filter changes spread over a minute (people in one meeting)
DAILY_BASELINE = ("100k", 100_000)  # the small warehouse the 1M daily load is compared with (ratio ≤ 1.3)
CASES_FILE_NAME = FILE_NAMES["cases"]


def run_child(args: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Run `python <args>` from the project root: (wall seconds, the child's peak RSS in MiB, stdout)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    chunks: dict[str, bytes] = {}

    def drain(name: str, stream: IO[bytes]) -> None:
        chunks[name] = stream.read()

    readers = [
        threading.Thread(target=drain, args=(n, s)) for n, s in (("out", process.stdout), ("err", process.stderr))
    ]
    for reader in readers:
        reader.start()
    # os.wait4 reaps the child with its own rusage: the peak memory of this one process.
    _pid, status, usage = os.wait4(process.pid, 0)
    for reader in readers:
        reader.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        error = chunks.get("err", b"").decode(errors="replace")[-4000:]
        raise RuntimeError(f"python {' '.join(args)} failed ({process.returncode}):\n{error}")
    return seconds, usage.ru_maxrss / 1024, chunks.get("out", b"").decode()


def median_of(runs: int, args: list[str], env: dict[str, str] | None = None) -> dict[str, float]:
    measured = [run_child(args, env) for _ in range(runs)]
    return {
        "seconds": statistics.median(m[0] for m in measured),
        "peak_rss_mib": max(m[1] for m in measured),
        "runs": runs,
    }


def ensure_warehouse(label: str, cases: int) -> tuple[Path, dict[str, Any]]:
    """The cached demo warehouse of `cases` cases, built (and timed) when missing; marts brought up to date."""
    db = CACHE / f"demo-{label}" / "cockpit.duckdb"
    record = db.parent / "build.json"
    if store.current_version(db) is None:
        print(f"[bench] building the {label} demo warehouse ({cases:,} cases)…", flush=True)
        seconds, peak, _out = run_child(
            ["-m", "warehouse", "demo", "--cases", str(cases), "--db", str(db), "--as-of", AS_OF],
            {"COCKPIT_SALT_FILE": str(db.parent / "salt")},
        )
        build = {"seconds": seconds, "peak_rss_mib": peak, "measured": datetime.now().isoformat(timespec="seconds")}
        record.write_text(json.dumps(build, indent=2), encoding="utf-8")
    info: dict[str, Any] = {"build": json.loads(record.read_text(encoding="utf-8")) if record.exists() else None}
    current = marts_are_current(str(db))
    if not current:  # cached by older code (mart SQL or cubes changed since): rebuild its marts once
        print(f"[bench] rebuilding the marts of the {label} warehouse…", flush=True)
        seconds, peak, _out = run_child(["-m", "warehouse", "rebuild", "--db", str(db)])
        info["marts_rebuild"] = {"seconds": seconds, "peak_rss_mib": peak}
    return db, info


def ensure_csv() -> Path:
    """The demo's canonical case CSV of CSV_ROWS rows (UTF-8 with BOM), written once into the cache."""
    folder = CACHE / "csv-1m"
    csv = folder / CASES_FILE_NAME
    if not csv.exists():
        print("[bench] writing the 1M-row canonical CSV…", flush=True)
        run_child(["-m", "warehouse", "demo", "--cases", str(CSV_ROWS), "--csv-dir", str(folder), "--as-of", AS_OF])
    return csv


def measure_csv_import(runs: int) -> dict[str, Any]:
    """Import the 1M-row CSV (reading, canonical values, row rules, great-expectations gate, publish) into a
    fresh warehouse each run."""
    csv = ensure_csv()
    measured = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="bench-import-", dir=CACHE) as folder:
            db = Path(folder) / "cockpit.duckdb"
            env = {"COCKPIT_DB": str(db), "COCKPIT_SALT_FILE": str(Path(folder) / "salt")}
            seconds, peak, out = run_child(["-m", "warehouse", "load", str(csv), "--db", str(db), "--json"], env)
            measured.append((seconds, peak, json.loads(out)))
    result = measured[-1][2]
    return {
        "seconds": statistics.median(m[0] for m in measured),
        "peak_rss_mib": max(m[1] for m in measured),
        "runs": runs,
        "read": result.get("read"),
        "loaded": result.get("loaded"),
        "quarantined": result.get("quarantined"),
    }


def _scratch_copy(db: Path, folder: Path) -> Path:
    """A served warehouse in `folder` holding a copy of `db`'s current version (and its salt)."""
    scratch = folder / "cockpit.duckdb"
    versions = store.versions_dir(scratch)
    versions.mkdir(parents=True)
    shutil.copyfile(store.current_version(db), versions / "v00000000-bench.duckdb")
    os.symlink(f"{versions.name}/v00000000-bench.duckdb", scratch)
    if (db.parent / "salt").exists():
        shutil.copyfile(db.parent / "salt", folder / "salt")
    return scratch


def measure_daily_loads(db: Path) -> dict[str, Any]:
    """A day's file into an existing warehouse (benchmarks/incremental_load.py), on a scratch copy so the cached
    warehouse stays as built: one small load first, so there is a previous version as on any working day; then
    DAILY_RUNS loads of each DAILY_CASES size, each in a fresh process. Medians of the total, peak RSS at most."""
    measured: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-daily-", dir=CACHE) as folder:
        scratch = _scratch_copy(db, Path(folder))
        run_daily_load(scratch, 100, 4242, "W-", AS_OF)
        for cases in DAILY_CASES:
            runs = [run_daily_load(scratch, cases, 9000 + n, f"D{cases}-{n}-", AS_OF) for n in range(DAILY_RUNS)]
            measured[str(cases)] = {
                "seconds": statistics.median(r["total"] for r in runs),
                "process_seconds": statistics.median(r["process_wall"] for r in runs),
                "peak_rss_mib": max(r["peak_rss_mib"] for r in runs),
                "prepared_by": [r.get("prepared_by") for r in runs],
                **{
                    f"{part}_s": statistics.median(r.get(part) or 0.0 for r in runs)
                    for part in ("prepare", "refresh", "batch_checks", "mart_checks")
                },
            }
    return measured


def measure_sessions(db: Path, sessions: int, window_s: float) -> dict[str, Any]:
    """benchmarks/concurrent_sessions.py in its own process; a failed session or a stuck server is a result to
    report (exit 1), not a crash."""
    done = subprocess.run(
        [
            *(sys.executable, "-m", "benchmarks.concurrent_sessions", "--db", str(db)),
            *("--sessions", str(sessions), "--filter-window", str(window_s)),
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    if not done.stdout.strip().startswith("["):
        raise RuntimeError(f"the concurrent-session benchmark failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout)[0]


def measure_size(
    label: str,
    cases: int,
    runs: int,
    browser: bool,
    pack: bool,
    sessions: int,
    references: bool = True,
    daily: bool = True,
) -> dict[str, Any]:
    db, info = ensure_warehouse(label, cases)
    print(f"[bench] {label}: engine, pages{' and references' if references else ''}…", flush=True)
    engine_args = ["-m", "benchmarks.engine", "--db", str(db), "--runs", str(runs)]
    _seconds, peak, out = run_child(engine_args if references else [*engine_args, "--no-references"])
    engine = json.loads(out.strip().splitlines()[-1])
    engine["process_peak_rss_mib"] = peak
    result: dict[str, Any] = {"cases": cases, **info, "engine": engine}
    print(f"[bench] {label}: kpis --json as a process…", flush=True)
    result["kpis_json"] = median_of(
        runs, ["-m", "dashboard", "kpis", "--preset", "last_12_months", "--json", "--db", str(db)]
    )
    if daily:
        print(f"[bench] {label}: daily loads of {' and '.join(map(str, DAILY_CASES))} cases…", flush=True)
        result["daily_load"] = measure_daily_loads(db)
    if pack:
        print(f"[bench] {label}: committee pack (PDF)…", flush=True)
        with tempfile.TemporaryDirectory(prefix="bench-pack-") as folder:
            out_file = str(Path(folder) / "pack.pdf")
            result["pack_pdf"] = median_of(3, ["-m", "dashboard", "pack", "--db", str(db), "--out", out_file])
    if browser:
        print(f"[bench] {label}: the cockpit in chromium…", flush=True)
        _s, _p, out = run_child(["-m", "benchmarks.browser_timing", "--db", str(db), "--runs", str(runs)])
        result["browser"] = json.loads(out)
        if sessions:
            for key, window in (("concurrent", 0), ("concurrent_spread", SPREAD_WINDOW_S)):
                print(f"[bench] {label}: {sessions} browser sessions, filter changes over {window} s…", flush=True)
                result[key] = measure_sessions(db, sessions, window)
    return result


def keep_sizes_not_measured(results: dict[str, Any]) -> None:
    """A run of some sizes keeps the other sizes' figures from the newest earlier result (marked as such), so
    `--sizes 1m` does not blank the 10M column of the README table."""
    earlier = sorted(RESULTS.glob("*.json"))
    if not earlier:
        return
    previous = json.loads(earlier[-1].read_text(encoding="utf-8"))
    for label, figures in previous.get("sizes", {}).items():
        if label not in results["sizes"]:
            source = figures.get("measured_in") or {"date": previous.get("date"), "commit": previous.get("commit")}
            results["sizes"][label] = {**figures, "measured_in": source}


def keep_parts_not_measured(results: dict[str, Any]) -> None:
    """A run that skipped parts (--no-import, --no-pack, --sessions 0, --no-references …) keeps those parts'
    figures from the newest earlier result, and lists them with their source, so the table stays whole and
    says which figures are older."""
    earlier = sorted(RESULTS.glob("*.json"))
    if not earlier:
        return
    previous = json.loads(earlier[-1].read_text(encoding="utf-8"))
    source = {"date": previous.get("date"), "commit": previous.get("commit")}
    carried: list[str] = []
    for key in ("csv_import", "repeat_window", "daily_load_baseline"):
        if key not in results and key in previous:
            results[key] = previous[key]
            carried.append(key)
    for label, figures in results["sizes"].items():
        old = previous.get("sizes", {}).get(label)
        if not old or figures.get("measured_in"):
            continue
        for key, value in old.items():
            if key not in figures and key not in ("measured_in", "carried_over", "marts_rebuild"):
                figures[key] = value
                carried.append(f"{label}.{key}")
        for key, value in old.get("engine", {}).items():
            if key not in figures.get("engine", {}):
                figures.setdefault("engine", {})[key] = value
                carried.append(f"{label}.engine.{key}")
    if carried:
        results["carried_over"] = {**source, "parts": carried}


def describe_machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        memory_kib = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    except (OSError, StopIteration, ValueError):
        memory_kib = 0
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_gib": round(memory_kib / 1024 / 1024, 1),
        "python": platform.python_version(),
        "system": platform.platform(),
    }


def read_commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=PROJECT_ROOT, capture_output=True, text=True)
    commit = done.stdout.strip() or "unknown"
    return commit + ("+changes" if dirty.stdout.strip() else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the cockpit on 1M and 10M demo cases (make bench).")
    parser.add_argument("--sizes", default="1m,10m", help="comma-separated: 1m, 10m (default both)")
    parser.add_argument("--runs", type=int, default=5, help="runs per timing (median reported)")
    parser.add_argument("--import-runs", type=int, default=3, help="runs of the 1M-row CSV import")
    parser.add_argument("--no-browser", action="store_true", help="skip the chromium timings")
    parser.add_argument("--no-pack", action="store_true", help="skip the committee pack")
    parser.add_argument("--no-import", action="store_true", help="skip the CSV import")
    parser.add_argument("--no-repeat-window", action="store_true", help="skip the repeat-window comparison")
    parser.add_argument("--sessions", type=int, default=20, help="concurrent browser sessions (0: skip)")
    parser.add_argument("--no-daily-loads", action="store_true", help="skip the daily-load measurement")
    parser.add_argument(
        "--no-references", action="store_true", help="skip the pandas and plain-SQL references (16 GB at 10M)"
    )
    args = parser.parse_args(argv)
    labels = [s.strip() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in labels if s not in SIZES]
    if unknown:
        parser.error(f"unknown size(s): {', '.join(unknown)}; choose from {', '.join(SIZES)}")
    CACHE.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    results: dict[str, Any] = {
        "date": datetime.now().isoformat(timespec="seconds"),
        "commit": read_commit(),
        "machine": describe_machine(),
        "runs": args.runs,
        "sizes": {},
    }
    if not args.no_import:
        print("[bench] 1M-row CSV import with validation…", flush=True)
        results["csv_import"] = measure_csv_import(args.import_runs)
    if not args.no_repeat_window:
        print("[bench] repeat window vs self-join on 1M synthetic cases (marts rebuild included)…", flush=True)
        _seconds, peak, out = run_child(["-m", "benchmarks.repeat_window", str(CSV_ROWS), "--json"])
        results["repeat_window"] = {**json.loads(out.strip().splitlines()[-1]), "peak_rss_mib": peak}
    if not args.no_daily_loads:
        label, cases = DAILY_BASELINE
        print(f"[bench] {label}: daily loads (the baseline of the 1M÷100k ratio)…", flush=True)
        results["daily_load_baseline"] = measure_daily_loads(ensure_warehouse(label, cases)[0])
    for label in labels:
        browser = not args.no_browser
        results["sizes"][label] = measure_size(
            label,
            SIZES[label],
            args.runs,
            browser,
            not args.no_pack,
            args.sessions,
            not args.no_references,
            not args.no_daily_loads,
        )
    keep_sizes_not_measured(results)
    keep_parts_not_measured(results)
    results["total_seconds"] = time.perf_counter() - started
    RESULTS.mkdir(exist_ok=True)
    target = RESULTS / f"{results['date'][:10]}-{results['commit'].replace('+changes', '')}.json"
    target.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    write_readme_table(BENCH_DIR / "README.md", results)
    print(f"[bench] done in {results['total_seconds'] / 60:.1f} min: {target.relative_to(PROJECT_ROOT)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
