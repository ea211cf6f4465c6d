"""Special codes of Swedish official statistics. Each becomes a NULL value with the code kept as status."""

from __future__ import annotations

import polars as pl

SPECIAL_CODES: dict[str, str] = {
    ".": "uppgift saknas",
    "..": "färre än 10 elever (sekretess)",
    "~100": "1–4 elever saknar uppgiften (avrundat)",
    "*": "lärare utan legitimation exkluderade",
    "-": "ej redovisat",
}


def parse_swedish_number(col: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """(value, status) expressions for a text column like '264,0', '1 234,5', '..' or ''.

    status is '' for a number, the code itself for a special code, '.' for an empty cell, and 'ogiltigt'
    for text that is neither (the caller decides whether that quarantines the row).
    """
    txt = col.cast(pl.Utf8).str.strip_chars()
    cleaned = txt.str.replace_all(r"[\s\u00a0]", "").str.replace(",", ".", literal=True)
    number = cleaned.cast(pl.Float64, strict=False)
    status = (
        pl.when(number.is_not_null())
        .then(pl.lit(""))
        .when(txt.is_null() | (txt == ""))
        .then(pl.lit("."))
        .when(txt.is_in(list(SPECIAL_CODES)))
        .then(txt)
        .otherwise(pl.lit("ogiltigt"))
    )
    return number, status
