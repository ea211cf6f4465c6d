"""The checks on the raw tables: each catches what it is for, with a Swedish explanation, and runs as a blocking
check where bad rows would corrupt the marts and as a warning where they would not.

Tables are loaded from small landing files by the real loaders (so the ledger and the raw tables agree, as in
the pipeline), then corrupted directly in DuckDB: a check must fail on rows that got in behind the door.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest
from dagster_duckdb import DuckDBResource

from expectations import gx_part, gx_worker
from expectations import suites as suite_module
from expectations.runner import PERSONAL_COLUMNS, run_suite
from expectations.suites import KIND_TEXT, SUITES
from pipelines.checks import suite_check
from pipelines.definitions import defs
from pipelines.warehouse import replace_table
from sources.landing import kinds, surveys
from sources.landing.attendance import AttendanceLoader
from sources.landing.attendance import schema as attendance_schema
from sources.landing.contract import PNR, Rule, one_of
from sources.landing.folder import sync_folder
from sources.landing.kind_loader import KindLoader
from sources.landing.kinds import ENROLMENTS, GRADE_RECORDS, NATIONAL_TESTS, TEACHER_ASSESSMENTS
from tests.conftest import TEST_KEY, make_pnr, write_landing_csv

BLOCKING = {
    "grades",
    "enrolments",
    "national_tests",
    "teacher_assessments",
    "survey_questions",
    "survey_answers",
    "attendance",
}
WARNING = {"grades_enrolled", "national_tests_enrolled", "survey_respondents", "teacher_assessments_enrolled"}
KEY = TEST_KEY.encode()
SCHOOL = "11110001"
PUPILS = [make_pnr(date(2009, 4, 1 + i), 200 + i, i % 2 == 0) for i in range(12)]

GRADE_HEADER = ["personnummer", "lasar", "termin", "skolenhetskod", "arskurs", "amne", "betyg", "betygstyp"]
ENROLMENT_HEADER = ["personnummer", "lasar", "skolenhetskod", "arskurs", "kon", "klass"]
TEST_HEADER = ["personnummer", "lasar", "skolenhetskod", "arskurs", "amne", "provbetyg"]
ATTENDANCE_HEADER = list(attendance_schema.COLUMNS)


class Warehouse:
    """An in-memory warehouse loaded from a landing folder by the pipeline's own loaders."""

    def __init__(self, root: Path):
        self.landing = root / "landing"
        self.conn = duckdb.connect()

    def write(self, folder: str, name: str, header: list[str], rows: list[list]) -> None:
        write_landing_csv(self.landing / folder / name, header, rows)

    def load(self, *kind_objects) -> None:
        for kind in kind_objects:
            loader = AttendanceLoader(KEY) if kind == "franvaro" else KindLoader(kind, KEY)
            sync_folder(self.conn, self.landing / loader.folder, loader)

    def check(self, name: str):
        return run_suite(self.conn, SUITES[name])

    def close(self) -> None:
        self.conn.close()


@pytest.fixture
def wh(tmp_path):
    warehouse = Warehouse(tmp_path)
    yield warehouse
    warehouse.close()


def failed(outcome) -> dict[tuple[str | None, str], int]:
    return {(f.column, f.expectation): f.unexpected_count for f in outcome.findings}


def explanation(outcome, column: str) -> str:
    return next(f.explanation_sv for f in outcome.findings if f.column == column)


def good_grades(year: str = "2023/24") -> list[list]:
    return [[p, year, "VT", SCHOOL, 9, s, "C", "slutbetyg"] for p in PUPILS for s in ["SV", "EN", "MA"]]


def good_enrolments(year: str = "2023/24") -> list[list]:
    return [[p, year, SCHOOL, "9", "Flicka" if i % 2 == 0 else "Pojke", "9A"] for i, p in enumerate(PUPILS)]


def good_tests() -> list[list]:
    return [[p, "2023/24", SCHOOL, 9, "MA", "B"] for p in PUPILS] + [[PUPILS[0], "2023/24", SCHOOL, 3, "SV", "G"]]


