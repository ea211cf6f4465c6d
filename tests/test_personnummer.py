"""Personnummer at the door: the forms the contract allows, Luhn, dates, samordningsnummer, and that no
error message repeats the number."""

from __future__ import annotations

import polars as pl
import pytest

from sources.personnummer import (
    InvalidPersonnummer,
    gender_from_personnummer,
    luhn_check_digit,
    normalise,
    pseudonymise_column,
)

# Skatteverket's own example: 811218-9876 (check digit 6).
VALID_FORMS = ["811218-9876", "8112189876", "19811218-9876", "198112189876", " 19811218-9876 "]


def test_luhn_check_digit_matches_skatteverkets_example():
    assert luhn_check_digit("811218987") == 6


@pytest.mark.parametrize("form", VALID_FORMS)
def test_every_allowed_form_normalises_to_the_same_twelve_digits(form):
    assert normalise(form, 2026) == "198112189876"


def test_ten_digit_century_follows_the_reference_year_and_plus_sign():
    assert normalise("090315-1231", 2026).startswith("2009")  # 17 years old in 2026
    assert normalise("250315-1231", 2026).startswith("2025")
    assert normalise("250315+1231", 2026).startswith("1925")


def test_samordningsnummer_day_plus_sixty_is_valid():
    nine = "090375123"  # 15 March + 60
    assert normalise(f"20{nine}{luhn_check_digit(nine)}", 2026) == f"20{nine}{luhn_check_digit(nine)}"


@pytest.mark.parametrize(
    "bad, reason",
    [
        ("19811218-9875", "Luhn"),
        ("19811318-9876", "datum"),
        ("19811218", "format"),
        ("abc", "format"),
        ("19810230-1234", "datum"),
        # Digits of another script (full-width, as pasted from a PDF): the format, never a crash in the hash.
        ("\uff11\uff19\uff18\uff11\uff11\uff12\uff11\uff18-\uff19\uff18\uff17\uff16", "format"),
        ("\u0661\u0669\u0668\u0661\u0661\u0662\u0661\u0668\u0669\u0668\u0667\u0666", "format"),
    ],
)
def test_invalid_numbers_give_a_reason_without_the_number(bad, reason):
    with pytest.raises(InvalidPersonnummer) as exc:
        normalise(bad, 2026)
    assert reason in str(exc.value)
    assert bad.strip()[:6] not in str(exc.value)


def test_gender_digit():
    assert gender_from_personnummer("198112189876") == "M"  # 7 is odd
    nine = "090315124"
    assert gender_from_personnummer(f"20{nine}{luhn_check_digit(nine)}") == "K"


def test_pseudonymise_gives_one_key_per_pupil_across_forms_and_drops_the_column():
    df = pl.DataFrame({"pnr": VALID_FORMS + ["19811218-9875", None]})
    out = pseudonymise_column(df, "pnr", b"nyckel", reference_year=2026)
    assert "pnr" not in out.columns
    keys = out["pupil_key"].to_list()
    assert len(set(keys[:5])) == 1 and keys[0] is not None
    assert keys[5] is None and keys[6] is None
    assert out["pnr_error"][5].startswith("felaktig kontrollsiffra")
    assert out["pnr_error"][6] == "personnummer saknas"
    # Another key gives other pseudonyms: the hash is keyed, not a plain digest anyone can recompute.
    other = pseudonymise_column(df, "pnr", b"annan", reference_year=2026)
    assert other["pupil_key"][0] != keys[0]
    assert "8112189876" not in keys[0]
