"""Hand-built landing files for the survey and national-test tests.

The data are written here, into the landing folder of the shared hand-built run (tests/shared_runs.py, the
session fixture `handbuilt`); the figures the tests expect are computed in the test modules from domain.md,
independently of the warehouse's SQL.
"""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

from tests.conftest import make_pnr, write_landing_csv

# Surveys (enkater/) ----------------------------------------------------------------------------------

ANSWER_HEADER = ["enkat", "lasar", "skolenhetskod", "arskurs", "kon", "respondent_id", "fraga_id", "svar"]
CATALOGUE_HEADER = ["fraga_id", "fraga", "omrade", "skala_max", "omvand"]
# (fraga_id, omrade, skala_max, omvand)
PUPIL_QUESTIONS = [
    ("E01", "trygghet", 4, False),
    ("E02", "trygghet", 4, True),  # "Jag är rädd för att gå till skolan": reversed
    ("E03", "studiero", 5, False),
    ("E04", "studiero", 4, False),
    ("E05", "trivsel", 4, False),
    ("E06", "delaktighet", 5, True),
]
GUARDIAN_QUESTIONS = [("V01", "trygghet", 5, False), ("V02", "trivsel", 5, False)]
SURVEY_SCHOOL_YEAR = "2024/25"


def catalogue_rows(questions) -> list[list[object]]:
    return [[q, f"Fråga {q}", area, scale, "ja" if rev else "nej"] for q, area, scale, rev in questions]


def make_respondents() -> dict[str, list[dict]]:
    rng = random.Random(2024)

    def respondent(i: int, school: str, grade: str | None, kon: str | None, questions) -> dict:
        answers = {q: rng.randint(1, s) for q, _, s, _ in questions}
        if i % 5 == 0:  # item non-response: an empty svar
            answers[questions[0][0]] = None
        return {"id": f"{school[-1]}{i:04d}", "school": school, "grade": grade, "kon": kon, "answers": answers}

    pupils = []
    # School A: 7 girls in åk 5, 8 boys in åk 8: every cell shown.
    pupils += [respondent(i, "11110001", "5", "Flicka", PUPIL_QUESTIONS) for i in range(7)]
    pupils += [respondent(10 + i, "11110001", "8", "Pojke", PUPIL_QUESTIONS) for i in range(8)]
    # School B: 6 girls, 6 boys and 2 'Annat' (T − K − M = 2 would give the two away: K and M suppressed);
    # 10 in åk 5 and 4 in åk 8 (åk 8 too few, and then åk 5 too, else åk 8 = 'alla' − åk 5).
    kons = ["Flicka"] * 6 + ["Pojke"] * 6 + ["Annat"] * 2
    pupils += [
        respondent(20 + i, "22220002", "5" if i < 10 else "8", kon, PUPIL_QUESTIONS) for i, kon in enumerate(kons)
    ]
    # School C: 4 respondents: not reported at all.
    pupils += [respondent(40 + i, "33330003", "5", "Flicka", PUPIL_QUESTIONS) for i in range(4)]
    # A hand-worked respondent at school A (see test_surveys).
    pupils.append(
        {
            "id": "A9999",
            "school": "11110001",
            "grade": "5",
            "kon": "Flicka",
            "answers": {"E01": 3, "E02": 2, "E03": 4, "E04": 1, "E05": 4, "E06": 5},
        }
    )
    # 7 guardians, two of whom skip V01 (the only trygghet question): 5 respondents on trygghet, just enough.
    guardians = [respondent(60 + i, "11110001", None, None, GUARDIAN_QUESTIONS) for i in range(7)]
    return {"elevenkat_2024": pupils, "vardnadshavarenkat_2024": guardians}


def answer_rows(survey: str, respondents: list[dict]) -> list[list[object]]:
    return [
        [survey, SURVEY_SCHOOL_YEAR, r["school"], r["grade"], r["kon"], r["id"], q, svar]
        for r in respondents
        for q, svar in r["answers"].items()
    ]


