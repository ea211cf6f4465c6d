"""Liknande skolenheter: for each of the municipality's schools with åk 9, the Swedish school units whose
pupils' background is most like its own — a comparison group for its published results.

The background variables are SALSA's, as far as they are published for every unit:

    parents_education  parents' mean education level 1–3 (Skolverket's salsaParentsEducation, of åk 9;
                       for the municipality's own schools the mean foraldrars_utbildningsniva of its
                       pupils in åk 7–9, which keeps a small school's mean steady)
    share_boys         % boys in åk 1–9 (SIRIS: 100 − % girls; own schools: from their enrolments)
    log_pupils         ln(pupils in åk 9) (SIRIS; own schools: pupils with final grades) — size on a
                       log scale, so 50 vs 100 pupils counts as much as 100 vs 200

The share of newly arrived pupils, SALSA's third variable, is not published per unit in the files the
warehouse ships, so it is not used.

Distance: each variable standardised with the mean and standard deviation over the national pool,
d(s, c) = √Σ_v ((x_sv − x_cv) / sd_v)²; the k = 10 nearest units (ties broken by skolenhetskod) are the
group. The school itself is never its own neighbour.
"""

from __future__ import annotations

import numpy as np
import polars as pl

VARIABLES = ("parents_education", "share_boys", "log_pupils")
K = 10

NEIGHBOURS_SCHEMA = {
    "unit_code": pl.Utf8,
    "rank": pl.Int32,
    "similar_unit_code": pl.Utf8,
    "distance": pl.Float64,
}


def with_log_pupils(frame: pl.DataFrame, pupils: str = "pupils") -> pl.DataFrame:
    """Adds log_pupils = ln(pupils); units without pupils get null."""
    return frame.with_columns(
        pl.when(pl.col(pupils) > 0).then(pl.col(pupils).cast(pl.Float64).log()).alias("log_pupils")
    )


def nearest(own: pl.DataFrame, pool: pl.DataFrame, k: int = K, variables=VARIABLES) -> pl.DataFrame:
    """The k nearest pool units to each own unit (NEIGHBOURS_SCHEMA).

    own: unit_code + the variables; pool: school_unit_code + the variables. Units missing a variable are
    left out (own units then get no neighbours); the standardisation uses the pool's complete units."""
    variables = list(variables)
    pool = pool.drop_nulls(variables).sort("school_unit_code")
    own = own.drop_nulls(variables).sort("unit_code")
    if pool.is_empty() or own.is_empty():
        return pl.DataFrame(schema=NEIGHBOURS_SCHEMA)
    x_pool = pool.select(variables).to_numpy().astype(float)
    centre, spread = x_pool.mean(axis=0), x_pool.std(axis=0, ddof=1)
    spread = np.where(spread > 0, spread, 1.0)
    z_pool = (x_pool - centre) / spread
    z_own = (own.select(variables).to_numpy().astype(float) - centre) / spread
    codes = pool["school_unit_code"].to_numpy()
    rows = []
    for unit, z in zip(own["unit_code"].to_list(), z_own, strict=True):
        distance = np.sqrt(((z_pool - z) ** 2).sum(axis=1))
        candidates = np.flatnonzero(codes != unit)
        order = candidates[np.lexsort((codes[candidates], distance[candidates]))][:k]
        rows += [(unit, rank, str(codes[i]), float(distance[i])) for rank, i in enumerate(order, start=1)]
    return pl.DataFrame(rows, schema=NEIGHBOURS_SCHEMA, orient="row")