def lessons(day: int, month: int = 3) -> list[list]:
    return [[p, SCHOOL, f"2024-{month:02d}-{day:02d}", "08:15", "MA", 60, 10, "giltig", "ja"] for p in PUPILS] + [
        [p, SCHOOL, f"2024-{month:02d}-{day:02d}", "09:15", "", 40, 0, "", "nej"] for p in PUPILS
    ]


# Declarations ------------------------------------------------------------------------------------------


def test_every_raw_table_has_a_blocking_or_warning_suite():
    assert set(SUITES) == BLOCKING | WARNING
    for name, suite in SUITES.items():
        assert suite.blocking == (name in BLOCKING), name
        assert suite.build(), name


def test_checks_in_the_code_location_block_or_warn_as_their_suite_says():
    graph = defs.resolve_asset_graph()
    checks = {key.name: key for key in graph.asset_check_keys}
    for name in BLOCKING | WARNING:
        spec = graph.get_check_spec(checks[f"gx_{name}"])
        assert spec.blocking == (name in BLOCKING), name
    # A referential check waits for the table it joins.
    spec = graph.get_check_spec(checks["gx_grades_enrolled"])
    assert dg.AssetKey(["raw", "enrolments"]) in {d.asset_key for d in spec.additional_deps}


@pytest.mark.parametrize(
    "kind",
    [GRADE_RECORDS, ENROLMENTS, NATIONAL_TESTS, TEACHER_ASSESSMENTS, surveys.QUESTIONS, surveys.ANSWERS],
    ids=lambda k: k.table,
)
def test_every_contract_column_reads_back_as_the_text_the_reader_validated(kind):
    """The checks run the reader's own rules on loaded rows: each contract column must be read back."""
    assert set(KIND_TEXT[kind.table]) == set(kind.columns) - {PNR}


def test_the_rules_are_the_readers_own_not_a_copy():
    (reader_rules, *_) = suite_module.grades()
    assert reader_rules.rules(None) is kinds.GRADE_RECORDS.rules
    (reader_rules, *_) = suite_module.national_tests()
    assert reader_rules.rules(None) is kinds.NATIONAL_TESTS.rules
    source = Path(suite_module.__file__).read_text() + Path(suite_module.__file__).with_name("rules.py").read_text()
    for typed_again in ('"SVA"', '"slutbetyg"', "'giltig'", '"HT"'):
        assert typed_again not in source, typed_again


def test_a_rule_changed_at_the_door_is_checked_after_load_and_files_are_validated_again(wh, monkeypatch):
    wh.write("betyg", "b.csv", GRADE_HEADER, good_grades())
    wh.load(GRADE_RECORDS)
    assert wh.check("grades").success
    narrower = Rule("betyg", one_of("betyg", ["A", "B"]), "betyg ska vara A eller B")
    monkeypatch.setattr(kinds, "GRADE_RECORDS", dataclasses.replace(GRADE_RECORDS, rules=(narrower,)))
    outcome = wh.check("grades")  # another rule: the file already validated is new again
    assert outcome.files == 1 and outcome.rows == 36
    assert failed(outcome)[("betyg", "inläsningens regel")] == 36
    assert "Betyg ska vara A eller B" in outcome.summary()


# Grades, enrolments, national tests: corrupted behind the door ------------------------------------------


