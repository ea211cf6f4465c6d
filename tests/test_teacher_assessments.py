"""bedomningar/ at the door: teacher assessments (October and March, per pupil and subject from åk 1) read
as digits or Swedish words, pseudonymised, names dropped, bad rows quarantined with line and Swedish reason,
and loaded file by file into raw.teacher_assessments like the other pupil kinds."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from expectations.runner import run_suite
from expectations.suites import SUITES
from sources.landing.contract import read_kind_file
from sources.landing.csvfile import LandingFileError
from sources.landing.folder import sync_folder
from sources.landing.kind_loader import KindLoader
from sources.landing.kinds import ENROLMENTS, NATIONAL_TESTS, POLARS_KINDS, TEACHER_ASSESSMENTS
from sources.landing.registry import KIND_FOLDERS, KIND_SIGNATURES, LEDGER_TABLES
from tests.conftest import TEST_KEY, make_pnr, pupil_key, write_landing_csv

KEY = TEST_KEY.encode()
HEADER = ["personnummer", "fornamn", "efternamn", "lasar", "tillfalle", "skolenhetskod", "arskurs", "amne", "bedomning"]


def pnr(i: int, form: str = "12-dash") -> str:
    return make_pnr(date(2014, 1 + i % 12, 1 + i % 28), i, i % 2 == 0, form)


def not_luhn(p: str) -> str:
    return p[:-1] + str((int(p[-1]) + 1) % 10)


def row(i: int, tillfalle: str = "mars", amne: str = "MA", bedomning: str = "2", **kw) -> list:
    values = {
        "personnummer": pnr(i),
        "fornamn": "Alva",
        "efternamn": "Berg",
        "lasar": "2023/24",
        "tillfalle": tillfalle,
        "skolenhetskod": "12345678",
        "arskurs": "3",
        "amne": amne,
        "bedomning": bedomning,
        **kw,
    }
    return [values[c] for c in HEADER]


def test_the_kind_is_declared_once_and_everything_takes_it_from_there():
    assert TEACHER_ASSESSMENTS in POLARS_KINDS and TEACHER_ASSESSMENTS in KIND_SIGNATURES
    assert "bedomningar" in KIND_FOLDERS
    assert LEDGER_TABLES["raw.teacher_assessments"] == "bedomningar"


def test_digits_words_and_occasions_are_read_alike(tmp_path):
    rows = [
        row(1, "mars", "MA", "1"),
        row(1, "Oktober", "MA", "3"),
        row(1, "mars", "SV", "Godtagbara kunskaper"),
        row(1, "OKT", "SV", "inte godtagbara"),
        row(1, "mars", "EN", "Mer än godtagbara kunskaper"),
        row(1, "HT", "EN", "MER AN  GODTAGBARA"),
        row(2, "VT", "sva", " inte godtagbara kunskaper "),
        row(2, "Mar", "MA", "godtagbara"),
    ]
    path = write_landing_csv(tmp_path / "bedomningar_2023-24.csv", HEADER, rows, encoding="cp1252")
    result = read_kind_file(path, TEACHER_ASSESSMENTS, KEY, other_kinds=KIND_SIGNATURES)
    assert result.quarantine.height == 0 and result.rows.height == 8 and result.balanced
    got = result.rows.select("occasion", "subject", "assessment").rows()
    assert got == [
        ("mars", "MA", 1),
        ("oktober", "MA", 3),
        ("mars", "SV", 2),
        ("oktober", "SV", 1),
        ("mars", "EN", 3),
        ("oktober", "EN", 3),
        ("mars", "SVA", 1),
        ("mars", "MA", 2),
    ]
    rows_out = result.rows
    assert set(rows_out["pupil_key"]) == {pupil_key(pnr(1)), pupil_key(pnr(2))}
    assert rows_out["grade_level"].to_list() == [3] * 8 and rows_out["school_year"].unique().to_list() == ["2023/24"]
    # Names and the personnummer are not kept; the source line is.
    assert not {"fornamn", "efternamn", "personnummer"} & set(rows_out.columns)
    assert rows_out["source_line"].to_list() == list(range(2, 10))


def test_bad_rows_are_quarantined_with_line_and_swedish_reason(tmp_path):
    rows = [
        row(3),  # line 2: fine
        row(4, bedomning="4"),  # 3
        row(5, bedomning="bra"),  # 4
        row(6, tillfalle="december"),  # 5
        row(7, arskurs="F"),  # 6: no assessments in förskoleklass
        row(8, amne="XX"),  # 7
        row(9, lasar="2023-24", skolenhetskod="1234"),  # 8: two problems
        [not_luhn(pnr(10)), *row(10)[1:]],  # 9: Luhn
        row(3, bedomning="Godtagbara kunskaper"),  # 10: the same key as line 2
        row(11, bedomning=""),  # 11: empty
    ]
    path = write_landing_csv(tmp_path / "bedomningar.csv", HEADER, rows)
    result = read_kind_file(path, TEACHER_ASSESSMENTS, KEY)
    assert result.rows.height == 1 and result.quarantine.height == 9 and result.balanced
    q = {r["line"]: r for r in result.quarantine.iter_rows(named=True)}
    assert set(q) == set(range(3, 12))
    assert q[3]["column"] == "bedomning" and "bedömning ska vara 1, 2, 3" in q[3]["reason"] and "'4'" in q[3]["reason"]
    assert q[4]["column"] == "bedomning" and "'bra'" in q[4]["reason"]
    assert q[5]["column"] == "tillfalle" and "tillfälle ska vara oktober eller mars" in q[5]["reason"]
    assert q[6]["column"] == "arskurs" and "årskurs 1–9" in q[6]["reason"]
    assert q[7]["column"] == "amne" and "okänd ämneskod" in q[7]["reason"]
    assert "läsår" in q[8]["reason"] and "skolenhetskod" in q[8]["reason"]
    assert q[9]["column"] == "personnummer" and "Luhn" in q[9]["reason"]
    assert "dubblett" in q[10]["reason"] and "rad 2" in q[10]["reason"] and "tillfälle" in q[10]["reason"]
    assert q[11]["column"] == "bedomning"
    assert all(r["file"] == "bedomningar.csv" for r in q.values())
    assert all(r["raw"].startswith("<maskerat>;") for r in q.values())
    numbers = [pnr(i) for i in range(3, 12)]
    stored = "".join(result.quarantine["raw"]) + "".join(result.quarantine["reason"])
    assert not any(n in stored or n.replace("-", "") in stored for n in numbers)


def test_a_personnummer_in_a_wrong_column_is_masked_and_quarantines_its_row(tmp_path):
    planted = make_pnr(date(1984, 4, 4), 21, False, "10-dash")
    rows = [row(12), row(13, amne=planted), row(14, efternamn=planted)]
    folder = tmp_path / "landing" / "bedomningar"
    write_landing_csv(folder / f"bedomningar_{planted}.csv", HEADER, rows)
    conn = duckdb.connect()
    sync = sync_folder(conn, folder, KindLoader(TEACHER_ASSESSMENTS, KEY, KIND_SIGNATURES))
    # efternamn is not a contract column: dropped unread, so its row loads.
    assert conn.execute("select count(*) from raw.teacher_assessments").fetchall() == [(2,)]
    (bad,) = conn.execute('select kind, file, line, "column", reason, raw from raw.quarantine').fetchall()
    assert bad[:4] == ("bedomningar", "bedomningar_<maskerat>.csv", 3, "amne")
    assert "kolumnen amne innehåller något som liknar ett personnummer" in bad[4]
    assert "<maskerat>" in bad[5]
    stored = conn.execute(
        "select string_agg(coalesce(file, '') || reason || coalesce(raw, ''), ' ') from raw.quarantine"
    ).fetchall()[0][0]
    stored += " ".join(conn.execute("select file_name from raw.loaded_files").fetchall()[0])
    stored += " ".join([*sync.warnings, *sync.notes, *(s.line for s in sync.statuses)])
    assert planted not in stored and planted.replace("-", "") not in stored


def test_other_kinds_files_are_turned_away_in_both_directions(tmp_path):
    assessments = write_landing_csv(tmp_path / "bedomningar.csv", HEADER, [row(15)])
    with pytest.raises(LandingFileError, match="höra till mappen bedomningar/"):
        read_kind_file(assessments, ENROLMENTS, KEY, other_kinds=KIND_SIGNATURES)
    with pytest.raises(LandingFileError, match="höra till mappen bedomningar/"):
        read_kind_file(assessments, NATIONAL_TESTS, KEY, other_kinds=KIND_SIGNATURES)
    tests = write_landing_csv(
        tmp_path / "prov.csv",
        ["personnummer", "lasar", "skolenhetskod", "arskurs", "amne", "provbetyg"],
        [[pnr(16), "2023/24", "12345678", "3", "MA", "G"]],
    )
    with pytest.raises(LandingFileError, match="höra till mappen nationella_prov/"):
        read_kind_file(tests, TEACHER_ASSESSMENTS, KEY, other_kinds=KIND_SIGNATURES)


def test_loaded_through_the_ledger_and_a_corrected_file_replaces_its_rows(tmp_path):
    folder = tmp_path / "landing" / "bedomningar"
    write_landing_csv(folder / "mars.csv", HEADER, [row(17, bedomning="1"), row(18, bedomning="2")])
    conn = duckdb.connect()
    loader = KindLoader(TEACHER_ASSESSMENTS, KEY, KIND_SIGNATURES)
    assert len(sync_folder(conn, folder, loader).loaded) == 1
    columns = [r[0] for r in conn.execute("describe raw.teacher_assessments").fetchall()]
    assert columns[:8] == [
        "pupil_key",
        "pupil_gender",
        "school_year",
        "occasion",
        "school_unit_code",
        "grade_level",
        "subject",
        "assessment",
    ]
    types = dict(conn.execute("select column_name, column_type from (describe raw.teacher_assessments)").fetchall())
    assert types["assessment"] == "TINYINT" and types["grade_level"] == "TINYINT"
    write_landing_csv(folder / "mars_rattad.csv", HEADER, [row(17, bedomning="mer än godtagbara")])
    sync = sync_folder(conn, folder, loader)
    assert sync.total("rows_replaced") == 1
    got = conn.execute("select pupil_key, assessment from raw.teacher_assessments order by assessment").fetchall()
    assert got == [(pupil_key(pnr(18)), 2), (pupil_key(pnr(17)), 3)]
    assert len(sync_folder(conn, folder, loader).loaded) == 0  # nothing new: nothing read


def test_the_checks_run_the_readers_rules_on_loaded_rows_and_warn_about_pupils_not_enrolled(tmp_path):
    landing = tmp_path / "landing"
    write_landing_csv(
        landing / "bedomningar" / "b.csv", HEADER, [row(i, amne=s) for i in range(20, 26) for s in ["SV", "MA", "EN"]]
    )
    enrolled = [[pnr(i), "2023/24", "12345678", "3"] for i in range(20, 25)]  # pupil 25 is not enrolled
    write_landing_csv(landing / "elever" / "e.csv", ["personnummer", "lasar", "skolenhetskod", "arskurs"], enrolled)
    conn = duckdb.connect()
    for kind in (ENROLMENTS, TEACHER_ASSESSMENTS):
        sync_folder(conn, landing / kind.folder, KindLoader(kind, KEY, KIND_SIGNATURES))
    assert run_suite(conn, SUITES["teacher_assessments"]).success
    referential = run_suite(conn, SUITES["teacher_assessments_enrolled"])
    assert not referential.success and not SUITES["teacher_assessments_enrolled"].blocking
    assert "inskriven samma läsår: 3 rader" in referential.summary()

    write_landing_csv(landing / "bedomningar" / "b2.csv", HEADER, [row(20, tillfalle="okt")])
    sync_folder(conn, landing / "bedomningar", KindLoader(TEACHER_ASSESSMENTS, KEY, KIND_SIGNATURES))
    conn.execute("update raw.teacher_assessments set assessment = 4, occasion = 'april' where occasion = 'oktober'")
    outcome = run_suite(conn, SUITES["teacher_assessments"])
    assert not outcome.success and SUITES["teacher_assessments"].blocking
    found = {(f.column, f.expectation): f.unexpected_count for f in outcome.findings if f.unexpected_count}
    assert found == {("bedomning", "inläsningens regel"): 1, ("tillfalle", "inläsningens regel"): 1}
    assert "rätta exporten i bedomningar/" in outcome.summary()
