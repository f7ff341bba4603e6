"""Pre-aggregated KPI tallies (agg_*), built from fct_complaint whenever the marts are rebuilt.

Why: at 10 million cases every KPI query over the case table scans millions of
rows, and the cockpit asks ~20 of them per filter state. The tallies of
dashboard/engine/kpis.py are sums of per-case indicators anchored on one date (受理,
办结 or 到期), so they can be summed ahead per day. Summing ahead over *all*
filter columns at once would not shrink anything (city × product × issue ×
channel × department per day is about one case per cell), so each table holds
several **cubes**: one row per day and per value of a small set of columns
(none, or one filter column; the filter pairs a bank's users combine, listed in settings.toml
[aggregates] filter_pairs; for volumes also pairs of a filter and a mix column). A query uses the smallest cube that holds every column its filters and
breakdown touch, and reads the case table only when no cube does. Figures are
exact either way: every cube is a plain GROUP BY of the same cases.

Each table is declared by its SQL file in warehouse/sql/aggregates/ (day columns, tallies, the cases it
reads); this module adds the cube columns and GROUPING SETS. The KPI engine's case-table path computes the
same tallies from the same files, so a tally is written once.

Tables (each sorted by cube, then day, so a query reads only its cube and dates):
- agg_received: per 受理日期 — volume, identified, repeats.
- agg_closed: per 办结 day (a case 已办结 without 办结时间 on its 受理日期) — the closed-in-P counts.
- agg_handling: per 办结日期 and handling_days — the histogram behind mean / median / P90.
- agg_late: cases open or closed after their due date, per due date, 办结日期 (NULL while
  open) and 受理日期 when that is after the due date — the "still open at the end of P" part.
`cube` is DuckDB's GROUPING() bitmask over CUBE_COLUMNS (bit set = column not in the cube).
agg_cubes lists the cubes each table was built with: queries read it (`built_cubes`), so a settings change
not yet rebuilt never sends a query to a cube the file does not hold.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb

from warehouse.settings import setting

# Every column a filter or a breakdown of the KPI engine touches, as fct_complaint names it.
CUBE_COLUMNS: tuple[str, ...] = (
    "region_key",
    "product_key",
    "channel_key",
    "issue_key",
    "department_key",
    "vulnerable_group",
    "is_regulator_referred",
    "risk_level",
)
FILTER_COLUMNS: tuple[str, ...] = CUBE_COLUMNS[:-1]  # risk_level is a breakdown, not a filter
MIX_COLUMNS: tuple[str, ...] = ("channel_key", "product_key", "issue_key")

# Tally cubes: the whole bank and each column alone (one filter dimension, or one breakdown).
TALLY_CUBES: tuple[frozenset[str], ...] = (frozenset(),) + tuple(frozenset({c}) for c in CUBE_COLUMNS)
# Volume cubes add a filter column paired with a mix column (the cockpit's structure charts under a filter).
VOLUME_CUBES: tuple[frozenset[str], ...] = TALLY_CUBES + tuple(
    dict.fromkeys(frozenset({f, m}) for f in FILTER_COLUMNS for m in MIX_COLUMNS if f != m)
)
AGGREGATE_TABLES: tuple[str, ...] = ("agg_received", "agg_closed", "agg_handling", "agg_late")
TALLY_TABLES: tuple[str, ...] = ("agg_closed", "agg_handling", "agg_late")  # and agg_received, with more cubes
CUBES_TABLE = "agg_cubes"

AGGREGATES_DIR = Path(__file__).resolve().parent / "sql" / "aggregates"


@dataclass(frozen=True)
class CubeSpec:
    """One agg_* table as its SQL file declares it: day columns, tallies and the cases it reads."""

    table: str
    days: tuple[str, ...]
    tallies: tuple[tuple[str, str], ...]  # (name, SQL over the cases aliased `f`)
    source: str  # the FROM clause: `fct_complaint AS f WHERE ...`

    @property
    def tally_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.tallies)


def _top_level_split(text: str, separator: str) -> list[str]:
    """`text` split at `separator` outside parentheses and quotes."""
    parts, depth, quoted, start = [], 0, False, 0
    index = 0
    while index < len(text):
        char = text[index]
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
        elif not quoted and depth == 0 and text.startswith(separator, index):
            parts.append(text[start:index])
            start = index = index + len(separator)
            continue
        index += 1
    parts.append(text[start:])
    return parts


@cache
def cube_spec(table: str) -> CubeSpec:
    """Read warehouse/sql/aggregates/<table>.sql: `SELECT f.<day>, ..., <tally> AS <name>, ... FROM ...`."""
    lines = (AGGREGATES_DIR / f"{table}.sql").read_text(encoding="utf-8").splitlines()
    sql = " ".join(line.split("--", 1)[0].strip() for line in lines).strip()
    if not sql.upper().startswith("SELECT "):
        raise ValueError(f"{table}.sql must be one SELECT")
    select_list, source = _top_level_split(
        sql[len("SELECT ") :],
        " FROM ",
    )[:2]
    days: list[str] = []
    tallies: list[tuple[str, str]] = []
    for item in (part.strip() for part in _top_level_split(select_list, ",")):
        named = re.fullmatch(r"(?s)(.+)\s+AS\s+(\w+)", item)
        if named:
            tallies.append((named.group(2), named.group(1).strip()))
        else:
            days.append(item.removeprefix("f."))
    return CubeSpec(table, tuple(days), tuple(tallies), source.strip())


_ALIAS = re.compile(r"\bf[.]")


def tally_select(table: str, alias: str = "f") -> str:
    """The tallies of `table` as SELECT items over the cases aliased `alias` (the case-table path)."""
    items = (f"{_ALIAS.sub(f'{alias}.', sql)} AS {name}" for name, sql in cube_spec(table).tallies)
    return ", ".join(items)


def cube_id(columns: Iterable[str]) -> int:
    """The GROUPING() bitmask of the cube grouped by `columns` (first CUBE_COLUMNS entry = highest bit)."""
    kept = set(columns)
    unknown = kept - set(CUBE_COLUMNS)
    if unknown:
        raise ValueError(f"not a cube column: {sorted(unknown)}")
    width = len(CUBE_COLUMNS)
    return sum(1 << (width - 1 - index) for index, column in enumerate(CUBE_COLUMNS) if column not in kept)


def choose_cube(needed: Iterable[str], cubes: Sequence[frozenset[str]]) -> int | None:
    """The id of the smallest cube that holds every needed column, or None (read the case table)."""
    wanted = set(needed)
    fitting = [cube for cube in cubes if wanted <= cube]
    return cube_id(min(fitting, key=len)) if fitting else None


def filter_pairs() -> tuple[frozenset[str], ...]:
    """The two-filter cubes settings.toml [aggregates] filter_pairs asks for (pairs of FILTER_COLUMNS)."""
    pairs = []
    for pair in setting("aggregates", "filter_pairs", default=[]) or []:
        columns = frozenset(pair)
        if len(pair) != 2 or len(columns) != 2 or not columns <= set(FILTER_COLUMNS):
            raise ValueError(
                f"settings.toml [aggregates] filter_pairs: {pair!r} is not two of {', '.join(FILTER_COLUMNS)}"
            )
        pairs.append(columns)
    return tuple(dict.fromkeys(pairs))


def tally_cubes() -> tuple[frozenset[str], ...]:
    """The cubes every tally table is built with: TALLY_CUBES and the settings' filter pairs."""
    return tuple(dict.fromkeys(TALLY_CUBES + filter_pairs()))


