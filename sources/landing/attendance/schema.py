"""What franvaro/ holds and where it goes: the contract's columns, raw.attendance and its key."""

from __future__ import annotations

from datetime import date

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
KEY = landing_key("attendance")  # a later file's row replaces an earlier one's (dbt_project.yml)
KEY_HASH = f"hash({', '.join(KEY)})"


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
