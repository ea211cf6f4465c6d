"""Lesson-level attendance: one row per pupil and scheduled lesson, one gzip file per month.

Everything is vectorised per (month x chunk of pupils): a chunk of 20,000 pupils and a month of school days
is ~2.5 M rows of numpy arrays, turned into one polars DataFrame and streamed into the month's file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl
from dateutil.easter import easter

from sources.landing.attendance import COLUMNS as CONTRACT_COLUMNS

from .grades import Choices
from .model import SUBJECT_INDEX, SUBJECTS
from .people import Population
from .schools import Schools
from .writers import GzipCsvWriter, personnummer_forms

COLUMNS = list(CONTRACT_COLUMNS)  # the franvaro/ contract, as the loader reads it
# Lessons a day by grade (F, 1…9) before a random 0/+1, and one fewer on Fridays.
LESSONS_A_DAY = np.array([4, 4, 5, 5, 5, 5, 6, 6, 6, 6])
LESSON_MINUTES = {"low": [40, 45, 50, 60], "mid": [40, 50, 55, 60, 70], "high": [40, 50, 60, 60, 70, 80]}
SUBJECT_WEIGHTS = {
    "low": {
        "SV": 30,
        "MA": 20,
        "EN": 5,
        "IDH": 8,
        "BL": 7,
        "MU": 7,
        "SL": 5,
        "TK": 3,
        "BI": 3,
        "FY": 1,
        "KE": 1,
        "GE": 3,
        "HI": 2,
        "RE": 2,
        "SH": 3,
    },
    "mid": {
        "SV": 20,
        "MA": 16,
        "EN": 8,
        "IDH": 7,
        "BL": 5,
        "MU": 5,
        "SL": 6,
        "TK": 4,
        "BI": 4,
        "FY": 3,
        "KE": 3,
        "GE": 4,
        "HI": 4,
        "RE": 3,
        "SH": 4,
        "HKK": 2,
    },
    "high": {
        "SV": 14,
        "MA": 14,
        "EN": 9,
        "IDH": 7,
        "BL": 4,
        "MU": 4,
        "SL": 5,
        "TK": 4,
        "BI": 5,
        "FY": 5,
        "KE": 5,
        "GE": 4,
        "HI": 5,
        "RE": 4,
        "SH": 5,
        "HKK": 3,
        "M2": 6,
    },
}
# Illness comes in winter: monthly multiplier of a pupil's absence rate (normalised over the year).
SEASON = {8: 0.7, 9: 0.85, 10: 1.0, 11: 1.1, 12: 1.2, 1: 1.1, 2: 1.3, 3: 1.1, 4: 0.9, 5: 0.9, 6: 0.75}
WHOLE_DAY_SHARE = 0.75  # of absence that is whole days (illness); the rest is single lessons
TIME_LABELS = pl.Series("lektion_start", [f"{m // 60:02d}:{m % 60:02d}" for m in range(24 * 60)])
SUBJECT_LABELS = pl.Series("amne", [*SUBJECTS, None], dtype=pl.Utf8)
TYPE_LABELS = pl.Series("franvarotyp", [None, "giltig", "ogiltig"], dtype=pl.Utf8)
REPORTED_LABELS = pl.Series("rapporterad", ["nej", "ja"])


def school_days(autumn: int) -> np.ndarray:
    """Mon–Fri from mid-August to mid-June, without Christmas, höstlov, sportlov, påsklov and red days."""
    spring = autumn + 1
    e = easter(spring)
    holidays = [date(spring, 1, 6), date(spring, 5, 1), date(spring, 6, 6)]
    holidays += [e - timedelta(days=2), e + timedelta(days=39), e + timedelta(days=40)]  # Good Friday, Ascension+1
    holidays += [e + timedelta(days=d) for d in range(1, 6)]  # påsklov: the week after Easter
    holidays += [date.fromisocalendar(autumn, 44, d) for d in range(1, 6)]  # höstlov
    holidays += [date.fromisocalendar(spring, 8, d) for d in range(1, 6)]  # sportlov (Skåne: week 8)
    terms = [(date(autumn, 8, 18), date(autumn, 12, 20)), (date(spring, 1, 9), date(spring, 6, 12))]
    days = np.concatenate([np.arange(np.datetime64(a), np.datetime64(b) + 1) for a, b in terms])
    return days[np.is_busday(days, holidays=np.array(holidays, dtype="datetime64[D]"))]


@dataclass
class Timetable:
    """Weekly lessons per class: lesson j of class c on weekday w is entry offset[c, w] + j."""

    n_lessons: np.ndarray  # (classes, 5)
    offset: np.ndarray  # (classes, 5)
    start: np.ndarray  # minute of day
    minutes: np.ndarray
    subject: np.ndarray  # index into SUBJECTS


def _stage(grade: int) -> str:
    return "low" if grade <= 3 else "mid" if grade <= 6 else "high"


def make_timetables(rng: np.random.Generator, class_grade: np.ndarray, class_first: np.ndarray) -> Timetable:
    n = len(class_grade)
    n_lessons = np.zeros((n, 5), np.int64)
    start, minutes, subject = [], [], []
    weights = {
        k: (np.array([SUBJECT_INDEX[s] for s in w]), np.array(list(w.values()), float))
        for k, w in SUBJECT_WEIGHTS.items()
    }
    for c in range(n):
        stage = _stage(class_grade[c])
        codes, p = weights[stage]
        if class_grade[c] == 0:  # förskoleklass has no subjects: amne stays empty
            codes = np.full(len(codes), len(SUBJECTS))
        if class_grade[c] < 6:  # språkval starts in åk 6
            p = np.where(codes == SUBJECT_INDEX["M2"], 0, p)
        t0 = class_first[c] + rng.choice([0, 0, 10, 20])
        for w in range(5):
            k = LESSONS_A_DAY[class_grade[c]] + rng.integers(0, 2) - (w == 4)
            dur = rng.choice(LESSON_MINUTES[stage], k)
            gap = rng.choice([5, 10, 15, 20], k)
            gap[min(2, k - 1)] += 35  # lunch after the third lesson
            start.append(t0 + np.concatenate([[0], np.cumsum(dur + gap)[:-1]]))
            minutes.append(dur)
            subject.append(codes[rng.choice(len(codes), k, p=p / p.sum())])
            n_lessons[c, w] = k
    offset = (np.cumsum(n_lessons.ravel()) - n_lessons.ravel()).reshape(n, 5)
    return Timetable(
        n_lessons, offset, np.concatenate(start), np.concatenate(minutes).astype(np.int16), np.concatenate(subject)
    )


def write_attendance(
    pop: Population, schools: Schools, choices: Choices, seed: int, year: int, out_dir: Path, pupils_per_chunk: int
) -> tuple[list[Path], int]:
    """Write `franvaro_<YYYY-MM>.csv.gz` for every month of school year index `year`; returns files, rows."""
    autumn = pop.years[year]
    rng = np.random.default_rng([seed, 9, year])
    rows = pop.panel.filter(pl.col("year") == year).sort("school", "grade", "klass", "pupil")
    p = rows["pupil"].to_numpy()
    school = rows["school"].to_numpy().astype(np.int64)
    grade = rows["grade"].to_numpy()
    classes = rows.select("school", "grade", "klass").unique(maintain_order=True).with_row_index("cls")
    cls = rows.join(classes, on=["school", "grade", "klass"], how="left", maintain_order="left")["cls"].to_numpy()
    tt = make_timetables(rng, classes["grade"].to_numpy(), schools.first_lesson[classes["school"].to_numpy()])

    # Per pupil: the form of the personnummer in this export, absence rate and share of it that is valid.
    pnr = personnummer_forms(pop.pnr[p], rng)
    codes = pl.Series("skolenhetskod", schools.code)
    rate = rows["absence"].to_numpy() / np.mean(list(SEASON.values()))  # so the year averages `absence`
    valid_share = 1 / (1 + np.exp(-(2.3 + rng.normal(0, 0.8, len(p)) - 3.0 * (rate - 0.1))))
    own_subject = _own_subject_map(pop, choices, p, grade)

    days = school_days(autumn)
    months = days.astype("datetime64[M]")
    files, total = [], 0
    for mi, month in enumerate(np.unique(months)):
        mdays = days[months == month]
        m = int(str(month)[5:7])
        # Whether a lesson got registered is a property of the lesson (the teacher), not of the pupil.
        registered_u = rng.random((len(classes), len(mdays), int(tt.n_lessons.max())))
        path = out_dir / f"franvaro_{month}.csv.gz"
        with GzipCsvWriter(path) as w:
            for ci, lo in enumerate(range(0, len(p), pupils_per_chunk)):
                sl = slice(lo, lo + pupils_per_chunk)
                crng = np.random.default_rng([seed, 9, year, mi, ci])
                w.write(
                    _chunk(
                        crng,
                        tt,
                        mdays,
                        cls[sl],
                        school[sl],
                        rate[sl] * SEASON[m],
                        valid_share[sl],
                        own_subject[sl],
                        registered_u,
                        schools.reporting_rate,
                        pnr[sl],
                        codes,
                    )
                )
            total += w.rows
        files.append(path)
    return files, total


def _own_subject_map(pop: Population, choices: Choices, p: np.ndarray, grade: np.ndarray) -> np.ndarray:
    """(pupils, subjects) -> the subject code the pupil's row shows: SVA instead of SV, no M2 if not taken."""
    n = len(p)
    mapping = np.tile(np.arange(len(SUBJECTS) + 1), (n, 1))
    mapping[pop.sva[p], SUBJECT_INDEX["SV"]] = SUBJECT_INDEX["SVA"]
    no_m2 = (choices.m2_lang[p] < 0) | (grade >= choices.m2_drop_grade[p])
    mapping[no_m2, SUBJECT_INDEX["M2"]] = len(SUBJECTS)  # -> empty amne (studietid)
    return mapping


