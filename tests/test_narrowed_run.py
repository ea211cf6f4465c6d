"""A night with news in one landing folder alone runs that folder's assets and what is downstream of them.

From a copy of the shared `liten_next` (its last run ran everything and succeeded), one more school day of
attendance is dropped into franvaro/: `skolanalys run` says it runs what franvaro/ asks for, not everything,
adds the day to the attendance sums (the test's own aggregation of raw.attendance, as in
test_attendance_incremental), publishes, and leaves nothing for a later run: every dbt source's fingerprint
is published as it now is. The run after it has nothing new.
"""

from __future__ import annotations

import json
import shutil

import duckdb
import pytest

from pipelines import build_state
from pipelines.assets.dbt import _source_tables, dbt_project
from pipelines.assets.serving import SERVED_TABLES, publish
from pipelines.dbt_manifest import project_fingerprint
from tests.conftest import ATTENDANCE_AS_TEXT, run_skolanalys, skolanalys_env
from tests.school_years import LESSON_SCHOOL_YEAR
from tests.test_attendance_incremental import ACTUAL, EXPECTED, add_next_day
from tests.test_end_to_end import _served_results

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def narrowed(liten_next, tmp_path_factory):
    root = tmp_path_factory.mktemp("narrowed")
    landing, data = root / "landing", root / "data"
    shutil.copytree(liten_next.landing, landing, symlinks=True)
    shutil.copytree(liten_next.data, data, symlinks=True)
    conn = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    lessons_before = conn.execute("select count(*) from raw.attendance").fetchall()[0][0]
    conn.close()
    new_day, new_rows = add_next_day(landing, weeks=2)  # liten_next added the day a week after
    env = skolanalys_env(data, landing)
    result = run_skolanalys(["run"], env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    again = run_skolanalys(["run"], env)
    return data, liten_next, lessons_before, new_day, new_rows, result.stdout, again.stdout


def test_news_in_franvaro_alone_run_its_load_and_what_is_downstream(narrowed):
    *_, stdout, _ = narrowed
    assert "Nytt bara i franvaro/: kör" in stdout
    assert "Kör allt" not in stdout and "Nationella uppgifter" not in stdout
    # The summary names the folder this run read, not the others' outcomes of earlier runs.
    summary = stdout.split("Landningsmappen", 1)[1]
    assert "franvaro/:" in summary and "betyg/:" not in summary
    assert "Klart. Serveringsfilen:" in stdout


def test_the_new_day_is_added_and_nothing_is_left_for_a_later_run(narrowed):
    data, liten_next, lessons_before, new_day, new_rows, _, again = narrowed
    conn = duckdb.connect(str(data / "warehouse.duckdb"))  # the test's own copy: build_state ensures its table
    try:
        assert conn.execute("select count(*) from raw.attendance").fetchall()[0][0] == lessons_before + new_rows
        on_new_day = conn.execute("select count(*) from raw.attendance where lesson_date = ?", [new_day])
        assert on_new_day.fetchall()[0][0] == new_rows
        differ = conn.sql(f"({EXPECTED} except all {ACTUAL}) union all ({ACTUAL} except all {EXPECTED})").fetchall()
        manifest = json.loads(dbt_project.manifest_path.read_text())
        current = build_state.current_fingerprints(
            conn, _source_tables(manifest), project_fingerprint(dbt_project.project_dir)
        )
        published = build_state.published(conn)
    finally:
        conn.close()
    # Added to, not rebuilt: the sums equal the aggregation but for the pupil changed by hand in liten_next.
    assert {(r[0], r[2], r[3]) for r in differ} == {liten_next.marked}
    assert build_state.plan(current, published) == ("none", [])
    assert "Inget nytt sedan förra körningen" in again


def test_the_nights_snapshot_is_the_one_a_whole_publication_would_give(narrowed, tmp_path):
    """The night wrote only the served tables of the marts it rebuilt and took the others over from the
    published snapshot (pipelines/assets/serving.py): the same tables, row for row, as every served table
    written again from the warehouse's marts."""
    data, *_ = narrowed
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(data / "warehouse.duckdb", warehouse)
    conn = duckdb.connect(str(warehouse))
    try:
        publish(conn, tmp_path / "serving.duckdb", {"published_at": "whole"})
    finally:
        conn.close()
    night, whole = _served_results(data / "serving.duckdb"), _served_results(tmp_path / "serving.duckdb")
    assert set(night) == set(whole) == set(SERVED_TABLES)
    for table in whole:
        assert night[table] == whole[table], table


# The per-pupil summary worked out from raw.attendance itself (not from the per-pupil sums it is built on): each
# unit's periods and the municipality's.
SUMMARY_FROM_RAW = f"""
    select pupil_key, school_year,
        case when grouping(school_unit_code) = 0 then 'skolenhet' else 'kommun' end as level,
        coalesce(school_unit_code, ?) as unit_code, period,
        count(*) as lessons, sum(scheduled_min) as scheduled_min, sum(absent_min) as absent_min
    from (
        select *, case when month(lesson_date) >= 7 then 1 when month(lesson_date) <= 3 then 2 else 3 end as period,
            {LESSON_SCHOOL_YEAR} as school_year
        from {ATTENDANCE_AS_TEXT}
    )
    group by grouping sets ((pupil_key, school_year, school_unit_code, period), (pupil_key, school_year, period))
"""
SUMMARY = """
    select pupil_key, school_year, level, unit_code, period, lessons, scheduled_min, absent_min
    from intermediate.int_attendance_pupils_summarised
"""


def test_the_per_pupil_summary_after_the_night_is_the_one_raw_attendance_gives(narrowed):
    """The night wrote the summary's periods whose sums changed again (incremental by school year and period;
    the unit test attendance_summary_rewrites_only_the_periods_its_rows_no_longer_match keeps the others): every
    row agrees with raw.attendance, the periods written again and those kept, but the pupil whose sums liten_next
    changed by hand."""
    data, liten_next, *_ = narrowed
    conn = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    try:
        kommun = conn.execute(
            "select any_value(unit_code) from intermediate.int_attendance_pupils_summarised where level = 'kommun'"
        ).fetchall()[0][0]
        differ = conn.execute(
            f"({SUMMARY_FROM_RAW} except all {SUMMARY}) union all ({SUMMARY} except all {SUMMARY_FROM_RAW})",
            [kommun, kommun],
        ).fetchall()
    finally:
        conn.close()
    assert differ and {r[0] for r in differ} == {liten_next.marked[0]}
