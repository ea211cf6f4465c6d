"""Pupil survey (November, åk 4–9) and guardian survey (September–October, F–9), with question catalogues."""

from __future__ import annotations

import numpy as np
import polars as pl

from .people import Population, school_year_label
from .schools import AREAS, Schools

# (fraga_id, fraga, omrade, skala_max, omvand)
PUPIL_QUESTIONS = [
    ("E01", "Jag känner mig trygg i skolan.", "trygghet", 4, False),
    ("E02", "Det finns vuxna på skolan som jag kan vända mig till om någon behandlar mig illa.", "trygghet", 4, False),
    ("E03", "Jag är rädd för att gå till skolan, för att någon kan vara elak mot mig.", "trygghet", 4, True),
    ("E04", "Jag har studiero på lektionerna.", "studiero", 4, False),
    ("E05", "Lärarna ser till att det är arbetsro på lektionerna.", "studiero", 4, False),
    ("E06", "Det är ofta så stökigt på lektionerna att jag inte kan koncentrera mig.", "studiero", 4, True),
    ("E07", "Jag trivs i skolan.", "trivsel", 4, False),
    ("E08", "Jag har någon att vara med på rasterna.", "trivsel", 4, False),
    ("E09", "Hur nöjd är du, sammantaget, med din skola?", "trivsel", 5, False),
    ("E10", "Lärarna tar hänsyn till elevernas åsikter.", "delaktighet", 4, False),
    ("E11", "Jag får vara med och påverka hur vi arbetar på lektionerna.", "delaktighet", 4, False),
    ("E12", "Mina åsikter spelar ingen roll i skolan.", "delaktighet", 4, True),
]
GUARDIAN_QUESTIONS = [
    ("V01", "Mitt barn känner sig tryggt i skolan.", "trygghet", 5, False),
    ("V02", "Skolan arbetar aktivt mot kränkande behandling.", "trygghet", 5, False),
    ("V03", "Mitt barn har studiero på lektionerna.", "studiero", 5, False),
    ("V04", "Det är ofta oroligt i mitt barns klass.", "studiero", 5, True),
    ("V05", "Mitt barn trivs i skolan.", "trivsel", 5, False),
    ("V06", "Jag kan rekommendera mitt barns skola till andra.", "trivsel", 5, False),
    ("V07", "Jag får information om hur det går för mitt barn i skolan.", "delaktighet", 5, False),
    ("V08", "Skolan tar hänsyn till mina synpunkter.", "delaktighet", 5, False),
    ("V09", "Det är svårt att få kontakt med mitt barns lärare.", "delaktighet", 5, True),
]
# Cut points on the positivity latent, per scale: most answers are positive, as in real surveys.
CUTS = {4: np.array([-1.5, -0.7, 0.35]), 5: np.array([-1.9, -1.2, -0.45, 0.55])}
PUPIL_GRADES = range(4, 10)


def catalogue(questions: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(
        [(q, text, area, scale, "ja" if rev else "nej") for q, text, area, scale, rev in questions],
        schema=["fraga_id", "fraga", "omrade", "skala_max", "omvand"],
        orient="row",
    )


def make_survey(pop: Population, schools: Schools, seed: int, year: int, guardians: bool) -> pl.DataFrame:
    """Answers of one survey in school year index `year`: one row per respondent and question."""
    rng = np.random.default_rng([seed, 8, year, int(guardians)])
    rows = pop.panel.filter(pl.col("year") == year)
    if not guardians:
        rows = rows.filter(pl.col("grade").is_in(list(PUPIL_GRADES)))
    school = rows["school"].to_numpy()
    grade = rows["grade"].to_numpy()
    p = rows["pupil"].to_numpy()
    girl = pop.girl[p]

    # Response rates differ between schools; some guardians of a pupil both answer.
    rate = (rng.uniform(0.3, 0.6, schools.n) if guardians else rng.uniform(0.7, 0.95, schools.n))[school]
    answered = rng.random(len(p)) < rate
    reps = np.where(answered, 1 + (guardians & (rng.random(len(p)) < 0.15)), 0)
    r = np.repeat(np.arange(len(p)), reps)
    n = len(r)

    questions = GUARDIAN_QUESTIONS if guardians else PUPIL_QUESTIONS
    area_idx = np.array([AREAS.index(q[2]) for q in questions])
    general = rng.normal(0, 0.7, n)
    per_area = rng.normal(0, 0.45, (n, len(AREAS)))
    # Younger pupils answer more positively; absence goes with a worse experience of school.
    base = (
        0.6
        + schools.climate[school[r]]
        + general[:, None]
        + per_area
        - 0.07 * (grade[r] - 4)[:, None]
        - 1.0 * (rows["absence"].to_numpy()[r] - 0.07)[:, None]
    )
    base[:, AREAS.index("trygghet")] -= 0.05 * girl[r]
    latent = base[:, area_idx] + rng.normal(0, 0.6, (n, len(questions)))
    svar = np.empty(latent.shape, dtype=np.int64)
    for j, (_, _, _, scale, reverse) in enumerate(questions):
        level = 1 + np.searchsorted(CUTS[scale], latent[:, j])
        svar[:, j] = scale + 1 - level if reverse else level
    blank = rng.random(svar.shape) < 0.03  # item non-response

    kon_draw = rng.random(n)
    kon = np.where(girl[r], "Flicka", "Pojke").astype(object)
    if guardians:
        kon[kon_draw < 0.25] = None
    else:
        kon[kon_draw < 0.02] = "Annat"
        kon[(kon_draw >= 0.02) & (kon_draw < 0.05)] = None
    arskurs = np.where(grade[r] == 0, "F", grade[r].astype(str)).astype(object)
    if guardians:
        arskurs[rng.random(n) < 0.15] = None
    # Random ids as survey tools export them, never all digits: ten decimal digits look like a personnummer, which the
    # door keeps out of every column (about 1 % of bare hex ids did, and their answers went to quarantine).
    respondent = np.array([f"r{x:010x}" for x in rng.choice(16**10, n, replace=False).tolist()], dtype=object)

    label = f"{'vardnadshavarenkat' if guardians else 'elevenkat'}_{pop.years[year]}"
    respondents = pl.DataFrame(
        {
            "enkat": [label] * n,
            "lasar": [school_year_label(pop.years[year])] * n,
            "skolenhetskod": np.array(schools.code)[school[r]],
            "arskurs": arskurs.tolist(),
            "kon": kon.tolist(),
            "respondent_id": respondent.tolist(),
        },
        schema={c: pl.Utf8 for c in ("enkat", "lasar", "skolenhetskod", "arskurs", "kon", "respondent_id")},
    )
    answers = pl.Series("svar", np.where(blank, -1, svar).ravel()).replace(-1, None)
    questions_df = pl.DataFrame({"fraga_id": [x[0] for x in questions]}).with_row_index("_q")
    df = respondents.with_row_index("_r").join(questions_df, how="cross")
    at = (df["_r"].cast(pl.Int64) * len(questions) + df["_q"].cast(pl.Int64)).to_numpy()
    return df.with_columns(svar=answers.gather(at)).drop("_r", "_q").sort("skolenhetskod", "respondent_id", "fraga_id")
