"""Attendance (franvaro/): lesson-level files of ~100 M rows a school year, streamed through DuckDB.

raw.attendance — one row per pupil and scheduled lesson (key: pupil_key, lesson_date, lesson_start):

| column | type | meaning |
|---|---|---|
| pupil_key | varchar | keyed hash (HMAC-SHA256) of the personnummer, as in every raw table |
| pupil_gender | varchar | K / M from the personnummer: the fallback when a pupil has no enrolment row |
| school_unit_code | varchar | 8 digits (skolenhetskod) |
| school_year | varchar | `2023/24`: the läsår (1 July – 30 June) of lesson_date |
| lesson_date | date | datum |
| lesson_start | time | lektion_start (`08:15`) |
| subject | varchar | amne, upper case; null when the file has none |
| scheduled_min | integer | schemalagd_tid_min, > 0 |
| absent_min | integer | franvaro_min, 0 ≤ absent_min ≤ scheduled_min |
| absence_type | varchar | null when absent_min = 0, else `giltig` or `ogiltig` |
| reported | boolean | rapporterad: attendance was registered for the lesson |
| source_file_hash | varchar | SHA-256 of the landing file (raw.loaded_files names it) |
| source_line | bigint | line in that file, as a text editor counts (header included) |

Every row satisfies the contract (docs/contracts.md); rows that do not are in raw.quarantine (kind
`franvaro`). A GX suite must not pull this table into pandas whole (100 M rows): validate aggregates, a
sample, or the rows of the latest files (source_file_hash in raw.loaded_files).

How a file is loaded (AttendanceLoader, driven by folder.sync_folder and the ledger):
- Only files whose content hash is not in the ledger are read: a nightly file adds its own rows, appended
  to raw.attendance, and nothing else is read or rewritten. Appending file by file keeps a file's rows
  together in DuckDB's row groups, so the min/max zone maps of lesson_date partition the table by the
  months the files cover: the correction step below scans only the row groups of the new file's dates.
- The file is never read into Python. DuckDB reads it line by line (one text column, so every physical
  line keeps its line number and a ragged or blank line cannot derail the parser), splits the fields and
  validates them in SQL. Pass 1 groups by personnummer: row counts, date range and the rejected rows with
  their reasons. The keyed hash is computed in Python once per distinct personnummer (~one per pupil) and
  joined back in pass 2, which inserts the valid rows straight into raw.attendance. A third pass runs only
  when needed: to fetch the rows of invalid personnummer or of duplicate keys for the quarantine.
- Corrections: rows of earlier files with the same key as a row of the new file are deleted (counted per
  earlier file for the ledger); a key twice within the file keeps its first line, the rest are quarantined.
- gzip and UTF-8 (with or without BOM) are read by DuckDB directly; cp1252 files are first transcoded to a
  temporary UTF-8 file in 1 MiB blocks (so is a file that turns out not to be UTF-8 after its first MiB).
- DuckDB runs with a memory limit (spilling to its temp directory beyond it) and two threads.
"""

from __future__ import annotations

import codecs
import gzip
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from sources.landing.contract import Kind, guess_kind
from sources.landing.csvfile import LandingFileError, normalise_header, sniff_separator
from sources.landing.ledger import FileOutcome, Ledger, ensure_raw_table
from sources.landing.quarantine import MASK, PNR_LIKE, QUARANTINE_TABLE, ensure_quarantine
from sources.personnummer import pseudonymise_column

FOLDER = "franvaro"
TABLE = "raw.attendance"
# Contract columns in contract order; amne is the only optional one.
COLUMNS = (
    "personnummer",
    "skolenhetskod",
    "datum",
    "lektion_start",
    "amne",
    "schemalagd_tid_min",
    "franvaro_min",
    "franvarotyp",
    "rapporterad",
)
OPTIONAL = ("amne",)
SCHEMA = {
    "pupil_key": "varchar",
    "pupil_gender": "varchar",
    "school_unit_code": "varchar",
    "school_year": "varchar",
    "lesson_date": "date",
    "lesson_start": "time",
    "subject": "varchar",
    "scheduled_min": "integer",
    "absent_min": "integer",
    "absence_type": "varchar",
    "reported": "boolean",
    "source_file_hash": "varchar",
    "source_line": "bigint",
}
KEY = ("pupil_key", "lesson_date", "lesson_start")
SAMPLE_BYTES = 1 << 20
BOM = b"\xef\xbb\xbf"
LINE_DELIMITER = "\x01"  # a byte no export contains: DuckDB then hands over each line whole


@dataclass(frozen=True)
class Limits:
    """DuckDB's resources while loading: well under the machine's memory, one thread per core."""

    memory_limit: str = "1GB"
    threads: int = 2


