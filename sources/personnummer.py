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
_PNR = re.compile(r"^([0-9]{2})?([0-9]{6})([-+]?)([0-9]{4})$")  # ASCII digits: \d takes any script's


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


# The keyed hash in SQL -------------------------------------------------------------------------------------
# HMAC-SHA256(K, m) = SHA256((K ⊕ opad) ‖ SHA256((K ⊕ ipad) ‖ m)) (RFC 2104). With the two key blocks computed
# here, DuckDB's sha256 computes `pseudonym` for many personnummer at once, on every core. The blocks are as
# secret as the key: they reach DuckDB only as parameters of one statement (never in SQL text, a table, a log
# or a file), and only while DuckDB's logging is off. The SQL takes only values `normalise` leaves as they are
# (ASCII digits in one of the accepted forms, nothing around them); every other value, and the reason an
# invalid one is rejected, stays with `normalise` (tests/test_attendance_hmac_sql.py proves them identical).

PLAIN_PNR = "([0-9]{2})?[0-9]{6}[-+]?[0-9]{4}"  # ÅÅÅÅMMDD-NNNN, ÅÅMMDDNNNN, …: no blanks, ASCII digits only
PLAIN_YEARS = (1200, 9999)  # reference years for which the 10-digit forms' century has two digits
_HMAC_BLOCK = 64  # SHA-256's block size


def hmac_key_blocks(key: bytes) -> tuple[bytes, bytes]:
    """(K ⊕ ipad, K ⊕ opad) for HMAC-SHA256 with `key`: as secret as the key itself."""
    block = (hashlib.sha256(key).digest() if len(key) > _HMAC_BLOCK else key).ljust(_HMAC_BLOCK, b"\0")
    return bytes(b ^ 0x36 for b in block), bytes(b ^ 0x5C for b in block)


def _digit(sql: str, position: int) -> str:
    return f"(ascii(substr({sql}, {position}, 1)) - 48)"


def _luhn_sql(twelve: str) -> str:
    """luhn_check_digit over positions 3–11 of the 12-digit form, in SQL."""
    terms = []
    for i in range(9):
        d = _digit(twelve, 3 + i)
        terms.append(f"(case when {d} * 2 > 9 then {d} * 2 - 9 else {d} * 2 end)" if i % 2 == 0 else d)
    return f"((10 - ({' + '.join(terms)}) % 10) % 10)"


def pseudonyms_sql(values: str, reference_year: int) -> str:
    """A query over `values` (a relation with a varchar column `pnr`): pnr, pupil_key, pupil_gender for every
    value of the plain forms (PLAIN_PNR) that `normalise` accepts, as `pseudonym` and
    `gender_from_personnummer` give them; other values are left out. Parameters: $ipad, $opad
    (hmac_key_blocks)."""
    if not PLAIN_YEARS[0] <= reference_year <= PLAIN_YEARS[1]:
        raise ValueError(f"reference_year utanför {PLAIN_YEARS[0]}–{PLAIN_YEARS[1]}")
    ref = int(reference_year)
    base = ref // 100 * 100
    return f"""
        with plain as (
            select pnr, replace(replace(pnr, '-', ''), '+', '') as digits, contains(pnr, '+') as plus
            from {values}
            where regexp_full_match(pnr, '{PLAIN_PNR}')
        ),
        dated as (
            select pnr, digits, plus, {base} + digits[1:2]::integer as year
            from plain
        ),
        normalised as (
            select pnr,
                   case when length(digits) = 12 then digits
                        else ((year - case when year > {ref} then 100 else 0 end
                                    - case when plus then 100 else 0 end) // 100)::varchar || digits
                   end as twelve
            from dated
        ),
        valid as (
            select pnr, twelve
            from normalised
            where twelve[1:4]::integer >= 1
              and try(make_date(twelve[1:4]::integer, twelve[5:6]::integer, twelve[7:8]::integer
                                - case when twelve[7:8]::integer > 60 then 60 else 0 end)) is not null
              and {_luhn_sql("twelve")} = {_digit("twelve", 12)}
        )
        select pnr,
               left(sha256($opad::blob || unhex(sha256($ipad::blob || encode(twelve)))), 32) as pupil_key,
               case when {_digit("twelve", 11)} % 2 = 1 then 'M' else 'K' end as pupil_gender
        from valid
    """


def statement_logging_is_off(conn) -> bool:
    """DuckDB records nothing of a statement (no logging, no query log, no profiling on this connection): the
    only condition under which the key blocks are passed to it."""
    logging, query_log, profiling = conn.execute(
        "select current_setting('enable_logging'), current_setting('log_query_path'),"
        " current_setting('enable_profiling')"
    ).fetchall()[0]
    return str(logging).lower() in ("false", "0") and not query_log and profiling is None
