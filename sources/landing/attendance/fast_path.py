"""The fast path: a clean file staged by one read of DuckDB's CSV parser, on every core.

A monthly export is almost always clean: every line a row of the header's fields, no blank line (quoted or not).
Such a file is read once by DuckDB's CSV parser into a staging table (an in-memory database every cursor of
the loader's connection sees) in the file's order. A gzip file is first unpacked to a plain copy, in memory
when it fits (`unpack_copy`, ISA-L's inflate beside DuckDB's threads), so that the parser runs on every core
instead of the one a gzip stream allows. The fields are read as text and typed by the text path's own
expressions, and every contract rule is the text path's (rules.py), so a file staged here holds exactly the
values the text path would load. The exact-line text path (text_path.py) reads every other file, so its
quarantine keeps exact line numbers and reasons.

A staged row's line is its position (rowid) + the header's line + 1. That is exact only when every physical
line after the header became one row, in order, which is proved for the whole file, not assumed:
- the parser is strict: a line with another number of fields, an invalid byte or an overlong line stops the
  read (→ the text path);
- Python counts the file's physical lines while unpacking it (or reading it, when it is not packed), and the
  rows must be exactly as many: a skipped blank line, or a line read as two, changes the count;
- every line holds the header's number of separators (Python counts them too): the parser reads past separators
  at a line's end (an empty or "" last field too many), which the text path counts as fields;
- line ends of one kind (\\n, or \\r\\n throughout). Quotes are read by the parser as the text path reads them
  (Python's csv, strict): "" for a quote inside a quoted field, a quote inside an unquoted field is text, and text
  after a closing quote or a quote without its end stops the strict read. A quoted field over two lines makes one
  row of two lines, and a separator inside quotes one separator too many: both counts above. A blank or a tab
  beside a quote is read otherwise (the parser drops it, the text path keeps it): such a file takes the text path.
  A file without any quote is read with no quote character at all;
- where the file has blanks or tabs (the text path then trims every field of their line), no subject starts
  or ends with one (the other fields' rules admit none, and a personnummer is read alike either way).
Any row breaking a contract rule, or any invalid personnummer, sends the file to the text path, which
quarantines with the exact reasons.
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import BinaryIO

import duckdb
from isal import isal_zlib  # zlib's interface, inflating ~3× faster (storstad's 5 GB: 21 s → ~8 s)

from skolanalys.meminfo import meminfo
from sources.landing.attendance import rules
from sources.landing.attendance.fileformat import FileFormat
from sources.landing.attendance.schema import COLUMNS, FILE_NUMBER_PARAM, SCHEMA, TABLE, attendance_number
from sources.landing.attendance.text_path import literal
from sources.landing.door import GZIP_MAGIC

# A personnummer as DuckDB's 64-bit hash: one number to compare and join instead of a 13-byte text held apart from
# its row (kavlinge's 34 files: ~0.3 s less CPU in the inserts, ~0.2 s in the run checks). Used only for a
# file whose distinct personnummer it tells apart (`stage` checks them all): every staged one is among them, so
# two rows' hashes are equal exactly when their personnummer are. Two of 4,000 pupils collide once in ~10^12
# files; such a file is compared by the texts.
PUPIL_HASH = "hash({pnr})"
STAGE_DB = "attendance_stage"  # attached in-memory database, seen by every cursor of the connection
BLOCK = 1 << 20
UNPACKED = 1 << 20  # the most an unpacked piece holds (unpack)
NEWLINE = ord("\n")
# The parser's read buffer: a monthly export of a municipality of kavlinge's size (12–26 MB unpacked) fits in one,
# where DuckDB's default holds less. The parser then hands the file over as one batch, so the staged rows, and the
# rows inserted from them, fill whole row groups but the last: the checkpoint has one partly filled row group a file
# to merge instead of several (kavlinge's 34 files: the close 2.2 → 0.7 s, 1.7 → 0.7 GiB peak; docs/benchmarks.md,
# "The close counted"). storstad's ~400 MB months are read in buffers of this size.
READ_BUFFER = 64 << 20


@dataclass
class Scan:
    """What Python sees in the file's (unpacked) bytes, one block at a time."""

    separator: bytes = b";"
    size: int = 0
    newlines: int = 0
    separators: int = 0  # the separator's bytes: DuckDB's parser reads past a separator at a line's end
    returns: int = 0  # \r
    pairs: int = 0  # \r\n
    quotes: bool = False
    blanks: bool = False  # a blank or a tab anywhere
    blank_by_quote: bool = False  # a blank or a tab beside a quote: DuckDB's parser drops it, the text path keeps it
    last: bytes = b""

    def add(self, block: bytes) -> None:
        if not block:
            return
        # NumPy counts ~3× as fast as bytes.count and lets go of the interpreter's lock while it compares, so the
        # run's other steps go on meanwhile (this method: 0.55 → 0.19 s for kavlinge's 650 MB; storstad has 5.5 GB).
        import numpy as np  # here: a run without a new file never pays for NumPy's import (~40 ms)

        view = np.frombuffer(block, np.uint8)
        self.newlines += int(np.count_nonzero(view == NEWLINE))
        self.separators += int(np.count_nonzero(view == self.separator[0]))  # ; or , (sources/landing/door.py)
        if self.last == b"\r" and block[:1] == b"\n":
            self.pairs += 1
        if b"\r" in block:
            self.returns += block.count(b"\r")
            self.pairs += block.count(b"\r\n")
        self.quotes = self.quotes or b'"' in block
        self.blanks = self.blanks or b" " in block or b"\t" in block
        if self.quotes and self.blanks and not self.blank_by_quote:
            straddle = self.last + block[:1]  # a pair may straddle two blocks
            self.blank_by_quote = any(pair in block or pair == straddle for pair in (b' "', b'" ', b'\t"', b'"\t'))
        self.size += len(block)
        self.last = block[-1:]

    @property
    def lines(self) -> int:
        """Physical lines, as a text editor counts them (the last one may lack its line end)."""
        return self.newlines + (1 if self.size and self.last != b"\n" else 0)

    @property
    def plain(self) -> bool:
        """No blank beside a quote, and line ends of one kind: \\n, or \\r\\n throughout."""
        return not self.blank_by_quote and (self.returns == 0 or self.returns == self.pairs == self.newlines)


