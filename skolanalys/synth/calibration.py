"""A preset calibrated to a real municipality: its year-9 results follow the published ones, year by year.

The targets are one small table per municipality, `calibration_<name>.csv` beside this module (real values,
their source in its header): per school year and gender (T, K, M) the published meritvärde (N15505), share
passing all subjects (N15419) and share eligible for a vocational programme (N15436) of the municipality's
own schools. The generator and tests/test_synth_calibration.py read that one table.

The latent model (model.py) has two knobs per cohort — the pupils who reach åk 9 in a school year — and
gender, written to `calibration_<name>_fit.csv` by this module's `fit` (run `python -m
skolanalys.synth.calibration kavlinge`; deterministic):

- `level`: added to the standing of every pupil of the cohort and gender in every school year (grades,
  national tests, teacher assessments): a stronger or weaker year group;
- `pass_shift`: lowers the F|E cut of the teachers' grades (term and final grades, not the national tests)
  for the cohort and gender: how many of the weakest pupils reach E.

Both act on every school alike, so the planted school effects and the counterfactual value added
(value_added.py) keep their meaning. Cohorts without a published year 9 in the table (the younger ones) get
the mean of the fitted cohorts, per gender.

The fit: simulate the uncalibrated preset for `FIT_SEEDS` (seeds the demo and the tests do not use), keep
the draws behind each final grade (grades.FinalDraws), and for each school year find the four knobs (level
and pass_shift of girls and of boys) whose expected meritvärde, all-subjects and eligibility shares — the
draws re-cut, the project's rules applied (`year9_sums`) — are closest to the published values, in
standard errors of a synthetic year group (weighted least squares, Levenberg–Marquardt). With K and M published,
six targets meet four knobs; with T only, the difference between girls' and boys' knobs is held at its mean
over the years where both are published.
"""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from .model import GRADE_POINTS, GRADES, MODEL, SUBJECT_INDEX, LatentModel, grade_from_latent, merit_value
from .people import parse_school_year, school_year_label
from .presets import Preset

HERE = Path(__file__).resolve().parent
MEASURES = ("N15505", "N15419", "N15436")  # meritvärde, alla ämnen, behörighet yrkesprogram
FIT_SEEDS = tuple(range(1001, 1041))  # 40 simulated municipalities: each year's expectation over ~16,000 pupils
GAP_PRIOR_SD = 0.05  # latent units: how far a year without K/M targets may move the gender gap of the knobs
# |pass_shift| at most: below the E band's width (model.cuts), so a stricter pass mark stays below E|D; a
# larger lowering would all but abolish F for the year group.
MAX_PASS_SHIFT = 0.9

_STRECK = len(GRADES)
_POINTS = np.array([GRADE_POINTS[g] for g in [*GRADES.tolist(), "-"]])
_CORE = [SUBJECT_INDEX[s] for s in ("SV", "SVA", "EN", "MA")]


def targets_path(name: str) -> Path:
    return HERE / f"calibration_{name}.csv"


def fit_path(name: str) -> Path:
    return HERE / f"calibration_{name}_fit.csv"


def read_targets(name: str) -> pl.DataFrame:
    """school_year, gender, indicator_id, value, pupils, source: the published values the preset follows."""
    return pl.read_csv(
        targets_path(name),
        comment_prefix="#",
        schema_overrides={"school_year": pl.Utf8, "gender": pl.Utf8, "value": pl.Float64, "pupils": pl.Int64},
    )


def read_fit(name: str) -> pl.DataFrame:
    """school_year (the cohort's year in åk 9), gender (K/M), level, pass_shift."""
    return pl.read_csv(
        fit_path(name),
        comment_prefix="#",
        schema_overrides={"school_year": pl.Utf8, "gender": pl.Utf8, "level": pl.Float64, "pass_shift": pl.Float64},
    )


def with_calibration(panel: pl.DataFrame, years: list[int], girl: np.ndarray, name: str) -> pl.DataFrame:
    """The panel with `level` and `pass_shift` per pupil-year: the knobs of the pupil's cohort and gender."""
    fit = read_fit(name)
    cohort = np.asarray(years)[panel["year"].to_numpy()] + 9 - panel["grade"].to_numpy()
    is_girl = girl[panel["pupil"].to_numpy()]
    level = np.empty(panel.height)
    shift = np.empty(panel.height)
    for gender, mask in (("K", is_girl), ("M", ~is_girl)):
        rows = fit.filter(pl.col("gender") == gender)
        known = dict(
            zip(
                [parse_school_year(y) for y in rows["school_year"]],
                zip(rows["level"], rows["pass_shift"], strict=True),
                strict=True,
            )
        )
        default = (float(rows["level"].mean()), float(rows["pass_shift"].mean()))
        for c in np.unique(cohort[mask]):
            at = mask & (cohort == c)
            level[at], shift[at] = known.get(int(c), default)
    return panel.with_columns(level=pl.Series(level), pass_shift=pl.Series(shift))