def test_grades_pass_on_good_rows_and_fail_on_rows_written_behind_the_door(wh):
    wh.write("betyg", "b.csv", GRADE_HEADER, good_grades())
    wh.load(GRADE_RECORDS)
    good = wh.check("grades")
    assert good.success and good.rows == 36, good.summary()
    wh.write("betyg", "b2.csv", GRADE_HEADER, good_grades("2024/25"))
    wh.load(GRADE_RECORDS)
    c = wh.conn
    c.execute("update raw.grades set grade = 'G' where school_year = '2024/25' and subject = 'MA'")  # 12 rows
    c.execute("update raw.grades set term = 'XT', grade_level = 5 where school_year = '2024/25' and subject = 'EN'")
    c.execute(
        "update raw.grades set language = '20090401-2009', grade_type = 'slutbetyg' "  # a personnummer
        "where school_year = '2024/25' and subject = 'SV' and source_line = 2"
    )
    c.execute("update raw.grades set pupil_key = null where school_year = '2024/25' and source_line = 3")
    # A copy of a row with its file's hash: a duplicate key, and one row more than the ledger says.
    c.execute("insert into raw.grades select * from raw.grades where school_year = '2024/25' and source_line = 5")
    outcome = wh.check("grades")
    assert not outcome.success and outcome.rows == 37
    found = failed(outcome)
    assert found[("betyg", "inläsningens regel")] == 12
    assert found[("termin", "inläsningens regel")] == 12
    assert found[("arskurs", "inläsningens regel")] == 12
    assert found[("sprak", "inläsningens regel")] == 1
    assert found[("pupil_key", "inte tom")] == 1
    assert found[("pupil_key, school_year, term, subject, language", "unik nyckel")] == 2
    assert found[("source_file_hash", "rader enligt inläsningsloggen")] == 1
    # The slutbetyg row in åk 5 breaks "slutbetyg only in the spring of åk 9" (the reader's rule).
    assert found[("betygstyp", "inläsningens regel")] == 12
    summary = outcome.summary()
    assert "Betyg ska vara A–F" in summary and "Rätta exportfilen och lägg den i betyg/ igen" in summary
    assert "'G'" in summary and "'XT'" in summary
    assert "personnummer" in explanation(outcome, "sprak") and "20090401" not in summary
    assert all(not f.examples or f.column not in PERSONAL_COLUMNS for f in outcome.findings)
    # Failed: the new file was not recorded and is validated again.
    assert wh.check("grades").files == 1


def test_enrolments_and_national_tests(wh):
    wh.write("elever", "e.csv", ENROLMENT_HEADER, good_enrolments())
    wh.write("nationella_prov", "n.csv", TEST_HEADER, good_tests())
    wh.load(ENROLMENTS, NATIONAL_TESTS)
    assert wh.check("enrolments").success and wh.check("national_tests").success
    wh.write("elever", "e2.csv", ENROLMENT_HEADER, good_enrolments("2024/25"))
    wh.write("nationella_prov", "n2.csv", TEST_HEADER, [[p, "2024/25", SCHOOL, 6, "EN", "A"] for p in PUPILS])
    wh.load(ENROLMENTS, NATIONAL_TESTS)
    c = wh.conn
    c.execute(
        "update raw.enrolments set grade_level = '10', gender = null where school_year = '2024/25' and source_line = 2"
    )
    c.execute(
        "update raw.enrolments set gender = 'Q', school_unit_code = '1111' "
        "where school_year = '2024/25' and source_line = 3"
    )
    c.execute("update raw.national_tests set test_grade = 'G' where school_year = '2024/25' and source_line <= 3")
    c.execute(
        "update raw.national_tests set subject = 'TK', school_year = '2024-25' "
        "where source_line = 4 and grade_level = 6"
    )
    enrolments = wh.check("enrolments")
    assert failed(enrolments) == {
        ("arskurs", "inläsningens regel"): 1,
        ("gender", "inte tom"): 1,
        ("kon", "inläsningens regel"): 1,
        ("skolenhetskod", "inläsningens regel"): 1,
    }
    assert "Skolverkets åttasiffriga kod" in explanation(enrolments, "skolenhetskod")
    tests = wh.check("national_tests")
    assert failed(tests) == {
        ("provbetyg", "inläsningens regel"): 2,
        ("amne", "inläsningens regel"): 1,
        ("lasar", "inläsningens regel"): 1,
    }
    assert "G/EG bara i åk 3" in tests.summary()


def test_rows_added_or_removed_behind_the_loader_break_the_ledger_balance(wh):
    wh.write("betyg", "b.csv", GRADE_HEADER, good_grades())
    wh.load(GRADE_RECORDS)
    assert wh.check("grades").success
    # Rows of files already validated are not read again; the whole-table invariant still sees these.
    wh.conn.execute(
        "insert into raw.grades select * replace ('feeddeadbeef' as source_file_hash) from raw.grades limit 2"
    )
    wh.conn.execute("delete from raw.grades where source_line = 5")
    outcome = wh.check("grades")
    assert outcome.rows == 0
    assert failed(outcome) == {
        ("source_file_hash", "rad från en inläst fil"): 2,
        ("source_file_hash", "rader enligt inläsningsloggen"): 1,
    }
    assert "förbi inläsningen" in outcome.summary() and "raw.loaded_files" in outcome.summary()


