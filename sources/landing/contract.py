"""The contract of one landing kind, and the generic reader that applies it to a file.

A kind says which columns it needs, how each text value is validated (a polars expression that is true
when the value is acceptable) and how valid rows become typed warehouse columns. The reader does the rest
the same way for every kind: pseudonymise, validate, quarantine with reasons, drop duplicates by key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

from sources.landing.csvfile import DEFAULT_MAX_BYTES, LINE_COLUMN, read_landing_csv
from sources.landing.door import LandingFileError, Signature, belongs_elsewhere, display_name, wrong_folder_reason
from sources.personnummer import MASK, contains_personnummer_expr, pseudonymise_column
from sources.result import QUARANTINE_SCHEMA, LoadResult

PNR = "personnummer"
# (frame, personnummer column) → the frame with pupil_key, pupil_gender and pnr_error in its place.
Pseudonymise = Callable[[pl.DataFrame, str], pl.DataFrame]


@dataclass(frozen=True)
class Rule:
    column: str
    valid: pl.Expr  # evaluated on the stripped text columns; null counts as invalid
    reason: str  # Swedish, says what was expected; the offending value is appended (never for PNR)
    echo: bool = True  # append the value to the reason (not when the value may be a personnummer)


@dataclass(frozen=True)
class Kind:
    folder: str  # landing sub-folder, e.g. "betyg"
    table: str  # raw table, e.g. "grades"
    required: tuple[str, ...]
    optional: tuple[str, ...]
    rules: tuple[Rule, ...]
    key: tuple[str, ...]  # business key after transform; later rows of a key are duplicates
    key_sv: str  # the key in words, for the duplicate message
    transform: Callable[[pl.DataFrame], pl.DataFrame]  # valid text rows → typed columns
    has_personnummer: bool = True
    description: str = ""
    extra_messages: list[str] = field(default_factory=list)

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


# Shared validation pieces ---------------------------------------------------------------------------


def matches(column: str, pattern: str) -> pl.Expr:
    """Digits in `pattern` as [0-9]: polars' \\d takes the digits of any script (full-width ones too)."""
    return pl.col(column).str.contains(pattern)


def one_of(column: str, values: list[str], *, case_insensitive: bool = True) -> pl.Expr:
    col = pl.col(column).str.to_uppercase() if case_insensitive else pl.col(column)
    allowed = [v.upper() for v in values] if case_insensitive else values
    return col.is_in(allowed)


def empty_or(column: str, expr: pl.Expr) -> pl.Expr:
    return pl.col(column).is_null() | expr


def school_year_valid(column: str = "lasar") -> pl.Expr:
    """'2023/24': the second year follows the first."""
    first = pl.col(column).str.slice(2, 2).cast(pl.Int32, strict=False)
    second = pl.col(column).str.slice(5, 2).cast(pl.Int32, strict=False)
    return matches(column, r"^[0-9]{4}/[0-9]{2}$") & (((first + 1) % 100) == second)


