"""The value-added estimates against the generator's truth (the truth file's `value_added`, defined in
skolanalys/synth/value_added.py), on a generated municipality small enough for the test suite: the
kavlinge preset (4 units with åk 9, 10 F–6 units, 10 school years) through the door's readers and the
warehouse's dbt models (tests/value_added_pipeline.py). The bounds are loose — a few school units and
cohorts; bench/bench_value_added.py measures correlation and coverage over 20 seeds of a larger one."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from tests.value_added_pipeline import (
    dbt_build,
    estimates_and_pupils,
    generate_without_attendance,
    load_pupil_files,
    truth_frame,
)

pytestmark = pytest.mark.slow  # generate, load and dbt: about 40 s


@pytest.fixture(scope="module")
def kavlinge(tmp_path_factory):
    root = tmp_path_factory.mktemp("value_added_truth")
    landing, truth = generate_without_attendance("kavlinge", 3, root)
    warehouse = root / "warehouse.duckdb"
    load_pupil_files(landing, warehouse)
    dbt_build(warehouse, "+int_value_added_estimates", root)
    estimates, pupils = estimates_and_pupils(warehouse)
    return estimates, pupils, truth_frame(truth)


def contextual_schools(estimates: pl.DataFrame, stage: str) -> pl.DataFrame:
    return estimates.filter(
        (pl.col("stage") == stage)
        & (pl.col("model") == "contextual")
        & (pl.col("outcome") == "meritvarde")
        & (pl.col("level") == "skolenhet")
        & (pl.col("gender") == "T")
    )


@pytest.mark.parametrize("stage", ["6-9", "3-6"])
def test_the_same_pupils_are_attributed_to_the_same_schools_as_in_the_truth(kavlinge, stage):
    estimates, _, truth = kavlinge
    mine = contextual_schools(estimates, stage).select("unit_code", "cohort", "n")
    theirs = truth.filter(pl.col("stage") == stage).select("unit_code", "cohort", "n")
    assert mine.sort(mine.columns, nulls_last=True).equals(theirs.sort(theirs.columns, nulls_last=True))


def test_each_cohort_is_centred_like_the_truth(kavlinge):
    estimates, _, _ = kavlinge
    for stage in ("6-9", "3-6"):
        schools = contextual_schools(estimates, stage).filter(pl.col("cohort").is_not_null())
        sums = schools.group_by("cohort").agg((pl.col("n") * pl.col("va")).sum().alias("total"))
        assert sums["total"].abs().max() < 1e-6


def test_contextual_estimates_are_close_to_the_planted_value_added(kavlinge):
    estimates, _, truth = kavlinge
    joined = contextual_schools(estimates, "6-9").join(
        truth.filter(pl.col("stage") == "6-9"), on=["unit_code", "cohort"], nulls_equal=True
    )
    pooled = joined.filter(pl.col("cohort").is_null())
    assert pooled.height == 4
    # The pooled estimates order the schools as the truth does, within a few standard errors of it (four
    # schools, each a quarter of the municipality: loose bounds; the benchmark measures coverage).
    assert np.corrcoef(pooled["va"], pooled["true_va"])[0, 1] > 0.8
    assert ((pooled["va"] - pooled["true_va"]).abs() <= 3.5 * pooled["se"]).all()


def test_intervals_of_school_and_cohort_cover_the_truth_about_as_often_as_they_claim(kavlinge):
    estimates, _, truth = kavlinge
    covered, cells = 0, 0
    for stage in ("6-9", "3-6"):
        joined = contextual_schools(estimates, stage).join(
            truth.filter(pl.col("stage") == stage), on=["unit_code", "cohort"]
        )
        joined = joined.filter(pl.col("ci_low").is_not_null() & (pl.col("n") >= 10))
        covered += ((joined["ci_low"] <= joined["true_va"]) & (joined["true_va"] <= joined["ci_high"])).sum()
        cells += joined.height
    assert cells > 80
    assert 0.85 <= covered / cells <= 0.995


def test_pupils_without_a_prior_are_counted_and_left_out(kavlinge):
    estimates, pupils, truth = kavlinge
    stage = pupils.filter(pl.col("stage") == "6-9")
    kommun = estimates.filter(
        (pl.col("stage") == "6-9")
        & (pl.col("model") == "prior")
        & (pl.col("outcome") == "meritvarde")
        & (pl.col("level") == "kommun")
        & (pl.col("gender") == "T")
        & pl.col("cohort").is_not_null()
    )
    with_prior = stage.filter(pl.col("prior").is_not_null()).group_by("cohort").len()
    assert dict(kommun.select("cohort", "n").iter_rows()) == dict(with_prior.iter_rows())
    assert stage.filter(pl.col("prior").is_null()).height > 0
    # The truth's population is the pupils with a prior, too.
    truth_n = (
        truth.filter((pl.col("stage") == "6-9") & pl.col("cohort").is_not_null())
        .group_by("cohort")
        .agg(pl.col("n").sum())
    )
    assert dict(truth_n.iter_rows()) == dict(with_prior.iter_rows())
