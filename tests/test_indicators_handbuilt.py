"""Meritvärde, all-subjects and eligibility on hand-built pupils, through `skolanalys run`.

Every expected figure below is worked out by hand from the rules in domain.md (grade points A 20, B 17.5,
C 15, D 12.5, E 10, F and '-' 0; 16 best + M2 as 17th when passed; SV/SVA one slot; modersmål among the
16, never the 17th) — not taken from the code's output. The landing files mix the forms the contract
allows: 10- and 12-digit personnummer, cp1252 and UTF-8 with BOM, an empty `kon`, a `,`-separated file,
headers in other case and spelling, term grades beside final grades, and names that must be dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest

from tests.conftest import CONTRACT_COLUMNS, make_pnr, pupil_key, write_landing_csv
from tests.handbuilt_landing import MATHS_9, NP_SCHOOL_YEAR
from tests.test_door_faults import DOOR_RUN_GRADES

SCHOOL_A = "11110001"
SCHOOL_B = "22220002"
SCHOOL_YEAR = "2023/24"
REGULAR = ["BI", "BL", "EN", "FY", "GE", "HI", "HKK", "IDH", "KE", "MA", "MU", "RE", "SH", "SL", "SV", "TK"]
POINTS = {"A": 20, "B": 17.5, "C": 15, "D": 12.5, "E": 10, "F": 0, "-": 0}


def grades(default: str, **overrides: str) -> dict[str, str]:
    """The 16 regular subjects at `default`, with overrides (a value None removes the subject)."""
    g = dict.fromkeys(REGULAR, default)
    g.update(overrides)
    return {s: v for s, v in g.items() if v is not None}


# name: (female, final grades {subject or "ML:ARA" / "M2:TYS": grade}, expected by hand)
# expected: merit, any_pass, all_passed, vocational, natural_science, economics_social, arts
PUPILS = {
    "all_A_with_M2": (True, {**grades("A"), "M2:TYS": "A"}, (340.0, True, True, True, True, True, True)),
    # 15 C + TK F + modersmål A: the 16 best are 15 C (225) and ML A (20); TK F falls out.
    "modersmal_counts_among_16": (
        False,
        {**grades("C", TK="F"), "ML:ARA": "A"},
        (245.0, True, False, True, True, True, True),
    ),
    # SVA instead of SV, all B (280); M2 F adds nothing and breaks "all subjects".
    "sva_and_failed_m2": (
        True,
        {**grades("B", SV=None, SVA="B"), "M2:SPA": "F"},
        (280.0, True, False, True, True, True, True),
    ),
    # Graded in both SV (D) and SVA (B): one slot, the better grade; 15 E. 17.5 + 150.
    "sv_and_sva_one_slot": (
        False,
        {**grades("E", SV="D", SVA="B")},
        (167.5, True, True, True, True, True, True),
    ),
    # Streck in MA, F in EN: core subjects not passed, so no eligibility; 14 E = 140.
    "streck_and_f_in_core": (
        True,
        grades("E", MA="-", EN="F"),
        (140.0, True, False, False, False, False, False),
    ),
    # No pass at all: merit 0 and left out of the merit average, but counted in every share.
    "no_pass_at_all": (False, grades("F"), (0.0, False, False, False, False, False, False)),
    # Only 8 subjects, all C: vocational needs core + 5 others (yes); upper-secondary prep needs 9 (no).
    "eight_subjects": (
        True,
        {s: "C" for s in ["SV", "EN", "MA", "BI", "FY", "KE", "GE", "HI"]},
        (120.0, True, True, True, False, False, False),
    ),
    # 16 E + M1 A: M1 is among the 16 (20 + 15×10 = 170), M2 E is the 17th (+10).
    "m1_among_16_m2_17th": (
        False,
        {**grades("E"), "M1:FRA": "A", "M2:TYS": "E"},
        (180.0, True, True, True, True, True, True),
    ),
    # Core + 9 others C incl. BI FY KE; GE HI RE SH F: natural science yes, economics/social no.
    "natural_not_social": (
        True,
        grades("C", GE="F", HI="F", RE="F", SH="F"),
        (180.0, True, False, True, True, False, True),
    ),
    # Core + 9 others C incl. GE HI RE SH; BI FY KE TK F: social yes, natural science no.
    "social_not_natural": (
        False,
        grades("C", BI="F", FY="F", KE="F", TK="F"),
        (180.0, True, False, True, False, True, True),
    ),
    # 16 A and modersmål A: modersmål is never the 17th, so 320.
    "modersmal_never_17th": (
        True,
        {**grades("A"), "ML:SOM": "A"},
        (320.0, True, True, True, True, True, True),
    ),
    # HT term grades all F beside final grades all A: only slutbetyg counts.
    "term_grades_ignored": (False, grades("A"), (320.0, True, True, True, True, True, True)),
}


def subject_and_language(slot: str) -> tuple[str, str]:
    subject, _, language = slot.partition(":")
    return subject, language


@dataclass(frozen=True)
class Written:
    by_name: dict[str, str]  # the pupils of PUPILS (school A)
    everyone: list[str]  # and school B's


def write_landing(landing: Path) -> Written:
    """This module's pupils, written into the shared hand-built landing folder (tests/shared_runs.py)."""
    pnrs: dict[str, str] = {}
    forms = ["12-dash", "10-dash", "12", "10"]
    enrol, final, term = [], [], []
    for i, (name, (female, subject_grades, _)) in enumerate(PUPILS.items()):
        pnr = make_pnr(date(2009, 1 + i % 12, 1 + i), 100 + i, female, forms[i % 4])
        pnrs[name] = pnr
        kon = "" if i % 3 == 0 else ("Flicka" if female else "Pojke")  # empty → from the personnummer
        enrol.append([pnr, "Förnamn", "Efternamn", SCHOOL_YEAR, SCHOOL_A, "9", "9A", kon])
        for slot, grade in subject_grades.items():
            subject, language = subject_and_language(slot)
            final.append([pnr, SCHOOL_YEAR, "VT", SCHOOL_A, 9, subject, language, grade, "slutbetyg"])
        if name == "term_grades_ignored":
            term += [[pnr, SCHOOL_YEAR, "HT", SCHOOL_A, 9, s, "", "F", "terminsbetyg"] for s in REGULAR]
    # School B: 12 girls with all E and 5 boys with all C. Total shown (17); both gender cells suppressed.
    school_b = []
    for j in range(17):
        female = j < 12
        pnr = make_pnr(date(2009, 6, 1 + j), 300 + j, female, forms[j % 4])
        school_b.append(pnr)
        enrol.append([pnr, "Namn", "Namnsson", SCHOOL_YEAR, SCHOOL_B, "9", "9B", "K" if female else "M"])
        final += [[pnr, SCHOOL_YEAR, "VT", SCHOOL_B, 9, s, "", "E" if female else "C", "slutbetyg"] for s in REGULAR]
    write_landing_csv(
        landing / "elever" / "elever_2023.csv",
        ["Personnummer", "Förnamn", "Efternamn", " Läsår ", "SKOLENHETSKOD", "Årskurs", "Klass", "Kön"],
        enrol,
        encoding="utf-8-sig",
    )
    grade_header = CONTRACT_COLUMNS["betyg"]
    write_landing_csv(landing / "betyg" / "slutbetyg_vt24.csv", grade_header, final, encoding="cp1252")
    write_landing_csv(landing / "betyg" / "terminsbetyg_ht23.csv", grade_header, term, encoding="utf-8", sep=",")
    return Written(pnrs, [*pnrs.values(), *school_b])


