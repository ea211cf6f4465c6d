"""Every SIRIS report a municipality downloads for grundskola, read by the one reader (sources/national/siris).

The real files are those shipped in sources/reference/siris (and tests/fixtures/siris: the Excel twins of two
CSV exports and a trimmed ämnesbetyg export; see its PROVENANCE.md). What each file is — its report, level,
school years and measures — is written out here, and sample values are read straight from the files with
the csv module or fastexcel, independently of the reader. Drifting and two-row headers, files the reader must
not recognise and broken cells are made in tmp_path. The last test follows a hand-built SIRIS per-skolenhet
export through the shared hand-built run into the served reconciliation.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import NamedTuple

import dagster as dg
import duckdb
import fastexcel
import polars as pl
import pytest
import xlsxwriter
from dagster_duckdb import DuckDBResource

from pipelines.assets.national_files import siris_unit_statistics
from pipelines.metadata import UNCHANGED
from pipelines.resources import LandingConfig
from sources.national.siris import SirisFormatError, read_siris
from tests.conftest import TEST_KEY

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "sources" / "reference" / "siris"
FIXTURES = REPO / "tests" / "fixtures" / "siris"
SHARED = Path("/work/shared/data/real/skolverket")  # the project's shared real data, where present

YEARS_10 = set(range(2016, 2026))
PUPILS_PER_GRADE = {
    "share_girls_grade_1_9_pct",
    "share_foreign_background_grade_1_9_pct",
    "share_parents_post_secondary_grade_1_9_pct",
    "pupils_grade_1_9",
    *(f"pupils_grade_{g}" for g in range(1, 10)),
}
GRADES_6 = {
    "pupils_with_grades",
    "average_subject_grades",
    "share_all_subjects_passed_pct",
    "share_failed_one_subject_pct",
    "share_failed_several_subjects_pct",
}
NATIONAL_TESTS = {
    "share_participated_pct",
    "pupils_with_test_grade",
    "share_test_grade_a_e_pct",
    "average_test_grade_points",
}
TEST_SUBJECTS = {"Engelska", "Matematik", "Svenska", "Svenska som andraspråk"}

FINAL_GRADES_9 = {
    "pupils_with_final_grades",
    "share_all_subjects_passed_pct",
    "share_eligible_vocational_pct",
    "average_merit_value_17",
}
RESULTS_OVER_TIME_9 = {
    "pupils_grade_9",
    "share_girls_pct",
    "share_boys_pct",
    "share_foreign_background_pct",
    "share_parents_post_secondary_pct",
    "average_merit_value_17",
    "average_merit_value_16",
    "share_eligible_vocational_pct",
    "share_all_subjects_passed_pct",
}
ELIGIBILITY = {
    "pupils_with_final_grades",
    "share_eligible_vocational_pct",
    "share_eligible_arts_pct",
    "share_eligible_economics_humanities_social_pct",
    "share_eligible_natural_science_technology_pct",
}
RIKSNIVA = {
    "pupils_completed_grade_9",
    "pupils_with_final_grades",
    "pupils_with_passing_final_grades",
    "average_merit_value_16",
    "average_merit_value_17",
    "share_missing_pass_some_subject_pct",
}
NATIONAL_TESTS_RIKET = {"pupils_with_test_grade", "share_test_grade_a_e_pct", "average_test_grade_points"}
TOTAL, BY_GENDER, GIRLS_AND_BOYS = {"T"}, {"T", "K", "M"}, {"K", "M"}
ORGANISERS = {"Samtliga", "Kommunal", "Enskild"}  # huvudman splits: all, municipal and independent schools


class Export(NamedTuple):
    """What a SIRIS export is: its report, level, school years (by their spring), measures, genders and
    huvudman splits."""

    report: str
    level: str
    years: set[int]
    measures: set[str]
    genders: set[str]
    organisers: set[str] = ORGANISERS


EXPECTED = {
    "grundskola_slutbetyg_ak9_samtliga_skolenhet_2024_25.csv": Export(
        "slutbetyg_arskurs_9", "skolenhet", {2025}, FINAL_GRADES_9, TOTAL, {"Kommunal", "Enskild"}
    ),
    **{
        # the file name's year is the autumn: 2020 = läsår 2020/21
        f"grundskola_antal_elever_per_arskurs_kommun_{y}.csv": Export(
            "antal_elever_per_arskurs", "kommun", {y + 1}, PUPILS_PER_GRADE, TOTAL
        )
        for y in range(2020, 2025)
    },
    **{
        f"grundskola_betyg_ak6_samtliga_kommun_{y - 1}_{y % 100:02d}.csv": Export(
            "betyg_arskurs_6", "kommun", {y}, GRADES_6, TOTAL
        )
        for y in range(2020, 2026)
    },
    "grundskola_betyg_ak6_per_kon_kommun_2024_25.csv": Export(
        "betyg_arskurs_6", "kommun", {2025}, GRADES_6, GIRLS_AND_BOYS
    ),
    "grundskola_betygsresultat_over_tid_ak9_kommun_2015_16-2024_25.xlsx": Export(
        "betygsresultat_over_tid", "kommun", YEARS_10, RESULTS_OVER_TIME_9, TOTAL
    ),
    **{
        f"grundskola_nationella_prov_ak9_per_kon_kommun_{y - 1}_{y % 100:02d}.csv": Export(
            "nationella_prov_arskurs_9", "kommun", {y}, NATIONAL_TESTS, BY_GENDER
        )
        for y in (2018, 2019, 2022, 2023, 2024)
    },
    "grundskola_behorighet_gymnasieskolan_kommun_2024_25.csv": Export(
        "behorighet_gymnasieskolan", "kommun", {2025}, ELIGIBILITY, BY_GENDER
    ),
    "grundskolan_betyg_och_prov_riksniva_2018_19-2022_23.xlsx": Export(
        "betyg_och_prov_riksniva", "riket", set(range(2019, 2024)), RIKSNIVA, BY_GENDER
    ),
    "grundskola_nationella_prov_ak9_riket_2022_23.xlsx": Export(
        "nationella_prov_arskurs_9", "riket", {2023}, NATIONAL_TESTS_RIKET, BY_GENDER, {*ORGANISERS, "Skolverket"}
    ),
    "grundskola_betyg_ak6_per_kon_kommun_2024_25.xlsx": Export(
        "betyg_arskurs_6", "kommun", {2025}, GRADES_6, GIRLS_AND_BOYS
    ),
    "grundskola_betyg_ak6_samtliga_kommun_2024_25.xlsx": Export("betyg_arskurs_6", "kommun", {2025}, GRADES_6, TOTAL),
    "grundskola_amnesbetyg_over_tid_ak9_kommun_2015_16-2024_25_ale_kavlinge.csv": Export(
        "amnesbetyg_over_tid", "kommun", YEARS_10, {"share_passed_subject_pct"}, TOTAL
    ),
}


def _path(name: str) -> Path:
    return SHIPPED / name if (SHIPPED / name).exists() else FIXTURES / name


@pytest.fixture(scope="module")
def read():
    cache: dict[str, object] = {}

    def get(name: str):
        if name not in cache:
            cache[name] = read_siris(_path(name))
        return cache[name]

    return get


def test_every_new_shipped_export_is_declared_here():
    shipped = {
        p.name for p in SHIPPED.iterdir() if not p.name.startswith("grundskola_antal_elever_per_arskurs_skolenhet")
    }
    fixtures = {p.name for p in FIXTURES.iterdir() if p.suffix in (".csv", ".xlsx")}
    assert shipped | fixtures == set(EXPECTED)


def _table_lines(path: Path) -> int:
    """Table lines of a CSV export counted from the text: the lines after the header row up to the first
    blank one (the header is the line starting 'Skola;' or 'Kommun;')."""
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith(("Skola;", "Kommun;")))
    end = next(i for i in range(head + 1, len(lines)) if not lines[i].replace(";", "").strip())
    return end - head - 1


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_real_export_is_recognised_with_its_report_level_years_and_measures(read, name):
    report, level, years, measures, genders, organisers = EXPECTED[name]
    result = read(name)
    rows = result.rows
    assert result.balanced and result.quarantine.is_empty(), result.quarantine.head()
    assert set(rows["report"]) == {report}
    assert set(rows["level"]) == {level}
    assert set(rows["year"]) == years
    assert set(rows["measure"]) == measures
    assert set(rows["gender"]) == genders
    assert organisers <= set(rows["organiser_type"])  # kommun files also have Statlig, Region, … in some years
    if name.endswith(".csv"):
        lines = _table_lines(_path(name))
        assert result.rows_in == rows.height
        assert rows.select("source_line").n_unique() == lines
    codes = rows.filter(pl.col("status") != "")
    assert codes["value"].null_count() == codes.height
    assert set(codes["status"]) <= {".", "..", "~100"}
    expected_unit = {"skolenhet": "school_unit_code", "kommun": "municipality_code"}.get(level)
    if expected_unit:
        assert rows.filter(pl.col("unit_code") != pl.col(expected_unit)).is_empty()
    else:
        assert set(rows["unit_code"]) == {"0000"}


SHARED_FILES = sorted(p for p in SHARED.rglob("*") if p.suffix in (".csv", ".xlsx")) if SHARED.is_dir() else []


@pytest.mark.skipif(not SHARED_FILES, reason="the project's shared real data are not on this machine")
@pytest.mark.parametrize("path", SHARED_FILES, ids=lambda p: p.name[:60])
def test_every_real_siris_file_of_the_shared_data_is_recognised_whole(path):
    result = read_siris(path)
    assert result.balanced and result.quarantine.is_empty() and result.rows.height > 0


# ---- sample values read independently ----------------------------------------------------------------------


def _csv_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")), delimiter=";"))


def _one(rows: pl.DataFrame, **where) -> tuple[float | None, str]:
    hit = rows.filter(*(pl.col(k) == v for k, v in where.items()))
    assert hit.height == 1, (where, hit)
    return hit["value"][0], hit["status"][0]


def _number(text: str) -> float:
    return float(text.replace(",", ".").replace(" ", ""))


def test_kavlinge_merit_value_2024_25_equals_the_cell_of_the_over_time_workbook(read):
    name = "grundskola_betygsresultat_over_tid_ak9_kommun_2015_16-2024_25.xlsx"
    sheet = fastexcel.read_excel(_path(name)).load_sheet_by_name("Kommunal", header_row=None, dtypes="string")
    cells = sheet.to_polars().rows()
    header = next(r for r in cells if r[0] == "Kommun")
    line = next(r for r in cells if r[1] == "1261" and r[4] == "Genomsnittligt meritvärde (17 ämnen)")
    cell = line[header.index("2024/25")]
    rows = read(name).rows
    got = _one(rows, unit_code="1261", organiser_type="Kommunal", measure="average_merit_value_17", year=2025)
    assert got == (_number(cell), "") == (234.4, "")
    # The Kommunal sheet is Kolada's N15505 (kommunala skolor): equal to the shipped Kolada values 2016–2022.
    kolada = pl.read_parquet(REPO / "sources/reference/kolada/kolada_grundskola_values_1995_2022_from_ddf_dump.parquet")
    kolada = kolada.filter(
        pl.col("kpi") == "N15505", pl.col("municipality_id") == "1261", pl.col("gender") == "T", pl.col("year") >= 2016
    )
    for year, value in kolada.select("year", "value").iter_rows():
        assert _one(
            rows, unit_code="1261", organiser_type="Kommunal", measure="average_merit_value_17", year=int(year)
        ) == (value, ""), year


def test_tolvakerskolan_2024_25_equals_its_line_of_the_skolenhet_export(read):
    name = "grundskola_slutbetyg_ak9_samtliga_skolenhet_2024_25.csv"
    lines = _csv_rows(_path(name))
    number = next(i for i, cells in enumerate(lines) if len(cells) > 1 and cells[1] == "13578112")
    cells = lines[number]
    assert cells[0] == "Tolvåkerskolan 7-9"
    rows = read(name).rows.filter(pl.col("school_unit_code") == "13578112")
    assert set(rows["source_line"]) == {number + 1}
    assert rows["municipality_code"][0] == "1261" and rows["organiser_type"][0] == "Kommunal"
    measures = ["pupils_with_final_grades", "share_all_subjects_passed_pct", "share_eligible_vocational_pct"]
    for measure, raw in zip([*measures, "average_merit_value_17"], cells[7:11], strict=True):
        assert _one(rows, measure=measure) == (_number(raw), "")
    assert _one(rows, measure="average_merit_value_17") == (237.7, "")
    # Noblaskolan Löddeköpinge: '~100' behöriga is a code, not a number
    noble = read(name).rows.filter(pl.col("school_unit_code") == "19504051")
    assert _one(noble, measure="share_eligible_vocational_pct") == (None, "~100")


@pytest.mark.parametrize("year", [2018, 2024])
def test_national_tests_follow_the_two_row_header_whatever_the_column_order(read, year):
    """2023/24 moved 'deltagit' last: each value is found by its two header rows, read here with csv."""
    name = f"grundskola_nationella_prov_ak9_per_kon_kommun_{year - 1}_{year % 100:02d}.csv"
    lines = _csv_rows(_path(name))
    head = next(i for i, cells in enumerate(lines) if cells and cells[0] == "Kommun")
    groups, header = lines[head - 1], lines[head]
    line = next(i for i, c in enumerate(lines) if c[:2] == ["Kävlinge", "1261"] and c[4:6] == ["Kommunal", "Engelska"])
    rows = read(name).rows.filter(pl.col("source_line") == line + 1)
    names = {
        "Andel (%) med provbetyg A-E": "share_test_grade_a_e_pct",
        "Antal elever med provbetyg A-F": "pupils_with_test_grade",
        "Andel (%) elever som deltagit": "share_participated_pct",
        "Genomsnittlig betygspoäng": "average_test_grade_points",
    }
    genders = {"Totalt": "T", "Flickor": "K", "Pojkar": "M"}
    checked = 0
    for pos in range(6, len(header)):
        if not header[pos]:
            continue
        raw = lines[line][pos]
        expected = (None, raw) if raw in (".", "..", "~100") else (_number(raw), "")
        got = _one(rows, measure=names[groups[pos]], gender=genders[header[pos]], subject="Engelska")
        assert got == expected, (groups[pos], header[pos])
        checked += 1
    assert checked == 12
    assert set(rows["organiser_type"]) == {"Kommunal"} and set(rows["year"]) == {year}


def test_eligibility_per_gender_comes_from_the_kon_column(read):
    rows = read("grundskola_behorighet_gymnasieskolan_kommun_2024_25.csv").rows
    kavlinge = rows.filter(pl.col("unit_code") == "1261", pl.col("organiser_type") == "Kommunal")
    # Kävlinge;1261;Skåne län;12;Kommunal;Flickor;174;87,9;86,8;86,2;86,8
    assert _one(kavlinge, gender="K", measure="share_eligible_vocational_pct") == (87.9, "")
    assert _one(kavlinge, gender="M", measure="pupils_with_final_grades") == (146.0, "")
    assert _one(kavlinge, gender="T", measure="share_eligible_natural_science_technology_pct") == (86.6, "")
    enskild = rows.filter(pl.col("unit_code") == "1261", pl.col("organiser_type") == "Enskild")
    assert _one(enskild, gender="T", measure="share_eligible_arts_pct") == (None, "~100")


def test_the_riksniva_table_gives_riket_per_year_and_the_latest_year_per_huvudman_and_background(read):
    name = "grundskolan_betyg_och_prov_riksniva_2018_19-2022_23.xlsx"
    rows = read(name).rows
    totals = rows.filter(pl.col("breakdown").is_null())
    merit = totals.filter(pl.col("measure") == "average_merit_value_17", pl.col("organiser_type") == "Samtliga")
    assert merit.filter(pl.col("gender") == "T").sort("year")["value"].to_list() == [229.8, 231.1, 232.1, 229.2, 228.5]
    assert _one(totals, measure="average_merit_value_17", organiser_type="Kommunal", gender="T") == (223.6, "")
    assert _one(totals, measure="average_merit_value_17", organiser_type="Kommunal", gender="K") == (233.8, "")
    assert _one(totals, measure="share_missing_pass_some_subject_pct", organiser_type="Kommunal", gender="T") == (
        28.9,
        "",
    )
    assert set(totals.filter(pl.col("organiser_type") != "Samtliga")["year"]) == {2023}
    background = rows.filter(pl.col("breakdown") == "Elever med utländsk bakgrund", pl.col("gender") == "T")
    assert _one(background, measure="average_merit_value_17") == (210.2, "")
    waldorf = rows.filter(pl.col("breakdown") == "Waldorf")
    assert set(waldorf["organiser_type"]) == {"Enskild"}
    # International schools have no grades in the mål- och kunskapsrelaterade system: '.' kept
    international = rows.filter(pl.col("breakdown") == "Internationella skolor", pl.col("organiser_type") == "Kommunal")
    assert _one(international, measure="pupils_with_final_grades", gender="T") == (None, ".")
    # cross-checked with fastexcel: the sheet's cell
    sheet = fastexcel.read_excel(_path(name)).load_sheet_by_name("Tabell 1B", header_row=None, dtypes="string")
    cells = sheet.to_polars().rows()
    kommun = next(r for r in cells if r[0] == "Kommun")
    assert float(kommun[4]) == 223.6


def test_riket_national_tests_take_the_subject_from_the_sheet(read):
    rows = read("grundskola_nationella_prov_ak9_riket_2022_23.xlsx").rows
    assert set(rows["subject"]) == TEST_SUBJECTS
    maths = rows.filter(pl.col("subject") == "Matematik", pl.col("organiser_type") == "Kommunal")
    assert _one(maths, measure="share_test_grade_a_e_pct", gender="T") == (88.1, "")
    assert set(rows["source_sheet"]) == TEST_SUBJECTS
    sva = rows.filter(pl.col("subject") == "Svenska som andraspråk", pl.col("organiser_type") == "Skolverket")
    assert set(sva["status"]) == {".."}


@pytest.mark.parametrize("variant", ["per_kon", "samtliga"])
def test_excel_and_csv_versions_of_a_report_give_the_same_rows(read, variant):
    csv_rows = read(f"grundskola_betyg_ak6_{variant}_kommun_2024_25.csv").rows
    xlsx_rows = read(f"grundskola_betyg_ak6_{variant}_kommun_2024_25.xlsx").rows
    keys = ["unit_code", "organiser_type", "gender", "measure"]
    drop = ["source_sheet", "source_line"]
    assert csv_rows.drop(drop).sort(keys).equals(xlsx_rows.drop(drop).sort(keys))


def test_subject_grades_over_time_have_a_subject_and_ten_years_per_line(read):
    name = "grundskola_amnesbetyg_over_tid_ak9_kommun_2015_16-2024_25_ale_kavlinge.csv"
    rows = read(name).rows
    maths = rows.filter(
        pl.col("unit_code") == "1261", pl.col("organiser_type") == "Kommunal", pl.col("subject") == "Matematik"
    )
    assert maths.height == 10
    lines = _csv_rows(_path(name))
    line = next(c for c in lines if c[:2] == ["Kävlinge", "1261"] and c[4:6] == ["Kommunal", "Matematik"])
    header = next(c for c in lines if c and c[0] == "Kommun")
    for pos in range(6, 16):
        year = int(header[pos][:4]) + 1
        assert _one(maths, year=year)[0] == _number(line[pos]), header[pos]
    assert {"Moderna språk, språkval", "Svenska som andraspråk"} <= set(rows["subject"])


# ---- drifting headers and layouts -------------------------------------------------------------------------


def _write(tmp_path: Path, name: str, lines: list[str], encoding: str = "utf-8-sig") -> Path:
    path = tmp_path / name
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def _head(name: str, keep) -> list[str]:
    """The export's preamble and header, its table lines for which keep(line) holds, and its blank line."""
    lines = _path(name).read_text(encoding="utf-8-sig").splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith(("Skola;", "Kommun;")))
    end = next(i for i in range(head + 1, len(lines)) if not lines[i].replace(";", "").strip())
    return lines[: head + 1] + [line for line in lines[head + 1 : end] if keep(line)] + [lines[end]]


