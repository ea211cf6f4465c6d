"""National tests beside grades, on hand-built pupils through `skolanalys run` (the shared
hand-built run).

Each pupil's (spring grade, test grade) pair is listed in tests/handbuilt_landing.py with the direction worked out
by hand (A > B > … > E > F); the shares are counted in this file, independently of the SQL.
"""

from __future__ import annotations

import duckdb
import pytest

from tests.handbuilt_landing import ENGLISH_6, EXTRA_MATHS_9_TESTS, MATHS_9, NP_SCHOOL_A, NP_SCHOOL_B

SCHOOL_A, SCHOOL_B = NP_SCHOOL_A, NP_SCHOOL_B


def shares(pairs) -> tuple[float, float, float, int]:
    n = len(pairs)
    return (
        100 * sum(d > 0 for *_, d in pairs) / n,
        100 * sum(d == 0 for *_, d in pairs) / n,
        100 * sum(d < 0 for *_, d in pairs) / n,
        n,
    )


@pytest.fixture(scope="module")
def tests_run(handbuilt):
    """The shared hand-built run (tests/shared_runs.py): no other data set in it has national tests, so the
    kommun's rows are these pupils'."""
    return handbuilt.data, handbuilt.stdout


def _cell(data, unit: str, subject: str, gender: str):
    con = duckdb.connect(str(data / "serving.duckdb"), read_only=True)
    try:
        rows = con.execute(
            "select share_higher, share_same, share_lower, n, status from grade_test_discrepancy "
            "where unit_code = ? and subject = ? and gender = ? and year = 2024",
            [unit, subject, gender],
        ).fetchall()
    finally:
        con.close()
    assert len(rows) == 1, rows
    return rows[0]


def _approx(values):
    return [pytest.approx(v) for v in values]


def test_school_shares_follow_the_hand_worked_pairs(tests_run):
    data, _ = tests_run
    *got, status = _cell(data, SCHOOL_A, "MA", "T")
    # 4 higher, 5 same, 3 lower of 12: the '-', the pupil without a grade and HT grades do not count.
    assert shares(MATHS_9) == (pytest.approx(100 * 4 / 12), pytest.approx(100 * 5 / 12), 25.0, 12)
    assert got == _approx(shares(MATHS_9)) and status == ""


def test_gender_cells_are_shown_from_ten_pupils_and_suppressed_in_pairs(tests_run):
    data, _ = tests_run
    # School A: 6 girls and 6 boys: both too few.
    assert _cell(data, SCHOOL_A, "MA", "K") == (None, None, None, None, "..")
    assert _cell(data, SCHOOL_A, "MA", "M") == (None, None, None, None, "..")
    # School B: 10 and 10, gender taken from the personnummer.
    girls = [p for p in ENGLISH_6 if p[0]]
    boys = [p for p in ENGLISH_6 if not p[0]]
    assert list(_cell(data, SCHOOL_B, "EN", "K")[:4]) == _approx(shares(girls))
    assert list(_cell(data, SCHOOL_B, "EN", "M")[:4]) == _approx(shares(boys)) == _approx([50.0, 0.0, 50.0, 10])


def test_municipality_row_adds_the_schools_of_the_same_subject(tests_run):
    data, _ = tests_run
    assert list(_cell(data, "1261", "EN", "T")[:4]) == _approx(shares(ENGLISH_6))
    assert list(_cell(data, "1261", "MA", "T")[:4]) == _approx(shares(MATHS_9))


def test_share_with_at_least_e_is_an_indicator_per_subject_and_grade(tests_run):
    data, _ = tests_run
    con = duckdb.connect(str(data / "serving.duckdb"), read_only=True)
    try:
        rows = con.execute(
            "select indicator_id, unit_code, gender, value, n, status from indicator_values "
            "where indicator_id like 'SKA_NP_%' and year = 2024"
        ).fetchall()
    finally:
        con.close()
    got = {(i, u, g): (v, n, s) for i, u, g, v, n, s in rows}
    # Åk 9 MA at school A: 12 pupils + the '-' pupil (test C) + the pupil without a grade (test F) = 14;
    # every test grade is E or better except that F.
    maths = [t for *_, t, _ in MATHS_9] + EXTRA_MATHS_9_TESTS
    assert got[("SKA_NP_AK9_MA", SCHOOL_A, "T")] == (pytest.approx(100 * 13 / 14), 14, "")
    assert sum(t != "F" for t in maths) == 13
    assert got[("SKA_NP_AK6_EN", SCHOOL_B, "K")] == (100.0, 10, "")
    # Åk 3 (G/EG) has no indicator here, and the SV test of a single pupil is suppressed.
    assert not any(i.startswith("SKA_NP_AK3") for i, _, _ in got)
    assert got[("SKA_NP_AK9_SV", SCHOOL_A, "T")] == (None, None, "..")


def test_a_test_without_an_enrolment_warns_but_does_not_stop_the_run(tests_run):
    _, stdout = tests_run
    assert "✗ kontroll gx_national_tests_enrolled" in stdout
    assert "utan inskrivning samma läsår" in stdout


def test_served_table_holds_no_pupil_level_column(tests_run):
    data, _ = tests_run
    con = duckdb.connect(str(data / "serving.duckdb"), read_only=True)
    try:
        columns = {
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns where table_name = 'grade_test_discrepancy'"
            ).fetchall()
        }
    finally:
        con.close()
    assert columns and not columns & {"pupil_key", "pupil_gender", "test_grade", "grade"}
