"""Generate a whole synthetic municipality into a landing folder, plus the truth file beside it."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import polars as pl

from sources.landing.kinds import ASSESSMENT_LEVELS

from .assessments import make_assessments
from .attendance import write_attendance
from .calibration import describe as describe_calibration
from .calibration import with_calibration
from .goals import write_goals
from .grades import Choices, GradeResult, make_grades, subject_choices
from .model import MODEL, SUBJECT_NAMES
from .people import (
    FEEDER_SHARE,
    IN_MOVER_RATE,
    LEAVE_RATE,
    LEAVE_RATE_NEWLY_ARRIVED,
    MOVE_RATE,
    Population,
    build_population,
    parse_school_year,
    school_year_label,
)
from .presets import PRESETS, Preset
from .schools import AREAS, Schools, make_schools
from .surveys import GUARDIAN_QUESTIONS, PUPIL_QUESTIONS, catalogue, make_survey
from .tests_np import CANCELLED_AUTUMNS, make_national_tests
from .value_added import DEFINITIONS as VALUE_ADDED_DEFINITIONS
from .value_added import pupil_effects, true_value_added
from .writers import CP1252, UTF8, UTF8_BOM, kon_forms, personnummer_forms, write_csv

# 2: bedomningar/ and the true value added per school, cohort and stage (`value_added`).
# 3: `calibration` (a calibrated preset's knobs per cohort and gender, else null).
TRUTH_VERSION = 3


@dataclass
class World:
    """The synthetic municipality before it is written: schools, pupils and every result."""

    preset: Preset
    schools: Schools
    pop: Population
    choices: Choices
    grades: GradeResult
    tests: pl.DataFrame
    assessments: pl.DataFrame

    def pupil_effects(self) -> pl.DataFrame:
        """Per stage, cohort and pupil of the value-added population: attributed school and d_i."""
        return pupil_effects(
            self.pop.panel, self.pop.years, self.grades.rows, self.grades.stage_merit, self.tests, self.assessments
        )


def simulate(
    preset: str | Preset,
    seed: int,
    kommunkod: str = "1261",
    last_school_year: str | None = None,
    schools: Schools | None = None,
) -> World:
    """Everything `generate` writes, in memory. `schools` replaces the preset's (e.g. with planted effects
    chosen by a test); `last_school_year` the preset's."""
    if not isinstance(preset, Preset):
        if preset not in PRESETS:
            raise ValueError(f"okänd preset {preset!r}; välj en av {sorted(PRESETS)}")
        preset = PRESETS[preset]
    schools = schools if schools is not None else make_schools(preset, seed, kommunkod)
    pop = build_population(preset, schools, seed, parse_school_year(last_school_year or preset.last_school_year))
    if preset.calibration:
        pop.panel = with_calibration(pop.panel, pop.years, pop.girl, preset.calibration)
    choices = subject_choices(pop, seed)
    return World(
        preset=preset,
        schools=schools,
        pop=pop,
        choices=choices,
        grades=make_grades(pop, choices, seed),
        tests=make_national_tests(pop, schools, seed),
        assessments=make_assessments(pop, seed),
    )