# Attendance ----------------------------------------------------------------------------------------------


def test_attendance_runs_the_doors_own_rules_on_the_new_rows(wh):
    wh.write("franvaro", "mars.csv", ATTENDANCE_HEADER, lessons(1) + lessons(4))
    wh.load("franvaro")
    good = wh.check("attendance")
    assert good.success and good.rows == 48, good.summary()
    wh.write("franvaro", "april.csv", ATTENDANCE_HEADER, lessons(2, month=4) + lessons(3, month=4))
    wh.load("franvaro")
    c = wh.conn
    april = "lesson_date >= date '2024-04-01'"
    c.execute(f"update raw.attendance set absent_min = 70 where {april} and source_line = 2")  # > scheduled
    c.execute(f"update raw.attendance set scheduled_min = 0, absent_min = 0 where {april} and source_line = 3")
    # A type without absence (the stored enum admits only giltig and ogiltig), an absence without a type
    c.execute(f"update raw.attendance set absent_min = 0, absence_type = 'ogiltig' where {april} and source_line = 4")
    c.execute(f"update raw.attendance set absence_type = null where {april} and source_line = 5")
    c.execute(f"update raw.attendance set school_unit_number = 123456789 where {april} and source_line = 6")  # 9 digits
    c.execute(f"update raw.attendance set reported = null where {april} and source_line = 8")
    c.execute(  # p1's 08:15 lesson on 2 April twice (same file hash: one row more than the ledger says)
        f"insert into raw.attendance select * from raw.attendance where {april} and source_line = 2"
    )
    outcome = wh.check("attendance")
    assert outcome.rows == 49
    assert failed(outcome) == {
        ("franvaro_min", "inläsningens regel"): 2,
        ("schemalagd_tid_min", "inläsningens regel"): 1,
        ("franvarotyp", "inläsningens regel"): 2,
        ("skolenhetskod", "inläsningens regel"): 1,
        ("rapporterad", "inläsningens regel"): 1,
        ("pupil_number, lesson_date, lesson_start", "unik nyckel"): 2,
        ("source_file_number", "rader enligt inläsningsloggen"): 1,
    }
    summary = outcome.summary()
    assert "mellan 0 och den schemalagda tiden" in summary and "'ogiltig'" in summary and "'123456789'" in summary


# Surveys: the whole (small) tables every run ---------------------------------------------------------------


def _survey_tables(conn, questions: list[tuple], answers: list[tuple]) -> None:
    q = pl.DataFrame(
        questions, schema=["survey", "question_id", "question_text", "area", "scale_max", "reversed"], orient="row"
    ).with_columns(pl.col("scale_max").cast(pl.Int8))
    a = pl.DataFrame(
        answers,
        schema=[
            "survey",
            "school_year",
            "school_unit_code",
            "grade_level",
            "gender",
            "respondent_id",
            "question_id",
            "answer",
        ],
        orient="row",
    ).with_columns(pl.col("answer").cast(pl.Int8))
    replace_table(conn, "raw.survey_questions", q)
    replace_table(conn, "raw.survey_answers", a)


QUESTIONS = [("e_2024", "E01", "Trygg?", "trygghet", 4, False), ("e_2024", "E02", "Nöjd?", "trivsel", 5, False)]
ANSWERS = [
    ("e_2024", "2024/25", SCHOOL, "5", "K", "r1", "E01", 4),
    ("e_2024", "2024/25", SCHOOL, "5", "K", "r1", "E02", 5),
    ("e_2024", "2024/25", SCHOOL, None, None, "r2", "E02", None),
    ("e_2024", "2024/25", SCHOOL, "5", "X", "r3", "E02", 1),
]


