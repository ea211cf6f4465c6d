"""AttendanceLoader: the FileLoader (sources/landing/folder.py) of franvaro/. It chooses the path for each
file, pairs the read with the write, and returns the outcome the ledger records.

`read` runs outside the file's transaction, on a connection of sync_folder's own, while the previous file is
written (and, for small files, beside the next file's read): it stages a clean file (fast_path.py) or profiles
any other (text_path.py), and looks up the pupil keys (sources/landing/pseudonyms.py). `write` runs inside the
transaction: it inserts the rows, deals with duplicates and corrections (corrections.py) and quarantines what
was rejected.
"""

from __future__ import annotations

import contextlib
import shutil
import threading
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from skolanalys.dbt_sources import create_sql
from skolanalys.processes import remove_dead_spill, remove_left_behind, scratch_folder
from sources.landing.attendance import corrections, fast_path, text_path
from sources.landing.attendance.fileformat import FileFormat, sniff, transcode_to_utf8
from sources.landing.attendance.schema import (
    COMPRESSION,
    FILE_NUMBER_PARAM,
    FOLDER,
    PUPILS_TABLE,
    SCHEMA,
    TABLE,
    attendance_number,
    new_pupils_sql,
)
from sources.landing.door import NO_ROWS, Entry, LandingFileError, Signature
from sources.landing.kinds import MAX_BYTES
from sources.landing.ledger import LEDGER_TABLE, FileOutcome, Ledger, ensure_raw_table
from sources.landing.pseudonyms import Pseudonyms
from sources.landing.quarantine import append_quarantine_sql, ensure_quarantine

# A file's scratch folder: its unpacked or UTF-8 copy, personnummer and all, while the file is read. One that a
# process killed with kill -9 left behind is removed by the next load (`prepare`).
WORKDIR_PREFIX = "skolanalys-franvaro-"


@dataclass(frozen=True)
class Limits:
    """DuckDB's resources while loading: well under the machine's memory, one thread per core."""

    memory_limit: str = "2GB"  # a staged file (fast_path.py) is held in memory: ~100 bytes a row
    threads: int = 2
    # A file of more than a row group is written into the database file during its transaction (DuckDB's
    # optimistic write): the write-ahead log stays small (kavlinge's 34 files: 4 MiB). Smaller files pass
    # through the log, and at the default 16 MB a run of them would checkpoint — and merge the partial row
    # groups, the checkpoint's dearest part (docs/benchmarks.md) — in the middle of the load: one checkpoint
    # when the load's connection closes. The log still makes every committed file durable.
    checkpoint_threshold: str = "4GB"
    # An unpacked gzip file up to this size is held in memory while it is staged (fast_path.unpack_copy), beside
    # memory_limit: a kavlinge month (12–26 MB) and a night's file. A storstad month (~0.7 GB) is unpacked on disk:
    # in memory it added its 0.64 GiB to the full build's 3.3 GiB peak, at the 4 GiB line, for no gain measurable
    # in its load (docs/benchmarks.md, "Nineteenth session").
    in_memory_copy: int = 256 << 20


@dataclass
class Staged:
    """What `read` found in one file, for `write` (possibly on another connection: nothing in temp tables;
    the fast path's staged rows are in the attached in-memory database every cursor sees)."""

    name: str
    fmt: FileFormat
    source: Path  # the file itself, or its UTF-8 transcoding
    compression: str
    rows_in: int
    first_date: date | None  # the range of the file's dates: where its keys can meet earlier rows
    last_date: date | None
    keys: pl.DataFrame  # pnr → pupil_key, pupil_gender, pnr_error; held in memory, never written
    workdir: Path
    fast: fast_path.FastStage | None = None  # staged by the fast path, else the text path
    repeated_keys: bool = True  # a key may occur twice within the file (the fast path may prove otherwise)

    @property
    def checked_sql(self) -> str:
        return text_path.checked_rows_sql(self.source, self.compression, self.fmt)


