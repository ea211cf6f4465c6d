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
        "('N15505', 'Meritvärde åk 9, genomsnitt (17 ämnen)', 'poäng', true, 'Beskrivning', 'kolada', 10, 'betyg_ak9'),"
        "('N15419', 'Uppnått betygskriterierna i alla ämnen åk 9, andel (%)', 'procent', true, 'B', 'kolada', 20,"
        " 'betyg_ak9'), ('SKA_FRV_TOTAL', 'Frånvaro', 'procent', false, 'F', 'local', 100, 'franvaro'))"
        " as t(indicator_id, title_sv, unit, higher_is_better, description, source, sort_order, topic)"
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
    assert len(metrics) == 2  # the year-9 results only: other topics have their own pages
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


@pytest.fixture
def comparison_snapshot(snapshot):
    con = duckdb.connect(str(snapshot / "serving.duckdb"))
    con.execute(
        "create table benchmarking as select * from (values "
        "('N15505', 'Meritvärde åk 9', 'poäng', 'Betyg åk 9', 1, true, '1261', 2023, 'T', 230.1, '', 222.3, '',"
        " 228.0, 7, 41, 290, 1, null, false, 'Källa: Kolada (RKA)'),"
        "('N15505', 'Meritvärde åk 9', 'poäng', 'Betyg åk 9', 1, true, '1261', 2024, 'T', 226.6, '', 223.9, '',"
        " 229.5, 7, 180, 290, 3, -3.5, false, 'Källa: Kolada (RKA)')) as t(kpi_id, kpi_title, unit, kpi_group,"
        " kpi_position, higher_is_better, municipality_code, year, gender, value, status, riket_value, riket_status,"
        " similar_mean, similar_with_value, rank, ranked_municipalities, quartile, change_from_previous_year,"
        " was_revised, attribution)"
    )
    con.execute(
        "create table data_freshness as select 'kolada' as source, timestamp '2024-12-12' as data_as_of, "
        "711 as data_age_days, timestamp '2026-11-23' as last_successful_fetch, timestamp '2026-11-23' as "
        "last_attempt, false as last_attempt_ok, 'offline' as last_attempt_message"
    )
    con.execute(
        "create table reconciliation as select 'N15505' as indicator_id, 'kommun' as level, '1261' as unit_code,"
        " 'Kävlinge' as unit_name, 2024 as year, 'T' as gender, 227.0 as local_value, 301 as local_n,"
        " '' as local_status, 'kolada' as official_source, 226.6 as official_value, '' as official_status,"
        " 0.4 as difference"
    )
    con.close()
    st.cache_data.clear()
    return snapshot


def test_comparison_page_shows_rank_quartile_peers_and_the_age_of_the_data(comparison_snapshot):
    at = AppTest.from_file(str(REPO / "dashboards" / "app_pages" / "jamforelser.py"), default_timeout=60).run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Kommunen 2024"] == "226,6"
    assert metrics["Riket"] == "223,9" and metrics["Liknande kommuner, medel"] == "229,5"
    assert metrics["Rang"] == "180 av 290"
    assert any("Kvartil 3" in m.value for m in at.markdown)
    assert "711 dagar" in at.warning[0].value  # the last fetch failed: say how old the figures are
    assert any("Källa: Kolada (RKA)" in c.value for c in at.caption)
    table = at.dataframe[0].value
    assert list(table["Rang"]) == ["41 av 290", "180 av 290"]


@pytest.mark.parametrize("page", ["franvaro.py", "enkater.py", "nationella_prov.py"])
def test_topic_pages_render_and_say_when_they_have_nothing_yet(snapshot, page):
    at = AppTest.from_file(str(REPO / "dashboards" / "app_pages" / page), default_timeout=60).run()
    assert not at.exception
    assert at.title
    assert "inga beräknade värden" in at.info[0].value