@pytest.fixture(scope="module")
def handbuilt_run(handbuilt):
    """The shared hand-built run (tests/shared_runs.py): its data folder, this module's pupils, its output."""
    return handbuilt.data, handbuilt.year9_pnrs, handbuilt


def test_each_pupil_gets_the_hand_computed_merit_value_and_eligibility(handbuilt_run):
    data, pnrs, _ = handbuilt_run
    con = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    try:
        for name, (_, _, expected) in PUPILS.items():
            row = con.execute(
                "select merit_value, has_any_pass, passed_all_subjects, eligible_vocational, "
                "eligible_natural_science_technology, eligible_economics_humanities_social, eligible_arts "
                "from intermediate.int_year9_pupils_summarised where pupil_key = ?",
                [pupil_key(pnrs[name])],
            ).fetchone()
            assert row is not None, name
            assert tuple(row) == expected, name
    finally:
        con.close()


def _served(data, indicator_id: str, unit_code: str, gender: str):
    con = duckdb.connect(str(data / "serving.duckdb"), read_only=True)
    try:
        return con.execute(
            "select value, n, status from indicator_values where indicator_id = ? and unit_code = ? "
            "and gender = ? and year = 2024 and source = 'local'",
            [indicator_id, unit_code, gender],
        ).fetchone()
    finally:
        con.close()