def unpack(path: Path, target: BinaryIO, separator: str) -> Scan | None:
    """Unpack a gzip file (every member) into `target`, counting as it goes; None when the gzip is broken
    (the text path then says so). It runs beside DuckDB's threads. Each piece is at most UNPACKED bytes: one buffer
    reused by the allocator, instead of a fresh ~12 MiB for every MiB read (the kernel's page faults: storstad's
    5.5 GB unpacked into memory, 2.2 s of system time against 4.0 s)."""
    scan = Scan(separator.encode())
    try:
        with path.open("rb") as src:
            unpacker = isal_zlib.decompressobj(31)
            for block in iter(lambda: src.read(BLOCK), b""):
                while True:
                    out = unpacker.decompress(block, UNPACKED)
                    scan.add(out)
                    target.write(out)
                    if unpacker.eof:  # another member may follow
                        block = unpacker.unused_data
                        if not block:
                            break
                        unpacker = isal_zlib.decompressobj(31)
                    else:  # a full piece: more may be pending even when all the input is taken
                        block = unpacker.unconsumed_tail
                        if not block and len(out) < UNPACKED:
                            break
            if not unpacker.eof:
                return None
    except (OSError, isal_zlib.error):
        return None
    return scan


class _CopyTooLarge(Exception):
    """An in-memory copy grew past its bound: a gzip of several members whose last one, the size its trailer
    gives, is small (bgzip writes such files)."""


class _Bounded:
    """A file that takes at most `limit` bytes."""

    def __init__(self, file: BinaryIO, limit: int):
        self._file, self._left = file, limit

    def write(self, data: bytes) -> None:
        self._left -= len(data)
        if self._left < 0:
            raise _CopyTooLarge
        self._file.write(data)


