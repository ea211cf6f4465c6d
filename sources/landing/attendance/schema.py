"""What franvaro/ holds and where it goes: the contract's columns, raw.attendance and its key."""

from __future__ import annotations

from skolanalys.dbt_vars import dbt_vars
from sources.landing.declared import landing_key
from sources.landing.door import HeaderSignature

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
SIGNATURE = HeaderSignature(FOLDER, tuple(c for c in COLUMNS if c not in OPTIONAL))
ABSENCE_TYPES = ("giltig", "ogiltig")  # franvarotyp when absent_min > 0 (rules.py), stored as an enum
ABSENCE_TYPES_SQL = "(" + ", ".join(f"'{t}'" for t in ABSENCE_TYPES) + ")"  # as a SQL list
# The pupil key, the skolenhetskod and the file are stored as numbers (attendance_number): ~100 M rows write,
# group and join faster, and take less room, than with the texts every other table holds.
SCHEMA = {
    "pupil_number": "uhugeint",
    "school_unit_number": "integer",
    "lesson_date": "date",
    "lesson_start": "time",
    "subject": "varchar",
    "scheduled_min": "integer",
    "absent_min": "integer",
    "absence_type": f"enum{ABSENCE_TYPES_SQL}",
    "reported": "boolean",
    "source_file_number": "bigint",
    "source_line": "bigint",
}
# How raw.attendance stores each column (DuckDB's methods). Left to itself DuckDB tries every method on every
# column of every row group it writes and keeps the smallest: that trial costs ~0.5 s of the ~14 s of CPU that
# kavlinge's 12.4 M rows take to load ("Attendance load", "Twenty-fourth session", docs/benchmarks.md). These are the
# methods it keeps for files written pupil by pupil, lesson by lesson (as the school systems write them; the fast
# path proves it, fast_path.keys_may_repeat), and the file's size is the same. In a file ordered otherwise the
# run-length columns hold shorter runs: larger on disk (rows shuffled: +13 %), the values the same.
COMPRESSION = {
    "pupil_number": "rle",  # one run a pupil
    "school_unit_number": "rle",
    "lesson_date": "bitpacking",
    "lesson_start": "bitpacking",
    "subject": "dict_fsst",  # a few dozen codes
    "scheduled_min": "bitpacking",
    "absent_min": "rle",  # mostly 0
    "absence_type": "rle",  # mostly empty
    "reported": "roaring",
    "source_file_number": "rle",  # one a file
    "source_line": "bitpacking",  # rising by one
}
# Each pupil's gender from the personnummer, once a pupil rather than on every lesson (columns: its dbt source).
PUPILS_TABLE = "raw.attendance_pupils"
KEY = landing_key("attendance")  # a later file's row replaces an earlier one's (dbt_project.yml)
KEY_HASH = f"hash({', '.join(KEY)})"


def attendance_number(name: str, x: str) -> str:
    """SQL of the text `x` (a column or a parameter) as the stored number `name` (var attendance_numbers in
    dbt/dbt_project.yml, which dbt reads back: macros/attendance_number.sql)."""
    return "(" + dbt_vars()["attendance_numbers"][name]["number"].replace("{x}", x) + ")"


def attendance_text(name: str, x: str) -> str:
    """SQL of the stored number `x` as the text every other table holds (var attendance_numbers)."""
    return "(" + dbt_vars()["attendance_numbers"][name]["text"].replace("{x}", x) + ")"


# The file being loaded, by its number: SQL of its hash bound as a parameter.
FILE_NUMBER_PARAM = attendance_number("source_file_number", "?")


def new_pupils_sql(inserted_only: bool) -> str:
    """The file's pupils (`attendance_keys`) not in PUPILS_TABLE yet, added inside its transaction. `inserted_only`:
    only those with a row loaded (the text path may quarantine every row of a pupil); one parameter then, the
    file's hash."""
    loaded = (
        f" and k.pupil_number in (select pupil_number from {TABLE} where source_file_number = {FILE_NUMBER_PARAM})"
        if inserted_only
        else ""
    )
    return f"""
        insert into {PUPILS_TABLE}
        select k.pupil_key, any_value(k.pupil_gender) from attendance_keys k
        where k.pupil_key is not null{loaded}
          and not exists (select 1 from {PUPILS_TABLE} p where p.pupil_key = k.pupil_key)
        group by k.pupil_key
    """