def test_survey_answers_must_fit_their_question(wh):
    _survey_tables(wh.conn, QUESTIONS, ANSWERS)
    assert wh.check("survey_answers").success and wh.check("survey_questions").success
    bad = ANSWERS + [
        ("e_2024", "2024/25", SCHOOL, "5", "K", "r3", "E01", 5),  # E01 has four options
        ("e_2024", "2024/25", SCHOOL, "5", "K", "r3", "E09", 2),  # not in the catalogue
        ("e_2024", "2024/25", SCHOOL, "12", "Q", "r1", "E01", 3),  # grade, gender; r1 answered E01 already
    ]
    _survey_tables(wh.conn, QUESTIONS, bad)
    outcome = wh.check("survey_answers")
    assert outcome.rows == 7  # the whole table, every run
    assert failed(outcome) == {
        ("svar", "inläsningens regel"): 1,
        ("fraga_id", "inläsningens regel"): 1,
        ("arskurs", "inläsningens regel"): 1,
        ("kon", "inläsningens regel"): 1,
        ("survey, respondent_id, question_id", "unik nyckel"): 2,
    }
    assert "svar ska vara 1–4" in outcome.summary().lower() and "saknas i frågekatalogen" in outcome.summary()
    # Respondent ids are pseudonymous: never shown as examples.
    assert "'r1'" not in outcome.summary() and "'r3'" not in outcome.summary()


@pytest.mark.parametrize("where", ["in the run's process", "in a worker", "after a failed worker"])
def test_survey_questions_and_respondents(wh, where, monkeypatch):
    questions = QUESTIONS + [("e_2024", "E01", "Trygg?", "trygghet", 7, None)]
    moved = ANSWERS + [("e_2024", "2024/25", "22220002", "5", "K", "r1", "E03", 4)]  # r1 at another school
    _survey_tables(wh.conn, questions, moved)
    if where != "in the run's process":
        gx_worker.start("survey_questions")
    if where == "in a worker":  # the answer must come from the worker: GX here would fail the test
        monkeypatch.setattr(gx_part, "gx_results", lambda *_: pytest.fail("validated in the run's process"))
    if where == "after a failed worker":
        gx_worker._STARTED["survey_questions"].kill()
    outcome = wh.check("survey_questions")
    assert not gx_worker._STARTED
    # The reader's rules on the text, and the Great Expectations suite on the loaded catalogue.
    assert failed(outcome) == {
        ("skala_max", "inläsningens regel"): 1,
        ("omvand", "inläsningens regel"): 1,
        ("scale_max", "tillåtet värde"): 1,
        ("reversed", "inte tom"): 1,
        ("survey, question_id", "unik nyckel"): 2,
    }
    respondents = wh.check("survey_respondents")
    assert failed(respondents) == {("school_unit_code", "en uppgift per svarande"): 1}
    assert not SUITES["survey_respondents"].blocking


# Referential checks run as warnings ----------------------------------------------------------------------


def test_grades_without_an_enrolment_warn_and_do_not_block(tmp_path):
    wh = Warehouse(tmp_path)
    wh.conn.close()
    path = tmp_path / "warehouse.duckdb"
    wh.conn = duckdb.connect(str(path))
    wh.write("elever", "e.csv", ENROLMENT_HEADER, [r[:3] + ["8"] + r[4:] for r in good_enrolments()[:10]])
    wh.write("betyg", "b.csv", GRADE_HEADER, good_grades())
    wh.load(ENROLMENTS, GRADE_RECORDS)
    wh.close()
    result = suite_check(SUITES["grades_enrolled"])(warehouse=DuckDBResource(database=str(path)))
    assert not result.passed and result.severity == dg.AssetCheckSeverity.WARN
    assert "inskriven samma läsår: 6 rader" in result.description  # 2 pupils × 3 subjects
    assert "samma årskurs som inskrivningen: 30 rader" in result.description
    assert "utan inskrivning samma läsår" in result.description


