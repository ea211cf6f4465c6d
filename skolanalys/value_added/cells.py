"""From pupils' value added to cells: school units and the municipality, T/K/M, each cohort and all together.

A cell S is a set of pupils of a reference population R (the pupils the expected values were estimated
from: a cohort, or all cohorts). Its value added is the mean of its pupils' value added, and because the
pupils' value added is centred on R, it equals (1 − f)·(ȳ_S − ȳ_O) with O = R∖S the other pupils and
f = n_S / n_R. Its variance:

    var = (1 − f)² · (Σ_S σ_i² / n_S² + Σ_O σ_i² / n_O²)  +  d' V d

where σ_i² is pupil i's variance of value added around its school's mean, estimated from all of R's pupils
in the same prior bin (pupil_variances), and, for the contextual model, d = (mean covariates of S − mean
covariates of R) and V the covariance of the background coefficients (the uncertainty of the expected
values). A cell that is the whole reference (the municipality, all genders) has value added 0 by
construction and no interval.

A cell pooled over cohorts whose reference is each cohort is the pupil-weighted mean of its cohort cells:
va = Σ (n_c/n)·va_c, var = Σ (n_c/n)²·var_c. The 95 % interval is va ± t(0.975, n − 1)·√var.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy import stats

from .prior_model import prior_bins

CELL_KEY = ["cohort", "level", "unit_code", "gender"]
CELL_SCHEMA = {
    "cohort": pl.Int32,
    "level": pl.Utf8,
    "unit_code": pl.Utf8,
    "gender": pl.Utf8,
    "n": pl.Int64,
    "va": pl.Float64,
    "variance": pl.Float64,
    "whole_reference": pl.Boolean,
}


def _long(pupils: pl.DataFrame, kommunkod: str | None, pooled: bool) -> pl.DataFrame:
    """Each pupil once in every cell it counts in: its school unit and the kommun, T and its gender, its
    cohort (and the pooled cohort when the reference spans several)."""
    base = pupils.with_row_index("pupil").with_columns(pl.col("cohort").cast(pl.Int32))
    units = pl.concat(
        [
            base.with_columns(level=pl.lit("skolenhet"), unit_code=pl.col("school_unit_code")),
            base.with_columns(level=pl.lit("kommun"), unit_code=pl.lit(kommunkod, dtype=pl.Utf8)),
        ]
    )
    genders = pl.concat(
        [
            units.with_columns(cell_gender=pl.lit("T")),
            units.filter(pl.col("gender").is_in(["K", "M"])).with_columns(cell_gender=pl.col("gender")),
        ]
    )
    cohorts = [genders]
    if pooled:
        cohorts.append(genders.with_columns(pl.lit(None, dtype=pl.Int32).alias("cohort")))
    return pl.concat(cohorts).drop("gender").rename({"cell_gender": "gender"})


def pupil_variances(pupils: pl.DataFrame) -> np.ndarray:
    """Each pupil's variance of value added around its school's mean, as a function of the prior: the mean
    squared deviation from the school × cohort mean among the reference population's pupils in the same
    prior bin (prior_model.prior_bins), scaled by N / (N − number of school × cohort groups) for the means
    estimated. Borrowed from the whole reference rather than taken from the cell's own few pupils: with
    the skewed residuals of grades (rare large negative ones from F and `-`), a cell's own standard deviation
    is small exactly when its mean happens to be high, and its intervals would miss on that side."""
    if pupils.height == 0:
        return np.zeros(0)
    deviation = pupils.select(
        (pl.col("va") - pl.col("va").mean().over("cohort", "school_unit_code")).alias("d")
    ).to_series()
    groups = pupils.select(pl.struct("cohort", "school_unit_code").n_unique()).item()
    scale = pupils.height / max(pupils.height - groups, 1)
    bins = prior_bins(pupils["prior"].to_numpy())
    squares = np.bincount(bins, weights=deviation.to_numpy() ** 2)
    counts = np.bincount(bins)
    return (scale * squares / counts)[bins]


def reference_cells(
    pupils: pl.DataFrame,
    kommunkod: str | None,
    covariates: np.ndarray | None = None,
    covariance: np.ndarray | None = None,
) -> pl.DataFrame:
    """The cells of one reference population: `pupils` (cohort, school_unit_code, gender, prior, va) is the
    whole reference, `covariates`/`covariance` the contextual model's design and coefficient covariance."""
    if pupils.height == 0:
        return pl.DataFrame(schema=CELL_SCHEMA)
    pooled = pupils["cohort"].n_unique() > 1
    frame = pupils.select("cohort", "school_unit_code", "gender", "va").with_columns(
        pupil_var=pl.Series(pupil_variances(pupils))
    )
    long = _long(frame, kommunkod, pooled)
    total_n = pupils.height
    total_var = float(frame["pupil_var"].sum())
    cells = (
        long.group_by(CELL_KEY)
        .agg(n=pl.len(), total=pl.col("va").sum(), variances=pl.col("pupil_var").sum(), pupils=pl.col("pupil"))
        .sort(CELL_KEY, nulls_last=True)
    )
    n = cells["n"].to_numpy().astype(float)
    mean = cells["total"].to_numpy() / n
    n_other = total_n - n
    variances = cells["variances"].to_numpy()
    f = n / total_n
    whole = n_other == 0
    noise = (1 - f) ** 2 * (
        variances / n**2 + np.where(whole, 0.0, (total_var - variances) / np.maximum(n_other, 1) ** 2)
    )
    if covariates is not None and covariance is not None and covariates.shape[1]:
        centre = covariates.mean(axis=0)
        d = np.array([covariates[idx].mean(axis=0) - centre for idx in cells["pupils"].to_list()])
        noise = noise + np.einsum("ij,jk,ik->i", d, covariance, d)
    return cells.select(CELL_KEY).with_columns(
        n=pl.Series(n.astype(np.int64)),
        va=pl.Series(np.where(whole, 0.0, mean)),
        variance=pl.Series(np.where(whole, 0.0, noise)),
        whole_reference=pl.Series(whole),
    )


