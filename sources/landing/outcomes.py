"""raw.landing_files: the outcome of every file in the landing folder at the last pass over its folder.

Each pass over a folder replaces that folder's rows: the current status of each file present, plus the files
the ledger remembers as removed. The landing root itself is folder '.' (files lying directly in it and
unknown sub-folders). A data-quality mart and dashboard page read this table: LANDING_FILES_SCHEMA is its
one declaration.

| outcome | meaning |
|---|---|
| loaded | read in this pass, every row loaded |
| partly_quarantined | read in this pass, some rows in raw.quarantine |
| already_loaded | loaded in an earlier pass (raw.loaded_files, or an unchanged folder read whole): not read again |
| identical | the same bytes as another file, which is (or was) loaded |
| rejected | not loaded, with the reason; tried again next pass |
| ignored | not a file this folder takes (another file type, an Excel lock file, a hidden file …) |
| retry | changed while it was read (still being written): not loaded, read next pass |
| removed | loaded earlier, no longer in the folder; its rows stay |
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import duckdb

from sources.personnummer import mask_personnummer

LANDING_FILES_TABLE = "raw.landing_files"
LANDING_FILES_SCHEMA = {
    "folder": "varchar",  # landing sub-folder, '.' for the landing root
    "file_name": "varchar",  # personnummer masked
    "file_hash": "varchar",  # SHA-256 of the bytes; null when the file was not hashed
    "size_bytes": "bigint",
    "outcome": "varchar",
    "reason": "varchar",  # Swedish; null for loaded and already_loaded
    "rows_in": "bigint",
    "rows_loaded": "bigint",
    "rows_quarantined": "bigint",
    "checked_at": "timestamp",
}
OUTCOMES = ("loaded", "partly_quarantined", "already_loaded", "identical", "rejected", "ignored", "retry", "removed")
ROOT = "."
# Outcomes the data engineer must act on; the rest are listed for the record.
NEEDS_ATTENTION = ("rejected", "retry", "removed", "ignored")
# Each outcome in Swedish: for one file, for several.
_OUTCOME_SV = {
    "loaded": ("inläst", "inlästa"),
    "partly_quarantined": ("inläst med rader i karantän", "inlästa med rader i karantän"),
    "already_loaded": ("redan inläst", "redan inlästa"),
    "identical": ("identisk med en annan fil", "identiska med en annan fil"),
    "rejected": ("avvisad", "avvisade"),
    "ignored": ("ignorerad", "ignorerade"),
    "retry": ("skrevs till under läsningen, läses nästa gång",) * 2,
    "removed": ("borttagen (raderna ligger kvar)", "borttagna (raderna ligger kvar)"),
}


@dataclass
class FileStatus:
    folder: str
    file_name: str
    outcome: str
    reason: str | None = None
    file_hash: str | None = None
    size_bytes: int | None = None
    rows_in: int | None = None
    rows_loaded: int | None = None
    rows_quarantined: int | None = None

    def __post_init__(self) -> None:
        assert self.outcome in OUTCOMES, self.outcome
        self.file_name = mask_personnummer(self.file_name)
        self.reason = mask_personnummer(self.reason)

    @property
    def line(self) -> str:
        """'betyg/vt24.xlsx: filtypen .xlsx tas inte emot …' (names as shown, personnummer masked)."""
        where = "" if self.folder == ROOT else f"{self.folder}/"
        return f"{where}{self.file_name}: {self.reason or _OUTCOME_SV[self.outcome][0]}"


def ensure_landing_files(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute("create schema if not exists raw")
    columns = ", ".join(f"{c} {t}" for c, t in LANDING_FILES_SCHEMA.items())
    conn.execute(f"create table if not exists {LANDING_FILES_TABLE} ({columns})")


def replace_folder(conn: duckdb.DuckDBPyConnection, folder: str, statuses: list[FileStatus]) -> None:
    """The folder's rows become `statuses` (in the caller's transaction, if any)."""
    ensure_landing_files(conn)
    conn.execute(f"delete from {LANDING_FILES_TABLE} where folder = ?", [folder])
    if statuses:
        conn.executemany(
            f"insert into {LANDING_FILES_TABLE} values ({', '.join('?' * 9)}, current_timestamp)",
            [
                (s.folder, s.file_name, s.file_hash, s.size_bytes, s.outcome, s.reason)
                + (s.rows_in, s.rows_loaded, s.rows_quarantined)
                for s in statuses
            ],
        )


def mark_read_earlier(conn: duckdb.DuckDBPyConnection, folder: str) -> None:
    """A pass that does not read `folder` again, nothing in it having changed since the pass that read it whole
    (pipelines/folder_loads.py): the files that pass loaded are now already_loaded, with their rows, as a ledger
    kind's are; the rest keep their outcome. checked_at stays the time they were read: such a folder has no ledger
    to say when its files were loaded, and the data-quality mart reads it (data_quality_files.sql)."""
    ensure_landing_files(conn)
    conn.execute(
        f"update {LANDING_FILES_TABLE} set outcome = 'already_loaded' "
        "where folder = ? and outcome in ('loaded', 'partly_quarantined')",
        [folder],
    )


def counts(statuses: list[FileStatus]) -> dict[str, int]:
    found = Counter(s.outcome for s in statuses)
    return {o: found.get(o, 0) for o in OUTCOMES}


def attention_markdown(statuses: list[FileStatus]) -> str:
    """A markdown list of the files that were not loaded, each with its reason."""
    lines = [f"- **{s.outcome}** {s.line}" for s in statuses if s.outcome in NEEDS_ATTENTION]
    return "\n".join(lines) or "inga"


def _number(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def summary_lines(conn: duckdb.DuckDBPyConnection, folders: list[str] | None = None) -> list[str]:
    """Swedish one-line summaries of raw.landing_files for the command line: per folder (of `folders`, or every
    one) the counts and the rows read in this pass, then one line per file that was not loaded, with its reason."""
    schema, table = LANDING_FILES_TABLE.split(".")
    exists = conn.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, table]
    ).fetchall()[0][0]
    if not exists:
        return []
    rows = conn.execute(f"select {', '.join(f for f in LANDING_FILES_SCHEMA)} from {LANDING_FILES_TABLE}").fetchall()
    statuses = [FileStatus(**dict(zip(LANDING_FILES_SCHEMA, row[:-1], strict=False))) for row in rows]
    lines = []
    for folder in sorted({s.folder for s in statuses if folders is None or s.folder in folders}):
        mine = [s for s in statuses if s.folder == folder]
        shown = ", ".join(f"{n} {_OUTCOME_SV[o][n != 1]}" for o, n in counts(mine).items() if n)
        where = "landningsmappen" if folder == ROOT else f"{folder}/"
        files = "1 fil" if len(mine) == 1 else f"{len(mine)} filer"
        rows = sum(s.rows_loaded or 0 for s in mine if s.outcome in ("loaded", "partly_quarantined"))
        quarantined = sum(s.rows_quarantined or 0 for s in mine if s.outcome == "partly_quarantined")
        read = f"; {_number(rows)} rader inlästa" if rows else ""
        read += f", {_number(quarantined)} i karantän (raw.quarantine)" if quarantined else ""
        lines.append(f"{where}: {files} — {shown}{read}")
        attention = sorted((s for s in mine if s.outcome in NEEDS_ATTENTION), key=lambda s: (s.outcome, s.file_name))
        lines += [f"  {s.outcome}: {s.line}" for s in attention]
    return lines
