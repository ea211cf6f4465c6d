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
`franvaro`) with file, line, first failing column, every reason and the row (personnummer masked). A GX
suite must not pull this table into pandas whole (100 M rows): validate aggregates computed in DuckDB, a
sample, or the rows of the latest files (source_file_hash in raw.loaded_files).

How a file is loaded (AttendanceLoader, driven by folder.sync_folder and the ledger raw.loaded_files):
- Partitioning: only files whose content hash is not in the ledger are read, and each appends its own rows
  to raw.attendance in one transaction; nothing else is read or rewritten. Appending file by file keeps a
  file's rows together in DuckDB's row groups, so the min/max zone maps of lesson_date partition the table
  by the months the files cover (one file a month from the school systems): the correction step below
  scans only the row groups of the new file's dates, not the school year.
- The file is never read into Python. Two paths, chosen per file:
  - Fast path (attendance_fast.py), for a clean UTF-8 file: a gzip file is unpacked to a temporary plain
    file (zlib, beside DuckDB's threads), which DuckDB's typed CSV parser reads once, on both cores, into a
    staging table in memory in the file's order: a row's line is its position + the header's line. The
    numbering and the canonical forms are proved for the whole file — no line rejected by the parser, and
    the bytes of the rows' canonical fields, separators and line ends add up to the file's unpacked size
    (a skipped blank line, `8:15`, `060`, a quote would not) — and every contract rule is checked in SQL
    on the typed columns. The keyed hash is computed in Python once per distinct personnummer of the staged
    rows; `write` inserts the staged rows joined with their keys. Staging runs in `read`, on sync_folder's
    second connection, while the previous file is written.
  - Text path, for every other file (a rejected line, a blank line, a rule broken, an invalid
    personnummer, cp1252, a header not on line 1): DuckDB reads each line as one text value (so every
    physical line keeps its number and a ragged, blank or half-quoted line cannot derail it), splits the
    fields and validates them in SQL. Pass 1 reads two fields: rows and date range per distinct
    personnummer, whose keys are computed once each in Python and joined back in pass 2, which validates
    every row and inserts the valid ones. Pass 3 runs only for a file with rejected rows (contract,
    personnummer or duplicate key), to write the quarantine with exact lines and reasons; on the fast path
    it runs only for duplicate keys.
- Corrections: rows of earlier files with the same key as a row of the new file are deleted (counted per
  earlier file for the ledger); a key twice within the file keeps its first line, the rest are quarantined.
- gzip and UTF-8 (with or without BOM) are read by DuckDB directly; cp1252 files are first transcoded to a
  temporary UTF-8 file in 1 MiB blocks (so is a file that turns out not to be UTF-8 after its first MiB).
  A file without a required column is not loaded at all (a warning every run until it is replaced).
- DuckDB runs with a memory limit (spilling to its temp directory beyond it) and two threads; a staged file
  takes ~100 bytes a row (docs/benchmarks.md gives the peak RSS).
"""

from __future__ import annotations

import codecs
import gzip
import shutil
import tempfile
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from sources.landing import attendance_fast as fast
from sources.landing.door import (
    BOM,
    HeaderSignature,
    LandingFileError,
    Signature,
    belongs_elsewhere,
    peek,
    read_sample,
    wrong_folder_reason,
)
from sources.landing.kinds import MAX_BYTES
from sources.landing.ledger import FileOutcome, Ledger, ensure_raw_table
from sources.landing.quarantine import MASK, append_quarantine_sql, ensure_quarantine
from sources.personnummer import contains_personnummer_sql, pseudonymise_column

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
assert set(fast.TYPES) == set(COLUMNS), "the fast path reads the contract's columns (attendance_fast.TYPES)"
SIGNATURE = HeaderSignature(FOLDER, tuple(c for c in COLUMNS if c not in OPTIONAL))
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
KEY = ("pupil_key", "lesson_date", "lesson_start")  # a later file's row replaces an earlier one's
SAMPLE_BYTES = 1 << 20
LINE_DELIMITER = "\x01"  # a byte no export contains: DuckDB then hands over each line whole


@dataclass(frozen=True)
class Limits:
    """DuckDB's resources while loading: well under the machine's memory, one thread per core."""

    memory_limit: str = "2GB"  # a staged file (attendance_fast.py) is held in memory: ~100 bytes a row
    threads: int = 2


@dataclass(frozen=True)
class FileFormat:
    gzip: bool
    encoding: str  # "utf-8" or "cp1252"
    separator: str
    header_line: int  # 1-based line of the header row
    positions: dict[str, int]  # contract column → 1-based field position (absent optional columns left out)
    n_fields: int


def sniff(path: Path, other_kinds: list[Signature] = ()) -> FileFormat:
    """Compression, encoding, separator and header from the first MiB. Raises LandingFileError (reason only)
    for what cannot be an attendance file: not a CSV, UTF-16, tab-separated, another kind's file."""
    first = peek(path, SAMPLE_BYTES)
    names = first.header
    elsewhere = belongs_elsewhere(set(names), SIGNATURE, list(other_kinds))
    if elsewhere:
        raise LandingFileError(wrong_folder_reason(elsewhere))
    missing = [c for c in SIGNATURE.required if c not in names]
    if missing:
        raise LandingFileError(f"kolumn saknas: {', '.join(missing)}; filen läses inte in")
    positions = {c: names.index(c) + 1 for c in COLUMNS if c in names}
    return FileFormat(first.gzip, first.encoding, first.separator, first.header_index + 1, positions, len(names))


def transcode_to_utf8(path: Path, is_gzip: bool, folder: Path) -> Path:
    """Stream a cp1252 file into a plain UTF-8 copy, 1 MiB at a time (cp1252 is one byte a character). A
    UTF-8 BOM in front of cp1252 bytes is dropped. The copy's name never repeats the file's."""
    target = folder / "utf8.csv"
    decoder = codecs.getincrementaldecoder("cp1252")()
    try:
        with gzip.open(path, "rb") if is_gzip else path.open("rb") as src, target.open("wb") as dst:
            dst.write(decoder.decode(src.read(len(BOM)).removeprefix(BOM)).encode("utf-8"))
            for block in iter(lambda: src.read(1 << 20), b""):
                dst.write(decoder.decode(block).encode("utf-8"))
    except UnicodeDecodeError as exc:
        raise LandingFileError("okänd teckenkodning (varken UTF-8 eller Windows-1252)") from exc
    except (OSError, EOFError) as exc:
        raise LandingFileError(f"gzip-filen är trasig ({type(exc).__name__})") from exc
    return target


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def lines_sql(source: Path, compression: str, fmt: FileFormat) -> str:
    """(line_no, line) per data line. DuckDB reads each line as one text value, so its line number is exact
    and a ragged, blank or half-quoted line cannot derail the parser."""
    sep = fmt.separator
    return f"""
    select ordinality as line_no, line
    from read_csv({_literal(str(source))}, columns = {{'line': 'VARCHAR'}}, header = false,
                  delim = '{LINE_DELIMITER}', quote = '', escape = '', auto_detect = false,
                  compression = '{compression}') with ordinality
    -- Blank lines, and lines of only separators (Excel's empty rows), are not data rows.
    where ordinality > {fmt.header_line} and line is not null
      and (not (prefix(line, '{sep}') or prefix(line, ' ') or prefix(line, '"') or prefix(line, '\t'))
           or not regexp_full_match(line, '[ \t{sep}"]*'))
"""


def _needs_care(line: str = "line") -> str:
    return f"(contains({line}, '\"') or contains({line}, ' ') or contains({line}, '\t'))"


def _fields_list(sep: str) -> str:
    """The fields of `line`: plain lines split on the separator; a line with quotes goes through a
    quote-aware pattern, and only a line with blanks pays for trimming its fields."""
    return f"""case
        when contains(line, '"') then list_transform(
            regexp_extract_all(line || '{sep}', '("(?:[^"]|"")*"|[^{sep}"]*){sep}', 1),
            lambda f: trim(case when f[1] = '"' then replace(f[2:-2], '""', '"') else f end))
        when {_needs_care()} then list_transform(string_split(line, '{sep}'), lambda f: trim(f, ' \t'))
        else string_split(line, '{sep}')
    end"""


def _light_field(fmt: FileFormat, column: str) -> str:
    """One field without splitting the whole line (pass 1), the careful way only where needed."""
    position, sep = fmt.positions[column], fmt.separator
    return (
        f"nullif(case when {_needs_care()} then ({_fields_list(sep)})[{position}] "
        f"else split_part(line, '{sep}', {position}) end, '')"
    )


def _field(fmt: FileFormat, column: str) -> str:
    return f"nullif(p[{fmt.positions[column]}], '')" if column in fmt.positions else "null::varchar"


def checked_rows_sql(source: Path, compression: str, fmt: FileFormat) -> str:
    """Every data line: the contract fields as text, their typed values, and why a row is rejected (null
    reason: the row satisfies the contract, apart from the personnummer, which is checked in Python).

    Written for speed on 100 M lines: LIKE / GLOB and casts rather than regular expressions, trimming only
    where a line has blanks, and the reason text built only for the rare rejected row.
    """

    def reason(flag: str, column: str, text: str | None) -> str:
        if text is None:  # never repeat what may be a personnummer
            return f"case when {flag} then '{PNR_IN_COLUMN.format(column=column)}' end"
        return f"case when {flag} then '{text} (värde: ''' || coalesce({column}, '') || ''')' end"

    rules = [  # (flag, column, reason) in contract order, a personnummer in the free text first
        ("bad_amne", "amne", None),
        ("bad_school", "skolenhetskod", "skolenhetskod ska vara 8 siffror"),
        ("bad_date", "datum", "datum ska vara ett datum ÅÅÅÅ-MM-DD"),
        ("bad_start", "lektion_start", "lektionsstart ska skrivas TT:MM, t.ex. 08:15"),
        ("bad_scheduled", "schemalagd_tid_min", "schemalagd tid ska vara ett heltal större än 0 (minuter)"),
        ("bad_absent", "franvaro_min", "frånvaro ska vara ett heltal från 0 till den schemalagda tiden (minuter)"),
        ("bad_type", "franvarotyp", "frånvarotyp ska vara tom utan frånvaro, annars giltig eller ogiltig"),
        ("bad_reported", "rapporterad", "rapporterad ska vara ja eller nej"),
    ]
    fields = ",\n        ".join(f"{_field(fmt, c)} as {c}" for c in COLUMNS)
    any_bad = " or ".join(flag for flag, _, _ in rules)
    first_bad = " ".join(f"when {flag} then '{column}'" for flag, column, _ in rules)
    reasons = ", ".join(reason(flag, column, text) for flag, column, text in rules)
    return f"""
with lines as ({lines_sql(source, compression, fmt)}),
split as (
    select line_no, {_fields_list(fmt.separator)} as p
    from lines
),
fields as (
    select line_no, len(p) as n_fields,
        {fields}
    from split
),
typed as (
    select *,
        -- LIKE and GLOB pin the form, the cast the value ('2024-02-30', '08:61' fail): 2-3x cheaper than
        -- regular expressions on 100 M rows. DuckDB reads '24:00' as a time; the contract does not.
        case when datum like '____-__-__' then try_cast(datum as date) end as lesson_date,
        case when (lektion_start like '__:__' and lektion_start < '24') or lektion_start like '_:__'
             then try_cast(lektion_start as time) end as lesson_start,
        case when schemalagd_tid_min not glob '*[!0-9]*' and length(schemalagd_tid_min) <= 6
             then schemalagd_tid_min::integer end as scheduled_min,
        case when franvaro_min not glob '*[!0-9]*' and length(franvaro_min) <= 6
             then franvaro_min::integer end as absent_min,
        lower(franvarotyp) as absence_type,
        lower(rapporterad) as reported_text
    from fields
),
flagged as (
    select *,
        n_fields <> {fmt.n_fields} as bad_fields,
        -- Subject codes are short: the pattern runs only on values long enough to hold a personnummer.
        coalesce(length(amne) >= 10 and {contains_personnummer_sql("amne")}, false) as bad_amne,
        not coalesce(regexp_full_match(skolenhetskod, '[0-9]{{8}}'), false) as bad_school,
        lesson_date is null as bad_date,
        lesson_start is null as bad_start,
        coalesce(scheduled_min <= 0, true) as bad_scheduled,
        coalesce(absent_min > scheduled_min, absent_min is null) as bad_absent,
        case when absent_min = 0 then absence_type is not null
             when absent_min > 0 then coalesce(absence_type not in ('giltig', 'ogiltig'), true)
             else coalesce(absence_type not in ('giltig', 'ogiltig'), false) end as bad_type,
        coalesce(reported_text not in ('ja', 'nej'), true) as bad_reported
    from typed
)
select
    line_no, {", ".join(COLUMNS)},
    lesson_date, lesson_start, upper(amne) as subject, scheduled_min, absent_min, absence_type,
    reported_text = 'ja' as reported, bad_fields,
    case when bad_fields then 'rad' {first_bad} end as bad_column,
    case when bad_fields then 'raden har ' || n_fields || ' fält men rubrikraden {fmt.n_fields}'
         when {any_bad} then concat_ws('; ', {reasons}) end as reason
from flagged
"""


def raw_row_sql(alias: str) -> str:
    """The quarantined row as the contract's columns, personnummer masked (anything shaped like one is masked
    where quarantine rows are appended).

    Null for a row with the wrong number of fields: its fields are misaligned and could hold a name from a
    dropped column. Select it after filtering: it is a regular expression per row.
    """
    parts = ", ".join(f"'{MASK}'" if c == "personnummer" else f"coalesce({alias}.{c}, '')" for c in COLUMNS)
    return f"case when not {alias}.bad_fields then concat_ws(';', {parts}) end"


def school_year_sql(first: date | None, last: date | None) -> str:
    """The läsår (July–June) of c.lesson_date as constants for the file's date range: cheaper than string
    arithmetic on every row."""
    if first is None or last is None:
        return "null::varchar"
    start, end = first.year - (first.month < 7), last.year - (last.month < 7)
    whens = " ".join(
        f"when c.lesson_date < date '{y + 1}-07-01' then '{y}/{(y + 1) % 100:02d}'" for y in range(start, end + 1)
    )
    return f"case {whens} end"


PNR_IN_COLUMN = "kolumnen {column} innehåller något som liknar ett personnummer"
KEY_HASH = f"hash({', '.join(KEY)})"


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
    fast: fast.FastStage | None = None  # staged by the fast path (attendance_fast.py), else the text path

    @property
    def checked_sql(self) -> str:
        return checked_rows_sql(self.source, self.compression, self.fmt)


class AttendanceLoader:
    """The FileLoader (see folder.sync_folder) of franvaro/."""

    folder = FOLDER
    table = TABLE

    max_bytes = MAX_BYTES[FOLDER]

    def __init__(self, key: bytes, other_kinds: list[Signature] = (), limits: Limits = Limits()):
        self._key = key
        self._other_kinds = other_kinds
        self._limits = limits
        self._known: pl.DataFrame | None = None  # pnr → key, gender, error of every file read in this pass
        self._year = date.today().year

    def prepare(self, conn: duckdb.DuckDBPyConnection, ledger: Ledger) -> list[str]:
        conn.execute(f"set memory_limit = '{self._limits.memory_limit}'")
        conn.execute(f"set threads = {int(self._limits.threads)}")
        # The fast path numbers a staged row by its position (attendance_fast.py): rows stay in file order.
        conn.execute("set preserve_insertion_order = true")
        conn.execute("set enable_progress_bar = false")
        fast.attach(conn)
        ensure_quarantine(conn)
        columns = ", ".join(f"null::{t} as {c}" for c, t in SCHEMA.items())
        return ensure_raw_table(conn, TABLE, f"select {columns} limit 0", ledger)

    # Pass 1, outside the transaction --------------------------------------------------------------------

    def read(self, conn: duckdb.DuckDBPyConnection, path: Path, digest: str, name: str) -> Staged:
        fmt = sniff(path, self._other_kinds)
        staged = self._read_fast(conn, path, digest, name, fmt)
        if staged is not None:
            return staged
        workdir = Path(tempfile.mkdtemp(prefix="skolanalys-franvaro-"))
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
        """The whole file staged by one typed read (attendance_fast.py), or None: the text path reads it."""
        if fmt.encoding != "utf-8" or fmt.header_line != 1:
            return None
        lay = fast.layout(path, fmt.gzip, read_sample(path, SAMPLE_BYTES)[0])
        if lay is None:
            return None
        workdir = Path(tempfile.mkdtemp(prefix="skolanalys-franvaro-"))
        source = path
        if fmt.gzip:
            source = workdir / "plain.csv"
            size = fast.inflate(path, source)
            if size is None:  # zlib checked the trailer's CRC and size: any member count is fine
                shutil.rmtree(workdir, ignore_errors=True)
                return None
            lay = replace(lay, total=size, modulo=None)
        table = f"f_{digest[:16]}"
        try:
            try:
                staged = fast.stage(conn, source, "none", fmt.separator, fmt.n_fields, fmt.positions, lay, table)
            finally:
                if source != path:
                    source.unlink(missing_ok=True)
            keys = self._pseudonymise(fast.distinct_pnr(conn, table)) if staged else None
        except BaseException:
            fast.drop(conn, table)
            shutil.rmtree(workdir, ignore_errors=True)
            raise
        if staged is None or keys["pnr_error"].is_not_null().any():  # the text path, with its reasons
            fast.drop(conn, table)
            shutil.rmtree(workdir, ignore_errors=True)
            return None
        return Staged(
            name=name,
            fmt=fmt,
            source=path,
            compression="gzip" if fmt.gzip else "none",
            rows_in=staged.rows,
            first_date=staged.first_date,
            last_date=staged.last_date,
            keys=keys,
            workdir=workdir,
            fast=staged,
        )

    def _profile(self, conn, path: Path, name: str, fmt: FileFormat, workdir: Path) -> Staged:
        """Rows and date range per distinct personnummer (only two fields are read here), and their keys."""
        if fmt.encoding == "utf-8":
            source, compression = path, "gzip" if fmt.gzip else "none"
        else:
            source, compression = transcode_to_utf8(path, fmt.gzip, workdir), "none"
        pupils = conn.execute(f"""
            select pnr, count(*), min(d), max(d)
            from (
                select {_light_field(fmt, "personnummer")} as pnr, try_cast({_light_field(fmt, "datum")} as date) as d
                from ({lines_sql(source, compression, fmt)})
            )
            group by all
        """).fetchall()
        dates = [d for _, _, first, last in pupils for d in (first, last) if d is not None]
        return Staged(
            name=name,
            fmt=fmt,
            source=source,
            compression=compression,
            rows_in=sum(n for _, n, _, _ in pupils),
            first_date=min(dates, default=None),
            last_date=max(dates, default=None),
            keys=self._pseudonymise([pnr for pnr, _, _, _ in pupils]),
            workdir=workdir,
        )

    def _pseudonymise(self, pnrs: list[str | None]) -> pl.DataFrame:
        """(pnr, pupil_key, pupil_gender, pnr_error) of the file's distinct personnummer. The keyed hash is
        computed once per distinct personnummer of the whole pass (the same pupils come back every month);
        only `read` calls this, one file at a time."""
        distinct = pl.DataFrame({"pnr": pnrs}, schema={"pnr": pl.Utf8}).unique()
        new = distinct if self._known is None else distinct.join(self._known, on="pnr", how="anti", nulls_equal=True)
        if new.height:
            computed = pseudonymise_column(
                new.with_columns(pl.col("pnr").alias("__pnr")), "__pnr", self._key, reference_year=self._year
            )
            self._known = computed if self._known is None else pl.concat([self._known, computed])
        return distinct.join(self._known, on="pnr", how="left", nulls_equal=True)

    # Pass 2, the corrections and the quarantine, inside the file's transaction -----------------------------

    def write(self, conn: duckdb.DuckDBPyConnection, staged: Staged, digest: str) -> FileOutcome:
        try:
            return self._write(conn, staged, digest)
        except duckdb.Error as exc:  # DuckDB's message may quote the path or a line: never passed on
            raise _file_error(exc) from None

    def _write(self, conn: duckdb.DuckDBPyConnection, staged: Staged, digest: str) -> FileOutcome:
        conn.register("attendance_keys_frame", staged.keys.to_arrow())
        try:
            conn.execute("create or replace temp table attendance_keys as select * from attendance_keys_frame")
        finally:
            conn.unregister("attendance_keys_frame")
        school_year = school_year_sql(staged.first_date, staged.last_date)
        if staged.fast is not None:
            insert = fast.insert_sql(staged.fast.table, school_year, TABLE, staged.fmt.header_line)
            inserted = conn.execute(insert, [digest]).fetchall()[0][0]
        else:
            inserted = self._insert_checked(conn, staged, digest, school_year)
        conn.execute("create or replace temp table attendance_duplicates (line bigint, first_line bigint)")
        replaced = self._correct(conn, staged, digest) if inserted else {}
        duplicates = conn.execute("select count(*) from attendance_duplicates").fetchall()[0][0]
        quarantined = self._quarantine(conn, staged) if inserted - duplicates < staged.rows_in else 0
        outcome = FileOutcome(staged.rows_in, inserted - duplicates, quarantined, replaced)
        if not outcome.balanced:  # a bug, never the data: stop before the ledger records it
            raise RuntimeError(f"{staged.name}: {staged.rows_in} rader in men {outcome.rows_loaded} + {quarantined} ut")
        if quarantined:
            outcome.messages.append(f"{staged.name}: {quarantined} av {staged.rows_in} rader i karantän")
        return outcome

    def _insert_checked(self, conn, staged: Staged, digest: str, school_year: str) -> int:
        """The text path's insert: every line split and checked in SQL, the valid rows inserted."""
        return conn.execute(
            f"""
            insert into {TABLE}
            select k.pupil_key, k.pupil_gender, c.skolenhetskod, {school_year}, c.lesson_date, c.lesson_start,
                   c.subject, c.scheduled_min, c.absent_min, c.absence_type, c.reported, ?, c.line_no
            from ({staged.checked_sql}) c
            join attendance_keys k on c.personnummer = k.pnr
            where c.reason is null and k.pupil_key is not null
        """,
            [digest],
        ).fetchall()[0][0]

    def _correct(self, conn: duckdb.DuckDBPyConnection, staged: Staged, digest: str) -> dict[str, int]:
        """Keys met more than once among the new file's dates: later lines of a key within the file
        (duplicates) and rows of earlier files (replaced). Zone maps limit the scan to the row groups of the
        file's dates; hashing the key first keeps the grouping to 8 bytes a row."""
        dates = [staged.first_date, staged.last_date]
        conn.execute(
            f"""
            create or replace temp table attendance_clashes as
            with candidates as (
                select {KEY_HASH} as h from {TABLE}
                where lesson_date between ? and ?
                group by h having count(*) > 1
            )
            select pupil_key, lesson_date, lesson_start,
                   list(source_line order by source_line) filter (where source_file_hash = ?) as new_lines,
                   list(source_file_hash) filter (where source_file_hash <> ?) as earlier_files
            from {TABLE}
            where lesson_date between ? and ? and {KEY_HASH} in (select h from candidates)
            group by all
            having count(*) > 1 and count(*) filter (where source_file_hash = ?) > 0
        """,
            [*dates, digest, digest, *dates, digest],
        )
        conn.execute("""
            insert into attendance_duplicates
            select unnest(new_lines[2:]), new_lines[1] from attendance_clashes where len(new_lines) > 1
        """)
        conn.execute(
            f"""
            delete from {TABLE}
            where source_file_hash = ? and lesson_date between ? and ?
              and source_line in (select line from attendance_duplicates)
        """,
            [digest, *dates],
        )
        replaced = dict(
            conn.execute("""
            select earlier, count(*) from (select unnest(earlier_files) as earlier from attendance_clashes)
            group by all
        """).fetchall()
        )
        if replaced:
            conn.execute(
                f"""
                delete from {TABLE} t using attendance_clashes c
                where t.source_file_hash <> ? and t.lesson_date between ? and ?
                  and t.pupil_key = c.pupil_key and t.lesson_date = c.lesson_date
                  and t.lesson_start = c.lesson_start
            """,
                [digest, *dates],
            )
        return replaced

    def _quarantine(self, conn: duckdb.DuckDBPyConnection, staged: Staged) -> int:
        """Pass 3, only for a file with rejected rows: each with its line, first failing column and every
        reason (the personnummer's first), the row masked."""
        return append_quarantine_sql(
            conn,
            FOLDER,
            f"""
            select {_literal(staged.name)} as file, c.line_no as line,
                   case when k.pnr_error is not null then 'personnummer'
                        when c.reason is not null then c.bad_column else 'nyckel' end as "column",
                   concat_ws('; ',
                       'personnummer: ' || k.pnr_error,
                       c.reason,
                       'dubblett: samma elev, datum och lektionsstart som rad ' || d.first_line
                   ) as reason,
                   {raw_row_sql("c")} as raw
            from ({staged.checked_sql}) c
            left join attendance_keys k on c.personnummer is not distinct from k.pnr
            left join attendance_duplicates d on d.line = c.line_no
            where c.reason is not null or k.pnr_error is not null or d.line is not null
        """,
        )

    def cleanup(self, conn: duckdb.DuckDBPyConnection, staged: Staged) -> None:
        for table in ("attendance_keys", "attendance_clashes", "attendance_duplicates"):
            conn.execute(f"drop table if exists {table}")
        if staged.fast is not None:
            fast.drop(conn, staged.fast.table)
        shutil.rmtree(staged.workdir, ignore_errors=True)


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