def write_surveys(landing: Path) -> dict[str, list[dict]]:
    respondents = make_respondents()
    folder = landing / "enkater"
    write_landing_csv(folder / "elevenkat_2024_fragor.csv", CATALOGUE_HEADER, catalogue_rows(PUPIL_QUESTIONS))
    write_landing_csv(
        folder / "vardnadshavarenkat_2024_fragor.csv",
        CATALOGUE_HEADER,
        catalogue_rows(GUARDIAN_QUESTIONS),
        encoding="cp1252",
        sep=",",
    )
    pupils = answer_rows("elevenkat_2024", respondents["elevenkat_2024"])
    write_landing_csv(folder / "elevenkat_2024.csv", ANSWER_HEADER, pupils)
    # The guardians' export lacks arskurs and kon altogether: both columns are optional.
    guardians = answer_rows("vardnadshavarenkat_2024", respondents["vardnadshavarenkat_2024"])
    write_landing_csv(
        folder / "vh_2024.csv",
        [c for c in ANSWER_HEADER if c not in ("arskurs", "kon")],
        [[*row[:3], *row[5:]] for row in guardians],
    )
    return respondents


# National tests beside grades ------------------------------------------------------------------------

# Units of their own: the year-9 indicator tests have 11110001 and 22220002 (their mathematics grades still
# count in the kommun's year-9 figures: test_indicators_handbuilt adds them).
NP_SCHOOL_A = "31110001"  # åk 9, mathematics: 6 girls and 6 boys
NP_SCHOOL_B = "32220002"  # åk 6, English: 10 girls and 10 boys
NP_SCHOOL_YEAR = "2023/24"

# (female, spring grade, test grade, by hand: +1 grade higher than test, 0 same, -1 lower)
MATHS_9 = [
    (True, "A", "B", 1),
    (True, "C", "C", 0),
    (True, "C", "D", 1),
    (True, "E", "E", 0),
    (True, "F", "E", -1),
    (True, "B", "B", 0),
    (False, "D", "C", -1),
    (False, "D", "D", 0),
    (False, "A", "A", 0),
    (False, "C", "E", 1),
    (False, "E", "D", -1),
    (False, "B", "C", 1),
]
# Girls: grade = test; boys: five a step higher, five a step lower.
ENGLISH_6 = [(True, "C", "C", 0)] * 10 + [(False, "B", "C", 1)] * 5 + [(False, "D", "C", -1)] * 5
# Also written, and never compared: a '-' (no grade, test C), a test without a grade (F), åk 3 (G).
EXTRA_MATHS_9_TESTS = ["C", "F"]


