"""Skolenkäten reader: the real 2022 åk 8 workbook, and small workbooks written in tmp_path."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import dagster as dg
import duckdb
import polars as pl
import pytest
from dagster_duckdb import DuckDBResource

from pipelines.assets.national_files import skolenkaten_results
from pipelines.metadata import UNCHANGED
from pipelines.resources import LandingConfig
from sources.national.skolenkaten import SkolenkatenFormatError, read_skolenkaten
from tests.conftest import TEST_KEY

XLSX = (
    Path(__file__).resolve().parents[2]
    / "sources"
    / "reference"
    / "skolinspektionen"
    / "skolenkaten_elever_ak8_2022.xlsx"
)
TOTALS, BY_GENDER = "Resultat elever åk 8 2022", "Könsuppdelat resultat"


@pytest.fixture(scope="module")
def result():
    return read_skolenkaten(XLSX)


@pytest.fixture(scope="module")
def grids():
    """The two result sheets as raw text grids, read without the reader."""
    read = {"engine": "calamine", "has_header": False, "infer_schema_length": 0}
    return {s: pl.read_excel(XLSX, sheet_name=s, **read).rows() for s in (TOTALS, BY_GENDER)}


def _cells_in(grid: list[tuple]) -> int:
    """Data cells: rows below the three header rows x columns with a measure in header row 3, less the
    index columns of an area that 'bildar ej index' and holds nothing but '-'."""
    body = [r for r in grid[3:] if any(c is not None for c in r)]
    area, columns = "", 0
    for j, kind in enumerate(grid[2]):
        top = grid[0][j]
        if top and re.match(r"^\d+\.", top):
            area = top
        if kind is None:
            continue
        empty_index = kind == "Index" and "bildar ej index" in area and all(r[j] == "-" for r in body)
        columns += not empty_index
    return len(body) * columns


def _cell(grid: list[tuple], unit: str, header: str, offset: int = 0) -> str:
    j = grid[0].index(header) + offset
    return next(r[j] for r in grid[3:] if r[4] == unit)


def test_every_cell_is_accounted_for(result, grids):
    assert result.rows_in == sum(_cells_in(g) for g in grids.values())
    assert result.rows.height + result.quarantine.height == result.rows_in
    assert result.quarantine.is_empty()


def test_survey_year_and_group_from_the_title(result):
    assert result.rows.select("survey", "year", "respondent_group").unique().rows() == [
        ("skolenkaten", 2022, "elever_ak8")
    ]


def test_noblaskolan_trygghet_index(result, grids):
    nobla = result.rows.filter(
        pl.col("school_unit_name") == "Noblaskolan Löddeköpinge",
        pl.col("area") == "Trygghet",
        pl.col("measure") == "index",
    )
    got = {(s, g): v for s, g, v in nobla.select("sheet", "gender", "value").iter_rows()}
    raw_total = _cell(grids[TOTALS], "Noblaskolan Löddeköpinge", "9. Trygghet")
    raw_girls = _cell(grids[BY_GENDER], "Noblaskolan Löddeköpinge", "9. Trygghet", 1)
    raw_boys = _cell(grids[BY_GENDER], "Noblaskolan Löddeköpinge", "9. Trygghet", 2)
    assert got[("totals", "T")] == float(raw_total) == 8.3
    assert got[("by_gender", "T")] == 8.3
    assert got[("by_gender", "K")] == float(raw_girls) and got[("by_gender", "M")] == float(raw_boys)
    unit = nobla.row(0, named=True)
    assert (unit["school_unit_code"], unit["municipality_code"], unit["n_respondents"]) == (
        "19504051",
        "1261",
        46,
    )


def test_fagersta_units_are_present(result):
    fagersta = result.rows.filter(pl.col("municipality_code") == "1982", pl.col("unit_level") == "school_unit")
    units = dict(fagersta.select("school_unit_code", "school_unit_name").unique().iter_rows())
    assert units == {"88657987": "Risbroskolan", "95382478": "Lindgårdsskolan 7-9"}
    organisers = result.rows.filter(pl.col("organiser_name") == "Fagersta kommun", pl.col("unit_level") == "organiser")
    assert organisers.height > 0


def test_codes_become_null_with_status_and_reason(result):
    rows = result.rows
    coded = rows.filter(pl.col("status") != "")
    assert coded["value"].null_count() == coded.height
    assert set(coded["status"]) == {"-", "*", "**", "***"}
    assert coded["status_reason"].null_count() == 0
    masked = rows.filter(pl.col("status").is_in(["*", "**", "***"]))
    assert set(masked["measure"]) == {"count"}
    assert rows.filter(pl.col("status") == "")["value"].null_count() == 0
    index = rows.filter(pl.col("measure") == "index", pl.col("status") == "")["value"]
    assert index.min() >= 0 and index.max() <= 10


def test_gender_sheet_totals_repeat_the_results_sheet(result):
    # matched on unit and item, not on the Excel row (the gender sheet has no per-gender rows for all units)
    columns = ["organiser_name", "school_unit_code", "area", "question", "measure", "value", "status"]
    rows = result.rows.filter(pl.col("measure").is_in(["index", "mean"]), pl.col("gender") == "T")
    totals = rows.filter(pl.col("sheet") == "totals").select(columns).sort(columns, nulls_last=True)
    by_gender = rows.filter(pl.col("sheet") == "by_gender").select(columns).sort(columns, nulls_last=True)
    assert totals.equals(by_gender)


def test_all_units_row_is_split_by_gender(result):
    everyone = result.rows.filter(pl.col("unit_level") == "all_units", pl.col("sheet") == "totals")
    assert set(everyone["gender"]) == {"T", "K", "M", "X", "U"}
    girls = everyone.filter(pl.col("gender") == "K")
    assert girls["n_respondents"][0] == 21201  # 'Samtliga deltagande skolor - Kvinna', Antal


# ---- small workbooks ------------------------------------------------------------------------------------


def _letters(j: int) -> str:
    s = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        s = chr(65 + r) + s
    return s


_PKG = "http://schemas.openxmlformats.org/package/2006"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_SML = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _sheet_xml(rows: list[list[str | None]]) -> str:
    out = []
    for r, row in enumerate(rows, start=1):
        cells = []
        for j, v in enumerate(row):
            ref = f"{_letters(j)}{r}"
            if v is None:
                continue
            if re.fullmatch(r"-?\d+(\.\d+)?", v):
                cells.append(f'<c r="{ref}"><v>{v}</v></c>')
            else:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(v)}</t></is></c>')
        out.append(f'<row r="{r}">{"".join(cells)}</row>')
    return f"<worksheet {_NS}><sheetData>{''.join(out)}</sheetData></worksheet>"


def _write_xlsx(path: Path, sheets: dict[str, list[list[str | None]]]) -> Path:
    """A minimal workbook: inline strings, numbers as numbers (no Excel writer is installed)."""
    ids = range(1, len(sheets) + 1)
    types = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_SML}.worksheet+xml"/>' for i in ids
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            f'<Types xmlns="{_PKG}/content-types">'
            f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_SML}.sheet.main+xml"/>{types}</Types>',
        )
        z.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{_PKG}/relationships">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        entries = "".join(
            f'<sheet name="{escape(n)}" sheetId="{i}" r:id="rId{i}"/>' for i, n in enumerate(sheets, start=1)
        )
        z.writestr("xl/workbook.xml", f'<workbook {_NS} xmlns:r="{_REL}"><sheets>{entries}</sheets></workbook>')
        links = "".join(
            f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>' for i in ids
        )
        z.writestr("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{_PKG}/relationships">{links}</Relationships>')
        for i, rows in enumerate(sheets.values(), start=1):
            z.writestr(f"xl/worksheets/sheet{i}.xml", _sheet_xml(rows))
    return path


IDS = [
    "Orgnummer",
    "Huvudman",
    "Kommun",
    "Skolenhetskod",
    "Skolenhet",
    "Antal i gruppen",
    "Antal",
    "Svarsfrekvens",
]


def _small_sheet(title: str = "Skolenkäten 2023 - Elever årskurs 5", kind: str = "Index") -> list[list[str | None]]:
    return [
        [title, *[None] * 7, "1. Trygghet", "Känner du dig trygg i skolan?", None, None],
        [*IDS, None, None, "Helt och hållet", None],
        [*[None] * 8, kind, "Medelvärde", "Antal", "Andel"],
        [None, "Samtliga deltagande skolor", None, None, None, "100", "80", "0.8", "7.5", "8", "40", "0.5"],
        ["2120001439", "Ale kommun", None, None, None, "50", "40", "0.8", "7", "7.5", "*", "-"],
        [
            "2120001439",
            "Ale kommun",
            "Ale",
            "12345678",
            "Testskolan",
            "50",
            "40",
            "0.8",
            "x7",
            "-",
            "***",
            "-",
        ],
    ]


def test_small_workbook_loads_and_quarantines_a_garbage_cell(tmp_path):
    path = _write_xlsx(tmp_path / "enkat.xlsx", {"Resultat elever åk 5 2023": _small_sheet(), "Förklaring": [["text"]]})
    result = read_skolenkaten(path)
    assert result.rows_in == 12 and result.balanced
    q = result.quarantine.row(0, named=True)
    assert (q["file"], q["line"], q["reason"]) == ("enkat.xlsx", 6, "ogiltigt värde x7")
    assert q["column"] == "Resultat elever åk 5 2023: 1. Trygghet / Index"
    rows = result.rows
    assert set(rows["respondent_group"]) == {"elever_ak5"} and set(rows["year"]) == {2023}
    masked = rows.filter(pl.col("status") == "***").row(0, named=True)
    assert (masked["answer_option"], masked["measure"], masked["value"]) == ("Helt och hållet", "count", None)
    share = rows.filter(pl.col("measure") == "share", pl.col("unit_level") == "all_units").row(0, named=True)
    assert (share["answer_option"], share["value"], share["question"]) == (
        "Helt och hållet",
        0.5,
        "Känner du dig trygg i skolan?",
    )


def test_workbook_without_results_sheet_is_a_clear_error(tmp_path):
    path = _write_xlsx(tmp_path / "fel.xlsx", {"Förklaring": [["text"]]})
    with pytest.raises(SkolenkatenFormatError, match=r"fel\.xlsx: inget blad 'Resultat …'"):
        read_skolenkaten(path)


def test_unknown_measure_header_is_a_clear_error(tmp_path):
    path = _write_xlsx(tmp_path / "median.xlsx", {"Resultat": _small_sheet(kind="Median")})
    with pytest.raises(SkolenkatenFormatError, match=r"median\.xlsx, blad 'Resultat', kolumn 9: okänd rubrik 'Median'"):
        read_skolenkaten(path)


def test_wrong_title_is_a_clear_error(tmp_path):
    path = _write_xlsx(tmp_path / "titel.xlsx", {"Resultat": _small_sheet(title="Elevenkät 2023")})
    with pytest.raises(SkolenkatenFormatError, match=r"titel\.xlsx: cell A1 är inte 'Skolenkäten ÅÅÅÅ - <grupp>'"):
        read_skolenkaten(path)


def test_the_asset_reads_skolenkaten_again_only_when_a_file_changes(tmp_path):
    """The asset on a landing skolenkaten/ folder: loaded once; the next run with the same file does not read
    the folder; a changed file is read again (pipelines/folder_loads.py)."""
    landing = tmp_path / "landing"
    folder = landing / "skolenkaten"
    folder.mkdir(parents=True)
    workbook = {"Resultat elever åk 5 2023": _small_sheet(), "Förklaring": [["text"]]}
    _write_xlsx(folder / "enkat.xlsx", workbook)
    warehouse = tmp_path / "w.duckdb"
    resources = {
        "landing": LandingConfig(landing_dir=str(landing), pseudonym_key=TEST_KEY, kommunkod="1261"),
        "warehouse": DuckDBResource(database=str(warehouse)),
    }

    def materialize() -> dict:
        result = dg.materialize([skolenkaten_results], resources=resources)
        assert result.success
        return result.asset_materializations_for_node("skolenkaten__results")[0].metadata

    def years() -> list:
        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            return sorted({r[0] for r in con.execute("select year from skolenkaten.results").fetchall()})
        finally:
            con.close()

    assert UNCHANGED not in materialize() and years() == [2023]
    assert materialize()[UNCHANGED].value is True and years() == [2023]
    workbook["Resultat elever åk 5 2023"] = _small_sheet("Skolenkäten 2024 - Elever årskurs 5")
    _write_xlsx(folder / "enkat.xlsx", workbook)
    assert UNCHANGED not in materialize() and years() == [2024]
