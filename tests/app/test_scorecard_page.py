"""AppTest: the 考核排名 page on the hand-built scorecard warehouse shows the CLI's ranking, grey list and rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.__main__ import main
from tests.scorecard_support import build_warehouse

APP = Path(__file__).resolve().parents[2] / "streamlit_app.py"


def test_page_shows_the_cli_ranking_grey_list_and_rules(
    isolated_warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = build_warehouse(isolated_warehouse.parent)
    assert db == isolated_warehouse
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("pages/scorecard.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert main(["scorecard", "--unit", "department", "--json"]) == 0  # the last complete quarter, as the page
    expected = json.loads(capsys.readouterr().out)
    ranking = next(d.value for d in at.dataframe if "处理部门" in d.value.columns)
    assert ranking["处理部门"].tolist() == [r["key"] for r in expected["rows"]]
    assert ranking["排名"].tolist() == [r["rank"] for r in expected["rows"]]
    assert ranking["得分"].tolist() == pytest.approx([r["score"] for r in expected["rows"]])
    assert ranking["灰名单"].tolist() == ["灰名单" if r["grey_listed"] else "" for r in expected["rows"]]
    assert any("甲部" in e.value and "灰名单" in e.value for e in at.error)
    rules = next(d.value for d in at.dataframe if "权重" in d.value.columns)
    assert len(rules) == len(expected["weights"])
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["灰名单"] == "1 个" and metrics["本期红牌"] == "1 张"
