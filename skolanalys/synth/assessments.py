"""Teacher assessments (bedömningar, "utveckling mot målen") åk 1–9, in October and March, from the latent
model: the same standing, subject easiness and persistent pupil-by-subject deviation as grades and national
tests, with the occasion's own noise, cut into 1 inte godtagbara, 2 godtagbara, 3 mer än godtagbara
kunskaper. A pupil likely to get an F in åk 6 is likely assessed 1 in the years before."""

from __future__ import annotations

import numpy as np
import polars as pl

from .grades import standing, subject_deviation, subject_shift
from .model import MODEL, SUBJECT_INDEX, SUBJECTS, LatentModel

# Occasion → (term it falls in, years before the end of the spring term: the panel's years_in_sweden refer
# to 10 June).
OCCASIONS = {"oktober": ("HT", 0.65), "mars": ("VT", 0.25)}
# SV or SVA (whichever the pupil reads), MA and EN, every year from åk 1: the subjects followed up.
ASSESSED = ("SV", "MA", "EN")
NOT_YET_ASSESSED = 0.15  # years in Sweden below which a pupil is often not assessed yet


def make_assessments(pop, seed: int, m: LatentModel = MODEL) -> pl.DataFrame:
    """pupil, year, school, arskurs, tillfalle, amne, bedomning (1–3): one row per pupil in åk 1–9, occasion
    and subject."""
    rng = np.random.default_rng([seed, 11])
    rows = pop.panel.filter(pl.col("grade") >= 1)
    p = rows["pupil"].to_numpy()
    n = len(p)
    subjects = np.empty((n, len(ASSESSED)), np.int64)
    for k, subject in enumerate(ASSESSED):
        subjects[:, k] = SUBJECT_INDEX[subject]
    subjects[pop.sva[p], ASSESSED.index("SV")] = SUBJECT_INDEX["SVA"]
    r = np.arange(n)[:, None]
    base = (
        standing(pop, rows, m)[:, None]
        + subject_shift(pop.girl[p], m)[r, subjects]
        + subject_deviation(pop.n, seed, m)[p[:, None], subjects]
    )
    in_sweden = np.nan_to_num(rows["years_in_sweden"].to_numpy(), nan=99.0)
    frames = []
    for occasion, (_, before_june) in OCCASIONS.items():
        level = 1 + np.searchsorted(np.asarray(m.assessment_cuts), base + rng.normal(0, m.assessment_sd, base.shape))
        just_arrived = (in_sweden - before_june < NOT_YET_ASSESSED)[:, None] & (rng.random(base.shape) < 0.6)
        i, k = np.nonzero(~just_arrived)
        frames.append(
            pl.DataFrame(
                {
                    "pupil": p[i],
                    "year": rows["year"].to_numpy()[i],
                    "school": rows["school"].to_numpy()[i],
                    "arskurs": rows["grade"].to_numpy()[i],
                    "tillfalle": occasion,
                    "amne": np.array(SUBJECTS)[subjects[i, k]],
                    "bedomning": level[i, k].astype(np.int8),
                }
            )
        )
    return pl.concat(frames)
