"""The contextual model: one pupil-level OLS per stage, cohort and outcome, with school fixed effects.

outcome = f(prior) + prior source + girl + parents' education + years in Sweden + other mother tongue
          + school (one intercept per school)

f is a restricted cubic spline of the prior (Harrell's, knots at quantiles of the prior). With one
intercept per school the background coefficients are estimated within schools, so a school whose pupils
differ in background from the others' does not pass its own effect into the coefficients. A pupil's value
added is outcome − (background part), centred so that its mean over the cohort is 0: a school's value added
is then the mean over its pupils, i.e. its intercept relative to the pupil-weighted mean of the intercepts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
import scipy.linalg
from statsmodels.regression.linear_model import OLS

# Fewer pupils with a prior in a cohort than this: no contextual model for the cohort (status '.').
MIN_PUPILS = 50

# Years in Sweden at the end of the stage (from ankomstdatum_sverige), in bands; no arrival date = born in
# Sweden or unknown (the reference). Newly arrived (nyanlända) = less than 4 years, as SALSA counts them.
YEARS_IN_SWEDEN_BANDS = ((0.0, 4.0), (4.0, 6.0), (6.0, 8.0), (8.0, np.inf))


def _knots(x: np.ndarray) -> np.ndarray:
    """Harrell's knot positions: 5 knots at the 5, 27.5, 50, 72.5 and 95 % quantiles from 100 pupils,
    3 knots at 10, 50, 90 % below that; fewer distinct values leave the prior linear (no knots)."""
    quantiles = [0.05, 0.275, 0.5, 0.725, 0.95] if len(x) >= 100 else [0.1, 0.5, 0.9]
    knots = np.unique(np.quantile(x, quantiles))
    return knots if len(knots) >= 3 else np.zeros(0)


def spline_basis(x: np.ndarray, knots: np.ndarray) -> np.ndarray:
    """Restricted (natural) cubic spline of x: x itself and len(knots) − 2 nonlinear terms, linear beyond
    the outer knots (Harrell, Regression Modeling Strategies, 2.4.5), scaled by (t_k − t_1)²."""
    x = np.asarray(x, dtype=float)
    columns = [x]
    k = len(knots)
    if k >= 3:
        t_last, t_before = knots[-1], knots[-2]
        scale = (t_last - knots[0]) ** 2

        def cube(v):
            return np.clip(v, 0, None) ** 3

        for t in knots[: k - 2]:
            term = (
                cube(x - t)
                - cube(x - t_before) * (t_last - t) / (t_last - t_before)
                + cube(x - t_last) * (t_before - t) / (t_last - t_before)
            )
            columns.append(term / scale)
    return np.column_stack(columns)


def background(pupils: pl.DataFrame) -> tuple[np.ndarray, list[str]]:
    """The covariates of the model (without the prior spline and the schools), one column per name."""
    columns: dict[str, np.ndarray] = {}
    # The prior's source (grades, tests, assessments): one indicator per source but the most common one.
    source = pupils["prior_source"].fill_null("").to_numpy()
    values, counts = np.unique(source.astype(str), return_counts=True)
    ordered = [v for _, v in sorted(zip(-counts, values, strict=True))]
    for s in sorted(ordered[1:]):
        columns[f"prior_source_{s}"] = (source == s).astype(float)
    columns["girl"] = (pupils["gender"] == "K").to_numpy().astype(float)
    education = pupils["parent_education"].to_numpy()
    for level in (1, 3):
        columns[f"parent_education_{level}"] = (education == level).astype(float)
    columns["parent_education_unknown"] = pupils["parent_education"].is_null().to_numpy().astype(float)
    years = pupils["years_in_sweden"].fill_null(np.nan).to_numpy().astype(float)
    for low, high in YEARS_IN_SWEDEN_BANDS:
        name = f"years_in_sweden_{low:g}_{high:g}" if np.isfinite(high) else f"years_in_sweden_{low:g}_plus"
        columns[name] = ((years >= low) & (years < high)).astype(float)
    columns["other_mother_tongue"] = pupils["other_mother_tongue"].fill_null(False).to_numpy().astype(float)
    names = list(columns)
    return np.column_stack([columns[n] for n in names]), names


@dataclass
class ContextualFit:
    """The fitted model of one cohort: each pupil's value added and what the interval needs."""

    pupil_va: np.ndarray  # outcome − background part, mean 0 over the cohort
    covariates: np.ndarray  # (pupils, covariates) the background design, prior spline included
    covariance: np.ndarray  # heteroskedasticity-consistent (HC1) covariance of the background coefficients
    names: list[str]


def _within(values: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """Deviations from the group means (column-wise): the part the school intercepts do not explain."""
    counts = np.bincount(groups, minlength=n_groups).astype(float)
    if values.ndim == 1:
        return values - (np.bincount(groups, weights=values, minlength=n_groups) / counts)[groups]
    sums = np.zeros((n_groups, values.shape[1]))
    np.add.at(sums, groups, values)
    return values - (sums / counts[:, None])[groups]


def _independent(x: np.ndarray) -> np.ndarray:
    """Indices (ascending) of a largest set of linearly independent columns of x, by pivoted QR."""
    if x.shape[1] == 0:
        return np.zeros(0, dtype=int)
    _, r, pivots = scipy.linalg.qr(x, mode="economic", pivoting=True)
    diagonal = np.abs(np.diag(r))
    tolerance = max(x.shape) * np.finfo(float).eps * (diagonal[0] if len(diagonal) else 0.0) * 1e3
    rank = int((diagonal > max(tolerance, 1e-8)).sum())
    return np.sort(pivots[:rank])


def fit(pupils: pl.DataFrame, outcome: str) -> ContextualFit:
    """OLS of `outcome` on the prior spline, the background and one intercept per school, for the pupils of
    one cohort (all with a prior).

    Fitted as the within-school regression (deviations from the school means; by the Frisch–Waugh–Lovell
    theorem the same coefficients as with a dummy per school), which also drops background columns that the
    schools already span. The HC1 covariance counts the school intercepts among the parameters."""
    y = pupils[outcome].to_numpy().astype(float)
    prior = pupils["prior"].to_numpy().astype(float)
    spline = spline_basis(prior, _knots(prior))
    back, back_names = background(pupils)
    covariates = np.column_stack([spline, back])
    names = [f"prior_spline_{i}" for i in range(spline.shape[1])] + back_names

    _, school = np.unique(pupils["school_unit_code"].to_numpy(), return_inverse=True)
    n_schools = int(school.max()) + 1 if len(school) else 0
    within = _within(covariates, school, n_schools)
    kept = _independent(within)
    covariates, within, names = covariates[:, kept], within[:, kept], [names[i] for i in kept]

    result = OLS(_within(y, school, n_schools), within, hasconst=False).fit(method="qr", cov_type="HC0")
    n, k = within.shape
    covariance = np.asarray(result.cov_params()) * n / max(n - k - n_schools, 1)
    adjusted = y - covariates @ np.asarray(result.params)
    return ContextualFit(adjusted - adjusted.mean(), covariates, covariance, names)
