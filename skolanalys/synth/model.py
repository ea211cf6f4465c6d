"""The latent model behind every result: one place for the coefficients, so the truth file can list them.

A pupil has a latent ability (standard normal at the start, drifting slowly from year to year). A pupil's
standing in a school year is ability plus background effects plus the planted effect of the school the
pupil attends that year; a subject grade or test result adds a persistent pupil-by-subject deviation and
occasion noise, and is cut into grades at fixed thresholds.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

GRADES = np.array(["F", "E", "D", "C", "B", "A"])
GRADE_POINTS = {"A": 20.0, "B": 17.5, "C": 15.0, "D": 12.5, "E": 10.0, "F": 0.0, "-": 0.0}

# Subject codes in a fixed order; SV and SVA are alternatives, the last three are language subjects.
CORE_SUBJECTS = ["BI", "BL", "EN", "FY", "GE", "HI", "HKK", "IDH", "KE", "MA", "MU", "RE", "SH", "SL", "TK"]
SUBJECTS = [*CORE_SUBJECTS, "SV", "SVA", "ML", "M1", "M2"]
SUBJECT_INDEX = {s: i for i, s in enumerate(SUBJECTS)}
SUBJECT_NAMES = {
    "BI": "Biologi",
    "BL": "Bild",
    "EN": "Engelska",
    "FY": "Fysik",
    "GE": "Geografi",
    "HI": "Historia",
    "HKK": "Hem- och konsumentkunskap",
    "IDH": "Idrott och hälsa",
    "KE": "Kemi",
    "MA": "Matematik",
    "MU": "Musik",
    "RE": "Religionskunskap",
    "SH": "Samhällskunskap",
    "SL": "Slöjd",
    "TK": "Teknik",
    "SV": "Svenska",
    "SVA": "Svenska som andraspråk",
    "ML": "Modersmål",
    "M1": "Moderna språk, elevens val",
    "M2": "Moderna språk, språkval",
}


@dataclass(frozen=True)
class LatentModel:
    ability_drift_sd: float = 0.12  # yearly random walk of ability
    ability_sd: float = 0.85  # spread of ability in the standing (ability itself is standard normal)
    girl: float = 0.33
    parent_education: float = 0.40  # per level, centred on 2 (gymnasial)
    newly_arrived: float = -1.25  # arrived less than a year ago; fades linearly to ...
    newly_arrived_at_4_years: float = -0.55  # ... this at four years in Sweden
    arrived_4_to_8_years: float = -0.25
    other_mother_tongue: float = -0.12  # born in Sweden, another modersmål
    absence: float = -2.2  # per unit share of time absent, centred on the mean share
    absence_centre: float = 0.07
    subject_sd: float = 0.42  # persistent pupil-by-subject deviation
    term_sd: float = 0.28  # occasion noise of one term grade
    test_sd: float = 0.45  # occasion noise of one national test
    # Grade thresholds on the subject latent: F|E, E|D, D|C, C|B, B|A.
    cuts: tuple[float, ...] = (-1.75, -0.8, -0.25, 0.5, 1.15)
    # Per-subject easiness (added to the latent) and extra effect of being a girl.
    subject_shift: dict[str, float] = field(
        default_factory=lambda: {
            "BI": 0.0,
            "BL": 0.25,
            "EN": 0.25,
            "FY": -0.12,
            "GE": 0.0,
            "HI": 0.0,
            "HKK": 0.25,
            "IDH": 0.45,
            "KE": -0.15,
            "MA": -0.22,
            "MU": 0.2,
            "RE": 0.0,
            "SH": 0.0,
            "SL": 0.22,
            "TK": 0.0,
            "SV": 0.05,
            "SVA": -0.3,
            "ML": 0.7,
            "M1": 0.1,
            "M2": -0.1,
        }
    )
    subject_girl: dict[str, float] = field(
        default_factory=lambda: {
            "BL": 0.2,
            "EN": -0.05,
            "HKK": 0.2,
            "IDH": -0.25,
            "MA": -0.08,
            "MU": 0.1,
            "SL": 0.12,
            "SV": 0.18,
            "SVA": 0.15,
            "M2": 0.12,
            "FY": -0.05,
            "TK": -0.1,
        }
    )
    # Tests are marked harder than teachers grade, and girls' lead is smaller on tests than in grades.
    test_shift: dict[str, float] = field(default_factory=lambda: {"MA": -0.2, "SV": -0.05, "SVA": -0.05, "EN": 0.1})
    test_girl_discount: float = 0.12
    year3_pass_cut: float = -1.0  # åk 3: passed all parts when the latent is above this
    # Teacher assessments (October, March; åk 1–9): the subject latent of the year with its own occasion
    # noise, cut into 1 inte godtagbara | 2 godtagbara | 3 mer än godtagbara kunskaper. The lower cut lies
    # between F|E and E|D (teachers flag a risk of F early), the upper one between C|B and B|A: about 10 %
    # are assessed 1 and a third 3 at a typical school.
    assessment_sd: float = 0.35
    assessment_cuts: tuple[float, ...] = (-1.2, 0.85)
    points_per_latent: float = 56.0  # d(meritvärde)/d(latent shift), calibrated: converts school effects

    def to_dict(self) -> dict:
        return asdict(self)


MODEL = LatentModel()


def newly_arrived_effect(years_in_sweden: np.ndarray, m: LatentModel = MODEL) -> np.ndarray:
    """Latent effect of time in Sweden (NaN = born in Sweden -> 0)."""
    y = np.nan_to_num(years_in_sweden, nan=99.0)
    fresh = m.newly_arrived + (m.newly_arrived_at_4_years - m.newly_arrived) * np.clip(y, 0, 4) / 4
    return np.where(y < 4, fresh, np.where(y < 8, m.arrived_4_to_8_years, 0.0))


def grade_from_latent(
    x: np.ndarray, cuts: tuple[float, ...] = MODEL.cuts, pass_shift: np.ndarray | None = None
) -> np.ndarray:
    """Index into GRADES (0 = F … 5 = A). `pass_shift` (broadcast against `x`) lowers the F|E cut by that
    much (a calibrated preset's leniency at the pass mark, skolanalys/synth/calibration.py); None = 0."""
    g = np.searchsorted(np.asarray(cuts), x)
    if pass_shift is None:
        return g
    return np.where(x > cuts[0] - pass_shift, np.maximum(g, 1), 0)


def merit_value(points: np.ndarray, m2_points: np.ndarray) -> np.ndarray:
    """Meritvärde per pupil: 16 best of `points` (NaN = no grade) plus M2 as the 17th when E or better."""
    best = -np.sort(-np.nan_to_num(points, nan=0.0), axis=1)[:, :16].sum(axis=1)
    m2 = np.nan_to_num(m2_points, nan=0.0)
    return best + np.where(m2 >= 10, m2, 0.0)
