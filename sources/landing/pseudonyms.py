"""Pupil keys for one pass over a landing folder: each distinct personnummer's keyed hash, gender and (for an
invalid one) the reason, computed once a pass (the same pupils come back in every month's or term's file) and
held in memory only. The attendance loader and the polars kinds' loader (kind_loader.py) each keep one.

Values in the plain forms are hashed by DuckDB on every core (sources/personnummer.py `pseudonyms_sql`, the
same keys byte for byte); the rest, and every reason, by `pseudonymise_column` in Python. Without DuckDB's
statement logging off, every value is hashed in Python: the key blocks never reach a log.
"""

from __future__ import annotations

import threading

import duckdb
import polars as pl

from sources.personnummer import (
    PLAIN_YEARS,
    hmac_key_blocks,
    pseudonymise_column,
    pseudonyms_sql,
    statement_logging_is_off,
)

SCHEMA = {"pnr": pl.Utf8, "pupil_key": pl.Utf8, "pupil_gender": pl.Utf8, "pnr_error": pl.Utf8}


class Pseudonyms:
    def __init__(self, key: bytes, reference_year: int):
        self._key = key
        self._year = reference_year
        self._known: pl.DataFrame | None = None  # pnr → pupil_key, pupil_gender, pnr_error
        self._lock = threading.Lock()  # two files' reads may ask at once (sources/landing/folder.py)
        self.computed_in_sql = 0  # how many values DuckDB hashed (the rest: Python)

    @property
    def empty(self) -> bool:
        """No key computed yet in this pass."""
        return self._known is None

    def lookup(self, conn: duckdb.DuckDBPyConnection, pnrs: list[str | None] | pl.Series) -> pl.DataFrame:
        """(pnr, pupil_key, pupil_gender, pnr_error) of the distinct values of `pnrs`; one call at a time."""
        with self._lock:
            return self._lookup(conn, pnrs)

    def _lookup(self, conn: duckdb.DuckDBPyConnection, pnrs: list[str | None] | pl.Series) -> pl.DataFrame:
        distinct = pl.DataFrame({"pnr": pnrs}, schema={"pnr": pl.Utf8}).unique()
        known = self._known
        new = distinct if known is None else distinct.join(known, on="pnr", how="anti", nulls_equal=True)
        if new.height:
            computed = self._compute(conn, new)
            self._known = computed if known is None else pl.concat([known, computed])
        if self._known is None:  # no value asked for yet
            return pl.DataFrame(schema=SCHEMA)
        return distinct.join(self._known, on="pnr", how="left", nulls_equal=True)

    def pseudonymise(self, conn: duckdb.DuckDBPyConnection, frame: pl.DataFrame, column: str) -> pl.DataFrame:
        """`pseudonymise_column`'s result (`column` replaced by pupil_key, pupil_gender, pnr_error), with the
        keys of this pass's earlier files reused."""
        keys = self.lookup(conn, frame.get_column(column).unique()).rename({"pnr": column})
        return frame.join(keys, on=column, how="left", nulls_equal=True).drop(column)

    def _compute(self, conn: duckdb.DuckDBPyConnection, new: pl.DataFrame) -> pl.DataFrame:
        in_sql = self._in_sql(conn, new)
        rest = new.join(in_sql, on="pnr", how="anti", nulls_equal=True)
        in_python = pseudonymise_column(
            rest.with_columns(pl.col("pnr").alias("__pnr")), "__pnr", self._key, reference_year=self._year
        )
        return pl.concat([in_sql, in_python.select(list(SCHEMA))])

    def _in_sql(self, conn: duckdb.DuckDBPyConnection, new: pl.DataFrame) -> pl.DataFrame:
        empty = pl.DataFrame(schema=SCHEMA)
        if not (PLAIN_YEARS[0] <= self._year <= PLAIN_YEARS[1]) or not statement_logging_is_off(conn):
            return empty
        name = f"attendance_new_pnr_{id(self):x}"
        conn.register(name, new.to_arrow())
        try:
            ipad, opad = hmac_key_blocks(self._key)
            query = conn.sql(pseudonyms_sql(name, self._year), params={"ipad": ipad, "opad": opad})
            found = pl.from_arrow(query.to_arrow_table())
        finally:
            conn.unregister(name)
        self.computed_in_sql += found.height
        if not found.height:
            return empty
        return found.with_columns(pl.lit(None, pl.Utf8).alias("pnr_error")).cast(SCHEMA).select(list(SCHEMA))
