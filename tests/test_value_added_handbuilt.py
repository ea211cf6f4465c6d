"""Förädlingsvärde on hand-built pupils (docs/value_added.md): every expected figure is worked out here, by
hand or with numpy, from the rules of docs/value_added.md and the data the test writes — never taken from
the code's output.

1. The statistics (skolanalys.value_added) on frames built here: prior bins, the prior model's value added
   and interval, the contextual model recovering planted school effects exactly, pooling over cohorts,
   shrinkage and bands.
2. Hand-built landing files — a cohort leaving åk 9 in 2020 at two 7–9 schools fed by an F–6 school, with
   a mover, a tie, priors from grades, tests and assessments and none, a pupil who arrived during the stage,
   a newly arrived pupil and one who left, and an åk 3 → 6 cohort at two F–6 schools — through the door's
   readers and dbt (tests/value_added_pipeline.py): attribution, fall-back, counts, values, intervals and
   disclosure control of the served marts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest
from scipy import stats

from skolanalys.value_added import PUPIL_SCHEMA, estimate
from skolanalys.value_added.bands import bands
from skolanalys.value_added.prior_model import prior_bins
from skolanalys.value_added.shrinkage import between_school_variance, shrink
from tests import derivability
from tests.conftest import TEST_KEY, make_pnr, pupil_key, write_landing_csv
from tests.value_added_pipeline import dbt_build, load_pupil_files

POINTS = {"A": 20.0, "B": 17.5, "C": 15.0, "D": 12.5, "E": 10.0, "F": 0.0, "-": 0.0}
STEP_UP = {"E": "D", "D": "C", "C": "B", "B": "A"}
REGULAR = ["BI", "BL", "EN", "FY", "GE", "HI", "HKK", "IDH", "KE", "MA", "MU", "RE", "SH", "SL", "SV", "TK"]


def pupils_frame(rows: list[dict]) -> pl.DataFrame:
    """A pupil-level frame as int_value_added_pupils gives it; defaults for what a test leaves out."""
    defaults = {
        "stage": "6-9",
        "cohort": 2024,
        "prior_source": "terminsbetyg",
        "alla_amnen": True,
        "parent_education": 2,
        "years_in_sweden": None,
        "other_mother_tongue": False,
    }
    return pl.DataFrame([{**defaults, **r} for r in rows], infer_schema_length=None)


# 1. The statistics -----------------------------------------------------------------------------------------


def t95(n: int) -> float:
    return float(stats.t.ppf(0.975, n - 1))


def bins_by_hand(priors: list[float]) -> dict[float, int]:
    """docs/value_added.md: 0.5-point steps; from the lowest, steps are joined until a bin has 30 pupils;
    what is left at the top joins the bin below."""
    steps = sorted({math.floor(p / 0.5 + 1e-9) for p in priors})
    count = {s: sum(1 for p in priors if math.floor(p / 0.5 + 1e-9) == s) for s in steps}
    bin_of, current, filled = {}, 0, 0
    for s in steps:
        bin_of[s] = current
        filled += count[s]
        if filled >= 30:
            current, filled = current + 1, 0
    if 0 < filled < 30 and current > 0:
        bin_of = {s: (b - 1 if b == current else b) for s, b in bin_of.items()}
    return {p: bin_of[math.floor(p / 0.5 + 1e-9)] for p in priors}


def test_prior_bins_are_half_point_steps_joined_up_to_30_pupils():
    priors = [0.0] * 10 + [0.4] * 25 + [10.2] * 40 + [11.0] * 5 + [12.3] * 30 + [12.5] * 2 + [19.9] * 3
    # By hand: 0.0 and 0.4 share the step [0, 0.5): 35 pupils, bin 0. 10.2: 40, bin 1. 11.0 (5) is too few
    # and takes 12.3's step (30) with it: 35, bin 2. 12.5 opens the next step (2), 19.9 (3): 5 left at the
    # top, which join bin 2.
    expected = {0.0: 0, 0.4: 0, 10.2: 1, 11.0: 2, 12.3: 2, 12.5: 2, 19.9: 2}
    got = prior_bins(np.array(priors))
    assert [expected[p] for p in priors] == got.tolist()
    assert bins_by_hand(priors) == expected


def prior_model_by_hand(frame: pl.DataFrame, outcome: str = "meritvarde") -> dict[str, tuple]:
    """School units' value added, standard error and interval of the prior model, one cohort as reference,
    computed pupil by pupil with the formulas of docs/value_added.md."""
    priors = frame["prior"].to_list()
    y = np.array(frame[outcome].to_list(), dtype=float)
    schools = frame["school_unit_code"].to_list()
    bin_of = bins_by_hand(priors)
    bins = np.array([bin_of[p] for p in priors])
    expected = np.array([y[bins == b].mean() for b in bins])
    va = y - expected
    # Deviations from the school's mean in the pupil's cohort (a reference may span cohorts).
    group = list(zip(frame["cohort"].to_list(), schools, strict=True))
    group_mean = {g: va[[i for i, x in enumerate(group) if x == g]].mean() for g in set(group)}
    deviation = np.array([va[i] - group_mean[group[i]] for i in range(len(y))])
    n_total, groups = len(y), len(set(group))
    sigma2 = np.array([(deviation[bins == b] ** 2).mean() for b in bins]) * n_total / (n_total - groups)
    out = {}
    for s in sorted(set(schools)):
        inside = np.array([x == s for x in schools])
        n, f = inside.sum(), inside.sum() / n_total
        variance = (1 - f) ** 2 * (sigma2[inside].sum() / n**2 + sigma2[~inside].sum() / (n_total - n) ** 2)
        se = math.sqrt(variance)
        value = va[inside].mean()
        out[s] = (int(n), value, se, value - t95(n) * se, value + t95(n) * se)
    return out


def _row(result: pl.DataFrame, **key) -> dict:
    rows = result.filter(*[pl.col(k).is_null() if v is None else pl.col(k) == v for k, v in key.items()])
    assert rows.height == 1, (key, rows)
    return rows.row(0, named=True)


def test_prior_model_value_added_and_interval_by_hand():
    rng = np.random.default_rng(3)
    rows = []
    for i in range(70):
        school = "S1" if i < 40 else "S2"
        prior = [8.0, 9.0, 14.0, 15.5][i % 4]
        merit = 16 * prior + (12 if school == "S1" else 0) + float(rng.integers(-30, 30))
        rows.append(
            {
                "pupil_key": f"p{i}",
                "gender": "KM"[i % 2],
                "school_unit_code": school,
                "prior": prior,
                "meritvarde": merit,
            }
        )
    frame = pupils_frame(rows)
    result = estimate(frame, kommunkod="1261").filter(
        (pl.col("model") == "prior") & (pl.col("outcome") == "meritvarde") & (pl.col("gender") == "T")
    )
    for school, (n, value, se, low, high) in prior_model_by_hand(frame).items():
        got = _row(result, level="skolenhet", unit_code=school, cohort=2024)
        assert got["n"] == n
        assert got["va"] == pytest.approx(value, abs=1e-9)
        assert got["se"] == pytest.approx(se, rel=1e-9)
        assert (got["ci_low"], got["ci_high"]) == (pytest.approx(low, rel=1e-9), pytest.approx(high, rel=1e-9))
        pooled = _row(result, level="skolenhet", unit_code=school, cohort=None)  # one cohort: the same
        assert (pooled["n"], pooled["va"]) == (n, pytest.approx(value, abs=1e-9))
    kommun = _row(result, level="kommun", unit_code="1261", cohort=2024)
    # The municipality against its own cohort: 0 by construction, no interval, no band.
    assert (kommun["n"], kommun["va"], kommun["ci_low"], kommun["band"]) == (70, 0.0, None, None)


def test_pooled_reference_takes_the_expected_values_from_all_cohorts():
    """value_added_reference = pooled: one reference population, all cohorts; the pooled cell is then the
    prior model over all pupils at once, and the kommun's pooled total is 0 by construction."""
    rng = np.random.default_rng(11)
    rows = []
    for cohort in (2023, 2024):
        for i in range(45):
            school = "S1" if i % 3 else "S2"
            prior = [9.0, 12.0, 15.5][i % 3]
            merit = 16 * prior + (5 if cohort == 2024 else -5) + (8 if school == "S1" else 0) + float(rng.normal(0, 25))
            rows.append(
                {
                    "cohort": cohort,
                    "pupil_key": f"{cohort}-{i}",
                    "gender": "KM"[i % 2],
                    "school_unit_code": school,
                    "prior": prior,
                    "meritvarde": merit,
                }
            )
    frame = pupils_frame(rows)
    result = estimate(frame, kommunkod="1261", reference="pooled").filter(
        (pl.col("model") == "prior") & (pl.col("outcome") == "meritvarde") & (pl.col("gender") == "T")
    )
    assert set(result["reference"]) == {"pooled"}
    for school, (n, value, se, _, _) in prior_model_by_hand(frame).items():
        got = _row(result, level="skolenhet", unit_code=school, cohort=None)
        assert (got["n"], got["va"], got["se"]) == (n, pytest.approx(value, abs=1e-9), pytest.approx(se, rel=1e-9))
    assert _row(result, level="kommun", cohort=None)["va"] == 0.0
    # Against all cohorts, the later (better) cohort is above 0 as a whole.
    assert _row(result, level="kommun", cohort=2024)["va"] > 0


