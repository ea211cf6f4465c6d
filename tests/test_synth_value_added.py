"""The generator's true value added per school, cohort and stage (truth file `value_added`), checked
independently of how it is computed: the rows, the centring, who is counted where (recomputed from the
landing files, as the warehouse sees them), and the counterfactual on planted effects. A tiny municipality
of five school years, so that there are complete cohorts for both stages."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from skolanalys.synth import Preset, generate
from skolanalys.synth.build import TRUTH_VERSION, simulate
from skolanalys.synth.schools import make_schools
from skolanalys.synth.value_added import true_value_added
from sources.personnummer import normalise

SEED = 11
KOMMUNKOD = "1261"
# 6 units: one 7–9, one F–9, four F–6; five school years: cohorts 2025 and 2026 complete for both stages.
TINY = Preset("pytteliten", n_schools=6, pupils=1_000, n_years=5)
STAGES = {"6-9": (6, 9), "3-6": (3, 6)}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("pytteliten")
    generate(TINY, SEED, root / "landing", root / "truth.json", kommunkod=KOMMUNKOD)
    return root / "landing", json.loads((root / "truth.json").read_text(encoding="utf-8"))


def read_folder(landing: Path, folder: str) -> pl.DataFrame:
    frames = []
    for path in sorted((landing / folder).glob("*.csv")):
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252")
        frames.append(pl.read_csv(text.encode(), separator=";", infer_schema=False))
    df = pl.concat(frames, how="diagonal")
    lookup = {v: normalise(v, 2026) for v in df["personnummer"].unique().to_list()}
    return df.with_columns(
        pnr=pl.col("personnummer").replace_strict(lookup), autumn=pl.col("lasar").str.slice(0, 4).cast(pl.Int32)
    )


def complete_cohorts(truth: dict, prior: int, outcome: int) -> list[int]:
    autumns = [int(label[:4]) for label in truth["school_years"]]
    return [a + 1 for a in autumns if a - (outcome - prior) >= autumns[0]]


def rows_of(truth: dict, stage: str) -> pl.DataFrame:
    return pl.DataFrame([r for r in truth["value_added"] if r["stage"] == stage], infer_schema_length=None)


def test_the_truth_file_holds_the_definitions_and_a_row_per_school_and_complete_cohort(tiny):
    _, truth = tiny
    assert truth["truth_version"] == TRUTH_VERSION >= 2
    assert {"stages", "pupil_effect", "true_va"} <= set(truth["value_added_definitions"])
    assert {r["model"] for r in truth["value_added"]} == {"contextual"}
    assert {r["outcome"] for r in truth["value_added"]} == {"meritvarde"}
    assert all(
        set(r) == {"stage", "model", "outcome", "unit_code", "cohort", "n", "true_va"} for r in truth["value_added"]
    )
    stage_of = {s["skolenhetskod"]: s["arskurser"] for s in truth["schools"]}
    serves = {code: (0 if stage[0] == "F" else int(stage[0]), int(stage[-1])) for code, stage in stage_of.items()}
    for stage, (prior, outcome) in STAGES.items():
        units = {code for code, (lo, hi) in serves.items() if lo <= prior + 1 and hi >= outcome}  # teach the stage
        cohorts = complete_cohorts(truth, prior, outcome)
        assert cohorts == [2025, 2026]
        rows = rows_of(truth, stage)
        got = set(rows.select("unit_code", "cohort").iter_rows())
        # Every school teaching the stage's grades, every complete cohort, and pooled (cohort null).
        assert len(units) >= 2 and {(u, c) for u in units for c in [*cohorts, None]} <= got, stage
        assert {c for _, c in got} == {*cohorts, None}
        assert (rows["n"] > 0).all()


def test_true_va_is_centred_pupil_weighted_in_every_cohort_and_pooled(tiny):
    _, truth = tiny
    for stage in STAGES:
        rows = rows_of(truth, stage).with_columns(pl.col("cohort").fill_null(0))
        centred = rows.group_by("cohort").agg(
            mean=(pl.col("n") * pl.col("true_va")).sum() / pl.col("n").sum(), spread=pl.col("true_va").abs().max()
        )
        assert centred.height == 3
        for cohort, mean, spread in centred.iter_rows():
            assert abs(mean) < 1e-3, (stage, cohort)
            assert spread > 0.05, (stage, cohort)  # planted effects differ: not all zero
        # The pooled n of a school is its n over the cohorts.
        per = rows.filter(pl.col("cohort") > 0).group_by("unit_code").agg(pl.col("n").sum())
        pooled = rows.filter(pl.col("cohort") == 0).select("unit_code", "n")
        assert dict(per.iter_rows()) == dict(pooled.iter_rows())


@pytest.mark.parametrize("stage", list(STAGES))
def test_who_is_counted_where_follows_from_the_landing_files(tiny, stage):
    """Population and attribution recomputed from the files, as the warehouse sees them."""
    landing, truth = tiny
    prior, outcome = STAGES[stage]
    grades = read_folder(landing, "betyg")
    enrolled = read_folder(landing, "elever")
    assessed = read_folder(landing, "bedomningar").filter(pl.col("tillfalle").str.to_lowercase() == "mars")
    tests = read_folder(landing, "nationella_prov")
    spring = grades.filter((pl.col("termin") == "VT") & (pl.col("arskurs") == str(outcome)))
    if outcome == 9:
        spring = spring.filter(pl.col("betygstyp") == "slutbetyg")
    outcomes = spring.select("pnr", cohort=pl.col("autumn") + 1).unique()
    priors = pl.concat(
        [
            grades.filter((pl.col("termin") == "VT") & (pl.col("arskurs") == str(prior))).select("pnr"),
            tests.filter(pl.col("arskurs") == str(prior)).select("pnr"),
            assessed.filter(pl.col("arskurs") == str(prior)).select("pnr"),
        ]
    ).unique()
    years = enrolled.filter(pl.col("arskurs").is_in([str(g) for g in range(prior + 1, outcome + 1)]))
    school = (
        years.group_by("pnr", "skolenhetskod")
        .agg(n_years=pl.len(), last=pl.col("autumn").max())
        .sort("n_years", "last", descending=True)
        .group_by("pnr", maintain_order=True)
        .first()
    )
    population = (
        outcomes.filter(pl.col("cohort").is_in(complete_cohorts(truth, prior, outcome)))
        .join(priors, on="pnr", how="semi")
        .join(school, on="pnr")
    )
    expected = {(u, c): n for u, c, n in population.group_by("skolenhetskod", "cohort").len().iter_rows()}
    got = {(r["unit_code"], r["cohort"]): r["n"] for r in truth["value_added"] if r["stage"] == stage and r["cohort"]}
    assert got == expected
    assert sum(expected.values()) > 100


def planted(school_effects: dict[int, float] | None) -> tuple[list[str], pl.DataFrame]:
    """(unit codes, pupil effects) of the tiny municipality with its planted effects changed."""
    schools = make_schools(TINY, SEED, KOMMUNKOD)
    if school_effects is None:
        schools.effect_points[:] = 0.0
    else:
        for i, points in school_effects.items():
            schools.effect_points[i] = points
    world = simulate(TINY, SEED, KOMMUNKOD, schools=schools)
    return schools.code, world.pupil_effects()


def test_a_school_with_a_large_positive_planted_effect_has_positive_true_va():
    schools = make_schools(TINY, SEED, KOMMUNKOD)
    upper = int(np.flatnonzero(schools.lo == 7)[0])  # the 7–9 school
    young = int(np.flatnonzero(schools.hi == 6)[0])  # an F–6 school
    codes, effects = planted({upper: 40.0, young: 40.0})
    rows = pl.DataFrame(true_value_added(effects, codes), infer_schema_length=None)
    for stage, school in (("6-9", upper), ("3-6", young)):
        mine = rows.filter((pl.col("stage") == stage) & (pl.col("unit_code") == codes[school]))
        assert mine.height == 3 and (mine["true_va"] > 5).all(), (stage, mine)
        best = rows.filter(pl.col("stage") == stage).sort("true_va").group_by("cohort").last()
        assert set(best["unit_code"]) == {codes[school]}, (stage, best)  # far above the other schools


def test_with_every_planted_effect_zero_the_counterfactual_changes_nothing():
    codes, effects = planted(None)
    assert effects.height > 200 and set(effects["stage"]) == set(STAGES)
    assert (effects["d"] == 0).all()
    assert all(r["true_va"] == 0 for r in true_value_added(effects, codes))
