"""The schemas and the bookkeeping tables that several steps write, created before a run's steps start side by
side (pipelines/executor.py): of two transactions creating the same schema or table, DuckDB lets one commit
and fails the other ("Catalog write-write conflict"), even with `if not exists`. Once created, each step's own
`create … if not exists` finds them and writes nothing. Each table is still declared by the module that owns it."""

from __future__ import annotations

import duckdb

from expectations.runner import ensure_state as ensure_check_state
from pipelines.folder_loads import ensure_folder_state
from pipelines.warehouse import FETCH_LOG
from skolanalys.dbt_sources import create_sql, declared_tables
from sources.landing.file_hashes import ensure_file_hashes
from sources.landing.ledger import ensure_ledger
from sources.landing.outcomes import ensure_landing_files
from sources.landing.quarantine import ensure_quarantine


def ensure_shared(conn: duckdb.DuckDBPyConnection) -> None:
    for schema in sorted({table.split(".")[0] for table in declared_tables()}):
        conn.execute(f"create schema if not exists {schema}")
    conn.execute(create_sql(FETCH_LOG))  # every national step records its fetch there
    ensure_ledger(conn)
    ensure_quarantine(conn)
    ensure_landing_files(conn)
    ensure_file_hashes(conn)
    ensure_folder_state(conn)
    ensure_check_state(conn)
