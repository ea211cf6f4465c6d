"""Survey answers (enkater/): anonymous Likert answers and the question catalogue of each survey.

The folder holds two kinds of file: answer files (one row per respondent and question) and one question
catalogue per survey, named `<enkat>_fragor.csv`. An answer is only meaningful against its question — is
the question known, is the answer within the question's scale — so the catalogues are read first and the
answer rules are built from them. Both are ordinary contract kinds (`sources.landing.contract`) without a
personnummer: respondents are random ids, unique within a survey.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from sources.landing.contract import (
    SCHOOL_UNIT_RULE,
    SCHOOL_YEAR_RULE,
    Kind,
    Rule,
    empty_or,
    empty_rows,
    matches,
    one_of,
    read_kind_file,
)
from sources.landing.csvfile import LINE_COLUMN
from sources.landing.declared import codes, landing_key, words_to_codes
from sources.landing.door import Entry, LandingFileError, Signature, list_folder
from sources.landing.file_hashes import content_hash
from sources.landing.folder import CHANGED_WHILE_READ
from sources.landing.kinds import GRADE_LEVELS, MAX_BYTES
from sources.landing.outcomes import FileStatus
from sources.result import LoadResult, empty_quarantine

FOLDER = "enkater"
# The answer scales a question may have (skala_max): Skolinspektionen's 4 and 5 options.
SCALES = tuple(codes("survey_scales"))  # skala_max (dbt_project.yml)
CATALOGUE_SUFFIX = "_fragor"
# 'Annat' is kept as X: it counts in the total (T), never in a girls' or boys' cell.
GENDER_WORDS = words_to_codes("survey_genders")  # kon as written → K / M / X (dbt_project.yml)
_SEP = "\x1f"  # joins survey and question id into one lookup key; cannot occur in a CSV value


def _present(column: str) -> pl.Expr:
    return pl.col(column).is_not_null()


def survey_of_catalogue(path: Path) -> str | None:
    """'elevenkat_2024_fragor.csv' → 'elevenkat_2024'; None for a file that is not a catalogue."""
    stem = path.name.lower()
    for suffix in (".gz", ".csv", ".txt"):
        stem = stem.removesuffix(suffix)
    return stem.removesuffix(CATALOGUE_SUFFIX) if stem.endswith(CATALOGUE_SUFFIX) else None


# Question catalogue ----------------------------------------------------------------------------------


def _questions(df: pl.DataFrame, survey: str) -> pl.DataFrame:
    return df.select(
        pl.lit(survey, dtype=pl.Utf8).alias("survey"),
        pl.col("fraga_id").str.to_uppercase().alias("question_id"),
        pl.col("fraga").alias("question_text"),
        pl.col("omrade").str.to_lowercase().alias("area"),
        pl.col("skala_max").cast(pl.Int8).alias("scale_max"),
        (pl.col("omvand").str.to_lowercase() == "ja").alias("reversed"),
        LINE_COLUMN,
    )


QUESTIONS = Kind(
    folder=FOLDER,
    table="survey_questions",
    description="Enkätfrågor: frågekatalogen per enkät (område, skala, omvänd fråga)",
    required=("fraga_id", "fraga", "omrade", "skala_max", "omvand"),
    optional=(),
    rules=(
        Rule("fraga_id", _present("fraga_id"), "fråge-id saknas"),
        Rule("fraga", _present("fraga"), "frågetexten saknas"),
        Rule("omrade", _present("omrade"), "område saknas (t.ex. trygghet, studiero)"),
        Rule(
            "skala_max",
            one_of("skala_max", [str(m) for m in SCALES]),
            f"skala_max ska vara {' eller '.join(map(str, SCALES))}",
        ),
        Rule("omvand", one_of("omvand", ["ja", "nej"]), "omvand ska vara ja eller nej"),
    ),
    key=landing_key("survey_questions"),
    key_sv="enkät och fråge-id",
    transform=lambda df: _questions(df, ""),
    has_personnummer=False,
)


def questions_kind(survey: str) -> Kind:
    """The catalogue kind of one survey: the survey id comes from the file name, not from a column."""
    return dataclasses.replace(QUESTIONS, transform=lambda df: _questions(df, survey))


# Answers ---------------------------------------------------------------------------------------------


def _answers(df: pl.DataFrame) -> pl.DataFrame:
    return df.select(
        pl.col("enkat").str.to_lowercase().alias("survey"),
        pl.col("lasar").alias("school_year"),
        pl.col("skolenhetskod").alias("school_unit_code"),
        pl.col("arskurs").str.to_uppercase().alias("grade_level"),
        pl.col("kon").str.to_uppercase().replace_strict(GENDER_WORDS, default=None).alias("gender"),
        "respondent_id",
        pl.col("fraga_id").str.to_uppercase().alias("question_id"),
        pl.col("svar").cast(pl.Int8).alias("answer"),
        LINE_COLUMN,
    )


ANSWERS = Kind(
    folder=FOLDER,
    table="survey_answers",
    description="Enkätsvar per svarande och fråga (anonyma)",
    required=("enkat", "lasar", "skolenhetskod", "respondent_id", "fraga_id", "svar"),
    optional=("arskurs", "kon"),
    rules=(),  # built per load from the catalogues: see answers_kind
    key=landing_key("survey_answers"),
    key_sv="enkät, svarande och fråga",
    transform=_answers,
    has_personnummer=False,
)


def answers_kind(questions: pl.DataFrame, catalogued: Iterable[str] = ()) -> Kind:
    """The answer kind checked against the loaded catalogues: known survey, known question, answer in scale.
    `catalogued`: the surveys whose catalogue file is in the folder, loaded or not (its rows all quarantined)."""
    scales = {f"{s}{_SEP}{q}": int(m) for s, q, m in questions.select("survey", "question_id", "scale_max").rows()}
    surveys = sorted({key.split(_SEP)[0] for key in scales})
    survey = pl.col("enkat").str.to_lowercase()
    known_survey = survey.is_in(surveys)
    # A catalogue that is there but has no question loaded: the answers say so, not that it is missing.
    unusable = survey.is_in(sorted(set(catalogued) - set(surveys)))
    integer = matches("svar", r"^[0-9]+$")
    scale = pl.concat_str([survey, pl.col("fraga_id").str.to_uppercase()], separator=_SEP).replace_strict(
        scales, default=None, return_dtype=pl.Int64
    )
    answer = pl.col("svar").cast(pl.Int64, strict=False)
    rules = [
        Rule("enkat", _present("enkat"), "enkät-id saknas"),
        Rule(
            "enkat",
            pl.col("enkat").is_null() | known_survey | unusable,
            "ingen frågekatalog för enkäten: lägg den i enkater/<enkät>_fragor.csv",
        ),
        Rule(
            "enkat",
            pl.col("enkat").is_null() | ~unusable,
            "enkätens frågekatalog finns men ingen av dess frågor kunde läsas in: rätta den (se dess rader i karantän)",
        ),
        SCHOOL_YEAR_RULE,
        SCHOOL_UNIT_RULE,
        Rule("arskurs", empty_or("arskurs", one_of("arskurs", GRADE_LEVELS)), "årskurs ska vara F, 1–9 eller tom"),
        Rule("kon", empty_or("kon", one_of("kon", list(GENDER_WORDS))), "kön ska vara Flicka, Pojke, Annat eller tomt"),
        Rule("respondent_id", _present("respondent_id"), "respondent_id saknas"),
        # An unknown survey is reported once, above, not again for each of its questions.
        Rule("fraga_id", ~known_survey.fill_null(False) | scale.is_not_null(), "okänd fråga: saknas i frågekatalogen"),
        Rule("svar", empty_or("svar", integer), "svar ska vara ett heltal eller tomt"),
    ]
    # One rule per scale, so the reason names the range that applies to the row's question.
    for m in sorted(set(scales.values())):
        within = answer.is_between(1, m) | ~integer
        rules.append(Rule("svar", empty_or("svar", (scale != m).fill_null(True) | within), f"svar ska vara 1–{m}"))
    return dataclasses.replace(ANSWERS, rules=tuple(rules))


# The folder ------------------------------------------------------------------------------------------


@dataclass
class SurveyLoad:
    questions: pl.DataFrame
    answers: pl.DataFrame
    results: list[LoadResult] = field(default_factory=list)
    quarantine: pl.DataFrame = field(default_factory=empty_quarantine)
    messages: list[str] = field(default_factory=list)
    skipped_identical: list[tuple[str, str]] = field(default_factory=list)
    superseded_rows: int = 0
    statuses: list[FileStatus] = field(default_factory=list)  # every entry's outcome (raw.landing_files)

    def settle(self, entry: Entry, outcome: str, reason: str | None, digest: str | None = None) -> None:
        self.statuses.append(FileStatus(FOLDER, entry.name, outcome, reason, digest, entry.size))
        if outcome != "identical":
            self.messages.append(f"{entry.name}: {reason}")

    @property
    def rows_in(self) -> int:
        return sum(r.rows_in for r in self.results)


def _latest_per_key(frames: list[pl.DataFrame], kind: Kind, empty: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """Concatenate files in order; the latest file's row of a key replaces earlier ones (a correction)."""
    if not frames:
        return empty, 0
    combined = pl.concat(frames, how="vertical_relaxed")
    keep = combined.select(pl.struct(list(kind.key)).is_last_distinct()).to_series()
    return combined.filter(keep), int((~keep).sum())


