"""The fast path of the attendance loader: one typed read of a clean file by DuckDB's own CSV parser.

A monthly export is almost always clean: every line a row of the header's fields, written in the contract's
canonical forms (`2024-09-02`, `08:15`, `60`). Such a file is read once, by DuckDB's typed CSV parser,
into a staging table (an in-memory database shared by the loader's connections) in the file's order; a
gzip file is first unpacked to a temporary plain file (`inflate`), so that the parser runs on every core
instead of the one a gzip stream allows. The keyed hash is computed from the distinct personnummer of the
staged rows, and `write` inserts the staged rows joined with their keys. The exact-line text path
(sources/landing/attendance.py) reads every other file, so its quarantine keeps exact line numbers and
reasons.

A row's line number is its position (rowid) in the staged table plus the header's line + 1, exact only
when the parser neither skipped a line (blank lines are skipped silently) nor rejected one. Both are
proved for the whole file, not assumed:
- rejected lines (wrong number of fields, a value that is not a date, time or integer, a line too long)
  are counted in DuckDB's rejects table: any → the text path;
- skipped lines, and every value not written in its canonical form (`2024-9-2`, `8:15`, `+60`, `060`,
  ` 60`, `08:15:00`, which the typed parser would accept), are caught by counting bytes: the sum over
  rows of the canonical length of each field, the separators and the line end, plus the header line,
  must equal the file's unpacked size (for gzip the size its trailer records). A blank line, a field
  written otherwise, a quote, a stray carriage return all change the sum → the text path.
Any row breaking a contract rule (checked in SQL on the typed columns, the same rules as the text path's),
a subject the text path would read otherwise (quoted, blanks around it), or any invalid personnummer sends
the file to the text path too, which quarantines with exact reasons. (Other fields cannot differ: a blank or
a quote in a typed field changes the byte count, and the other text fields' rules admit neither.)
"""

from __future__ import annotations

import os
import re
import struct
import zlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from sources.personnummer import contains_personnummer

SCHOOL_UNIT = re.compile(r"[0-9]{8}")
HUNDREDS = tuple(range(100, 1000, 100))  # what `1e2` … `9e2` read as
STAGE_DB = "attendance_stage"  # attached in-memory database, seen by every cursor of the connection
TYPES = {  # contract column → DuckDB type of the fast read (others are read as text, only measured)
    "personnummer": "VARCHAR",
    "skolenhetskod": "VARCHAR",
    "datum": "DATE",
    "lektion_start": "TIME",
    "amne": "VARCHAR",
    "schemalagd_tid_min": "INTEGER",
    "franvaro_min": "INTEGER",
    "franvarotyp": "VARCHAR",
    "rapporterad": "VARCHAR",
}


@dataclass(frozen=True)
class Layout:
    """The file's bytes as the fast path needs them: the header line's length and the unpacked size."""

    header_bytes: int  # the first line with its line end (and a BOM, if any)
    eol: int  # 1 for \n, 2 for \r\n (the header's)
    total: int  # unpacked size; for gzip modulo 2**32 (the trailer's ISIZE)
    modulo: int | None  # 2**32 for gzip


def layout(path: Path, is_gzip: bool, first_bytes: bytes) -> Layout | None:
    """None when the first line cannot be measured (no line end in the first bytes)."""
    end = first_bytes.find(b"\n")
    if end < 0:
        return None
    eol = 2 if end > 0 and first_bytes[end - 1 : end] == b"\r" else 1
    if is_gzip:
        with path.open("rb") as f:
            f.seek(-4, os.SEEK_END)
            total = struct.unpack("<I", f.read(4))[0]
        return Layout(end + 1, eol, total, 1 << 32)
    return Layout(end + 1, eol, path.stat().st_size, None)


@dataclass
class FastStage:
    table: str  # the staged rows in the file's order: pnr, typed columns
    rows: int
    first_date: date | None
    last_date: date | None


def _subject_as_text_path_reads_it(subject: str) -> bool:
    """The one free text kept: stored as the text path would (no quotes to remove, no blanks to trim), and
    no personnummer in it."""
    return '"' not in subject and subject == subject.strip(" \t") and not contains_personnummer(subject)