def volume_cubes() -> tuple[frozenset[str], ...]:
    """The cubes agg_received is built with: VOLUME_CUBES and the settings' filter pairs."""
    return tuple(dict.fromkeys(VOLUME_CUBES + filter_pairs()))


def _grouping_sets(day_columns: Sequence[str], cubes: Sequence[frozenset[str]]) -> str:
    sets = []
    for cube in cubes:
        ordered = [*day_columns, *(c for c in CUBE_COLUMNS if c in cube)]
        sets.append(f"({', '.join(ordered)})")
    return ", ".join(sets)


def _cube_select(table: str, cubes: Sequence[frozenset[str]], cases: str = "fct_complaint") -> str:
    """The SELECT that sums `table`'s tallies per cube and day over `cases` (fct_complaint or a subset of it)."""
    spec = cube_spec(table)
    columns = ", ".join(CUBE_COLUMNS)
    days = [f"f.{day}" for day in spec.days]
    source = re.sub(r"\bfct_complaint\b", cases, spec.source)
    return (
        f"SELECT grouping({columns})::INTEGER AS cube, {', '.join(days)}, {columns}, {tally_select(table)} "
        f"FROM {source} GROUP BY GROUPING SETS ({_grouping_sets(spec.days, cubes)})"
    )


def _cubes_of(table: str) -> tuple[frozenset[str], ...]:
    """The cubes a full build gives `table`: with the settings' filter pairs."""
    return volume_cubes() if table == "agg_received" else tally_cubes()


