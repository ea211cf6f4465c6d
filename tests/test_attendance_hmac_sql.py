"""The keyed hash in SQL (sources/personnummer.py `pseudonyms_sql`) gives every personnummer the same pupil key
and gender as `normalise` + `pseudonym` in Python, byte for byte, over many generated numbers in every
accepted form; it takes only the plain forms and leaves every other value (and every reason) to Python."""

from __future__ import annotations

import hashlib
import hmac
import random
import re
from datetime import date, timedelta

import duckdb
import polars as pl
import pytest

from sources.personnummer import (
    PLAIN_PNR,
    InvalidPersonnummer,
    gender_from_personnummer,
    hmac_key_blocks,
    luhn_check_digit,
    normalise,
    pseudonym,
    pseudonymise_column,
    pseudonyms_sql,
    statement_logging_is_off,
)
from tests.conftest import TEST_KEY

FORMS = ("12", "12-dash", "12-plus", "10", "10-dash", "10-plus")


def written(full: str, form: str) -> str:
    return {
        "12": full,
        "12-dash": f"{full[:8]}-{full[8:]}",
        "12-plus": f"{full[:8]}+{full[8:]}",
        "10": full[2:],
        "10-dash": f"{full[2:8]}-{full[8:]}",
        "10-plus": f"{full[2:8]}+{full[8:]}",
    }[form]


def numbers(seed: int = 1, n: int = 4000) -> list[str | None]:
    """Valid and invalid numbers in every form: random birth dates 1890–2030, samordningsnummer, Luhn errors,
    impossible dates (30 February, month 13, day 0, day 60, day 92), leap days, the century boundaries of
    the reference years below, and values that are not plain (blanks, other digits, letters, nothing)."""
    rng = random.Random(seed)
    out: list[str | None] = []
    births = [date(1890, 1, 1) + timedelta(days=rng.randrange(0, 141 * 366)) for _ in range(n)]
    births += [date(y, 2, 29) for y in (1904, 1996, 2000, 2004, 2024)]
    births += [date(y, m, 1) for y in (1925, 1926, 1927, 1999, 2000, 2001, 2025, 2026, 2027) for m in (1, 12)]
    for birth in births:
        serial = f"{rng.randrange(1000):03d}"
        day = birth.day + (60 if rng.random() < 0.1 else 0)  # samordningsnummer
        nine = f"{birth:%y%m}{day:02d}{serial}"
        check = luhn_check_digit(nine)
        if rng.random() < 0.1:
            check = (check + rng.randrange(1, 10)) % 10
        full = f"{birth.year // 100}{nine}{check}"
        out += [written(full, rng.choice(FORMS)), written(full, rng.choice(FORMS))]
    for yymmdd in ("230229", "000229", "190229", "241301", "240001", "240100", "240132", "240160", "240192", "240191"):
        for century in ("19", "20", "00"):
            nine = f"{yymmdd}123"
            full = f"{century}{nine}{luhn_check_digit(nine)}"
            out += [written(full, form) for form in FORMS]
    for _ in range(500):  # digits at random: mostly impossible dates or wrong check digits
        length = rng.choice((10, 12))
        digits = "".join(rng.choice("0123456789") for _ in range(length))
        sep = rng.choice(("", "-", "+"))
        out.append(f"{digits[:-4]}{sep}{digits[-4:]}")
    plain = written("201207186857", "12-dash")
    out += [
        f" {plain}",
        f"{plain} ",
        plain.replace("-", " "),
        f"\t{plain}",
        plain.translate(str.maketrans("0123456789", "０１２３４５６７８９")),  # full-width digits
        plain.replace("0", "O"),
        "2012071-86857",
        "20120718--6857",
        "201207186857" + "0",
        "12071868570",
        "",
        "   ",
        None,
    ]
    return out


def in_python(value: str | None, key: bytes, year: int) -> tuple[str, str] | None:
    try:
        if value is None or not value.strip():
            raise InvalidPersonnummer("personnummer saknas")
        full = normalise(value, year)
        return pseudonym(full, key), gender_from_personnummer(full)
    except (InvalidPersonnummer, UnicodeEncodeError):
        return None


def in_sql(values: list[str | None], key: bytes, year: int) -> dict[str, tuple[str, str]]:
    conn = duckdb.connect()
    assert statement_logging_is_off(conn)
    conn.register("v", pl.DataFrame({"pnr": values}, schema={"pnr": pl.Utf8}).unique().to_arrow())
    ipad, opad = hmac_key_blocks(key)
    rows = conn.execute(pseudonyms_sql("v", year), {"ipad": ipad, "opad": opad}).fetchall()
    assert len(rows) == len({pnr for pnr, _, _ in rows})
    return {pnr: (k, g) for pnr, k, g in rows}


KEYS = [TEST_KEY.encode(), b"", b"k" * 64, bytes(range(256)) * 2]  # short, empty, one block, longer than a block


