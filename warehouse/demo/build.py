"""build_demo: generate the demo bank and load it through the import pipeline, like any export."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from warehouse.demo.generate import DemoData, generate_demo
from warehouse.importer.contract import KIND_ZH

Progress = Callable[[float, str], None]
GENERATE_SHARE = 0.1  # of the progress bar; loading takes the rest, in proportion to rows
# cases first: events, contacts and defects refer to them
LOAD_ORDER = ("cases", "customers", "events", "contacts", "defects")
# One load (one batch, one published version) per kind up to this many rows. Larger frames go in slices:
# the pipeline holds several working copies of what it loads, and ten million cases at once would not fit.
LOAD_CHUNK_ROWS = 1_000_000


def _scaled(progress: Progress | None, start: float, width: float, prefix: str = "") -> Progress:
    def report(fraction: float, step: str) -> None:
        if progress is not None:
            progress(start + width * min(max(fraction, 0.0), 1.0), prefix + step)

    return report


def build_demo(
    db: str | Path | None = None,
    cases: int | None = None,
    seed: int | None = None,
    as_of: date | None = None,
    progress: Progress | None = None,
) -> list[Any]:
    """Generate the demo data and load cases, customer base and events into the warehouse at `db`.

    Returns the pipeline's LoadResults, one per load.
    """
    data = generate_demo(cases, seed, as_of, progress=_scaled(progress, 0.0, GENERATE_SHARE))
    return load_demo(data, db, _scaled(progress, GENERATE_SHARE, 1.0 - GENERATE_SHARE))


def load_demo(data: DemoData, db: str | Path | None = None, progress: Progress | None = None) -> list[Any]:
    """Load generated demo data through warehouse.importer.pipeline.load_frame, like any export.

    Stops at the first rejected load (the warehouse keeps what was published before it).
    """
    from warehouse.importer.pipeline import load_frame  # imports great-expectations: slow, so only here

    loads = []
    for kind in LOAD_ORDER:
        frame = getattr(data, kind)
        slices = max(1, -(-frame.height // LOAD_CHUNK_ROWS))
        for number in range(slices):
            part = frame.slice(number * LOAD_CHUNK_ROWS, LOAD_CHUNK_ROWS)
            label = f"导入{KIND_ZH[kind]}" + (f"（第 {number + 1}/{slices} 批）" if slices > 1 else "") + "："
            loads.append((kind, part, label))
    total = sum(part.height for _kind, part, _label in loads) or 1
    results = []
    done = 0
    for number, (kind, part, label) in enumerate(loads, start=1):
        report = _scaled(progress, done / total, part.height / total, label)
        # The marts are rebuilt (and checked) once, with the last slice: a 10M-case demo would otherwise
        # rebuild them after every one of its ~30 slices.
        result = load_frame(
            part,
            kind,
            db=db,
            file_name="demo",
            profile="demo",
            source_system="default",
            progress=report,
            rebuild=number == len(loads),
        )
        results.append(result)
        if result.rejected:
            break
        done += part.height
    else:
        if progress is not None:
            progress(1.0, "演示数据仓库已就绪")
    return results