class AttendanceLoader:
    folder = FOLDER
    table = TABLE

    max_bytes = MAX_BYTES[FOLDER]

    def __init__(self, key: bytes, other_kinds: list[Signature] = (), limits: Limits = Limits()):
        self._other_kinds = other_kinds
        self._limits = limits
        self._pseudonyms = Pseudonyms(key, date.today().year)

    def prepare(self, conn: duckdb.DuckDBPyConnection, ledger: Ledger) -> list[str]:
        _remove_what_a_killed_load_left(conn)
        conn.execute(f"set memory_limit = '{self._limits.memory_limit}'")
        conn.execute(f"set threads = {int(self._limits.threads)}")
        conn.execute(f"set checkpoint_threshold = '{self._limits.checkpoint_threshold}'")
        # The fast path numbers a staged row by its position (fast_path.py): rows stay in file order.
        conn.execute("set preserve_insertion_order = true")
        conn.execute("set enable_progress_bar = false")
        fast_path.attach(conn)
        ensure_quarantine(conn)
        columns = ", ".join(f"null::{t} as {c}" for c, t in SCHEMA.items())
        messages = ensure_raw_table(conn, TABLE, f"select {columns} limit 0", ledger, COMPRESSION)
        conn.execute(create_sql(PUPILS_TABLE))
        if not ledger.entries():  # raw.attendance new or rebuilt empty: its pupils go with its rows
            conn.execute(f"delete from {PUPILS_TABLE}")
        return messages

    # Outside the transaction ---------------------------------------------------------------------------

    def reads_beside(self, entry: Entry) -> bool:
        """A file that fits in one read buffer is staged on one core (fast_path.py): two such files are read at
        once, on both cores (kavlinge's months; a storstad month is staged on both cores alone)."""
        return fast_path.unpacked_size(entry.path) <= fast_path.READ_BUFFER

    def read(self, conn: duckdb.DuckDBPyConnection, path: Path, digest: str, name: str) -> Staged:
        fmt = sniff(path, self._other_kinds)
        staged = self._read_fast(conn, path, digest, name, fmt)
        return staged if staged is not None else self._read_text(conn, path, name, fmt)

    def _read_text(self, conn, path: Path, name: str, fmt: FileFormat) -> Staged:
        workdir = scratch_folder(WORKDIR_PREFIX)
        try:
            try:
                return self._profile(conn, path, name, fmt, workdir)
            except duckdb.Error as exc:
                if fmt.encoding != "utf-8" or "unicode" not in str(exc).lower():
                    raise _file_error(exc) from None
            # Valid UTF-8 in the first MiB, not after it: a cp1252 file whose first lines are plain ASCII.
            try:
                return self._profile(conn, path, name, replace(fmt, encoding="cp1252"), workdir)
            except duckdb.Error as exc:
                raise _file_error(exc) from None
        except BaseException:
            shutil.rmtree(workdir, ignore_errors=True)
            raise

    def _read_fast(self, conn, path: Path, digest: str, name: str, fmt: FileFormat) -> Staged | None:
        """The whole file staged by one read (fast_path.py), or None: the text path reads it."""
        if fmt.header_line != 1:
            return None
        workdir = scratch_folder(WORKDIR_PREFIX)
        table = f"f_{digest[:16]}"
        try:
            staged = self._stage(conn, path, name, fmt, table, workdir)
        except BaseException:
            fast_path.drop(conn, table)
            shutil.rmtree(workdir, ignore_errors=True)
            raise
        if staged is None:
            shutil.rmtree(workdir, ignore_errors=True)
        return staged

    def _stage(self, conn, path: Path, name: str, fmt: FileFormat, table: str, workdir: Path) -> Staged | None:
        source, copy = path, None
        # The first file of a pass (no key known yet): its keys computed beside the unpacking and the stage.
        keys_beside = self._keys_beside(conn, path, fmt) if fmt.encoding == "utf-8" and self._pseudonyms.empty else None
        with contextlib.ExitStack() as scratch:  # an unpacked copy is gone when the file is staged
            try:
                if fmt.encoding != "utf-8":  # Windows-1252 (as Excel saves a CSV): DuckDB reads a UTF-8 copy of it,
                    scan = fast_path.Scan(fmt.separator.encode())  # kept in the workdir for the quarantine's pass
                    source = copy = transcode_to_utf8(path, fmt.gzip, workdir, scan.add)
                elif fmt.gzip:  # None: a broken gzip, named by the text path
                    source, scan = fast_path.unpack_copy(
                        scratch, path, workdir, fmt.separator, self._limits.in_memory_copy
                    )
                else:
                    scan = fast_path.scan_plain(path, fmt.separator)
                staged = fast_path.stage(conn, source, "none", fmt, scan, table) if scan is not None else None
            finally:
                if keys_beside is not None:
                    keys_beside.join()
        if staged is None:
            return None
        if not staged.rows:  # the header alone
            fast_path.drop(conn, table)
            raise LandingFileError(NO_ROWS)
        keys = self._pseudonyms.lookup(conn, staged.pnrs)
        if keys["pnr_error"].is_not_null().any():  # the text path, with its reasons
            fast_path.drop(conn, table)
            return None
        # Two spellings of one personnummer are one pupil: the file's keys may then repeat even so.
        spellings = keys["pupil_key"].n_unique() < keys.height
        staged.pnrs = []
        return Staged(
            name=name,
            fmt=fmt,
            source=copy or path,
            compression="gzip" if fmt.gzip and copy is None else "none",
            rows_in=staged.rows,
            first_date=staged.first_date,
            last_date=staged.last_date,
            keys=keys,
            workdir=workdir,
            fast=staged,
            repeated_keys=spellings,
        )

    def _keys_beside(self, conn, path: Path, fmt: FileFormat) -> threading.Thread:
        """The file's personnummer read by a light pass of DuckDB's on a connection of its own, and their keys
        computed, while the file is unpacked and staged on one core, instead of after it: a night's one file is
        read ~0.15 s sooner (docs/benchmarks.md, "Fifteenth session"). Only a head start: the stage judges the
        file, and its keys are looked up after it as ever (those computed here are found known)."""
        cursor = conn.cursor()

        def look_up() -> None:
            # A file the light pass cannot read is read, and judged, by the stage or the text path.
            with cursor, contextlib.suppress(Exception):
                self._pseudonyms.lookup(cursor, fast_path.personnummer(cursor, path, fmt))

        thread = threading.Thread(target=look_up, name="landing-keys")
        thread.start()
        return thread

    def _profile(self, conn, path: Path, name: str, fmt: FileFormat, workdir: Path) -> Staged:
        """The text path's pass 1: rows and date range per distinct personnummer, and their keys."""
        if fmt.encoding == "utf-8":
            source, compression = path, "gzip" if fmt.gzip else "none"
        else:
            source, compression = transcode_to_utf8(path, fmt.gzip, workdir), "none"
        pupils = conn.execute(text_path.profile_sql(source, compression, fmt)).fetchall()
        if not pupils:  # no line after the header but blank ones
            raise LandingFileError(NO_ROWS)
        dates = [d for _, _, first, last in pupils for d in (first, last) if d is not None]
        return Staged(
            name=name,
            fmt=fmt,
            source=source,
            compression=compression,
            rows_in=sum(n for _, n, _, _ in pupils),
            first_date=min(dates, default=None),
            last_date=max(dates, default=None),
            keys=self._pseudonyms.lookup(conn, [pnr for pnr, _, _, _ in pupils]),
            workdir=workdir,
        )

    # Inside the file's transaction ---------------------------------------------------------------------

    def write(self, conn: duckdb.DuckDBPyConnection, staged: Staged, digest: str) -> FileOutcome:
        try:
            return self._write(conn, staged, digest)
        except duckdb.Error as exc:  # DuckDB's message may quote the path or a line: never passed on
            raise _file_error(exc) from None

    def _write(self, conn: duckdb.DuckDBPyConnection, staged: Staged, digest: str) -> FileOutcome:
        _refuse_a_number_taken(conn, digest)
        conn.register("attendance_keys_frame", staged.keys.to_arrow())
        try:
            number = attendance_number("pupil_number", "pupil_key")
            conn.execute(
                f"create or replace temp table attendance_keys as"
                f" select *, {number} as pupil_number from attendance_keys_frame"
            )
        finally:
            conn.unregister("attendance_keys_frame")
        first, last = staged.first_date, staged.last_date
        earlier = corrections.earlier_rows(conn, first, last)  # before this file's rows are in
        # Keys can meet only among the file's dates: earlier rows there, or a key repeated within the file.
        needed = earlier or staged.repeated_keys or fast_path.keys_may_repeat(conn, staged.fast)
        if staged.fast is not None:
            insert = fast_path.insert_sql(staged.fast, staged.fmt.header_line)
            inserted = conn.execute(insert, [digest]).fetchall()[0][0]
        else:
            with text_path.joins_as_written(conn):
                inserted = conn.execute(text_path.insert_sql(staged.checked_sql), [digest]).fetchall()[0][0]
        corrections.start(conn)
        replaced = corrections.find(conn, first, last, digest) if inserted and needed else {}
        duplicates = corrections.duplicates(conn)
        text_path_file = staged.fast is None
        conn.execute(new_pupils_sql(inserted_only=text_path_file), [digest] if text_path_file else [])
        quarantined = self._quarantine(conn, staged) if inserted - duplicates < staged.rows_in else 0
        outcome = FileOutcome(staged.rows_in, inserted - duplicates, quarantined, replaced)
        if not outcome.balanced:  # a bug, never the data: stop before the ledger records it
            raise RuntimeError(f"{staged.name}: {staged.rows_in} rader in men {outcome.rows_loaded} + {quarantined} ut")
        if staged.fmt.note:
            outcome.messages.append(f"{staged.name}: {staged.fmt.note}")
        if quarantined:
            outcome.messages.append(f"{staged.name}: {quarantined} av {staged.rows_in} rader i karantän")
        return outcome

    def _quarantine(self, conn: duckdb.DuckDBPyConnection, staged: Staged) -> int:
        """Pass 3, only for a file with rejected rows (on the fast path: only duplicate keys)."""
        with text_path.joins_as_written(conn):
            return append_quarantine_sql(conn, FOLDER, text_path.quarantine_sql(staged.checked_sql, staged.name))

    def cleanup(self, conn: duckdb.DuckDBPyConnection, staged: Staged) -> None:
        conn.execute("drop table if exists attendance_keys")
        corrections.drop(conn)
        if staged.fast is not None:
            fast_path.drop(conn, staged.fast.table)
        shutil.rmtree(staged.workdir, ignore_errors=True)


