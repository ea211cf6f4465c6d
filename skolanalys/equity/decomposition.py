"""The kommun's gaps split into a within-school and a between-school part, and the between-school share of
the variance in meritvärde (mellanskolvariationen, Skolverket's measure of likvärdighet).

Gap decomposition, per school year, outcome and dimension, over the kommun's pupils in group a or b:

    total gap      = ȳ_a − ȳ_b
    within school  = δ̂ of the regression y = α_school + δ·[pupil in group a] + ε (school fixed effects);
                     equal to Σ_s w_s·(ȳ_as − ȳ_bs) / Σ_s w_s with w_s = n_as·n_bs / (n_as + n_bs): the average
                     gap between a and b pupils *at the same school*
    between school = total − within: the part that comes from a and b pupils going to different schools
                     with different results.

The interval of the within-school gap is the regression's 95 % interval with heteroskedasticity-robust
(HC1) standard errors. Schools with pupils of one group only add nothing to the within-school gap.

Between-school share of variance (the intraclass correlation of a one-way random-effects model
y_ij = μ + u_j + e_ij, u_j ~ (0, σ²_b), e_ij ~ (0, σ²_w)), per school year, over the meritvärde of the
kommun's pupils (those with at least one passed grade, as N15505):

    MSB = Σ_j n_j (ȳ_j − ȳ)² / (k − 1),   MSW = Σ_j Σ_i (y_ij − ȳ_j)² / (N − k),
    n₀  = (N − Σ_j n_j² / N) / (k − 1),
    σ̂²_b = max(0, (MSB − MSW) / n₀),  σ̂²_w = MSW,  share = σ̂²_b / (σ̂²_b + σ̂²_w)

(the ANOVA estimator; for schools of equal size it equals the REML estimate of a mixed model). Its 95 %
interval is the F-based one (Searle 1971): with F = MSB/MSW, F_L = F / F(0.975; k−1, N−k) and
F_U = F / F(0.025; k−1, N−k), the interval is [(F_L − 1)/(F_L + n₀ − 1), (F_U − 1)/(F_U + n₀ − 1)], cut to
[0, 1]; exact for equal school sizes, approximate otherwise. With few schools it is wide, as it should be.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy import stats
from statsmodels.regression.linear_model import OLS

from skolanalys.equity.outcomes import CONFIDENCE, DIMENSIONS, OUTCOMES, group_of, outcome_values

DECOMPOSITION_SCHEMA = {
    "year": pl.Int32,
    "school_year": pl.Utf8,
    "measure": pl.Utf8,  # gap_decomposition | between_school_variance_share
    "outcome": pl.Utf8,
    "dimension": pl.Utf8,  # null for the variance share
    "group_a": pl.Utf8,
    "group_b": pl.Utf8,
    "n": pl.Int64,  # pupils analysed
    "n_a": pl.Int64,
    "n_b": pl.Int64,
    "n_schools": pl.Int64,  # schools with pupils (gap: schools with pupils of both groups)
    "total_gap": pl.Float64,
    "within_school": pl.Float64,
    "within_ci_low": pl.Float64,
    "within_ci_high": pl.Float64,
    "between_school": pl.Float64,
    "between_variance": pl.Float64,
    "within_variance": pl.Float64,
    "variance_share": pl.Float64,
    "share_ci_low": pl.Float64,
    "share_ci_high": pl.Float64,
}
VARIANCE_OUTCOMES = ("meritvarde",)


def within_between(y: np.ndarray, in_a: np.ndarray, school: np.ndarray) -> dict[str, float | int | None]:
    """total, within (with its interval) and between for one set of pupils; in_a is 1 for group a, 0 for b."""
    y, in_a, school = np.asarray(y, dtype=float), np.asarray(in_a, dtype=float), np.asarray(school)
    n_a, n_b = int(in_a.sum()), int((1 - in_a).sum())
    out: dict[str, float | int | None] = {"n": len(y), "n_a": n_a, "n_b": n_b, "n_schools": 0}
    out |= dict.fromkeys(("total_gap", "within_school", "within_ci_low", "within_ci_high", "between_school"))
    if n_a == 0 or n_b == 0:
        return out
    out["total_gap"] = float(y[in_a == 1].mean() - y[in_a == 0].mean())
    codes, index = np.unique(school, return_inverse=True)
    mixed = [j for j in range(len(codes)) if 0 < in_a[index == j].sum() < (index == j).sum()]
    out["n_schools"] = len(mixed)
    if not mixed:
        return out
    dummies = np.eye(len(codes))[index]
    design = np.column_stack([in_a, dummies])  # no constant: one intercept per school
    fit = OLS(y, design).fit(cov_type="HC1")
    low, high = fit.conf_int(alpha=1 - CONFIDENCE)[0]
    out["within_school"] = float(fit.params[0])
    out["within_ci_low"], out["within_ci_high"] = float(low), float(high)
    out["between_school"] = out["total_gap"] - out["within_school"]
    return out


def between_school_variance_share(y: np.ndarray, school: np.ndarray) -> dict[str, float | int | None]:
    """The ANOVA estimate of σ²_b / (σ²_b + σ²_w) with its F-based 95 % interval (module docstring)."""
    y, school = np.asarray(y, dtype=float), np.asarray(school)
    codes, index = np.unique(school, return_inverse=True)
    k, total = len(codes), len(y)
    out: dict[str, float | int | None] = {"n": total, "n_schools": k}
    out |= dict.fromkeys(("between_variance", "within_variance", "variance_share", "share_ci_low", "share_ci_high"))
    if k < 2 or total <= k:
        return out
    sizes = np.bincount(index).astype(float)
    means = np.bincount(index, weights=y) / sizes
    grand = y.mean()
    msb = float((sizes * (means - grand) ** 2).sum() / (k - 1))
    msw = float(((y - means[index]) ** 2).sum() / (total - k))
    n0 = (total - (sizes**2).sum() / total) / (k - 1)
    between = max(0.0, (msb - msw) / n0)
    out["between_variance"], out["within_variance"] = between, msw
    if between + msw == 0:
        return out
    out["variance_share"] = between / (between + msw)
    if msw > 0:
        f = msb / msw
        alpha = 1 - CONFIDENCE
        f_low = f / stats.f.ppf(1 - alpha / 2, k - 1, total - k)
        f_high = f / stats.f.ppf(alpha / 2, k - 1, total - k)
        out["share_ci_low"] = float(np.clip((f_low - 1) / (f_low + n0 - 1), 0.0, 1.0))
        out["share_ci_high"] = float(np.clip((f_high - 1) / (f_high + n0 - 1), 0.0, 1.0))
    return out


def decomposition_table(pupils: pl.DataFrame) -> pl.DataFrame:
    """Both measures for every school year in `pupils` (columns of int_year9_pupil_background)."""
    pupils = pupils.sort("year", "school_unit_code", "pupil_key")
    rows = []
    for (year, school_year), of_year in pupils.group_by(["year", "school_year"], maintain_order=True):
        for outcome in OUTCOMES.values():
            values = outcome_values(of_year, outcome)
            base = {"year": year, "school_year": school_year, "outcome": outcome.name}
            for dimension in DIMENSIONS.values():
                grouped = values.with_columns(group_of(dimension).alias("group")).filter(pl.col("group").is_not_null())
                result = within_between(
                    grouped["y"].to_numpy(),
                    (grouped["group"] == "a").to_numpy().astype(float),
                    grouped["school_unit_code"].to_numpy(),
                )
                rows.append(
                    base
                    | {"measure": "gap_decomposition", "dimension": dimension.name}
                    | {"group_a": dimension.label_a, "group_b": dimension.label_b}
                    | result
                )
            if outcome.name in VARIANCE_OUTCOMES and values.height:
                result = between_school_variance_share(values["y"].to_numpy(), values["school_unit_code"].to_numpy())
                rows.append(base | {"measure": "between_school_variance_share"} | result)
    frame = pl.DataFrame(rows, schema=DECOMPOSITION_SCHEMA) if rows else pl.DataFrame(schema=DECOMPOSITION_SCHEMA)
    return frame.sort("year", "measure", "outcome", "dimension", nulls_last=False)
