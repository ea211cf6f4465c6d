"""The municipality's own SALSA-type model (skolanalys/equity/salsa.py) on hand-built pupils: the regression,
each school's expected value, deviation and interval are recomputed here with numpy from the formulas in
the module's docstring (docs/equity.md), not taken from the module."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from skolanalys.equity.salsa import salsa_table

Z = 1.959963984540054


def make_pupils() -> pl.DataFrame:
    """Three schools of 30, 24 and 18 pupils; a few without known parents' education, one without any pass."""
    rng = np.random.default_rng(7)
    rows = []
    for school, size, edu_mix, new_rate in (
        ("10000001", 30, 2.6, 0.0),
        ("10000002", 24, 2.0, 0.15),
        ("10000003", 18, 1.7, 0.3),
    ):
        for i in range(size):
            edu = int(np.clip(round(rng.normal(edu_mix, 0.6)), 1, 3))
            boy = bool(i % 2)
            new = bool(rng.random() < new_rate)
            merit = float(np.clip(120 + 40 * edu - 15 * boy - 35 * new + rng.normal(0, 25), 10, 340))
            rows.append(
                {
                    "pupil_key": f"{school}-{i}",
                    "school_year": "2023/24",
                    "year": 2024,
                    "school_unit_code": school,
                    "gender": "M" if boy else "K",
                    "merit_value": merit,
                    "has_any_pass": True,
                    "passed_all_subjects": bool(merit > 200),
                    "eligible_vocational": bool(merit > 160),
                    "parent_education": None if i in (3, 11) else edu,
                    "has_post_secondary_parents": None if i in (3, 11) else edu == 3,
                    "is_newly_arrived": new,
                }
            )
    rows.append({**rows[0], "pupil_key": "no-pass", "merit_value": 0.0, "has_any_pass": False,
                 "passed_all_subjects": False, "eligible_vocational": False})  # fmt: skip
    return pl.DataFrame(rows)


def test_expected_value_deviation_and_interval_by_hand():
    pupils = make_pupils()
    table = salsa_table(pupils).filter(pl.col("outcome") == "meritvarde")
    merit = pupils.filter(pl.col("has_any_pass"))  # the meritvärde's population
    known = merit.filter(pl.col("parent_education").is_not_null())
    x = np.column_stack(
        [
            np.ones(known.height),
            known["parent_education"].to_numpy().astype(float),
            (known["gender"] == "M").to_numpy().astype(float),
            known["is_newly_arrived"].to_numpy().astype(float),
        ]
    )
    y = known["merit_value"].to_numpy()
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    residual = y - x @ beta
    sigma2 = residual @ residual / (len(y) - x.shape[1])
    cov = sigma2 * np.linalg.inv(x.T @ x)
    assert table["model_n"].unique().to_list() == [len(y)]
    r2 = 1 - residual @ residual / ((y - y.mean()) @ (y - y.mean()))
    assert table["model_r_squared"][0] == pytest.approx(r2)

    for school in ("10000001", "10000002", "10000003"):
        row = table.filter(pl.col("unit_code") == school).row(0, named=True)
        at_school = merit.filter(pl.col("school_unit_code") == school)
        rows = np.flatnonzero((known["school_unit_code"] == school).to_numpy())
        x_bar = x[rows].mean(axis=0)
        expected = x_bar @ beta  # = the mean of its pupils' fitted values
        assert expected == pytest.approx((x[rows] @ beta).mean())
        actual = at_school["merit_value"].mean()  # every pupil, known background or not
        deviation = actual - expected
        se = np.sqrt(sigma2 / at_school.height + x_bar @ cov @ x_bar)
        assert row["n"] == at_school.height and row["n_background"] == len(rows)
        assert row["coverage"] == pytest.approx(len(rows) / at_school.height)
        assert row["actual"] == pytest.approx(actual)
        assert row["expected"] == pytest.approx(expected)
        assert row["deviation"] == pytest.approx(deviation)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((deviation - Z * se, deviation + Z * se))


def test_alla_amnen_is_modelled_in_percent_over_every_pupil():
    pupils = make_pupils()
    row = salsa_table(pupils).filter((pl.col("outcome") == "alla_amnen") & (pl.col("unit_code") == "10000001"))
    at_school = pupils.filter(pl.col("school_unit_code") == "10000001")
    assert row["n"][0] == at_school.height  # the pupil without a pass counts in the share
    assert row["actual"][0] == pytest.approx(100 * at_school["passed_all_subjects"].mean())


def test_a_variable_without_variation_is_left_out_and_one_school_is_not_modelled():
    pupils = make_pupils().with_columns(pl.lit(False).alias("is_newly_arrived"))
    table = salsa_table(pupils)
    assert set(table["model_terms"]) == {"parents_education, boys"}
    one_school = make_pupils().filter(pl.col("school_unit_code") == "10000001")
    assert salsa_table(one_school).is_empty()


def test_deviations_average_zero_over_the_municipality_when_every_background_is_known():
    pupils = make_pupils().filter(pl.col("parent_education").is_not_null() & pl.col("has_any_pass"))
    table = salsa_table(pupils).filter(pl.col("outcome") == "meritvarde")
    # OLS residuals sum to zero: the pupil-weighted mean deviation is 0
    assert (table["deviation"] * table["n"]).sum() == pytest.approx(0.0, abs=1e-8)


def test_the_schools_year9_pupils_are_counted_for_salsas_publication_rule():
    """SALSA's rule counts the school's pupils in åk 9 (domain.md: at least 15), with or without a pass, for
    both outcomes — not the meritvärde's population of pupils with a pass."""
    table = salsa_table(make_pupils())
    counts = {(r["outcome"], r["unit_code"]): r["n_year9"] for r in table.iter_rows(named=True)}
    # 30 + the pupil without any pass at 10000001, 24 and 18 at the others (make_pupils' docstring)
    for outcome in ("meritvarde", "alla_amnen"):
        assert [counts[(outcome, s)] for s in ("10000001", "10000002", "10000003")] == [31, 24, 18]
    merit = table.filter((pl.col("outcome") == "meritvarde") & (pl.col("unit_code") == "10000001"))
    assert merit["n"][0] == 30  # the meritvärde's own population leaves the pupil without a pass out