def test_drifting_final_grade_headers_and_titles_land_on_the_same_measures(tmp_path):
    name = "grundskola_slutbetyg_ak9_samtliga_skolenhet_2024_25.csv"
    lines = _head(name, lambda line: ";1261;" in line)
    original = read_siris(_write(tmp_path, "original.csv", lines)).rows
    drifted = list(lines)
    title = next(i for i, line in enumerate(drifted) if line.startswith("Grundskola - "))
    drifted[title] = drifted[title].replace("Grundskola - ", "Grundskolan \u2013 ")  # older title, en dash
    header = next(i for i, line in enumerate(drifted) if line.startswith("Skola;"))
    drifted[header] = (
        drifted[header]
        .replace("Skol-enhetskod", "Skolenhetskod")
        .replace("Kommun-kod", "Kommunkod")
        .replace("elever som uppfyllt betygskriterierna", "som uppnått kunskapskraven")  # the Lgr11 wording
        .replace("Andel (%) elever behöriga till yrkesprog.", "Andel (%) behörig yrkesprog.")
        .replace("(17 ämnen)", "(17)")
    )
    assert drifted[header] != lines[header]
    again = read_siris(_write(tmp_path, "drift.csv", drifted, encoding="cp1252")).rows
    assert again.equals(original) and original.height == 16


