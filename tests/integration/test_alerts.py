"""Early warning on a hand-built warehouse: each rule at its boundary, and `alerts --json` equals the page's data.

Judged as of 2024-06-30 (a Sunday): the latest complete month is June 2024 (baseline
December–May) and the latest complete week 24–30 June (baseline the 12 weeks before).
- High frequency, in 北京市 only (cases on the 1st of each month, outside the weeks checked):
  A exactly 1.5 x its mean with 10 cases (flagged), B just under 1.5 x (not), C exactly 1.5 x
  with 9 cases (not: needs 10), D never seen before with 10 cases (flagged, "new").
- Regional surge: 广东省 and 浙江省 share a baseline of mean 20 and sample sd 2 (exact), so the
  line is 26: 广东省 has exactly 26 (not "more than"), 浙江省 27 (flagged).
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from statistics import mean, stdev

import polars as pl
import pytest

from dashboard.__main__ import main
from dashboard.engine.alerts import AlertSettings, build_alerts_json, compute_alerts, find_high_frequency, find_surges
from dashboard.engine.filters import Filters
from dashboard.views import alerts_view
from tests.builders import build_cases
from warehouse import store

AS_OF = date(2024, 6, 30)
SETTINGS = AlertSettings.from_settings()
RATIO, MIN_CASES = SETTINGS.high_frequency_ratio, SETTINGS.high_frequency_min_cases
BASELINE_MONTHS = [
    date(2023, 12, 1),
    date(2024, 1, 1),
    date(2024, 2, 1),
    date(2024, 3, 1),
    date(2024, 4, 1),
    date(2024, 5, 1),
]
JUNE = date(2024, 6, 1)
# pair -> (baseline counts per month, June count)
PAIRS = {
    ("信用卡分期", "息费争议"): ([7, 7, 7, 7, 6, 6], 10),  # 10 = 1.5 x 40/6: flagged
    ("个人住房贷款", "服务态度"): ([7, 7, 7, 7, 7, 6], 10),  # 1.5 x 41/6 = 10.25: not
    ("借记卡", "业务办理效率"): ([6, 6, 6, 6, 6, 6], 9),  # exactly 1.5 x but 9 < 10: not
    ("手机银行", "征信异议"): ([0, 0, 0, 0, 0, 0], 10),  # new: flagged
}
SURGE_WEEK = date(2024, 6, 24)
BASELINE_WEEKS = [SURGE_WEEK - timedelta(weeks=n) for n in range(12, 0, -1)]
WEEKLY = [24, 16, 22, 18, 21, 19, 21, 19, 20, 20, 20, 20]  # mean 20, sample sd exactly 2
SURGE = {"广东省": 26, "浙江省": 27}  # the line is 20 + 3 x 2 = 26


def _case(index: int, received: datetime, province: str, product: str, issue: str) -> dict[str, object]:
    cities = {"北京市": "北京市", "广东省": "深圳市", "浙江省": "杭州市", "四川省": "成都市"}
    return {
        "case_id": f"A{index:05d}",
        "received_at": received,
        "closed_at": received + timedelta(days=2),
        "status": "已办结",
        "province": province,
        "city": cities[province],
        "product": product,
        "issue": issue,
    }


def build_alert_cases() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    # One earlier case so the warehouse covers every baseline month and week.
    rows.append(_case(0, datetime(2023, 11, 6, 9), "四川省", "借记卡", "服务态度"))
    for (product, issue), (baseline, june) in PAIRS.items():
        for month, count in [*zip(BASELINE_MONTHS, baseline, strict=True), (JUNE, june)]:
            for n in range(count):
                rows.append(
                    _case(
                        len(rows),
                        datetime.combine(month, datetime.min.time()) + timedelta(hours=8, minutes=n),
                        "北京市",
                        product,
                        issue,
                    )
                )
    for province, current in SURGE.items():
        for week, count in [*zip(BASELINE_WEEKS, WEEKLY, strict=True), (SURGE_WEEK, current)]:
            for n in range(count):
                received = datetime.combine(week, datetime.min.time()) + timedelta(days=n % 5, hours=9, minutes=n)
                rows.append(_case(len(rows), received, province, "信用卡分期", "征信异议"))
    return rows


@pytest.fixture(scope="module")
def alert_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("alerts")
    db = folder / "cockpit.duckdb"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COCKPIT_SALT_FILE", str(folder / "salt"))
        from warehouse.importer.pipeline import load_frame

        result = load_frame(build_cases(build_alert_cases()), "cases", db=db, file_name="alerts.csv")
    assert not result.rejected and result.quarantined == 0, result.message
    return db


def test_the_hand_built_baselines_are_what_the_boundaries_need() -> None:
    assert mean(WEEKLY) == 20 and stdev(WEEKLY) == 2
    flagged_a = PAIRS[("信用卡分期", "息费争议")]
    assert flagged_a[1] == RATIO * sum(flagged_a[0]) / len(BASELINE_MONTHS) and flagged_a[1] == MIN_CASES


def test_high_frequency_at_exactly_the_ratio_and_the_minimum(alert_db: Path) -> None:
    with store.open_reader(alert_db) as con:
        report = compute_alerts(con, Filters(provinces=("北京市",)), AS_OF)
    assert report.month == JUNE and report.baseline_months == BASELINE_MONTHS
    expected = set()
    for pair, (baseline, june) in PAIRS.items():
        base_mean = sum(baseline) / len(baseline)
        if june >= MIN_CASES and june >= RATIO * base_mean - 1e-9:
            expected.add(pair)
    flagged = {(r["product"], r["issue"]) for r in report.high_frequency.iter_rows(named=True)}
    assert flagged == expected == {("信用卡分期", "息费争议"), ("手机银行", "征信异议")}
    rows = {(r["product"], r["issue"]): r for r in report.high_frequency.iter_rows(named=True)}
    exact = rows[("信用卡分期", "息费争议")]
    assert exact["ratio"] == pytest.approx(RATIO) and exact["baseline_mean"] == pytest.approx(40 / 6)
    assert rows[("手机银行", "征信异议")]["ratio"] is None  # new: no baseline
    assert report.surges.is_empty()  # 北京市's cases sit outside the weeks checked


def test_surge_at_exactly_three_sigma_is_not_an_alert_one_more_is(alert_db: Path) -> None:
    with store.open_reader(alert_db) as con:
        report = compute_alerts(con, as_of=AS_OF)
    assert report.weeks_checked[-1] == SURGE_WEEK
    line = mean(WEEKLY) + SETTINGS.surge_sigma * stdev(WEEKLY)
    expected = {p for p, current in SURGE.items() if current > line and current >= SETTINGS.surge_min_cases}
    assert expected == {"浙江省"}
    surges = report.surges.to_dicts()
    assert {s["province"] for s in surges} == expected
    (alert,) = surges
    assert alert["week"] == SURGE_WEEK and alert["current"] == SURGE["浙江省"]
    assert alert["baseline_mean"] == pytest.approx(20) and alert["baseline_sd"] == pytest.approx(2)
    assert alert["sigma"] == pytest.approx((27 - 20) / 2) and alert["threshold"] == pytest.approx(line)


def test_an_earlier_as_of_judges_an_earlier_month(alert_db: Path) -> None:
    with store.open_reader(alert_db) as con:
        report = compute_alerts(con, Filters(provinces=("北京市",)), date(2024, 6, 29))
    # 29 June is not the month's last day: May is the latest complete month, and it is flat.
    assert report.month == date(2024, 5, 1)
    assert report.high_frequency.is_empty()


def test_cli_json_equals_what_the_page_shows(alert_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["alerts", "--db", str(alert_db), "--as-of", AS_OF.isoformat(), "--json"])
    cli = json.loads(capsys.readouterr().out)
    assert code == 1  # there are alerts
    with store.open_reader(alert_db) as con:
        page = build_alerts_json(compute_alerts(con, Filters(), AS_OF))
    assert cli == page
    table = alerts_view.build_high_frequency_table(page)
    assert table.select("产品", "问题类型", "本月件数").rows() == [
        (a["product"], a["issue"], a["current"]) for a in cli["high_frequency"]
    ]
    surge_table = alerts_view.build_surge_table(page)
    assert surge_table["省份"].to_list() == [a["province"] for a in cli["surges"]] == ["浙江省"]


def test_cli_exit_code_and_where_filter(alert_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["alerts", "--db", str(alert_db), "--as-of", "2024-05-31", "--where", "province=四川"]) == 0
    assert "无" in capsys.readouterr().out
    assert main(["alerts", "--db", str(alert_db), "--where", "nonsense"]) == 2


# ---- the pure rules on frames: the same boundaries without a warehouse ---------------------------
def test_find_high_frequency_needs_both_conditions() -> None:
    months = BASELINE_MONTHS
    counts = pl.DataFrame(
        {"product": ["P"] * 7, "issue": ["I"] * 7, "month": [*months, JUNE], "cases": [2, 2, 2, 2, 2, 2, 10]}
    )
    high = find_high_frequency(counts, JUNE, months, AlertSettings(high_frequency_ratio=5.0))
    assert high["ratio"].to_list() == [pytest.approx(5.0)]
    assert find_high_frequency(counts, JUNE, months, AlertSettings(high_frequency_ratio=5.01)).is_empty()
    assert find_high_frequency(counts, JUNE, months, AlertSettings(high_frequency_min_cases=11)).is_empty()


def test_find_surges_with_a_flat_baseline_flags_any_rise() -> None:
    weeks = [SURGE_WEEK - timedelta(weeks=n) for n in range(12, -1, -1)]
    counts = pl.DataFrame({"province": ["X"] * 13, "week": weeks, "cases": [10] * 12 + [11]})
    surges = find_surges(counts, [SURGE_WEEK], weeks[0], AlertSettings())
    assert surges["province"].to_list() == ["X"] and surges["sigma"].to_list() == [None]
    flat = counts.with_columns(cases=pl.lit(10, dtype=pl.Int64))
    assert find_surges(flat, [SURGE_WEEK], weeks[0], AlertSettings()).is_empty()
