"""The served tables behind the topic pages — term grades in indicator_values, grade_test_discrepancy,
attendance_by_period, survey_results and skolenkaten_results — hand-built for the browser and AppTest
snapshots, with the columns of the marts (dbt/models/marts/_marts__models.yml). The same municipality and
schools as tests/browser/snapshot.py: Ekbackeskolan and Furulundsskolan shown, Korsbackaskolan (few pupils)
'..'. National tests have no 2020 and 2021 (cancelled): the charts must break there.
"""

from __future__ import annotations

import duckdb

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
    con.execute("alter table indicators add column if not exists short_title_sv varchar")
    for indicator, short in SHORT_TITLES.items():
        con.execute("update indicators set short_title_sv = ? where indicator_id = ?", [short, indicator])
    for indicator, title, short, unit, better, topic, sort in ADDED:
        con.execute(
            "insert into indicators (indicator_id, title_sv, short_title_sv, unit, higher_is_better, description,"
            " source, sort_order, topic) values (?, ?, ?, ?, ?, ?, 'local', ?, ?)",
            [indicator, title, short, unit, better, f"Så räknas {title.lower()}.", sort, topic],
        )
    rows = []
    for g, t in TERMS:
        rows += _indicator_rows(f"SKA_TB_AK{g}_{t}", [2023, 2024], 70.0 + 2 * g + (t == "VT"))
    # National tests: 2019 and 2022–2024, none in 2020 and 2021 (cancelled).
    rows += _indicator_rows("SKA_NP_AK6_MA", [2019, 2022, 2023, 2024], 86.0)
    rows += [r for r in _indicator_rows("SKA_NP9_MA", [2019, 2022], 80.0)]
    con.executemany("insert into indicator_values values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'local', 10)", rows)


def _add_benchmarks(con: duckdb.DuckDBPyConnection) -> None:
    """N15419 beside riket and liknande kommuner; a cost without a direction (it rose: grey, not green)."""
    for column in ("value", "riket_value", "similar_mean", "change_from_previous_year"):  # room for kronor
        con.execute(f"alter table benchmarking alter column {column} type double")
    con.execute(
        "insert into benchmarking select * from (values "
        "('N15419', 'Uppnått betygskriterierna i alla ämnen åk 9', 'procent', 'Betyg åk 9', 2, true, '1261', 2023,"
        " 'T', 77.0, '', 73.5, '', 75.9, 7, 60, 290, 1, null, false, 'Källa: Kolada (RKA)'),"
        "('N15419', 'Uppnått betygskriterierna i alla ämnen åk 9', 'procent', 'Betyg åk 9', 2, true, '1261', 2024,"
        " 'T', 79.1, '', 73.8, '', 76.4, 7, 52, 290, 1, 2.1, false, 'Källa: Kolada (RKA)'),"
        "('N15008', 'Kostnad kommunal grundskola åk 1–9, kr/elev', 'kr', 'Kostnad', 30, null, '1261', 2023, 'T',"
        " 118400.0, '', 121900.0, '', 117300.0, 7, 120, 290, 2, null, false, 'Källa: Kolada (RKA)'),"
        "('N15008', 'Kostnad kommunal grundskola åk 1–9, kr/elev', 'kr', 'Kostnad', 30, null, '1261', 2024, 'T',"
        " 124650.0, '', 126300.0, '', 122800.0, 7, 131, 290, 2, 6250.0, false, 'Källa: Kolada (RKA)'))"
    )


def _add_discrepancy(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "create table grade_test_discrepancy (level varchar, unit_code varchar, year integer, school_year varchar,"
        " grade_level integer, subject varchar, gender varchar, share_higher double, share_same double,"
        " share_lower double, n integer, status varchar, min_n integer)"
    )
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
    con.executemany("insert into grade_test_discrepancy values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


PERIOD_NAMES = {
    0: "Hela läsåret",
    1: "Period 1 (juli–december)",
    2: "Period 2 (januari–mars)",
    3: "Period 3 (april–juni)",
}


def _add_attendance(con: duckdb.DuckDBPyConnection) -> None:
    """Three school years, the periods and the whole year; the kommun's 2023/24 whole year: 8,6 % absence,
    95,5 % reported. Furulundsskolan's period 2 in 2023/24 is hidden (..), as complementary suppression would."""
    con.execute(
        "create table attendance_by_period (level varchar, unit_code varchar, unit_name varchar, year integer,"
        " school_year varchar, period integer, period_name varchar, gender varchar, n integer, absence_pct double,"
        " valid_absence_pct double, invalid_absence_pct double, above_10_pct double, above_15_pct double,"
        " above_50_pct double, reporting_rate_pct double, status varchar, min_n integer)"
    )
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
    con.executemany(f"insert into attendance_by_period values ({', '.join('?' * 18)})", rows)


AREAS = {"trygghet": 84.6, "studiero": 61.2, "trivsel": 78.3, "delaktighet": 55.0}


def _add_surveys(con: duckdb.DuckDBPyConnection) -> None:
    """The pupils' survey 2023 and 2024, the guardians' 2024: per area, unit, grade (T) and gender (alla)."""
    con.execute(
        "create table survey_results (survey varchar, survey_type varchar, school_year varchar, year integer,"
        " area varchar, level varchar, unit_code varchar, grade_level varchar, gender varchar,"
        " share_positive double, index_value double, n integer, status varchar, min_n integer)"
    )
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
    con.executemany(f"insert into survey_results values ({', '.join('?' * 14)})", rows)


SKOLENKATEN_AREAS = [(2, "Stimulans", 5.6), (8, "Studiero", 6.1), (9, "Trygghet", 7.8)]


def _add_skolenkaten(con: duckdb.DuckDBPyConnection) -> None:
    """Skolenkäten 2022, pupils in åk 8, as published: Ekbackeskolan by gender, Furulundsskolan's girls and
    boys masked ('-': fewer than 5 respondents), and all participating units."""
    con.execute(
        "create table skolenkaten_results (survey varchar, year integer, respondent_group varchar, level varchar,"
        " unit_code varchar, unit_name varchar, area_no integer, area varchar, gender varchar, value double,"
        " status varchar, status_reason varchar, n_respondents bigint, response_rate double)"
    )
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
    con.executemany(f"insert into skolenkaten_results values ({', '.join('?' * 14)})", rows)


def add_topic_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Everything the Resultat, Nationella prov, Frånvaro and Enkäter pages read beyond snapshot.py's tables."""
    _add_indicators(con)
    _add_benchmarks(con)
    _add_discrepancy(con)
    _add_attendance(con)
    _add_surveys(con)
    _add_skolenkaten(con)
