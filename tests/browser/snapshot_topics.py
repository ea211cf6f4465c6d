"""The served tables behind the topic pages — term grades in indicator_values, grade_test_discrepancy,
attendance_by_period, survey_results and skolenkaten_results — hand-built for the browser and AppTest
snapshots, each table created from its mart's contract (dbt/models/marts/_marts__models.yml, by
tests/contract_tables.py) and filled by column name. The same municipality and schools as
tests/browser/snapshot.py: Ekbackeskolan and Furulundsskolan shown, Korsbackaskolan (few pupils) '..'.
National tests have no 2020 and 2021 (cancelled): the charts must break there.
"""

from __future__ import annotations

import duckdb

from tests.contract_tables import create_table, insert

KOMMUN = ("1261", "Kävlinge")
SHOWN = {"11110001": "Ekbackeskolan", "22220002": "Furulundsskolan"}
HIDDEN = {"33330003": "Korsbackaskolan"}

# Short titles for the indicators of snapshot.py, and the indicators added here (id, title, short title, unit,
# higher_is_better, topic, sort order).
SHORT_TITLES = {
    "N15505": "Meritvärde åk 9",
    "N15419": "Lägst E i alla ämnen åk 9",
    "SKA_NP9_MA": "Prov i matematik åk 9",
    "SKA_FRV_TOTAL": "Frånvaro totalt",
    "SKA_ENK_TRYGG": "Trygghet, elever åk 8: index 0–10",
}
TERMS = [(g, t) for g in (6, 7, 8, 9) for t in ("HT", "VT") if (g, t) != (9, "VT")]
ADDED = [
    (f"SKA_TB_AK{g}_{t}", f"Lägst E i alla ämnen, terminsbetyg {t} åk {g}, andel (%)",
     f"Lägst E i alla ämnen {t} åk {g}", "procent", True, "betyg_termin", 300 + 10 * g + (t == "VT"))
    for g, t in TERMS
] + [
    ("SKA_NP_AK6_MA", "Lägst E på nationella provet i matematik åk 6, andel (%)", "Prov i matematik åk 6",
     "procent", True, "nationella_prov", 29),
]  # fmt: skip


# The rows below are tuples of these columns, inserted by name (tests/contract_tables.py).
VALUE_COLUMNS = ("indicator_id", "level", "unit_code", "unit_name", "year", "school_year", "gender", "value", "n",
                 "status")  # fmt: skip
DISCREPANCY_COLUMNS = ("level", "unit_code", "year", "school_year", "grade_level", "subject", "gender",
                       "share_higher", "share_same", "share_lower", "n", "status", "min_n")  # fmt: skip
ATTENDANCE_COLUMNS = ("level", "unit_code", "unit_name", "year", "school_year", "period", "period_name", "gender",
                      "n", "absence_pct", "valid_absence_pct", "invalid_absence_pct", "above_10_pct",
                      "above_15_pct", "above_50_pct", "reporting_rate_pct", "status", "min_n")  # fmt: skip
SURVEY_COLUMNS = ("survey", "survey_type", "school_year", "year", "area", "level", "unit_code", "grade_level",
                  "gender", "share_positive", "index_value", "n", "status", "min_n")  # fmt: skip
SKOLENKATEN_COLUMNS = ("survey", "year", "respondent_group", "level", "unit_code", "unit_name", "area_no", "area",
                       "gender", "value", "status", "status_reason", "n_respondents", "response_rate")  # fmt: skip


def _school_year(year: int) -> str:
    return f"{year - 1}/{year % 100:02d}"


def _indicator_rows(indicator: str, years: list[int], base: float) -> list[tuple]:
    """indicator_values rows: the kommun T/K/M, riket, the two shown schools and the hidden one."""
    rows = []
    for k, year in enumerate(years):
        value = base + 1.5 * k
        for gender, offset in (("T", 0.0), ("K", 2.5), ("M", -2.5)):
            rows.append((indicator, "kommun", *KOMMUN, year, _school_year(year), gender, value + offset, 420, ""))
        for i, (code, name) in enumerate(SHOWN.items()):
            rows.append((indicator, "skolenhet", code, name, year, _school_year(year), "T", value + 4 - 8 * i, 60, ""))
        for code, name in HIDDEN.items():
            rows.append((indicator, "skolenhet", code, name, year, _school_year(year), "T", None, None, ".."))
    return rows