def test_an_enrolment_file_arriving_later_settles_the_grades_it_concerns(wh):
    wh.write("betyg", "b.csv", GRADE_HEADER, good_grades())
    wh.write("elever", "e.csv", ENROLMENT_HEADER, good_enrolments()[:10])
    wh.load(ENROLMENTS, GRADE_RECORDS)
    assert failed(wh.check("grades_enrolled")) == {("pupil_key, school_year", "inskriven samma läsår"): 6}
    wh.write("elever", "e2.csv", ENROLMENT_HEADER, good_enrolments()[10:])
    wh.load(ENROLMENTS)
    outcome = wh.check("grades_enrolled")
    assert outcome.success and outcome.files == 3, outcome.summary()
    assert wh.check("grades_enrolled").files == 0


def test_a_check_whose_joined_table_was_never_loaded_says_so(wh):
    wh.write("nationella_prov", "n.csv", TEST_HEADER, good_tests())
    wh.load(NATIONAL_TESTS)
    outcome = wh.check("national_tests_enrolled")
    assert not outcome.success and "raw.enrolments finns inte än" in outcome.summary()


@pytest.mark.parametrize("name", sorted(SUITES))
def test_each_suite_passes_on_the_empty_tables_of_the_pipeline(wh, name):
    """Before any file has arrived the raw tables are empty: no suite may fail on that."""
    for kind in (ENROLMENTS, GRADE_RECORDS, NATIONAL_TESTS, TEACHER_ASSESSMENTS, "franvaro"):
        wh.load(kind)
    replace_table(wh.conn, "raw.survey_questions", surveys.empty_questions())
    replace_table(wh.conn, "raw.survey_answers", surveys.empty_answers())
    outcome = wh.check(name)
    assert outcome.success, outcome.summary()
    for finding in SUITES[name].evaluate(wh.conn, _whole())[0]:
        assert len(finding.explanation_sv) > 20 and finding.explanation_sv[0].isupper(), finding


def _whole():
    from expectations.runner import Scope

    return Scope(whole=True)


def test_gx_is_imported_ahead_in_a_worker_for_the_question_catalogues_alone():
    """`prepare_checks` as the run calls it: a worker process importing GX (expectations/gx_worker.py) for the
    suite with a GX part (the question catalogues), none for the others, one however often asked, without the
    pseudonym key in its environment; GX is not imported in the run's own process. Never asked, the worker ends
    with the process that started it. A fresh interpreter, where GX is not yet imported."""
    script = textwrap.dedent(
        """
        import os, sys, time
        from expectations import gx_worker
        from expectations.suites import prepare_checks
        from skolanalys.settings import PSEUDONYM_KEY_ENV

        os.environ[PSEUDONYM_KEY_ENV] = "the-run's-key"

        prepare_checks("grades")
        prepare_checks("attendance")
        assert not gx_worker._STARTED
        prepare_checks("survey_questions")
        worker = gx_worker._STARTED["survey_questions"]
        prepare_checks("survey_questions")
        assert list(gx_worker._STARTED.values()) == [worker] and worker.poll() is None
        assert "great_expectations" not in sys.modules
        # The worker has the run's environment but not the pseudonym key. Read once it runs the worker's
        # module: until its exec is done, /proc shows the forked copy's environment or none at all.
        deadline = time.monotonic() + 60
        while b"expectations.gx_worker" not in open(f"/proc/{worker.pid}/cmdline", "rb").read():
            assert time.monotonic() < deadline
            time.sleep(0.05)
        environment = open(f"/proc/{worker.pid}/environ", "rb").read().split(bytes(1))
        assert any(v.startswith(b"PATH=") for v in environment)
        assert not any(v.startswith(PSEUDONYM_KEY_ENV.encode()) for v in environment)
        print(worker.pid)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    pid, deadline = int(done.stdout.strip()), time.monotonic() + 60
    # Gone, or a zombie its new parent has not reaped: it read the end of its input and returned.
    while _process_state(pid) not in (None, "Z") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _process_state(pid) in (None, "Z")


def _process_state(pid: int) -> str | None:
    """The state letter in /proc/<pid>/stat (R, S, Z, …), None when the process is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1][0]
    except FileNotFoundError:
        return None