def test_contextual_model_recovers_planted_school_effects_within_schools():
    """Outcome = exactly 16·prior + 12 (girl) + 8 (eftergymnasial parents) − 25 (newly arrived) + the
    school's effect. The schools differ in background (S1 mostly eftergymnasial, S3 mostly newly arrived):
    the model with one intercept per school estimates the background within schools and recovers each
    effect minus the pupil-weighted mean of the effects, with no noise left."""
    effects = {"S1": 10.0, "S2": -4.0, "S3": 3.0}
    rows = []
    for s, (school, effect) in enumerate(effects.items()):
        for i in range(30 + 10 * s):
            girl = i % 2 == 0
            education = 3 if (i % 4 < (3 if school == "S1" else 1)) else 2
            newly = school == "S3" and i % 3 != 0 or (school != "S3" and i == 5)
            prior = 6.0 + (i * 7 % 13)
            merit = 16 * prior + 12 * girl + 8 * (education == 3) - 25 * newly + effect
            rows.append(
                {
                    "pupil_key": f"{school}-{i}",
                    "gender": "K" if girl else "M",
                    "school_unit_code": school,
                    "prior": prior,
                    "meritvarde": merit,
                    "parent_education": education,
                    "years_in_sweden": 2.5 if newly else None,
                }
            )
    frame = pupils_frame(rows)
    n = {school: sum(1 for r in rows if r["school_unit_code"] == school) for school in effects}
    centre = sum(effects[s] * n[s] for s in effects) / sum(n.values())
    result = estimate(frame).filter((pl.col("model") == "contextual") & (pl.col("outcome") == "meritvarde"))
    for school, effect in effects.items():
        got = _row(result, level="skolenhet", unit_code=school, cohort=2024, gender="T")
        assert got["va"] == pytest.approx(effect - centre, abs=1e-6)
        assert got["ci_high"] - got["ci_low"] == pytest.approx(0.0, abs=1e-6)  # nothing left unexplained
    # The girls' mean value added over the municipality: the schools' effects weighted by their girls.
    girls = {
        school: sum(1 for r in rows if r["school_unit_code"] == school and r["gender"] == "K") for school in effects
    }
    expected_girls = sum(effects[s] * girls[s] for s in effects) / sum(girls.values()) - centre
    assert _row(result, level="kommun", unit_code=None, cohort=2024, gender="K")["va"] == pytest.approx(
        expected_girls, abs=1e-6
    )