def build_aggregates(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)build every agg_* table from fct_complaint (which must carry risk_level), and agg_cubes."""
    built = {table: _cubes_of(table) for table in AGGREGATE_TABLES}
    for table, cubes in built.items():
        con.execute(
            f"CREATE OR REPLACE TABLE {table} AS {_cube_select(table, cubes)} ORDER BY cube, {cube_spec(table).days[0]}"
        )
    rows = [(table, cube_id(cube), sorted(cube)) for table, cubes in built.items() for cube in cubes]
    con.execute(f"CREATE OR REPLACE TABLE {CUBES_TABLE} (table_name VARCHAR, cube INTEGER, columns VARCHAR[])")
    con.executemany(f"INSERT INTO {CUBES_TABLE} VALUES (?, ?, ?)", rows)


def held_cubes(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[frozenset[str], ...]]:
    """The cubes each agg_* table of this warehouse was built with (agg_cubes); a file built before agg_cubes
    existed holds VOLUME_CUBES in agg_received and TALLY_CUBES in the others."""
    listed = con.sql("SELECT 1 FROM information_schema.tables WHERE table_name = $t", params={"t": CUBES_TABLE})
    if not listed.fetchall():
        return {table: VOLUME_CUBES if table == "agg_received" else TALLY_CUBES for table in AGGREGATE_TABLES}
    held: dict[str, list[frozenset[str]]] = {}
    for table, columns in con.sql(
        f"SELECT table_name, columns FROM {CUBES_TABLE} ORDER BY table_name, cube DESC"
    ).fetchall():
        held.setdefault(table, []).append(frozenset(columns))
    return {table: tuple(cubes) for table, cubes in held.items()}


def refresh_aggregates(con: duckdb.DuckDBPyConnection, affected: str) -> None:
    """Recompute the cube rows of the affected days only (an incremental load).

    `affected` names a table with the received_date, closed_on, closed_date and due_date of every case whose
    row of fct_complaint changed, before and after the change. Each agg_* table is grouped by its first day
    column, so its rows of those days are deleted and summed again from the cases of those days: the same rows
    a full build gives (appended after the others, so only the physical order differs).
    """
    held = held_cubes(con)  # a refresh adds to the cubes each table was built with
    for table in AGGREGATE_TABLES:
        day = cube_spec(table).days[0]
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _agg_days AS SELECT DISTINCT {day} AS day FROM {affected} "
            f"WHERE {day} IS NOT NULL"
        )
        con.execute(
            "CREATE OR REPLACE TEMP VIEW _agg_cases AS "
            f"SELECT * FROM fct_complaint WHERE {day} IN (SELECT day FROM _agg_days)"
        )
        con.execute(f"DELETE FROM {table} WHERE {day} IN (SELECT day FROM _agg_days)")
        con.execute(f"INSERT INTO {table} {_cube_select(table, held[table], '_agg_cases')} ORDER BY cube, {day}")
    con.execute("DROP VIEW IF EXISTS _agg_cases")


def built_cubes(con: duckdb.DuckDBPyConnection) -> tuple[tuple[frozenset[str], ...], tuple[frozenset[str], ...]]:
    """(tally cubes, volume cubes) this warehouse holds: tally cubes are in all four tables, volume cubes in
    agg_received."""
    held = held_cubes(con)
    volumes = held.get("agg_received", ())
    tallies = tuple(c for c in volumes if all(c in held.get(t, ()) for t in TALLY_TABLES))
    return tallies, volumes


def has_aggregates(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether this warehouse carries the agg_* tables (older files, or a rebuild not yet run, do not)."""
    names = {
        row[0]
        for row in con.sql(
            "SELECT table_name FROM information_schema.tables WHERE table_name IN "
            f"({', '.join(repr(t) for t in AGGREGATE_TABLES)})"
        ).fetchall()
    }
    return names == set(AGGREGATE_TABLES)
