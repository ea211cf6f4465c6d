"""A new school day of attendance is added to the attendance sums, not summed again from every lesson.

The shared `liten_next` run (tests/shared_runs.py): the generated municipality `liten` after its run, copied;
one pupil's sums changed by hand, one more school day dropped into franvaro/, two runs killed on the way (the
kill test of test_operations) and a run to the end. The sums (int_attendance_pupil_unit_periods) must equal the
test's own aggregation of raw.attendance, the new day counted once, and they must have been added to rather
than rebuilt: the hand-changed sums keep the change (a rebuild would have undone it)."""

from __future__ import annotations

import gzip
from datetime import date, timedelta

import duckdb
import pytest

from tests.conftest import ATTENDANCE_AS_TEXT
from tests.school_years import LESSON_SCHOOL_YEAR

pytestmark = pytest.mark.slow

SUMS = "intermediate.int_attendance_pupil_unit_periods"
# The test's own aggregation of the lessons, straight from the raw table (the läsår from the autumn's year).
EXPECTED = f"""
    select pupil_key, {LESSON_SCHOOL_YEAR} as school_year, school_unit_code,
        case when month(lesson_date) >= 7 then 1 when month(lesson_date) <= 3 then 2 else 3 end as period,
        count(*) as lessons, count(*) filter (where reported) as reported_lessons,
        sum(scheduled_min) as scheduled_min, sum(absent_min) as absent_min,
        coalesce(sum(absent_min) filter (where absence_type = 'giltig'), 0) as valid
    from {ATTENDANCE_AS_TEXT} group by all
"""
ACTUAL = f"""
    select pupil_key, school_year, school_unit_code, period, lessons, reported_lessons, scheduled_min,
        absent_min, absent_valid_min as valid
    from {SUMS}
"""


def add_next_day(landing, weeks: int = 1) -> tuple[str, int]:
    """A copy of the last monthly file's last day of lessons `weeks` later (a day not in the folder yet), as a
    file of its own."""
    last = sorted((landing / "franvaro").glob("*.csv.gz"))[-1]
    lines = gzip.decompress(last.read_bytes()).decode("utf-8").splitlines(keepends=True)
    header, rows = lines[0], lines[1:]
    day = max(r.split(";")[2] for r in rows)
    new_day = (date.fromisoformat(day) + timedelta(weeks=weeks)).isoformat()
    moved = [r.replace(f";{day};", f";{new_day};") for r in rows if r.split(";")[2] == day]
    (landing / "franvaro" / f"franvaro_{new_day}.csv.gz").write_bytes(gzip.compress("".join([header, *moved]).encode()))
    return new_day, len(moved)


def mark_one_pupils_sums(data) -> tuple[tuple, int]:
    """Before the next runs: one pupil's sums changed by hand (a change every data test still accepts), after
    checking that the sums equal the test's aggregation; the key of the changed row and the lessons so far."""
    conn = duckdb.connect(str(data / "warehouse.duckdb"))
    try:
        assert conn.sql(f"{EXPECTED} except all {ACTUAL}").fetchall() == []
        marked = conn.execute(f"select pupil_key, school_unit_code, period from {SUMS} order by all limit 1").fetchall()
        conn.execute(
            f"update {SUMS} set lessons = lessons + 1000 where pupil_key = ? and school_unit_code = ? and period = ?",
            list(marked[0]),
        )
        return tuple(marked[0]), conn.execute("select count(*) from raw.attendance").fetchall()[0][0]
    finally:
        conn.close()


def test_a_new_day_is_added_to_the_attendance_sums(liten_next):
    run = liten_next
    conn = duckdb.connect(str(run.data / "warehouse.duckdb"), read_only=True)
    try:
        assert conn.execute("select count(*) from raw.attendance").fetchall()[0][0] == run.lessons_before + run.new_rows
        on_new_day = conn.execute("select count(*) from raw.attendance where lesson_date = ?", [run.new_day])
        assert on_new_day.fetchall()[0][0] == run.new_rows
        # Every pupil's sums equal the test's aggregation, but for the hand-changed one, which kept its change.
        differ = conn.sql(f"({EXPECTED} except all {ACTUAL}) union all ({ACTUAL} except all {EXPECTED})").fetchall()
    finally:
        conn.close()
    assert {(r[0], r[2], r[3]) for r in differ} == {run.marked}
    assert len(differ) == 2
