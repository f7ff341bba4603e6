"""The frame every page opens with: `with page(__file__, "区域分析") as ctx:`.

Once, in this order, so no page repeats it: the access check (auth_gate.require_page: signed in, role
allowed, else the login or a refusal and stop), the router hand-over for a page opened by its URL on a
fresh server, the page style, the title in the chosen language, the empty-warehouse guard (a clear Chinese
message and st.stop), and the filter sidebar for the pages that use it. The page then only lays out, reading
the language, the warehouse version and the filters from `ctx`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import PurePath
from typing import Literal

import streamlit as st

from dashboard.app import auth_gate, components, data, sidebar
from dashboard.auth import access
from dashboard.engine.filters import Filters
from dashboard.engine.i18n import DEFAULT_LANGUAGE, TRANSLATED_PAGES, page_title, text
from dashboard.views.warehouse_views import WarehouseSummary

Needs = Literal["cases", "warehouse"] | None


@dataclass
class PageContext:
    """What a page reads after the frame: who it is, the language, the data version and the filters."""

    page: str  # the page id (cockpit, sla, ...), as access control and the audit log name it
    lang: str = DEFAULT_LANGUAGE
    version: str | None = None  # None only for a page that needs no warehouse
    summary: WarehouseSummary | None = None
    coverage: tuple[date, date] | None = None  # first and last 受理日期 (needs="cases": never None)
    _filters: Filters | None = None

    @property
    def filters(self) -> Filters:
        if self._filters is None:
            raise RuntimeError(f"{self.page} opened its frame with filters=False")
        return self._filters

    @property
    def latest(self) -> date:
        """The latest 受理日期 (what the presets and as-of pickers start from)."""
        if self.coverage is None:
            raise RuntimeError(f"{self.page} has no cases (its frame did not ask for needs='cases')")
        return self.coverage[1]

    def text(self, key: str, **values: object) -> str:
        return text(key, self.lang, **values)


def _guard(ctx: PageContext, needs: Needs) -> None:
    """Stop with a message saying how to get data when the page needs some and there is none."""
    if needs is None:
        return
    if ctx.version is None:
        components.render_missing_warehouse()
        st.stop()
    if needs == "warehouse":
        return
    ctx.summary = data.load_summary(ctx.version)
    if ctx.summary.is_empty:
        components.render_empty_warehouse()
        st.stop()
    ctx.coverage = data.load_coverage(ctx.version)
    if ctx.coverage is None:  # batches of customers or stages only: nothing to count yet
        components.render_no_cases()
        st.stop()


@contextmanager
def page(
    path: str, title: str, *, needs: Needs = "cases", filters: bool = False, router: bool = True
) -> Iterator[PageContext]:
    """Open a page: access check, router, style, title, empty-warehouse guard, filters (see the module doc).

    `path` is the page's `__file__`; `title` its Chinese title (the English one comes from i18n). `needs`:
    "cases" (stop unless the warehouse has cases), "warehouse" (stop unless it exists) or None.
    `router=False` for a page driven by forms and buttons (import, SQL, admin): handing its first run to the
    router would rerun it and drop the click (Streamlit's legacy first request; AppTest replays it every run);
    such a page only lacks the menu on the very first request of a fresh server.
    """
    auth_gate.require_page(path)
    if router:
        components.require_router()
    components.apply_compact_style()
    ctx = PageContext(page=access.page_id(path), lang=sidebar.current_language())
    menu_path = f"pages/{PurePath(path).name}"  # how the router's menu (and i18n) name the page
    st.title(page_title(menu_path, title, ctx.lang))
    if ctx.lang != DEFAULT_LANGUAGE and menu_path not in TRANSLATED_PAGES:
        st.caption(text("page_in_chinese", ctx.lang))
    ctx.version = data.warehouse_version()
    _guard(ctx, needs)
    if filters and ctx.version is not None:
        ctx._filters = sidebar.render_filters(ctx.version)
    yield ctx
