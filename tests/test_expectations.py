"""Great Expectations suites on hand-made raw tables: each catches what it is for, with a Swedish explanation,
and runs as a blocking check where bad rows would corrupt the marts and as a warning where they would not.

Tables are hand-made pandas frames put into an in-memory DuckDB, so a suite's own SQL (joins, counts) runs
exactly as in the pipeline.
"""

from __future__ import annotations

from datetime import date, time

import dagster as dg
import duckdb
import pandas as pd
import pytest
from dagster_duckdb import DuckDBResource

from expectations.runner import validate
from expectations.suites import SUITES
from pipelines.checks import suite_check
from pipelines.definitions import defs

BLOCKING = {"grades", "enrolments", "national_tests", "survey_questions", "survey_answers", "attendance"}
WARNING = {"grades_enrolled", "national_tests_enrolled", "survey_respondents"}


def run_suite(name: str, **tables: pd.DataFrame):
    """Validate suite `name` against raw tables given as frames; returns {column: unexpected_count}."""
    suite = SUITES[name]
    con = duckdb.connect()
    try:
        con.execute("create schema raw")
        for table, frame in tables.items():
            con.register("frame", frame)
            con.execute(f"create table raw.{table} as select * from frame")
            con.unregister("frame")
        data = con.execute(suite.sql).df()
    finally:
        con.close()
    outcome = validate(data, name, suite.build())
    return outcome, {f.column: f.unexpected_count for f in outcome.findings}


def test_every_raw_table_has_a_suite_and_every_expectation_says_what_to_do():
    assert set(SUITES) == BLOCKING | WARNING
    for name, suite in SUITES.items():
        assert suite.blocking == (name in BLOCKING), name
        pairs = suite.build()
        assert pairs, name
        for _, explanation in pairs:
            assert len(explanation) > 20 and explanation[0].isupper(), (name, explanation)


def test_checks_in_the_code_location_block_or_warn_as_their_suite_says():
    graph = defs.resolve_asset_graph()
    checks = {key.name: key for key in graph.asset_check_keys}
    for name in BLOCKING | WARNING:
        spec = graph.get_check_spec(checks[f"gx_{name}"])
        assert spec.blocking == (name in BLOCKING), name
    # A referential check waits for the table it joins.
    spec = graph.get_check_spec(checks["gx_grades_enrolled"])
    assert dg.AssetKey(["raw", "enrolments"]) in {d.asset_key for d in spec.additional_deps}


# National tests --------------------------------------------------------------------------------------


def national_tests(rows) -> pd.DataFrame:
    frame = pd.DataFrame(
        rows, columns=["pupil_key", "school_year", "school_unit_code", "grade_level", "subject", "test_grade"]
    )
    return frame.astype({"grade_level": "int8"})


def test_national_tests_domain_level_and_key():
    good = [
        ("p1", "2023/24", "11110001", 9, "MA", "C"),
        ("p1", "2023/24", "11110001", 9, "SV", "A"),
        ("p2", "2023/24", "11110001", 3, "MA", "G"),
    ]
    outcome, _ = run_suite("national_tests", national_tests=national_tests(good))
    assert outcome.success, outcome.summary()
    bad = good + [
        ("p3", "2023/24", "11110001", 4, "MA", "C"),  # no test in åk 4
        ("p4", "2023/24", "11110001", 9, "MA", "G"),  # G is åk 3's
        ("p5", "2023/24", "11110001", 6, "XX", "B"),  # no such test
        ("p1", "2023/24", "11110001", 9, "MA", "B"),  # p1 has MA already
        ("p6", "2023-24", "1111", 6, "EN", "E"),
    ]
    outcome, failed = run_suite("national_tests", national_tests=national_tests(bad))
    assert failed == {
        "grade_level": 1,
        "subject": 1,
        "test_grade_fits_grade_level": 1,
        "pupil_key, school_year, subject": 2,
        "school_unit_code": 1,
        "school_year": 1,
    }
    assert "G/EG bara i åk 3" in outcome.summary()


# Surveys ---------------------------------------------------------------------------------------------


QUESTIONS = pd.DataFrame(
    [("e_2024", "E01", "Trygg?", "trygghet", 4, False), ("e_2024", "E02", "Nöjd?", "trivsel", 5, False)],
    columns=["survey", "question_id", "question_text", "area", "scale_max", "reversed"],
).astype({"scale_max": "int8"})


def answers(rows) -> pd.DataFrame:
    frame = pd.DataFrame(
        rows,
        columns=[
            "survey",
            "school_year",
            "school_unit_code",
            "grade_level",
            "gender",
            "respondent_id",
            "question_id",
            "answer",
        ],
    )
    return frame.astype({"answer": "Int8"})


def test_survey_answers_must_fit_their_question():
    good = [
        ("e_2024", "2024/25", "11110001", "5", "K", "r1", "E01", 4),
        ("e_2024", "2024/25", "11110001", "5", "K", "r1", "E02", 5),
        ("e_2024", "2024/25", "11110001", None, None, "r2", "E02", None),
    ]
    outcome, _ = run_suite("survey_answers", survey_answers=answers(good), survey_questions=QUESTIONS)
    assert outcome.success, outcome.summary()
    bad = good + [
        ("e_2024", "2024/25", "11110001", "5", "X", "r3", "E01", 5),  # E01 has four options
        ("e_2024", "2024/25", "11110001", "5", "K", "r3", "E09", 2),  # not in the catalogue
        ("e_2024", "2024/25", "11110001", "12", "Q", "r1", "E01", 3),  # grade, gender; r1 answered E01 already
    ]
    outcome, failed = run_suite("survey_answers", survey_answers=answers(bad), survey_questions=QUESTIONS)
    assert failed == {
        "scale_max, answer": 1,
        "question_in_catalogue": 1,
        "grade_level": 1,
        "gender": 1,
        "survey, respondent_id, question_id": 2,
    }
    # Respondent ids are pseudonymous: never shown as examples.
    assert all(not f.examples for f in outcome.findings if "respondent_id" in (f.column or ""))


