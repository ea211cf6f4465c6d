"""Special codes of Swedish official statistics. Each becomes a NULL value with the code kept as status."""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

SPECIAL_CODES: dict[str, str] = {
    ".": "uppgift saknas",
    "..": "färre än 10 elever (sekretess)",
    "~100": "1–4 elever saknar uppgiften (avrundat)",
    "*": "lärare utan legitimation exkluderade",
    "-": "ej redovisat",
}

# Skolinspektionen's Skolenkäten reuses '-' and '*' with other meanings (its sheet "Förklaring"):
# the same code must be read with this table, never with SPECIAL_CODES.
SURVEY_CODES: dict[str, str] = {
    "-": "ej redovisat: redovisningsprinciperna ej uppfyllda (färre än 5 svarande)",
    "*": "maskerat svarsalternativ: 1–9 svarande",
    "**": "maskerat svarsalternativ: 10–19 svarande",
    "***": "maskerat svarsalternativ: 20 eller fler svarande",
    ".": "inga svar har inkommit",
}


def parse_swedish_number(col: pl.Expr, codes: Iterable[str] = SPECIAL_CODES) -> tuple[pl.Expr, pl.Expr]:
    """(value, status) expressions for a text column like '264,0', '1 234,5', '..' or ''.

    status is '' for a number, the code itself for a special code, '.' for an empty cell, and 'ogiltigt'
    for text that is neither (the caller decides whether that quarantines the row). `codes` are the
    special codes the source may use (default: Skolverket's).
    """
    txt = col.cast(pl.Utf8).str.strip_chars()
    cleaned = txt.str.replace_all(r"[\s\u00a0]", "").str.replace(",", ".", literal=True)
    parsed = cleaned.cast(pl.Float64, strict=False)
    # 'NaN' and 'inf' cast to floats but are no published value: treat them as invalid text.
    number = pl.when(parsed.is_finite()).then(parsed)
    status = (
        pl.when(number.is_not_null())
        .then(pl.lit(""))
        .when(txt.is_null() | (txt == ""))
        .then(pl.lit("."))
        .when(txt.is_in(list(codes)))
        .then(txt)
        .otherwise(pl.lit("ogiltigt"))
    )
    return number, status


def quarantine_where(
    frame: pl.DataFrame, file: str, rules: list[tuple[str, pl.Expr, str]], line: str = "__line"
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split `frame` into (valid rows, quarantine) by rules (column, is_bad expression, reason).

    The first rule that fires names the column and the reason; a rule that evaluates to NULL fires.
    `line` is the frame's 1-based row number in the source; `raw` is the frame's `__raw` column when it has
    one (the source row as the caller saw it), else the row's other columns as JSON, so a tabular source
    (parquet, JSON) quarantines like a CSV.
    """
    column: pl.Expr = pl.lit(None, pl.Utf8)
    reason: pl.Expr = pl.lit(None, pl.Utf8)
    for name, is_bad, why in reversed(rules):
        bad = is_bad.fill_null(True)
        column = pl.when(bad).then(pl.lit(name)).otherwise(column)
        reason = pl.when(bad).then(pl.lit(why)).otherwise(reason)
    checked = frame.with_columns(column.alias("__column"), reason.alias("__reason"))
    if "__raw" in frame.columns:
        raw = pl.col("__raw")
    else:
        raw = pl.struct([c for c in frame.columns if not c.startswith("__")]).struct.json_encode()
    quarantine = checked.filter(pl.col("__reason").is_not_null()).select(
        pl.lit(file).alias("file"),
        pl.col(line).cast(pl.Int64).alias("line"),
        pl.col("__column").alias("column"),
        pl.col("__reason").alias("reason"),
        raw.alias("raw"),
    )
    valid = checked.filter(pl.col("__reason").is_null()).drop("__column", "__reason", "__raw", strict=False)
    return valid, quarantine
