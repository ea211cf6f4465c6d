"""The ledger of landing files (raw.loaded_files): every file loaded once, what it loaded and what it corrected.

A file is identified by the SHA-256 of its bytes, not by its name: the same export dropped twice, or under
another name, is loaded once. (A file as it was when last hashed is not read again to know its hash:
file_hashes.py.) One row per (kind, file_hash):

| column | meaning |
|---|---|
| kind | landing sub-folder: elever, betyg, nationella_prov, bedomningar, franvaro |
| file_hash | SHA-256 of the file's bytes (the rows it loaded carry it as `source_file_hash`) |
| file_name | the file's name when it was loaded |
| state | `active`: in the folder; `superseded`: in the folder, but every row it loaded has been replaced by |
|   | later files; `removed`: gone from the folder (its rows stay) |
| rows_in | data rows in the file (blank lines not counted) |
| rows_loaded, rows_quarantined | rows_in = rows_loaded + rows_quarantined |
| rows_replaced | rows of earlier files this file replaced by key (a corrected export) |
| corrects | names of the files whose rows it replaced, `; `-separated |
| rows_superseded | rows of this file that later files replaced |
| loaded_at, state_changed_at | when it was loaded; when its state last changed |

A file's rows, quarantine rows and ledger row are written in one transaction (see folder.sync_folder), so a
crash leaves either all of them or none, and the next run picks the file up again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import duckdb

from sources.landing.quarantine import QUARANTINE_TABLE, ensure_quarantine

LEDGER_TABLE = "raw.loaded_files"
ACTIVE, SUPERSEDED, REMOVED = "active", "superseded", "removed"

_DDL = f"""
create table if not exists {LEDGER_TABLE} (
    kind varchar not null,
    file_hash varchar not null,
    file_name varchar not null,
    state varchar not null,
    rows_in bigint not null,
    rows_loaded bigint not null,
    rows_quarantined bigint not null,
    rows_replaced bigint not null,
    corrects varchar,
    rows_superseded bigint not null,
    loaded_at timestamp not null,
    state_changed_at timestamp not null
)
"""


@dataclass
class FileOutcome:
    """What loading one file did; a loader returns it and the ledger records it."""

    rows_in: int
    rows_loaded: int
    rows_quarantined: int
    replaced: dict[str, int] = field(default_factory=dict)  # file_hash of an earlier file → its rows replaced
    messages: list[str] = field(default_factory=list)

    @property
    def rows_replaced(self) -> int:
        return sum(self.replaced.values())

    @property
    def balanced(self) -> bool:
        return self.rows_in == self.rows_loaded + self.rows_quarantined


@dataclass(frozen=True)
class LedgerEntry:
    kind: str
    file_hash: str
    file_name: str
    state: str
    rows_in: int
    rows_loaded: int
    rows_quarantined: int
    rows_replaced: int
    corrects: str | None
    rows_superseded: int

    @property
    def rows(self) -> tuple[int, int, int]:
        """(rows_in, rows_loaded, rows_quarantined), as raw.landing_files shows them."""
        return self.rows_in, self.rows_loaded, self.rows_quarantined

    @property
    def rows_current(self) -> int:
        """Rows of this file still in the raw table."""
        return self.rows_loaded - self.rows_superseded

    def present_state(self) -> str:
        """The state of a file that is in the landing folder."""
        return SUPERSEDED if self.rows_superseded and not self.rows_current else ACTIVE


_COLUMNS = [f for f in LedgerEntry.__dataclass_fields__]


def ensure_ledger(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute("create schema if not exists raw")
    conn.execute(_DDL)


def ensure_raw_table(
    conn: duckdb.DuckDBPyConnection,
    table: str,
    empty_select: str,
    ledger: Ledger,
    compression: Mapping[str, str] | None = None,
) -> list[str]:
    """Create `table` (as `empty_select`, which returns no rows) unless it exists with exactly those columns and
    types. `compression`: the storage method of some columns (DuckDB's names), for a table made here; a table that
    exists keeps its own.

    The raw table and the ledger must agree. A table of other columns (the code changed) or a table with
    rows but no ledger (a warehouse from before the ledger) is rebuilt empty, with the kind's ledger and
    quarantine rows, so that the files in the folder load again: rows of files no longer there are lost then,
    and the returned warning says so.
    """
    schema, name = table.split(".")
    conn.execute(f"create schema if not exists {schema}")
    expected = [(row[0], row[1]) for row in conn.execute(f"describe {empty_select}").fetchall()]
    existing = [
        (row[0], row[1])
        for row in conn.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_catalog = current_database() and table_schema = ? and table_name = ? "
            "order by ordinal_position",
            [schema, name],
        ).fetchall()
    ]
    if existing == expected:
        has_rows = conn.execute(f"select count(*) from (select 1 from {table} limit 1)").fetchall()[0][0]
        if ledger.entries() or not has_rows:
            return []
        reason = "tabellen lästes in innan inläsningsloggen fanns"
    elif existing:
        reason = "tabellens kolumner har ändrats"
    else:
        conn.execute(_create_sql("create table", table, empty_select, expected, compression))
        ledger.forget()
        return []
    conn.execute(_create_sql("create or replace table", table, empty_select, expected, compression))
    ledger.forget()
    ensure_quarantine(conn)
    conn.execute(f"delete from {QUARANTINE_TABLE} where kind = ?", [ledger.kind])
    return [f"{table} byggs om från filerna i {ledger.kind}/ ({reason}); rader från borttagna filer går förlorade"]


def _create_sql(
    create: str, table: str, empty_select: str, columns: list[tuple[str, str]], compression: Mapping[str, str] | None
) -> str:
    if not compression:
        return f"{create} {table} as {empty_select}"
    unknown = set(compression) - {name for name, _ in columns}
    if unknown:
        raise ValueError(f"{table}: compression for columns it does not have: {sorted(unknown)}")
    return (
        f"{create} {table} ("
        + ", ".join(
            f"{name} {type_}" + (f" using compression {compression[name]}" if name in compression else "")
            for name, type_ in columns
        )
        + ")"
    )


class Ledger:
    """The ledger rows of one kind. Every method runs inside the caller's transaction, if any."""

    def __init__(self, conn: duckdb.DuckDBPyConnection, kind: str):
        self.conn = conn
        self.kind = kind
        ensure_ledger(conn)

    def entries(self) -> dict[str, LedgerEntry]:
        rows = self.conn.execute(
            f"select {', '.join(_COLUMNS)} from {LEDGER_TABLE} where kind = ? order by loaded_at, file_name",
            [self.kind],
        ).fetchall()
        return {row[1]: LedgerEntry(*row) for row in rows}

    def record(self, file_hash: str, file_name: str, outcome: FileOutcome) -> None:
        """A newly loaded file; the files it corrected lose the replaced rows (and may become superseded)."""
        names = self.names(list(outcome.replaced))
        corrects = "; ".join(sorted(names[h] for h in outcome.replaced)) or None
        self.conn.execute(
            f"insert into {LEDGER_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, current_timestamp, current_timestamp)",
            [
                self.kind,
                file_hash,
                file_name,
                ACTIVE,
                outcome.rows_in,
                outcome.rows_loaded,
                outcome.rows_quarantined,
                outcome.rows_replaced,
                corrects,
            ],
        )
        for old_hash, rows in outcome.replaced.items():
            self.conn.execute(
                f"""
                update {LEDGER_TABLE}
                set rows_superseded = rows_superseded + ?,
                    state = case when state = '{ACTIVE}' and rows_loaded <= rows_superseded + ?
                                 then '{SUPERSEDED}' else state end,
                    state_changed_at = case when state = '{ACTIVE}' and rows_loaded <= rows_superseded + ?
                                            then current_timestamp else state_changed_at end
                where kind = ? and file_hash = ?
                """,
                [rows, rows, rows, self.kind, old_hash],
            )

    def set_state(self, file_hash: str, state: str) -> None:
        self.conn.execute(
            f"update {LEDGER_TABLE} set state = ?, state_changed_at = current_timestamp "
            "where kind = ? and file_hash = ? and state <> ?",
            [state, self.kind, file_hash, state],
        )

    def forget(self) -> None:
        """Drop the kind's ledger rows: only when its raw table is rebuilt from the files present."""
        self.conn.execute(f"delete from {LEDGER_TABLE} where kind = ?", [self.kind])

    def names(self, hashes: list[str]) -> dict[str, str]:
        if not hashes:
            return {}
        rows = self.conn.execute(
            f"select file_hash, file_name from {LEDGER_TABLE} where kind = ? and list_contains(?, file_hash)",
            [self.kind, hashes],
        ).fetchall()
        found = dict(rows)
        return {h: found.get(h, h[:12]) for h in hashes}
