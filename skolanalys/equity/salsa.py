"""A SALSA-type model on the municipality's own åk 9 pupils: what each school's result would be expected to
be from its pupils' background alone, and how far the actual result is from it.

Skolverket's SALSA regresses, across all schools in the country, a school's average meritvärde (or share
passing all subjects) on its pupils' background: parents' mean education level (1 förgymnasial,
2 gymnasial, 3 eftergymnasial), the share of boys and the share of newly arrived pupils. Here the same
background variables are used, per school year and outcome, on the municipality's own pupils:

    y_i = β₀ + β₁·parents' education_i + β₂·boy_i + β₃·newly arrived_i + ε_i      (OLS, statsmodels)

fitted at pupil level — a school-level regression on the municipality's handful of schools cannot estimate
four coefficients — over the pupils whose parents' education is known. Since the model is linear, a school's
expected value is the same linear function of its background means as in SALSA:

    expected_s = mean of the fitted values of its pupils with known background = x̄_s'β̂
    actual_s   = the school's result over all its pupils (the same figure as N15505 / N15419)
    deviation_s = actual_s − expected_s,
    95 % interval: deviation ± 1.96·√(σ̂²/n_s + x̄_s' V̂ x̄_s)

with σ̂² the model's residual variance, n_s the school's pupils and V̂ the coefficients' covariance: the
deviation's uncertainty from the pupils' individual variation and from the estimated coefficients.
A background variable without variation that year (e.g. no newly arrived pupils) is left out of that
year's model. Coverage (pupils with known background / all pupils) and the school's åk 9 pupils are returned
so that the marts can apply SALSA's publication rule (at least 15 pupils in åk 9, background for at least 75 %;
dbt_project.yml salsa_min_pupils and salsa_min_coverage).

Unlike the official SALSA, the comparison is with the municipality's own pupils, not the whole country: the
deviations of a year average about zero across the municipality's schools by construction.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy import stats
from statsmodels.regression.linear_model import OLS, RegressionResultsWrapper

from skolanalys.equity.outcomes import CONFIDENCE, OUTCOMES, outcome_values

SALSA_OUTCOMES = ("meritvarde", "alla_amnen")  # SALSA's two outcomes
TERMS = {"parents_education": "parent_education", "boys": "is_boy", "newly_arrived": "is_newly_arrived"}
MIN_SCHOOLS = 2  # with one school the model's expectation is the school's own mean: nothing to compare

SALSA_SCHEMA = {
    "year": pl.Int32,
    "school_year": pl.Utf8,
    "outcome": pl.Utf8,
    "unit_code": pl.Utf8,
    "n": pl.Int64,  # the school's pupils in the outcome's population
    "n_year9": pl.Int64,  # the school's pupils in åk 9 with final grades (SALSA's publication rule counts them)
    "n_background": pl.Int64,  # … of whom the parents' education is known
    "coverage": pl.Float64,  # n_background / n
    "mean_parent_education": pl.Float64,
    "share_boys": pl.Float64,  # %
    "share_newly_arrived": pl.Float64,  # %
    "actual": pl.Float64,
    "expected": pl.Float64,
    "deviation": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "model_n": pl.Int64,  # pupils the year's model was fitted on
    "model_terms": pl.Utf8,  # the background variables in the year's model
    "model_r_squared": pl.Float64,
    "model_residual_se": pl.Float64,
}


def fit_year(values: pl.DataFrame) -> tuple[RegressionResultsWrapper, list[str]] | None:
    """The OLS of y on the background terms over pupils with known background; None when not estimable."""
    known = values.filter(pl.col("parent_education").is_not_null())
    terms = [t for t, col in TERMS.items() if known[col].cast(pl.Float64).n_unique() > 1]
    if known.height <= len(terms) + 1:
        return None
    design = np.column_stack([np.ones(known.height), *[known[TERMS[t]].cast(pl.Float64).to_numpy() for t in terms]])
    return OLS(known["y"].to_numpy(), design).fit(), terms


def salsa_table(pupils: pl.DataFrame) -> pl.DataFrame:
    """Actual, expected and deviation with its interval per school, year and outcome (SALSA_SCHEMA)."""
    pupils = pupils.sort("year", "school_unit_code", "pupil_key").with_columns(
        (pl.col("gender") == "M").alias("is_boy"), pl.col("parent_education").cast(pl.Float64)
    )
    z = float(stats.norm.ppf(0.5 + CONFIDENCE / 2))
    frames = []
    for (year, school_year), of_year in pupils.group_by(["year", "school_year"], maintain_order=True):
        year9 = of_year.group_by("school_unit_code").agg(pl.len().alias("n_year9"))
        for name in SALSA_OUTCOMES:
            values = outcome_values(of_year, OUTCOMES[name])
            if values["school_unit_code"].n_unique() < MIN_SCHOOLS:
                continue
            fitted = fit_year(values)
            if fitted is None:
                continue
            model, terms = fitted
            schools = (
                values.group_by("school_unit_code", maintain_order=True)
                .agg(
                    pl.len().alias("n"),
                    pl.col("parent_education").is_not_null().sum().alias("n_background"),
                    pl.col("y").mean().alias("actual"),
                    pl.col("parent_education").mean().alias("mean_parent_education"),
                    *[
                        pl.col(TERMS[t])
                        .cast(pl.Float64)
                        .filter(pl.col("parent_education").is_not_null())
                        .mean()
                        .alias(f"__x_{t}")
                        for t in terms
                    ],
                    (
                        100.0
                        * pl.col("is_boy").cast(pl.Float64).filter(pl.col("parent_education").is_not_null()).mean()
                    ).alias("share_boys"),
                    (
                        100.0
                        * pl.col("is_newly_arrived")
                        .cast(pl.Float64)
                        .filter(pl.col("parent_education").is_not_null())
                        .mean()
                    ).alias("share_newly_arrived"),
                )
                .join(year9, on="school_unit_code", how="left")
                .sort("school_unit_code")
            )
            x = np.column_stack([np.ones(schools.height), *[schools[f"__x_{t}"].to_numpy() for t in terms]])
            expected = x @ model.params
            parameter_var = np.einsum("ij,jk,ik->i", x, model.cov_params(), x)
            se = np.sqrt(model.scale / schools["n"].to_numpy() + parameter_var)
            deviation = schools["actual"].to_numpy() - expected
            known = schools["n_background"].to_numpy() > 0
            frames.append(
                schools.drop([c for c in schools.columns if c.startswith("__x_")]).with_columns(
                    pl.lit(year).alias("year"),
                    pl.lit(school_year).alias("school_year"),
                    pl.lit(name).alias("outcome"),
                    pl.col("school_unit_code").alias("unit_code"),
                    (pl.col("n_background") / pl.col("n")).alias("coverage"),
                    pl.Series("expected", np.where(known, expected, np.nan)).fill_nan(None),
                    pl.Series("deviation", np.where(known, deviation, np.nan)).fill_nan(None),
                    pl.Series("ci_low", np.where(known, deviation - z * se, np.nan)).fill_nan(None),
                    pl.Series("ci_high", np.where(known, deviation + z * se, np.nan)).fill_nan(None),
                    pl.lit(int(model.nobs)).alias("model_n"),
                    pl.lit(", ".join(terms) or "(bara konstant)").alias("model_terms"),
                    pl.lit(float(model.rsquared)).alias("model_r_squared"),
                    pl.lit(float(np.sqrt(model.scale))).alias("model_residual_se"),
                )
            )
    if not frames:
        return pl.DataFrame(schema=SALSA_SCHEMA)
    return (
        pl.concat(frames, how="diagonal_relaxed")
        .select([pl.col(c).cast(t) for c, t in SALSA_SCHEMA.items()])
        .sort("year", "outcome", "unit_code")
    )