def _int_len(column: str) -> str:
    return (
        f"case when {column} between 0 and 9 then 1 when {column} between 10 and 99 then 2 "
        f"when {column} between 100 and 999 then 3 else length({column}::varchar) end"
    )


def _text_len(column: str) -> str:
    return f"coalesce(strlen({column}), 0)"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def stage(
    conn: duckdb.DuckDBPyConnection,
    source: Path,
    compression: str,
    separator: str,
    n_fields: int,
    positions: dict[str, int],
    lay: Layout,
    table: str,
) -> FastStage | None:
    """Read the file once into `table` (in STAGE_DB) and prove its line numbers and canonical forms; None
    (nothing left behind) when the file must take the text path. The rows are staged in the file's order
    (preserve_insertion_order), so a row's rowid is its position: its line is rowid + the header's line + 1."""
    names = [f"c{i}" for i in range(1, n_fields + 1)]
    by_position = {p: c for c, p in positions.items()}
    columns = {names[i - 1]: TYPES.get(by_position.get(i, ""), "VARCHAR") for i in range(1, n_fields + 1)}
    col = {c: names[p - 1] for c, p in positions.items()}

    def field(c: str) -> str:
        return col.get(c, "null::varchar")

    lengths = []
    for i, name in enumerate(names, start=1):
        kind = by_position.get(i)
        if kind == "datum":
            lengths.append(f"10 * ({name} is not null)::int")
        elif kind == "lektion_start":
            lengths.append(f"5 * ({name} is not null)::int")
        elif kind in ("schemalagd_tid_min", "franvaro_min"):
            lengths.append(f"coalesce({_int_len(name)}, 0)")
        else:
            lengths.append(_text_len(name))
    row_bytes = " + ".join(lengths) + f" + {n_fields - 1 + lay.eol}"
    rejects, scans = f"{table}_rejects", f"{table}_scans"
    spec = ", ".join(f"'{n}': '{t}'" for n, t in columns.items())
    try:
        conn.execute(f"""
            create or replace table {STAGE_DB}.{table} as
            select {field("personnummer")} as pnr,
                   {field("skolenhetskod")} as school, {field("datum")} as lesson_date,
                   {field("lektion_start")} as lesson_start, upper({field("amne")}) as subject,
                   {field("schemalagd_tid_min")} as scheduled_min, {field("franvaro_min")} as absent_min,
                   lower({field("franvarotyp")}) as absence_type,
                   case lower({field("rapporterad")}) when 'ja' then true when 'nej' then false end as reported,
                   ({row_bytes})::bigint as row_bytes
            from read_csv({_literal(str(source))}, columns = {{{spec}}}, header = true,
                          delim = {_literal(separator)}, quote = '', escape = '', auto_detect = false,
                          null_padding = false, dateformat = '%Y-%m-%d', compression = '{compression}',
                          store_rejects = true, rejects_table = '{rejects}', rejects_scan = '{scans}')
        """)
        rejected = conn.execute(f"select count(*) from {rejects}").fetchall()[0][0]
    except duckdb.Error:
        drop(conn, table)
        return None
    finally:
        for t in (rejects, scans):
            conn.execute(f"drop table if exists {t}")
    if rejected:
        drop(conn, table)
        return None
    # The contract's rules as whole-file summaries (cheap aggregates, and the few distinct texts checked in
    # Python): the same rules as the text path's, without a regular expression per row.
    (
        rows,
        total_bytes,
        first,
        last,
        n_pnr,
        n_date,
        n_start,
        before_midnight,
        least_scheduled,
        n_scheduled,
        n_absent,
        over,
        inconsistent,
        n_reported,
        types,
        schools,
        subjects,
        hundreds,
    ) = conn.execute(f"""
        select count(*), coalesce(sum(row_bytes), 0), min(lesson_date), max(lesson_date),
               count(pnr), count(lesson_date), count(lesson_start), coalesce(max(lesson_start) < time '24:00', true),
               min(scheduled_min), count(scheduled_min), count(absent_min),
               count(*) filter (where absent_min > scheduled_min or absent_min < 0),
               -- a type without absence, or absence without a type
               count(*) filter (where (absent_min = 0) = (absence_type is not null)),
               count(reported), list(distinct absence_type), list(distinct school), list(distinct subject),
               count(*) filter (where scheduled_min in {HUNDREDS} or absent_min in {HUNDREDS})
        from {STAGE_DB}.{table}
    """).fetchall()[0]
    complete = rows == n_pnr == n_date == n_start == n_scheduled == n_absent == n_reported
    good = (
        complete
        and before_midnight
        and (not rows or least_scheduled > 0)
        and over == 0
        and inconsistent == 0
        and set(types) <= {"giltig", "ogiltig", None}
        and all(code is not None and SCHOOL_UNIT.fullmatch(code) for code in schools)
        and all(subject is None or _subject_as_text_path_reads_it(subject) for subject in subjects)
    )
    if good and hundreds:
        # The typed parser reads `1e2` as 100, as many bytes as `100`: the only non-canonical integer the byte
        # count cannot see. Where such values occur, the two columns are read again as text to look.
        minutes = [col[c] for c in ("schemalagd_tid_min", "franvaro_min")]
        as_text = ", ".join(f"'{n}': 'VARCHAR'" for n in names)
        written = conn.execute(f"""
            select count(*) from read_csv({_literal(str(source))}, columns = {{{as_text}}}, header = true,
                                          delim = {_literal(separator)}, quote = '', escape = '',
                                          auto_detect = false, compression = '{compression}')
            where {" or ".join(f"{m} similar to '.*[eE].*'" for m in minutes)}
        """).fetchall()[0][0]
        good = written == 0
    expected = lay.header_bytes + total_bytes
    sizes = {expected, expected - lay.eol}  # the last line may lack its line end
    if lay.modulo:
        sizes = {s % lay.modulo for s in sizes}
    if not good or lay.total not in sizes:
        drop(conn, table)
        return None
    return FastStage(table, rows, first, last)


