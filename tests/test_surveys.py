"""Surveys (enkater/): the contract at the door, and scores on hand-built respondents through `skolanalys run`
(the shared hand-built run).

The expected figures are computed in this file straight from domain.md — answer scores 10 / 6.67 / 3.33 / 0
(four options) and 10 / 7.5 / 5 / 2.5 / 0 (five), negatively worded questions reversed, "positive" = the two
most agreeing options, every respondent weighing the same — not read back from the warehouse's SQL.
"""

from __future__ import annotations

import os

import duckdb
import pytest

from sources.landing.surveys import read_survey_folder
from tests.conftest import write_landing_csv
from tests.handbuilt_landing import (
    ANSWER_HEADER,
    CATALOGUE_HEADER,
    GUARDIAN_QUESTIONS,
    PUPIL_QUESTIONS,
    SURVEY_SCHOOL_YEAR,
    catalogue_rows,
)

# Scoring, independently of the SQL -------------------------------------------------------------------


def score(answer: int, scale: int, reversed_: bool) -> tuple[float, bool]:
    """(score 0–10, positive) of one answer, as domain.md defines it."""
    adjusted = scale + 1 - answer if reversed_ else answer
    scores = {4: [0, 10 / 3, 20 / 3, 10], 5: [0, 2.5, 5, 7.5, 10]}[scale]
    return scores[adjusted - 1], adjusted >= scale - 1


def expected(respondents: list[dict], questions, area: str) -> tuple[float, float, int]:
    """(share positive %, index, n) of a group: each respondent's mean over the area questions answered."""
    indexes, shares = [], []
    for r in respondents:
        scored = [score(r["answers"][q], s, rev) for q, a, s, rev in questions if a == area and r["answers"].get(q)]
        if scored:
            indexes.append(sum(x for x, _ in scored) / len(scored))
            shares.append(100 * sum(p for _, p in scored) / len(scored))
    return sum(shares) / len(shares), sum(indexes) / len(indexes), len(indexes)


@pytest.fixture(scope="module")
def survey_run(handbuilt):
    """The shared hand-built run (tests/shared_runs.py); no other data set in it has survey answers."""
    return handbuilt.data, handbuilt.respondents


def _query(path, sql: str, params=()):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def _result(data, unit: str, area: str, grade: str, gender: str, survey: str = "elevenkat_2024"):
    rows = _query(
        data / "serving.duckdb",
        "select share_positive, index_value, n, status from survey_results where survey = ? and unit_code = ? "
        "and area = ? and grade_level = ? and gender = ?",
        [survey, unit, area, grade, gender],
    )
    assert len(rows) == 1, (unit, area, grade, gender, rows)
    return rows[0]


def test_hand_worked_respondent_is_scored_as_skolenkaten(survey_run):
    data, _ = survey_run
    rows = _query(
        data / "warehouse.duckdb",
        "select question_id, score, is_positive from intermediate.int_survey_answers_scored "
        "where respondent_id = 'A9999' order by question_id",
    )
    got = {q: (round(s, 2), p) for q, s, p in rows}
    assert got == {
        "E01": (6.67, True),  # 3 of 4
        "E02": (6.67, True),  # reversed: 2 → 3 of 4
        "E03": (7.5, True),  # 4 of 5
        "E04": (0.0, False),  # 1 of 4
        "E05": (10.0, True),
        "E06": (0.0, False),  # reversed: 5 → 1 of 5
    }


@pytest.mark.parametrize("area", ["trygghet", "studiero", "trivsel", "delaktighet"])
def test_school_and_municipality_results_match_an_independent_computation(survey_run, area):
    data, respondents = survey_run
    pupils = respondents["elevenkat_2024"]
    school_a = [r for r in pupils if r["school"] == "11110001"]
    for unit, group, grade, gender in [
        ("11110001", school_a, "alla", "T"),
        ("11110001", [r for r in school_a if r["kon"] == "Flicka"], "alla", "K"),
        ("11110001", [r for r in school_a if r["kon"] == "Pojke"], "alla", "M"),
        ("1261", [r for r in pupils if r["grade"] == "8"], "8", "T"),
        ("1261", pupils, "alla", "T"),
    ]:
        share, index, n = expected(group, PUPIL_QUESTIONS, area)
        got_share, got_index, got_n, status = _result(data, unit, area, grade, gender)
        assert (got_n, status) == (n, ""), (unit, grade, gender)
        assert got_share == pytest.approx(share) and got_index == pytest.approx(index), (unit, grade, gender)