def pool_cohorts(cells: pl.DataFrame) -> pl.DataFrame:
    """Cells of all cohorts together from cohort cells with each cohort as reference."""
    parts = cells.filter(pl.col("cohort").is_not_null())
    if parts.height == 0:
        return pl.DataFrame(schema=CELL_SCHEMA)
    return (
        parts.with_columns(weight=pl.col("n") / pl.col("n").sum().over(CELL_KEY[1:]))
        .group_by(CELL_KEY[1:])
        .agg(
            n=pl.col("n").sum(),
            va=(pl.col("weight") * pl.col("va")).sum(),
            variance=(pl.col("weight") ** 2 * pl.col("variance")).sum(),
            whole_reference=pl.col("whole_reference").all(),
        )
        .with_columns(pl.lit(None, dtype=pl.Int32).alias("cohort"))
        .select([pl.col(c).cast(t) for c, t in CELL_SCHEMA.items()])
    )


def with_intervals(cells: pl.DataFrame, level: float = 0.95) -> pl.DataFrame:
    """Standard error and the t-based interval; none for a whole reference (va 0 by construction) or where
    the variance cannot be estimated (a single pupil)."""
    n = cells["n"].to_numpy().astype(float)
    variance = cells["variance"].to_numpy().astype(float)
    se = np.sqrt(np.clip(variance, 0, None))
    quantile = stats.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1))
    usable = ~cells["whole_reference"].to_numpy() & np.isfinite(se) & (n > 1)
    half = np.where(usable, quantile * se, np.nan)
    va = cells["va"].to_numpy()
    return cells.with_columns(
        se=pl.Series(np.where(usable, se, np.nan)).fill_nan(None),
        ci_low=pl.Series(va - half).fill_nan(None),
        ci_high=pl.Series(va + half).fill_nan(None),
    )
