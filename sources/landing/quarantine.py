"""raw.quarantine: every kind's rejected rows, with file, line, column, reason and the row (personnummer masked).

Files loaded through the ledger append their rows here once, when the file is loaded; they are never
re-read, so their quarantine rows stay until someone deletes them (like the loaded rows themselves).

This module is the one place rows enter the table, and it masks anything shaped like a personnummer in the
file name, the reason and the raw row on the way in: a misaligned row (a separator inside a quoted name)
can shift a personnummer into a column whose value a reason repeats, and a file name can hold one.
"""

from __future__ import annotations

import duckdb
import polars as pl

from sources.personnummer import MASK, mask_personnummer_expr, mask_personnummer_sql
from sources.result import QUARANTINE_SCHEMA

__all__ = ["MASK", "QUARANTINE_TABLE", "append_quarantine", "append_quarantine_sql", "ensure_quarantine"]

QUARANTINE_TABLE = "raw.quarantine"
_MASKED = ("file", "reason", "raw")


def ensure_quarantine(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute("create schema if not exists raw")
    conn.execute(
        f"create table if not exists {QUARANTINE_TABLE} (kind varchar, file varchar, line bigint, "
        '"column" varchar, reason varchar, raw varchar, loaded_at timestamp)'
    )


def append_quarantine(conn: duckdb.DuckDBPyConnection, kind: str, frame: pl.DataFrame) -> None:
    """Append a polars frame of QUARANTINE_SCHEMA rows for `kind`."""
    ensure_quarantine(conn)
    if not frame.height:
        return
    rows = frame.select(
        pl.lit(kind).alias("kind"),
        *(mask_personnummer_expr(pl.col(c)).alias(c) if c in _MASKED else pl.col(c) for c in QUARANTINE_SCHEMA),
    )
    conn.register("incoming_quarantine", rows.to_arrow())
    try:
        conn.execute(f"insert into {QUARANTINE_TABLE} select *, current_timestamp from incoming_quarantine")
    finally:
        conn.unregister("incoming_quarantine")


def append_quarantine_sql(conn: duckdb.DuckDBPyConnection, kind: str, select_sql: str) -> int:
    """Append the rows of `select_sql` — columns file, line, column, reason, raw — for `kind`; returns how
    many. For a streaming reader whose rejected rows never enter Python."""
    ensure_quarantine(conn)
    return conn.execute(f"""
        insert into {QUARANTINE_TABLE}
        select '{kind}', {mask_personnummer_sql("q.file")}, q.line, q."column", {mask_personnummer_sql("q.reason")},
               {mask_personnummer_sql("q.raw")}, current_timestamp
        from ({select_sql}) q
    """).fetchall()[0][0]
