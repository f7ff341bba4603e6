"""Deterministic demo data: a realistic Chinese retail bank's complaints, customer base and process events.

    data = generate_demo(cases=150_000, seed=20260101, as_of=date(2026, 11, 23))
    write_canonical_csv(data, "模板")            # what a user would feed the importer
    build_demo(db, cases, seed, as_of)            # loads it through the import pipeline

Same seed, case count and as-of date give identical frames. The window is three full years
ending with the last month complete on `as_of` (default: today).
"""

from __future__ import annotations

from warehouse.demo.build import build_demo, load_demo
from warehouse.demo.generate import DemoData, generate_demo
from warehouse.demo.seasons import DemoPeriod, demo_period
from warehouse.demo.template import write_canonical_csv

__all__ = ["DemoData", "DemoPeriod", "build_demo", "demo_period", "generate_demo", "load_demo", "write_canonical_csv"]