def _add_indicators(con: duckdb.DuckDBPyConnection) -> None:
    for indicator, short in SHORT_TITLES.items():
        con.execute("update indicators set short_title_sv = ? where indicator_id = ?", [short, indicator])
    insert(
        con,
        "indicators",
        [
            {"indicator_id": indicator, "title_sv": title, "short_title_sv": short, "unit": unit,
             "higher_is_better": better, "description": f"Så räknas {title.lower()}.", "source": "local",
             "sort_order": sort, "topic": topic}
            for indicator, title, short, unit, better, topic, sort in ADDED
        ],
    )  # fmt: skip
    rows = []
    for g, t in TERMS:
        rows += _indicator_rows(f"SKA_TB_AK{g}_{t}", [2023, 2024], 70.0 + 2 * g + (t == "VT"))
    # National tests: 2019 and 2022–2024, none in 2020 and 2021 (cancelled).
    rows += _indicator_rows("SKA_NP_AK6_MA", [2019, 2022, 2023, 2024], 86.0)
    rows += [r for r in _indicator_rows("SKA_NP9_MA", [2019, 2022], 80.0)]
    insert(con, "indicator_values", [(*r, "local", 10) for r in rows], (*VALUE_COLUMNS, "source", "min_n"))


def _add_benchmarks(con: duckdb.DuckDBPyConnection) -> None:
    """N15419 beside riket and liknande kommuner; a cost without a direction (it rose: grey, not green)."""
    merit = {
        "kpi_id": "N15419",
        "kpi_title": "Uppnått betygskriterierna i alla ämnen åk 9",
        "unit": "procent",
        "kpi_group": "Betyg åk 9",
        "kpi_position": 2,
        "higher_is_better": True,
        "quartile": 1,
    }
    cost = {
        "kpi_id": "N15008",
        "kpi_title": "Kostnad kommunal grundskola åk 1–9, kr/elev",
        "unit": "kr",
        "kpi_group": "Kostnad",
        "kpi_position": 30,
        "higher_is_better": None,
        "quartile": 2,
    }
    rows = [
        # kpi, year, value, riket_value, similar_mean, rank, change_from_previous_year
        (merit, 2023, 77.0, 73.5, 75.9, 60, None),
        (merit, 2024, 79.1, 73.8, 76.4, 52, 2.1),
        (cost, 2023, 118400.0, 121900.0, 117300.0, 120, None),
        (cost, 2024, 124650.0, 126300.0, 122800.0, 131, 6250.0),
    ]
    insert(
        con,
        "benchmarking",
        [
            {**kpi, "municipality_code": "1261", "year": year, "gender": "T", "value": value, "status": "",
             "riket_value": riket, "riket_status": "", "similar_mean": similar, "similar_with_value": 7,
             "rank": rank, "ranked_municipalities": 290, "change_from_previous_year": change, "was_revised": False,
             "attribution": "Källa: Kolada (RKA)"}
            for kpi, year, value, riket, similar, rank, change in rows
        ],
    )  # fmt: skip


def _add_discrepancy(con: duckdb.DuckDBPyConnection) -> None:
    rows = []
    for year in (2023, 2024):
        for grade, subjects in ((6, ("SV", "EN", "MA")), (9, ("SV", "EN", "MA"))):
            for s, subject in enumerate(subjects):
                higher, lower = 18.5 + 4 * s + (year - 2023), 6.5 + s
                cells = [("kommun", KOMMUN[0], g, higher + d, lower - d / 2, 140) for g, d in
                         (("T", 0.0), ("K", 2.0), ("M", -2.0))]  # fmt: skip
                cells += [("skolenhet", code, "T", higher + 6 * (1 - 2 * i), lower, 55) for i, code in enumerate(SHOWN)]
                for level, code, gender, hi, lo, n in cells:
                    rows.append((level, code, year, _school_year(year), grade, subject, gender, hi, 100 - hi - lo,
                                 lo, n, "", 10))  # fmt: skip
                for code in HIDDEN:
                    rows.append(("skolenhet", code, year, _school_year(year), grade, subject, "T", None, None, None,
                                 None, "..", 10))  # fmt: skip
    create_table(con, "grade_test_discrepancy", rows, DISCREPANCY_COLUMNS)


PERIOD_NAMES = {
    0: "Hela läsåret",
    1: "Period 1 (juli–december)",
    2: "Period 2 (januari–mars)",
    3: "Period 3 (april–juni)",
}