def test_national_test_columns_in_another_order_give_the_same_rows(tmp_path):
    """Both header rows and every line permuted alike (as 2023/24 reordered them): the same values."""
    name = "grundskola_nationella_prov_ak9_per_kon_kommun_2022_23.csv"
    lines = _head(name, lambda line: line.startswith("Kävlinge;"))
    head = next(i for i, line in enumerate(lines) if line.startswith("Kommun;"))
    order = [*range(6), *range(15, 18), *range(9, 12), *range(6, 9), *range(12, 15), 18]

    def permute(line: str) -> str:
        cells = line.split(";")
        return ";".join(cells[i] for i in order) if len(cells) == 19 else line

    moved = [permute(line) if head - 1 <= i < len(lines) - 1 else line for i, line in enumerate(lines)]
    assert moved[head] != lines[head] or moved[head - 1] != lines[head - 1]
    original = read_siris(_write(tmp_path, "np.csv", lines)).rows.drop("source_line")
    reordered = read_siris(_write(tmp_path, "np_moved.csv", moved)).rows.drop("source_line")
    keys = ["organiser_type", "subject", "measure", "gender"]
    assert reordered.sort(keys).equals(original.sort(keys)) and original.height == (len(lines) - head - 2) * 12


def _xlsx(path: Path, sheets: dict[str, list[list[object]]], merged: dict[str, list[tuple]] | None = None) -> Path:
    book = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.write(r, c, value)
        for first_row, first_col, last_row, last_col, text in (merged or {}).get(name, []):
            sheet.merge_range(first_row, first_col, last_row, last_col, text)
    book.close()
    return path


