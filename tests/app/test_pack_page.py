"""AppTest: the 委员会汇报材料 page builds the pack for the chosen quarter and offers the download;
chart and table export buttons sit under the cockpit's charts."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from dashboard.engine.formatting import format_count
from dashboard.export.pack.content import last_complete_quarter
from dashboard.export.pack.periods import quarter_label
from warehouse import store

APP = Path(__file__).resolve().parents[2] / "streamlit_app.py"


def _open(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_pack_page_builds_the_last_complete_quarter(serve_demo: Path, tmp_path: Path) -> None:  # noqa: F811
    con = store.open_reader(serve_demo)
    try:
        latest = con.sql("SELECT max(received_date) FROM fct_complaint").fetchall()[0][0]
    finally:
        con.close()
    expected = last_complete_quarter(latest)
    at = _open("pages/pack.py")
    assert at.title[0].value == "委员会汇报材料"
    assert at.selectbox(key="pack-period").value == quarter_label(expected)
    at.radio(key="pack-format").set_value("pdf").run()
    at.button(key="pack-build").click().run()
    assert not at.exception, [e.value for e in at.exception]
    preview = "".join(m.value for m in at.markdown)
    assert "共受理投诉事项" in preview
    log = [json.loads(line) for line in Path(f"{serve_demo}.exports.jsonl").read_text(encoding="utf-8").splitlines()]
    assert log[-1]["what"] == "委员会汇报材料" and log[-1]["format"] == "pdf"
    assert log[-1]["period"] == expected.as_list()
    volume = preview.split("共受理投诉事项")[1].split("件")[0]
    assert volume == format_count(int(volume.replace(",", "")))  # a formatted engine count, not free text


def test_cockpit_charts_have_export_buttons(serve_demo: Path) -> None:  # noqa: F811
    from dashboard.app.lazy import seen_key

    at = _open("pages/cockpit.py")
    at.session_state[seen_key("cockpit-mixes")] = True  # scrolled to the charts below the fold (dashboard/app/lazy.py)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    labels = [b.label for b in at.get("download_button")]
    assert {"PNG（2倍）", "SVG", "交互式 HTML", "CSV", "Excel"} <= set(labels)
