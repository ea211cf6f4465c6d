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
# Each pupil's gender from the personnummer, once a pupil rather than on every lesson (columns: its dbt source).
PUPILS_TABLE = "raw.attendance_pupils"
KEY = landing_key("attendance")  # a later file's row replaces an earlier one's (dbt_project.yml)
KEY_HASH = f"hash({', '.join(KEY)})"


def new_pupils_sql(inserted_only: bool) -> str:
    """The file's pupils (`attendance_keys`) not in PUPILS_TABLE yet, added inside its transaction. `inserted_only`:
    only those with a row loaded (the text path may quarantine every row of a pupil); one parameter then, the
    file's hash."""
    loaded = f" and k.pupil_key in (select pupil_key from {TABLE} where source_file_hash = ?)" if inserted_only else ""
    return f"""
        insert into {PUPILS_TABLE}
        select k.pupil_key, any_value(k.pupil_gender) from attendance_keys k
        where k.pupil_key is not null{loaded}
          and not exists (select 1 from {PUPILS_TABLE} p where p.pupil_key = k.pupil_key)
        group by k.pupil_key
    """
