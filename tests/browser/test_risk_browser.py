"""风险雷达, 重点人员 and 产品与问题 in headless chromium, outside network blocked.

- Privacy: a canonical CSV with known clear identifiers, names and phones goes through the
  importer into a tmp warehouse; none of them appears in the rendered text of the pages.
- The pools and watch-list counts on the pages equal `python -m dashboard kpis --by risk_level`
  and the watch-list CLI on the same warehouse.
- Screenshots of the three pages on the demo warehouse go to test-artifacts/ for a person to look at.

The router is streamlit_app.py with these pages added when it does not list them yet (the lead
registers them), written beside the test so the pages run exactly as in the app.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from dashboard.engine.filters import Filters
from dashboard.engine.formatting import format_count
from tests import builders
from tests import cockpit_support as support
from tests.browser.conftest import (
    ARTIFACTS,
    PROJECT_ROOT,
    guard_network,
    run_streamlit,
    wait_until_settled,
)
from warehouse.importer.pipeline import import_file

pytestmark = pytest.mark.browser
OUR_PAGES = [
    ("消保工作台", "pages/risk_radar.py", "风险雷达", ":material/radar:"),
    ("消保工作台", "pages/watchlist.py", "重点人员", ":material/person_alert:"),
    ("消保工作台", "pages/products_issues.py", "产品与问题", ":material/category:"),
]
PEOPLE = 30  # complainants of the privacy warehouse; each has several cases, so most are on the watch list
CASES = 240


def write_router(folder: Path) -> Path:
    """streamlit_app.py with our pages (if missing) and absolute page paths, in `folder`."""
    source = (PROJECT_ROOT / "streamlit_app.py").read_text(encoding="utf-8")
    marker = "PAGES: list[tuple[str, str, str, str]] = ["
    missing = [p for p in OUR_PAGES if p[1] not in source]
    added = "".join(f"\n    {page!r}," for page in missing)
    source = source.replace(marker, marker + added, 1)
    source = re.sub(r"([\"'])pages/", lambda m: f"{m.group(1)}{PROJECT_ROOT}/pages/", source)
    router = folder / "router_app.py"
    router.write_text(source, encoding="utf-8")
    return router


@pytest.fixture(scope="module")
def serve(tmp_path_factory: pytest.TempPathFactory):
    """A factory: serve(db) -> base URL of a streamlit server on that warehouse (stopped at module end)."""
    with ExitStack() as servers:

        def start(db: Path, salt: Path) -> str:
            folder = tmp_path_factory.mktemp("risk-server")
            env = {
                **os.environ,
                "COCKPIT_DB": str(db),
                "COCKPIT_SALT_FILE": str(salt),
                "PYTHONPATH": str(PROJECT_ROOT),
                "PYTHONDONTWRITEBYTECODE": "1",
            }
            base_url, _process = servers.enter_context(
                run_streamlit(write_router(folder), env, folder / "streamlit.log")
            )
            return base_url

        yield start


def person(i: int) -> dict[str, str]:
    """Clear identifiers of complainant i: ID card number, full name, phone (all must stay hidden)."""
    return {
        "complainant_id": f"44030519850{i:03d}{(i * 7) % 10000:04d}"[:18],
        "complainant_name": f"欧阳{'明华建国秀英志强'[i % 8]}{'甲乙丙丁戊'[i // 8 % 5]}",
        "phone": f"1390{i:03d}{(i * 37) % 10000:04d}",
    }


@pytest.fixture(scope="module")
def privacy_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[dict[str, str]]]:
    """A warehouse loaded from a canonical CSV through the importer (the clear values are in the file only)."""
    folder = tmp_path_factory.mktemp("risk-privacy")
    db, salt = folder / "cockpit.duckdb", folder / "salt"
    people = [person(i) for i in range(PEOPLE)]
    rows = []
    for i in range(CASES):
        row = builders.case_row(i, **people[i % PEOPLE])
        row["received_at"] = builders.BASE_TIME + timedelta(days=i % 90, hours=i % 7)
        row["product"] = builders.PRODUCTS[(i // PEOPLE) % 2]  # repeats of the same product and issue
        row["issue"] = builders.ISSUES[0]
        row["closed_at"] = row["received_at"] + timedelta(days=3) if row["status"] == "已办结" else None
        rows.append(row)
    csv = builders.write_csv(builders.build_cases(rows), folder / "cases.csv")
    old = {key: os.environ.get(key) for key in ("COCKPIT_DB", "COCKPIT_SALT_FILE")}
    os.environ.update(COCKPIT_DB=str(db), COCKPIT_SALT_FILE=str(salt))
    try:
        result = import_file(csv, db=db)
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    assert result.loaded == CASES, result.message
    return db, salt, people


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    blocked: list[str] = []
    # The privacy checks read every column of the grids: wide enough that none is scrolled out of view.
    width = 3000 if "clear_identifier" in request.node.name else 1440
    context = browser.new_context(viewport={"width": width, "height": 1800}, locale="zh-CN")
    guard_network(context, blocked)
    page = context.new_page()
    page.set_default_timeout(90_000)
    yield page
    context.close()
    assert blocked == [], f"the app tried to reach outside: {blocked}"


def open_page(page: Page, base_url: str, title: str) -> None:
    page.goto(base_url)
    wait_until_settled(page)
    page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
    expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
    wait_until_settled(page)


def read_metrics(page: Page) -> dict[str, str]:
    return dict(
        page.eval_on_selector_all(
            '[data-testid="stMetric"]',
            """els => els.map(el => [el.querySelector('[data-testid="stMetricLabel"]').innerText.trim(),
                                     el.querySelector('[data-testid="stMetricValue"]').innerText.trim()])""",
        )
    )


def rendered_text(page: Page) -> str:
    """Everything a user can read, including the cells of data grids (canvas) and chart SVG text."""
    body = page.inner_text("body")
    svg = " ".join(page.eval_on_selector_all("svg text", "els => els.map(e => e.textContent)"))
    # A data grid draws on a canvas; its accessible table holds the cells in view (a wide viewport: all columns).
    grids = " ".join(page.locator('[data-testid="stDataFrame"] [role="gridcell"]').all_inner_texts())
    return "\n".join((body, svg, grids))


def run_cli(db: Path, salt: Path, *args: str) -> dict:
    env = {**os.environ, "COCKPIT_DB": str(db), "COCKPIT_SALT_FILE": str(salt)}
    code = (
        "import sys, argparse\n"
        "from dashboard.__main__ import build_parser\n"
        "from dashboard.commands import watchlist\n"
        "parser = build_parser()\n"
        "if 'watchlist' not in parser._subparsers._group_actions[0].choices: watchlist.add_parser(parser._subparsers._group_actions[0])\n"
        "args = parser.parse_args(sys.argv[1:])\n"
        "sys.exit(args.handler(args))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, *args, "--db", str(db), "--json"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_no_page_shows_a_clear_identifier_name_or_phone(serve, privacy_db, page: Page) -> None:
    db, salt, people = privacy_db
    base_url = serve(db, salt)
    secrets = [value for p in people for value in p.values()]
    for title in ("风险雷达", "重点人员", "产品与问题"):
        open_page(page, base_url, title)
        if title == "产品与问题":
            page.get_by_test_id("stSelectbox").filter(has_text="问题类型").click()
            page.get_by_role("option", name=builders.ISSUES[0], exact=True).click()
            expect(page.get_by_text("问题类型＝")).to_be_visible()
            wait_until_settled(page)
        # The grids draw after the script run: wait for a masked name in a cell.
        expect(
            page.locator('[data-testid="stDataFrame"] [role="gridcell"]').filter(has_text="**").first
        ).to_be_attached()
        text = rendered_text(page)
        assert "**" in text, f"{title}: the masked names should be on the page (张**)"
        leaked = [value for value in secrets if value in text]
        assert leaked == [], f"{title} shows clear identifiers: {leaked[:5]}"
        # The masked phone keeps only the first 3 and last 4 digits.
        assert not re.search(r"1[3-9]\d{9}", text), f"{title} shows an 11-digit phone number"


def test_pools_and_watch_counts_equal_the_cli(serve, privacy_db, page: Page) -> None:
    db, salt, _people = privacy_db
    base_url = serve(db, salt)
    open_page(page, base_url, "风险雷达")
    cards = read_metrics(page)
    # The page's default period is the sidebar's default preset: ask the CLI for the same.
    preset = Filters().preset
    kpis = run_cli(db, salt, "kpis", "--preset", preset, "--by", "risk_level")
    by_level = {row["key"]: row["volume"] for row in kpis["by"]["rows"]}
    for level, name in (("高", "高风险事项"), ("中", "中风险事项"), ("低", "低风险事项")):
        assert cards[name] == f"{format_count(by_level.get(level, 0))} 件", (name, cards, by_level)
    assert sum(by_level.values()) == kpis["kpis"]["volume"]["value"]

    open_page(page, base_url, "重点人员")
    cards = read_metrics(page)
    listed = run_cli(db, salt, "watchlist")
    for level, name in (("red", "红色预警人员"), ("orange", "橙色预警人员"), ("yellow", "黄色预警人员")):
        assert cards[name] == f"{listed['counts'][level]} 人", (name, cards, listed["counts"])
    assert listed["counts"]["red"] > 0


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return support.build_demo_warehouse(tmp_path_factory.getbasetemp() / "cockpit-demo")


def test_screenshots_on_the_demo_warehouse(serve, demo_db: Path, page: Page) -> None:
    base_url = serve(demo_db, demo_db.parent / "salt")
    ARTIFACTS.mkdir(exist_ok=True)
    for title, name in (("风险雷达", "risk-radar"), ("重点人员", "watchlist"), ("产品与问题", "products-issues")):
        open_page(page, base_url, title)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