@dataclass(frozen=True)
class FileFormat:
    gzip: bool
    encoding: str  # "utf-8" or "cp1252"
    separator: str
    header_line: int  # 1-based line of the header row
    positions: dict[str, int]  # contract column → 1-based field position (absent optional columns left out)
    n_fields: int


def sniff(path: Path, other_kinds: list[Kind] = ()) -> FileFormat:
    """Compression, encoding, separator and header from the first MiB. Raises LandingFileError."""
    with path.open("rb") as f:
        is_gzip = f.read(2) == b"\x1f\x8b"
    try:
        with gzip.open(path, "rb") if is_gzip else path.open("rb") as f:
            sample = f.read(SAMPLE_BYTES)
    except (OSError, EOFError) as exc:
        raise LandingFileError(f"{path.name}: gzip-filen är trasig ({type(exc).__name__})") from exc
    complete = len(sample) < SAMPLE_BYTES
    if sample.startswith(BOM):
        encoding, sample = "utf-8", sample[len(BOM) :]
    else:
        try:
            codecs.getincrementaldecoder("utf-8")().decode(sample, final=complete)
            encoding = "utf-8"
        except UnicodeDecodeError:
            encoding = "cp1252"
    lines = sample.decode(encoding, errors="replace").split("\n")
    if not complete:
        lines = lines[:-1]  # the sample may end inside a line
    header_index = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_index is None:
        raise LandingFileError(f"{path.name}: filen är tom")
    header = lines[header_index].rstrip("\r")
    separator = sniff_separator(header)
    names = [normalise_header(h.strip().strip('"')) for h in header.split(separator)]
    if len(set(names)) != len(names):
        raise LandingFileError(f"{path.name}: samma kolumnnamn förekommer flera gånger i rubrikraden")
    missing = [c for c in COLUMNS if c not in names and c not in OPTIONAL]
    if missing:
        elsewhere = guess_kind(set(names), list(other_kinds))
        hint = f"; filen ser ut att höra till mappen {elsewhere.folder}/" if elsewhere else ""
        raise LandingFileError(f"{path.name}: kolumn saknas: {', '.join(missing)}{hint}; filen läses inte in")
    positions = {c: names.index(c) + 1 for c in COLUMNS if c in names}
    return FileFormat(is_gzip, encoding, separator, header_index + 1, positions, len(names))


