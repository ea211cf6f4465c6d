"""Searching everything a run leaves behind for bytes that must not be there (a key, personnummer).

Plain bytes are not enough: Dagster's SQLite storage keeps job snapshots and events zlib-compressed, and
DuckDB compresses strings in its blocks. So SQLite files are read value by value (decompressing what
decompresses), DuckDB files column by column, gzip files decompressed, everything else as raw bytes.
"""

from __future__ import annotations

import contextlib
import gzip
import re
import sqlite3
import zlib
from collections.abc import Iterable
from pathlib import Path

import duckdb


def _sqlite_values(path: Path) -> Iterable[bytes]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in con.execute("select name from sqlite_master where type = 'table'")]
        for table in tables:
            for row in con.execute(f'select * from "{table}"'):
                for value in row:
                    if isinstance(value, str):
                        yield value.encode("utf-8", "replace")
                    elif isinstance(value, bytes):
                        yield value
                        with contextlib.suppress(zlib.error):
                            yield zlib.decompress(value)
    finally:
        con.close()


def _duckdb_values(path: Path) -> Iterable[bytes]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where table_catalog = current_database() and data_type = 'VARCHAR'"
        ).fetchall()
        for schema, table, column in columns:
            for (value,) in con.execute(f'select distinct "{column}" from "{schema}"."{table}"').fetchall():
                if value is not None:
                    yield value.encode("utf-8")
    finally:
        con.close()


def file_contents(path: Path) -> Iterable[bytes]:
    raw = path.read_bytes()
    yield raw
    if raw.startswith(b"SQLite format 3"):
        yield from _sqlite_values(path)
    elif raw[8:12] == b"DUCK":
        yield from _duckdb_values(path)
    elif raw[:2] == b"\x1f\x8b":
        yield gzip.decompress(raw)


def find(pattern: re.Pattern[bytes], roots: Iterable[Path], texts: Iterable[str] = ()) -> list[str]:
    """Where `pattern` occurs: file paths under `roots` (and 'text N' for the given texts)."""
    hits = []
    for root in roots:
        for path in sorted(p for p in Path(root).rglob("*") if p.is_file() and not p.is_symlink()):
            if path.name.endswith((".wal", ".lock")) and path.stat().st_size == 0:
                continue
            if any(pattern.search(chunk) for chunk in file_contents(path)):
                hits.append(str(path))
    hits += [f"text {i}" for i, text in enumerate(texts) if pattern.search(text.encode("utf-8"))]
    return hits
