"""Term and final grades åk 6–9, from the latent model; also the pupils' standing shared with the tests."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from .model import (
    GRADE_POINTS,
    GRADES,
    MODEL,
    SUBJECT_INDEX,
    SUBJECTS,
    LatentModel,
    grade_from_latent,
    merit_value,
    newly_arrived_effect,
)
from .names import LANGUAGES, MODERN_LANGUAGES
from .people import Population
from .value_added import STAGES

STRECK = len(GRADES)  # grade index meaning '-' (no basis for grading)
GRADE_LABELS = [*GRADES.tolist(), "-"]
DROPPABLE = [SUBJECT_INDEX[s] for s in ("BL", "MU", "SL", "HKK", "TK", "RE")]


def standing(pop: Population, rows: pl.DataFrame, m: LatentModel = MODEL, with_school: bool = True) -> np.ndarray:
    """Latent standing of each pupil-year row of the panel (before subject and occasion noise)."""
    p = rows["pupil"].to_numpy()
    born_here = np.isnat(pop.arrival[p])
    mu = (
        m.ability_sd * rows["ability"].to_numpy()
        + m.girl * pop.girl[p]
        + m.parent_education * (pop.edu[p] - 2.0)
        + newly_arrived_effect(rows["years_in_sweden"].to_numpy(), m)
        + m.other_mother_tongue * (born_here & (pop.modersmal[p] != "svenska"))
        + m.absence * (rows["absence"].to_numpy() - m.absence_centre)
    )
    if "level" in rows.columns:  # a calibrated preset's shift per cohort and gender (calibration.py)
        mu = mu + rows["level"].to_numpy()
    if with_school:
        mu = mu + rows["school_effect"].to_numpy() / m.points_per_latent
    return mu


def pass_shifts(rows: pl.DataFrame) -> np.ndarray | None:
    """(rows, 1): a calibrated preset's lowering of the F|E cut of teachers' grades, None when there is none."""
    return rows["pass_shift"].to_numpy()[:, None] if "pass_shift" in rows.columns else None


def subject_deviation(n_pupils: int, seed: int, m: LatentModel = MODEL) -> np.ndarray:
    """Persistent pupil-by-subject deviation: the same for term grades and national tests."""
    return np.random.default_rng([seed, 3]).normal(0, m.subject_sd, (n_pupils, len(SUBJECTS)))


def subject_shift(girl: np.ndarray, m: LatentModel = MODEL, test: bool = False) -> np.ndarray:
    """(rows, subjects) easiness plus girls' extra lead per subject."""
    shift = np.array([m.subject_shift.get(s, 0.0) + (m.test_shift.get(s, 0.0) if test else 0.0) for s in SUBJECTS])
    girl_lead = np.array([m.subject_girl.get(s, 0.0) - (m.test_girl_discount if test else 0.0) for s in SUBJECTS])
    return shift[None, :] + girl[:, None] * girl_lead[None, :]


@dataclass
class Choices:
    """Per pupil: which optional subjects and which languages."""

    m2_lang: np.ndarray  # index into MODERN_LANGUAGES, -1 = no M2
    m2_drop_grade: np.ndarray  # first grade without M2 (10 = kept)
    m1_lang: np.ndarray  # -1 = no M1
    ml: np.ndarray  # studies modersmål
    reduced: np.ndarray  # (pupils, subjects) subjects dropped (anpassad studiegång)


def subject_choices(pop: Population, seed: int) -> Choices:
    rng = np.random.default_rng([seed, 4])
    n = pop.n
    other_tongue = pop.modersmal != "svenska"
    ml = other_tongue & (rng.random(n) < 0.45)
    born_here = np.isnat(pop.arrival)
    # Språkval: ~70 % take a modern language; weaker pupils and modersmål pupils more often choose otherwise.
    z = 1.6 + 0.6 * rng.normal(0, 1, n) - 1.2 * ml - 0.8 * ~born_here
    m2 = rng.random(n) < 1 / (1 + np.exp(-z))
    langs = list(MODERN_LANGUAGES)
    p = np.array(list(MODERN_LANGUAGES.values()))
    m2_lang = np.where(m2, rng.choice(len(langs), n, p=p), -1)
    m2_drop = np.minimum(7 + rng.geometric(0.035, n) - 1, 10)
    m1 = rng.random(n) < 0.03
    m1_lang = np.where(m1, (np.maximum(m2_lang, 0) + rng.integers(1, len(langs), n)) % len(langs), -1)
    reduced = np.zeros((n, len(SUBJECTS)), bool)
    few = np.flatnonzero(rng.random(n) < 0.02)
    for i in few:
        reduced[i, rng.choice(DROPPABLE, rng.integers(2, 5), replace=False)] = True
    return Choices(m2_lang, m2_drop, m1_lang, ml, reduced)