def test_an_excel_export_with_merged_group_headers_and_broken_lines_in_headers(tmp_path):
    """Eligibility as an Excel workbook: the title with an en dash, headers with line breaks, numbers as
    numbers, a merged group cell above the measures (as SIRIS's Excel exports have): the CSV's rows."""
    csv_name = "grundskola_behorighet_gymnasieskolan_kommun_2024_25.csv"
    lines = _head(csv_name, lambda line: line.startswith(("Kävlinge;", "Ale;")))
    head = next(i for i, line in enumerate(lines) if line.startswith("Kommun;"))
    header = [c.replace(" behöriga", "\nbehöriga") for c in lines[head].split(";")[:-1]]
    data = []
    for line in lines[head + 1 : -1]:
        cells = line.split(";")[:-1]
        data.append([*cells[:6], *(float(c.replace(",", ".")) if c[0].isdigit() else c for c in cells[6:])])
    rows = [
        ["Grundskola \u2013 Behörighet till gymnasieskolan, fr.o.m. 2011"],
        ["Valt läsår: 2024/25"],
        [],
        [None] * 7 + [None] * 4,  # the group row: merged below
        header,
        *data,
        [],
        ["Rapportbeskrivning och definitioner etc."],
    ]
    path = _xlsx(
        tmp_path / "behorighet.xlsx",
        {"Statistik": rows, "Rapportbeskrivning och def.": [["Om statistiken"], ["Kommun"]]},
        {"Statistik": [(3, 7, 3, 10, "Andel (%) elever")]},
    )
    from_csv = read_siris(_write(tmp_path, "behorighet.csv", lines)).rows
    from_xlsx = read_siris(path).rows
    keys = ["unit_code", "organiser_type", "gender", "measure"]
    drop = ["source_sheet", "source_line"]
    assert from_xlsx.drop(drop).sort(keys).equals(from_csv.drop(drop).sort(keys))
    assert set(from_xlsx["source_sheet"]) == {"Statistik"}


