"""Scale sanity: a check's memory does not grow with the table, and a run with nothing new costs next to nothing.

2 million synthetic grade rows (four files of 500,000, with their ledger rows) are validated in a child
process; its peak RSS (getrusage) is compared before and after the check. GX's pandas route took the whole
table into memory (7 M grade rows: +6.6 GiB); the check hands rows to polars in batches.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import duckdb
import pytest

from expectations.runner import run_suite
from expectations.suites import SUITES
from sources.landing.kind_loader import KindLoader
from sources.landing.kinds import GRADE_RECORDS, SUBJECTS
from sources.landing.ledger import FileOutcome, Ledger
from tests.conftest import REPO, TEST_KEY

FILES, ROWS_PER_FILE = 4, 500_000
MIB = 1 << 20

CHILD = """
import json, resource, sys, time
import duckdb
from expectations.runner import run_suite
from expectations.suites import SUITES

conn = duckdb.connect(sys.argv[1])
conn.execute("set memory_limit = '1GB'")  # as the pipeline caps DuckDB (its buffer cache is not the check's)
conn.execute("select count(*) from raw.loaded_files").fetchall()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
outcome = run_suite(conn, SUITES["grades"])
seconds = time.perf_counter() - started
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"before_kib": before, "after_kib": after, "seconds": seconds, "rows": outcome.rows,
                  "success": outcome.success, "summary": outcome.summary()}))
"""


def _grades_warehouse(path) -> None:
    """FILES files of ROWS_PER_FILE valid grade rows, appended file by file, each with its ledger row."""
    conn = duckdb.connect(str(path))
    loader = KindLoader(GRADE_RECORDS, TEST_KEY.encode())
    ledger = Ledger(conn, GRADE_RECORDS.folder)
    loader.prepare(conn, ledger)
    subjects = "[" + ", ".join(f"'{s}'" for s in SUBJECTS) + "]"
    for f in range(FILES):
        digest = f"{f:064x}"
        year = f"{2020 + f}/{(21 + f) % 100:02d}"
        conn.execute(
            f"""
            insert into raw.grades by name
            select sha256(({f} * {ROWS_PER_FILE} + i) // 40 || '') as pupil_key,
                   case when i % 2 = 0 then 'K' else 'M' end as pupil_gender,
                   '{year}' as school_year,
                   case when (i // 20) % 2 = 0 then 'HT' else 'VT' end as term,
                   '1111' || lpad((i % 97)::varchar, 4, '0') as school_unit_code,
                   (6 + (i // 40) % 3)::tinyint as grade_level,
                   {subjects}[1 + i % 20] as subject,
                   null::varchar as language,
                   ['A', 'B', 'C', 'D', 'E', 'F'][1 + i % 6] as grade,
                   'terminsbetyg' as grade_type,
                   'betyg_{f}.csv' as source_file,
                   i + 2 as source_line,
                   '{digest}' as source_file_hash
            from range({ROWS_PER_FILE}) t(i)
            """
        )
        ledger.record(digest, f"betyg_{f}.csv", FileOutcome(ROWS_PER_FILE, ROWS_PER_FILE, 0))
    conn.close()


@pytest.mark.slow
def test_a_check_of_two_million_new_grade_rows_stays_small_and_a_second_run_is_instant(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    _grades_warehouse(path)

    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, timeout=120, cwd=REPO, check=True
    )
    measured = json.loads(child.stdout.strip().splitlines()[-1])
    assert measured["success"], measured["summary"]
    assert measured["rows"] == FILES * ROWS_PER_FILE
    grown_mib = (measured["after_kib"] - measured["before_kib"]) / 1024
    # `select *` into pandas, as GX needed, takes ~2.2 GiB here; measured for the check: ~250 MiB, mostly
    # DuckDB's own buffers (capped by its memory_limit), growing by ~40 MiB from 0.5 to 2 M rows.
    assert grown_mib < 400, f"peak RSS grew by {grown_mib:.0f} MiB"

    # Nothing new: only the whole-table ledger balance runs (one column, one pass).
    conn = duckdb.connect(str(path))
    try:
        started = time.perf_counter()
        again = run_suite(conn, SUITES["grades"])
        seconds = time.perf_counter() - started
    finally:
        conn.close()
    assert again.success and (again.files, again.rows) == (0, 0)
    assert seconds < min(1.0, measured["seconds"] / 5), (seconds, measured["seconds"])
