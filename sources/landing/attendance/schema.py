"""What franvaro/ holds and where it goes: the contract's columns, raw.attendance and its key."""

from __future__ import annotations

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