def generate(
    preset: str | Preset,
    seed: int,
    landing_dir: Path,
    truth_path: Path,
    kommunkod: str = "1261",
    last_school_year: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict:
    """Write every landing kind of contracts.md into `landing_dir` and the planted truth to `truth_path`.

    Deterministic for a given (preset, seed, kommunkod, last_school_year); `last_school_year` None = the
    preset's (Preset.last_school_year). Returns a summary: files
    written (relative to `landing_dir`), rows per kind, bytes and seconds. `progress(kind, files, rows)` is
    told of the files as they are written (the command line shows it).
    """
    report = progress or (lambda kind, files, rows: None)
    started = time.perf_counter()
    if not isinstance(preset, Preset) and preset not in PRESETS:
        raise ValueError(f"okänd preset {preset!r}; välj en av {sorted(PRESETS)}")
    landing_dir, truth_path = Path(landing_dir).resolve(), Path(truth_path).resolve()
    if truth_path.is_relative_to(landing_dir):
        raise ValueError("truth-filen får inte ligga i landningsmappen (den skulle läsas in som data)")
    world = simulate(preset, seed, kommunkod, last_school_year)
    p, schools, pop, choices = world.preset, world.schools, world.pop, world.choices
    grades, tests = world.grades, world.tests
    codes = pl.Series("skolenhetskod", schools.code)
    labels = [school_year_label(y) for y in pop.years]
    rng = np.random.default_rng([seed, 10])  # how identifiers are written in each file
    assessment_rng = np.random.default_rng([seed, 12])  # ... in bedomningar/ (the other files stay as they were)
    kinds = ("skolenheter", "elever", "betyg", "nationella_prov", "bedomningar", "franvaro", "enkater")
    written: dict[str, list[Path]] = {k: [] for k in kinds}
    rows = dict.fromkeys(written, 0)
    n_years = len(pop.years)

    def put(kind: str, df: pl.DataFrame, name: str, encoding: str = UTF8_BOM, separator: str = ";") -> None:
        path = landing_dir / kind / name
        write_csv(df, path, encoding=encoding, separator=separator)
        written[kind].append(path)
        data_rows = 0 if name.endswith("_fragor.csv") else df.height  # data rows, not question catalogues
        rows[kind] += data_rows
        report(kind, 1, data_rows)

    # The municipality's own list of its school units (names), used where Skolenhetsregistret can't be reached.
    put(
        "skolenheter",
        pl.DataFrame(
            {"skolenhetskod": schools.code, "skolenhetsnamn": schools.name, "kommunkod": [kommunkod] * schools.n}
        ),
        "skolenheter.csv",
    )
    for t, label in enumerate(labels):
        stem = label.replace("/", "-")
        # Older exports from another system: the oldest enrolment file and one year's grades are cp1252.
        put(
            "elever",
            _enrolments(pop, t, label, codes, rng),
            f"elever_{stem}.csv",
            CP1252 if t == 0 else UTF8_BOM,
        )
        for termin in ("HT", "VT"):
            df = grades.rows.filter((pl.col("year") == t) & (pl.col("termin") == termin))
            put(
                "betyg",
                _grade_file(pop, df, label, codes, rng),
                f"betyg_{stem}_{termin}.csv",
                CP1252 if t == min(1, n_years - 1) else UTF8_BOM,
            )
        if pop.years[t] not in CANCELLED_AUTUMNS:
            df = tests.filter(pl.col("year") == t)
            put("nationella_prov", _test_file(pop, df, label, codes, rng), f"nationella_prov_{stem}.csv")
        # Teacher assessments, one file per occasion; the oldest year's export (another system) writes the
        # levels in words and is cp1252.
        for occasion in ("oktober", "mars"):
            df = world.assessments.filter((pl.col("year") == t) & (pl.col("tillfalle") == occasion))
            put(
                "bedomningar",
                _assessment_file(pop, df, label, codes, assessment_rng, words=t == 0),
                f"bedomningar_{stem}_{occasion}.csv",
                CP1252 if t == 0 else UTF8_BOM,
            )
        for guardians, questions in ((False, PUPIL_QUESTIONS), (True, GUARDIAN_QUESTIONS)):
            answers = make_survey(pop, schools, seed, t, guardians)
            survey = answers["enkat"][0]
            put("enkater", answers, f"{survey}.csv", UTF8)
            # One catalogue is ','-separated UTF-8, as when someone saves it from another tool.
            comma = t == 0 and not guardians
            put(
                "enkater",
                catalogue(questions),
                f"{survey}_fragor.csv",
                UTF8 if comma else UTF8_BOM,
                "," if comma else ";",
            )

    for t in range(max(0, n_years - p.attendance_years), n_years):
        files, n = write_attendance(pop, schools, choices, seed, t, landing_dir / "franvaro", p.pupils_per_chunk)
        written["franvaro"] += files
        rows["franvaro"] += n
        report("franvaro", len(files), n)

    # The board's goals (mal/, YAML): not pupil data, so outside `files` and the truth file.
    goals_file = write_goals(landing_dir, labels)
    report("mal", 1, 0)

    all_files = [f for fs in written.values() for f in fs]
    truth = _truth(world, seed, kommunkod, labels, [f.relative_to(landing_dir).as_posix() for f in all_files])
    truth_path.parent.mkdir(parents=True, exist_ok=True)
    truth_path.write_text(json.dumps(truth, ensure_ascii=False, indent=2), encoding="utf-8")
    return {
        "preset": preset,
        "seed": seed,
        "landing_dir": str(landing_dir),
        "truth_path": str(truth_path),
        "files": [f.relative_to(landing_dir).as_posix() for f in all_files],
        "rows": rows,
        "goals_file": goals_file.relative_to(landing_dir).as_posix(),
        "bytes": sum(f.stat().st_size for f in all_files),
        "seconds": round(time.perf_counter() - started, 2),
    }


def _enrolments(pop: Population, t: int, label: str, codes: pl.Series, rng: np.random.Generator) -> pl.DataFrame:
    rows = pop.panel.filter(pl.col("year") == t)
    p = rows["pupil"].to_numpy()
    grade = rows["grade"].to_numpy()
    modersmal = pl.Series("modersmal", pop.modersmal[p].tolist(), dtype=pl.Utf8)
    return pl.DataFrame(
        [
            personnummer_forms(pop.pnr[p], rng),
            pl.Series("fornamn", pop.first_name[p].tolist(), dtype=pl.Utf8),
            pl.Series("efternamn", pop.last_name[p].tolist(), dtype=pl.Utf8),
            pl.Series("lasar", [label] * len(p)),
            codes.gather(rows["school"].to_numpy()),
            pl.Series("arskurs", np.where(grade == 0, "F", grade.astype(str))),
            rows["klass"],
            kon_forms(pop.girl[p], rng),
            modersmal.scatter(np.flatnonzero(rng.random(len(p)) < 0.02), None),  # optional field, sometimes blank
            pl.Series("ankomstdatum_sverige", pop.arrival[p]),
            pl.Series("foraldrars_utbildningsniva", np.where(pop.edu_known[p], pop.edu[p], -1)).replace(-1, None),
        ]
    )


def _grade_file(
    pop: Population, df: pl.DataFrame, label: str, codes: pl.Series, rng: np.random.Generator
) -> pl.DataFrame:
    p = df["pupil"].to_numpy()
    return pl.DataFrame(
        [
            personnummer_forms(pop.pnr[p], rng),
            pl.Series("lasar", [label] * len(p)),
            df["termin"],
            codes.gather(df["school"].to_numpy()),
            df["arskurs"],
            df["amne"],
            df["sprak"],
            df["betyg"],
            df["betygstyp"],
            # Vendor exports carry the subject's name too: an extra column the contract ignores.
            df["amne"].replace_strict(SUBJECT_NAMES).alias("amnesnamn"),
        ]
    )


def _test_file(
    pop: Population, df: pl.DataFrame, label: str, codes: pl.Series, rng: np.random.Generator
) -> pl.DataFrame:
    p = df["pupil"].to_numpy()
    return pl.DataFrame(
        [
            personnummer_forms(pop.pnr[p], rng),
            pl.Series("lasar", [label] * len(p)),
            codes.gather(df["school"].to_numpy()),
            df["arskurs"],
            df["amne"],
            df["provbetyg"],
        ]
    )


def _assessment_file(
    pop: Population, df: pl.DataFrame, label: str, codes: pl.Series, rng: np.random.Generator, *, words: bool
) -> pl.DataFrame:
    p = df["pupil"].to_numpy()
    level = df["bedomning"]
    if words:  # 'Godtagbara kunskaper', and the occasion capitalised, as some systems write them
        level = level.replace_strict(
            {k: v[0].upper() + v[1:] for k, v in ASSESSMENT_LEVELS.items()}, return_dtype=pl.Utf8
        )
    return pl.DataFrame(
        [
            personnummer_forms(pop.pnr[p], rng),
            pl.Series("fornamn", pop.first_name[p].tolist(), dtype=pl.Utf8),
            pl.Series("efternamn", pop.last_name[p].tolist(), dtype=pl.Utf8),
            pl.Series("lasar", [label] * len(p)),
            df["tillfalle"].str.to_titlecase() if words else df["tillfalle"],
            codes.gather(df["school"].to_numpy()),
            df["arskurs"],
            df["amne"],
            level.alias("bedomning"),
        ]
    )


def _truth(world: World, seed: int, kommunkod: str, labels: list[str], files: list[str]) -> dict:
    """Everything a test of the warehouse's analyses needs to know about what was planted."""
    p, pop, schools, grades = world.preset, world.pop, world.schools, world.grades
    eff = grades.realised_effect
    pooled = eff.group_by("school").agg(
        n=pl.col("n").sum(), realised=(pl.col("realised_effect") * pl.col("n")).sum() / pl.col("n").sum()
    )
    pooled_map = {r["school"]: r for r in pooled.iter_rows(named=True)}
    enrolled = pop.panel.group_by("school").agg(pl.len())
    enrolled_map = dict(enrolled.iter_rows())
    school_list = []
    for i in range(schools.n):
        by_year = eff.filter(pl.col("school") == i).sort("year")
        school_list.append(
            {
                "skolenhetskod": schools.code[i],
                "namn": schools.name[i],
                "arskurser": schools.stage(i),
                "socioekonomiskt_index": round(float(schools.ses[i]), 4),
                "planted_effect_meritvarde": round(float(schools.effect_points[i]), 4),
                "planted_effect_latent": round(float(schools.effect_points[i] / MODEL.points_per_latent), 5),
                "realised_effect_meritvarde": (round(float(pooled_map[i]["realised"]), 4) if i in pooled_map else None),
                "n_final_grades": int(pooled_map[i]["n"]) if i in pooled_map else 0,
                "realised_effect_by_year": {
                    labels[r["year"]]: {"n": r["n"], "effect": round(r["realised_effect"], 4)}
                    for r in by_year.iter_rows(named=True)
                },
                "pupil_years": int(enrolled_map.get(i, 0)),
                "reporting_rate": round(float(schools.reporting_rate[i]), 4),
                "survey_climate": {a: round(float(schools.climate[i, j]), 4) for j, a in enumerate(AREAS)},
            }
        )
    # Skolverket's denominator: pupils with at least one passed grade, i.e. meritvärde above zero.
    merit = grades.final_merit.filter(pl.col("meritvarde") > 0)
    merit = merit.with_columns(girl=pl.Series(pop.girl[merit["pupil"].to_numpy()]))
    summary = {
        labels[r["year"]]: {
            "n_with_a_pass": r["n"],
            "mean_meritvarde": round(r["all"], 2),
            "mean_meritvarde_girls": round(r["girls"], 2),
            "mean_meritvarde_boys": round(r["boys"], 2),
        }
        for r in merit.group_by("year")
        .agg(
            n=pl.len(),
            all=pl.col("meritvarde").mean(),
            girls=pl.col("meritvarde").filter(pl.col("girl")).mean(),
            boys=pl.col("meritvarde").filter(~pl.col("girl")).mean(),
        )
        .sort("year")
        .iter_rows(named=True)
    }
    return {
        "generator": "skolanalys.synth",
        "truth_version": TRUTH_VERSION,
        "preset": p.name,
        "preset_parameters": asdict(p),
        "seed": seed,
        "kommunkod": kommunkod,
        "school_years": labels,
        "attendance_school_years": labels[max(0, len(labels) - p.attendance_years) :],
        "national_tests_cancelled": [school_year_label(y) for y in CANCELLED_AUTUMNS],
        "model": {
            **MODEL.to_dict(),
            "standing": "ability_sd*ability + girl*is_girl + parent_education*(edu-2) + f(years_in_sweden)"
            " + other_mother_tongue*(born in Sweden, modersmål not svenska)"
            " + absence*(absence_share - absence_centre) + school_effect_points/points_per_latent"
            " + level (a calibrated preset's, per cohort and gender: `calibration`; else 0)",
            "subject_latent": "standing + subject_shift + subject_girl*is_girl + pupil-by-subject deviation"
            " (sd subject_sd) + term noise (sd term_sd); grade = cut at `cuts`, the F|E cut of teachers' grades"
            " lowered by pass_shift (a calibrated preset's, per cohort and gender; else 0)",
            "school_effect": "value added per stage, in meritvärde points: a school adds its planted effect"
            " over the years a pupil spends in its F–6 or 7–9 stage (mean over the schools"
            " attended in the stage), and the F–6 part is carried into åk 7–9. So the step"
            " from åk 6 to åk 9 holds only the 7–9 school's part, which a prior-attainment"
            " value-added model estimates. realised_effect_meritvarde = mean over the"
            " school's åk 9 pupils of final-grade meritvärde minus the meritvärde of the same"
            " draws without the 7–9 part (null for schools without åk 9). The åk 4–6 years' share of the"
            " F–6 part is what value added in stage 3-6 counts (see value_added_definitions)",
            "assessment": "teacher assessments åk 1–9 in oktober and mars, subjects SV or SVA, MA, EN: standing"
            " + subject_shift + subject_girl*is_girl + pupil-by-subject deviation (the grades' own) + occasion"
            " noise (sd assessment_sd), cut at assessment_cuts into 1 inte godtagbara, 2 godtagbara, 3 mer än"
            " godtagbara kunskaper",
            "parent_education_note": "the model uses the true level also where the file leaves it empty",
        },
        "rates": {
            "leave": LEAVE_RATE,
            "leave_newly_arrived": LEAVE_RATE_NEWLY_ARRIVED,
            "move": MOVE_RATE,
            "in_mover": IN_MOVER_RATE,
            "feeder_share": FEEDER_SHARE,
        },
        "calibration": describe_calibration(p.calibration) if p.calibration else None,
        "schools": school_list,
        "summary_final_grades": summary,
        "value_added_definitions": VALUE_ADDED_DEFINITIONS,
        "value_added": true_value_added(world.pupil_effects(), schools.code),
        "files": files,
    }
