"""An order-free fingerprint of a relation's rows: whether a table changed, without keeping a copy of it."""

from __future__ import annotations

import duckdb


def rows_fingerprint(conn: duckdb.DuckDBPyConnection, relation: str) -> str:
    """'<rows>:<hash>' of `relation` (a table name or a parenthesised query). bit_xor is order-free and
    vectorised; the count keeps two equal rows from cancelling each other out."""
    count, digest = conn.execute(f"select count(*), coalesce(bit_xor(hash(t)), 0) from {relation} as t").fetchall()[0]
    return f"{count}:{digest}"
