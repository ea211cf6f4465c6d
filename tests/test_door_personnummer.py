"""The one pattern for anything shaped like a personnummer: what it must catch, what it must leave alone,
and that Python, polars and DuckDB apply it alike."""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl
import pytest

from sources.landing.door import display_name
from sources.personnummer import (
    contains_personnummer,
    contains_personnummer_expr,
    contains_personnummer_sql,
    mask_personnummer,
    mask_personnummer_expr,
    mask_personnummer_sql,
)
from tests.conftest import make_pnr

P = make_pnr(date(2009, 3, 15), 7, True)


def cases() -> list[tuple[str, str]]:
    """(text, as masked)."""
    twelve, ten = P.replace("-", ""), P[2:]
    coordination = P[:6] + str(int(P[6:8]) + 60) + P[8:]  # samordningsnummer: day + 60
    return [
        (P, "<maskerat>"),
        (twelve, "<maskerat>"),
        (ten, "<maskerat>"),
        (ten.replace("-", ""), "<maskerat>"),
        (ten.replace("-", "+"), "<maskerat>"),
        (coordination, "<maskerat>"),
        (P[:-1] + str((int(P[-1]) + 1) % 10), "<maskerat>"),  # not Luhn-valid: still masked
        (f"klass 7A {P}", "klass 7A <maskerat>"),
        (f"{P},{ten}", "<maskerat>,<maskerat>"),
        (f"elever_{twelve}.csv", "elever_<maskerat>.csv"),
        ("12345678", "12345678"),  # skolenhetskod
        ("2024-03-15", "2024-03-15"),  # ISO date
        ("2023/24", "2023/24"),
        ("1" + twelve, "1" + twelve),  # part of a longer run of digits
        (twelve + "0", twelve + "0"),
        ("08:15", "08:15"),
    ]


@pytest.mark.parametrize("text, expected", cases())
def test_python_polars_and_duckdb_mask_alike(text, expected):
    assert mask_personnummer(text) == expected
    assert contains_personnummer(text) == (expected != text)
    frame = pl.DataFrame({"t": [text]})
    got = frame.select(mask_personnummer_expr(pl.col("t")).alias("m"), contains_personnummer_expr(pl.col("t")))
    assert got.row(0) == (expected, expected != text)
    sql = duckdb.execute(f"select {mask_personnummer_sql('?')}, {contains_personnummer_sql('?')}", [text, text])
    assert sql.fetchall() == [(expected, expected != text)]


def test_display_names_mask_file_names():
    assert display_name(f"{P}.csv") == "<maskerat>.csv"
    assert display_name("betyg_vt24.csv") == "betyg_vt24.csv"
