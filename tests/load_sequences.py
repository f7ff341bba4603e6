"""Seeded random sequences of loads through the real importer (incremental marts, version reuse)."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

from tests.builders import build_cases, build_customers, build_events, case_row
from warehouse.importer.pipeline import load_frame

START = datetime(2024, 1, 1, 9, 0)
SPAN_DAYS = 500


class Sequence:
    """A seeded random sequence of loads, remembering the cases it sent so it can update and resend them."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.sent: dict[str, dict[str, Any]] = {}
        self.next_id = 0
        self.extra_values = 0

    def _complainant(self) -> str:
        return f"44010{self.rng.randrange(12):02d}1980010112{self.rng.randrange(3):02d}"

    def new_case(self, late: bool = False) -> dict[str, Any]:
        rng = self.rng
        self.next_id += 1
        day = rng.randrange(0, 60) if late else rng.randrange(SPAN_DAYS - 200, SPAN_DAYS)
        received = START + timedelta(days=day, hours=rng.randrange(8))
        closed = rng.random() < 0.6
        row = case_row(
            self.next_id,
            case_id=f"K{self.next_id:05d}",
            received_at=received,
            closed_at=received + timedelta(days=rng.randrange(0, 40)) if closed else None,
            status="已办结" if closed else "办理中",
            product=rng.choice(("信用卡分期", "个人住房贷款")),
            issue=rng.choice(("息费争议", "服务态度")),
            complainant_id=self._complainant() if rng.random() < 0.9 else None,
            resolved_first_time=None,
        )
        if rng.random() < 0.1:  # a dimension value no earlier load had
            self.extra_values += 1
            column = rng.choice(("channel", "product", "issue", "branch", "department"))
            row[column] = f"新{column}{self.extra_values}"
        if rng.random() < 0.05:
            row["province"], row["city"] = "广东", "广州"  # another spelling of a known region
        return row

    def updated(self, row: dict[str, Any]) -> dict[str, Any]:
        rng = self.rng
        changed = dict(row)
        what = rng.choice(("close", "reopen", "product", "complainant", "received"))
        if what == "close" or (what == "reopen" and row["closed_at"] is None):
            changed["closed_at"] = row["received_at"] + timedelta(days=rng.randrange(0, 120))
            changed["status"] = "已办结"
        elif what == "reopen":
            changed["closed_at"], changed["status"] = None, "办理中"
        elif what == "product":
            changed["product"] = "借记卡"
        elif what == "complainant":
            changed["complainant_id"] = self._complainant()
        else:
            changed["received_at"] = row["received_at"] - timedelta(days=rng.randrange(1, 300))
            if changed["closed_at"] is not None and changed["closed_at"] < changed["received_at"]:
                changed["closed_at"] = changed["received_at"]
        return changed

    def cases_load(self) -> list[dict[str, Any]]:
        rng = self.rng
        rows = [self.new_case() for _ in range(rng.randrange(5, 25))]
        rows += [self.new_case(late=True) for _ in range(rng.randrange(0, 3))]
        earlier = list(self.sent.values())
        if earlier:
            rows += [self.updated(r) for r in rng.sample(earlier, min(len(earlier), rng.randrange(0, 8)))]
            rows += rng.sample(earlier, min(len(earlier), rng.randrange(0, 5)))  # exact duplicates
        if rows and rng.random() < 0.3:
            rows.append(self.updated(rows[0]))  # the same case twice in one file: its last row wins
        for row in rows:
            self.sent[row["case_id"]] = row
        rng.shuffle(rows)
        return rows

    def events_load(self) -> list[dict[str, Any]]:
        ids = [*self.rng.sample(sorted(self.sent), min(len(self.sent), 6)), f"K{self.next_id + 3:05d}"]
        rows = []
        for case_id in ids:
            start = START + timedelta(days=self.rng.randrange(SPAN_DAYS))
            for number, stage in enumerate(("受理", "分派", "调查")[: self.rng.randrange(1, 4)]):
                begun = start + timedelta(hours=number)
                rows.append({"case_id": case_id, "stage": stage, "started_at": begun, "finished_at": begun})
        return rows


def load(kind: str, rows: list[dict[str, Any]], rebuild: bool = True) -> None:
    frame = {"cases": build_cases, "events": build_events, "customers": build_customers}[kind](rows)
    result = load_frame(frame, kind, file_name=f"{kind}.csv", rebuild=rebuild)
    assert not result.rejected, result.message


def run_sequence(seed: int, loads: int) -> None:
    sequence = Sequence(seed)
    load("cases", sequence.cases_load())
    load("customers", [{"month": date(2024, 1 + m, 1)} for m in range(3)])
    for number in range(loads):
        roll = sequence.rng.random()
        if roll < 0.15:
            load("events", sequence.events_load())
        elif roll < 0.25:
            load("cases", sequence.cases_load(), rebuild=False)  # caught up by the next load
        else:
            load("cases", sequence.cases_load())
        if number == loads - 1:
            load("cases", sequence.cases_load())