def iso_date_valid(column: str) -> pl.Expr:
    iso = matches(column, r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
    return pl.col(column).str.to_date("%Y-%m-%d", strict=False).is_not_null() & iso


SCHOOL_UNIT_RULE = Rule("skolenhetskod", matches("skolenhetskod", r"^[0-9]{8}$"), "skolenhetskod ska vara 8 siffror")
SCHOOL_YEAR_RULE = Rule("lasar", school_year_valid(), "läsår ska skrivas som 2023/24")


def empty_rows(kind: Kind) -> pl.DataFrame:
    """The typed, empty table of a kind: what the warehouse holds before any file has arrived."""
    text = {c: pl.Utf8 for c in (*kind.columns, "pupil_key", "pupil_gender")}
    typed = kind.transform(pl.DataFrame(schema={**text, LINE_COLUMN: pl.Int64}))
    return typed.drop(LINE_COLUMN).with_columns(
        pl.lit(None, dtype=pl.Utf8).alias("source_file"),
        pl.lit(None, dtype=pl.Int64).alias("source_line"),
        pl.lit(None, dtype=pl.Utf8).alias("source_file_hash"),
    )


# The reader -----------------------------------------------------------------------------------------


def _raw_text(columns: list[str]) -> pl.Expr:
    """The row as it was, for the quarantine, with the personnummer masked."""
    parts = [pl.lit(MASK) if c == PNR else pl.col(c).fill_null("") for c in columns]
    return pl.concat_str(parts, separator=";")


def _judge(frame: pl.DataFrame, rules: tuple[Rule, ...]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(valid rows, failing rows): the rows that break no rule, in the file's order, and those that break one,
    with `__column` (the first failing column) and `__reason` (all reasons joined). Each rule is evaluated once,
    into a flag; the reasons are written only for the failing rows (almost always few: building them for every
    row cost a third of reading a clean survey file)."""
    flags = [f"__bad{i}" for i in range(len(rules))]
    frame = frame.with_columns((~r.valid.fill_null(False)).alias(flag) for r, flag in zip(rules, flags, strict=True))
    failing = pl.any_horizontal(flags)
    texts = []
    for r in rules:
        if r.column == PNR:  # the validator's own reason, which never echoes the number
            texts.append(pl.concat_str([pl.lit("personnummer: "), pl.col("pnr_error")]))
        elif not r.echo:
            texts.append(pl.lit(r.reason))
        else:
            texts.append(pl.concat_str([pl.lit(f"{r.reason} (värde: '"), pl.col(r.column).fill_null(""), pl.lit("')")]))
    first_col = pl.lit(None, dtype=pl.Utf8)
    for r, flag in reversed(list(zip(rules, flags, strict=True))):
        first_col = pl.when(flag).then(pl.lit(r.column)).otherwise(first_col)
    reasons = pl.concat_str(
        [pl.when(flag).then(text) for flag, text in zip(flags, texts, strict=True)], separator="; ", ignore_nulls=True
    )
    bad = frame.filter(failing).with_columns(first_col.alias("__column"), reasons.alias("__reason")).drop(flags)
    return frame.filter(~failing).drop(flags), bad


def _quarantine(frame: pl.DataFrame, file_name: str, columns: list[str]) -> pl.DataFrame:
    return frame.select(
        pl.lit(file_name).alias("file"),
        pl.col(LINE_COLUMN).alias("line"),
        pl.col("__column").alias("column"),
        pl.col("__reason").alias("reason"),
        pl.when(pl.col("__column") != "rad").then(_raw_text(columns)).alias("raw"),
    ).cast(QUARANTINE_SCHEMA)


def personnummer_rules(columns: list[str]) -> tuple[Rule, ...]:
    """A personnummer outside its column (in klass, modersmal, respondent_id, a question text …) quarantines
    its row, with a reason naming the column, never the number."""
    return tuple(
        Rule(
            c,
            ~contains_personnummer_expr(pl.col(c)),
            f"kolumnen {c} innehåller något som liknar ett personnummer",
            echo=False,
        )
        for c in columns
        if c != PNR
    )


def _malformed(csv_malformed: pl.DataFrame) -> pl.DataFrame:
    """Lines that could not be split into the header's fields: their fields are misaligned and could hold a
    name from any column, so the line itself is not kept."""
    return csv_malformed.select(LINE_COLUMN, pl.lit("rad").alias("__column"), pl.col("reason").alias("__reason"))


def read_kind_file(
    path: Path,
    kind: Kind,
    key: bytes,
    *,
    other_kinds: list[Signature] = (),
    name: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    pseudonymise: Pseudonymise | None = None,
) -> LoadResult:
    """Read one landing file of `kind`. Raises LandingFileError (with the display name) when the file as a
    whole cannot be this kind's: unreadable, not a CSV, another kind's file, no contract column at all.
    `pseudonymise` replaces the personnummer column as `pseudonymise_column` does (the default): a loader
    passes its pass's memo of keys (sources/landing/pseudonyms.py), so each pupil is hashed once a pass."""
    name = name or display_name(path.name)
    if pseudonymise is None:

        def pseudonymise(frame: pl.DataFrame, column: str) -> pl.DataFrame:
            return pseudonymise_column(frame, column, key, reference_year=date.today().year)

    try:
        return _read_kind_file(path, kind, pseudonymise, other_kinds, name, max_bytes)
    except LandingFileError as exc:
        raise exc.named(name) from None


def _read_kind_file(path, kind: Kind, pseudonymise: Pseudonymise, other_kinds, name: str, max_bytes: int) -> LoadResult:
    csv = read_landing_csv(path, max_bytes)
    frame = csv.frame
    headers = set(frame.columns) - {LINE_COLUMN}
    elsewhere = belongs_elsewhere(headers, kind, list(other_kinds))
    if elsewhere:
        raise LandingFileError(wrong_folder_reason(elsewhere))
    if not headers & set(kind.required):
        raise LandingFileError(
            f"rubrikraden har ingen av kolumnerna som {kind.folder}/ kräver ({', '.join(kind.required)})"
        )
    present = [c for c in kind.columns if c in headers]
    frame = frame.select([LINE_COLUMN, *present]).with_columns(
        pl.col(c).str.strip_chars().replace("", None) for c in present
    )
    malformed = _malformed(csv.malformed)
    notes = [f"{name}: {n}" for n in csv.notes]
    missing = [c for c in kind.required if c not in headers]
    if missing:
        message = f"{name}: kolumn saknas: {', '.join(missing)}"
        quarantined = frame.with_columns(
            pl.lit(missing[0]).alias("__column"),
            pl.lit(f"kolumn saknas i filen: {', '.join(missing)}").alias("__reason"),
        )
        quarantined = pl.concat([quarantined, malformed], how="diagonal_relaxed").sort(LINE_COLUMN)
        return LoadResult(path, pl.DataFrame(), _quarantine(quarantined, name, present), messages=[*notes, message])
    frame = frame.with_columns(pl.lit(None, dtype=pl.Utf8).alias(c) for c in kind.optional if c not in headers)
    columns = list(kind.columns)

    rules = (*personnummer_rules(columns), *kind.rules)
    if kind.has_personnummer:
        frame = frame.with_columns(pl.col(PNR).alias("__pnr"))
        frame = pseudonymise(frame, "__pnr")
        rules = (Rule(PNR, pl.col("pnr_error").is_null(), ""), *rules)
    good, bad = _judge(frame, rules)

    typed = kind.transform(good).with_columns(
        pl.lit(name).alias("source_file"), pl.col(LINE_COLUMN).alias("source_line")
    )
    # Within one file a key must occur once: the first row wins, the rest are quarantined as duplicates.
    dup = typed.select(pl.struct(list(kind.key)).is_first_distinct().not_()).to_series()
    if dup.any():
        first_line = typed.group_by(list(kind.key)).agg(pl.col("source_line").min().alias("__first"))
        dups = typed.filter(dup).join(first_line, on=list(kind.key), nulls_equal=True)
        dup_rows = good.join(
            dups.select(pl.col("source_line").alias(LINE_COLUMN), "__first"), on=LINE_COLUMN
        ).with_columns(
            pl.lit("nyckel").alias("__column"),
            pl.format("dubblett: samma {} som rad {}", pl.lit(kind.key_sv), "__first").alias("__reason"),
        )
        bad = pl.concat([bad, dup_rows.drop("__first")], how="diagonal_relaxed")
        typed = typed.filter(~dup)

    bad = pl.concat([bad, malformed], how="diagonal_relaxed")
    quarantine = _quarantine(bad.sort(LINE_COLUMN), name, columns)
    rows_in = frame.height + malformed.height
    result = LoadResult(path, typed.drop(LINE_COLUMN, strict=False), quarantine, rows_in=rows_in, messages=notes)
    if quarantine.height:
        result.messages.append(f"{name}: {quarantine.height} av {rows_in} rader i karantän")
    return result
