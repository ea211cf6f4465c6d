"""School units: codes, names, stages, catchment, socio-economic profile and the planted effects."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .names import SCHOOL_PREFIXES, SCHOOL_SUFFIXES
from .presets import Preset

AREAS = ("trygghet", "studiero", "trivsel", "delaktighet")


@dataclass
class Schools:
    code: list[str]  # 8-digit skolenhetskod
    name: list[str]
    lo: np.ndarray  # lowest grade served, 0 = F
    hi: np.ndarray  # highest grade served
    weight: np.ndarray  # relative size of the catchment for F–6
    upper_weight: np.ndarray  # relative intake in åk 7–9 (own catchment plus the F–6 schools feeding it)
    feeder: np.ndarray  # for an F–6 school, the school most of its pupils move to in åk 7; else -1
    ses: np.ndarray  # socio-economic index of the catchment (drives parents' education)
    effect_points: np.ndarray  # planted value added, meritvärde points
    reporting_rate: np.ndarray  # share of lessons where attendance gets registered
    climate: np.ndarray  # (n, len(AREAS)) survey climate per area, latent units
    first_lesson: np.ndarray  # minute of day when the school day starts

    @property
    def n(self) -> int:
        return len(self.code)

    def serving(self, grade: int) -> np.ndarray:
        return np.flatnonzero((self.lo <= grade) & (self.hi >= grade))

    def stage(self, i: int) -> str:
        return f"{'F' if self.lo[i] == 0 else self.lo[i]}-{self.hi[i]}"


def make_schools(preset: Preset, seed: int, kommunkod: str) -> Schools:
    rng = np.random.default_rng([seed, int(kommunkod), 1])
    n = preset.n_schools
    # Mostly F–6 schools feeding a few 7–9 and F–9 schools, as in most Swedish municipalities.
    if n == 1:
        stages = [(0, 9)]
    elif n == 2:
        stages = [(0, 9), (0, 6)]
    else:
        n_upper = max(1, round(n / 6))
        stages = [(7, 9)] * n_upper + [(0, 9)] * n_upper + [(0, 6)] * (n - 2 * n_upper)
    lo = np.array([s[0] for s in stages])
    hi = np.array([s[1] for s in stages])

    code_ints = rng.choice(90_000_000, size=n, replace=False) + 10_000_000
    combos = rng.choice(len(SCHOOL_PREFIXES) * len(SCHOOL_SUFFIXES), size=n, replace=False)
    names = [
        f"{SCHOOL_PREFIXES[c // len(SCHOOL_SUFFIXES)]}{SCHOOL_SUFFIXES[c % len(SCHOOL_SUFFIXES)]}skolan" for c in combos
    ]

    weight = np.where(lo == 0, rng.lognormal(0.0, 0.35, n), 0.0)
    upper = np.flatnonzero(hi == 9)
    feeder = np.full(n, -1)
    young_only = np.flatnonzero(hi < 7)
    feeder[young_only] = upper[np.arange(len(young_only)) % len(upper)]
    upper_weight = np.where(hi == 9, weight, 0.0)
    np.add.at(upper_weight, feeder[young_only], weight[young_only])

    ses = rng.normal(0.0, preset.segregation, n)
    if preset.centred_schools:
        ses -= np.average(ses, weights=weight)
    # A 7–9 school takes the socio-economic mix of the schools feeding it.
    for u in upper:
        fed = np.flatnonzero(feeder == u)
        if lo[u] > 0 and len(fed):
            ses[u] = np.average(ses[fed], weights=weight[fed])

    effect = rng.normal(0.0, preset.school_effect_sd, n)
    effect = _centred_on_intake(effect, weight, upper_weight) if preset.centred_schools else effect - effect.mean()
    reporting = rng.uniform(0.93, 0.995, n)
    # Climate partly follows the planted effect: schools that do well tend to have better studiero.
    climate = rng.normal(0.0, 0.25, (n, len(AREAS))) + 0.015 * effect[:, None]
    first_lesson = rng.choice(np.array([480, 490, 495, 500, 510]), n)
    return Schools(
        code=[str(c) for c in code_ints],
        name=names,
        lo=lo,
        hi=hi,
        weight=weight,
        upper_weight=upper_weight,
        feeder=feeder,
        ses=ses,
        effect_points=effect,
        reporting_rate=reporting,
        climate=climate,
        first_lesson=first_lesson,
    )


def _centred_on_intake(effect: np.ndarray, weight: np.ndarray, upper_weight: np.ndarray) -> np.ndarray:
    """The smallest change of `effect` that makes its mean 0 both over the F–6 catchments (`weight`) and
    over the åk 7–9 intake (`upper_weight`): an average pupil carries no planted effect in either stage."""
    w = np.vstack([weight / weight.sum(), upper_weight / upper_weight.sum()])
    return effect - w.T @ np.linalg.lstsq(w @ w.T, w @ effect, rcond=None)[0]
