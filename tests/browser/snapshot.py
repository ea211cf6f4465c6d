"""A small hand-built serving snapshot for the browser tests: the municipality, riket and three school units
(one with a suppressed cell), on every page's tables."""

from __future__ import annotations

from pathlib import Path

import duckdb

from tests.browser.snapshot_goals import add_goals
from tests.browser.snapshot_topics import add_topic_tables
from tests.browser.snapshot_value_added import add_value_added_and_equity

KOMMUN = ("1261", "Kävlinge")
SCHOOLS = {
    "11110001": "Ekbackeskolan",
    "22220002": "Furulundsskolan",
    "33330003": "Korsbackaskolan",  # few pupils: suppressed
}
INDICATORS = [
    # id, title, unit, higher_is_better, topic, sort
    ("N15505", "Meritvärde åk 9, genomsnitt (17 ämnen)", "poäng", True, "betyg_ak9", 10),
    ("N15419", "Uppnått betygskriterierna i alla ämnen åk 9, andel (%)", "procent", True, "betyg_ak9", 20),
    ("SKA_NP9_MA", "Nationellt prov åk 9 matematik, andel med lägst E (%)", "procent", True, "nationella_prov", 30),
    ("SKA_FRV_TOTAL", "Frånvaro, andel av schemalagd tid (%)", "procent", False, "franvaro", 40),
    ("SKA_ENK_TRYGG", "Trygghet, elevenkät åk 8, index 0–10", "index", True, "enkater", 50),
]
BASE = {"N15505": 228.4, "N15419": 78.6, "SKA_NP9_MA": 84.2, "SKA_FRV_TOTAL": 7.35, "SKA_ENK_TRYGG": 7.85}


def _values() -> list[tuple]:
    rows = []
    for indicator, *_ in INDICATORS:
        base = BASE[indicator]
        for year, step in ((2023, 0.0), (2024, 1.25)):
            school_year = f"{year - 1}/{year % 100:02d}"
            for gender, offset in (("T", 0.0), ("K", 0.75), ("M", -0.75)):
                rows.append((indicator, "kommun", *KOMMUN, year, school_year, gender, base + step + offset, 305, ""))
            rows.append((indicator, "riket", "0", "Riket", year, school_year, "T", base - 2.15, 100000, ""))
            for i, (code, name) in enumerate(SCHOOLS.items()):
                suppressed = code == "33330003"
                value = None if suppressed else base + step + 3.45 * (1 - i)
                rows.append(
                    (
                        indicator,
                        "skolenhet",
                        code,
                        name,
                        year,
                        school_year,
                        "T",
                        value,
                        None if suppressed else 60,
                        ".." if suppressed else "",
                    )
                )
    return rows


def add_indicator_values(con: duckdb.DuckDBPyConnection, rows: list[tuple]) -> None:
    """indicator_values with `rows` of (indicator, level, unit code, unit name, year, school_year, gender, value,
    n, status), all computed locally with min_n 10."""
    con.execute(
        "create table indicator_values (indicator_id varchar, level varchar, unit_code varchar, unit_name varchar,"
        " year integer, school_year varchar, gender varchar, value double, n integer, status varchar,"
        " source varchar, min_n integer)"
    )
    con.executemany("insert into indicator_values values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'local', 10)", rows)


def add_benchmarking(con: duckdb.DuckDBPyConnection) -> None:
    """benchmarking (Jämförelser): the kommun's meritvärde 2023 and 2024 beside riket and similar kommuner,
    with its rank and quartile."""
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


def build_snapshot(data_dir: Path) -> Path:
    path = data_dir / "serving.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "create table indicators (indicator_id varchar, title_sv varchar, unit varchar, higher_is_better boolean,"
        " description varchar, source varchar, sort_order integer, topic varchar)"
    )
    for ind, title, unit, better, topic, sort in INDICATORS:
        con.execute(
            "insert into indicators values (?, ?, ?, ?, ?, 'local', ?, ?)",
            [ind, title, unit, better, f"Så räknas {title.lower()}.", sort, topic],
        )
    add_indicator_values(con, _values())
    add_benchmarking(con)
    con.execute(
        "create table data_freshness as select 'kolada' as source, timestamp '2024-12-12' as data_as_of, "
        "711 as data_age_days, timestamp '2026-11-23 01:30' as last_successful_fetch, "
        "true as last_attempt_ok, 'ok' as last_attempt_message"
    )
    con.execute(
        "create table reconciliation as select * from (values"
        " ('N15505', 'kommun', '1261', 'Kävlinge', 2024, 'T', 227.0, 301, '', 'kolada', 226.6, '', 0.4),"
        " ('N15505', 'skolenhet', '22220002', 'Furulundsskolan', 2024, 'T', 231.2, 60, '', 'siris', 231.0, '', 0.2))"
        " as t(indicator_id, level, unit_code, unit_name, year, gender, local_value, local_n, local_status,"
        " official_source, official_value, official_status, difference)"
    )
    con.execute(
        "create table data_quality_files as select * from (values"
        " ('betyg', 'betyg_vt24.csv', 'partly_quarantined', 'inläst, rader i karantän', null, 1204, 1200, 1198, 2,"
        "  timestamp '2026-11-23 01:00'),"
        " ('elever', 'elever_utf16.csv', 'rejected', 'avvisad', 'filen är UTF-16-kodad; spara den som UTF-8', 800,"
        "  null, null, null, null))"
        " as t(folder, file_name, outcome, outcome_sv, reason, size_bytes, rows_in, rows_loaded, rows_quarantined,"
        " loaded_at)"
    )
    con.execute(
        "create table data_quality_quarantine as select * from (values"
        " ('betyg', 'betyg_vt24.csv', 'betyg', 'betyg ska vara A–F eller -', 2, 17, 940))"
        " as t(folder, file_name, column_name, reason, rows_quarantined, first_line, last_line)"
    )
    con.execute(
        "create table snapshot_info as select '2026-11-23T02:00:00+00:00' as published_at, '1261' as kommunkod,"
        " 'browser-test' as run_id"
    )
    add_value_added_and_equity(con)  # Förädlingsvärde and Likvärdighet
    add_goals(con)  # Översikt: the board's goals
    add_topic_tables(con)  # Resultat, Nationella prov, Frånvaro, Enkäter: term grades, periods, surveys
    con.close()
    return path
