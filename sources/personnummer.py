"""Personnummer: validation, normalisation and pseudonymisation at the door.

A personnummer never goes further than this module: readers call `pseudonymise_column`, which turns the
column into a keyed hash (HMAC-SHA256 with SKOLANALYS_PSEUDONYM_KEY) and reports invalid values by reason
only. Error messages never echo the number itself.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date

import polars as pl

# 12 digits (YYYYMMDDNNNC) or 10 digits (YYMMDDNNNC), optionally with '-' or '+' before the last four.
_PNR = re.compile(r"^(\d{2})?(\d{6})([-+]?)(\d{4})$")


class InvalidPersonnummer(ValueError):
    """Raised with a reason that never contains the number."""


def luhn_check_digit(nine_digits: str) -> int:
    """The Luhn check digit over YYMMDDNNN, as Skatteverket computes it."""
    total = 0
    for i, ch in enumerate(nine_digits):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return (10 - total % 10) % 10


def normalise(value: str, reference_year: int | None = None) -> str:
    """Return the 12-digit form YYYYMMDDNNNC or raise InvalidPersonnummer (reason only).

    A 10-digit form gets its century from the separator: '-' (or none) means under 100 years old at
    `reference_year`, '+' means 100 or older, as the Swedish population register defines it.
    """
    s = value.strip().replace(" ", "")
    m = _PNR.match(s)
    if not m:
        raise InvalidPersonnummer("ogiltigt format (förväntat ÅÅÅÅMMDD-NNNN eller ÅÅMMDD-NNNN)")
    century, yymmdd, sep, last4 = m.groups()
    if century is None:
        ref = reference_year or date.today().year
        yy = int(yymmdd[:2])
        year = (ref // 100) * 100 + yy
        if year > ref:
            year -= 100
        if sep == "+":
            year -= 100
        century = str(year // 100)
    full = f"{century}{yymmdd}{last4}"
    year, month, day = int(full[:4]), int(full[4:6]), int(full[6:8])
    if day > 60:  # samordningsnummer: day + 60
        day -= 60
    try:
        date(year, month, day)
    except ValueError as exc:
        raise InvalidPersonnummer("ogiltigt datum i personnumret") from exc
    if luhn_check_digit(full[2:11]) != int(full[11]):
        raise InvalidPersonnummer("felaktig kontrollsiffra (Luhn)")
    return full


def gender_from_personnummer(full12: str) -> str:
    """'K' (even second-to-last digit) or 'M' (odd)."""
    return "M" if int(full12[10]) % 2 else "K"


def pseudonym(full12: str, key: bytes) -> str:
    """Keyed hash of the normalised 12-digit form: the same pupil gets the same key in every file."""
    return hmac.new(key, full12.encode("ascii"), hashlib.sha256).hexdigest()[:32]


def pseudonymise_column(
    df: pl.DataFrame, column: str, key: bytes, *, reference_year: int | None = None
) -> pl.DataFrame:
    """Replace `column` by `pupil_key`, and add `pupil_gender` and `pnr_error` (None when valid).

    Hashes each distinct value once, so a file of millions of rows costs one HMAC per pupil.
    """
    distinct = df.select(pl.col(column).unique()).to_series().to_list()
    keys, genders, errors = [], [], []
    for raw in distinct:
        try:
            if raw is None or not str(raw).strip():
                raise InvalidPersonnummer("personnummer saknas")
            full = normalise(str(raw), reference_year)
        except InvalidPersonnummer as exc:
            keys.append(None)
            genders.append(None)
            errors.append(str(exc))
            continue
        keys.append(pseudonym(full, key))
        genders.append(gender_from_personnummer(full))
        errors.append(None)
    lookup = pl.DataFrame(
        {column: distinct, "pupil_key": keys, "pupil_gender": genders, "pnr_error": errors},
        schema={
            column: df.schema[column],
            "pupil_key": pl.Utf8,
            "pupil_gender": pl.Utf8,
            "pnr_error": pl.Utf8,
        },
    )
    return df.join(lookup, on=column, how="left", nulls_equal=True).drop(column)


# Anything shaped like a personnummer or samordningsnummer, valid or not: 10 or 12 digits, optionally '-' or
# '+' before the last four, not part of a longer run of digits (an 8-digit skolenhetskod or an ISO date does
# not match). One pattern for Python (re), polars (Rust regex) and DuckDB (RE2): none of the three engines
# share look-around, so the boundaries are capture groups 1 and 3 and masking keeps them.
PNR_LIKE = r"(^|[^0-9])((?:[0-9]{2})?[0-9]{6}[-+]?[0-9]{4})([^0-9]|$)"
MASK = "<maskerat>"
_PNR_LIKE = re.compile(PNR_LIKE)


def contains_personnummer(text: str | None) -> bool:
    return bool(text) and _PNR_LIKE.search(text) is not None


def mask_personnummer(text: str | None) -> str | None:
    """`text` with everything shaped like a personnummer replaced by MASK. Two passes: a match consumes the
    character after it, which may be the boundary before the next number ('<nr>,<nr>')."""
    if not text:
        return text
    for _ in range(2):
        text = _PNR_LIKE.sub(lambda m: f"{m[1]}{MASK}{m[3]}", text)
    return text


def mask_personnummer_expr(expr: pl.Expr) -> pl.Expr:
    """mask_personnummer for a polars text expression."""
    for _ in range(2):
        expr = expr.str.replace_all(PNR_LIKE, f"${{1}}{MASK}${{3}}")
    return expr


def contains_personnummer_expr(expr: pl.Expr) -> pl.Expr:
    return expr.str.contains(PNR_LIKE).fill_null(False)


def mask_personnummer_sql(sql: str) -> str:
    """mask_personnummer for a DuckDB text expression."""
    for _ in range(2):
        sql = f"regexp_replace({sql}, '{PNR_LIKE}', '\\1{MASK}\\3', 'g')"
    return sql


def contains_personnummer_sql(sql: str) -> str:
    return f"coalesce(regexp_matches({sql}, '{PNR_LIKE}'), false)"