# ---- what the reader must not take, and broken cells --------------------------------------------------------


def test_an_unknown_report_is_not_recognised_with_a_swedish_reason(tmp_path):
    lines = _head("grundskola_betyg_ak6_samtliga_kommun_2024_25.csv", lambda line: line.startswith("Ale;"))
    lines[2] = "Grundskola - Betyg per ämne årskurs 6"
    with pytest.raises(
        SirisFormatError, match=r"ämne_ak6\.csv, rad 3: okänd SIRIS-rapport 'Grundskola - Betyg per ämne"
    ):
        read_siris(_write(tmp_path, "ämne_ak6.csv", lines))
    empty = _xlsx(tmp_path / "anteckningar.xlsx", {"Blad1": [["Mina anteckningar"], ["Kävlinge", 234]]})
    with pytest.raises(SirisFormatError, match=r"anteckningar\.xlsx: hittar ingen rubrikrad som börjar med 'Skola'"):
        read_siris(empty)
    with pytest.raises(SirisFormatError, match=r"filtypen \.pdf läses inte"):
        read_siris(_write(tmp_path, "rapport.pdf", ["%PDF-1.4"]))


def test_the_asset_records_each_siris_file_and_never_stops_at_an_unknown_one(tmp_path):
    """The asset on a landing siris/ folder: a good export, a report it does not know, one with an unknown
    column, a PDF and an Excel lock file — each gets its outcome in raw.landing_files; the good one loads."""
    landing = tmp_path / "landing"
    folder = landing / "siris"
    folder.mkdir(parents=True)
    good = _head("grundskola_betyg_ak6_samtliga_kommun_2024_25.csv", lambda line: line.startswith("Kävlinge;"))
    _write(folder, "ak6_kavlinge.csv", good)
    unknown = list(good)
    unknown[2] = "Grundskola - Personalstatistik med behörighet"
    _write(folder, "personal.csv", unknown)
    new_column = [line + "Andel (%) elever med betyg F;" if line.startswith("Kommun;") else line for line in good]
    _write(folder, "ny_kolumn.csv", new_column)
    (folder / "rapport.pdf").write_bytes(b"%PDF-1.4")
    (folder / "~$ak6.xlsx").write_bytes(b"lock")
    warehouse = tmp_path / "w.duckdb"
    resources = {
        "landing": LandingConfig(landing_dir=str(landing), pseudonym_key=TEST_KEY, kommunkod="1261"),
        "warehouse": DuckDBResource(database=str(warehouse)),
    }
    result = dg.materialize([siris_unit_statistics], resources=resources)
    assert result.success
    meta = result.asset_materializations_for_node("siris__unit_statistics")[0].metadata
    assert meta["files"].value == 1 and meta["files_rejected"].value == 2
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        outcomes = {
            r[0]: r[1:]
            for r in con.execute(
                "select file_name, outcome, reason, rows_in, rows_loaded from raw.landing_files where folder = 'siris'"
            ).fetchall()
        }
        loaded = con.execute("select count(*), min(source_file) from siris.unit_statistics").fetchone()
    finally:
        con.close()
    assert outcomes["ak6_kavlinge.csv"] == ("loaded", None, 15, 15)
    assert loaded == (15, "ak6_kavlinge.csv")
    outcome, reason, *_ = outcomes["personal.csv"]
    assert outcome == "rejected" and reason.startswith("ej igenkänd: personal.csv, rad 3: okänd SIRIS-rapport")
    outcome, reason, *_ = outcomes["ny_kolumn.csv"]
    assert outcome == "rejected" and "okända kolumner ['Andel (%) elever med betyg F']" in reason
    assert outcomes["rapport.pdf"][:2] == (
        "ignored",
        "filtypen .pdf läses inte i siris/ (SIRIS-exporter som .csv eller .xlsx)",
    )
    assert outcomes["~$ak6.xlsx"][0] == "ignored" and "Excel-låsfil" in outcomes["~$ak6.xlsx"][1]

    # The next run with the same files does not read the folder again; a file removed, it does.
    again = dg.materialize([siris_unit_statistics], resources=resources)
    assert again.asset_materializations_for_node("siris__unit_statistics")[0].metadata[UNCHANGED].value is True
    (folder / "personal.csv").unlink()
    third = dg.materialize([siris_unit_statistics], resources=resources)
    meta = third.asset_materializations_for_node("siris__unit_statistics")[0].metadata
    assert UNCHANGED not in meta and meta["files"].value == 1 and meta["files_rejected"].value == 1
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        names = {r[0] for r in con.execute("select file_name from raw.landing_files where folder = 'siris'").fetchall()}
        assert con.execute("select count(*) from siris.unit_statistics").fetchone() == (15,)
    finally:
        con.close()
    assert "personal.csv" not in names and "ak6_kavlinge.csv" in names


