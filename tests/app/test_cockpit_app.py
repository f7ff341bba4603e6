"""Acceptance of 驾驶舱总览 with AppTest on the demo warehouse.

The cockpit and `python -m dashboard kpis --json` (a subprocess) must show the
same numbers for the same filters; changing a filter changes the numbers; the
URL (st.query_params) alone reopens the same view; a metric that cannot be
computed shows "—" with its reason.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.engine.formatting import MISSING, format_value
from dashboard.engine.metrics import KPI_IDS, get_metric
from tests import cockpit_support as support

APP = support.PROJECT_ROOT / "streamlit_app.py"

# Fixtures shared with the other cockpit tests (one demo warehouse per session).


def open_cockpit(params: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120)
    if params:
        at.query_params.update(params)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def rendered_metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def run_kpis_json(db: Path, *args: str) -> dict:
    command = [sys.executable, "-m", "dashboard", "kpis", "--db", str(db), "--json", *args]
    done = subprocess.run(command, cwd=support.PROJECT_ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def expected_from_json(payload: dict) -> dict[str, str]:
    """Chinese card label -> the CLI's figure in the cockpit's format."""
    return {get_metric(m).name_zh: format_value(payload["kpis"][m]["value"], get_metric(m).unit) for m in KPI_IDS}


def assert_cockpit_matches_cli(at: AppTest, payload: dict) -> None:
    shown = rendered_metrics(at)
    assert shown == expected_from_json(payload)
    # Volume to the last case: the card shows the exact integer below 100,000.
    assert int(shown["投诉量"].replace(",", "")) == payload["kpis"]["volume"]["value"]


def test_cockpit_and_cli_show_the_same_numbers(serve_demo: Path) -> None:
    at = open_cockpit()
    payload = run_kpis_json(serve_demo, "--preset", "last_12_months")
    assert_cockpit_matches_cli(at, payload)
    # The period caption names the same period as the CLI (end exclusive in JSON, inclusive on screen).
    start, _end = payload["period"]
    assert any(start in c.value for c in at.caption)


def test_filtered_view_matches_cli_with_the_same_filters(serve_demo: Path) -> None:
    at = open_cockpit()
    channel = at.multiselect(key="flt.channels").options[0]
    province = at.multiselect(key="flt.provinces").options[0]
    at.selectbox(key="flt.preset").select("last_full_quarter").run()
    at.multiselect(key="flt.channels").select(channel).run()
    at.multiselect(key="flt.provinces").select(province).run()
    assert not at.exception
    payload = run_kpis_json(
        serve_demo, "--preset", "last_full_quarter", "--where", f"channel={channel}", "--where", f"province={province}"
    )
    assert_cockpit_matches_cli(at, payload)


def test_changing_a_filter_changes_the_numbers_and_the_url(serve_demo: Path) -> None:
    at = open_cockpit()
    before = rendered_metrics(at)
    assert dict(at.query_params) == {}
    channel = at.multiselect(key="flt.channels").options[0]
    at.multiselect(key="flt.channels").select(channel).run()
    after = rendered_metrics(at)
    assert at.query_params["channel"] == channel
    assert int(after["投诉量"].replace(",", "")) < int(before["投诉量"].replace(",", ""))
    payload = run_kpis_json(serve_demo, "--preset", "last_12_months", "--where", f"channel={channel}")
    assert_cockpit_matches_cli(at, payload)


def test_a_copied_url_reopens_the_same_view(serve_demo: Path) -> None:
    at = open_cockpit()
    line = at.multiselect(key="flt.business_lines").options[0]
    at.multiselect(key="flt.business_lines").select(line).run()
    at.radio(key="flt.cmp").set_value("pop").run()
    at.selectbox(key="flt.preset").select("this_year").run()
    at.toggle(key="flt.referred").set_value(True).run()
    shown = rendered_metrics(at)
    url = dict(at.query_params)
    assert url["line"] == line and url["cmp"] == "pop" and url["preset"] == "this_year" and url["referred"] == "1"

    reopened = open_cockpit(url)  # a new session: nothing but the URL
    assert rendered_metrics(reopened) == shown
    assert reopened.multiselect(key="flt.business_lines").value == [line]
    assert reopened.radio(key="flt.cmp").value == "pop"
    assert reopened.toggle(key="flt.referred").value is True
    # 环比 is the cards' delta now.
    assert {m.proto.delta_description for m in reopened.metric if m.proto.delta} == {"环比"}


def test_reset_returns_to_the_default_view(serve_demo: Path) -> None:
    at = open_cockpit()
    default = rendered_metrics(at)
    at.multiselect(key="flt.channels").select(at.multiselect(key="flt.channels").options[0]).run()
    assert rendered_metrics(at) != default
    at.button(key="flt.reset").click().run()
    assert dict(at.query_params) == {}
    assert rendered_metrics(at) == default
    assert at.multiselect(key="flt.channels").value == []


def test_period_outside_the_data_shows_dashes_with_the_reason(serve_demo: Path) -> None:
    at = open_cockpit({"preset": "custom", "from": "2010-01-01", "to": "2010-04-01"})
    shown = rendered_metrics(at)
    assert set(shown.values()) == {MISSING}
    notes = " ".join(c.value for c in at.caption)
    assert "不在数据覆盖范围内" in notes


def test_english_switch_changes_labels_and_stays_in_the_url(serve_demo: Path) -> None:
    at = open_cockpit()
    zh = rendered_metrics(at)
    at.radio(key="ui.lang").set_value("en").run()
    assert at.query_params["lang"] == "en"
    en = rendered_metrics(at)
    assert en[get_metric("volume").name_en] == zh["投诉量"]
    assert en[get_metric("handling_days_mean").name_en].endswith(" d")
    assert at.title[0].value == "Cockpit overview"


def test_filters_follow_the_user_to_the_trends_page(serve_demo: Path) -> None:
    at = open_cockpit()
    channel = at.multiselect(key="flt.channels").options[1]
    at.multiselect(key="flt.channels").select(channel).run()
    at.switch_page("pages/trends.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.multiselect(key="flt.channels").value == [channel]
    assert at.query_params["channel"] == channel


@pytest.mark.parametrize("params", [{}, {"cmp": "pop", "lang": "en"}])
def test_trends_page_renders_every_chart_with_a_table(serve_demo: Path, params: dict[str, str]) -> None:
    at = open_cockpit(params)
    at.switch_page("pages/trends.py").run()
    assert not at.exception, [e.value for e in at.exception]
    charts = at.get("plotly_chart")
    assert len(charts) == 1 + len(KPI_IDS)
    assert len(at.dataframe) == len(charts)
    at.radio(key="trends-stack").set_value("channel").run()
    at.radio(key="trends-grain").set_value("quarter").run()
    assert not at.exception, [e.value for e in at.exception]


def test_reruns_with_the_same_filters_reuse_the_cached_figures(serve_demo: Path, monkeypatch) -> None:
    import streamlit as st

    from dashboard.app import data

    calls: list[object] = []
    build = data.build_cockpit_view

    def counting_build(source):  # a spy: the real engine still computes on the real warehouse
        calls.append(source.filters)
        return build(source)

    st.cache_data.clear()
    monkeypatch.setattr(data, "build_cockpit_view", counting_build)
    at = open_cockpit()
    at.run()
    at.run()
    assert len(calls) == 1
    at.multiselect(key="flt.channels").select(at.multiselect(key="flt.channels").options[0]).run()
    at.run()
    assert len(calls) == 2
    at.button(key="flt.reset").click().run()  # back to filters seen before: served from the cache
    assert len(calls) == 2


def test_a_risk_level_link_matches_the_cli_where(serve_demo: Path) -> None:
    at = open_cockpit({"preset": "last_12_months", "risk": "高"})
    assert at.query_params["risk"] == "高", "a filter without a sidebar widget stays in the URL"
    payload = run_kpis_json(serve_demo, "--preset", "last_12_months", "--where", "risk_level=high")
    assert_cockpit_matches_cli(at, payload)
    everything = run_kpis_json(serve_demo, "--preset", "last_12_months", "--by", "risk_level")
    high = {row["key"]: row["volume"] for row in everything["by"]["rows"]}.get("高", 0)
    assert payload["kpis"]["volume"]["value"] == high


def test_the_charts_below_the_fold_wait_until_scrolled_to(serve_demo: Path) -> None:
    """The mixes and rising issues are drawn once their place has been in view (dashboard/app/lazy.py)."""
    from dashboard.app.lazy import seen_key

    at = open_cockpit()
    assert not at.exception
    assert len(rendered_metrics(at)) >= 6 and at.get("plotly_chart") == []  # the cards, not yet the charts
    at.session_state[seen_key("cockpit-mixes")] = True  # what the marker's IntersectionObserver reports
    at.run()
    assert len(at.get("plotly_chart")) == 2 and len(at.dataframe) >= 2  # the mix tables (and rising issues)
