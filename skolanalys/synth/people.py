"""Pupils over the years: cohorts, personnummer, background, moves, arrivals and leavers.

The result is one record per pupil (`Population` arrays) and one row per pupil and school year (`panel`,
the enrolment as of 15 October), which every other component reads.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from sources.personnummer import luhn_check_digit

from . import names
from .model import MODEL
from .presets import Preset
from .schools import Schools

LEAVE_RATE = 0.025  # share of pupils leaving the municipality each summer
LEAVE_RATE_NEWLY_ARRIVED = 0.07
IN_MOVER_RATE = 0.025  # pupils moving in from other Swedish municipalities, per grade and year
MOVE_RATE = 0.04  # pupils changing school within the municipality, per year
FEEDER_SHARE = 0.85  # F–6 pupils continuing at their school's usual 7–9 school
CLASS_SIZE = 27


def parse_school_year(label: str) -> int:
    """'2025/26' -> 2025 (the autumn year)."""
    first, _, second = label.partition("/")
    year = int(first)
    if len(first) != 4 or int(second) != (year + 1) % 100:
        raise ValueError(f"läsår ska skrivas som 2025/26, fick {label!r}")
    return year


def school_year_label(autumn: int) -> str:
    return f"{autumn}/{(autumn + 1) % 100:02d}"


def years_in_sweden(arrival: np.ndarray, autumn: int) -> np.ndarray:
    """Years since arrival at the end of the spring term (NaN = born in Sweden)."""
    ref = np.datetime64(f"{autumn + 1}-06-10")
    days = (ref - arrival).astype("timedelta64[D]").astype(float)
    return np.where(np.isnat(arrival), np.nan, days / 365.25)


@dataclass
class Population:
    years: list[int]  # autumn years, oldest first
    birth: np.ndarray  # datetime64[D]
    girl: np.ndarray
    pnr: np.ndarray  # 12-digit personnummer, no separator
    first_name: np.ndarray
    last_name: np.ndarray
    modersmal: np.ndarray  # 'svenska' or another language
    arrival: np.ndarray  # ankomstdatum_sverige, NaT = born in Sweden
    edu: np.ndarray  # parents' highest education 1/2/3 (the truth, also when not reported)
    edu_known: np.ndarray
    sva: np.ndarray  # reads Swedish as a second language
    # pupil, year, grade, school, klass, ability, absence, years_in_sweden, school_effect (points, total
    # planted effect carried by the pupil that year), upper_effect (its åk 7–9 part) and middle_effect (the
    # part of its F–6 part that the åk 4–6 years contributed)
    panel: pl.DataFrame

    @property
    def n(self) -> int:
        return len(self.pnr)


class _Builder:
    def __init__(self, preset: Preset, schools: Schools, rng: np.random.Generator):
        self.p, self.s, self.rng = preset, schools, rng
        self.cols: dict[str, list[np.ndarray]] = {}
        self.used_pnr: set[int] = set()
        self.n = 0

    # -- attributes of new pupils ------------------------------------------------------------------
    def add(self, autumn: int, grade: np.ndarray, origin: np.ndarray, arrival: np.ndarray) -> np.ndarray:
        """Create pupils in `grade` whose family lives in the catchment of `origin`; returns their ids."""
        rng, s, n = self.rng, self.s, len(grade)
        foreign_born = ~np.isnat(arrival)
        girl = rng.random(n) < 0.49
        birth = np.array([f"{autumn - 6 - g}-01-01" for g in range(10)], dtype="datetime64[D]")[grade] + rng.integers(
            0, 365, n
        )
        ses = s.ses[origin]

        modersmal = np.full(n, "svenska", dtype=object)
        settled = ~foreign_born & (rng.random(n) < np.clip(self.p.foreign_background * np.exp(-0.7 * ses), 0, 0.9))
        modersmal[settled] = _pick(rng, names.LANGUAGE_WEIGHTS_SETTLED, settled.sum())
        arr_year = arrival.astype("datetime64[Y]").astype(int) + 1970
        for y in np.unique(arr_year[foreign_born]):
            m = foreign_born & (arr_year == y)
            modersmal[m] = _pick(rng, names.arrival_languages(int(y)), m.sum())

        latent_edu = ses + self.p.education_shift + rng.normal(0, 1, n) - 0.9 * foreign_born - 0.3 * settled
        edu = np.where(latent_edu < -1.3, 1, np.where(latent_edu > -0.1, 3, 2)).astype(np.int8)
        edu_known = rng.random(n) < np.where(foreign_born, 0.75, 0.97)

        age_at_arrival = (arrival - birth).astype("timedelta64[D]").astype(float) / 365.25
        p_sva = np.where(
            foreign_born, np.where(age_at_arrival >= 5, 0.85, 0.55), np.where(modersmal != "svenska", 0.3, 0.0)
        )
        sva = rng.random(n) < p_sva

        intl = (modersmal != "svenska") & (rng.random(n) < 0.75)
        first = np.where(
            girl,
            np.where(intl, _draw(rng, names.GIRL_NAMES_INTL, n), _draw(rng, names.GIRL_NAMES, n)),
            np.where(intl, _draw(rng, names.BOY_NAMES_INTL, n), _draw(rng, names.BOY_NAMES, n)),
        )
        last = np.where(intl, _draw(rng, names.SURNAMES_INTL, n), _draw(rng, names.SURNAMES, n))

        new = {
            "birth": birth,
            "girl": girl,
            "pnr": self._personnummer(birth, girl),
            "first_name": first,
            "last_name": last,
            "modersmal": modersmal,
            "arrival": arrival,
            "edu": edu,
            "edu_known": edu_known,
            "sva": sva,
            "ability": rng.normal(0, 1, n),
            "absence_trait": rng.normal(0, 1, n),
            "origin": origin,
            "first_year": np.full(n, autumn),
            "first_grade": grade,
        }
        for k, v in new.items():
            self.cols.setdefault(k, []).append(v)
        ids = np.arange(self.n, self.n + n)
        self.n += n
        return ids

    def _personnummer(self, birth: np.ndarray, girl: np.ndarray) -> np.ndarray:
        """Unique YYYYMMDDNNNC; the third birth-number digit is even for girls, odd for boys."""
        rng = self.rng
        day = birth.astype(int)
        serial = np.zeros(len(birth), dtype=np.int64)
        todo = np.arange(len(birth))
        while len(todo):
            k = len(todo)
            serial[todo] = np.where(girl[todo], rng.integers(1, 500, k) * 2, rng.integers(0, 500, k) * 2 + 1)
            keys = day[todo] * 1000 + serial[todo]
            _, first_seen = np.unique(keys, return_index=True)
            fresh = np.zeros(len(todo), bool)
            fresh[first_seen] = True
            fresh &= np.array([key not in self.used_pnr for key in keys.tolist()])
            self.used_pnr.update(keys[fresh].tolist())
            todo = todo[~fresh]
        ymd = np.datetime_as_string(birth, unit="D")
        out = []
        for d, nnn in zip(ymd.tolist(), serial.tolist(), strict=True):
            body = f"{d[2:4]}{d[5:7]}{d[8:10]}{nnn:03d}"
            out.append(f"{d[:2]}{body}{luhn_check_digit(body)}")
        return np.array(out)

    def finish(self) -> dict[str, np.ndarray]:
        return {k: np.concatenate(v) for k, v in self.cols.items()}


def _pick(rng: np.random.Generator, weights: dict[str, float], n: int) -> np.ndarray:
    keys = list(weights)
    p = np.array([weights[k] for k in keys])
    return np.array(keys, dtype=object)[rng.choice(len(keys), n, p=p / p.sum())]


def _draw(rng: np.random.Generator, words: list[str], n: int) -> np.ndarray:
    return np.array(words, dtype=object)[rng.integers(0, len(words), n)]


def _choose(rng: np.random.Generator, candidates: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    w = weights[candidates]
    return candidates[rng.choice(len(candidates), n, p=w / w.sum())]


def build_population(preset: Preset, schools: Schools, seed: int, last_autumn: int) -> Population:
    rng = np.random.default_rng([seed, 2])
    years = list(range(last_autumn - preset.n_years + 1, last_autumn + 1))
    b = _Builder(preset, schools, rng)
    cohort = preset.pupils / 10
    young = np.flatnonzero(schools.lo == 0)
    upper = schools.serving(7)
    # Arrivals from abroad settle more often where housing is cheaper (low socio-economic index).
    arrival_pull = np.exp(-0.8 * schools.ses)

    def place(grade: np.ndarray, school: np.ndarray) -> np.ndarray:
        """Move pupils whose school does not teach their grade: mostly to the school it feeds."""
        out = school.copy()
        need = np.flatnonzero(schools.hi[school] < grade)
        if len(need):
            to_feeder = rng.random(len(need)) < FEEDER_SHARE
            out[need] = np.where(
                to_feeder, schools.feeder[school[need]], _choose(rng, upper, schools.upper_weight, len(need))
            )
        return out

    def arrival_dates(autumn: int, span_years: np.ndarray) -> np.ndarray:
        """Arrival in Sweden within `span_years` before 15 October of `autumn`."""
        days = 14 + rng.random(len(span_years)) * (span_years * 365.25 - 14)
        return np.datetime64(f"{autumn}-10-15") - days.astype("timedelta64[D]")

    def newcomers(autumn: int, grades: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
        """Create pupils joining in `grades`; returns (ids, school attended this year)."""
        nat = np.full(len(grades), np.datetime64("NaT"), dtype="datetime64[D]")
        if kind == "immigrant":
            origin = _choose(rng, young, schools.weight * arrival_pull, len(grades))
            arrival = arrival_dates(autumn, np.ones(len(grades)))
        else:
            origin = _choose(rng, young, schools.weight, len(grades))
            arrival = nat
            if kind == "initial":
                # Pupils already here at the start include some born abroad who came at various ages.
                born_abroad = rng.random(len(grades)) < np.clip(preset.newly_arrived_rate * (grades + 3), 0, 0.5)
                arrival[born_abroad] = arrival_dates(autumn, grades[born_abroad] + 3.0)
        ids = b.add(autumn, grades, origin, arrival)
        school = origin.copy()
        if kind == "immigrant":
            late = grades >= 7
            school[late] = _choose(rng, upper, schools.upper_weight * arrival_pull, late.sum())
        return ids, place(grades, school)

    # Per-pupil state, indexed by pupil id.
    active = np.zeros(0, bool)
    grade = np.zeros(0, np.int64)
    school = np.zeros(0, np.int64)
    ability = np.zeros(0)
    long_absent = np.zeros(0, bool)

    def join(ids: np.ndarray, g: np.ndarray, s: np.ndarray) -> None:
        nonlocal active, grade, school, ability, long_absent
        active = np.concatenate([active, np.ones(len(ids), bool)])
        grade = np.concatenate([grade, g])
        school = np.concatenate([school, s])
        ability = np.concatenate([ability, b.cols["ability"][-1]])
        long_absent = np.concatenate([long_absent, np.zeros(len(ids), bool)])

    # Moving in from elsewhere in Sweden balances leavers, less what arrivals from abroad already add.
    in_rate = max(0.005, IN_MOVER_RATE - 0.8 * preset.newly_arrived_rate)
    panels = []
    for t, autumn in enumerate(years):
        sizes = np.maximum(1, np.round(cohort * rng.normal(1.0, 0.04, 10)).astype(int))
        if t == 0:
            g0 = np.repeat(np.arange(10), sizes)
            ids, s0 = newcomers(autumn, g0, "initial")
            join(ids, g0, s0)
        else:
            arrival = b.finish()["arrival"]
            active &= grade < 9  # åk 9 leave for upper secondary
            fresh = years_in_sweden(arrival, autumn - 1) < 2
            active &= rng.random(len(active)) >= np.where(fresh, LEAVE_RATE_NEWLY_ARRIVED, LEAVE_RATE)
            idx = np.flatnonzero(active)
            grade[idx] += 1
            ability[idx] += rng.normal(0, MODEL.ability_drift_sd, len(idx))
            school[idx] = place(grade[idx], school[idx])
            movers = idx[rng.random(len(idx)) < MOVE_RATE]
            for g in np.unique(grade[movers]):
                m = movers[grade[movers] == g]
                school[m] = _choose(rng, schools.serving(g), schools.upper_weight if g >= 7 else schools.weight, len(m))
            # New förskoleklass, pupils moving in from elsewhere in Sweden, and arrivals from abroad.
            wave = names.ARRIVAL_WAVES.get(autumn, 1.0)
            joining = {
                "entrant": np.zeros(sizes[0], np.int64),
                "in_mover": np.repeat(np.arange(1, 10), rng.poisson(in_rate * cohort, 9)),
                "immigrant": np.repeat(np.arange(10), rng.poisson(preset.newly_arrived_rate * wave * cohort, 10)),
            }
            for kind, grades in joining.items():
                if len(grades):
                    ids, s_new = newcomers(autumn, grades, kind)
                    join(ids, grades, s_new)

        attrs = b.finish()
        idx = np.flatnonzero(active)
        yis = years_in_sweden(attrs["arrival"][idx], autumn)
        absence, long_absent[idx] = _absence(rng, attrs, idx, grade[idx], ability[idx], yis, long_absent[idx])
        panels.append(
            pl.DataFrame(
                {
                    "pupil": idx.astype(np.int32),
                    "year": np.full(len(idx), t, np.int16),
                    "grade": grade[idx].astype(np.int8),
                    "school": school[idx].astype(np.int16),
                    "ability": ability[idx],
                    "absence": absence,
                    "years_in_sweden": yis,
                }
            )
        )

    attrs = b.finish()
    return Population(
        years=years,
        birth=attrs["birth"],
        girl=attrs["girl"],
        pnr=attrs["pnr"],
        first_name=attrs["first_name"],
        last_name=attrs["last_name"],
        modersmal=attrs["modersmal"],
        arrival=attrs["arrival"],
        edu=attrs["edu"],
        edu_known=attrs["edu_known"],
        sva=attrs["sva"],
        panel=_school_effects(_assign_classes(pl.concat(panels), rng), schools, attrs, years[0]),
    )


def _school_effects(
    panel: pl.DataFrame, schools: Schools, attrs: dict[str, np.ndarray], first_autumn: int
) -> pl.DataFrame:
    """Planted school effect on each pupil-year, in meritvärde points, as value added that persists.

    A school adds its effect over a stage (F–6 or 7–9): a pupil's F–6 part is the mean effect of the
    schools attended in F–6 so far, the 7–9 part likewise, and the F–6 part is carried into åk 7–9.
    So åk 9 results hold both parts and the step from åk 6 to åk 9 holds only the 7–9 part, which is
    what a prior-attainment value-added model measures. Pupils already in åk 7–9 when the data start
    carry the effect of the F–6 school of their catchment; pupils arriving in åk 7–9 carry none.

    `middle_effect` is the share of the F–6 part that the years in åk 4–6 contributed (their effects summed
    over the F–6 years so far): the F–6 part with those years' effects set to zero is the F–6 part minus it.
    The step from åk 3 to åk 6 holds only this share (value added in åk 4–6, skolanalys/synth/value_added.py).
    """
    e = pl.Series(schools.effect_points).gather(panel["school"].cast(pl.Int64))
    p = panel["pupil"].to_numpy()
    carried = np.where(
        (attrs["first_year"] == first_autumn) & (attrs["first_grade"] >= 7), schools.effect_points[attrs["origin"]], 0.0
    )[p]
    young = pl.col("grade") <= 6
    return (
        panel.with_columns(_e=e, _carried=carried)
        .with_columns(
            upper_effect=_running_mean(pl.col("_e"), ~young).fill_null(0.0),
            young_effect=_running_mean(pl.col("_e"), young).fill_null(pl.col("_carried")),
            middle_effect=_running_mean(pl.col("_e"), young, part=pl.col("grade").is_between(4, 6)).fill_null(0.0),
        )
        .with_columns(school_effect=pl.col("upper_effect") + pl.col("young_effect"))
        .drop("_e", "_carried", "young_effect")
    )


def _absence(
    rng: np.random.Generator,
    attrs: dict[str, np.ndarray],
    idx: np.ndarray,
    grade: np.ndarray,
    ability: np.ndarray,
    yis: np.ndarray,
    long_before: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Share of scheduled time absent in the year: skewed, higher for weaker and older pupils."""
    n = len(idx)
    logit = (
        -3.0
        + 0.8 * attrs["absence_trait"][idx]
        + 0.3 * rng.normal(0, 1, n)
        - 0.3 * ability
        + 0.1 * np.maximum(grade - 5, 0)
        + 0.25 * (np.nan_to_num(yis, nan=99) < 4)
        - 0.1 * (attrs["edu"][idx] - 2)
    )
    share = 1 / (1 + np.exp(-logit))
    # Long-term absence (hemmasittare) is rarer, persistent and mostly in the upper grades.
    p_long = np.where(long_before, 0.55, np.where(grade >= 6, 0.015, 0.004))
    long_now = rng.random(n) < p_long
    return np.where(long_now, rng.uniform(0.3, 0.9, n), share), long_now