def write_national_tests(landing: Path) -> list[str]:
    """Writes the files; returns every personnummer in them."""
    y, a, b = NP_SCHOOL_YEAR, NP_SCHOOL_A, NP_SCHOOL_B
    enrol, grades, tests = [], [], []
    for i, (female, grade, test, _) in enumerate(MATHS_9):
        pnr = make_pnr(date(2008, 1 + i, 3), 500 + i, female)
        enrol.append([pnr, y, a, "9", "Flicka" if female else "Pojke"])
        grades.append([pnr, y, "VT", a, 9, "MA", grade, "slutbetyg"])
        grades.append([pnr, y, "HT", a, 9, "MA", "F", "terminsbetyg"])  # autumn: not compared
        tests.append([pnr, y, a, 9, "MA", test])
    for i, (female, grade, test, _) in enumerate(ENGLISH_6):
        pnr = make_pnr(date(2012, 1 + i % 12, 5 + i), 600 + i, female)
        enrol.append([pnr, y, b, "6", ""])  # kon empty: taken from the personnummer
        grades.append([pnr, y, "VT", b, 6, "EN", grade, "terminsbetyg"])
        tests.append([pnr, y, b, 6, "EN", test])
    streck = make_pnr(date(2008, 2, 20), 700, True)
    enrol.append([streck, y, a, "9", "Flicka"])
    grades.append([streck, y, "VT", a, 9, "MA", "-", "slutbetyg"])
    tests.append([streck, y, a, 9, "MA", EXTRA_MATHS_9_TESTS[0]])
    no_grade = make_pnr(date(2008, 3, 21), 701, False)
    enrol.append([no_grade, y, a, "9", "Pojke"])
    tests.append([no_grade, y, a, 9, "MA", EXTRA_MATHS_9_TESTS[1]])
    for i in range(3):
        pnr = make_pnr(date(2015, 4, 1 + i), 800 + i, i % 2 == 0)
        enrol.append([pnr, y, b, "3", ""])
        tests.append([pnr, y, b, 3, "MA", "G"])
    # A test for a pupil with no enrolment that year: loaded, and the referential check warns.
    tests.append([make_pnr(date(2008, 5, 5), 900, True), y, a, 9, "SV", "B"])

    write_landing_csv(
        landing / "elever" / "elever_np.csv", ["personnummer", "lasar", "skolenhetskod", "arskurs", "kon"], enrol
    )
    write_landing_csv(
        landing / "betyg" / "betyg_np.csv",
        ["personnummer", "lasar", "termin", "skolenhetskod", "arskurs", "amne", "betyg", "betygstyp"],
        grades,
        encoding="cp1252",
    )
    write_landing_csv(
        landing / "nationella_prov" / "np.csv",
        ["Personnummer", "Läsår", "Skolenhetskod", "Årskurs", "Ämne", "Provbetyg"],
        tests,
    )
    return [row[0] for row in enrol] + [tests[-1][0]]


# SIRIS (siris/): Skolverket's per-skolenhet final grades for a school of test_indicators_handbuilt ----------
# A SIRIS export "Slutbetyg årskurs 9, samtliga elever" per skolenhet, läsår 2023/24, in the shape of the real
# 2024/25 export (sources/reference/siris): school B of test_indicators_handbuilt (22220002, Kävlinge 1261)
# with a meritvärde a little below the one computed from its pupils, '~100' for the shares (every pupil
# passed), and a school in another municipality that the warehouse must leave out. test_siris_reports
# checks the reconciliation row against its own arithmetic.

SIRIS_SCHOOL = "22220002"
SIRIS_OTHER_SCHOOL = "99990009"  # Lund: not the municipality's
SIRIS_MERIT = 182.9
SIRIS_FILE = "slutbetyg_ak9_skolenhet_2023_24.csv"


def write_siris(landing: Path) -> Path:
    blank = ";" * 10
    lines = [
        "Statistik från Skolverket, https://www.skolverket.se" + ";" * 10,
        blank,
        "Grundskola - Slutbetyg årskurs 9, samtliga elever" + ";" * 10,
        "Valt läsår: 2023/24" + ";" * 10,
        blank,
        "Skola;Skol-enhetskod;Skolkommun;Kommun-kod;Typ av huvudman;Huvudman;Huvudman orgnr;Antal elever;"
        "Andel (%) elever som uppfyllt betygskriterierna i alla ämnen;Andel (%) elever behöriga till yrkesprog.;"
        "Genomsnittligt meritvärde (17 ämnen)",
        f"Björk skola;{SIRIS_SCHOOL};Kävlinge;1261;Kommunal;Kävlinge kommun;2120001058;17;~100;~100;"
        + f"{SIRIS_MERIT}".replace(".", ","),
        f"Annan skola;{SIRIS_OTHER_SCHOOL};Lund;1281;Kommunal;Lunds kommun;2120001256;40;80,0;85,0;230,1",
        blank,
        "Rapportbeskrivning och definitioner etc." + ";" * 10,
    ]
    path = landing / "siris" / SIRIS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8-sig"))
    return path
