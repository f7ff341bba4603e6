"""A hand-built warehouse for the 考核 scorecard tests: three departments in three places over two quarters,
red cards planted in chosen quarters (used by the integration, app and browser tests)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from dashboard.engine.periods import Period
from tests.builders import build_cases, build_events, case_row

Q1, Q2 = Period(date(2024, 1, 1), date(2024, 4, 1)), Period(date(2024, 4, 1), date(2024, 7, 1))
DEPARTMENTS = ("甲部", "乙部", "丙部")
PLACES = (("广东省", "深圳市", "深圳分行"), ("浙江省", "杭州市", "杭州分行"), ("北京市", "北京市", "北京分行"))
CASES_PER_DEPARTMENT = 12
LATE = timedelta(minutes=11)  # 受理's clock is 10 minutes (settings.toml [sla])
# department -> quarters (index into (Q1, Q2)) with two late 受理 in a row, i.e. one red card there
RED_QUARTERS = {"甲部": (0, 1), "丙部": (0,)}
LOWER_IS_BETTER = {"repeat_rate", "handling_days_mean"}  # METRICS.md: the rest of the scored KPIs: higher


def build_rows() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    cases: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    i = 0
    for q, period in enumerate((Q1, Q2)):
        for d, department in enumerate(DEPARTMENTS):
            for j in range(CASES_PER_DEPARTMENT):
                received = datetime.combine(period.start, datetime.min.time()) + timedelta(days=3 + 6 * j + d, hours=9)
                province, city, branch = PLACES[(j + d) % len(PLACES)]
                # Closed 2–20 days after receipt (some after the 15-day deadline), every fifth still open.
                closed = received + timedelta(days=2 + (7 * i) % 19) if i % 5 else None
                row = case_row(i, received_at=received, department=department, province=province, city=city,
                               closed_at=closed, status="已办结" if closed else "办理中")  # fmt: skip
                row.update(branch=branch, mediation=("调解成功", "调解失败", "未调解")[(i + d) % 3])
                cases.append(row)
                if j < 2 and q in RED_QUARTERS.get(department, ()):
                    events.append({"case_id": row["case_id"], "stage": "受理", "started_at": received,
                                   "finished_at": received + LATE})  # fmt: skip
                i += 1
    cases.append(case_row(i, received_at=datetime(2024, 7, 2, 9), department="乙部", branch="深圳分行"))
    return cases, events


def build_warehouse(folder: Path) -> Path:
    db = folder / "cockpit.duckdb"
    cases, events = build_rows()
    from warehouse.importer.pipeline import load_frame

    for frame, kind in ((build_cases(cases), "cases"), (build_events(events), "events")):
        result = load_frame(frame, kind, db=db, file_name=f"{kind}.csv")
        assert not result.rejected and result.quarantined == 0, result.message
    return db
