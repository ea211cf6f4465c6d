"""Gaps between two groups of pupils, with a 95 % interval.

gap = mean of group a − mean of group b (DIMENSIONS in outcomes.py say which group is a).
- Meritvärde (a mean): Welch's interval, gap ± t(0.975; ν)·√(s_a²/n_a + s_b²/n_b) with the
  Welch–Satterthwaite degrees of freedom ν — the groups may have different spreads.
- A share (alla ämnen, behörighet): Newcombe's hybrid score interval for a difference of proportions
  (Newcombe 1998, method 10), built from each group's Wilson interval; unlike the plain ±1.96·SE interval
  it stays sensible at 0 % and 100 % and for small groups. Gaps are in procentenheter.
The difference is statistically significant (statistiskt säkerställd) when the interval excludes 0.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy import stats

from skolanalys.equity.outcomes import CONFIDENCE, DIMENSIONS, OUTCOMES, group_of, outcome_values

GAPS_SCHEMA = {
    "year": pl.Int32,
    "school_year": pl.Utf8,
    "level": pl.Utf8,  # kommun or skolenhet
    "unit_code": pl.Utf8,  # skolenhetskod; null for the kommun (the mart fills in the kommunkod)
    "outcome": pl.Utf8,
    "dimension": pl.Utf8,
    "group_a": pl.Utf8,
    "group_b": pl.Utf8,
    "n_all": pl.Int64,  # every pupil of the outcome's population at the unit, whatever the group
    "n_a": pl.Int64,
    "n_b": pl.Int64,
    "mean_a": pl.Float64,
    "mean_b": pl.Float64,
    "gap": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "significant": pl.Boolean,
    "method": pl.Utf8,  # welch or newcombe
}


def _z() -> float:
    return float(stats.norm.ppf(0.5 + CONFIDENCE / 2))


def welch_interval(
    mean_a: np.ndarray, var_a: np.ndarray, n_a: np.ndarray, mean_b: np.ndarray, var_b: np.ndarray, n_b: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) of mean_a − mean_b; var_* are sample variances (ddof 1). NaN where a group has < 2 pupils;
    the gap itself where both groups have no spread at all."""
    mean_a, var_a, n_a, mean_b, var_b, n_b = (
        np.asarray(x, dtype=float) for x in (mean_a, var_a, n_a, mean_b, var_b, n_b)
    )
    gap = mean_a - mean_b
    with np.errstate(divide="ignore", invalid="ignore"):
        va, vb = var_a / n_a, var_b / n_b
        se = np.sqrt(va + vb)
        df = (va + vb) ** 2 / (va**2 / (n_a - 1) + vb**2 / (n_b - 1))
        t = np.where(se > 0, stats.t.ppf(0.5 + CONFIDENCE / 2, df), 0.0)
    half = np.where((n_a >= 2) & (n_b >= 2), t * se, np.nan)
    return gap - half, gap + half


