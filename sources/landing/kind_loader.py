"""Loading one file of a polars kind (elever/, betyg/, nationella_prov/) into its raw table, incrementally.

The file is read whole by sources/landing/contract.py (these exports are small), its valid rows are
appended to raw.<table> and every earlier row with the same business key (Kind.key: a corrected export) is
deleted first, counted per earlier file for the ledger.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from sources.landing.contract import Kind, empty_rows, read_kind_file
from sources.landing.door import Entry, Signature
from sources.landing.kinds import MAX_BYTES
from sources.landing.ledger import FileOutcome, Ledger, ensure_raw_table
from sources.landing.pseudonyms import Pseudonyms
from sources.landing.quarantine import append_quarantine
from sources.result import LoadResult


class KindLoader:
    """The FileLoader (see folder.sync_folder) of one polars kind."""

    def __init__(self, kind: Kind, key: bytes, other_kinds: list[Signature] = ()):
        self.kind = kind
        self.folder = kind.folder
        self.table = f"raw.{kind.table}"
        self.max_bytes = MAX_BYTES[kind.folder]
        self._key = key
        self._other_kinds = other_kinds
        self._empty = empty_rows(kind)
        self._pseudonyms = Pseudonyms(key, date.today().year)  # the same pupils come back in every term's file

    def prepare(self, conn: duckdb.DuckDBPyConnection, ledger: Ledger) -> list[str]:
        conn.register("empty_rows", self._empty.to_arrow())
        try:
            return ensure_raw_table(conn, self.table, "select * from empty_rows", ledger)
        finally:
            conn.unregister("empty_rows")

    def read(self, conn: duckdb.DuckDBPyConnection, path: Path, digest: str, name: str) -> LoadResult:
        return read_kind_file(
            path,
            self.kind,
            self._key,
            other_kinds=self._other_kinds,
            name=name,
            max_bytes=self.max_bytes,
            pseudonymise=lambda frame, column: self._pseudonyms.pseudonymise(conn, frame, column),
        )

    def reads_beside(self, entry: Entry) -> bool:
        return False  # polars reads a file on every core already

    def write(self, conn: duckdb.DuckDBPyConnection, result: LoadResult, digest: str) -> FileOutcome:
        rows = result.rows.with_columns(pl.lit(digest).alias("source_file_hash")) if result.rows.height else None
        replaced: dict[str, int] = {}
        if rows is not None:
            rows = rows.select(self._empty.columns).cast(self._empty.schema)
            conn.register("incoming_rows", rows.to_arrow())
            try:
                # Key columns may be null (grades.language): null equals null here, as in the reader.
                same_key = " and ".join(f"t.{k} is not distinct from i.{k}" for k in self.kind.key)
                replaced = dict(
                    conn.execute(
                        f"select t.source_file_hash, count(*) from {self.table} t "
                        f"where exists (select 1 from incoming_rows i where {same_key}) group by all"
                    ).fetchall()
                )
                if replaced:
                    conn.execute(f"delete from {self.table} t using incoming_rows i where {same_key}")
                conn.execute(f"insert into {self.table} by name select * from incoming_rows")
            finally:
                conn.unregister("incoming_rows")
        append_quarantine(conn, self.folder, result.quarantine)
        return FileOutcome(
            rows_in=result.rows_in,
            rows_loaded=result.rows.height,
            rows_quarantined=result.quarantine.height,
            replaced=replaced,
            messages=list(result.messages),
        )

    def cleanup(self, conn: duckdb.DuckDBPyConnection, staged: object) -> None:
        pass