def unpack_copy(
    scratch: contextlib.ExitStack, path: Path, workdir: Path, separator: str, in_memory_max: int
) -> tuple[Path, Scan | None]:
    """Unpack a gzip file (`unpack`) to a copy that lives as long as `scratch`: the path DuckDB reads, and the scan
    (None: a broken gzip). In memory (a Linux memfd, read by DuckDB through /proc/self/fd) when it fits under
    `in_memory_max` and half the memory available: no file system's bookkeeping (a 670 MB month unpacked and staged
    alone: ~2 s less CPU; docs/benchmarks.md, "Nineteenth session"), and nothing on a disk if the process is killed.
    Otherwise in the scratch folder."""
    budget = min(in_memory_max, meminfo("MemAvailable") // 2)
    if hasattr(os, "memfd_create") and unpacked_size(path) <= budget:
        fd = os.memfd_create("skolanalys-franvaro", os.MFD_CLOEXEC)
        try:
            with open(fd, "wb", buffering=0, closefd=False) as file:
                scan = unpack(path, _Bounded(file, budget), separator)
        except _CopyTooLarge:
            os.close(fd)
        except BaseException:
            os.close(fd)
            raise
        else:
            scratch.callback(os.close, fd)
            return Path(f"/proc/self/fd/{fd}"), scan
    target = workdir / "plain.csv"
    scratch.callback(target.unlink, missing_ok=True)
    with target.open("wb") as file:
        return target, unpack(path, file, separator)


def unpacked_size(path: Path) -> int:
    """The bytes the parser reads: a gzip file's own, from its last four bytes (its last member's size, mod 4 GiB:
    enough to tell one municipality's month from another's), any other file's its size."""
    try:
        with path.open("rb") as file:
            if file.read(2) != GZIP_MAGIC:
                return path.stat().st_size
            file.seek(-4, os.SEEK_END)
            return int.from_bytes(file.read(4), "little")
    except OSError:
        return sys.maxsize  # the read says what is wrong


def scan_plain(path: Path, separator: str) -> Scan:
    scan = Scan(separator.encode())
    with path.open("rb") as src:
        for block in iter(lambda: src.read(BLOCK), b""):
            scan.add(block)
    return scan


@dataclass
class FastStage:
    table: str  # the staged rows in the file's order: pnr, typed columns
    rows: int
    first_date: date | None
    last_date: date | None
    pnrs: list[str] = field(repr=False)  # the distinct personnummer: held in memory, never written
    hashed: bool = False  # PUPIL_HASH tells the file's personnummer apart: rows are matched by it (`pupil`)

    def __post_init__(self) -> None:
        self.distinct_pnrs = len(self.pnrs)

    def pupil(self, alias: str = "") -> str:
        """SQL of a staged row's personnummer for comparing and joining: its hash where that is exact."""
        pnr = f"{alias}.pnr" if alias else "pnr"
        return PUPIL_HASH.format(pnr=pnr) if self.hashed else pnr


def _fields_sql(source: Path, compression: str, fmt: FileFormat, quoted: bool) -> str:
    """The contract's fields of every line, as text, by DuckDB's strict parser."""
    names = [f"c{i}" for i in range(1, fmt.n_fields + 1)]
    spec = ", ".join(f"'{n}': 'VARCHAR'" for n in names)
    fields = ", ".join(
        f"{names[fmt.positions[c] - 1]} as {c}" if c in fmt.positions else f"null::varchar as {c}" for c in COLUMNS
    )
    quote = literal('"') if quoted else "''"  # a file without quotes is read without a quote character, as before
    return f"""
        select {fields}
        from read_csv({literal(str(source))}, columns = {{{spec}}}, header = true,
                      delim = {literal(fmt.separator)}, quote = {quote}, escape = {quote}, auto_detect = false,
                      null_padding = false, strict_mode = true, compression = '{compression}',
                      buffer_size = {READ_BUFFER})
    """


def _stage_sql(source: Path, compression: str, fmt: FileFormat, table: str, quoted: bool) -> str:
    """Only the rows that break no rule and name a pupil are kept: a file with any other has fewer rows staged than
    lines (`stage` sends it to the text path), without a flag stored and counted on every row."""
    return f"""
        create or replace table {STAGE_DB}.{table} as
        select personnummer as pnr, {attendance_number("school_unit_number", "skolenhetskod")} as school,
               lesson_date, lesson_start, {rules.SUBJECT} as subject, scheduled_min, absent_min,
               try_cast(absence_type as {SCHEMA["absence_type"]}) as absence_type, {rules.REPORTED} as reported
        from (
            select *,
                {rules.typed_sql()}
            from ({_fields_sql(source, compression, fmt, quoted)})
        )
        where personnummer is not null and not {rules.broken_sql()}
    """


def personnummer(conn: duckdb.DuckDBPyConnection, path: Path, fmt: FileFormat) -> list[str]:
    """The distinct personnummer of a UTF-8 file as it lies (packed or not), by a light read of its own: the fields
    are split, one is kept; quotes are read as quotes."""
    query = f"select list(distinct personnummer) from ({_fields_sql(path, 'gzip' if fmt.gzip else 'none', fmt, True)})"
    return conn.execute(query).fetchall()[0][0] or []


def stage(
    conn: duckdb.DuckDBPyConnection, source: Path, compression: str, fmt: FileFormat, scan: Scan, table: str
) -> FastStage | None:
    """Read the file once into `table` (in STAGE_DB) and prove its line numbers; None (nothing left behind)
    when the file must take the text path. The rows are staged in the file's order (preserve_insertion_order),
    so a row's rowid is its position: its line is rowid + the header's line + 1."""
    if not scan.plain:
        return None
    try:
        conn.execute(_stage_sql(source, compression, fmt, table, scan.quotes))
    except duckdb.Error:
        drop(conn, table)
        return None
    subjects = "list(distinct subject)" if scan.blanks else "[]::varchar[]"
    hashes = PUPIL_HASH.format(pnr="p")
    rows, first, last, pnrs, written, distinct_hashes = conn.execute(f"""
        select *, len(list_distinct(list_transform(pnrs, lambda p: {hashes})))
        from (
            select count(*), min(lesson_date), max(lesson_date), list(distinct pnr) as pnrs, {subjects}
            from {STAGE_DB}.{table}
        )
    """).fetchall()[0]
    # Every line after the header is one row, none breaking a rule or without a personnummer (only those are staged;
    # the parser never makes more rows than lines, so one left out cannot be made up for).
    exact = rows == scan.lines - fmt.header_line
    # ... of the header's fields and no more: DuckDB reads past separators at a line's end, which the text path
    # counts as fields (and a separator inside quotes sends the file there too).
    exact = exact and scan.separators == (fmt.n_fields - 1) * scan.lines
    # Where the text path trims (a line with blanks), a subject must read the same trimmed.
    trimmed = all(s == s.strip(" \t") for s in written if s is not None)
    if not exact or not trimmed:
        drop(conn, table)
        return None
    pnrs = pnrs or []  # list() over no rows is NULL
    return FastStage(table, rows, first, last, pnrs, hashed=distinct_hashes == len(pnrs))


def keys_may_repeat(conn: duckdb.DuckDBPyConnection, staged: FastStage | None) -> bool:
    """Whether two staged rows share (personnummer, date, start). Not if each pupil's rows are one run in the
    file, in increasing date and start (how the school systems write them): one pass with lag over the
    staged order, whatever that order is, proves it. Otherwise the keys are counted."""
    if staged is None:
        return True
    table = f"{STAGE_DB}.{staged.table}"
    runs, unordered = conn.execute(f"""
        select count(*) filter (where pupil is distinct from before_pupil),
               count(*) filter (where pupil = before_pupil and not (lesson_date > before_date
                                    or (lesson_date = before_date and lesson_start > before_start)))
        from (
            select pupil, lesson_date, lesson_start, lag(pupil) over () as before_pupil,
                   lag(lesson_date) over () as before_date, lag(lesson_start) over () as before_start
            from (select {staged.pupil()} as pupil, lesson_date, lesson_start from {table})
        )
    """).fetchall()[0]
    if runs == staged.distinct_pnrs and unordered == 0:
        return False
    keys = conn.execute(f"select count(distinct hash(pnr, lesson_date, lesson_start)) from {table}")
    return keys.fetchall()[0][0] < staged.rows


def insert_sql(staged: FastStage, header_line: int) -> str:
    """The staged rows with their keys (`attendance_keys`: the file's distinct personnummer), as raw.attendance's
    columns; one parameter: the file's hash."""
    return f"""
        insert into {TABLE}
        select k.pupil_number, c.school, c.lesson_date, c.lesson_start, c.subject,
               c.scheduled_min, c.absent_min, c.absence_type, c.reported,
               {FILE_NUMBER_PARAM}, c.rowid + {header_line + 1}
        from {STAGE_DB}.{staged.table} c
        join attendance_keys k on {staged.pupil("c")} = {staged.pupil("k")}
        where k.pupil_key is not null
    """


def attach(conn: duckdb.DuckDBPyConnection) -> None:
    attached = conn.execute("select count(*) from duckdb_databases() where database_name = ?", [STAGE_DB])
    if not attached.fetchall()[0][0]:
        conn.execute(f"attach ':memory:' as {STAGE_DB}")


def drop(conn: duckdb.DuckDBPyConnection, table: str) -> None:
    conn.execute(f"drop table if exists {STAGE_DB}.{table}")
