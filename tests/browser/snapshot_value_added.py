"""The served tables of the Förädlingsvärde and Likvärdighet pages, hand-built for the browser and AppTest
snapshots: value_added, value_added_population, cohort_progression, salsa_comparison, equity_gaps,
equity_decomposition, similar_units and similar_units_comparison, each created from its mart's contract
(dbt/models/marts/value_added/, equity/; tests/contract_tables.py) and filled by column name. The same
municipality and schools as tests/browser/snapshot.py: Ekbackeskolan and Furulundsskolan shown,
Korsbackaskolan (few pupils) '..'.

Value added is built so that every school's pupil-level spread is exactly SD (the funnel plot's σ) and its
interval is va ± t(0.975, n − 1)·SD/√n, as the marts compute it.
"""

from __future__ import annotations

import itertools
import math

import duckdb
from scipy import stats

from skolanalys.value_added.bands import LABELS_SV, WELL
from tests.contract_tables import create_table

KOMMUN = ("1261", "Kävlinge")
EKBACKE, FURULUND, KORSBACKA = "11110001", "22220002", "33330003"
NAMES = {EKBACKE: "Ekbackeskolan", FURULUND: "Furulundsskolan", KORSBACKA: "Korsbackaskolan"}
COHORTS = (2023, 2024)
# Pooled, total, contextual model, meritvärde, stage 6-9: Ekbackeskolan +12,5, Furulundsskolan −3,25.
BASE_VA = {EKBACKE: 12.5, FURULUND: -3.25}
PUPILS_PER_COHORT = {EKBACKE: 40, FURULUND: 34}
SD = {"meritvarde": 25.0, "alla_amnen": 20.0}
TAU2 = 25.0  # between-school variance of the shrinkage
GENDER_SHARES = (("T", 1.0), ("K", 0.5), ("M", 0.5))  # gender and its share of the pupils


def _band(va: float, low: float, high: float, outcome: str) -> str:
    """The band of one estimate, by the rule of skolanalys/value_added/bands.py."""
    if low > 0:
        return "well_above" if va >= WELL[outcome] else "above"
    if high < 0:
        return "well_below" if va <= -WELL[outcome] else "below"
    return "average"


def _estimate(va: float, n: int, outcome: str) -> tuple:
    """se, ci_low, ci_high, band and band_sv of a value added `va` over `n` pupils whose spread is SD."""
    se = SD[outcome] / math.sqrt(n)
    t = stats.t.ppf(0.975, n - 1)
    low, high = va - t * se, va + t * se
    band = _band(va, low, high, outcome)
    return se, low, high, band, LABELS_SV[band]


def _value_added_rows() -> list[tuple]:
    rows = []
    for stage, model, outcome, cohort, (gender, g_shift, share) in itertools.product(
        ("6-9", "3-6"),
        ("contextual", "prior"),
        ("meritvarde", "alla_amnen"),
        (*COHORTS, None),
        (("T", 0.0, 1.0), ("K", 1.0, 0.5), ("M", -1.0, 0.5)),
    ):
        scale = (1.0 if model == "contextual" else 0.8) * (1.0 if outcome == "meritvarde" else 0.4)
        scale *= 1.0 if stage == "6-9" else 0.5
        shift = {2023: -2.0, 2024: 2.0, None: 0.0}[cohort]
        cohorts = len(COHORTS) if cohort is None else 1
        key = (stage, model, outcome)
        # The kommun: 0 by construction for all pupils, no interval; the genders around it.
        k_n = int(150 * cohorts * share)
        if gender == "T":
            rows.append((*key, "kommun", *KOMMUN, cohort, gender, k_n, 0.0, None, None, None, 0.0, None, None, ""))
        else:
            va = 1.5 * g_shift
            se, low, high, band, band_sv = _estimate(va, k_n, outcome)
            rows.append((*key, "kommun", *KOMMUN, cohort, gender, k_n, va, se, low, high, va, band, band_sv, ""))
        for code, base in BASE_VA.items():
            n = int(round(PUPILS_PER_COHORT[code] * cohorts * share))
            va = round(base * scale + shift + g_shift, 2)
            se, low, high, band, band_sv = _estimate(va, n, outcome)
            shrunk = va * TAU2 / (TAU2 + se**2)
            rows.append(
                (*key, "skolenhet", code, NAMES[code], cohort, gender, n, va, se, low, high, shrunk, band, band_sv, "")
            )
        rows.append((*key, "skolenhet", KORSBACKA, NAMES[KORSBACKA], cohort, gender, *[None] * 8, ".."))
    return rows


