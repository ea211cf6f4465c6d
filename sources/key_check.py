"""Which pseudonym key the warehouse's pupil keys were made with, without storing the key.

Pupil keys made with two different keys cannot be joined: a pupil would become two pupils and cohorts,
corrections and value added would silently break. So the warehouse keeps a fingerprint of the key — an
HMAC of a fixed text, which no more reveals the key than the pupil keys themselves do — and a run with
another key stops, unless it is asked to rotate: then the pupil tables are emptied and every landing file
is read again with the new key (files no longer in the landing folder are lost with the old key).
"""

from __future__ import annotations

import hashlib
import hmac

import duckdb

from sources.landing.registry import LEDGER_TABLES, PUPIL_SIDE_TABLES

KEY_CHECK_TABLE = "raw.pseudonym_key_check"
_CHECK_TEXT = b"skolanalys:nyckelkontroll:v1"
NEW, SAME, ROTATED = "new", "same", "rotated"


class KeyChanged(Exception):
    """The key differs from the one the warehouse's pupil keys were made with."""


def fingerprint(key: bytes) -> str:
    return hmac.new(key, _CHECK_TEXT, hashlib.sha256).hexdigest()


def _stored(conn: duckdb.DuckDBPyConnection) -> str | None:
    conn.execute("create schema if not exists raw")
    conn.execute(f"create table if not exists {KEY_CHECK_TABLE} (fingerprint varchar not null, set_at timestamp)")
    rows = conn.execute(f"select fingerprint from {KEY_CHECK_TABLE}").fetchall()
    return rows[0][0] if rows else None


def _store(conn: duckdb.DuckDBPyConnection, key: bytes) -> None:
    conn.execute(f"delete from {KEY_CHECK_TABLE}")
    conn.execute(f"insert into {KEY_CHECK_TABLE} values (?, current_timestamp)", [fingerprint(key)])


def _forget_pupil_rows(conn: duckdb.DuckDBPyConnection) -> None:
    """Drop the pupil tables and their ledger and quarantine rows: the next load reads every file again."""
    for table in PUPIL_SIDE_TABLES:
        conn.execute(f"drop table if exists {table}")
    existing = {
        f"{schema}.{name}"
        for schema, name in conn.execute("select table_schema, table_name from information_schema.tables").fetchall()
    }
    for table, kind in LEDGER_TABLES.items():
        conn.execute(f"drop table if exists {table}")
        for bookkeeping in ("raw.loaded_files", "raw.quarantine", "raw.landing_files"):
            column = "folder" if bookkeeping == "raw.landing_files" else "kind"
            if bookkeeping in existing:
                conn.execute(f"delete from {bookkeeping} where {column} = ?", [kind])


def check_key(conn: duckdb.DuckDBPyConnection, key: bytes, *, rotate: bool = False) -> str:
    """NEW (first run: fingerprint stored), SAME, or ROTATED (asked to, and done); raises KeyChanged."""
    conn.begin()
    try:
        stored = _stored(conn)
        if stored is None:
            status = NEW
        elif hmac.compare_digest(stored, fingerprint(key)):
            status = SAME
        elif rotate:
            _forget_pupil_rows(conn)
            status = ROTATED
        else:
            raise KeyChanged(
                "pseudonymnyckeln är en annan än den som elevnycklarna i datalagret skapades med. Sätt tillbaka "
                "den gamla nyckeln, eller byt nyckel med `skolanalys run --byt-nyckel`: då läses alla filer i "
                "landningsmappen in på nytt med den nya nyckeln (rader från filer som inte längre finns där "
                "försvinner)."
            )
        if status != SAME:
            _store(conn, key)
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    return status