def describe(name: str) -> dict:
    """The truth file's account of a calibration."""
    return {
        "name": name,
        "targets": f"skolanalys/synth/{targets_path(name).name}",
        "fit": f"skolanalys/synth/{fit_path(name).name}",
        "knobs": {
            "level": "added to the standing of the cohort (school year in åk 9) and gender, every school year",
            "pass_shift": "lowers the F|E cut of teachers' grades (not national tests) for the cohort and gender",
            "other_cohorts": "the mean of the fitted cohorts, per gender",
        },
        "per_cohort": read_fit(name).to_dicts(),
    }


# The project's year-9 rules on the draws ------------------------------------------------------------------


def year9_sums(
    latent: np.ndarray,
    graded: np.ndarray,
    streck: np.ndarray,
    level: float,
    pass_shift: float,
    m: LatentModel = MODEL,
) -> np.ndarray:
    """[pupils, with a pass, meritvärde sum, sum of squares, all subjects, eligible] of pupils whose draws
    (uncalibrated `latent`) are cut with the knobs: the rules of dbt/macros/merit_value.sql and
    int_year9_pupils_summarised.sql (meritvärde over pupils with a pass; the shares over everyone graded)."""
    g = grade_from_latent(latent + level, m.cuts, np.float64(pass_shift))
    g = np.where(streck, _STRECK, g)
    has = graded.any(axis=1)
    passed = graded & (g >= 1) & (g < _STRECK)
    points = np.where(graded, _POINTS[g], np.nan)
    m2 = SUBJECT_INDEX["M2"]
    merit = merit_value(np.delete(points, m2, axis=1), points[:, m2])
    any_pass = passed.any(axis=1)
    all_pass = has & (passed == graded).all(axis=1)
    core = (passed[:, _CORE[0]] | passed[:, _CORE[1]]) & passed[:, _CORE[2]] & passed[:, _CORE[3]]
    others = passed.sum(axis=1) - passed[:, _CORE].sum(axis=1)
    eligible = has & core & (others >= 5)
    mp = merit[any_pass]
    return np.array([has.sum(), any_pass.sum(), mp.sum(), (mp**2).sum(), all_pass.sum(), eligible.sum()], float)


def measures_from_sums(s: np.ndarray) -> dict[str, float]:
    return {"N15505": s[2] / s[1], "N15419": 100 * s[4] / s[0], "N15436": 100 * s[5] / s[0]}


def standard_errors(s: np.ndarray, n_sets: int) -> dict[str, float]:
    """Standard errors of one synthetic year group (the pooled sums hold `n_sets` of them)."""
    n, n_pass = s[0] / n_sets, s[1] / n_sets
    mean = s[2] / s[1]
    sd = np.sqrt(max(s[3] / s[1] - mean**2, 0.0))
    shares = {k: v / 100 for k, v in measures_from_sums(s).items() if k != "N15505"}
    return {
        "N15505": sd / np.sqrt(n_pass),
        **{k: 100 * np.sqrt(max(p * (1 - p), 1e-4) / n) for k, p in shares.items()},
    }


# The fit ---------------------------------------------------------------------------------------------------


@dataclass
class _Year:
    label: str
    sets: int
    by_gender: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]  # K/M → latent, graded, streck
    targets: dict[tuple[str, str], float]  # (indicator, gender) → published value

    def predict(self, theta: np.ndarray) -> tuple[dict[tuple[str, str], float], dict[tuple[str, str], float]]:
        sums = {g: year9_sums(*self.by_gender[g], theta[2 * i], theta[2 * i + 1]) for i, g in enumerate(("K", "M"))}
        sums["T"] = sums["K"] + sums["M"]
        values, errors = {}, {}
        for g, s in sums.items():
            for k, v in measures_from_sums(s).items():
                values[k, g] = v
            for k, v in standard_errors(s, self.sets).items():
                errors[k, g] = v
        return values, errors


def _residuals(year: _Year, theta: np.ndarray, gap: np.ndarray | None, se: dict) -> np.ndarray:
    values, _ = year.predict(theta)
    r = [(values[key] - target) / se[key] for key, target in sorted(year.targets.items())]
    if gap is not None:
        r += list((theta[[0, 1]] - theta[[2, 3]] - gap) / GAP_PRIOR_SD)
    return np.array(r)