def test_all_cohorts_together_is_the_pupil_weighted_mean_of_the_cohorts():
    rng = np.random.default_rng(7)
    rows = []
    for cohort, size in ((2023, 60), (2024, 90)):
        for i in range(size):
            school = "S1" if i % 3 else "S2"
            rows.append(
                {
                    "cohort": cohort,
                    "pupil_key": f"{cohort}-{i}",
                    "gender": "KM"[i % 2],
                    "school_unit_code": school,
                    "prior": float(8 + i % 9),
                    "meritvarde": 16.0 * (8 + i % 9) + (10 if school == "S1" else 0) + float(rng.normal(0, 20)),
                }
            )
    result = estimate(pupils_frame(rows)).filter(
        (pl.col("outcome") == "meritvarde") & (pl.col("level") == "skolenhet") & (pl.col("gender") == "T")
    )
    for model in ("prior", "contextual"):
        for school in ("S1", "S2"):
            parts = [_row(result, model=model, unit_code=school, cohort=c) for c in (2023, 2024)]
            pooled = _row(result, model=model, unit_code=school, cohort=None)
            n = sum(p["n"] for p in parts)
            assert pooled["n"] == n
            assert pooled["va"] == pytest.approx(sum(p["n"] * p["va"] for p in parts) / n, abs=1e-9)
            assert pooled["se"] ** 2 == pytest.approx(sum((p["n"] / n) ** 2 * p["se"] ** 2 for p in parts), rel=1e-9)