def test_survey_questions_and_respondents():
    bad = pd.concat([QUESTIONS, QUESTIONS.head(1).assign(scale_max=7)]).astype({"scale_max": "int8"})
    _, failed = run_suite("survey_questions", survey_questions=bad)
    assert failed == {"scale_max": 1, "survey, question_id": 2}
    moved = answers(
        [
            ("e_2024", "2024/25", "11110001", "5", "K", "r1", "E01", 4),
            ("e_2024", "2024/25", "22220002", "5", "K", "r1", "E02", 4),  # same respondent, another school
        ]
    )
    outcome, failed = run_suite("survey_respondents", survey_answers=moved)
    assert failed == {"school_units": 1} and not SUITES["survey_respondents"].blocking


# Attendance (schema of sources/landing/attendance.py) ------------------------------------------------


def attendance(rows) -> pd.DataFrame:
    frame = pd.DataFrame(
        rows,
        columns=[
            "pupil_key",
            "school_unit_code",
            "school_year",
            "lesson_date",
            "lesson_start",
            "scheduled_min",
            "absent_min",
            "absence_type",
            "reported",
        ],
    )
    frame["lesson_date"] = pd.to_datetime(frame["lesson_date"])
    return frame.astype({"scheduled_min": "int32", "absent_min": "int32", "reported": "bool"})


def lesson(day: int, start: int, scheduled=60, absent=0, kind=None, pupil="p1", unit="11110001", month=3):
    return (pupil, unit, "2023/24", date(2024, month, day), time(start), scheduled, absent, kind, True)


def test_attendance_ranges_types_and_key_are_checked_per_school_and_month():
    good = [
        lesson(1, 8),
        lesson(1, 9, absent=60, kind="giltig"),
        lesson(2, 8, absent=15, kind="ogiltig"),
        lesson(1, 8, pupil="p2", unit="22220002"),
    ]
    outcome, _ = run_suite("attendance", attendance=attendance(good))
    assert outcome.success, outcome.summary()
    bad = good + [
        lesson(4, 8, scheduled=40, absent=50, kind="giltig"),  # more absence than scheduled
        lesson(4, 9, absent=-5, kind="giltig"),
        lesson(4, 10, scheduled=0),  # no scheduled time
        lesson(5, 8, absent=30),  # absent without a type
        lesson(5, 9, absent=30, kind="sjuk"),  # unknown type
        lesson(1, 8),  # p1's lesson on 1 March at 08:00 twice
        lesson(6, 8, unit="1234", month=4),  # bad school unit, another month
    ]
    outcome, failed = run_suite("attendance", attendance=attendance(bad))
    # Counted per school unit and month: every problem of March at school 11110001 is one failing group.
    assert failed == {
        "absence_outside_scheduled_time": 1,
        "without_scheduled_time": 1,
        "absence_without_type": 1,
        "unknown_absence_type": 1,
        "duplicate_lessons": 1,
        "bad_school_unit": 1,
    }
    assert "mellan 0 och den schemalagda tiden" in outcome.summary()


# Referential checks run as warnings --------------------------------------------------------------------


def test_grades_without_an_enrolment_warn_and_do_not_block(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema raw")
    con.execute(
        "create table raw.grades as select * from (values ('p1', '2023/24', 'VT', '11110001', 9::tinyint), "
        "('p2', '2023/24', 'VT', '11110001', 9::tinyint)) as t(pupil_key, school_year, term, school_unit_code, "
        "grade_level)"
    )
    con.execute("create table raw.enrolments as select 'p1' as pupil_key, '2023/24' as school_year, '8' as grade_level")
    con.close()
    result = suite_check(SUITES["grades_enrolled"])(warehouse=DuckDBResource(database=str(path)))
    assert not result.passed and result.severity == dg.AssetCheckSeverity.WARN
    assert "enrolled" in result.description and "same_grade_level" in result.description
    assert "utan inskrivning samma läsår" in result.description


def test_a_check_whose_joined_table_was_never_loaded_says_so(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema raw")
    con.execute("create table raw.national_tests as select 'p1' as pupil_key")
    con.close()
    result = suite_check(SUITES["national_tests_enrolled"])(warehouse=DuckDBResource(database=str(path)))
    assert not result.passed and "raw.enrolments finns inte än" in result.description


@pytest.mark.parametrize("name", sorted(SUITES))
def test_each_suite_passes_on_an_empty_table_of_the_pipeline(name):
    """Before any file has arrived the raw tables are empty: no suite may fail on that."""
    empty = {
        "grades": pd.DataFrame(
            {
                c: pd.Series(dtype="object")
                for c in [
                    "pupil_key",
                    "school_year",
                    "term",
                    "school_unit_code",
                    "subject",
                    "language",
                    "grade",
                    "grade_type",
                ]
            }
        ).assign(grade_level=pd.Series(dtype="int8")),
        "enrolments": pd.DataFrame(
            {
                c: pd.Series(dtype="object")
                for c in ["pupil_key", "school_year", "school_unit_code", "grade_level", "gender"]
            }
        ),
        "national_tests": national_tests([]),
        "survey_questions": QUESTIONS.head(0),
        "survey_answers": answers([]),
        "attendance": attendance([]),
    }
    outcome, failed = run_suite(name, **{t: empty[t] for t in SUITES[name].tables})
    assert outcome.success, outcome.summary()
