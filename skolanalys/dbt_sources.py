"""The schemas of the tables the Python assets write for dbt to read (Kolada, Skolverket, SIRIS, the national
units, the board's goals), for the Python side: each table's columns and data types are declared once, in
its dbt source (dbt/models/**/_*__sources.yml). The writers build their frames from them here, and dbt's
on-run-start hook creates a table empty from the same declaration when no run has written it yet
(dbt/macros/ensure_source_tables.sql)."""

from __future__ import annotations

import functools
from pathlib import Path

import polars as pl
import yaml

from skolanalys.dbt_vars import DBT_PROJECT_DIR

# DuckDB's type names as the declarations write them → the polars type a frame of that column has (and that
# DuckDB stores as that type again).
POLARS_TYPES: dict[str, pl.DataType] = {
    "varchar": pl.Utf8(),
    "integer": pl.Int32(),
    "bigint": pl.Int64(),
    "double": pl.Float64(),
    "boolean": pl.Boolean(),
    "timestamp": pl.Datetime("us"),
    "date": pl.Date(),
    "varchar[]": pl.List(pl.Utf8),
}


def declaration_files() -> list[Path]:
    """The project's yml files that declare sources: what the declarations are read from."""
    return [p for p in sorted((DBT_PROJECT_DIR / "models").rglob("*.yml")) if "sources:" in p.read_text("utf-8")]


@functools.cache
def declared_tables() -> dict[str, dict[str, str]]:
    """`schema.table` → {column: DuckDB type} for every source table that declares its columns."""
    tables: dict[str, dict[str, str]] = {}
    for path in declaration_files():
        for source in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("sources", []):
            schema = source.get("schema", source["name"])
            for table in source.get("tables", []):
                columns = table.get("columns") or []
                if columns:
                    name = table.get("identifier", table["name"])
                    tables[f"{schema}.{name}"] = {c["name"]: c["data_type"].lower() for c in columns}
    return tables


def columns(table: str) -> dict[str, str]:
    """{column: DuckDB type} of `schema.table`, in the declared order."""
    try:
        return dict(declared_tables()[table])
    except KeyError:
        raise KeyError(f"{table}: no columns declared in the dbt project's sources") from None


def polars_schema(table: str, without: tuple[str, ...] = ()) -> dict[str, pl.DataType]:
    """The polars schema of `schema.table`'s declared columns, leaving out `without` (columns a writer adds
    after reading, such as when a value was fetched)."""
    return {name: POLARS_TYPES[kind] for name, kind in columns(table).items() if name not in without}


def create_sql(table: str) -> str:
    """`create table if not exists` of `schema.table` with its declared columns (the schema must exist)."""
    schema, name = table.split(".")
    definitions = ", ".join(f'"{column}" {kind}' for column, kind in columns(table).items())
    return f'create table if not exists "{schema}"."{name}" ({definitions})'