def test_a_broken_cell_is_quarantined_with_its_line_and_the_rest_loads(tmp_path):
    name = "grundskola_slutbetyg_ak9_samtliga_skolenhet_2024_25.csv"
    lines = _path(name).read_text(encoding="utf-8-sig").splitlines()
    number = next(i for i, line in enumerate(lines) if ";13578112;" in line)
    lines[number] = lines[number].replace(";237,7", ";23x,7")
    bad_code = next(i for i, line in enumerate(lines) if ";46107605;" in line)
    lines[bad_code] = lines[bad_code].replace(";1261;", ";12 61;")
    result = read_siris(_write(tmp_path, "trasig.csv", lines))
    assert result.balanced
    q = result.quarantine
    cell = q.filter(pl.col("line") == number + 1)
    assert cell.select("file", "column", "reason").rows() == [
        ("trasig.csv", "Genomsnittligt meritvärde (17 ämnen)", "ogiltigt värde 23x,7")
    ]
    assert cell["raw"][0] == lines[number]
    whole = q.filter(pl.col("line") == bad_code + 1)
    assert whole.height == 4 and set(whole["reason"]) == {"ogiltig kommunkod '12 61'"}
    tolvaker = result.rows.filter(pl.col("school_unit_code") == "13578112")
    assert set(tolvaker["measure"]) == {
        "pupils_with_final_grades",
        "share_all_subjects_passed_pct",
        "share_eligible_vocational_pct",
    }
    assert result.quarantine.height == 5