def test_between_school_variance_and_shrinkage_by_hand():
    va, variance = np.array([6.0, -2.0, 1.0]), np.array([4.0, 1.0, 2.0])
    # DerSimonian–Laird by hand: w = 1/4, 1, 1/2; Σw = 1.75; ȳ = (1.5 − 2 + 0.5)/1.75 = 0;
    # Q = 0.25·36 + 1·4 + 0.5·1 = 13.5; Σw² = 0.0625 + 1 + 0.25 = 1.3125; τ² = (13.5 − 2)/(1.75 − 0.75) = 11.5.
    assert between_school_variance(va, variance) == pytest.approx(11.5)
    assert shrink(va, variance, 11.5).tolist() == pytest.approx([6 * 11.5 / 15.5, -2 * 11.5 / 12.5, 11.5 / 13.5])
    # Estimates closer together than their noise explains: τ² = 0, everything shrinks to 0.
    assert between_school_variance(np.array([1.0, -1.0]), np.array([9.0, 9.0])) == 0.0


def test_bands_are_decided_by_the_interval():
    cases = [
        (25.0, 2.0, 48.0, "meritvarde", "well_above"),
        (15.0, 2.0, 28.0, "meritvarde", "above"),  # wholly above 0 but under 20 points
        (30.0, -1.0, 61.0, "meritvarde", "average"),  # large, but the interval includes 0
        (-20.0, -35.0, -5.0, "meritvarde", "well_below"),
        (-8.0, -12.0, -4.0, "meritvarde", "below"),
        (12.0, 3.0, 21.0, "alla_amnen", "well_above"),  # 10 percentage points
        (0.0, None, None, "meritvarde", None),
    ]
    for va, low, high, outcome, expected in cases:
        assert bands([va], [low], [high], outcome) == [expected], (va, low, high, outcome)


def test_no_pupils_give_an_empty_table_with_its_columns():
    result = estimate(pl.DataFrame(schema=PUPIL_SCHEMA))
    assert result.height == 0 and {"va", "ci_low", "va_shrunk", "band"} <= set(result.columns)


# 2. Hand-built landing files through the door and dbt -----------------------------------------------------

F6 = "71110001"  # F–6 school feeding both 7–9 schools
A79 = "72220002"  # 7–9 school: its pupils get one grade step more in åk 9 than in åk 6
B79 = "73330003"  # 7–9 school: the same grade as in åk 6
C1, C2 = "74440004", "75550005"  # F–6 schools of the åk 3 → 6 cohort
KOMMUN = "1261"


def school_year(spring: int) -> str:
    return f"{spring - 1}/{str(spring)[2:]}"


@dataclass
class Pupil:
    name: str
    female: bool
    school: str | None  # expected attribution (most_years) for stage 6-9, None when not in the population
    enrolments: list[tuple[int, str, str]]  # (spring year, school, årskurs)
    grade6: str | None = None  # VT åk 6 terminsbetyg in every subject, spring 2017 unless year6 says
    year6: int = 2017
    final: str | None = None  # slutbetyg 2020 in every subject
    tests6: dict[str, str] = field(default_factory=dict)
    assessments6: dict[tuple[str, str], int] = field(default_factory=dict)  # (occasion, subject) → level
    assessments5: dict[str, int] = field(default_factory=dict)  # mars åk 5 (2016)
    arrival: str | None = None
    education: int = 2
    mother_tongue: str = "svenska"
    expected_prior: float | None = None
    school_last: str | None = None


def regular_pupils() -> list[Pupil]:
    """36 pupils at each 7–9 school from F6, grades E, D, C, B in åk 6 in turn; at A one step up in åk 9.
    A: 18 girls, 18 boys; B: 28 girls and 8 boys (too few boys to show)."""
    pupils = []
    for i in range(72):
        school = A79 if i < 36 else B79
        female = i % 2 == 0 if school == A79 else i >= 44
        g6 = "EDCB"[i % 4]
        pupils.append(
            Pupil(
                f"regular{i}",
                female,
                school,
                [(2017, F6, "6"), (2018, school, "7"), (2019, school, "8"), (2020, school, "9")],
                grade6=g6,
                final=STEP_UP[g6] if school == A79 else g6,
                assessments5={"MA": 1 if i % 3 == 0 else 2 + i % 2, "SV": 2},
                education=1 + i % 3,
                mother_tongue="arabiska" if i % 5 == 0 else "svenska",
                expected_prior=POINTS[g6],
                school_last=school,
            )
        )
    return pupils


