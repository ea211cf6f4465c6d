"""A small hand-built serving snapshot for the browser tests: the municipality, riket and three school units
(one with a suppressed cell), on every page's tables. Each served table is created from its mart's contract
(tests/contract_tables.py) and filled by column name."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

from tests.browser.snapshot_goals import add_goals
from tests.browser.snapshot_topics import add_topic_tables
from tests.browser.snapshot_value_added import add_value_added_and_equity
from tests.contract_tables import create_table

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


# indicator_values rows of _values() and the tests that bring their own: all computed locally, with min_n 10.
VALUE_COLUMNS = ("indicator_id", "level", "unit_code", "unit_name", "year", "school_year", "gender", "value", "n",
                 "status")  # fmt: skip


def add_indicator_values(con: duckdb.DuckDBPyConnection, rows: list[tuple]) -> None:
    """indicator_values with `rows` of VALUE_COLUMNS (indicator, level, unit code, unit name, year, school_year,
    gender, value, n, status), all computed locally with min_n 10."""
    create_table(con, "indicator_values", [(*r, "local", 10) for r in rows], (*VALUE_COLUMNS, "source", "min_n"))


def add_kolada_freshness(con: duckdb.DuckDBPyConnection, data_as_of: datetime, age_days: int, fetched: datetime):
    """data_freshness with Kolada's one row: data of `data_as_of`, fetched successfully at `fetched`."""
    create_table(
        con,
        "data_freshness",
        [
            {"source": "kolada", "data_as_of": data_as_of, "data_age_days": age_days,
             "last_successful_fetch": fetched, "last_attempt_ok": True, "last_attempt_message": "ok"}
        ],
    )  # fmt: skip


def add_benchmarking(con: duckdb.DuckDBPyConnection) -> None:
    """benchmarking (Jämförelser): the kommun's meritvärde 2023 and 2024 beside riket and similar kommuner,
    with its rank and quartile."""
    kpi = {"kpi_id": "N15505", "kpi_title": "Meritvärde åk 9", "unit": "poäng", "kpi_group": "Betyg åk 9",
           "kpi_position": 1, "higher_is_better": True, "municipality_code": "1261", "gender": "T", "status": "",
           "riket_status": "", "ranked_municipalities": 290, "was_revised": False,
           "attribution": "Källa: Kolada (RKA)"}  # fmt: skip
    create_table(
        con,
        "benchmarking",
        [
            {**kpi, "year": 2023, "value": 230.1, "riket_value": 222.3, "similar_mean": 228.0,
             "similar_with_value": 7, "rank": 41, "quartile": 1, "change_from_previous_year": None},
            {**kpi, "year": 2024, "value": 226.6, "riket_value": 223.9, "similar_mean": 229.5,
             "similar_with_value": 7, "rank": 180, "quartile": 3, "change_from_previous_year": -3.5},
        ],
    )  # fmt: skip


def build_snapshot(data_dir: Path) -> Path:
    path = data_dir / "serving.duckdb"
    con = duckdb.connect(str(path))
    create_table(
        con,
        "indicators",
        [
            {"indicator_id": ind, "title_sv": title, "unit": unit, "higher_is_better": better,
             "description": f"Så räknas {title.lower()}.", "source": "local", "sort_order": sort, "topic": topic}
            for ind, title, unit, better, topic, sort in INDICATORS
        ],
    )  # fmt: skip
    add_indicator_values(con, _values())
    add_benchmarking(con)
    add_kolada_freshness(con, datetime(2024, 12, 12), 711, datetime(2026, 11, 23, 1, 30))
    create_table(
        con,
        "reconciliation",
        [
            ("N15505", "kommun", "1261", "Kävlinge", 2024, "T", 227.0, 301, "", "kolada", 226.6, "", 0.4),
            ("N15505", "skolenhet", "22220002", "Furulundsskolan", 2024, "T", 231.2, 60, "", "siris", 231.0, "", 0.2),
        ],
        ("indicator_id", "level", "unit_code", "unit_name", "year", "gender", "local_value", "local_n",
         "local_status", "official_source", "official_value", "official_status", "difference"),
    )  # fmt: skip
    create_table(
        con,
        "data_quality_files",
        [
            ("betyg", "betyg_vt24.csv", "partly_quarantined", "inläst, rader i karantän", None, 1204, 1200, 1198, 2,
             datetime(2026, 11, 23, 1, 0)),
            ("elever", "elever_utf16.csv", "rejected", "avvisad", "filen är UTF-16-kodad; spara den som UTF-8", 800,
             None, None, None, None),
        ],
        ("folder", "file_name", "outcome", "outcome_sv", "reason", "size_bytes", "rows_in", "rows_loaded",
         "rows_quarantined", "loaded_at"),
    )  # fmt: skip
    create_table(
        con,
        "data_quality_quarantine",
        [("betyg", "betyg_vt24.csv", "betyg", "betyg ska vara A–F eller -", 2, 17, 940)],
        ("folder", "file_name", "column_name", "reason", "rows_quarantined", "first_line", "last_line"),
    )
    # Not a mart: written by pipelines/assets/serving.py, every column varchar.
    con.execute(
        "create table snapshot_info as select '2026-11-23T02:00:00+00:00' as published_at, '1261' as kommunkod,"
        " 'browser-test' as run_id"
    )
    add_value_added_and_equity(con)  # Förädlingsvärde and Likvärdighet
    add_goals(con)  # Översikt: the board's goals
    add_topic_tables(con)  # Resultat, Nationella prov, Frånvaro, Enkäter: term grades, periods, surveys
    con.close()
    return path
