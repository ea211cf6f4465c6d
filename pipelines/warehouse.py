"""Writing polars frames into the warehouse: whole-table replacement and the shared quarantine table."""

from __future__ import annotations

import duckdb
import polars as pl

from skolanalys.dbt_sources import create_sql
from sources.landing.quarantine import QUARANTINE_TABLE, append_quarantine, ensure_quarantine


def replace_table(conn: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    schema = table.split(".")[0]
    conn.execute(f"create schema if not exists {schema}")
    conn.register("incoming", frame.to_arrow())
    try:
        conn.execute(f"create or replace table {table} as select * from incoming")
    finally:
        conn.unregister("incoming")


def replace_quarantine(conn: duckdb.DuckDBPyConnection, kind: str, frame: pl.DataFrame) -> None:
    """For kinds read whole (surveys, national files): their rows replace the kind's old ones."""
    ensure_quarantine(conn)
    conn.execute(f"delete from {QUARANTINE_TABLE} where kind = ?", [kind])
    append_quarantine(conn, kind, frame)


def table_exists(conn: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether `schema.name` is a table or view of the connection's own database (not of an attached one)."""
    schema, name = table.split(".")
    return bool(
        conn.execute(
            "select count(*) from information_schema.tables where table_catalog = current_database() "
            "and table_schema = ? and table_name = ?",
            [schema, name],
        ).fetchall()[0][0]
    )


def table_has_rows(conn: duckdb.DuckDBPyConnection, table: str) -> bool:
    return table_exists(conn, table) and conn.execute(f"select exists (select 1 from {table})").fetchall()[0][0]


def append_rows(conn: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    """Append, creating the table from the frame's schema the first time."""
    conn.execute(f"create schema if not exists {table.split('.')[0]}")
    conn.register("incoming_rows", frame.to_arrow())
    try:
        conn.execute(f"create table if not exists {table} as select * from incoming_rows limit 0")
        conn.execute(f"insert into {table} by name select * from incoming_rows")
    finally:
        conn.unregister("incoming_rows")


FETCH_LOG = "national.fetch_log"


def record_fetch(
    conn: duckdb.DuckDBPyConnection, source: str, *, ok: bool, rows: int, changed: int, message: str, data_as_of=None
) -> None:
    """FETCH_LOG: every attempt to reach a national source, for freshness and for the data engineer."""
    conn.execute("create schema if not exists national")
    conn.execute(create_sql(FETCH_LOG))
    conn.execute(
        f"insert into {FETCH_LOG} values (?, current_timestamp::timestamp, ?, ?, ?, ?, ?)",
        [source, ok, rows, changed, message, data_as_of],
    )