def distinct_pnr(conn: duckdb.DuckDBPyConnection, table: str) -> list[str | None]:
    return [r[0] for r in conn.execute(f"select distinct pnr from {STAGE_DB}.{table}").fetchall()]


def inflate(path: Path, target: Path) -> int | None:
    """Unpack a gzip file (every member) into `target`, 1 MiB at a time; its size, or None when the gzip is
    broken (the text path then says so). zlib releases the GIL: this runs beside DuckDB's threads, and
    DuckDB then parses the plain file on every core instead of one."""
    size = 0
    try:
        with path.open("rb") as src, target.open("wb") as dst:
            unpack = zlib.decompressobj(31)
            for block in iter(lambda: src.read(1 << 20), b""):
                while block:
                    out = unpack.decompress(block)
                    size += len(out)
                    dst.write(out)
                    block = b""
                    if unpack.eof:  # another member may follow
                        block = unpack.unused_data
                        unpack = zlib.decompressobj(31) if block else unpack
            if not unpack.eof:
                return None
    except (OSError, zlib.error):
        return None
    return size


def insert_sql(table: str, school_year: str, target: str, header_line: int) -> str:
    """The staged rows with their keys (`attendance_keys`), as raw.attendance's columns; one parameter:
    the file's hash."""
    return f"""
        insert into {target}
        select k.pupil_key, k.pupil_gender, c.school, {school_year}, c.lesson_date, c.lesson_start, c.subject,
               c.scheduled_min, c.absent_min, c.absence_type, c.reported, ?, c.rowid + {header_line + 1}
        from {STAGE_DB}.{table} c
        join attendance_keys k on c.pnr = k.pnr
        where k.pupil_key is not null
    """


def attach(conn: duckdb.DuckDBPyConnection) -> None:
    attached = conn.execute("select count(*) from duckdb_databases() where database_name = ?", [STAGE_DB])
    if not attached.fetchall()[0][0]:
        conn.execute(f"attach ':memory:' as {STAGE_DB}")


def drop(conn: duckdb.DuckDBPyConnection, table: str) -> None:
    conn.execute(f"drop table if exists {STAGE_DB}.{table}")