def _add_attendance(con: duckdb.DuckDBPyConnection) -> None:
    """Three school years, the periods and the whole year; the kommun's 2023/24 whole year: 8,6 % absence,
    95,5 % reported. Furulundsskolan's period 2 in 2023/24 is hidden (..), as complementary suppression would."""
    period_shift = {0: 0.0, 1: -1.2, 2: 1.6, 3: -0.4}
    year_shift = {2022: -0.9, 2023: -0.5, 2024: 0.0}
    rows = []
    for year, ys in year_shift.items():
        for period, ps in period_shift.items():
            units = [("kommun", *KOMMUN, g, 1204, go) for g, go in (("T", 0.0), ("K", 0.3), ("M", -0.3))]
            units += [("skolenhet", code, name, "T", 380, 1.1 * (1 - 2 * i)) for i, (code, name) in
                      enumerate(SHOWN.items())]  # fmt: skip
            for level, code, name, gender, n, us in units:
                absence = 8.6 + ys + ps + us
                valid = round(absence * 0.71, 2)
                hidden = code == "22220002" and year == 2024 and period == 2
                figures = (absence, valid, absence - valid, 21.3 + 2 * (ys + ps + us), 9.8 + ys + ps + us,
                           0.9, 95.5 - 2 * ps + ys)  # fmt: skip
                if hidden:
                    figures, n = (None,) * 7, None
                rows.append((level, code, name, year, _school_year(year), period, PERIOD_NAMES[period], gender,
                             n, *figures, ".." if hidden else "", 10))  # fmt: skip
            for code, name in HIDDEN.items():
                rows.append(("skolenhet", code, name, year, _school_year(year), period, PERIOD_NAMES[period], "T",
                             None, *(None,) * 7, "..", 10))  # fmt: skip
    create_table(con, "attendance_by_period", rows, ATTENDANCE_COLUMNS)


AREAS = {"trygghet": 84.6, "studiero": 61.2, "trivsel": 78.3, "delaktighet": 55.0}


def _add_surveys(con: duckdb.DuckDBPyConnection) -> None:
    """The pupils' survey 2023 and 2024, the guardians' 2024: per area, unit, grade (T) and gender (alla)."""
    rows = []
    for survey_type, years, shift in (("elevenkat", (2023, 2024), 0.0), ("vardnadshavarenkat", (2024,), 6.0)):
        for year in years:
            survey = f"{survey_type}_{year}"
            for area, share in AREAS.items():
                share += shift + (year - 2024) * 1.8
                cells = [("kommun", KOMMUN[0], "alla", g, share + d, 212) for g, d in
                         (("T", 0.0), ("K", 3.1), ("M", -3.4))]  # fmt: skip
                if survey_type == "elevenkat":  # grades for all respondents together (T)
                    cells += [("kommun", KOMMUN[0], grade, "T", share + d, 104) for grade, d in
                              (("5", 4.2), ("8", -4.4))]  # fmt: skip
                cells += [("skolenhet", code, "alla", "T", share + 5 * (1 - 2 * i), 90) for i, code in enumerate(SHOWN)]
                for level, code, grade, gender, value, n in cells:
                    rows.append((survey, survey_type, _school_year(year), year, area, level, code, grade, gender,
                                 value, value / 10, n, "", 5))  # fmt: skip
                for code in HIDDEN:
                    rows.append((survey, survey_type, _school_year(year), year, area, "skolenhet", code, "alla", "T",
                                 None, None, None, "..", 5))  # fmt: skip
    create_table(con, "survey_results", rows, SURVEY_COLUMNS)


SKOLENKATEN_AREAS = [(2, "Stimulans", 5.6), (8, "Studiero", 6.1), (9, "Trygghet", 7.8)]


def _add_skolenkaten(con: duckdb.DuckDBPyConnection) -> None:
    """Skolenkäten 2022, pupils in åk 8, as published: Ekbackeskolan by gender, Furulundsskolan's girls and
    boys masked ('-': fewer than 5 respondents), and all participating units."""
    rows = []
    units = [("riket", "0000", "Alla skolenheter", 0.0, 48211), ("skolenhet", "11110001", "Ekbackeskolan", 0.7, 46)]
    units += [("skolenhet", "22220002", "Furulundsskolan", -0.5, 12)]
    for area_no, area, value in SKOLENKATEN_AREAS:
        for level, code, name, shift, n in units:
            for gender, g in (("T", 0.0), ("K", -0.3), ("M", 0.4)):
                masked = code == "22220002" and gender != "T"
                rows.append(("skolenkaten", 2022, "elever_ak8", level, code, name, area_no, area, gender,
                             None if masked else value + shift + g, "-" if masked else "",
                             "färre än 5 svarande" if masked else None, n if gender == "T" else None,
                             0.82 if gender == "T" else None))  # fmt: skip
    create_table(con, "skolenkaten_results", rows, SKOLENKATEN_COLUMNS)


def add_topic_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Everything the Resultat, Nationella prov, Frånvaro and Enkäter pages read beyond snapshot.py's tables."""
    _add_indicators(con)
    _add_benchmarks(con)
    _add_discrepancy(con)
    _add_attendance(con)
    _add_surveys(con)
    _add_skolenkaten(con)
