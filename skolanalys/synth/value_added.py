"""The true value added per school, cohort and stage: what the warehouse's value-added estimates are tested
against. These definitions are the contract with the estimator (the truth file repeats them):

- Stage `6-9`: cohort = the calendar year of the spring term in which the pupil got slutbetyg in åk 9
  (läsår 2024/25 → 2025). Population: pupils with slutbetyg (VT åk 9) in the municipality and a prior in
  åk 6 in the municipality (VT åk 6 terminsbetyg, else åk 6 national tests, else the March åk 6 teacher
  assessments). Attribution: the school of the pupil's enrolment (elever/, as of 15 October) in the most
  school years among åk 7, 8, 9; a tie goes to the one attended latest. Outcome: meritvärde — the 16 best
  grade points plus M2 as the 17th when E or better (grades.py, as the warehouse computes it).
- Stage `3-6`: cohort = the calendar year of the spring term of åk 6. Population: pupils with VT åk 6
  terminsbetyg and an åk 3 prior (åk 3 national tests or the March åk 3 teacher assessments). Attribution
  by the most years in åk 4–6 (ties → latest). Outcome: the same meritvärde rule on the VT åk 6 terminsbetyg.
- Pupil effect d_i = the outcome as generated − the outcome of the same pupil with the same draws (ability
  path, subject deviations, occasion noise, streck, subjects) but with the planted effects of the schools
  attended in the stage's years (åk 7–9, resp. åk 4–6) set to zero, as if they were average schools. The
  generator's mechanics (people._school_effects): a pupil carries the mean planted effect of the schools
  attended in F–6 so far plus, from åk 7, that of the schools attended in åk 7–9 so far; zeroing the
  stage's years removes the whole 7–9 part at åk 9, and at åk 6 the åk 4–6 years' share of the F–6 mean.
- true_va(school, cohort) = mean d_i over the school's attributed pupils in the cohort − mean d_i over the
  cohort's whole population, so the pupil-weighted mean over the schools is 0 in every cohort (as a model
  fitted on the municipality's own cohort is centred). Pooled (cohort null): the same over all cohorts
  together. n = attributed pupils. Only cohorts whose stage lies wholly within the generated school years
  (the prior's year included).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

MODEL_NAME = "contextual"
OUTCOME = "meritvarde"
PRIOR_OCCASION = "mars"  # the teacher assessments that count as a prior


@dataclass(frozen=True)
class Stage:
    name: str
    prior_grade: int  # årskurs of the prior (its spring)
    outcome_grade: int  # årskurs of the outcome (its spring)
    effect_part: str  # panel column: the part of the pupil's planted effect that the stage's years add

    @property
    def grades(self) -> list[int]:
        """The årskurser whose schools the stage's value added belongs to."""
        return list(range(self.prior_grade + 1, self.outcome_grade + 1))

    @property
    def span(self) -> int:
        return self.outcome_grade - self.prior_grade


STAGES = (Stage("3-6", 3, 6, "middle_effect"), Stage("6-9", 6, 9, "upper_effect"))

DEFINITIONS = {
    "stages": {
        "6-9": "cohort = calendar year of the spring term of the slutbetyg in åk 9 (2024/25 → 2025); population:"
        " pupils with VT åk 9 slutbetyg and a prior in åk 6 in the municipality (VT åk 6 terminsbetyg, else"
        " åk 6 national tests, else the mars åk 6 teacher assessments); attribution: the school of the"
        " enrolment (elever/, 15 October) in most of the school years in åk 7, 8, 9, a tie to the latest;"
        " outcome: meritvärde of the slutbetyg (16 best + M2 as 17th when ≥ E)",
        "3-6": "cohort = calendar year of the spring term of åk 6; population: pupils with VT åk 6 terminsbetyg"
        " and an åk 3 prior (åk 3 national tests or the mars åk 3 teacher assessments); attribution: most"
        " school years in åk 4–6, a tie to the latest; outcome: meritvärde by the same rule on the VT åk 6"
        " terminsbetyg",
    },
    "pupil_effect": "d_i = outcome as generated − outcome of the same pupil with the same draws (ability path,"
    " subject deviations, noise, streck, subjects) but the planted effects of the schools attended in the"
    " stage's years (åk 7–9, resp. åk 4–6) set to zero",
    "true_va": "mean d_i over the school's attributed pupils in the cohort − mean d_i over the cohort's whole"
    " population (pupil-weighted mean over schools = 0 in each cohort); cohort null = all cohorts pooled: the"
    " mean over the school's pupils of all cohorts of d_i − their own cohort's"
    " population mean; n = attributed pupils; only cohorts whose stage lies wholly in the generated"
    " years",
}


