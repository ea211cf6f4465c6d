"""raw.quarantine: every kind's rejected rows, with file, line, column, reason and the row (personnummer masked).

Files loaded through the ledger append their rows here once, when the file is loaded; they are never
re-read, so their quarantine rows stay until someone deletes them (like the loaded rows themselves).
"""

from __future__ import annotations

import duckdb
import polars as pl

from sources.result import QUARANTINE_SCHEMA

QUARANTINE_TABLE = "raw.quarantine"
# Anything shaped like a personnummer (10 or 12 digits, optionally with - or + before the last four). Reasons
# and raw rows of the streaming reader pass through this mask too: a misaligned row (a separator inside a
# quoted name) can shift the personnummer into a column whose value the reason repeats.
PNR_LIKE = r"\d{6,8}[-+]?\d{4}"
MASK = "<maskerat>"


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
    rows = frame.select(pl.lit(kind).alias("kind"), *QUARANTINE_SCHEMA)
    conn.register("incoming_quarantine", rows.to_arrow())
    try:
        conn.execute(f"insert into {QUARANTINE_TABLE} select *, current_timestamp from incoming_quarantine")
    finally:
        conn.unregister("incoming_quarantine")
