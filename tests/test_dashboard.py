"""The dashboard page on a small serving snapshot: Swedish, suppressed cells shown as '..', never 0."""

from __future__ import annotations

import duckdb
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.conftest import REPO

ROWS = [
    # indicator, level, unit, name, year, gender, value, n, status
    ("N15505", "kommun", "1261", "Kävlinge", 2023, "T", 228.4, 310, ""),
    ("N15505", "kommun", "1261", "Kävlinge", 2024, "T", 231.9, 305, ""),
    ("N15505", "skolenhet", "11110001", "Skolenhet 11110001", 2024, "T", 240.25, 40, ""),
    ("N15505", "skolenhet", "22220002", "Skolenhet 22220002", 2024, "T", None, None, ".."),
    ("N15419", "kommun", "1261", "Kävlinge", 2024, "T", 0.0, 305, ""),
]


@pytest.fixture
def snapshot(tmp_path, monkeypatch):
    con = duckdb.connect(str(tmp_path / "serving.duckdb"))
    con.execute(
        "create table indicators as select * from (values "
        "('N15505', 'Meritvärde åk 9, genomsnitt (17 ämnen)', 'poäng', true, 'Beskrivning', 'kolada', 10),"
        "('N15419', 'Uppnått betygskriterierna i alla ämnen åk 9, andel (%)', 'procent', true, 'B', 'kolada', 20))"
        " as t(indicator_id, title_sv, unit, higher_is_better, description, source, sort_order)"
    )
    con.execute(
        "create table indicator_values (indicator_id varchar, level varchar, unit_code varchar, unit_name varchar,"
        " year integer, school_year varchar, gender varchar, value double, n integer, status varchar,"
        " source varchar, min_n integer)"
    )
    for r in ROWS:
        con.execute(
            "insert into indicator_values values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'local', 10)",
            [*r[:5], f"{r[4] - 1}/{r[4] % 100:02d}", *r[5:]],
        )
    con.execute("create table snapshot_info as select '2026-11-23T02:00:00+00:00' as published_at")
    con.close()
    monkeypatch.setenv("SKOLANALYS_DATA_DIR", str(tmp_path))
    st.cache_data.clear()
    yield tmp_path
    st.cache_data.clear()


def _app() -> AppTest:
    return AppTest.from_file(str(REPO / "dashboards" / "app.py"), default_timeout=60).run()


def test_page_shows_the_municipality_and_marks_suppressed_cells(snapshot):
    at = _app()
    assert not at.exception
    assert at.title[0].value == "Resultat i årskurs 9"
    metrics = {m.label: (m.value, m.delta) for m in at.metric}
    assert metrics["Meritvärde åk 9"] == ("231,9", "+3,5")
    # A true 0 % is shown as 0,0 %, a suppressed value as '..' — the two are never confused.
    assert metrics["Uppnått betygskriterierna i alla ämnen åk 9"][0] == "0,0 %"
    table = at.dataframe[0].value
    assert table.loc["Skolenhet 22220002 (22220002)", "2024"] == ".."
    assert table.loc["Skolenhet 11110001 (11110001)", "2024"] == "240,2"
    assert any("färre än 10 elever" in c.value for c in at.caption)


def test_page_without_a_snapshot_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("SKOLANALYS_DATA_DIR", str(tmp_path))
    st.cache_data.clear()
    at = _app()
    assert not at.exception
    assert "skolanalys run" in at.warning[0].value
