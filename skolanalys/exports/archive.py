"""The export archive: every export as it was published, so "what did årsbokslut 2025 show?" is answered
exactly after Kolada or Skolverket have revised their figures.

`SKOLANALYS_DATA_DIR/exports.duckdb`, a file of its own: a nightly run holds warehouse.duckdb's write lock for
minutes, and an export (from the command line or a dashboard download) must never wait for it or block it.
DuckDB allows one writing process per file, so each use opens the archive briefly and retries for a while
when another process is writing to it.

- exports: one row per distinct content — id (the first 12 hex digits of the sha256), the file's bytes,
  format, file name, the selection (JSON), the snapshot it came from (run id, published_at, kommunkod), the
  national data vintages (from data_freshness), who first exported it and when.
- export_tables: each exported table's rows as served (parquet), for --diff.
- export_events: every time an export was made or downloaded: who, when, from where (kommandoraden or
  instrumentpanelen). The same content again adds an event, never a second copy.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from skolanalys.exports.build import ID_LENGTH, Export
from skolanalys.exports.catalogue import ExportError
from skolanalys.exports.selection import Selection
from skolanalys.exports.writers import parquet_bytes

ARCHIVE_NAME = "exports.duckdb"
LOCK_WAIT_SECONDS = 20.0

SCHEMA = """
create table if not exists exports (
    export_id varchar primary key,
    sha256 varchar not null,
    file_name varchar not null,
    format varchar not null,
    size_bytes bigint not null,
    content blob not null,
    title varchar,
    selection varchar not null,
    export_for varchar,
    year integer,
    level varchar,
    unit_code varchar,
    page varchar,
    role varchar,
    snapshot_run_id varchar,
    snapshot_published_at varchar,
    kommunkod varchar,
    vintages varchar,
    first_exported_by varchar,
    first_exported_at varchar,
    channel varchar
);
create table if not exists export_tables (
    export_id varchar not null,
    table_name varchar not null,
    position integer not null,
    row_count bigint not null,
    rows blob not null,
    primary key (export_id, table_name)
);
create table if not exists export_events (
    export_id varchar not null,
    exported_by varchar,
    exported_at varchar not null,
    channel varchar
);
"""


@dataclass(frozen=True)
class ArchivedExport:
    export_id: str
    sha256: str
    file_name: str
    fmt: str
    content: bytes
    title: str
    selection: Selection
    run_id: str
    published_at: str
    kommunkod: str
    vintages: dict
    first_exported_by: str
    first_exported_at: str


class _Conflict(Exception):
    """Another connection wrote the same rows in the same moment."""


def archive_path(data_dir: Path) -> Path:
    return Path(data_dir) / ARCHIVE_NAME


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text or "conflict" in text


class Archive:
    """The archive file at `path`; each method opens it, does its work in one transaction, and closes it."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def _connect(self) -> duckdb.DuckDBPyConnection:
        # Always read-write: DuckDB refuses a read-only and a read-write connection to one file in one process
        # (the dashboard lists and archives from several sessions at once).
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        wait = 0.05
        while True:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                con = duckdb.connect(str(self.path))
                con.execute(SCHEMA)
                return con
            except (duckdb.IOException, duckdb.TransactionException, duckdb.ConnectionException) as exc:
                if not _is_lock_error(exc) or time.monotonic() > deadline:
                    raise ExportError(
                        f"exportarkivet {self.path} används av en annan process just nu; försök igen om en stund"
                    ) from exc
                time.sleep(wait)
                wait = min(wait * 2, 1.0)

    def store(self, export: Export, who: str, channel: str) -> str:
        """Archive `export` (once per content) and record who made it; returns its id. Two sessions archiving
        the same content at once: the second finds it stored and only records itself."""
        for attempt in range(3):
            try:
                return self._store(export, who, channel)
            except _Conflict as exc:
                if attempt == 2:
                    raise ExportError("exportarkivet skrevs av någon annan samtidigt; försök igen") from exc
                time.sleep(0.2 * (attempt + 1))
        raise AssertionError("unreachable")

    def _store(self, export: Export, who: str, channel: str) -> str:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        sha = export.sha256
        con = self._connect()
        try:
            con.execute("begin transaction")
            export_id = self._free_id(con, sha)
            known = con.execute("select count(*) from exports where export_id = ?", [export_id]).fetchall()[0][0]
            if not known:
                selection = export.selection
                con.execute(
                    "insert into exports values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        export_id,
                        sha,
                        export.file_name,
                        export.fmt,
                        len(export.content),
                        export.content,
                        export.title,
                        selection.to_json(),
                        selection.export_for,
                        selection.year,
                        selection.level,
                        selection.unit,
                        selection.page,
                        selection.role,
                        export.provenance.info.run_id,
                        export.provenance.info.published_at,
                        export.provenance.info.kommunkod,
                        json.dumps(export.provenance.vintages(), ensure_ascii=False, sort_keys=True),
                        who,
                        now,
                        channel,
                    ],
                )
                for position, table in enumerate(export.tables):
                    con.execute(
                        "insert into export_tables values (?, ?, ?, ?, ?)",
                        [export_id, table.name, position, table.rows.num_rows, parquet_bytes(table.rows)],
                    )
            con.execute("insert into export_events values (?, ?, ?, ?)", [export_id, who, now, channel])
            con.execute("commit")
            return export_id
        except duckdb.Error as exc:
            con.execute("rollback")
            if _is_lock_error(exc) or isinstance(exc, duckdb.ConstraintException):  # stored meanwhile
                raise _Conflict from exc
            raise
        finally:
            con.close()

    @staticmethod
    def _free_id(con: duckdb.DuckDBPyConnection, sha: str) -> str:
        """The content's id: its first 12 hex digits, longer in the (never seen) case of a clash."""
        for length in range(ID_LENGTH, len(sha) + 1, 4):
            candidate = sha[:length]
            found = con.execute("select sha256 from exports where export_id = ?", [candidate]).fetchall()
            if not found or found[0][0] == sha:
                return candidate
        return sha

    def resolve_id(self, text: str) -> str:
        """The full id for an id or a unique prefix of one (at least 4 characters); ExportError otherwise."""
        text = (text or "").strip().lower()
        if not self.path.exists() or len(text) < 4:
            raise ExportError(f"okänt export-id {text!r}: se `skolanalys export --list`")
        con = self._connect()
        try:
            found = [
                r[0]
                for r in con.execute(
                    "select export_id from exports where starts_with(export_id, ?) order by export_id", [text]
                ).fetchall()
            ]
        finally:
            con.close()
        if not found:
            raise ExportError(f"okänt export-id {text!r}: se `skolanalys export --list`")
        if len(found) > 1 and text not in found:
            raise ExportError(f"export-id {text!r} är tvetydigt ({', '.join(found[:3])} …): skriv fler tecken")
        return text if text in found else found[0]

    def get(self, text: str) -> ArchivedExport:
        export_id = self.resolve_id(text)
        con = self._connect()
        try:
            row = con.execute(
                "select export_id, sha256, file_name, format, content, title, selection, snapshot_run_id,"
                " snapshot_published_at, kommunkod, vintages, first_exported_by, first_exported_at"
                " from exports where export_id = ?",
                [export_id],
            ).fetchall()[0]
        finally:
            con.close()
        return ArchivedExport(
            export_id=row[0],
            sha256=row[1],
            file_name=row[2],
            fmt=row[3],
            content=bytes(row[4]),
            title=row[5] or "",
            selection=Selection.from_json(row[6]),
            run_id=row[7] or "",
            published_at=row[8] or "",
            kommunkod=row[9] or "",
            vintages=json.loads(row[10] or "{}"),
            first_exported_by=row[11] or "",
            first_exported_at=row[12] or "",
        )

    def tables(self, export_id: str) -> dict[str, pa.Table]:
        """The rows each table of the export held, as served then."""
        con = self._connect()
        try:
            rows = con.execute(
                "select table_name, rows from export_tables where export_id = ? order by position", [export_id]
            ).fetchall()
        finally:
            con.close()
        return {name: pq.read_table(pa.BufferReader(bytes(blob))) for name, blob in rows}

    def listing(self) -> list[dict]:
        """Every archived export, newest first, with how often and by whom it was made."""
        if not self.path.exists():
            return []
        con = self._connect()
        try:
            rows = con.execute(
                "select e.export_id, e.first_exported_at, e.first_exported_by, e.title, e.format, e.file_name,"
                " e.size_bytes, e.snapshot_published_at, e.snapshot_run_id, count(v.export_id) as times,"
                " max(v.exported_at) as last_at"
                " from exports e left join export_events v using (export_id)"
                " group by all order by e.first_exported_at desc, e.export_id"
            ).fetchall()
        finally:
            con.close()
        names = (
            "export_id",
            "first_exported_at",
            "first_exported_by",
            "title",
            "format",
            "file_name",
            "size_bytes",
            "published_at",
            "run_id",
            "times",
            "last_at",
        )
        return [dict(zip(names, r, strict=True)) for r in rows]