def _population_rows() -> list[tuple]:
    rows = []
    units = (
        ("kommun", *KOMMUN, 160, 14),
        ("skolenhet", EKBACKE, NAMES[EKBACKE], 44, 6),
        ("skolenhet", FURULUND, NAMES[FURULUND], 38, 4),
    )
    for stage, cohort, (gender, share) in itertools.product(("6-9", "3-6"), COHORTS, GENDER_SHARES):
        for level, code, name, n, movers in units:
            total, no_prior = int(n * share), int(4 * share)
            # n, n_with_prior, n_no_prior, n_movers, n_arrived, n_left, n_newly_arrived
            counts = (total, total - no_prior, no_prior, int(movers * share), *(int(k * share) for k in (3, 5, 2)))
            rows.append((stage, cohort, level, code, name, gender, *counts, ""))
        rows.append((stage, cohort, "skolenhet", KORSBACKA, NAMES[KORSBACKA], gender, *[None] * 7, ".."))
    return rows


def _measuring_points() -> list[tuple[str, int, str]]:
    points = []
    for grade in range(1, 10):
        points += [("bedomning", grade, "oktober"), ("bedomning", grade, "mars")]
        if grade in (3, 6, 9):
            points.append(("np", grade, "VT"))
        if grade >= 6:
            points.append(("terminsbetyg", grade, "HT"))
            points.append(("slutbetyg", grade, "VT") if grade == 9 else ("terminsbetyg", grade, "VT"))
    return points


def _progression_rows() -> list[tuple]:
    rows = []
    offsets = {EKBACKE: 4.0, FURULUND: -6.0, KOMMUN[0]: 0.0}
    for cohort, (gender, g_shift), (subject, s_shift), (kind, grade, occasion) in itertools.product(
        COHORTS,
        (("T", 0.0), ("K", 1.5), ("M", -1.5)),
        (("SV", 0.0), ("MA", -5.0), ("EN", 2.0)),
        _measuring_points(),
    ):
        point = (f"{kind}_{subject}", grade, occasion)  # measure, grade_level, occasion
        for level, code, name, n in (
            ("kommun", *KOMMUN, 150),
            ("skolenhet", EKBACKE, NAMES[EKBACKE], 40),
            ("skolenhet", FURULUND, NAMES[FURULUND], 34),
        ):
            share = 78.0 + 1.25 * grade + s_shift + g_shift + offsets[code] + (cohort - 2023) * 1.5
            count = n if gender == "T" else n // 2
            rows.append((cohort, level, code, name, gender, *point, min(share, 100.0), count, ""))
        rows.append((cohort, "skolenhet", KORSBACKA, NAMES[KORSBACKA], gender, *point, None, None, ".."))
    return rows