def _solve(year: _Year, theta0: np.ndarray, gap: np.ndarray | None) -> np.ndarray:
    """Levenberg–Marquardt on the standardised residuals, with the standard errors of the start held fixed."""
    theta = theta0.copy()
    _, se = year.predict(theta)
    lam, h = 1e-2, 0.02
    r = _residuals(year, theta, gap, se)
    for _ in range(40):
        jac = np.empty((len(r), len(theta)))
        for j in range(len(theta)):
            step = np.zeros(len(theta))
            step[j] = h
            jac[:, j] = (_residuals(year, theta + step, gap, se) - _residuals(year, theta - step, gap, se)) / (2 * h)
        a = jac.T @ jac
        delta = np.linalg.solve(a + lam * np.diag(np.diag(a) + 1e-9), -jac.T @ r)
        candidate = theta + delta
        candidate[[1, 3]] = np.clip(candidate[[1, 3]], -MAX_PASS_SHIFT, MAX_PASS_SHIFT)
        r_new = _residuals(year, candidate, gap, se)
        if r_new @ r_new < r @ r:
            theta, r, lam = candidate, r_new, lam / 3
            if np.abs(delta).max() < 1e-4:
                break
        else:
            lam *= 5
            if lam > 1e6:
                break
    return theta


def _pooled_years(name: str, preset: Preset, seeds, last_school_year: str | None) -> list[_Year]:
    from .build import simulate  # build imports this module

    uncalibrated = dataclasses.replace(preset, calibration=None)
    parts: dict[str, dict[str, list]] = {}
    for seed in seeds:
        world = simulate(uncalibrated, seed, last_school_year=last_school_year)
        d = world.grades.final_draws
        girl = world.pop.girl[d.pupil]
        for t, autumn in enumerate(world.pop.years):
            label = school_year_label(autumn)
            for g, mask in (("K", girl), ("M", ~girl)):
                at = (d.year == t) & mask
                latent = d.latent[at] - d.level[at, None]  # the draws without any knobs
                parts.setdefault(label, {}).setdefault(g, []).append((latent, d.graded[at], d.streck[at]))
    targets = read_targets(name)
    years = []
    for label, genders in sorted(parts.items()):
        pub = targets.filter(pl.col("school_year") == label)
        if pub.is_empty():
            continue
        years.append(
            _Year(
                label,
                len(seeds),
                {g: tuple(np.concatenate([x[i] for x in chunks]) for i in range(3)) for g, chunks in genders.items()},
                {(r["indicator_id"], r["gender"]): r["value"] for r in pub.iter_rows(named=True)},
            )
        )
    return years


def fit(
    name: str, preset: Preset, seeds=FIT_SEEDS, last_school_year: str | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(knobs per school year and gender, the fit's expected values beside the targets)."""
    years = _pooled_years(name, preset, seeds, last_school_year)
    full = [y for y in years if all((k, g) in y.targets for k in MEASURES for g in ("K", "M"))]
    theta = {y.label: _solve(y, np.zeros(4), None) for y in full}
    gap = np.mean([t[[0, 1]] - t[[2, 3]] for t in theta.values()], axis=0) if theta else np.zeros(2)
    for y in years:
        if y.label not in theta:
            theta[y.label] = _solve(y, np.array([gap[0] / 2, gap[1] / 2, -gap[0] / 2, -gap[1] / 2]), gap)
    knobs, check = [], []
    for y in years:
        t = theta[y.label]
        for i, g in enumerate(("K", "M")):
            knobs.append({"school_year": y.label, "gender": g, "level": t[2 * i], "pass_shift": t[2 * i + 1]})
        values, errors = y.predict(t)
        for (k, g), target in sorted(y.targets.items()):
            check.append(
                {
                    "school_year": y.label,
                    "gender": g,
                    "indicator_id": k,
                    "target": target,
                    "expected": values[k, g],
                    "se": errors[k, g],
                }
            )
    table = pl.DataFrame(knobs).with_columns(pl.col("level", "pass_shift").round(4))
    return table, pl.DataFrame(check).with_columns(z=(pl.col("expected") - pl.col("target")) / pl.col("se"))


def write_fit(name: str, table: pl.DataFrame) -> Path:
    path = fit_path(name)
    header = (
        f"# Fitted knobs of the `{name}` preset per cohort (its school year in åk 9) and gender: written by\n"
        f"# `python -m skolanalys.synth.calibration {name}` (skolanalys/synth/calibration.py) from\n"
        f"# {targets_path(name).name} and the uncalibrated preset simulated for seeds {FIT_SEEDS[0]}–{FIT_SEEDS[-1]}.\n"
        "# level: latent units added to the standing; pass_shift: latent units the F|E cut of teachers' grades is\n"
        "# lowered by. Do not edit by hand.\n"
    )
    path.write_text(header + table.write_csv(float_precision=4), encoding="utf-8")
    return path


def main(argv: list[str]) -> int:
    from .presets import PRESETS

    name = argv[0] if argv else "kavlinge"
    preset = next(p for p in PRESETS.values() if p.calibration == name)
    table, check = fit(name, preset)
    print(write_fit(name, table))
    with pl.Config(tbl_rows=200, float_precision=2):
        print(table)
        print(check)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