def test_school_values_follow_the_denominators_of_domain_md(handbuilt_run):
    data, _, _ = handbuilt_run
    expected = [e for _, _, e in PUPILS.values()]
    with_pass = [e[0] for e in expected if e[1]]
    # The merit average leaves out the pupil with no pass: 11 pupils.
    value, n, status = _served(data, "N15505", SCHOOL_A, "T")
    assert (n, status) == (11, "")
    assert value == pytest.approx(sum(with_pass) / len(with_pass))
    # Shares count all 12 pupils with final grades.
    for indicator_id, position in [("N15419", 2), ("N15436", 3), ("N15433", 4), ("N15434", 5), ("N15435", 6)]:
        value, n, status = _served(data, indicator_id, SCHOOL_A, "T")
        assert n == len(expected) and status == ""
        assert value == pytest.approx(100 * sum(e[position] for e in expected) / len(expected)), indicator_id


def test_municipality_row_covers_every_school_with_the_kolada_id(handbuilt_run):
    """The kommun row covers every year-9 pupil with final grades in the shared landing folder: this
    module's two schools, the national-test pupils' mathematics grade (handbuilt_landing) and the door's
    good grade file (test_door_faults) — each pupil's merit worked out here from the grades written."""
    data, _, _ = handbuilt_run
    value, n, status = _served(data, "N15505", "1261", "T")
    school_a = [e[0] for _, _, e in PUPILS.values() if e[1]]
    school_b = [160.0] * 12 + [240.0] * 5  # 16 × E and 16 × C
    assert NP_SCHOOL_YEAR == SCHOOL_YEAR
    # One final grade each: the merit is that grade's points; a pupil without a pass is left out.
    national_tests = [float(POINTS[grade]) for _, grade, _, _ in MATHS_9 if grade in "ABCDE"]
    door = [float(POINTS[grade]) for _, grade in DOOR_RUN_GRADES if grade in "ABCDE"]
    assert len(national_tests) == 11 and len(door) == 10
    everyone = school_a + school_b + national_tests + door
    assert (n, status) == (len(everyone), "")
    assert value == pytest.approx(sum(everyone) / n)


def test_small_gender_cells_are_suppressed_in_pairs(handbuilt_run):
    data, _, _ = handbuilt_run
    # School B: 12 girls (would be shown) and 5 boys (too few): both suppressed, total shown.
    assert _served(data, "N15505", SCHOOL_B, "M") == (None, None, "..")
    assert _served(data, "N15505", SCHOOL_B, "K") == (None, None, "..")
    value, n, status = _served(data, "N15505", SCHOOL_B, "T")
    assert (n, status) == (17, "") and value == pytest.approx((12 * 160 + 5 * 240) / 17)
    # School A has 6 girls and 6 boys: both cells too small on their own.
    assert _served(data, "N15419", SCHOOL_A, "K")[2] == ".."


def test_names_are_dropped_and_no_personnummer_reaches_either_file(handbuilt_run):
    data, pnrs, result = handbuilt_run
    forms = set()
    for pnr in pnrs.values():
        digits = pnr.replace("-", "")
        full = digits if len(digits) == 12 else "20" + digits
        forms |= {full, full[2:], f"{full[:8]}-{full[8:]}", f"{full[2:8]}-{full[8:]}"}
    for db in ["warehouse.duckdb", "serving.duckdb"]:
        con = duckdb.connect(str(data / db), read_only=True)
        try:
            columns = con.execute(
                "select table_schema, table_name, column_name from information_schema.columns "
                "where data_type = 'VARCHAR'"
            ).fetchall()
            names = {c for _, _, c in columns}
            assert not {"fornamn", "efternamn", "personnummer"} & names
            for schema, table, column in columns:
                hits = con.execute(
                    f'select count(*) from "{schema}"."{table}" where regexp_matches("{column}", ?)',
                    ["|".join(sorted(forms))],
                ).fetchone()[0]
                assert hits == 0, f"{db}: {schema}.{table}.{column}"
        finally:
            con.close()
    for form in forms:
        assert form not in result.stdout and form not in result.stderr