def special_pupils() -> list[Pupil]:
    return [
        # åk 7–8 at A, åk 9 at B: A by the most years, B by the last school. Final grades one step up (A's rule).
        Pupil(
            "mover",
            False,
            A79,
            [(2017, F6, "6"), (2018, A79, "7"), (2019, A79, "8"), (2020, B79, "9")],
            grade6="C",
            final="B",
            expected_prior=15.0,
            school_last=B79,
        ),
        # åk 8 repeated: two years at A (åk 7, 8), two at B (åk 8 again, 9) — a tie, to the latest: B.
        Pupil(
            "tie",
            True,
            B79,
            [(2016, F6, "6"), (2017, A79, "7"), (2018, A79, "8"), (2019, B79, "8"), (2020, B79, "9")],
            grade6="D",
            year6=2016,
            final="D",
            expected_prior=12.5,
            school_last=B79,
        ),
        # No åk 6 grades: the åk 6 national tests, C, C, A → (15 + 15 + 20) / 3.
        Pupil(
            "tests_only",
            True,
            B79,
            [(2017, F6, "6"), (2018, B79, "7"), (2019, B79, "8"), (2020, B79, "9")],
            tests6={"SV": "C", "MA": "C", "EN": "A"},
            final="C",
            expected_prior=50 / 3,
            school_last=B79,
        ),
        # Neither: the March åk 6 assessments 2, 3, 2 → (12.5 + 17.5 + 12.5) / 3; October does not count.
        Pupil(
            "assessments_only",
            True,
            B79,
            [(2017, F6, "6"), (2018, B79, "7"), (2019, B79, "8"), (2020, B79, "9")],
            assessments6={
                ("mars", "SV"): 2,
                ("mars", "MA"): 3,
                ("mars", "EN"): 2,
                ("oktober", "SV"): 1,
                ("oktober", "MA"): 1,
                ("oktober", "EN"): 1,
            },
            final="D",
            expected_prior=42.5 / 3,
            school_last=B79,
        ),
        # Moved in from another municipality for åk 7: no prior, counted, not in the value added.
        Pupil(
            "no_prior",
            False,
            A79,
            [(2018, A79, "7"), (2019, A79, "8"), (2020, A79, "9")],
            final="C",
            school_last=A79,
        ),
        # First enrolled in åk 8: arrived during the stage (and no prior either).
        Pupil("arrived", True, B79, [(2019, B79, "8"), (2020, B79, "9")], final="E", school_last=B79),
        # In Sweden since 1 September 2016: 3.8 years on 30 June 2020, newly arrived; a prior from åk 6.
        Pupil(
            "newly_arrived",
            True,
            B79,
            [(2017, F6, "6"), (2018, B79, "7"), (2019, B79, "8"), (2020, B79, "9")],
            grade6="E",
            final="E",
            arrival="2016-09-01",
            mother_tongue="dari",
            expected_prior=10.0,
            school_last=B79,
        ),
        # Left after åk 8 at A: no final grades; counted as left at A in cohort 2020.
        Pupil("left", False, None, [(2017, F6, "6"), (2018, A79, "7"), (2019, A79, "8")], grade6="C"),
    ]


def year3_pupils() -> list[tuple[str, bool, str, dict, dict, str]]:
    """(name, female, school, åk 3 tests, March åk 3 assessments, VT åk 6 grade) of the åk 3 → 6 cohort 2020."""
    out = []
    for i in range(24):
        school = C1 if i < 12 else C2
        tests = {"SV": "G" if i % 4 else "EG", "MA": "G" if i % 3 else "EG"}
        assessments = {"SV": 2 + i % 2, "MA": 1 + i % 3, "EN": 2}
        out.append(
            (f"year3_{i}", i % 2 == 0, school, tests, assessments, "CDEB"[i % 4] if school == C1 else "DEC"[i % 3])
        )
    return out


@dataclass
class Handbuilt:
    data: Path
    pupils: list[Pupil]
    year3: list
    keys: dict[str, str]  # name → pupil_key


