"""National test results åk 3, 6 and 9 (none in spring 2020 and 2021, when the tests were cancelled)."""

from __future__ import annotations

import numpy as np
import polars as pl

from .grades import standing, subject_deviation, subject_shift
from .model import GRADES, MODEL, SUBJECT_INDEX, SUBJECTS, LatentModel, grade_from_latent
from .people import Population
from .schools import Schools

CANCELLED_AUTUMNS = (2019, 2020)  # läsår 2019/20 and 2020/21
SCIENCE = ["BI", "FY", "KE"]
SOCIAL = ["GE", "HI", "RE", "SH"]


def make_national_tests(pop: Population, schools: Schools, seed: int, m: LatentModel = MODEL) -> pl.DataFrame:
    rng = np.random.default_rng([seed, 6])
    years = np.array(pop.years)
    rows = pop.panel.filter(
        pl.col("grade").is_in([3, 6, 9])
        & ~pl.col("year").is_in(np.flatnonzero(np.isin(years, CANCELLED_AUTUMNS)).tolist())
    )
    p = rows["pupil"].to_numpy()
    grade = rows["grade"].to_numpy()
    school = rows["school"].to_numpy()
    year = rows["year"].to_numpy()
    sva = pop.sva[p]
    dev = subject_deviation(pop.n, seed, m)[p]
    latent = (
        standing(pop, rows, m)[:, None]
        + subject_shift(pop.girl[p], m, test=True)
        + dev
        + rng.normal(0, m.test_sd, dev.shape)
    )

    # Skolverket assigns each school one science and one social-science subject for åk 9.
    science = rng.integers(0, len(SCIENCE), (schools.n, len(years)))[school, year]
    social = rng.integers(0, len(SOCIAL), (schools.n, len(years)))[school, year]
    sv = np.where(sva, SUBJECT_INDEX["SVA"], SUBJECT_INDEX["SV"])
    subjects = [
        sv,
        np.full(len(p), SUBJECT_INDEX["MA"]),
        np.full(len(p), SUBJECT_INDEX["EN"]),
        np.array([SUBJECT_INDEX[s] for s in SCIENCE])[science],
        np.array([SUBJECT_INDEX[s] for s in SOCIAL])[social],
    ]
    n_tests = np.select([grade == 3, grade == 6], [2, 3], 5)

    # Pupils with much absence or who have just arrived often miss the test or are exempted.
    absence = rows["absence"].to_numpy()
    just_arrived = np.nan_to_num(rows["years_in_sweden"].to_numpy(), nan=99) < 1
    p_missing = 0.02 + 0.6 / (1 + np.exp(-(absence - 0.4) / 0.07)) + 0.6 * just_arrived

    frames = []
    for k, subj in enumerate(subjects):
        took = (n_tests > k) & (rng.random(len(p)) >= p_missing)
        x = latent[np.arange(len(p)), subj]
        result = np.where(grade == 3, np.where(x > m.year3_pass_cut, "G", "EG"), GRADES[grade_from_latent(x, m.cuts)])
        frames.append(
            pl.DataFrame(
                {
                    "pupil": p[took],
                    "year": year[took],
                    "school": school[took],
                    "arskurs": grade[took].astype(np.int8),
                    "amne": np.array(SUBJECTS)[subj[took]],
                    "provbetyg": result[took],
                }
            )
        )
    return pl.concat(frames).sort("year", "school", "pupil", "amne")