def _subject_mask(
    pop: Population, ch: Choices, p: np.ndarray, grade: np.ndarray, yis: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """(rows, subjects): the subjects each pupil-year row is graded in."""
    take = np.zeros((len(p), len(SUBJECTS)), bool)
    take[:, : SUBJECT_INDEX["SV"]] = True
    take[:, SUBJECT_INDEX["SV"]] = ~pop.sva[p]
    take[:, SUBJECT_INDEX["SVA"]] = pop.sva[p]
    take[:, SUBJECT_INDEX["ML"]] = ch.ml[p]
    take[:, SUBJECT_INDEX["M1"]] = (ch.m1_lang[p] >= 0) & (grade >= 7)
    take[:, SUBJECT_INDEX["M2"]] = (ch.m2_lang[p] >= 0) & (grade < ch.m2_drop_grade[p])
    take &= ~ch.reduced[p]
    # Newly arrived in their first year on a prioritised timetable: some subjects left out.
    fresh = np.flatnonzero(np.nan_to_num(yis, nan=99) < 1)
    for i in fresh:
        take[i, rng.choice(DROPPABLE, 3, replace=False)] = False
    take[fresh, SUBJECT_INDEX["M2"]] = False
    return take


# Language labels for the `sprak` column; the last entry (None) is for subjects without a language.
SPRAK_LABELS = [*MODERN_LANGUAGES, *sorted(set(LANGUAGES.values()) - set(MODERN_LANGUAGES)), None]
_SPRAK_INDEX = {code: i for i, code in enumerate(SPRAK_LABELS)}


def sprak_codes(pop: Population, ch: Choices, p: np.ndarray, subject: np.ndarray) -> pl.Series:
    """Language code for ML/M1/M2 rows, null elsewhere."""
    idx = np.full(len(p), len(SPRAK_LABELS) - 1)
    m2 = subject == SUBJECT_INDEX["M2"]
    idx[m2] = ch.m2_lang[p[m2]]
    m1 = subject == SUBJECT_INDEX["M1"]
    idx[m1] = ch.m1_lang[p[m1]]
    ml = subject == SUBJECT_INDEX["ML"]
    tongue = {lang: _SPRAK_INDEX[code] for lang, code in LANGUAGES.items()}
    idx[ml] = [tongue[x] for x in pop.modersmal[p[ml]]]
    return pl.Series("sprak", SPRAK_LABELS, dtype=pl.Utf8).gather(idx)


@dataclass
class FinalDraws:
    """The draws behind the final grades (VT åk 9), one row per pupil: what calibration.py re-cuts."""

    pupil: np.ndarray
    year: np.ndarray
    latent: np.ndarray  # (pupils, subjects) subject latent of the term, the cohort's level included
    level: np.ndarray  # the cohort's level in `latent` (0 without calibration)
    graded: np.ndarray  # (pupils, subjects) subjects graded
    streck: np.ndarray  # (pupils, subjects) '-' (no basis for a grade)


@dataclass
class GradeResult:
    rows: pl.DataFrame  # pupil, year, termin, school, arskurs, amne, sprak, betyg, betygstyp
    realised_effect: pl.DataFrame  # school, year, n, realised effect on meritvärde (final grades)
    final_merit: pl.DataFrame  # pupil, year, school, meritvarde (for the truth summary)
    # stage, pupil, year, school, meritvarde, meritvarde_without: the spring meritvärde at the end of each
    # value-added stage (VT åk 6, VT åk 9) and with the same draws but the stage's school effects set to zero
    stage_merit: pl.DataFrame
    final_draws: FinalDraws


def make_grades(pop: Population, ch: Choices, seed: int, m: LatentModel = MODEL) -> GradeResult:
    rng = np.random.default_rng([seed, 5])
    rows = pop.panel.filter(pl.col("grade") >= 6)
    p = rows["pupil"].to_numpy()
    grade = rows["grade"].to_numpy()
    yis = rows["years_in_sweden"].to_numpy()
    absence = rows["absence"].to_numpy()
    dev = subject_deviation(pop.n, seed, m)[p]
    base = standing(pop, rows, m)[:, None] + subject_shift(pop.girl[p], m) + dev
    # The counterfactual without the åk 7–9 school's part gives the realised value added of that school.
    upper = (rows["upper_effect"].to_numpy() / m.points_per_latent)[:, None]
    take = _subject_mask(pop, ch, p, grade, yis, rng)
    shift = pass_shifts(rows)
    # Streck: the teacher has no basis for a grade after long absence.
    p_streck = 0.8 / (1 + np.exp(-(absence - 0.5) / 0.06))

    frames = []
    for termin, term_offset in (("HT", 0.5), ("VT", 0.0)):
        noise = rng.normal(0, m.term_sd, base.shape)
        g = grade_from_latent(base + noise, m.cuts, shift)
        # A pupil who arrived a few months ago is not graded yet in some subjects (no grade at all).
        just_arrived = (np.nan_to_num(yis, nan=99) - term_offset < 0.4)[:, None] & (rng.random(base.shape) < 0.5)
        graded = take & ~just_arrived
        streck = rng.random(base.shape) < p_streck[:, None]
        g = np.where(streck, STRECK, g)
        final = (grade == 9) & (termin == "VT")
        if termin == "VT":
            g0 = np.where(streck, STRECK, grade_from_latent(base - upper + noise, m.cuts, shift))
            effect, merits = _realised_effect(rows, g, g0, graded, final)
            stage_merit = _stage_merit(rows, base + noise, streck, g, graded, shift, m)
            draws = FinalDraws(
                pupil=p[final],
                year=rows["year"].to_numpy()[final],
                latent=(base + noise)[final],
                level=rows["level"].to_numpy()[final] if "level" in rows.columns else np.zeros(final.sum()),
                graded=graded[final],
                streck=streck[final],
            )
        r, s = np.nonzero(graded)
        frames.append(
            pl.DataFrame(
                {
                    "pupil": p[r],
                    "year": rows["year"].to_numpy()[r],
                    "termin": termin,
                    "school": rows["school"].to_numpy()[r],
                    "arskurs": grade[r].astype(np.int8),
                    "amne": np.array(SUBJECTS)[s],
                    "sprak": sprak_codes(pop, ch, p[r], s),
                    "betyg": np.array(GRADE_LABELS)[g[r, s]],
                    "betygstyp": np.where(final[r], "slutbetyg", "terminsbetyg"),
                }
            )
        )
    return GradeResult(pl.concat(frames), effect, merits, stage_merit, draws)


def _merit(g: np.ndarray, take: np.ndarray) -> np.ndarray:
    points = np.array([GRADE_POINTS[x] for x in GRADE_LABELS])[g]
    points = np.where(take, points, np.nan)
    m2 = SUBJECT_INDEX["M2"]
    return merit_value(np.delete(points, m2, axis=1), points[:, m2])


def _stage_merit(
    rows: pl.DataFrame,
    latent: np.ndarray,
    streck: np.ndarray,
    g: np.ndarray,
    take: np.ndarray,
    shift: np.ndarray | None,
    m: LatentModel,
) -> pl.DataFrame:
    """Spring meritvärde at the end of each stage, as graded and with the stage's school effects set to zero.

    The same draws (ability path, subject deviations, this term's noise, streck, the subjects graded): only
    the stage's part of the planted effect (see people._school_effects) leaves the latent."""
    grade = rows["grade"].to_numpy()
    frames = []
    for stage in STAGES:
        at = grade == stage.outcome_grade
        part = (rows[stage.effect_part].to_numpy()[at] / m.points_per_latent)[:, None]
        without = np.where(
            streck[at], STRECK, grade_from_latent(latent[at] - part, m.cuts, None if shift is None else shift[at])
        )
        frames.append(
            rows.filter(pl.Series(at))
            .select("pupil", "year", "school")
            .with_columns(
                stage=pl.lit(stage.name),
                meritvarde=_merit(g[at], take[at]),
                meritvarde_without=_merit(without, take[at]),
            )
        )
    return pl.concat(frames)


def _realised_effect(
    rows: pl.DataFrame, g: np.ndarray, g0: np.ndarray, take: np.ndarray, final: np.ndarray
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Mean difference in final-grade meritvärde with and without the school's planted effect."""
    merit = _merit(g[final], take[final])
    merit0 = _merit(g0[final], take[final])
    fin = (
        rows.filter(pl.Series(final))
        .select("pupil", "year", "school")
        .with_columns(meritvarde=merit, meritvarde_utan_skoleffekt=merit0)
    )
    effect = fin.group_by("school", "year").agg(
        n=pl.len(), realised_effect=(pl.col("meritvarde") - pl.col("meritvarde_utan_skoleffekt")).mean()
    )
    return effect, fin