def test_fewer_than_five_respondents_are_not_reported(survey_run):
    data, _ = survey_run
    assert _result(data, "33330003", "trygghet", "alla", "T") == (None, None, None, "..")


def test_no_small_group_follows_from_the_total(survey_run):
    data, _ = survey_run
    # School B (and so the kommun) has 2 'Annat' beside its girls and boys: T − K − M would reveal them, so
    # T, K and M are never all shown.
    for unit in ("22220002", "1261"):
        statuses = [_result(data, unit, "trivsel", "alla", g)[3] for g in "TKM"]
        assert ".." in statuses, unit
    assert [_result(data, "1261", "trivsel", "alla", g)[3] for g in "KM"] == ["..", ".."]
    # School B: 4 in åk 8 (too few) and 10 in åk 5. School C's 4 are withheld, so school B's 14 — the
    # smallest school shown beside them — are too, else C = kommun − A − B; with B's 'alla' withheld, its
    # åk 5 can be shown without giving away its åk 8.
    assert _result(data, "22220002", "trivsel", "8", "T")[3] == ".."
    assert _result(data, "22220002", "trivsel", "alla", "T")[3] == ".."
    assert _result(data, "22220002", "trivsel", "5", "T")[2] == 10
    assert _result(data, "11110001", "trivsel", "alla", "T")[2] == 16
    # The kommun's åk 8 is school A's 8 and school B's 4: A's åk 8 is withheld, else B's = kommun − A;
    # and then A's åk 5 too, else A's åk 8 = A's 'alla' − A's åk 5 (complementary suppression).
    assert _result(data, "11110001", "trivsel", "8", "T")[3] == ".."
    assert _result(data, "11110001", "trivsel", "5", "T")[3] == ".."
    assert _result(data, "1261", "trivsel", "8", "T")[2] == 12


def test_indicator_values_carry_the_survey_ids_with_five_respondents_as_threshold(survey_run):
    data, respondents = survey_run
    pupils = respondents["elevenkat_2024"]
    school_a = [r for r in pupils if r["school"] == "11110001"]
    rows = _query(
        data / "serving.duckdb",
        "select indicator_id, unit_code, gender, value, n, status, min_n from indicator_values "
        "where indicator_id like 'SKA_ENK_%' and year = 2025",
    )
    got = {(i, u, g): (v, n, s, m) for i, u, g, v, n, s, m in rows}
    share, index, n = expected(school_a, PUPIL_QUESTIONS, "trygghet")
    assert got[("SKA_ENK_ELEV_TRYGGHET", "11110001", "T")] == (pytest.approx(share), n, "", 5)
    assert got[("SKA_ENK_ELEV_TRYGGHET_INDEX", "11110001", "T")] == (pytest.approx(index), n, "", 5)
    assert got[("SKA_ENK_ELEV_STUDIERO", "33330003", "T")] == (None, None, "..", 5)
    assert got[("SKA_ENK_ELEV_TRIVSEL", "22220002", "K")][2] == ".."
    share, _, n = expected(respondents["vardnadshavarenkat_2024"], GUARDIAN_QUESTIONS, "trygghet")
    assert got[("SKA_ENK_VH_TRYGGHET", "11110001", "T")] == (pytest.approx(share), n, "", 5)
    # Every id served is described in the catalogue.
    ids = {i for i, _, _ in got}
    described = {r[0] for r in _query(data / "serving.duckdb", "select indicator_id from indicators")}
    assert ids <= described


def test_survey_results_hold_no_respondent_level_column(survey_run):
    data, _ = survey_run
    columns = {
        r[0]
        for r in _query(
            data / "serving.duckdb",
            "select column_name from information_schema.columns where table_name = 'survey_results'",
        )
    }
    assert columns and not columns & {"respondent_id", "pupil_key", "answer", "question_id"}


# The contract at the door ----------------------------------------------------------------------------