def _refuse_a_number_taken(conn: duckdb.DuckDBPyConnection, digest: str) -> None:
    """raw.attendance knows a file by the first 15 hex digits of its hash (schema.py): a file whose number an
    earlier file has (one chance in ~10^18 a pair of files) is refused rather than mixed with it."""
    taken = conn.execute(
        f"select count(*) from {LEDGER_TABLE} where kind = ? and file_hash <> ?"
        f" and {attendance_number('source_file_number', 'file_hash')} = {FILE_NUMBER_PARAM}",
        [FOLDER, digest, digest],
    ).fetchall()[0][0]
    if taken:
        raise LandingFileError(
            "filens kontrollsumma börjar som en tidigare inläst fils (de 15 första tecknen), så deras rader kan "
            "inte hållas isär: gör en ny export av filen"
        )


def _remove_what_a_killed_load_left(conn: duckdb.DuckDBPyConnection) -> None:
    """A load killed with kill -9 (or the power gone) may leave personnummer in a file's scratch folder and in
    the spill files of the staged rows beside the warehouse: the next load removes them."""
    remove_left_behind(WORKDIR_PREFIX)
    folder = conn.execute("select current_setting('temp_directory')").fetchall()[0][0]
    if folder:  # empty: spilling is off
        remove_dead_spill(Path(folder))


def _file_error(exc: duckdb.Error) -> LandingFileError:
    """A whole-file failure in words; DuckDB's own message may quote a line, so it is never passed on."""
    text = str(exc).lower()
    if "gzip" in text or "compress" in text or "inflate" in text:
        what = "gzip-filen är trasig"
    elif "unicode" in text:
        what = "okänd teckenkodning (varken UTF-8 eller Windows-1252)"
    elif "line size" in text or "maximum line" in text:
        what = "en rad är orimligt lång"
    else:
        what = f"kan inte läsas ({type(exc).__name__})"
    return LandingFileError(what)
