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

from sources.landing.csvfile import LINE_COLUMN, read_landing_csv
from sources.personnummer import pseudonymise_column
from sources.result import QUARANTINE_SCHEMA, LoadResult

PNR = "personnummer"
MASK = "<maskerat>"


@dataclass(frozen=True)
class Rule:
    column: str
    valid: pl.Expr  # evaluated on the stripped text columns; null counts as invalid
    reason: str  # Swedish, says what was expected; the offending value is appended (never for PNR)


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
    return matches(column, r"^\d{4}/\d{2}$") & (((first + 1) % 100) == second)


def iso_date_valid(column: str) -> pl.Expr:
    return pl.col(column).str.to_date("%Y-%m-%d", strict=False).is_not_null() & matches(column, r"^\d{4}-\d{2}-\d{2}$")


SCHOOL_UNIT_RULE = Rule("skolenhetskod", matches("skolenhetskod", r"^\d{8}$"), "skolenhetskod ska vara 8 siffror")
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


def _reasons(rules: tuple[Rule, ...]) -> tuple[pl.Expr, pl.Expr]:
    """(first failing column, all reasons joined) — both null for a valid row."""
    failed = []
    for r in rules:
        bad = ~r.valid.fill_null(False)
        if r.column == PNR:  # the validator's own reason, which never echoes the number
            text = pl.concat_str([pl.lit("personnummer: "), pl.col("pnr_error")])
        else:
            text = pl.concat_str([pl.lit(f"{r.reason} (värde: '"), pl.col(r.column).fill_null(""), pl.lit("')")])
        failed.append((r.column, bad, text))
    first_col = pl.lit(None, dtype=pl.Utf8)
    for column, bad, _ in reversed(failed):
        first_col = pl.when(bad).then(pl.lit(column)).otherwise(first_col)
    reasons = pl.concat_str([pl.when(bad).then(text) for _, bad, text in failed], separator="; ", ignore_nulls=True)
    return first_col, pl.when(reasons != "").then(reasons)


def _quarantine(frame: pl.DataFrame, file_name: str, columns: list[str]) -> pl.DataFrame:
    return frame.select(
        pl.lit(file_name).alias("file"),
        pl.col(LINE_COLUMN).alias("line"),
        pl.col("__column").alias("column"),
        pl.col("__reason").alias("reason"),
        _raw_text(columns).alias("raw"),
    ).cast(QUARANTINE_SCHEMA)


def guess_kind(headers: set[str], kinds: list[Kind]) -> Kind | None:
    """The kind whose required columns the headers hold, for 'wrong folder' messages."""
    for kind in kinds:
        if set(kind.required) <= headers:
            return kind
    return None


def read_kind_file(path: Path, kind: Kind, key: bytes, *, other_kinds: list[Kind] = ()) -> LoadResult:
    """Read one landing file of `kind`. Raises LandingFileError only when nothing at all can be read."""
    csv = read_landing_csv(path)
    frame = csv.frame
    headers = set(frame.columns) - {LINE_COLUMN}
    present = [c for c in kind.columns if c in headers]
    frame = frame.select([LINE_COLUMN, *present]).with_columns(
        pl.col(c).str.strip_chars().replace("", None) for c in present
    )
    missing = [c for c in kind.required if c not in headers]
    if missing:
        elsewhere = guess_kind(headers, [k for k in other_kinds if k.folder != kind.folder])
        hint = f"; filen ser ut att höra till mappen {elsewhere.folder}/" if elsewhere else ""
        message = f"{path.name}: kolumn saknas: {', '.join(missing)}{hint}"
        quarantined = frame.with_columns(
            pl.lit(missing[0]).alias("__column"),
            pl.lit(f"kolumn saknas i filen: {', '.join(missing)}{hint}").alias("__reason"),
        )
        return LoadResult(path, pl.DataFrame(), _quarantine(quarantined, path.name, present), messages=[message])
    frame = frame.with_columns(pl.lit(None, dtype=pl.Utf8).alias(c) for c in kind.optional if c not in headers)
    columns = list(kind.columns)

    rules = kind.rules
    if kind.has_personnummer:
        frame = frame.with_columns(pl.col(PNR).alias("__pnr"))
        frame = pseudonymise_column(frame, "__pnr", key, reference_year=date.today().year)
        rules = (Rule(PNR, pl.col("pnr_error").is_null(), ""), *rules)
    first_col, reasons = _reasons(rules)
    frame = frame.with_columns(first_col.alias("__column"), reasons.alias("__reason"))
    bad = frame.filter(pl.col("__reason").is_not_null())
    good = frame.filter(pl.col("__reason").is_null())

    typed = kind.transform(good).with_columns(
        pl.lit(path.name).alias("source_file"), pl.col(LINE_COLUMN).alias("source_line")
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

    quarantine = _quarantine(bad.sort(LINE_COLUMN), path.name, columns)
    result = LoadResult(path, typed.drop(LINE_COLUMN, strict=False), quarantine, rows_in=frame.height)
    if quarantine.height:
        result.messages.append(f"{path.name}: {quarantine.height} av {frame.height} rader i karantän")
    return result
