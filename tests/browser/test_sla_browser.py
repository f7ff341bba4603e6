"""预警 and 时效与红黄牌 in headless chromium: the center's overdue list downloads masked, nothing leaks in clear.

Until the router lists these pages, the server runs a copy of streamlit_app.py with them added.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from benchmarks.browser_timing import run_streamlit
from tests.browser.conftest import PROJECT_ROOT, Cockpit
from tests.builders import build_cases

pytestmark = pytest.mark.browser

MY_PAGES = [
    '    ("消保工作台", "pages/alerts.py", "预警", ":material/notifications_active:"),',
    '    ("消保工作台", "pages/sla.py", "时效与红黄牌", ":material/timer:"),',
]
CLEAR_NAME, CLEAR_PHONE, CLEAR_ID = "王小明", "13912345678", "440101199001011234"


def write_router(folder: Path) -> Path:
    """streamlit_app.py with absolute page paths, plus the two pages when it does not list them yet."""
    source = (PROJECT_ROOT / "streamlit_app.py").read_text(encoding="utf-8")
    lines = source.split("\n")
    if "pages/sla.py" not in source:
        lines[lines.index("]", lines.index(next(x for x in lines if x.startswith("PAGES")))) : 0] = MY_PAGES
    text = "\n".join(lines).replace("st.Page(path,", f"st.Page(str({str(PROJECT_ROOT)!r}) + '/' + path,")
    target = folder / "app.py"
    target.write_text(text, encoding="utf-8")
    return target


@pytest.fixture
def sla_server(tmp_path: Path, isolated_warehouse: Path) -> Iterator[str]:
    from warehouse.importer.pipeline import load_frame

    received = [date(2024, 6, 1), date(2024, 6, 6), date(2024, 6, 20)]  # as of 06-20 10:00, the latest data
    rows = [
        {
            "case_id": f"O{i}",
            "received_at": datetime.combine(day, time(10)),
            "closed_at": None,
            "status": "办理中",
            "complainant_name": CLEAR_NAME,
            "phone": CLEAR_PHONE,
            "complainant_id": CLEAR_ID,
            "department": "己部",
        }
        for i, day in enumerate(received)
    ]
    result = load_frame(build_cases(rows), "cases", file_name="cases.csv")
    assert not result.rejected, result.message
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    with run_streamlit(write_router(tmp_path), env, tmp_path / "streamlit.log") as (base_url, _process):
        yield base_url


def test_overdue_list_downloads_masked_and_pages_show_no_clear_identity(
    sla_server: str, page: Page, outside_requests: list[str], tmp_path: Path
) -> None:
    cockpit = Cockpit(page, sla_server, outside_requests)
    cockpit.open_home()
    cockpit.open_page("时效与红黄牌")
    expect(page.get_by_text("超期与临期案件")).to_be_visible()
    with page.expect_download() as info:
        page.get_by_role("button", name="下载超期清单（CSV）").click()
    csv_text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    # As of the data's latest moment (06-20): O0 is 4 days overdue, O1 due tomorrow, O2 not due for 15 days.
    assert "已超期4天,4,O0," in csv_text and "1天后到期,-1,O1," in csv_text and ",O2," not in csv_text
    assert "王**" in csv_text and "139****5678" in csv_text
    cockpit.screenshot("sla_page_hand_built")
    texts = [csv_text, page.inner_text("body")]
    cockpit.open_page("预警")
    expect(page.get_by_text("高频投诉研判")).to_be_visible()
    texts.append(page.inner_text("body"))
    cockpit.screenshot("alerts_page_hand_built")
    for text in texts:
        assert CLEAR_NAME not in text and CLEAR_PHONE not in text and CLEAR_ID not in text
    assert page.locator('[data-testid="stException"]').count() == 0