def write_landing(landing: Path) -> tuple[list[Pupil], list, dict[str, str]]:
    pupils = regular_pupils() + special_pupils()
    year3 = year3_pupils()
    enrol, grades, tests, assessments, pnrs = [], [], [], [], {}
    for i, p in enumerate(pupils):
        pnr = make_pnr(date(2004, 1 + i % 12, 1 + i % 28), 100 + i, p.female)
        pnrs[p.name] = pnr
        for spring, school, grade in p.enrolments:
            enrol.append(
                [
                    pnr,
                    school_year(spring),
                    school,
                    grade,
                    "Flicka" if p.female else "Pojke",
                    p.mother_tongue,
                    p.arrival,
                    p.education,
                ]
            )
        if p.grade6:
            grades += [[pnr, school_year(p.year6), "VT", F6, 6, s, "", p.grade6, "terminsbetyg"] for s in REGULAR]
        if p.final:
            last_school = p.enrolments[-1][1]
            grades += [[pnr, "2019/20", "VT", last_school, 9, s, "", p.final, "slutbetyg"] for s in REGULAR]
        tests += [[pnr, "2016/17", F6, 6, s, g] for s, g in p.tests6.items()]
        assessments += [[pnr, "2016/17", occ, F6, 6, s, level] for (occ, s), level in p.assessments6.items()]
        assessments += [[pnr, "2015/16", "mars", F6, 5, s, level] for s, level in p.assessments5.items()]
    for i, (name, female, school, tests3, assessments3, grade6) in enumerate(year3):
        pnr = make_pnr(date(2007, 1 + i % 12, 1 + i), 300 + i, female)
        pnrs[name] = pnr
        for spring, grade in ((2017, "3"), (2018, "4"), (2019, "5"), (2020, "6")):
            enrol.append([pnr, school_year(spring), school, grade, "Flicka" if female else "Pojke", "svenska", None, 2])
        tests += [[pnr, "2016/17", school, 3, s, g] for s, g in tests3.items()]
        assessments += [[pnr, "2016/17", "mars", school, 3, s, level] for s, level in assessments3.items()]
        grades += [[pnr, "2019/20", "VT", school, 6, s, "", grade6, "terminsbetyg"] for s in REGULAR]
    write_landing_csv(
        landing / "elever" / "elever.csv",
        [
            "personnummer",
            "lasar",
            "skolenhetskod",
            "arskurs",
            "kon",
            "modersmal",
            "ankomstdatum_sverige",
            "foraldrars_utbildningsniva",
        ],
        enrol,
    )
    write_landing_csv(
        landing / "betyg" / "betyg.csv",
        ["personnummer", "lasar", "termin", "skolenhetskod", "arskurs", "amne", "sprak", "betyg", "betygstyp"],
        grades,
    )
    write_landing_csv(
        landing / "nationella_prov" / "np.csv",
        ["personnummer", "lasar", "skolenhetskod", "arskurs", "amne", "provbetyg"],
        tests,
    )
    write_landing_csv(
        landing / "bedomningar" / "bedomningar.csv",
        ["personnummer", "lasar", "tillfalle", "skolenhetskod", "arskurs", "amne", "bedomning"],
        assessments,
    )
    return pupils, year3, {name: pupil_key(pnr) for name, pnr in pnrs.items()}


@pytest.fixture(scope="module")
def handbuilt_va(tmp_path_factory) -> Handbuilt:
    root = tmp_path_factory.mktemp("value_added")
    pupils, year3, keys = write_landing(root / "landing")
    warehouse = root / "warehouse.duckdb"
    load_pupil_files(root / "landing", warehouse, key=TEST_KEY.encode())
    dbt_build(warehouse, "+value_added +value_added_population +cohort_progression", root)
    return Handbuilt(root, pupils, year3, keys)


def query(h: Handbuilt, sql: str, params: list | None = None) -> pl.DataFrame:
    con = duckdb.connect(str(h.data / "warehouse.duckdb"), read_only=True)
    try:
        return pl.DataFrame(
            con.execute(sql, params or []).fetchall(), schema=[d[0] for d in con.description], orient="row"
        )
    finally:
        con.close()


def stage_pupils(h: Handbuilt) -> pl.DataFrame:
    return query(h, "select * from intermediate.int_value_added_pupils where stage = '6-9' and cohort = 2020")


@pytest.mark.slow
def test_attribution_most_years_with_ties_to_the_latest_and_last(handbuilt_va):
    got = {r["pupil_key"]: r for r in stage_pupils(handbuilt_va).iter_rows(named=True)}
    for p in handbuilt_va.pupils:
        if p.school is None:
            assert handbuilt_va.keys[p.name] not in got, p.name  # left: not in the population
            continue
        row = got[handbuilt_va.keys[p.name]]
        assert (row["school_unit_code"], row["school_most_years"], row["school_last"]) == (
            p.school,
            p.school,
            p.school_last,
        ), p.name
    mover = got[handbuilt_va.keys["mover"]]
    assert (mover["school_unit_code"], mover["school_last"], mover["moved_in_stage"]) == (A79, B79, True)