def _catalogue(folder, survey="elevenkat_2024"):
    return write_landing_csv(folder / f"{survey}_fragor.csv", CATALOGUE_HEADER, catalogue_rows(PUPIL_QUESTIONS))


def test_contract_breaking_answers_are_quarantined_with_reasons_and_the_rest_loads(tmp_path):
    folder = tmp_path / "enkater"
    _catalogue(folder)
    s, y, u = "elevenkat_2024", SURVEY_SCHOOL_YEAR, "11110001"
    rows = [
        [s, y, u, "5", "Flicka", "r1", "E01", "4"],  # line 2: fine
        [s, y, u, "5", "Flicka", "r1", "E03", "5"],  # 3: fine (E03 has five options)
        [s, y, u, "5", "Flicka", "r1", "E04", "5"],  # 4: E04 has four options
        [s, y, u, "5", "Flicka", "r1", "E99", "2"],  # 5: unknown question
        [s, y, u, "5", "Flicka", "r1", "E01", "3"],  # 6: duplicate of line 2
        ["okand_2024", y, u, "5", "Pojke", "r2", "E01", "1"],  # 7: survey without a catalogue
        [s, y, u, "5", "Pojke", "r2", "E01", "ja"],  # 8: not a number
        [s, y, u, "11", "Vet ej", "r3", "E01", "0"],  # 9: grade, gender and answer all wrong
        [s, y, u, "5", "", "r4", "E02", ""],  # 10: fine: no gender, no answer
    ]
    write_landing_csv(folder / "svar.csv", ANSWER_HEADER, rows)
    load = read_survey_folder(folder)
    answers_in = len(rows)
    catalogue_in = len(PUPIL_QUESTIONS)
    assert load.rows_in == answers_in + catalogue_in
    assert load.answers.height + load.questions.height + load.quarantine.height == load.rows_in
    assert sorted(load.answers["source_line"].to_list()) == [2, 3, 10]
    q = {r["line"]: r for r in load.quarantine.iter_rows(named=True)}
    assert set(q) == {4, 5, 6, 7, 8, 9}
    assert q[4]["column"] == "svar" and "svar ska vara 1–4 (värde: '5')" in q[4]["reason"]
    assert q[5]["column"] == "fraga_id" and "okänd fråga" in q[5]["reason"] and "'E99'" in q[5]["reason"]
    assert "dubblett: samma enkät, svarande och fråga som rad 2" in q[6]["reason"]
    assert q[7]["column"] == "enkat" and "ingen frågekatalog" in q[7]["reason"]
    assert "svar ska vara ett heltal" in q[8]["reason"]
    assert all(w in q[9]["reason"] for w in ("årskurs", "kön", "svar ska vara 1–4 (värde: '0')"))
    # The row as it was, in the contract's column order (required columns first).
    assert q[9]["raw"] == f"{s};{y};{u};r3;E01;0;11;Vet ej"
    assert any("6 av 9 rader i karantän" in m for m in load.messages)
    assert load.answers.filter(load.answers["source_line"] == 10).row(0, named=True)["gender"] is None


def test_missing_column_and_empty_file_are_clear_and_nothing_is_lost(tmp_path):
    folder = tmp_path / "enkater"
    _catalogue(folder)
    write_landing_csv(
        folder / "utan_svar.csv",
        [c for c in ANSWER_HEADER if c != "svar"],
        [["elevenkat_2024", SURVEY_SCHOOL_YEAR, "11110001", "5", "K", "r1", "E01"]],
    )
    (folder / "tom.csv").write_bytes(b"")
    load = read_survey_folder(folder)
    assert load.answers.height == 0 and load.quarantine.height == 1
    assert load.rows_in == load.questions.height + load.quarantine.height
    assert load.quarantine.row(0, named=True)["reason"] == "kolumn saknas i filen: svar"
    assert "utan_svar.csv: kolumn saknas: svar" in load.messages
    assert "tom.csv: filen är tom" in load.messages


def _catalogue_and_answers(tmp_path, survey: str, questions: list[list], answers: list[list]):
    """enkater/ with one survey's catalogue (<survey>_fragor.csv) and one answer file (svar.csv)."""
    folder = tmp_path / "enkater"
    write_landing_csv(folder / f"{survey}_fragor.csv", CATALOGUE_HEADER, questions)
    write_landing_csv(folder / "svar.csv", ANSWER_HEADER, answers)
    return folder


