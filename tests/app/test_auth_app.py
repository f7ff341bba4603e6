"""AppTest: the login gate, role refusals on typed URLs, a bound user's SQL box, and the audit trail."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.auth import audit
from tests.auth_support import enable_login
from tests.builders import build_cases, case_row, write_csv
from warehouse.importer.pipeline import import_file

APP = Path(__file__).resolve().parents[2] / "streamlit_app.py"
PAGE_FILES = sorted(f"pages/{p.name}" for p in (APP.parent / "pages").glob("*.py"))
LOGIN_TITLE = "投诉信访治理驾驶舱 · 登录"


@pytest.fixture
def app(tmp_path: Path, tmp_db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    rows = [case_row(i) for i in range(40)]
    assert import_file(write_csv(build_cases(rows), tmp_path / "cases.csv")).loaded == len(rows)
    enable_login(monkeypatch, tmp_path)
    return AppTest.from_file(str(APP), default_timeout=60)


def sign_in(at: AppTest, username: str) -> AppTest:
    """Sign the session in as a user of the test file. AppTest replays Streamlit's first-request
    legacy mode on every run, which drops a form submit: the login form itself is driven in
    tests/browser/test_access_browser.py."""
    from dashboard.auth.access import load_roles
    from dashboard.auth.mode import users_file
    from dashboard.auth.users import load_users

    at.session_state["auth.user"] = load_users(users_file(), load_roles())[username]
    at.session_state["auth.login_at"] = at.session_state["auth.seen_at"] = time.time()
    return at.run()


def titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


def test_anonymous_visitor_gets_only_the_login_page(app: AppTest) -> None:
    app.run()
    assert titles(app) == [LOGIN_TITLE]
    for path in PAGE_FILES:
        app.switch_page(path).run()
        assert titles(app) == [LOGIN_TITLE], path
        assert not app.dataframe and not app.metric, path


def test_leadership_is_refused_case_lists_and_sql_box(app: AppTest) -> None:
    app.run()
    sign_in(app, "boss")
    assert not app.exception and LOGIN_TITLE not in titles(app)
    for path in ("pages/watchlist.py", "pages/query_explorer.py", "pages/products_issues.py", "pages/admin_audit.py"):
        app.switch_page(path).run()
        assert any("无权打开" in e.value for e in app.error), path
        assert not app.dataframe and not app.text_area, path
    app.switch_page("pages/trends.py").run()
    assert not any("无权打开" in e.value for e in app.error)
    denied = audit.search(username="boss", action="access_denied")["page"].to_list()
    assert sorted(denied) == sorted(["watchlist", "query_explorer", "products_issues", "admin_audit"])


def test_bound_user_sql_box_shows_only_guangdong_and_is_audited(app: AppTest) -> None:
    app.run()
    sign_in(app, "gd")
    app.switch_page("pages/cockpit.py").run()
    assert not app.exception
    views = audit.search(username="gd", action="page_view")
    assert views.height >= 1 and views["detail"].str.contains("广东省").any()
    app.switch_page("pages/query_explorer.py").run()
    app.text_area(key="qx-sql").input("SELECT province, count(*) AS n FROM v_complaint GROUP BY province")
    next(b for b in app.button if b.label == "运行").click()
    app.run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    result = app.dataframe[-1].value
    assert list(result["province"]) == ["广东省"]
    logged = audit.search(username="gd", action="sql")
    assert logged.height == 1 and "v_complaint" in logged["detail"].item()


def test_an_idle_session_expires_to_the_login_page(app: AppTest) -> None:
    app.run()
    sign_in(app, "centre")
    assert LOGIN_TITLE not in titles(app)
    app.session_state["auth.seen_at"] = time.time() - 31 * 60  # settings.toml [auth] idle_minutes = 30
    app.run()
    assert titles(app) == [LOGIN_TITLE]
    assert any("会话已过期" in w.value for w in app.warning)
    assert audit.search(username="centre", action="session_expired").height == 1


def test_production_without_users_or_oidc_refuses_to_serve(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COCKPIT_USERS")
    app.run()
    assert any("驾驶舱未启动" in e.value and "COCKPIT_USERS" in e.value for e in app.error)
    assert not app.title and not app.text_input


def test_a_load_from_the_import_page_is_audited(tmp_path: Path) -> None:
    from tests.app.test_app_import import build_upload, open_import_page, upload

    built = build_upload(tmp_path)
    at = upload(open_import_page(), built)
    at.button(key="import-confirm").click().run()
    assert not at.exception
    (entry,) = audit.search(action="load").iter_rows(named=True)
    assert entry["username"] == "test" and entry["at_utc"]  # login is off in this test: the test user
    assert built.name in entry["detail"] and f'"loaded": {built.loaded}' in entry["detail"]