def wilson_interval(successes: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Wilson's score interval of a proportion (0–1)."""
    k, n = np.asarray(successes, dtype=float), np.asarray(n, dtype=float)
    z = _z()
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
        half = z / (1 + z**2 / n) * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    return centre - half, centre + half


def newcombe_interval(
    successes_a: np.ndarray, n_a: np.ndarray, successes_b: np.ndarray, n_b: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) of p_a − p_b in procentenheter (Newcombe's hybrid score interval)."""
    ka, na, kb, nb = (np.asarray(x, dtype=float) for x in (successes_a, n_a, successes_b, n_b))
    with np.errstate(divide="ignore", invalid="ignore"):
        pa, pb = ka / na, kb / nb
    la, ua = wilson_interval(ka, na)
    lb, ub = wilson_interval(kb, nb)
    diff = pa - pb
    low = diff - np.sqrt((pa - la) ** 2 + (ub - pb) ** 2)
    high = diff + np.sqrt((ua - pa) ** 2 + (pb - lb) ** 2)
    return 100.0 * low, 100.0 * high


def _group_cells(pupils: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Per unit (by), outcome, dimension and group a / b / all: n, mean and variance of y."""
    cells = []
    for outcome in OUTCOMES.values():
        values = outcome_values(pupils, outcome)
        totals = values.group_by(by).agg(pl.len().alias("n_all"))
        for dimension in DIMENSIONS.values():
            grouped = (
                values.with_columns(group_of(dimension).alias("group"))
                .filter(pl.col("group").is_not_null())
                .group_by([*by, "group"])
                .agg(pl.len().alias("n"), pl.col("y").mean().alias("mean"), pl.col("y").var(ddof=1).alias("var"))
            )
            wide = totals
            for g in ("a", "b"):
                part = grouped.filter(pl.col("group") == g).select(
                    *by, pl.col("n").alias(f"n_{g}"), pl.col("mean").alias(f"mean_{g}"), pl.col("var").alias(f"var_{g}")
                )
                wide = wide.join(part, on=by, how="left", nulls_equal=True)
            cells.append(
                wide.with_columns(
                    pl.lit(outcome.name).alias("outcome"),
                    pl.lit(outcome.kind).alias("kind"),
                    pl.lit(dimension.name).alias("dimension"),
                    pl.lit(dimension.label_a).alias("group_a"),
                    pl.lit(dimension.label_b).alias("group_b"),
                    pl.col("n_a").fill_null(0),
                    pl.col("n_b").fill_null(0),
                )
            )
    return pl.concat(cells, how="diagonal_relaxed")


def with_intervals(cells: pl.DataFrame) -> pl.DataFrame:
    """Adds gap, ci_low, ci_high, significant and method to cells with n_a, mean_a, var_a, n_b, … and kind."""
    mean_a, mean_b = cells["mean_a"].to_numpy().astype(float), cells["mean_b"].to_numpy().astype(float)
    n_a, n_b = cells["n_a"].to_numpy().astype(float), cells["n_b"].to_numpy().astype(float)
    share = (cells["kind"] == "share").to_numpy()
    w_low, w_high = welch_interval(
        mean_a, cells["var_a"].to_numpy().astype(float), n_a, mean_b, cells["var_b"].to_numpy().astype(float), n_b
    )
    # a share's mean is 100·k/n, so k = mean·n/100 (rounded: it is a count)
    n_low, n_high = newcombe_interval(np.round(mean_a * n_a / 100.0), n_a, np.round(mean_b * n_b / 100.0), n_b)
    low, high = np.where(share, n_low, w_low), np.where(share, n_high, w_high)
    defined = (n_a >= 1) & (n_b >= 1) & np.isfinite(low) & np.isfinite(high)
    low, high = np.where(defined, low, np.nan), np.where(defined, high, np.nan)
    return cells.with_columns(
        (pl.col("mean_a") - pl.col("mean_b")).alias("gap"),
        pl.Series("ci_low", low).fill_nan(None),
        pl.Series("ci_high", high).fill_nan(None),
        pl.when(pl.col("kind") == "share").then(pl.lit("newcombe")).otherwise(pl.lit("welch")).alias("method"),
    ).with_columns(((pl.col("ci_low") > 0) | (pl.col("ci_high") < 0)).alias("significant"))


def gaps_table(pupils: pl.DataFrame) -> pl.DataFrame:
    """Every gap for the kommun and each school unit, per school year, outcome and dimension (GAPS_SCHEMA).

    `pupils` has the columns of int_year9_pupil_background. A row exists for every unit and year with pupils
    in the outcome's population; a group without pupils has n 0 and no mean."""
    pupils = pupils.sort("year", "school_unit_code", "pupil_key")  # the same sums in the same order every run
    kommun = _group_cells(
        pupils.with_columns(pl.lit(None, pl.Utf8).alias("unit_code")), ["year", "school_year", "unit_code"]
    )
    units = _group_cells(
        pupils.with_columns(pl.col("school_unit_code").alias("unit_code")), ["year", "school_year", "unit_code"]
    )
    cells = pl.concat(
        [kommun.with_columns(pl.lit("kommun").alias("level")), units.with_columns(pl.lit("skolenhet").alias("level"))],
        how="diagonal_relaxed",
    )
    return (
        with_intervals(cells)
        .select([pl.col(c).cast(t) for c, t in GAPS_SCHEMA.items()])
        .sort("year", "level", "unit_code", "outcome", "dimension", nulls_last=False)
    )