def _salsa_rows() -> list[tuple]:
    rows = []
    terms = "Egen beräkning: kommunens elever (föräldrarnas utbildning, kön, nyanlända)"
    for year, (outcome, actual, expected) in itertools.product(
        COHORTS, (("meritvarde", 240.0, 229.5), ("alla_amnen", 84.0, 80.5))
    ):
        school_year = f"{year - 1}/{year % 100:02d}"
        width = 7.5 if outcome == "meritvarde" else 9.0
        for code, offset in ((EKBACKE, 1.0), (FURULUND, -1.0)):
            deviation = round(offset * (actual - expected), 2)
            unit = (code, NAMES[code], school_year, year, outcome)
            # actual, expected, deviation, ci_low, ci_high, n, model_r_squared
            own = (expected + deviation, expected, deviation, deviation - width, deviation + width)
            rows.append((*unit, "egen_modell", terms, *own, PUPILS_PER_COHORT[code], 0.31, "", 10))
            skolverket = (expected + deviation + 2.0, expected + 1.0, deviation + 1.0, *[None] * 4)
            rows.append((*unit, "skolverket", "Skolverket, SALSA", *skolverket, "", None))
        rows.append(
            (KORSBACKA, NAMES[KORSBACKA], school_year, year, outcome, "egen_modell", terms, *[None] * 7, "..", 10)
        )
    return rows


GROUPS = {
    "kon": ("flickor", "pojkar"),
    "foraldrars_utbildning": ("eftergymnasial", "ej eftergymnasial"),
    "nyanland": ("ej nyanlända", "nyanlända"),
}
OUTCOME_UNIT = {"meritvarde": "meritvärdespoäng", "alla_amnen": "procentenheter", "behorighet_yrkes": "procentenheter"}
HIDDEN_VERDICT = "redovisas inte: färre än 10 elever i en grupp, eller dold så att ingen liten grupp kan räknas fram"
# The kommun's gap per outcome and dimension (2024; 2023 is 1.5 smaller), with its interval's half-width.
GAPS = {
    ("meritvarde", "kon"): (18.5, 9.3),
    ("meritvarde", "foraldrars_utbildning"): (35.25, 11.0),
    ("meritvarde", "nyanland"): (22.0, 30.5),
    ("alla_amnen", "kon"): (4.5, 8.0),
    ("alla_amnen", "foraldrars_utbildning"): (12.0, 9.5),
    ("alla_amnen", "nyanland"): (15.0, 24.0),
    ("behorighet_yrkes", "kon"): (2.0, 6.5),
    ("behorighet_yrkes", "foraldrars_utbildning"): (9.0, 7.5),
    ("behorighet_yrkes", "nyanland"): (11.0, 21.0),
}


def _gap_rows() -> list[tuple]:
    rows = []
    for year, ((outcome, dimension), (gap, half)) in itertools.product(COHORTS, GAPS.items()):
        school_year = f"{year - 1}/{year % 100:02d}"
        gap = gap - (1.5 if year == 2023 else 0.0)
        compared = (outcome, OUTCOME_UNIT[outcome], dimension, *GROUPS[dimension])  # ... group_a, group_b
        hidden = (*[None] * 9, HIDDEN_VERDICT, "welch", "..", 10)  # n_a … significant, verdict, method, status
        mean_b = 225.0 if outcome == "meritvarde" else 78.0
        units = [
            ("kommun", *KOMMUN, 150, 140 if dimension != "nyanland" else 12, gap, half),
            ("skolenhet", EKBACKE, NAMES[EKBACKE], 40, 38, gap + 3.0, half * 1.9),
            ("skolenhet", FURULUND, NAMES[FURULUND], 34, 30, gap - 4.0, half * 2.1),
        ]
        for level, code, name, n_a, n_b, unit_gap, unit_half in units:
            if level == "skolenhet" and dimension == "nyanland":
                rows.append((year, school_year, level, code, name, *compared, *hidden))
                continue
            low, high = unit_gap - unit_half, unit_gap + unit_half
            significant = low > 0 or high < 0
            verdict = f"skillnaden är {'' if significant else 'inte '}statistiskt säkerställd"
            method = "welch" if outcome == "meritvarde" else "newcombe"
            estimate = (n_a, n_b, min(n_a, n_b), mean_b + unit_gap, mean_b, unit_gap, low, high)
            rows.append(
                (year, school_year, level, code, name, *compared, *estimate, significant, verdict, method, "", 10)
            )
        rows.append((year, school_year, "skolenhet", KORSBACKA, NAMES[KORSBACKA], *compared, *hidden))
    return rows


