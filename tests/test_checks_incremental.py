"""The checks validate the rows of files loaded since they last passed, not whole tables every run.

A bad row planted in the rows of a file the check has already passed with is not read again (only the
whole-table ledger balance would notice rows added or removed); a failed check validates the same files
again next run; a file loaded again (table rebuilt, key rotated) is new again.
"""

from __future__ import annotations

from sources.landing.kinds import GRADE_RECORDS
from sources.landing.ledger import LEDGER_TABLE
from tests.test_expectations import ATTENDANCE_HEADER, GRADE_HEADER, Warehouse, failed, good_grades, lessons


def test_grades_second_call_validates_only_the_new_files_rows(tmp_path):
    wh = Warehouse(tmp_path)
    wh.write("betyg", "b1.csv", GRADE_HEADER, good_grades("2022/23"))
    wh.load(GRADE_RECORDS)
    first = wh.check("grades")
    assert first.success and (first.files, first.rows) == (1, 36)

    # Planted in the validated file's rows: not scanned again, by design.
    wh.conn.execute("update raw.grades set grade = 'G' where school_year = '2022/23' and source_line = 2")
    wh.write("betyg", "b2.csv", GRADE_HEADER, good_grades("2023/24"))
    wh.load(GRADE_RECORDS)
    second = wh.check("grades")
    assert second.success, second.summary()
    assert (second.files, second.rows) == (1, 36)  # b2 only

    nothing_new = wh.check("grades")
    assert nothing_new.success and (nothing_new.files, nothing_new.rows) == (0, 0)


def test_a_failed_check_validates_the_same_files_again_until_they_pass(tmp_path):
    wh = Warehouse(tmp_path)
    wh.write("betyg", "b1.csv", GRADE_HEADER, good_grades("2022/23"))
    wh.load(GRADE_RECORDS)
    wh.conn.execute("update raw.grades set grade = 'G' where source_line = 2")
    for _ in range(2):
        outcome = wh.check("grades")
        assert not outcome.success and (outcome.files, outcome.rows) == (1, 36)
        assert failed(outcome)[("betyg", "inläsningens regel")] == 1
    wh.conn.execute("update raw.grades set grade = 'C' where source_line = 2")  # repaired
    assert wh.check("grades").success
    assert wh.check("grades").files == 0


def test_a_file_loaded_again_is_validated_again(tmp_path):
    wh = Warehouse(tmp_path)
    wh.write("betyg", "b1.csv", GRADE_HEADER, good_grades("2022/23"))
    wh.load(GRADE_RECORDS)
    assert wh.check("grades").files == 1
    # What a key rotation or a rebuilt table does: rows and ledger emptied, the folder read again.
    wh.conn.execute("delete from raw.grades")
    wh.conn.execute(f"delete from {LEDGER_TABLE} where kind = 'betyg'")
    wh.load(GRADE_RECORDS)
    again = wh.check("grades")
    assert again.success and (again.files, again.rows) == (1, 36)
    # The bookkeeping keeps only what matches the ledger.
    assert wh.conn.execute("select count(*) from checks.validated_files where check_name = 'gx_grades'").fetchall() == [
        (1,)
    ]


def test_attendance_second_call_validates_only_the_new_days(tmp_path):
    wh = Warehouse(tmp_path)
    wh.write("franvaro", "mars.csv", ATTENDANCE_HEADER, [r for d in range(1, 21) for r in lessons(d)])
    wh.load("franvaro")
    first = wh.check("attendance")
    assert first.success and (first.files, first.rows) == (1, 480)
    wh.conn.execute("update raw.attendance set absent_min = 99 where source_line = 2")  # validated: not re-read
    wh.write("franvaro", "april-01.csv", ATTENDANCE_HEADER, lessons(1, month=4))
    wh.load("franvaro")
    second = wh.check("attendance")
    assert second.success, second.summary()
    assert (second.files, second.rows) == (1, 24)  # one new day


def test_survey_checks_skip_tables_unchanged_since_they_passed(tmp_path):
    from tests.test_expectations import ANSWERS, QUESTIONS, _survey_tables

    wh = Warehouse(tmp_path)
    try:
        _survey_tables(wh.conn, QUESTIONS, ANSWERS)
        first = wh.check("survey_answers")
        assert first.success and first.rows == len(ANSWERS)
        again = wh.check("survey_answers")  # re-read whole, the same rows: nothing to validate
        assert again.success and again.rows == 0 and "oförändrade" in again.summary()
        bad = [*ANSWERS[:-1], (*ANSWERS[-1][:-1], 9)]  # the same table but one answer outside its scale
        _survey_tables(wh.conn, QUESTIONS, bad)
        outcome = wh.check("survey_answers")
        assert not outcome.success and outcome.rows == len(ANSWERS)
        assert wh.check("survey_answers").rows == len(ANSWERS)  # a failed check validates again
    finally:
        wh.close()
