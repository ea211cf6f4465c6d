"""Value added of school units and the municipality from pupil-level frames: both models, both outcomes.

The input is the warehouse's `int_value_added_pupils` (one row per stage and pupil of the stage's
population, with the attributed school, the prior and the outcomes); the output holds no pupil: one row per
stage, model, outcome, cohort (null = all cohorts), level, unit and gender, before disclosure control.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from skolanalys.value_added_stages import stages

from . import contextual
from .bands import LABELS_SV, bands
from .blas import single_threaded
from .cells import pool_cohorts, reference_cells, with_intervals
from .prior_model import expected_outcomes
from .shrinkage import between_school_variance, shrink

STAGES = tuple(s.name for s in stages())  # dbt_project.yml var value_added_stages
MODELS = ("prior", "contextual")
# Outcome → factor from the pupil's value to the scale served: meritvärde in points, "all subjects passed"
# (1/0 per pupil) in percent, so its value added is in percentage points.
OUTCOMES = {"meritvarde": 1.0, "alla_amnen": 100.0}
REFERENCES = ("cohort", "pooled")

PUPIL_SCHEMA = {
    "stage": pl.Utf8,
    "cohort": pl.Int32,
    "pupil_key": pl.Utf8,
    "gender": pl.Utf8,
    "school_unit_code": pl.Utf8,
    "prior": pl.Float64,
    "prior_source": pl.Utf8,
    "meritvarde": pl.Float64,
    "alla_amnen": pl.Boolean,
    "parent_education": pl.Int32,
    "years_in_sweden": pl.Float64,
    "other_mother_tongue": pl.Boolean,
}
ESTIMATE_SCHEMA = {
    "stage": pl.Utf8,
    "model": pl.Utf8,
    "outcome": pl.Utf8,
    "reference": pl.Utf8,
    "level": pl.Utf8,
    "unit_code": pl.Utf8,
    "cohort": pl.Int32,
    "gender": pl.Utf8,
    "n": pl.Int64,
    "va": pl.Float64,
    "se": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "va_shrunk": pl.Float64,
    "band": pl.Utf8,
    "band_sv": pl.Utf8,
}


def prior_model_cells(pupils: pl.DataFrame, outcome: str, reference: str, kommunkod: str | None) -> pl.DataFrame:
    """Progress 8's method: expected = the mean outcome of the prior bin in the reference population."""
    groups = pupils.partition_by("cohort", maintain_order=True) if reference == "cohort" else [pupils]
    parts = []
    for group in groups:
        y = group[outcome].to_numpy().astype(float)
        expected = expected_outcomes(group["prior"].to_numpy(), y)
        parts.append(reference_cells(group.with_columns(va=pl.Series(y - expected)), kommunkod))
    return _with_pooled(pl.concat(parts))


def contextual_cells(pupils: pl.DataFrame, outcome: str, kommunkod: str | None) -> pl.DataFrame:
    """One OLS per cohort with at least contextual.MIN_PUPILS pupils; smaller cohorts get no rows."""
    parts = []
    for group in pupils.partition_by("cohort", maintain_order=True):
        if group.height < contextual.MIN_PUPILS:
            continue
        result = contextual.fit(group, outcome)
        cells = reference_cells(
            group.with_columns(va=pl.Series(result.pupil_va)), kommunkod, result.covariates, result.covariance
        )
        parts.append(cells)
    return _with_pooled(pl.concat(parts)) if parts else pl.DataFrame()


def _with_pooled(cells: pl.DataFrame) -> pl.DataFrame:
    if cells.filter(pl.col("cohort").is_null()).height:
        return cells
    return pl.concat([cells, pool_cohorts(cells)])


def _finish(cells: pl.DataFrame, outcome: str) -> pl.DataFrame:
    """Intervals, shrinkage (per cohort and gender, among the school units) and bands."""
    cells = with_intervals(cells)
    shrunk = []
    for part in cells.partition_by(["cohort", "gender"], maintain_order=True):
        schools = (part["level"] == "skolenhet").to_numpy()
        va = part["va"].to_numpy().astype(float)
        variance = part["se"].fill_null(np.nan).to_numpy().astype(float) ** 2
        tau2 = between_school_variance(va[schools], variance[schools])
        shrunk.append(part.with_columns(va_shrunk=pl.Series(np.where(schools, shrink(va, variance, tau2), va))))
    cells = pl.concat(shrunk)
    band = bands(cells["va"].to_list(), cells["ci_low"].to_list(), cells["ci_high"].to_list(), outcome)
    return cells.with_columns(
        band=pl.Series(band, dtype=pl.Utf8),
        band_sv=pl.Series([LABELS_SV.get(b) for b in band], dtype=pl.Utf8),
    )


def estimate(pupils: pl.DataFrame, kommunkod: str | None = None, reference: str = "cohort") -> pl.DataFrame:
    """Every stage × model × outcome; pupils without a prior take no part (they are counted elsewhere).
    The kommun's rows get unit_code `kommunkod` (null when not given: the warehouse fills in var kommunkod)."""
    if reference not in REFERENCES:
        raise ValueError(f"okänd referens {reference!r}: välj {' eller '.join(REFERENCES)}")
    with single_threaded():
        return _estimate(pupils, kommunkod, reference)


def _estimate(pupils: pl.DataFrame, kommunkod: str | None, reference: str) -> pl.DataFrame:
    pupils = pupils.select([pl.col(c).cast(t) for c, t in PUPIL_SCHEMA.items()])
    pupils = pupils.filter(pl.col("prior").is_not_null() & pl.col("school_unit_code").is_not_null())
    pupils = pupils.with_columns(pl.col("alla_amnen").cast(pl.Float64)).sort("stage", "cohort", "pupil_key")
    out = [pl.DataFrame(schema=ESTIMATE_SCHEMA)]
    for stage in STAGES:
        of_stage = pupils.filter(pl.col("stage") == stage)
        for outcome, scale in OUTCOMES.items():
            group = of_stage.filter(pl.col(outcome).is_not_null()).with_columns(pl.col(outcome) * scale)
            if group.height == 0:
                continue
            for model, cells in (
                ("prior", prior_model_cells(group, outcome, reference, kommunkod)),
                ("contextual", contextual_cells(group, outcome, kommunkod)),
            ):
                if cells.height == 0:
                    continue
                finished = _finish(cells, outcome).with_columns(
                    stage=pl.lit(stage),
                    model=pl.lit(model),
                    outcome=pl.lit(outcome),
                    reference=pl.lit(reference if model == "prior" else "cohort"),
                )
                out.append(finished.select([pl.col(c).cast(t) for c, t in ESTIMATE_SCHEMA.items()]))
    return pl.concat(out).sort(["stage", "model", "outcome", "cohort", "level", "unit_code", "gender"], nulls_last=True)