def read_survey_folder(folder: Path, other_kinds: list[Signature] = ()) -> SurveyLoad:
    """Read every catalogue, then every answer file of enkater/. Identical files are read once. Every entry
    of the folder gets an outcome in `statuses`; a file that cannot be read is named in `messages`."""
    load = SurveyLoad(empty_questions(), empty_answers())
    seen: dict[str, str] = {}
    entries = list_folder(folder, FOLDER, MAX_BYTES[FOLDER])

    def read(entry: Entry, kind: Kind, survey: str | None) -> pl.DataFrame | None:
        try:
            digest = content_hash(entry.path)
        except OSError:
            load.settle(entry, "rejected", "filen kan inte läsas")
            return None
        # A catalogue's survey id is in its file name: next year's identical questions are another survey.
        identity = f"{survey}{_SEP}{digest}" if survey else digest
        if identity in seen:
            load.skipped_identical.append((entry.name, seen[identity]))
            load.messages.append(f"{entry.name}: identisk med {seen[identity]}, läses en gång")
            load.settle(entry, "identical", f"identisk med {seen[identity]}", digest)
            return None
        seen[identity] = entry.name
        try:
            result = read_kind_file(
                entry.path, kind, b"", other_kinds=other_kinds, name=entry.name, max_bytes=MAX_BYTES[FOLDER]
            )
        except LandingFileError as exc:
            load.settle(entry, exc.outcome, exc.reason, digest)
            return None
        if not entry.unchanged():  # still being written: read whole next run
            load.settle(entry, "retry", CHANGED_WHILE_READ, digest)
            return None
        load.results.append(result)
        load.messages.extend(result.messages)
        quarantined = result.quarantine.height
        load.statuses.append(
            FileStatus(
                FOLDER,
                entry.name,
                "partly_quarantined" if quarantined else "loaded",
                f"{quarantined} av {result.rows_in} rader i karantän (se raw.quarantine)" if quarantined else None,
                digest,
                entry.size,
                result.rows_in,
                result.rows.height,
                quarantined,
            )
        )
        return result.rows.with_columns(pl.lit(digest).alias("source_file_hash")) if result.rows.height else None

    for entry in entries:
        if entry.outcome is not None:
            load.settle(entry, entry.outcome, entry.reason)
    # (file, its survey if it is a question catalogue, else None): catalogues first, answers against them.
    classified = [(e, survey_of_catalogue(e.path)) for e in entries if e.outcome is None]
    question_frames = [f for e, s in classified if s is not None and (f := read(e, questions_kind(s), s)) is not None]
    load.questions, superseded = _latest_per_key(question_frames, QUESTIONS, load.questions)
    kind = answers_kind(load.questions, {s for _, s in classified if s is not None})
    answer_frames = [f for e, s in classified if s is None and (f := read(e, kind, None)) is not None]
    load.answers, superseded_answers = _latest_per_key(answer_frames, ANSWERS, load.answers)
    load.superseded_rows = superseded + superseded_answers
    quarantines = [r.quarantine for r in load.results if r.quarantine.height]
    if quarantines:
        load.quarantine = pl.concat(quarantines)
    if any(s is None for _, s in classified) and not any(s is not None for _, s in classified):
        load.messages.append(f"{FOLDER}/: ingen frågekatalog (<enkät>_fragor.csv) hittades; svaren kan inte läsas")
    return load


def empty_questions() -> pl.DataFrame:
    return empty_rows(QUESTIONS)


def empty_answers() -> pl.DataFrame:
    return empty_rows(ANSWERS)