@pytest.mark.slow
def test_priors_fall_back_from_grades_to_tests_to_assessments_and_none_is_counted(handbuilt_va):
    got = {r["pupil_key"]: r for r in stage_pupils(handbuilt_va).iter_rows(named=True)}
    sources = {"tests_only": "np", "assessments_only": "bedomning", "no_prior": None, "arrived": None}
    for p in handbuilt_va.pupils:
        if p.school is None:
            continue
        row = got[handbuilt_va.keys[p.name]]
        if p.expected_prior is None:
            assert row["prior"] is None, p.name
        else:
            assert row["prior"] == pytest.approx(p.expected_prior), p.name
        assert row["prior_source"] == sources.get(p.name, "terminsbetyg"), p.name
    newly = got[handbuilt_va.keys["newly_arrived"]]
    assert newly["newly_arrived"] and newly["years_in_sweden"] == pytest.approx(1398 / 365.25)
    assert got[handbuilt_va.keys["arrived"]]["arrived_during_stage"]
    assert not got[handbuilt_va.keys["no_prior"]]["arrived_during_stage"]  # came for åk 7, the stage's start


@pytest.mark.slow
def test_year3_prior_joins_the_tests_and_the_march_assessments(handbuilt_va):
    got = query(handbuilt_va, "select * from intermediate.int_value_added_pupils where stage = '3-6' and cohort = 2020")
    by_key = {r["pupil_key"]: r for r in got.iter_rows(named=True)}
    assessment_points = {1: 0.0, 2: 12.5, 3: 17.5}
    for name, _, school, tests3, assessments3, grade6 in handbuilt_va.year3:
        items = [12.5 if g == "G" else 0.0 for g in tests3.values()] + [
            assessment_points[v] for v in assessments3.values()
        ]
        row = by_key[handbuilt_va.keys[name]]
        assert row["prior"] == pytest.approx(sum(items) / len(items)), name
        assert (row["prior_source"], row["school_unit_code"]) == ("np+bedomning", school)
        assert row["meritvarde"] == 16 * POINTS[grade6]


def expected_stage_6_9(h: Handbuilt) -> pl.DataFrame:
    """The cohort 2020 pupils with a prior, as written: school, gender, prior and meritvärde."""
    rows = []
    for p in h.pupils:
        if p.school is None or p.expected_prior is None:
            continue
        rows.append(
            {
                "cohort": 2020,
                "pupil_key": h.keys[p.name],
                "school_unit_code": p.school,
                "gender": "K" if p.female else "M",
                "prior": p.expected_prior,
                "meritvarde": 16 * POINTS[p.final],
            }
        )
    return pl.DataFrame(rows).sort("pupil_key")


@pytest.mark.slow
def test_prior_model_values_and_intervals_in_the_warehouse(handbuilt_va):
    frame = expected_stage_6_9(handbuilt_va)
    estimates = query(
        handbuilt_va,
        "select * from intermediate.int_value_added_estimates where stage = '6-9' and model = 'prior' "
        "and outcome = 'meritvarde' and gender = 'T' and cohort = 2020 and level = 'skolenhet'",
    )
    for school, (n, value, se, low, high) in prior_model_by_hand(frame).items():
        got = _row(estimates, unit_code=school)
        assert (got["n"], got["va"], got["se"]) == (n, pytest.approx(value), pytest.approx(se))
        assert (got["ci_low"], got["ci_high"]) == (pytest.approx(low), pytest.approx(high))


@pytest.mark.slow
def test_contextual_values_are_the_planted_step_relative_to_the_cohort(handbuilt_va):
    """The outcome is exactly 16·prior + 40 at A and 16·prior at B (one grade step = 2.5 points in 16
    subjects) for every pupil with a grade prior; the one pupil with a test prior and the one with an
    assessment prior have a prior-source indicator each, which takes up their difference. So the contextual
    model leaves nothing unexplained: A's value added is 40·(1 − share at A), B's −40·(share at A), the
    girls' 40·(girls at A / girls − share at A)."""
    frame = expected_stage_6_9(handbuilt_va)
    from_grades = frame.filter(
        ~pl.col("pupil_key").is_in([handbuilt_va.keys[n] for n in ("tests_only", "assessments_only")])
    )
    shift = from_grades.select(pl.col("meritvarde") - 16 * pl.col("prior")).to_series()
    assert set(shift.round(6).to_list()) == {40.0, 0.0}
    share_a = (frame["school_unit_code"] == A79).mean()
    girls = frame.filter(pl.col("gender") == "K")
    girls_a = (girls["school_unit_code"] == A79).mean()
    estimates = query(
        handbuilt_va,
        "select * from intermediate.int_value_added_estimates where stage = '6-9' and model = 'contextual' "
        "and outcome = 'meritvarde' and cohort = 2020",
    )
    assert _row(estimates, level="skolenhet", unit_code=A79, gender="T")["va"] == pytest.approx(40 * (1 - share_a))
    assert _row(estimates, level="skolenhet", unit_code=B79, gender="T")["va"] == pytest.approx(-40 * share_a)
    assert _row(estimates, level="kommun", gender="K")["va"] == pytest.approx(40 * (girls_a - share_a))
    a = _row(estimates, level="skolenhet", unit_code=A79, gender="T")
    assert a["band"] == "well_above" and a["ci_high"] - a["ci_low"] == pytest.approx(0.0, abs=1e-6)