def _assign_classes(panel: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Split each school's grade into classes of at most CLASS_SIZE, at random: '7B', 'FA'."""
    grp = ["year", "school", "grade"]
    return (
        panel.with_columns(_r=pl.Series(rng.random(panel.height)))
        .with_columns(
            _rank=pl.col("_r").rank("ordinal").over(grp) - 1,
            _ncls=((pl.len().over(grp) + CLASS_SIZE - 1) // CLASS_SIZE),
        )
        .with_columns(
            klass=pl.when(pl.col("grade") == 0).then(pl.lit("F")).otherwise(pl.col("grade").cast(pl.Utf8))
            + pl.lit("ABCDEFGHIJKLMNOP").str.slice(pl.col("_rank") % pl.col("_ncls"), 1)
        )
        .drop("_r", "_rank", "_ncls")
        .sort("year", "school", "grade", "pupil")
    )


def _running_mean(value: pl.Expr, cond: pl.Expr, part: pl.Expr | None = None) -> pl.Expr:
    """Per pupil, mean of `value` over the years so far where `cond` holds (null before the first); with
    `part` (a subset of `cond`), the share of that mean contributed by the years where `part` holds."""
    total = pl.when(cond if part is None else part).then(value).otherwise(0.0).cum_sum().over("pupil", order_by="year")
    n = cond.cast(pl.Int32).cum_sum().over("pupil", order_by="year")
    return pl.when(n > 0).then(total / n)
