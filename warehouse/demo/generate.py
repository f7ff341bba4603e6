"""generate_demo: the three frames of the demo bank, in memory."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from warehouse.demo.cases import case_frame, draw_case_codes, event_frame
from warehouse.demo.contacts import draw_contacts
from warehouse.demo.defects import draw_defects
from warehouse.demo.network import build_network, customer_base
from warehouse.demo.seasons import DemoPeriod, demo_period
from warehouse.settings import setting

Progress = Callable[[float, str], None]
CHUNK_ROWS = 1_000_000


@dataclass(frozen=True)
class DemoData:
    cases: pl.DataFrame  # canonical case columns (DATA_CONTRACT.md), complainant id/name/phone in clear
    customers: pl.DataFrame  # province, city, month (first day), personal_customers, branches
    events: pl.DataFrame  # case_id, stage, started_at, finished_at
    contacts: pl.DataFrame  # complainant_id (clear), contacted_at, method, staff, outcome
    defects: pl.DataFrame  # the defect ledger (DATA_CONTRACT.md), 关联案件 in case_ids
    period: DemoPeriod
    seed: int


def default_case_count() -> int:
    return int(setting("demo", "cases", default=150_000))


def default_seed() -> int:
    return int(setting("demo", "seed", default=20260101))


def generate_demo(
    cases: int | None = None, seed: int | None = None, as_of: date | None = None, progress: Progress | None = None
) -> DemoData:
    """Cases, customer base and process events of the demo bank (deterministic for seed, cases, as_of)."""
    cases = default_case_count() if cases is None else cases
    seed = default_seed() if seed is None else seed
    if cases < 1:
        raise ValueError(f"案件数必须为正整数，收到 {cases}")
    period = demo_period(as_of)
    # Independent streams: the network (and customer base) does not change with the number of cases.
    streams = np.random.SeedSequence(seed).spawn(5)  # the earlier ones as before: a new stream changes nothing else
    network_rng, customer_rng, case_rng, contact_rng, defect_rng = (np.random.default_rng(s) for s in streams)
    report = progress or (lambda _fraction, _step: None)
    report(0.0, "正在生成机构网络与客户基数")
    network = build_network(network_rng)
    customers = customer_base(network, period, customer_rng)
    report(0.05, f"正在生成 {cases:,} 件投诉案件")
    codes = draw_case_codes(case_rng, cases, period, network)
    # Strings are built a slice at a time: ten million cases never hold their temporaries all at once.
    case_parts, event_parts = [], []
    for start in range(0, cases, CHUNK_ROWS):
        rows = slice(start, min(cases, start + CHUNK_ROWS))
        case_parts.append(case_frame(codes, rows))
        event_parts.append(event_frame(codes, case_parts[-1]["case_id"], rows))
        report(0.4 + 0.6 * rows.stop / cases, f"已生成 {rows.stop:,} / {cases:,} 件案件及其办理环节")
    contacts = draw_contacts(
        contact_rng,
        codes.person_key,
        codes.received_us,
        codes.cutoff_us,
        int(codes.received_us[codes.tracked[0]]) if len(codes.tracked) else codes.cutoff_us,
    )
    # The ledger relabels the issue of some cases after its planted fix, and writes 缺陷编号 on others.
    case_frame_all, defects = draw_defects(defect_rng, pl.concat(case_parts, rechunk=False), period)
    return DemoData(
        cases=case_frame_all,
        customers=customers,
        events=pl.concat(event_parts, rechunk=False),
        contacts=contacts,
        defects=defects,
        period=period,
        seed=seed,
    )