def transcode_to_utf8(path: Path, is_gzip: bool, folder: Path) -> Path:
    """Stream a cp1252 file into a plain UTF-8 copy, 1 MiB at a time (cp1252 is one byte a character)."""
    target = folder / (path.name + ".utf8.csv")
    decoder = codecs.getincrementaldecoder("cp1252")()
    try:
        with gzip.open(path, "rb") if is_gzip else path.open("rb") as src, target.open("wb") as dst:
            for block in iter(lambda: src.read(1 << 20), b""):
                dst.write(decoder.decode(block).encode("utf-8"))
    except UnicodeDecodeError as exc:
        raise LandingFileError(f"{path.name}: okänd teckenkodning (varken UTF-8 eller Windows-1252)") from exc
    except (OSError, EOFError) as exc:
        raise LandingFileError(f"{path.name}: gzip-filen är trasig ({type(exc).__name__})") from exc
    return target


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def checked_rows_sql(source: Path, compression: str, fmt: FileFormat) -> str:
    """One row per data line: the contract fields, their typed values, and the reasons a row is rejected."""
    sep = fmt.separator
    fields = ",\n".join(
        f"nullif(trim(p[{fmt.positions[c]}], ' \t'), '') as {c}" if c in fmt.positions else f"null::varchar as {c}"
        for c in COLUMNS
    )

    def reason(flag: str, column: str, text: str) -> str:
        return f"case when {flag} then '{text} (värde: ''' || coalesce({column}, '') || ''')' end"

    rules = [  # (flag, column, reason) in contract order; the personnummer is checked in Python
        ("bad_school", "skolenhetskod", "skolenhetskod ska vara 8 siffror"),
        ("bad_date", "datum", "datum ska vara ett datum ÅÅÅÅ-MM-DD"),
        ("bad_start", "lektion_start", "lektionsstart ska skrivas TT:MM, t.ex. 08:15"),
        ("bad_scheduled", "schemalagd_tid_min", "schemalagd tid ska vara ett heltal större än 0 (minuter)"),
        ("bad_absent", "franvaro_min", "frånvaro ska vara ett heltal från 0 till den schemalagda tiden (minuter)"),
        ("bad_type", "franvarotyp", "frånvarotyp ska vara tom utan frånvaro, annars giltig eller ogiltig"),
        ("bad_reported", "rapporterad", "rapporterad ska vara ja eller nej"),
    ]
    first_bad = " ".join(f"when {flag} then '{column}'" for flag, column, _ in rules)
    reasons = ", ".join(reason(flag, column, text) for flag, column, text in rules)
    raw = ", ".join(f"'{MASK}'" if c == "personnummer" else f"coalesce({c}, '')" for c in COLUMNS)
    digits = "'0123456789'"
    return f"""
with lines as (
    select ordinality as line_no, line
    from read_csv({_literal(str(source))}, columns = {{'line': 'VARCHAR'}}, header = false,
                  delim = '{LINE_DELIMITER}', quote = '', escape = '', auto_detect = false,
                  compression = '{compression}') with ordinality
    where ordinality > {fmt.header_line} and trim(coalesce(line, ''), ' \t{sep}"') <> ''
),
split as (
    -- Plain lines split on the separator; a line with quotes goes through a quote-aware pattern.
    select line_no, case
        when contains(line, '"') then list_transform(
            regexp_extract_all(line || '{sep}', '("(?:[^"]|"")*"|[^{sep}"]*){sep}', 1),
            lambda f: case when f[1] = '"' then replace(f[2:-2], '""', '"') else f end)
        else string_split(line, '{sep}')
    end as p
    from lines
),
fields as (
    select line_no, len(p) as n_fields,
{fields}
    from split
),
typed as (
    select *,
        case when length(datum) = 10 then try_strptime(datum, '%Y-%m-%d')::date end as lesson_date,
        case when regexp_full_match(lektion_start, '([01]?[0-9]|2[0-3]):[0-5][0-9]')
             then strptime(lektion_start, '%H:%M')::time end as lesson_start,
        case when ltrim(schemalagd_tid_min, {digits}) = '' then try_cast(schemalagd_tid_min as integer) end
            as scheduled_min,
        case when ltrim(franvaro_min, {digits}) = '' then try_cast(franvaro_min as integer) end as absent_min,
        lower(franvarotyp) as absence_type,
        lower(rapporterad) as reported_text
    from fields
),
flagged as (
    select *,
        n_fields <> {fmt.n_fields} as bad_fields,
        not coalesce(length(skolenhetskod) = 8 and ltrim(skolenhetskod, {digits}) = '', false) as bad_school,
        lesson_date is null as bad_date,
        lesson_start is null as bad_start,
        coalesce(scheduled_min <= 0, true) as bad_scheduled,
        coalesce(absent_min < 0 or (scheduled_min > 0 and absent_min > scheduled_min), true) as bad_absent,
        case when absent_min = 0 then absence_type is not null
             when absent_min > 0 then coalesce(absence_type not in ('giltig', 'ogiltig'), true)
             else coalesce(absence_type not in ('giltig', 'ogiltig'), false) end as bad_type,
        coalesce(reported_text not in ('ja', 'nej'), true) as bad_reported
    from typed
)
select
    line_no, personnummer, skolenhetskod, lesson_date, lesson_start, upper(amne) as subject, scheduled_min,
    absent_min, absence_type, reported_text = 'ja' as reported,
    case when bad_fields then 'rad' {first_bad} end as bad_column,
    case when bad_fields then 'raden har ' || n_fields || ' fält men rubrikraden {fmt.n_fields}'
         else nullif(concat_ws('; ', {reasons}), '') end as reason,
    -- The row as the contract's columns, personnummer masked; a misaligned row shows nothing (its fields
    -- could hold a name from a dropped column).
    case when not bad_fields then regexp_replace(concat_ws('{sep}', {raw}), '{PNR_LIKE}', '{MASK}', 'g') end as raw
from flagged
"""


SCHOOL_YEAR_SQL = (
    "(year(c.lesson_date) - (month(c.lesson_date) < 7)::integer)::varchar || '/' || "
    "lpad(((year(c.lesson_date) - (month(c.lesson_date) < 7)::integer + 1) % 100)::varchar, 2, '0')"
)


@dataclass
class Staged:
    """What pass 1 left in temp tables for one file, for `write`."""

    name: str
    checked_sql: str
    rows_in: int
    first_date: date | None
    last_date: date | None
    workdir: Path