def _decomposition_rows() -> list[tuple]:
    rows = []
    for year in COHORTS:
        school_year = f"{year - 1}/{year % 100:02d}"
        for (outcome, dimension), (gap, half) in GAPS.items():
            gap = gap - (1.5 if year == 2023 else 0.0)
            within = round(gap * 0.75, 2)
            n_b = 140 if dimension != "nyanland" else 12
            counts = (min(150, n_b), 150, n_b, 3)  # n, n_a, n_b, n_schools
            split = (gap, within, within - half, within + half, gap - within)  # total_gap … between_school
            compared = (outcome, dimension, *GROUPS[dimension])
            rows.append((year, school_year, "gap_decomposition", *compared, *counts, *split, *[None] * 5, "", 10))
        share = 8.4 if year == 2024 else 6.5
        figures = (290, None, None, 3, *[None] * 5, 52.5, 572.5, share, share - 4.3, share + 6.8)  # n … share_ci_high
        rows.append(
            (year, school_year, "between_school_variance_share", "meritvarde", None, None, None, *figures, "", 10)
        )
    return rows


def _similar_rows() -> list[tuple]:
    neighbours = [
        # code, name, kommun, organiser, distance, parents' education, share of boys, pupils; their results:
        # meritvärde, all subjects passed, eligible for a vocational programme
        ("44440001", "Vallaskolan", "Lund", "Kommunal", 0.41, 2.30, 51.2, 62.0, 238.4, 82.1, 90.3),
        ("44440002", "Södra skolan", "Lomma", "Kommunal", 0.55, 2.35, 49.0, 70.0, 247.9, 86.0, 93.1),
        ("44440003", "Kunskapsskolan Malmö", "Malmö", "Fristående", 0.73, 2.20, 53.4, 88.0, 221.6, 74.4, 85.0),
        ("44440004", "Tornskolan", "Burlöv", "Kommunal", 0.92, 2.15, 47.9, 55.0, 215.3, 70.2, 83.7),
        ("44440005", "Bjärehovskolan", "Burlöv", "Kommunal", 1.10, 2.40, 50.5, 47.0, 252.1, 88.5, 95.0),
    ]
    rows = []
    for code, parents, boys in ((EKBACKE, 2.31, 50.5), (FURULUND, 2.18, 52.0)):
        own = (code, NAMES[code], "2023/24", PUPILS_PER_COHORT[code], parents, boys)
        for rank, neighbour in enumerate(neighbours, start=1):
            rows.append((*own, rank, *neighbour[:8], "2023/24", *neighbour[8:], "", 10))
    rows.append((KORSBACKA, NAMES[KORSBACKA], "2023/24", *[None] * 16, "..", 10))
    return rows


def _comparison_rows() -> list[tuple]:
    rows = []
    group = {
        "meritvarde": (215.3, 221.6, 238.4, 247.9, 252.1),
        "alla_amnen": (70.2, 74.4, 82.1, 86.0, 88.5),
        "behorighet_yrkes": (83.7, 85.0, 90.3, 93.1, 95.0),
    }
    own = {
        (EKBACKE, "meritvarde"): 249.6,
        (FURULUND, "meritvarde"): 219.05,
        (EKBACKE, "alla_amnen"): 87.5,
        (FURULUND, "alla_amnen"): 73.5,
        (EKBACKE, "behorighet_yrkes"): 92.5,
        (FURULUND, "behorighet_yrkes"): 82.4,
    }
    for code, year, (outcome, values) in itertools.product((EKBACKE, FURULUND), (2022, 2023, 2024), group.items()):
        if outcome == "alla_amnen" and year != 2024:
            continue  # Skolverket publishes the share passing all subjects for the latest läsår only
        drift = (year - 2024) * 1.5
        unit = (code, NAMES[code], f"{year - 1}/{year % 100:02d}", year, outcome)
        local = year == 2024
        source = ("local", PUPILS_PER_COHORT[code]) if local else ("skolverket", None)  # own_source, n
        rows.append(
            (*unit, own[(code, outcome)] + drift, *source, 5, *[v + drift for v in values], 10 if local else None)
        )
    return rows