def pupil_effects(
    panel: pl.DataFrame,
    years: list[int],
    grade_rows: pl.DataFrame,
    stage_merit: pl.DataFrame,
    tests: pl.DataFrame,
    assessments: pl.DataFrame,
) -> pl.DataFrame:
    """stage, cohort, pupil, school (attributed), d: one row per pupil of each stage's population.

    `panel` is the enrolment per pupil and school year, `grade_rows`, `tests`, `assessments` the rows
    written to betyg/, nationella_prov/, bedomningar/, `stage_merit` grades.GradeResult.stage_merit."""
    frames = []
    for stage in STAGES:
        graded = grade_rows.filter((pl.col("termin") == "VT") & (pl.col("arskurs") == stage.outcome_grade))
        outcome = (
            stage_merit.filter(
                (pl.col("stage") == stage.name) & (pl.col("year") >= stage.span)  # the prior's year was generated
            )
            .join(graded.select("pupil", "year").unique(), on=["pupil", "year"], how="semi")
            .drop("school")  # the school of the outcome's year; the stage's school is attributed below
        )
        prior = pl.concat(
            [
                grade_rows.filter((pl.col("termin") == "VT") & (pl.col("arskurs") == stage.prior_grade)),
                tests.filter(pl.col("arskurs") == stage.prior_grade),
                assessments.filter((pl.col("tillfalle") == PRIOR_OCCASION) & (pl.col("arskurs") == stage.prior_grade)),
            ],
            how="diagonal_relaxed",
        ).select("pupil")
        attributed = (
            panel.filter(pl.col("grade").is_in(stage.grades))
            .group_by("pupil", "school")
            .agg(years=pl.len(), last=pl.col("year").max())
            .sort("pupil", "years", "last", descending=[False, True, True])
            .unique("pupil", keep="first", maintain_order=True)
            .select("pupil", "school")
        )
        frames.append(
            outcome.join(prior.unique(), on="pupil", how="semi")
            .join(attributed, on="pupil")  # every pupil in the population was enrolled in the stage's years
            .select(
                pl.lit(stage.name).alias("stage"),
                pl.col("year").replace_strict(dict(enumerate(years)), return_dtype=pl.Int64).add(1).alias("cohort"),
                "pupil",
                "school",
                (pl.col("meritvarde") - pl.col("meritvarde_without")).alias("d"),
            )
        )
    return pl.concat(frames)


def true_value_added(effects: pl.DataFrame, codes: list[str]) -> list[dict]:
    """The truth file's `value_added` rows from `pupil_effects`, per cohort and pooled (cohort null)."""
    per_cohort = effects.with_columns(centre=pl.col("d").mean().over("stage", "cohort"))
    # Pooled: each pupil centred on their own cohort, as the estimator's reference is the pupil's cohort.
    pooled = per_cohort.with_columns(cohort=pl.lit(None, pl.Int64))
    rows = []
    for frame in (per_cohort, pooled):
        table = (
            frame.group_by("stage", "cohort", "school")
            .agg(n=pl.len(), true_va=(pl.col("d") - pl.col("centre")).mean())
            .with_columns(unit_code=pl.col("school").replace_strict(dict(enumerate(codes)), return_dtype=pl.Utf8))
            .sort("stage", "cohort", "unit_code", nulls_last=True)
        )
        rows += [
            {
                "stage": r["stage"],
                "model": MODEL_NAME,
                "outcome": OUTCOME,
                "unit_code": r["unit_code"],
                "cohort": r["cohort"],
                "n": r["n"],
                "true_va": round(r["true_va"], 4),
            }
            for r in table.iter_rows(named=True)
        ]
    return rows
