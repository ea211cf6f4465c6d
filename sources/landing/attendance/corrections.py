"""Duplicates and corrections, inside a new file's transaction: a key (pupil, date, lesson start) twice within
the file keeps its first line, the later lines are duplicates (deleted here, quarantined by the loader); a key
of an earlier file is replaced by the new file's row (the earlier row deleted, counted per earlier file for the
ledger).

Only the new file's dates can hold such a key. `earlier_rows` asks, before the insert, whether any earlier
row lies in them (zone maps on lesson_date answer from the row groups' min/max: one file a month touches no
other month's row groups); with none, and the fast path's proof that no key repeats within the file, `find`
is not needed at all.
"""

from __future__ import annotations

from datetime import date

import duckdb

from sources.landing.attendance.schema import FILE_NUMBER_PARAM, FOLDER, KEY, KEY_HASH, TABLE, attendance_number
from sources.landing.ledger import LEDGER_TABLE

DUPLICATES = "attendance_duplicates"  # temp table: line, first_line of each duplicate in the new file
CLASHES = "attendance_clashes"  # temp table: the keys met more than once among the new file's dates


def earlier_rows(conn: duckdb.DuckDBPyConnection, first: date | None, last: date | None) -> bool:
    """Whether raw.attendance has any row dated within [first, last] (ask before inserting the new file)."""
    if first is None:
        return False
    found = conn.execute(f"select 1 from {TABLE} where lesson_date between ? and ? limit 1", [first, last])
    return bool(found.fetchall())


def start(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(f"create or replace temp table {DUPLICATES} (line bigint, first_line bigint)")


def find(conn: duckdb.DuckDBPyConnection, first: date, last: date, digest: str) -> dict[str, int]:
    """Keys met more than once among the new file's dates: later lines of a key within the file (into
    DUPLICATES, and deleted) and rows of earlier files (deleted; counted per earlier file, by its hash in the
    ledger). Zone maps limit the scan to the row groups of the file's dates; hashing the key first keeps the
    grouping to 8 bytes a row."""
    dates = [first, last]
    conn.execute(
        f"""
        create or replace temp table {CLASHES} as
        with candidates as (
            select {KEY_HASH} as h from {TABLE}
            where lesson_date between ? and ?
            group by h having count(*) > 1
        )
        select {", ".join(KEY)},
               list(source_line order by source_line) filter (where source_file_number = $file) as new_lines,
               list(source_file_number) filter (where source_file_number <> $file) as earlier_files
        from {TABLE}
        where lesson_date between ? and ? and {KEY_HASH} in (select h from candidates)
        group by all
        having count(*) > 1 and count(*) filter (where source_file_number = $file) > 0
    """.replace("$file", FILE_NUMBER_PARAM),
        [*dates, digest, digest, *dates, digest],
    )
    conn.execute(f"""
        insert into {DUPLICATES}
        select unnest(new_lines[2:]), new_lines[1] from {CLASHES} where len(new_lines) > 1
    """)
    conn.execute(
        f"""
        delete from {TABLE}
        where source_file_number = {FILE_NUMBER_PARAM} and lesson_date between ? and ?
          and source_line in (select line from {DUPLICATES})
    """,
        [digest, *dates],
    )
    replaced = dict(
        conn.execute(
            f"""
        select l.file_hash, count(*)
        from (select unnest(earlier_files) as earlier from {CLASHES}) e
        join {LEDGER_TABLE} l on l.kind = ? and {attendance_number("source_file_number", "l.file_hash")} = e.earlier
        group by all
    """,
            [FOLDER],
        ).fetchall()
    )
    if replaced:
        on = " and ".join(f"t.{k} = c.{k}" for k in KEY)
        conn.execute(
            f"""
            delete from {TABLE} t using {CLASHES} c
            where t.source_file_number <> {FILE_NUMBER_PARAM} and t.lesson_date between ? and ? and {on}
        """,
            [digest, *dates],
        )
    return replaced


def duplicates(conn: duckdb.DuckDBPyConnection) -> int:
    return conn.execute(f"select count(*) from {DUPLICATES}").fetchall()[0][0]


def drop(conn: duckdb.DuckDBPyConnection) -> None:
    for table in (CLASHES, DUPLICATES):
        conn.execute(f"drop table if exists {table}")