def test_a_broken_excel_cell_and_an_unknown_row_measure_are_quarantined_with_sheet_and_row(tmp_path):
    years = ["2024/25", "2023/24"]
    header = ["Kommun", "Kommunkod", "Län", "Länskod", "Uppgift", *years]
    sheet = [
        ["Grundskola - Jämförelse av betygsresultat över tid"],
        ["Typ av huvudman: Kommunal"],
        ["Valt läsår: 2024/25"],
        [],
        [],
        header,
        ["Kävlinge", "1261", "Skåne län", "12", "Genomsnittligt meritvärde (17 ämnen)", 234.4, "24O,2"],
        ["Kävlinge", "1261", "Skåne län", "12", "Andel (%) med nya betygsstegen", 50, 50],
        ["Kävlinge", "1261", "Skåne län", "12", "Andel (%) behöriga till yrkesprogram", "~100", ".."],
    ]
    path = _xlsx(tmp_path / "over_tid.xlsx", {"Kommunal": sheet})
    result = read_siris(path)
    assert result.balanced and result.rows_in == 6
    q = result.quarantine.sort("line", "column")
    assert q.select("line", "column", "reason").rows() == [
        (7, "Kommunal: 2023/24", "ogiltigt värde 24O,2"),
        (
            8,
            "Kommunal: 2023/24",
            "okänd uppgift 'Andel (%) med nya betygsstegen' – lägg till den i rapportens row_measures om den är ny",
        ),
        (
            8,
            "Kommunal: 2024/25",
            "okänd uppgift 'Andel (%) med nya betygsstegen' – lägg till den i rapportens row_measures om den är ny",
        ),
    ]
    rows = result.rows
    assert set(rows["organiser_type"]) == {"Kommunal"}  # from 'Typ av huvudman' above the table
    assert _one(rows, measure="average_merit_value_17", year=2025) == (234.4, "")
    assert _one(rows, measure="share_eligible_vocational_pct", year=2024) == (None, "..")
    assert _one(rows, measure="share_eligible_vocational_pct", year=2025) == (None, "~100")