class AttendanceLoader:
    """The FileLoader (see folder.sync_folder) of franvaro/."""

    folder = FOLDER
    table = TABLE

    def __init__(self, key: bytes, other_kinds: list[Kind] = (), limits: Limits = Limits()):
        self._key = key
        self._other_kinds = other_kinds
        self._limits = limits

    def prepare(self, conn: duckdb.DuckDBPyConnection, ledger: Ledger) -> list[str]:
        conn.execute(f"set memory_limit = '{self._limits.memory_limit}'")
        conn.execute(f"set threads = {int(self._limits.threads)}")
        conn.execute("set preserve_insertion_order = false")  # line numbers travel as a column
        conn.execute("set enable_progress_bar = false")
        ensure_quarantine(conn)
        columns = ", ".join(f"null::{t} as {c}" for c, t in SCHEMA.items())
        return ensure_raw_table(conn, TABLE, f"select {columns} limit 0", ledger)

    # Pass 1 -----------------------------------------------------------------------------------------

    def read(self, conn: duckdb.DuckDBPyConnection, path: Path, digest: str) -> Staged:
        fmt = sniff(path, self._other_kinds)
        workdir = Path(tempfile.mkdtemp(prefix="skolanalys-franvaro-"))
        try:
            try:
                return self._profile(conn, path, fmt, workdir)
            except duckdb.Error as exc:
                if fmt.encoding != "utf-8" or "unicode" not in str(exc).lower():
                    raise _file_error(path, exc) from None
            # Valid UTF-8 in the first MiB, not after it: a cp1252 file whose first lines are plain ASCII.
            return self._profile(conn, path, FileFormat(**{**fmt.__dict__, "encoding": "cp1252"}), workdir)
        except BaseException:
            shutil.rmtree(workdir, ignore_errors=True)
            raise

    def _profile(self, conn: duckdb.DuckDBPyConnection, path: Path, fmt: FileFormat, workdir: Path) -> Staged:
        if fmt.encoding == "utf-8":
            source, compression = path, "gzip" if fmt.gzip else "none"
        else:
            source, compression = transcode_to_utf8(path, fmt.gzip, workdir), "none"
        checked = checked_rows_sql(source, compression, fmt)
        try:
            conn.execute(f"""
                create or replace temp table attendance_pupils as
                select personnummer as pnr, count(*) as rows_in,
                       min(lesson_date) filter (where reason is null) as first_date,
                       max(lesson_date) filter (where reason is null) as last_date,
                       list({{'line': line_no, 'column': bad_column,
                              'reason': regexp_replace(reason, '{PNR_LIKE}', '{MASK}', 'g'), 'raw': raw}})
                           filter (where reason is not null) as rejected
                from ({checked}) group by personnummer
            """)
        except duckdb.Error as exc:
            if fmt.encoding == "utf-8" and "unicode" in str(exc).lower():
                raise
            raise _file_error(path, exc) from None
        self._pseudonymise(conn)
        rows_in, first, last = conn.execute(
            "select coalesce(sum(rows_in), 0), min(first_date), max(last_date) from attendance_pupils"
        ).fetchall()[0]
        return Staged(path.name, checked, int(rows_in), first, last, workdir)

    def _pseudonymise(self, conn: duckdb.DuckDBPyConnection) -> None:
        """The keyed hash once per distinct personnummer of the file, joined back in SQL."""
        pnrs = [row[0] for row in conn.execute("select pnr from attendance_pupils").fetchall()]
        distinct = pl.DataFrame({"pnr": pnrs}, schema={"pnr": pl.Utf8})
        keys = pseudonymise_column(
            distinct.with_columns(pl.col("pnr").alias("__pnr")), "__pnr", self._key, reference_year=date.today().year
        )
        conn.register("attendance_keys_frame", keys.to_arrow())
        try:
            conn.execute("create or replace temp table attendance_keys as select * from attendance_keys_frame")
        finally:
            conn.unregister("attendance_keys_frame")

    # Pass 2 and the corrections, inside the file's transaction --------------------------------------

    def write(self, conn: duckdb.DuckDBPyConnection, staged: Staged, digest: str) -> FileOutcome:
        conn.execute("create or replace temp table attendance_duplicates (line bigint, first_line bigint)")
        inserted = conn.execute(
            f"""
            insert into {TABLE}
            select k.pupil_key, k.pupil_gender, c.skolenhetskod, {SCHOOL_YEAR_SQL}, c.lesson_date, c.lesson_start,
                   c.subject, c.scheduled_min, c.absent_min, c.absence_type, c.reported, ?, c.line_no
            from ({staged.checked_sql}) c
            join attendance_keys k on c.personnummer = k.pnr
            where c.reason is null and k.pupil_key is not null
        """,
            [digest],
        ).fetchall()[0][0]
        replaced = self._correct(conn, staged, digest) if inserted else {}
        quarantined = self._quarantine(conn, staged)
        loaded = inserted - conn.execute("select count(*) from attendance_duplicates").fetchall()[0][0]
        outcome = FileOutcome(staged.rows_in, loaded, quarantined, replaced)
        if not outcome.balanced:  # a bug, never the data: stop before the ledger records it
            raise RuntimeError(f"{staged.name}: {staged.rows_in} rader in men {loaded} + {quarantined} ut")
        if quarantined:
            outcome.messages.append(f"{staged.name}: {quarantined} av {staged.rows_in} rader i karantän")
        return outcome

    def _correct(self, conn: duckdb.DuckDBPyConnection, staged: Staged, digest: str) -> dict[str, int]:
        """Keys met more than once among the new file's dates: duplicates within the file (its later lines)
        and rows of earlier files (replaced). Only row groups of the new file's dates are scanned."""
        in_dates = "lesson_date between ? and ?"
        dates = [staged.first_date, staged.last_date]
        conn.execute(
            f"""
            create or replace temp table attendance_clashes as
            select pupil_key, lesson_date, lesson_start,
                   list(source_line order by source_line) filter (where source_file_hash = ?) as new_lines,
                   list(source_file_hash) filter (where source_file_hash <> ?) as earlier_files
            from {TABLE}
            where {in_dates}
            group by all
            having count(*) > 1
        """,
            [digest, digest, *dates],
        )
        conn.execute("""
            create or replace temp table attendance_duplicates as
            select unnest(new_lines[2:]) as line, new_lines[1] as first_line
            from attendance_clashes where len(new_lines) > 1
        """)
        conn.execute(
            f"""
            delete from {TABLE}
            where source_file_hash = ? and {in_dates}
              and source_line in (select line from attendance_duplicates)
        """,
            [digest, *dates],
        )
        replaced = dict(
            conn.execute("""
            select earlier, count(*) from (
                select unnest(earlier_files) as earlier from attendance_clashes where len(new_lines) > 0
            ) group by all
        """).fetchall()
        )
        if replaced:
            conn.execute(
                f"""
                delete from {TABLE} t using attendance_clashes c
                where t.source_file_hash <> ? and t.{in_dates} and len(c.new_lines) > 0
                  and t.pupil_key = c.pupil_key and t.lesson_date = c.lesson_date
                  and t.lesson_start = c.lesson_start
            """,
                [digest, *dates],
            )
        return replaced

    def _quarantine(self, conn: duckdb.DuckDBPyConnection, staged: Staged) -> int:
        file = _literal(staged.name)
        # Rows rejected in pass 1, with the personnummer's own reason first when it is invalid too.
        count = conn.execute(f"""
            insert into {QUARANTINE_TABLE}
            select '{FOLDER}', {file}, r.line,
                   case when k.pnr_error is not null then 'personnummer' else r.column end,
                   concat_ws('; ', 'personnummer: ' || k.pnr_error, r.reason), r.raw, current_timestamp
            from (select pnr, unnest(rejected) as r from attendance_pupils) p
            join attendance_keys k on p.pnr is not distinct from k.pnr
        """).fetchall()[0][0]
        # Rows whose only fault is the personnummer, and later lines of a duplicate key: read again (rare).
        needs_pass_3 = conn.execute("""
            select (select count(*) from attendance_duplicates) + (
                select count(*) from attendance_pupils p join attendance_keys k on p.pnr is not distinct from k.pnr
                where k.pnr_error is not null and p.rows_in > coalesce(len(p.rejected), 0))
        """).fetchall()[0][0]
        if needs_pass_3:
            count += conn.execute(f"""
                insert into {QUARANTINE_TABLE}
                select '{FOLDER}', {file}, c.line_no,
                       case when d.line is not null then 'nyckel' else 'personnummer' end,
                       case when d.line is not null
                            then 'dubblett: samma elev, datum och lektionsstart som rad ' || d.first_line
                            else 'personnummer: ' || k.pnr_error end,
                       c.raw, current_timestamp
                from ({staged.checked_sql}) c
                left join attendance_keys k on c.personnummer is not distinct from k.pnr
                left join attendance_duplicates d on d.line = c.line_no
                where c.reason is null and (k.pnr_error is not null or d.line is not null)
            """).fetchall()[0][0]
        return count

    def cleanup(self, conn: duckdb.DuckDBPyConnection, staged: Staged) -> None:
        for table in ("attendance_pupils", "attendance_keys", "attendance_clashes", "attendance_duplicates"):
            conn.execute(f"drop table if exists {table}")
        shutil.rmtree(staged.workdir, ignore_errors=True)


def _file_error(path: Path, exc: duckdb.Error) -> LandingFileError:
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
    return LandingFileError(f"{path.name}: {what}")
