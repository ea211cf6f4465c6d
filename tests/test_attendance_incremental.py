"""A new school day of attendance is added to the attendance sums, not summed again from every lesson.

The generated municipality `liten` after its run, copied; one more school day dropped into franvaro/ and a
second `skolanalys run`. The sums (int_attendance_pupil_unit_periods) must equal the test's own aggregation of
raw.attendance, and they must have been added to rather than rebuilt: a pupil's sums changed by hand before the
second run keep the change (a rebuild would have undone it)."""

from __future__ import annotations

import gzip
import shutil
from datetime import date, timedelta

import duckdb
import pytest

from tests.conftest import run_skolanalys, skolanalys_env

pytestmark = pytest.mark.slow

SUMS = "intermediate.int_attendance_pupil_unit_periods"
# The test's own aggregation of the lessons, straight from the raw table.
EXPECTED = """
    select pupil_key, school_year, school_unit_code,
        case when month(lesson_date) >= 7 then 1 when month(lesson_date) <= 3 then 2 else 3 end as period,
        count(*) as lessons, count(*) filter (where reported) as reported_lessons,
        sum(scheduled_min) as scheduled_min, sum(absent_min) as absent_min,
        coalesce(sum(absent_min) filter (where absence_type = 'giltig'), 0) as valid
    from raw.attendance group by all
"""
ACTUAL = f"""
    select pupil_key, school_year, school_unit_code, period, lessons, reported_lessons, scheduled_min,
        absent_min, absent_valid_min as valid
    from {SUMS}
"""


def _next_day(landing) -> tuple[str, int]:
    """A copy of the last day's lessons one week later (a day not in the folder yet), as a file of its own."""
    last = sorted((landing / "franvaro").glob("*.csv.gz"))[-1]
    lines = gzip.decompress(last.read_bytes()).decode("utf-8").splitlines(keepends=True)
    header, rows = lines[0], lines[1:]
    day = max(r.split(";")[2] for r in rows)
    new_day = (date.fromisoformat(day) + timedelta(days=7)).isoformat()
    moved = [r.replace(f";{day};", f";{new_day};") for r in rows if r.split(";")[2] == day]
    (landing / "franvaro" / f"franvaro_{new_day}.csv.gz").write_bytes(gzip.compress("".join([header, *moved]).encode()))
    return new_day, len(moved)


def test_a_new_day_is_added_to_the_attendance_sums(liten, tmp_path):
    landing, data = tmp_path / "landing", tmp_path / "data"
    shutil.copytree(liten.landing, landing)
    shutil.copytree(liten.data, data)
    conn = duckdb.connect(str(data / "warehouse.duckdb"))
    assert conn.sql(f"{EXPECTED} except all {ACTUAL}").fetchall() == []
    marked = conn.execute(f"select pupil_key, school_unit_code, period from {SUMS} order by all limit 1").fetchall()[0]
    conn.execute(
        f"update {SUMS} set lessons = lessons + 1000 "  # a change every data test still accepts
        "where pupil_key = ? and school_unit_code = ? and period = ?",
        list(marked),
    )
    lessons_before = conn.execute("select count(*) from raw.attendance").fetchall()[0][0]
    conn.close()
    new_day, rows = _next_day(landing)

    result = run_skolanalys(["run"], skolanalys_env(data, landing))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    conn = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    assert conn.execute("select count(*) from raw.attendance").fetchall()[0][0] == lessons_before + rows
    assert conn.execute("select count(*) from raw.attendance where lesson_date = ?", [new_day]).fetchall()[0][0] == rows
    # Every pupil's sums equal the test's aggregation, but for the hand-changed one, which kept its change.
    differ = conn.sql(f"({EXPECTED} except all {ACTUAL}) union all ({ACTUAL} except all {EXPECTED})").fetchall()
    assert {(r[0], r[2], r[3]) for r in differ} == {tuple(marked)}
    assert len(differ) == 2
    conn.close()
