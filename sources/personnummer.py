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