@pytest.mark.slow
def test_served_value_added_is_disclosure_controlled(handbuilt_va):
    served = query(handbuilt_va, "select * from marts.value_added where stage = '6-9'")
    # B has 8 boys with a prior (and its girls); both hidden, the boys of A too (else B's follow from the kommun).
    for model in ("prior", "contextual"):
        b_boys = _row(served, model=model, outcome="meritvarde", unit_code=B79, gender="M", cohort=2020)
        assert (b_boys["va"], b_boys["n"], b_boys["status"]) == (None, None, "..")
        a_total = _row(served, model=model, outcome="meritvarde", unit_code=A79, gender="T", cohort=2020)
        assert a_total["status"] == "" and a_total["n"] == 37
    frame = expected_stage_6_9(handbuilt_va)
    kommun = _row(served, model="prior", outcome="meritvarde", level="kommun", gender="T", cohort=2020)
    assert (kommun["unit_code"], kommun["n"], kommun["va"], kommun["ci_low"]) == (KOMMUN, frame.height, 0.0, None)
    table = derivability.Table(
        "value_added",
        ("stage", "model", "outcome", "cohort", "level", "unit_code", "gender"),
        (derivability.GENDER, derivability.UNITS, derivability.COHORTS),
    )
    cells = served.to_pandas()
    assert derivability.lonely_hidden_children(cells, table) == []
    assert derivability.derivable_cells(cells, table) == []


@pytest.mark.slow
def test_population_counts_movers_arrivals_newly_arrived_no_prior_and_leavers(handbuilt_va):
    served = query(
        handbuilt_va,
        "select * from marts.value_added_population where stage = '6-9' and cohort = 2020 and gender = 'T'",
    )
    in_population = [p for p in handbuilt_va.pupils if p.school is not None]
    for school in (A79, B79):
        mine = [p for p in in_population if p.school == school]
        got = _row(served, unit_code=school)
        assert got["n"] == len(mine)
        assert got["n_no_prior"] == sum(p.expected_prior is None for p in mine)
        assert got["n_with_prior"] == sum(p.expected_prior is not None for p in mine)
        assert got["n_movers"] == sum(len({s for _, s, g in p.enrolments if g in "789"}) > 1 for p in mine)
        assert got["n_arrived"] == sum(p.name == "arrived" for p in mine)
        assert got["n_newly_arrived"] == sum(p.name == "newly_arrived" for p in mine)
        assert got["n_left"] == (1 if school == A79 else 0)
    kommun = _row(served, level="kommun")
    assert (kommun["n"], kommun["n_no_prior"], kommun["n_left"]) == (len(in_population), 2, 1)


@pytest.mark.slow
def test_cohort_progression_follows_the_same_pupils_back_to_year_5(handbuilt_va):
    served = query(handbuilt_va, "select * from marts.cohort_progression where cohort = 2020 and gender = 'T'")
    cohort = [p for p in handbuilt_va.pupils if p.final]
    # March åk 5 MA: godtagbara or better unless assessed 1 (every third regular pupil).
    assessed = [p for p in cohort if "MA" in p.assessments5]
    passed = [p for p in assessed if p.assessments5["MA"] >= 2]
    got = _row(served, level="kommun", measure="bedomning_MA", grade_level=5, occasion="mars")
    assert (got["n"], got["share"]) == (len(assessed), pytest.approx(100 * len(passed) / len(assessed)))
    # Final grades: everyone passed SV; the school is the one that set them (the mover's B).
    final_b = [p for p in cohort if p.enrolments[-1][1] == B79]
    got = _row(served, level="skolenhet", unit_code=B79, measure="slutbetyg_SV", grade_level=9, occasion="VT")
    assert (got["n"], got["share"]) == (len(final_b), 100.0)