# The columns of each table's row tuples above, in the tuples' order: inserted by name (tests/contract_tables.py).
COLUMNS = {
    "value_added": ("stage", "model", "outcome", "level", "unit_code", "unit_name", "cohort", "gender", "n", "va",
                    "se", "ci_low", "ci_high", "va_shrunk", "band", "band_sv", "status"),
    "value_added_population": ("stage", "cohort", "level", "unit_code", "unit_name", "gender", "n", "n_with_prior",
                               "n_no_prior", "n_movers", "n_arrived", "n_left", "n_newly_arrived", "status"),
    "cohort_progression": ("cohort", "level", "unit_code", "unit_name", "gender", "measure", "grade_level",
                           "occasion", "share", "n", "status"),
    "salsa_comparison": ("unit_code", "unit_name", "school_year", "year", "outcome", "source", "publisher", "actual",
                         "expected", "deviation", "ci_low", "ci_high", "n", "model_r_squared", "status", "min_n"),
    "equity_gaps": ("year", "school_year", "level", "unit_code", "unit_name", "outcome", "outcome_unit", "dimension",
                    "group_a", "group_b", "n_a", "n_b", "n", "mean_a", "mean_b", "gap", "ci_low", "ci_high",
                    "significant", "verdict", "method", "status", "min_n"),
    "equity_decomposition": ("year", "school_year", "measure", "outcome", "dimension", "group_a", "group_b", "n",
                             "n_a", "n_b", "n_schools", "total_gap", "within_school", "within_ci_low",
                             "within_ci_high", "between_school", "between_variance", "within_variance",
                             "between_school_share_pct", "share_ci_low", "share_ci_high", "status", "min_n"),
    "similar_units": ("unit_code", "unit_name", "school_year", "n", "parents_education", "share_boys", "rank",
                      "similar_unit_code", "similar_unit_name", "kommun", "organiser_type", "distance",
                      "similar_parents_education", "similar_share_boys", "similar_pupils", "results_school_year",
                      "meritvarde", "alla_amnen", "behorighet_yrkes", "status", "min_n"),
    "similar_units_comparison": ("unit_code", "unit_name", "school_year", "year", "outcome", "own_value",
                                 "own_source", "n", "group_n", "group_min", "group_q1", "group_median", "group_q3",
                                 "group_max", "min_n"),
}  # fmt: skip
# What every row of a table has in common, beyond its tuple: the reference population and attribution of the
# value added (dbt_project.yml's defaults), and the disclosure threshold.
COMMON = {
    "value_added": {"reference": "cohort", "attribution": "most_years", "min_n": 10},
    "value_added_population": {"attribution": "most_years", "min_n": 10},
    "cohort_progression": {"min_n": 10},
}


def _add(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple]) -> None:
    """The served table `table` from its contract, with `rows` (tuples of COLUMNS[table]) and COMMON[table]."""
    common = COMMON.get(table, {})
    names = (*COLUMNS[table], *common)
    create_table(con, table, [(*row, *common.values()) for row in rows], names)


def add_value_added_and_equity(con: duckdb.DuckDBPyConnection) -> None:
    """Create and fill the eight tables in an open serving snapshot."""
    _add(con, "value_added", _value_added_rows())
    _add(con, "value_added_population", _population_rows())
    _add(con, "cohort_progression", _progression_rows())
    _add(con, "salsa_comparison", _salsa_rows())
    _add(con, "equity_gaps", _gap_rows())
    _add(con, "equity_decomposition", _decomposition_rows())
    _add(con, "similar_units", _similar_rows())
    _add(con, "similar_units_comparison", _comparison_rows())
