"""The warehouse schema file (warehouse/sql/schema.yaml) as typed objects, and docs/schema.md made from it.

    from warehouse.schema import load_schema
    schema = load_schema()                  # {table name: Table}, read and validated once per process
    schema["fct_complaint"].grain           # "One case - the latest landed version of ..."
    schema["fct_complaint"].column("due_date").type   # "DATE"

The mart checks compare the built warehouse with it (data_checks/schema_checks.py) and the docs are generated
from it, so both stay what the SQL builds:

    python -m warehouse.schema --markdown > docs/schema.md
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

SCHEMA_FILE = Path(__file__).resolve().parent / "sql" / "schema.yaml"
PROJECT_ROOT = SCHEMA_FILE.parents[2]
# In the order of the pipeline; docs/schema.md has one section per layer.
LAYERS: dict[str, str] = {
    "raw": "Raw: the landing layer (append-only)",
    "config": "Config: settings and reference data written by each rebuild",
    "staging": "Staging: TEMP tables of one rebuild",
    "mart": "Marts: dimensions and facts",
    "view": "Views: facts with names",
    "aggregate": "Aggregates: KPI tally cubes",
}
_TABLE_FIELDS = {
    "layer",
    "source",
    "grain",
    "temporary",
    "primary_key",
    "natural_key",
    "foreign_keys",
    "extends",
    "columns",
}


class SchemaError(ValueError):
    """schema.yaml does not say what a table needs, or contradicts itself."""


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # as DuckDB's information_schema.columns.data_type spells it: INTEGER, DECIMAL(18,2), VARCHAR[]
    description: str


@dataclass(frozen=True)
class ForeignKey:
    column: str
    table: str
    references: str  # the column of `table`


@dataclass(frozen=True)
class Table:
    name: str
    layer: str
    source: str  # the file that creates it, relative to the project root
    grain: str
    columns: tuple[Column, ...]  # every column in table order (an extended table's first)
    primary_key: tuple[str, ...] = ()  # unique and never NULL
    natural_key: tuple[str, ...] = ()  # unique, NULL counting as a value (dim_region's province row)
    foreign_keys: tuple[ForeignKey, ...] = ()
    extends: str | None = None  # a view that carries every column of this table first
    temporary: bool = False  # a staging TEMP table: gone after the rebuild, no columns listed
    inherited: int = 0  # how many leading columns come from `extends`

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    @property
    def own_columns(self) -> tuple[Column, ...]:
        """The columns this table declares itself (for a view that extends a table: the ones it adds)."""
        return self.columns[self.inherited :]

    @property
    def keys(self) -> tuple[tuple[str, ...], ...]:
        """The declared keys, primary first."""
        return tuple(key for key in (self.primary_key, self.natural_key) if key)

    @property
    def checks_keys(self) -> bool:
        """Whether the mart checks test this table's keys after a rebuild (dimensions and facts)."""
        return self.layer == "mart" and self.name.startswith(("dim_", "fct_"))

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.name} has no column {name!r} in schema.yaml")


