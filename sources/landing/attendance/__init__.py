"""Attendance (franvaro/): lesson-level files of ~100 M rows a school year, streamed through DuckDB.

raw.attendance — one row per pupil and scheduled lesson (key: pupil_number, lesson_date, lesson_start). Its
codes are stored as numbers (schema.py, var attendance_numbers in dbt/dbt_project.yml, which dbt reads back to
the texts every other table holds: stg_raw__attendance):

| column | type | meaning |
|---|---|---|
| pupil_number | uhugeint | the pupil key (keyed hash, HMAC-SHA256, of the personnummer: 32 hex digits) as a number |
| school_unit_number | integer | skolenhetskod (8 digits) as a number |
| lesson_date | date | datum |
| lesson_start | time | lektion_start (`08:15`) |
| subject | varchar | amne, upper case; null when the file has none |
| scheduled_min | integer | schemalagd_tid_min, > 0 |
| absent_min | integer | franvaro_min, 0 ≤ absent_min ≤ scheduled_min |
| absence_type | enum | null when absent_min = 0, else `giltig` or `ogiltig` |
| reported | boolean | rapporterad: attendance was registered for the lesson |
| source_file_number | bigint | the landing file: the first 15 hex digits of its SHA-256 (raw.loaded_files) |
| source_line | bigint | line in that file, as a text editor counts (header included) |

raw.attendance_pupils — one row per pupil key of the files loaded, with its gender from the personnummer (K / M:
the fallback when a pupil has no enrolment row), written with each file: once a pupil, not on every lesson.

Every row satisfies the contract (docs/contracts.md); rows that do not are in raw.quarantine (kind
`franvaro`) with file, line, first failing column, every reason and the row (personnummer masked). A GX
suite must not pull this table into pandas whole (100 M rows): validate aggregates computed in DuckDB, a
sample, or the rows of the latest files (source_file_number of a file in raw.loaded_files).

How a file is loaded (loader.AttendanceLoader, driven by folder.sync_folder and the ledger raw.loaded_files):
- Partitioning: only files whose content hash is not in the ledger are read, and each appends its own rows
  to raw.attendance in one transaction; nothing else is read or rewritten. Appending file by file keeps a
  file's rows together in DuckDB's row groups, so the min/max zone maps of lesson_date partition the table
  by the months the files cover (one file a month from the school systems).
- The file is never read into Python (only its bytes counted). Two paths, chosen per file:
  - fast_path.py, for a clean UTF-8 file (every monthly export): one read by DuckDB's CSV parser into a
    staging table in memory, the line numbers proved, every rule checked in SQL; `write` inserts the staged
    rows joined with their keys. Staging runs in `read`, on a connection of sync_folder's own, while the
    previous file is written; a file that fits in one read buffer is staged on one core, so two such files
    are staged at once (`reads_beside`).
  - text_path.py, for every other file: each line read as one text value, split and validated in SQL, with
    exact line numbers and reasons for the quarantine.
  Both judge a row by the same declarations of the contract's rules (rules.py).
- Pupil keys (sources/landing/pseudonyms.py, shared with the polars kinds): computed once per distinct
  personnummer of the pass, in DuckDB where the number is written plainly, in Python otherwise; never written
  anywhere.
- Duplicates and corrections (corrections.py): rows of earlier files with the same key as a row of the new
  file are deleted (counted per earlier file for the ledger); a key twice within the file keeps its first
  line, the rest are quarantined. Only the new file's dates are looked at, and nothing at all when no earlier
  row has those dates and the file's keys are proved distinct.
- gzip is unpacked by the fast path to a plain copy (in memory, a memfd, when it fits: fast_path.unpack_copy) and
  read by DuckDB directly on the text path; UTF-8 (with or without BOM) is read by DuckDB directly; cp1252 files
  are first transcoded to a temporary UTF-8 file in 1 MiB blocks (fileformat.py; so is a file that turns out not
  to be UTF-8 after its first MiB). A file without a required column is not loaded at all (a warning every run
  until it is replaced).
- DuckDB runs with a memory limit (spilling to its temp directory beyond it) and two threads; a staged file
  takes ~100 bytes a row (docs/benchmarks.md gives the peak RSS).
"""

from __future__ import annotations

from sources.landing.attendance.fileformat import SAMPLE_BYTES, FileFormat, sniff, transcode_to_utf8
from sources.landing.attendance.loader import AttendanceLoader, Limits, Staged
from sources.landing.attendance.rules import PNR_IN_COLUMN
from sources.landing.attendance.schema import (
    ABSENCE_TYPES,
    COLUMNS,
    FOLDER,
    KEY,
    KEY_HASH,
    OPTIONAL,
    PUPILS_TABLE,
    SCHEMA,
    SIGNATURE,
    TABLE,
    attendance_number,
    attendance_text,
)
from sources.landing.attendance.text_path import checked_rows_sql, lines_sql, raw_row_sql

__all__ = [
    "ABSENCE_TYPES",
    "COLUMNS",
    "FOLDER",
    "KEY",
    "KEY_HASH",
    "OPTIONAL",
    "PUPILS_TABLE",
    "PNR_IN_COLUMN",
    "SAMPLE_BYTES",
    "SCHEMA",
    "SIGNATURE",
    "TABLE",
    "AttendanceLoader",
    "FileFormat",
    "Limits",
    "Staged",
    "attendance_number",
    "attendance_text",
    "checked_rows_sql",
    "lines_sql",
    "raw_row_sql",
    "sniff",
    "transcode_to_utf8",
]
