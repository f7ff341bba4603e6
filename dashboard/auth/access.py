"""Role -> pages it may open, and a region-bound user's filters (pure functions, no Streamlit).

A page is named by its file stem in pages/ (e.g. "query_explorer"); settings.toml [roles]
maps each role to its pages ("*" = every page). A user bound to provinces gets Filters
whose province list is forced inside the binding; every other filter (city, region group)
is ANDed with it in SQL, so no choice in the sidebar or the URL can reach another region.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path

from dashboard.auth import current
from dashboard.auth.users import User
from dashboard.engine.filters import Filters
from warehouse.settings import setting

ALL_PAGES = "*"
ADMIN_ROLE = "管理员"
# Used when settings.toml has no [roles]; the four roles, each a superset of the one before.
_LEADERSHIP = ["cockpit", "trends", "regions", "pack"]
_CENTRE = [
    *_LEADERSHIP,
    "risk_radar",
    "watchlist",
    "products_issues",
    "alerts",
    "sla",
    "rectification",
    "home",
    "export",
]
_ANALYST = [*_CENTRE, "query_explorer"]
DEFAULT_ROLES: dict[str, list[str]] = {
    "领导": _LEADERSHIP,
    "消保中心": _CENTRE,
    "分析师": _ANALYST,
    ADMIN_ROLE: [ALL_PAGES],
}


def load_roles() -> dict[str, tuple[str, ...]]:
    """role -> page ids, from settings.toml [roles] (defaults when absent)."""
    configured = setting("roles", default=None)
    source: Mapping[str, Iterable[str]] = configured if isinstance(configured, dict) and configured else DEFAULT_ROLES
    return {str(role): tuple(str(p) for p in pages) for role, pages in source.items()}


def page_id(path: str | Path) -> str:
    """pages/query_explorer.py -> query_explorer (the id settings and the audit log use)."""
    return Path(str(path)).stem


def can_open(role: str, page: str | Path, roles: Mapping[str, tuple[str, ...]] | None = None) -> bool:
    allowed = (roles if roles is not None else load_roles()).get(role, ())
    return ALL_PAGES in allowed or page_id(page) in allowed


# Pages that show the whole warehouse with no region to filter by (national table counts, every
# batch's quarantined rows, loads, users, the audit log, the bank-wide 考核 ranking): never opened by a
# region-bound user.
UNBOUND_ONLY_PAGES = ("home", "data_quality", "data_import", "admin_users", "admin_audit", "scorecard")


def user_can_open(user: User, page: str | Path, roles: Mapping[str, tuple[str, ...]] | None = None) -> bool:
    """The role allows the page, and a region-bound user is kept off pages that cannot be bound."""
    if user.provinces and page_id(page) in UNBOUND_ONLY_PAGES:
        return False
    return can_open(user.role, page, roles)


def allowed_paths(user: User, paths: Iterable[str], roles: Mapping[str, tuple[str, ...]] | None = None) -> list[str]:
    known = roles if roles is not None else load_roles()
    return [path for path in paths if user_can_open(user, path, known)]


def bind_filters(filters: Filters, provinces: tuple[str, ...]) -> Filters:
    """The filters a user bound to `provinces` may run: provinces inside the binding, never empty.

    A chosen province outside the binding is dropped; when nothing is left the whole binding
    applies. Cities and region groups stay as chosen: SQL ANDs them with the provinces.
    """
    if not provinces:
        return filters
    kept = tuple(p for p in filters.provinces if p in provinces)
    return replace(filters, provinces=kept or tuple(provinces))


def outside_binding(filters: Filters, provinces: tuple[str, ...]) -> tuple[str, ...]:
    """The chosen provinces a bound user may not see (to tell them why they were dropped)."""
    return tuple(p for p in filters.provinces if provinces and p not in provinces)


# ---- the signed-in user of this session (for other modules: export, pack) ----------------------
def current_user() -> User | None:
    """The signed-in User of this Streamlit session, or None (installed by dashboard.app.auth_session)."""
    return current.current_user()


def bound_filters(filters: Filters) -> Filters:
    """`filters` as the signed-in user may run them. Call it on every path that reads the warehouse
    with Filters outside the sidebar (exports, the committee pack)."""
    user = current_user()
    return filters if user is None else bind_filters(filters, user.provinces)


def bound_provinces() -> tuple[str, ...]:
    """The signed-in user's provinces (empty = all), for paths that do not use Filters (the SQL box)."""
    user = current_user()
    return () if user is None else user.provinces


def watermark_text() -> str:
    """One line that exports carry: who exported, when, and that the file is internal."""
    from datetime import datetime

    user = current_user()
    who = "未登录" if user is None else user.label()
    scope = "" if user is None or not user.provinces else f"，数据范围：{'、'.join(user.provinces)}"
    return f"导出人：{who}{scope}；导出时间：{datetime.now():%Y-%m-%d %H:%M}；内部资料，注意保密"