def _names(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SchemaError(f"{where}: expected a list of column names, got {value!r}")
    return tuple(value)


def _text(entry: Mapping[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise SchemaError(f"{where}: `{key}` must be a non-empty sentence")
    return value.strip()


def _parse_columns(raw: Any, where: str) -> tuple[Column, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise SchemaError(f"{where}: `columns` must map column names to {{type, description}}")
    columns = []
    for name, entry in raw.items():
        if not isinstance(entry, dict) or set(entry) != {"type", "description"}:
            raise SchemaError(f"{where}.{name}: a column has exactly `type` and `description`")
        columns.append(
            Column(str(name), _text(entry, "type", f"{where}.{name}"), _text(entry, "description", f"{where}.{name}"))
        )
    return tuple(columns)


def parse_schema(document: Any) -> dict[str, Table]:
    """Tables from the parsed YAML document, validated: layers known, keys and references declared."""
    if not isinstance(document, dict) or not isinstance(document.get("tables"), dict):
        raise SchemaError("schema.yaml must have a top-level `tables:` mapping")
    raw_tables: dict[str, dict[str, Any]] = document["tables"]
    parsed: dict[str, Table] = {}
    for name, entry in raw_tables.items():
        if not isinstance(entry, dict):
            raise SchemaError(f"{name}: expected a mapping")
        unknown = set(entry) - _TABLE_FIELDS
        if unknown:
            raise SchemaError(f"{name}: unknown fields {sorted(unknown)} (known: {sorted(_TABLE_FIELDS)})")
        layer = entry.get("layer")
        if layer not in LAYERS:
            raise SchemaError(f"{name}: layer must be one of {list(LAYERS)}, got {layer!r}")
        foreign = entry.get("foreign_keys") or {}
        if not isinstance(foreign, dict):
            raise SchemaError(f"{name}: `foreign_keys` must map a column to table.column")
        foreign_keys = []
        for column, target in foreign.items():
            table, dot, references = str(target).partition(".")
            if not dot:
                raise SchemaError(f"{name}.foreign_keys.{column}: write the target as table.column, got {target!r}")
            foreign_keys.append(ForeignKey(str(column), table, references))
        parsed[name] = Table(
            name=str(name),
            layer=layer,
            source=_text(entry, "source", name),
            grain=_text(entry, "grain", name),
            columns=_parse_columns(entry.get("columns"), name),
            primary_key=_names(entry.get("primary_key"), f"{name}.primary_key"),
            natural_key=_names(entry.get("natural_key"), f"{name}.natural_key"),
            foreign_keys=tuple(foreign_keys),
            extends=entry.get("extends"),
            temporary=bool(entry.get("temporary", False)),
        )
    tables = {name: _resolve_extends(table, parsed) for name, table in parsed.items()}
    for table in tables.values():
        _validate(table, tables)
    return tables


def _resolve_extends(table: Table, parsed: dict[str, Table]) -> Table:
    if table.extends is None:
        return table
    base = parsed.get(table.extends)
    if base is None or base.extends is not None:
        raise SchemaError(f"{table.name}: extends {table.extends!r}, which must be a declared table that extends none")
    return Table(**{**table.__dict__, "columns": base.columns + table.columns, "inherited": len(base.columns)})


def _validate(table: Table, tables: dict[str, Table]) -> None:
    if table.temporary != (table.layer == "staging"):
        raise SchemaError(f"{table.name}: staging tables, and only they, are `temporary: true`")
    if table.temporary and table.columns:
        raise SchemaError(f"{table.name}: a temporary table lists no columns")
    if not table.temporary and not table.columns:
        raise SchemaError(f"{table.name}: every persistent table lists its columns")
    names = table.column_names
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise SchemaError(f"{table.name}: columns declared twice: {duplicated}")
    if table.temporary:
        return
    for key in table.keys:
        missing = [column for column in key if column not in names]
        if missing:
            raise SchemaError(f"{table.name}: key columns {missing} are not among its columns")
    for fk in table.foreign_keys:
        target = tables.get(fk.table)
        if fk.column not in names:
            raise SchemaError(f"{table.name}: foreign key column {fk.column!r} is not among its columns")
        if target is None or fk.references not in target.column_names:
            raise SchemaError(f"{table.name}.{fk.column}: refers to {fk.table}.{fk.references}, which is not declared")


@cache
def _load(path: Path) -> dict[str, Table]:
    return parse_schema(yaml.safe_load(path.read_text(encoding="utf-8")))


def load_schema(path: Path | str | None = None) -> dict[str, Table]:
    """Every table of schema.yaml by name, in the file's order (read once per process and path)."""
    return _load(Path(path) if path is not None else SCHEMA_FILE)


def persistent_tables(path: Path | str | None = None) -> dict[str, Table]:
    """The tables and views that live in the warehouse file (no staging TEMP tables)."""
    return {name: table for name, table in load_schema(path).items() if not table.temporary}


# ------------------------------------------------------------------------------------------------ Markdown


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("*", "\\*")


def _code(names: tuple[str, ...]) -> str:
    return "`" + ", ".join(names) + "`"


def _describe_table(table: Table) -> list[str]:
    lines = [f"### `{table.name}`", "", _cell(table.grain), ""]
    facts = [f"Built by `{table.source}`"]
    if table.temporary:
        facts.append("TEMP table: lives only during a rebuild, never in the warehouse file")
    if table.primary_key:
        facts.append(f"primary key {_code(table.primary_key)}")
    if table.natural_key:
        facts.append(f"natural key {_code(table.natural_key)}")
    if table.foreign_keys:
        refs = ", ".join(f"`{fk.column}` → `{fk.table}.{fk.references}`" for fk in table.foreign_keys)
        facts.append(f"foreign keys {refs}")
    lines += ["; ".join(facts) + ".", ""]
    if table.extends:
        lines += [f"Every column of [`{table.extends}`](#{table.extends}), then:", ""]
    if table.own_columns:
        lines += ["| column | type | description |", "|---|---|---|"]
        lines += [f"| `{c.name}` | {c.type} | {_cell(c.description)} |" for c in table.own_columns]
        lines.append("")
    return lines


def render_markdown(tables: dict[str, Table] | None = None) -> str:
    """docs/schema.md: an index of every table, then one section per layer with each table's keys and columns."""
    tables = load_schema() if tables is None else tables
    lines = [
        "# Warehouse schema",
        "",
        "<!-- Generated from warehouse/sql/schema.yaml by `python -m warehouse.schema --markdown > docs/schema.md`;"
        " do not edit by hand (tests/integration/test_schema_file.py fails when this file is not the generator's output). -->",
        "",
        "Every table and view of the DuckDB warehouse: what one row is, its keys and every column. The mart checks"
        " compare each rebuilt warehouse with the same file (exactly these columns and types; keys of the `dim_*`"
        " and `fct_*` tables unique and not NULL), so this page is what the warehouse holds.",
        "",
        "Units are in the names: `_yuan` (yuan, 2 decimals), `_fen` (1/100 yuan, exact integers), `_days` (calendar"
        " days), `_minutes`. Times are China Standard Time without a time zone. A primary key is unique and never"
        " NULL; a natural key is unique with NULL counting as a value. Chinese terms are those of DATA_CONTRACT.md"
        " and METRICS.md.",
        "",
        "| table | layer | grain |",
        "|---|---|---|",
    ]
    lines += [f"| [`{t.name}`](#{t.name}) | {t.layer} | {_cell(t.grain)} |" for t in tables.values()]
    lines.append("")
    for layer, title in LAYERS.items():
        members = [t for t in tables.values() if t.layer == layer]
        if not members:
            continue
        lines += [f"## {title}", ""]
        for table in members:
            lines += _describe_table(table)
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m warehouse.schema", description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="print docs/schema.md (the schema as Markdown)")
    args = parser.parse_args(argv)
    tables = load_schema()  # validates the file even without --markdown
    if args.markdown:
        sys.stdout.write(render_markdown(tables))
    else:
        print(f"{SCHEMA_FILE.relative_to(PROJECT_ROOT)}: {len(tables)} tables, valid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