@pytest.mark.parametrize("key", KEYS, ids=["test key", "empty", "64 bytes", "512 bytes"])
@pytest.mark.parametrize("year", [2026, 2000, 1999, 2100])
def test_sql_keys_are_python_keys_for_every_plain_number_and_absent_for_the_rest(key, year):
    values = numbers(seed=year)
    sql = in_sql(values, key, year)
    plain = re.compile(PLAIN_PNR)
    valid = set()
    for value in values:
        expected = in_python(value, key, year)
        if value is not None and plain.fullmatch(value) and value.isascii():
            assert sql.get(value) == expected, value  # None on both sides: rejected by both
            if expected is not None:
                valid.add(value)
        else:
            assert value not in sql, value  # left to Python
    assert len(valid) > 5000 and set(sql) == valid  # most generated numbers are valid


def test_the_key_blocks_are_hmac():
    for key in KEYS:
        ipad, opad = hmac_key_blocks(key)
        message = b"201207186857"
        inner = hashlib.sha256(ipad + message).digest()
        assert hashlib.sha256(opad + inner).hexdigest() == hmac.new(key, message, hashlib.sha256).hexdigest()


def ascii_numbers(seed: int, n: int) -> list[str | None]:
    """numbers() without full-width digits, which `pseudonym` cannot encode (pseudonymise_column raises)."""
    return [v for v in numbers(seed=seed, n=n) if v is None or v.isascii()]


def test_the_loaders_lookup_gives_pseudonymise_columns_answer():
    """The attendance loader's pseudonyms (SQL for the plain values, Python for the rest and for every reason)
    are pseudonymise_column's, reasons included."""
    from sources.landing.pseudonyms import Pseudonyms

    values = ascii_numbers(seed=7, n=1500)
    key = TEST_KEY.encode()
    conn = duckdb.connect()
    pseudonyms = Pseudonyms(key, 2026)
    got = pseudonyms.lookup(conn, values)
    assert pseudonyms.computed_in_sql > 2000
    frame = pl.DataFrame({"pnr": values}, schema={"pnr": pl.Utf8}).unique()
    expected = pseudonymise_column(frame.with_columns(pl.col("pnr").alias("p")), "p", key, reference_year=2026)
    columns = ["pnr", "pupil_key", "pupil_gender", "pnr_error"]
    in_order = [frame.select(columns).sort("pnr", nulls_last=True) for frame in (got, expected)]
    assert in_order[0].equals(in_order[1])


def test_no_key_block_reaches_duckdb_while_it_logs():
    """With DuckDB's logging on, the lookup computes every key in Python (the same keys)."""
    from sources.landing.pseudonyms import Pseudonyms

    values = ascii_numbers(seed=3, n=200)
    key = TEST_KEY.encode()
    quiet = Pseudonyms(key, 2026).lookup(duckdb.connect(), values)
    conn = duckdb.connect()
    conn.execute("set enable_logging = true")
    assert not statement_logging_is_off(conn)
    pseudonyms = Pseudonyms(key, 2026)
    logged = pseudonyms.lookup(conn, values)
    assert logged.sort("pnr", nulls_last=True).equals(quiet.sort("pnr", nulls_last=True))
    assert pseudonyms.computed_in_sql == 0


def test_neither_the_key_nor_its_blocks_are_written_by_a_load(tmp_path):
    """A folder loaded with the keys computed in DuckDB: the database file and its WAL hold neither the key
    nor the key blocks (raw or hex), and no personnummer."""
    from sources.landing.attendance import AttendanceLoader
    from sources.landing.folder import sync_folder
    from tests.conftest import make_pnr, write_landing_csv

    header = ["personnummer", "skolenhetskod", "datum", "lektion_start", "amne", "schemalagd_tid_min",
              "franvaro_min", "franvarotyp", "rapporterad"]  # fmt: skip
    pnrs = [make_pnr(date(2012, 1 + i % 12, 1 + i % 28), 500 + i, i % 2 == 0) for i in range(200)]
    rows = [[p, "11110001", "2024-09-02", "08:15", "MA", 60, 0, "", "ja"] for p in pnrs]
    write_landing_csv(tmp_path / "franvaro" / "a.csv", header, rows, encoding="utf-8")
    key = TEST_KEY.encode()
    db = tmp_path / "w.duckdb"
    conn = duckdb.connect(str(db))
    loader = AttendanceLoader(key)
    sync = sync_folder(conn, tmp_path / "franvaro", loader)
    assert sync.loaded[0][1].rows_loaded == 200 and loader._pseudonyms.computed_in_sql == 200
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("w.duckdb*"))  # with the WAL, before closing
    conn.close()
    stored += db.read_bytes()
    ipad, opad = hmac_key_blocks(key)
    for secret in (key, ipad, opad, ipad.hex().encode(), opad.hex().encode(), *(p.encode() for p in pnrs)):
        assert secret not in stored