def test_bad_catalogue_rows_are_quarantined_and_their_answers_follow(tmp_path):
    folder = _catalogue_and_answers(
        tmp_path,
        "elevenkat_2024",
        [["E01", "Trygg?", "Trygghet", "4", "nej"], ["E02", "Rädd?", "trygghet", "7", "kanske"]],
        [["ElevEnkat_2024", SURVEY_SCHOOL_YEAR, "11110001", "5", "K", "r1", q, "2"] for q in ("e01", "E02")],
    )
    load = read_survey_folder(folder)
    assert load.questions.select("survey", "question_id", "area").rows() == [("elevenkat_2024", "E01", "trygghet")]
    reasons = {(r["file"], r["line"]): r["reason"] for r in load.quarantine.iter_rows(named=True)}
    assert "skala_max ska vara 4 eller 5" in reasons[("elevenkat_2024_fragor.csv", 3)]
    assert "omvand ska vara ja eller nej" in reasons[("elevenkat_2024_fragor.csv", 3)]
    assert "okänd fråga" in reasons[("svar.csv", 3)]
    # Survey and question ids forgive case, as headers do.
    assert load.answers.select("survey", "question_id").rows() == [("elevenkat_2024", "E01")]


def test_answers_to_a_catalogue_without_one_good_question_point_at_the_catalogue_not_at_a_missing_file(tmp_path):
    """Every row of a catalogue in quarantine: its survey's answers say the catalogue is there but none of its
    questions loaded — not that it is missing (it was once so, sending the user to add a file already there)."""
    folder = _catalogue_and_answers(
        tmp_path,
        "vhenkat_2024",
        [["V01", "Trivs?", "Trygghet", "5,0", "nej"], ["V02", "Nöjd?", "trygghet", "6", "nej"]],
        [
            ["vhenkat_2024", SURVEY_SCHOOL_YEAR, "11110001", "5", "K", "r1", "V01", "2"],  # line 2
            ["okand_2024", SURVEY_SCHOOL_YEAR, "11110001", "5", "K", "r1", "V01", "2"],  # 3: no catalogue at all
        ],
    )
    load = read_survey_folder(folder)
    assert load.questions.height == 0 and load.answers.height == 0
    reasons = {(r["file"], r["line"]): (r["column"], r["reason"]) for r in load.quarantine.iter_rows(named=True)}
    assert set(reasons) == {
        ("vhenkat_2024_fragor.csv", 2),
        ("vhenkat_2024_fragor.csv", 3),
        ("svar.csv", 2),
        ("svar.csv", 3),
    }
    column, reason = reasons[("svar.csv", 2)]
    assert column == "enkat" and reason.startswith(
        "enkätens frågekatalog finns men ingen av dess frågor kunde läsas in"
    )
    assert "lägg den i" not in reason
    assert reasons[("svar.csv", 3)][1].startswith("ingen frågekatalog för enkäten: lägg den i enkater/")


def test_catalogues_with_identical_questions_are_separate_surveys_and_corrections_replace(tmp_path):
    folder = tmp_path / "enkater"
    a = _catalogue(folder, "elevenkat_2023")
    _catalogue(folder, "elevenkat_2024")  # the same bytes, another year's survey
    first = write_landing_csv(
        folder / "svar.csv",
        ANSWER_HEADER,
        [["elevenkat_2024", SURVEY_SCHOOL_YEAR, "11110001", "5", "K", "r1", "E01", "1"]],
    )
    fix = write_landing_csv(
        folder / "svar_rattad.csv",
        ANSWER_HEADER,
        [["elevenkat_2024", SURVEY_SCHOOL_YEAR, "11110001", "5", "K", "r1", "E01", "4"]],
    )
    os.utime(fix, (first.stat().st_mtime + 10, first.stat().st_mtime + 10))
    load = read_survey_folder(folder)
    assert sorted(set(load.questions["survey"])) == ["elevenkat_2023", "elevenkat_2024"]
    assert load.questions.height == 2 * len(PUPIL_QUESTIONS) and not load.skipped_identical
    assert load.answers["answer"].to_list() == [4] and load.superseded_rows == 1
    assert a.exists()
