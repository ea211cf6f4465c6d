"""Writing polars frames into the warehouse: whole-table replacement and the shared quarantine table."""

from __future__ import annotations

import duckdb
import polars as pl

from sources.result import QUARANTINE_SCHEMA

QUARANTINE_TABLE = "raw.quarantine"


def replace_table(conn: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    schema = table.split(".")[0]
    conn.execute(f"create schema if not exists {schema}")
    conn.register("incoming", frame.to_arrow())
    try:
        conn.execute(f"create or replace table {table} as select * from incoming")
    finally:
        conn.unregister("incoming")


def replace_quarantine(conn: duckdb.DuckDBPyConnection, kind: str, frame: pl.DataFrame) -> None:
    """raw.quarantine holds every kind's rejected rows; a kind's load replaces its own rows only."""
    conn.execute("create schema if not exists raw")
    conn.execute(
        f"create table if not exists {QUARANTINE_TABLE} (kind varchar, file varchar, line bigint, "
        '"column" varchar, reason varchar, raw varchar, loaded_at timestamp)'
    )
    conn.execute(f"delete from {QUARANTINE_TABLE} where kind = ?", [kind])
    if frame.height:
        rows = frame.select(pl.lit(kind).alias("kind"), *QUARANTINE_SCHEMA)
        conn.register("incoming_quarantine", rows.to_arrow())
        try:
            conn.execute(f"insert into {QUARANTINE_TABLE} select *, current_timestamp from incoming_quarantine")
        finally:
            conn.unregister("incoming_quarantine")
