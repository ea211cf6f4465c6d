"""The served tables as the dbt marts' contracts declare them, for the tests' hand-built serving snapshots.

Every mart under dbt/models/marts (value_added/, equity/ and goals/ included) enforces a contract: its yml lists
each column with its data type, in the order dbt builds the table and the snapshot serves it. A hand-built
snapshot creates each served table here, empty, with exactly those columns and types, and then inserts its rows
by column name (a column a row does not name stays null). A column renamed in a contract then fails the test
that still names the old one, and a retyped column reaches the dashboard with the type the warehouse will serve.

Tables that are not marts keep their own definition: snapshot_info is written by pipelines/assets/serving.py
(published_at, kommunkod and run_id, each as varchar).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import yaml

from pipelines.serving_tables import SERVED_TABLES

MARTS = Path(__file__).resolve().parent.parent / "dbt" / "models" / "marts"


@functools.cache
def mart_models() -> dict[str, dict]:
    """Each mart's yml entry (name, config, columns, tests), read as YAML from every yml under dbt/models/marts,
    not through dbt's parse."""
    found = {}
    for path in sorted(MARTS.rglob("*.yml")):
        for model in yaml.safe_load(path.read_text(encoding="utf-8")).get("models") or []:
            assert model["name"] not in found, f"{model['name']} is declared twice"
            found[model["name"]] = model
    return found


@functools.cache
def contracts() -> dict[str, tuple[tuple[str, str], ...]]:
    """Each mart's contract, (column, data type) in the contract's order; a mart whose contract is not enforced
    or lacks a column's type is an error here."""
    found = {}
    for name, model in mart_models().items():
        assert (model.get("config") or {}).get("contract", {}).get("enforced"), f"{name}: no enforced contract"
        untyped = [c["name"] for c in model["columns"] if not c.get("data_type")]
        assert not untyped, f"{name}: columns without data_type {untyped}"
        found[name] = tuple((c["name"], c["data_type"]) for c in model["columns"])
    return found


def column_constraints() -> dict[tuple[str, str], int]:
    """(mart, constraint type) → how many of that type the contract declares on the mart's columns."""
    counted: dict[tuple[str, str], int] = {}
    for name, model in mart_models().items():
        for column in model["columns"]:
            for constraint in column.get("constraints") or []:
                counted[name, constraint["type"]] = counted.get((name, constraint["type"]), 0) + 1
    return counted


def contract(table: str) -> tuple[tuple[str, str], ...]:
    """The served table's columns and types: the contract of its mart (pipelines/serving_tables.py)."""
    return contracts()[SERVED_TABLES[table].split(".", 1)[1]]


def columns(table: str) -> list[str]:
    """The served table's column names in the served order."""
    return [name for name, _type in contract(table)]


def create_table(
    con: duckdb.DuckDBPyConnection,
    table: str,
    rows: Sequence[Mapping] | Sequence[Sequence] | pd.DataFrame = (),
    names: Sequence[str] | None = None,
) -> None:
    """The served table `table`, empty with exactly its contract's columns and types, then `rows` inserted."""
    typed = ", ".join(f'"{name}" {data_type}' for name, data_type in contract(table))
    con.execute(f"create table {table} ({typed})")
    insert(con, table, rows, names)


def insert(
    con: duckdb.DuckDBPyConnection,
    table: str,
    rows: Sequence[Mapping] | Sequence[Sequence] | pd.DataFrame,
    names: Sequence[str] | None = None,
) -> None:
    """Insert `rows` into the served table `table` by column name: a frame's or a dict's names, or for tuples
    `names` in order. Columns not named stay null; a name the contract does not have is an error."""
    if isinstance(rows, pd.DataFrame):
        incoming, named = rows, [str(c) for c in rows.columns]
    else:
        if not len(rows):
            return
        if names is None:
            named = list(dict.fromkeys(key for row in rows for key in row))
            data = {name: [row.get(name) for row in rows] for name in named}
        else:
            named = list(names)
            assert all(len(row) == len(named) for row in rows), f"{table}: rows of another length than {named}"
            data = {name: [row[i] for row in rows] for i, name in enumerate(named)}
        incoming = pa.Table.from_pydict(data)
    unknown = [name for name in named if name not in columns(table)]
    assert not unknown, f"{table} has no columns {unknown} (its contract: {columns(table)})"
    if not len(incoming):
        return
    quoted = ", ".join(f'"{name}"' for name in named)
    con.register("incoming_rows", incoming)
    try:
        con.execute(f"insert into {table} ({quoted}) select {quoted} from incoming_rows")
    finally:
        con.unregister("incoming_rows")