def _chunk(
    rng: np.random.Generator,
    tt: Timetable,
    days: np.ndarray,
    cls: np.ndarray,
    school: np.ndarray,
    rate: np.ndarray,
    valid_share: np.ndarray,
    own_subject: np.ndarray,
    registered_u: np.ndarray,
    reporting_rate: np.ndarray,
    pnr: pl.Series,
    codes: pl.Series,
) -> pl.DataFrame:
    n, nd = len(cls), len(days)
    weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    counts = tt.n_lessons[cls[:, None], weekday[None, :]].ravel()
    pair = np.repeat(np.arange(n * nd, dtype=np.int64), counts)
    pi, di = pair // nd, pair % nd
    k = np.arange(len(pair)) - np.repeat(np.cumsum(counts) - counts, counts)
    lesson = tt.offset[cls[pi], weekday[di]] + k
    minutes = tt.minutes[lesson]

    # Whole days away (illness, mostly valid) and single lessons (often invalid; some late arrivals).
    day_rate = np.clip(WHOLE_DAY_SHARE * rate, 0, 0.97)
    away_day = (rng.random((n, nd)) < day_rate[:, None]).ravel()[pair]
    day_valid = (rng.random((n, nd)) < valid_share[:, None]).ravel()[pair]
    lesson_rate = np.clip((1 - WHOLE_DAY_SHARE) * rate / 0.7, 0, 0.9)
    away_lesson = ~away_day & (rng.random(len(pair)) < lesson_rate[pi])
    late = away_lesson & (rng.random(len(pair)) < 0.4)
    absent = np.where(away_day | away_lesson, minutes, 0)
    absent = np.where(late, np.minimum(rng.integers(5, 21, len(pair)), minutes - 1), absent)
    valid = np.where(away_day, day_valid, rng.random(len(pair)) < 0.5)
    registered = registered_u[cls[pi], di, k] < reporting_rate[school[pi]]
    absent = np.where(registered, absent, 0)
    kind = np.where(absent > 0, np.where(valid, 1, 2), 0)

    return pl.DataFrame(
        [
            pnr.gather(pi),
            codes.gather(school[pi]),
            pl.Series("datum", days.astype(np.int64)[di].astype(np.int32)).cast(pl.Date),
            TIME_LABELS.gather(tt.start[lesson]),
            SUBJECT_LABELS.gather(own_subject[pi, tt.subject[lesson]]),
            pl.Series("schemalagd_tid_min", minutes),
            pl.Series("franvaro_min", absent.astype(np.int16)),
            TYPE_LABELS.gather(kind),
            REPORTED_LABELS.gather(registered.astype(np.int8)),
        ]
    )