# ---- reconciliation per skolenhet, through the shared hand-built run ---------------------------------------


def test_reconciliation_sets_a_schools_own_figure_beside_skolverkets_per_skolenhet_figure(handbuilt):
    """handbuilt_landing.write_siris: SIRIS gives school B (22220002) meritvärde 182,9 for läsår 2023/24 and
    '~100' for the shares. School B's own figure (test_indicators_handbuilt): 12 girls with 16 × E (160) and 5
    boys with 16 × C (240), all passed."""
    from tests.handbuilt_landing import SIRIS_MERIT, SIRIS_OTHER_SCHOOL, SIRIS_SCHOOL

    local_merit = (12 * 160 + 5 * 240) / 17
    con = duckdb.connect(str(handbuilt.data / "serving.duckdb"), read_only=True)
    try:
        recon = con.execute(
            "select indicator_id, local_value, local_n, official_value, official_status, difference, "
            "official_source_sv, school_year from reconciliation "
            "where level = 'skolenhet' and unit_code = ? and year = 2024 and gender = 'T' "
            "and official_source = 'siris' order by indicator_id",
            [SIRIS_SCHOOL],
        ).fetchall()
        other = con.execute(
            "select count(*) from indicator_values where unit_code = ? and source = 'siris'", [SIRIS_OTHER_SCHOOL]
        ).fetchone()[0]
        served = con.execute(
            "select measure, value, status, indicator_id from siris_unit_statistics where school_unit_code = ? "
            "order by measure",
            [SIRIS_SCHOOL],
        ).fetchall()
    finally:
        con.close()
    by_id = {r[0]: r[1:] for r in recon}
    assert set(by_id) == {"N15419", "N15436", "N15505"}
    value, n, official, status, difference, label, school_year = by_id["N15505"]
    assert (n, status, label, school_year) == (17, "", "Skolverket, SIRIS", "2023/24")
    assert value == pytest.approx(local_merit, abs=1e-6) and official == SIRIS_MERIT
    assert difference == pytest.approx(local_merit - SIRIS_MERIT, abs=1e-6)  # 183,53 − 182,9 = 0,63
    for indicator_id in ("N15419", "N15436"):
        value, n, official, status, difference, _, _ = by_id[indicator_id]
        assert (value, n) == (100.0, 17) and (official, status, difference) == (None, "~100", None)
    assert other == 0  # a school in another municipality is not the warehouse's
    assert ("average_merit_value_17", SIRIS_MERIT, "", "N15505") in served
