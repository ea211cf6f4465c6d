"""What the published marts were built from, so that a run rebuilds only what changed.

Each dbt source table gets a fingerprint: for the landing kinds loaded file by file, their ledger rows
(which files, in which state — a correction or a new file changes it; 100 M attendance rows are never
scanned); for every other source a hash over its rows, leaving out columns that change with every run
without changing the data (when a file or a fetch attempt was looked at). The project's own fingerprint
(every file dbt parses, pipelines/assets/dbt.py) is one more entry.

The dbt asset compares the current fingerprints with those of the last *published* snapshot:
- nothing changed → no dbt build and no new snapshot;
- only sources changed → `dbt build --select source:<changed>+` (the models downstream of them);
- the project changed, or nothing was published yet → a full build.
It records the fingerprints as pending; the serving asset marks them published after the swap, so a run
that fails in between rebuilds the same next time.
"""

from __future__ import annotations

import duckdb

from pipelines.warehouse import table_exists
from sources.landing import attendance
from sources.landing.registry import LEDGER_TABLES
from sources.row_hash import rows_fingerprint

STATE_TABLE = "meta.build_state"
PROJECT = "dbt_project"
PENDING, PUBLISHED = "pending", "published"

# Columns that record when a run looked, not what it found.
VOLATILE_COLUMNS = {
    "raw.landing_files": ("checked_at", "outcome"),  # 'loaded' in one run is 'already_loaded' in the next
    "raw.quarantine": ("loaded_at",),
    "national.fetch_log": ("attempted_at",),  # a repeated identical attempt adds nothing new
}
DISTINCT_ROWS = {"national.fetch_log"}


def _catalog(conn: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Every table and view of the connection's own database with its columns in order, read at once (a query
    per source table cost ~0.1 s of a night's dbt step)."""
    rows = conn.execute(
        "select table_schema || '.' || table_name, column_name from information_schema.columns "
        "where table_catalog = current_database() order by table_schema, table_name, ordinal_position"
    ).fetchall()
    catalog: dict[str, list[str]] = {}
    for table, column in rows:
        catalog.setdefault(table, []).append(column)
    return catalog


def source_fingerprint(conn: duckdb.DuckDBPyConnection, table: str, catalog: dict[str, list[str]]) -> str:
    if table not in catalog:
        return "missing"
    if table in LEDGER_TABLES:
        if "raw.loaded_files" not in catalog:
            return "empty"
        kind = LEDGER_TABLES[table].replace("'", "''")
        ledger = "(select file_hash, state, rows_loaded, rows_superseded from raw.loaded_files "
        return "ledger:" + rows_fingerprint(conn, f"{ledger}where kind = '{kind}')")
    columns = [c for c in catalog[table] if c not in VOLATILE_COLUMNS.get(table, ())]
    quoted = ", ".join(f'"{c}"' for c in columns)
    distinct = "distinct " if table in DISTINCT_ROWS else ""
    return "rows:" + rows_fingerprint(conn, f"(select {distinct}{quoted} from {table})")


def current_fingerprints(conn: duckdb.DuckDBPyConnection, sources: list[str], project: str) -> dict[str, str]:
    catalog = _catalog(conn)
    found = {table: source_fingerprint(conn, table, catalog) for table in sources}
    found[PROJECT] = project
    return found


def _ensure(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute("create schema if not exists meta")
    conn.execute(
        f"create table if not exists {STATE_TABLE} (state varchar, source varchar, fingerprint varchar, "
        "recorded_at timestamp)"
    )


def _read(conn: duckdb.DuckDBPyConnection, state: str) -> dict[str, str]:
    _ensure(conn)
    rows = conn.execute(f"select source, fingerprint from {STATE_TABLE} where state = ?", [state]).fetchall()
    return dict(rows)


def published(conn: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return _read(conn, PUBLISHED)


def record_pending(conn: duckdb.DuckDBPyConnection, fingerprints: dict[str, str]) -> None:
    _ensure(conn)
    conn.execute(f"delete from {STATE_TABLE} where state = ?", [PENDING])
    conn.executemany(
        f"insert into {STATE_TABLE} values (?, ?, ?, current_timestamp)",
        [(PENDING, source, fp) for source, fp in sorted(fingerprints.items())],
    )


def mark_published(conn: duckdb.DuckDBPyConnection) -> None:
    """After the swap: what was built is what is served."""
    _ensure(conn)
    if not _read(conn, PENDING):
        return
    conn.execute(f"delete from {STATE_TABLE} where state = ?", [PUBLISHED])
    conn.execute(f"update {STATE_TABLE} set state = ? where state = ?", [PUBLISHED, PENDING])


# The ledger rows the incremental attendance sums were last built from (dbt/macros/attendance_increment.sql).
ATTENDANCE_SUMMARISED = "meta.attendance_summarised_files"


def attendance_additions_only(conn: duckdb.DuckDBPyConnection) -> bool:
    """True when the attendance sums may simply add the new files: every attendance file they were built
    from is in the ledger as it was (no correction superseded its rows, no key rotation emptied the ledger)."""
    if not table_exists(conn, ATTENDANCE_SUMMARISED) or not table_exists(conn, "raw.loaded_files"):
        return False
    changed = conn.execute(
        f"""
        select count(*) from {ATTENDANCE_SUMMARISED} as s
        left join raw.loaded_files as l on l.kind = s.kind and l.file_hash = s.file_hash
        where s.kind = ? and (l.file_hash is null or l.state is distinct from s.state
            or l.rows_loaded <> s.rows_loaded or l.rows_superseded <> s.rows_superseded)
        """,
        [LEDGER_TABLES[attendance.TABLE]],
    ).fetchall()[0][0]
    return changed == 0


def plan(current: dict[str, str], before: dict[str, str]) -> tuple[str, list[str]]:
    """('full', []), ('none', []) or ('sources', changed source tables)."""
    if not before or before.get(PROJECT) != current.get(PROJECT):
        return "full", []
    changed = sorted(s for s, fp in current.items() if s != PROJECT and before.get(s) != fp)
    return ("sources", changed) if changed else ("none", [])
