"""The exact-line text path: every file the fast path does not take (a rejected, blank or ragged line, a rule
broken, an invalid personnummer, a blank beside a quote, a header not on line 1; a cp1252 file, from its UTF-8
copy).

DuckDB reads each line as one text value (so every physical line keeps its number and a ragged, blank or
half-quoted line cannot derail it), splits the fields and validates them in SQL with the contract's rules
(rules.py). Pass 1 (`profile_sql`) reads two fields: rows and date range per distinct personnummer, whose keys
are computed once each and joined back in pass 2 (`insert_sql`), which validates every row and inserts the
valid ones. Pass 3 (`quarantine_sql`) runs only for a file with rejected rows (contract, personnummer or
duplicate key), to write the quarantine with exact lines and reasons.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from sources.landing.attendance import rules
from sources.landing.attendance.fileformat import FileFormat
from sources.landing.attendance.schema import COLUMNS, FILE_NUMBER_PARAM, SCHEMA, TABLE, attendance_number
from sources.landing.door import UNBALANCED_QUOTE
from sources.landing.quarantine import MASK

LINE_DELIMITER = "\x01"  # a byte no export contains: DuckDB then hands over each line whole


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def lines_sql(source: Path, compression: str, fmt: FileFormat) -> str:
    """(line_no, line) per data line. DuckDB reads each line as one text value, so its line number is exact
    and a ragged, blank or half-quoted line cannot derail the parser."""
    sep = fmt.separator
    return f"""
    select ordinality as line_no, line
    from read_csv({literal(str(source))}, columns = {{'line': 'VARCHAR'}}, header = false,
                  delim = '{LINE_DELIMITER}', quote = '', escape = '', auto_detect = false,
                  compression = '{compression}') with ordinality
    -- Blank lines, and lines of only separators (Excel's empty rows), are not data rows.
    where ordinality > {fmt.header_line} and line is not null
      and (not (prefix(line, '{sep}') or prefix(line, ' ') or prefix(line, '"') or prefix(line, '\t'))
           or not regexp_full_match(line, '[ \t{sep}"]*'))
"""


def _needs_care(line: str = "line") -> str:
    return f"(contains({line}, '\"') or contains({line}, ' ') or contains({line}, '\t'))"


def _field_pattern(sep: str) -> str:
    """One field and its separator, as Python's csv reads them (strict; sources/landing/door.py `split_fields`):
    a quoted field ("" a quote inside it), or text not starting with a quote (a quote inside it is text)."""
    return f'("(?:[^"]|"")*"|[^{sep}"][^{sep}]*|){sep}'


def _quotes_unbalanced(sep: str) -> str:
    """A line with a quote that is not made of whole fields: the pattern would skip past it, so it is a bad row."""
    return f"(contains(line, '\"') and not regexp_full_match(line || '{sep}', '(?:{_field_pattern(sep)})*'))"


def _fields_list(sep: str) -> str:
    """The fields of `line`: plain lines split on the separator; a line with quotes goes through a
    quote-aware pattern, and only a line with blanks pays for trimming its fields."""
    return f"""case
        when contains(line, '"') then list_transform(
            regexp_extract_all(line || '{sep}', '{_field_pattern(sep)}', 1),
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
    reason: the row satisfies the contract, apart from the personnummer, which is checked in Python)."""
    fields = ",\n        ".join(f"{_field(fmt, c)} as {c}" for c in COLUMNS)
    return f"""
with lines as ({lines_sql(source, compression, fmt)}),
split as (
    select line_no, {_fields_list(fmt.separator)} as p, {_quotes_unbalanced(fmt.separator)} as bad_quotes
    from lines
),
fields as (
    select line_no, len(p) as n_fields, bad_quotes,
        {fields}
    from split
),
typed as (
    select *,
        {rules.typed_sql()}
    from fields
),
flagged as (
    select *,
        bad_quotes or n_fields <> {fmt.n_fields} as bad_fields,
        {rules.flags_sql()}
    from typed
)
select
    line_no, {", ".join(COLUMNS)},
    lesson_date, lesson_start, {rules.SUBJECT} as subject, scheduled_min, absent_min, absence_type,
    {rules.REPORTED} as reported, bad_fields,
    case when bad_fields then 'rad' {rules.first_broken_sql()} end as bad_column,
    case when bad_quotes then {literal(UNBALANCED_QUOTE)}
         when bad_fields then 'raden har ' || n_fields || ' fält men rubrikraden {fmt.n_fields}'
         when {rules.any_flag_sql()} then concat_ws('; ', {rules.reasons_sql()}) end as reason
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


def profile_sql(source: Path, compression: str, fmt: FileFormat) -> str:
    """Pass 1: rows and date range per distinct personnummer; only two fields are read."""
    return f"""
        select pnr, count(*), min(d), max(d)
        from (
            select {_light_field(fmt, "personnummer")} as pnr,
                   try_cast({_light_field(fmt, "datum")} as date) as d
            from ({lines_sql(source, compression, fmt)})
        )
        group by all
    """


@contextmanager
def joins_as_written(conn: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Passes 2 and 3 join the file's lines, read straight from the CSV, with the keys and the duplicates. DuckDB
    guesses a CSV read at a few rows, so it would build each join's hash table on all the file's rows instead of
    the few thousand keys (a storstad month: 2.1 GB peak instead of 1.5 GB, and slower). While the statement runs,
    its joins are planned as written: the right side, the keys, is built. The setting is the database's, so the
    reader's statements planned meanwhile (none with a join) are planned so too; it is put back after."""
    conn.execute("set disabled_optimizers = 'join_order,build_side_probe_side'")
    try:
        yield
    finally:
        conn.execute("reset disabled_optimizers")


def insert_sql(checked_sql: str) -> str:
    """Pass 2: every line split and checked, the valid rows with their keys (`attendance_keys`) inserted; one
    parameter: the file's hash."""
    return f"""
        insert into {TABLE}
        select k.pupil_number, {attendance_number("school_unit_number", "c.skolenhetskod")}, c.lesson_date,
               c.lesson_start, c.subject, c.scheduled_min, c.absent_min,
               try_cast(c.absence_type as {SCHEMA["absence_type"]}), c.reported,
               {FILE_NUMBER_PARAM}, c.line_no
        from ({checked_sql}) c
        join attendance_keys k on c.personnummer = k.pnr
        where c.reason is null and k.pupil_key is not null
    """


def quarantine_sql(checked_sql: str, name: str) -> str:
    """Pass 3, only for a file with rejected rows: each with its line, first failing column and every reason
    (the personnummer's first), the row masked. Reads `attendance_keys` and `attendance_duplicates`."""
    return f"""
        select {literal(name)} as file, c.line_no as line,
               case when k.pnr_error is not null then 'personnummer'
                    when c.reason is not null then c.bad_column else 'nyckel' end as "column",
               concat_ws('; ',
                   'personnummer: ' || k.pnr_error,
                   c.reason,
                   'dubblett: samma elev, datum och lektionsstart som rad ' || d.first_line
               ) as reason,
               {raw_row_sql("c")} as raw
        from ({checked_sql}) c
        left join attendance_keys k on c.personnummer is not distinct from k.pnr
        left join attendance_duplicates d on d.line = c.line_no
        where c.reason is not null or k.pnr_error is not null or d.line is not null
    """
