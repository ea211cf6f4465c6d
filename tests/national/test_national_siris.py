"""SIRIS reader: the five real per-skolenhet "Antal elever per årskurs" exports in sources/reference/siris, and
malformed files made in tmp_path (every other report: test_siris_reports)."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from sources.national.siris import SirisFormatError, read_siris

SIRIS_DIR = Path(__file__).resolve().parents[2] / "sources" / "reference" / "siris"
# The per-skolenhet pupil counts; every other shipped report is tested in test_siris_reports.
REAL_FILES = sorted(SIRIS_DIR.glob("grundskola_antal_elever_per_arskurs_skolenhet_*.csv"))
CODES = {".", "..", "~100", "*", "-"}

# The measures in the order of the real header, after the seven identity columns (the mapping under test).
MEASURES = [
    "pupils_preschool_class",
    "share_girls_preschool_class_pct",
    "pupils_grade_1_9",
    "share_girls_grade_1_9_pct",
    "share_foreign_background_grade_1_9_pct",
    "share_parents_post_secondary_grade_1_9_pct",
    *(f"pupils_grade_{g}" for g in range(1, 10)),
]


def _table(path: Path) -> tuple[list[str], int]:
    """(table lines, 1-based line number of the first) counted straight from the text."""
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("Skola;"))
    end = next(i for i in range(head + 1, len(lines)) if not lines[i].strip())
    return lines[head + 1 : end], head + 2


def _expected(raw: str) -> tuple[float | None, str]:
    raw = raw.strip()
    if raw in CODES:
        return None, raw
    return float(raw.replace(" ", "").replace(",", ".")), ""


@pytest.fixture(scope="module")
def results():
    return {p.name: read_siris(p) for p in REAL_FILES}


def test_five_real_years_are_shipped():
    years = [re.search(r"_(\d{4})\.csv$", p.name).group(1) for p in REAL_FILES]
    assert years == ["2009", "2015", "2020", "2022", "2023"]


@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: p.stem[-4:])
def test_every_cell_of_a_real_file_is_accounted_for(results, path):
    result = results[path.name]
    table, first_line = _table(path)
    assert result.rows_in == len(table) * len(MEASURES)
    assert result.rows.height + result.quarantine.height == result.rows_in
    assert result.quarantine.is_empty()
    expected = []
    for offset, line in enumerate(table):
        cells = line.split(";")
        for measure, raw in zip(MEASURES, cells[7:22], strict=True):
            expected.append((first_line + offset, cells[1], measure, *_expected(raw)))
    want = pl.DataFrame(
        expected, schema=["source_line", "school_unit_code", "measure", "value", "status"], orient="row"
    )
    got = result.rows.select(want.columns)
    assert got.sort("source_line", "measure").equals(want.sort("source_line", "measure"))


@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: p.stem[-4:])
def test_school_year_comes_from_the_preamble(results, path):
    start = int(re.search(r"_(\d{4})\.csv$", path.name).group(1))  # the file name is the autumn year
    rows = results[path.name].rows
    assert rows["school_year"].unique().to_list() == [f"{start}/{(start + 1) % 100:02d}"]
    assert rows["year"].unique().to_list() == [start + 1]
    assert rows["report"].unique().to_list() == ["antal_elever_per_arskurs"]


def _unit(results, year: str, code: str) -> dict[str, tuple[float | None, str]]:
    rows = results[f"grundskola_antal_elever_per_arskurs_skolenhet_{year}.csv"].rows
    unit = rows.filter(pl.col("school_unit_code") == code)
    return {m: (v, s) for m, v, s in unit.select("measure", "value", "status").iter_rows()}


def test_published_values_of_ahlafors_fria_skola_2023_24(results):
    # line 7 of the 2023 file: Ahlafors Fria skola;71387206;Ale;1440;Enskild;…;22;..;261;47,5;4,6;70,1;22;…
    unit = _unit(results, "2023", "71387206")
    assert unit["pupils_grade_1_9"] == (261.0, "")
    assert unit["share_girls_grade_1_9_pct"] == (47.5, "")
    assert unit["pupils_preschool_class"] == (22.0, "")
    assert unit["share_girls_preschool_class_pct"] == (None, "..")
    assert unit["pupils_grade_9"] == (48.0, "")


def test_special_codes_become_null_with_status(results):
    rows = pl.concat([r.rows for r in results.values()])
    coded = rows.filter(pl.col("status") != "")
    assert coded["value"].null_count() == coded.height
    assert set(coded["status"].unique()) == {".", "..", "~100"}
    assert rows.filter(pl.col("status") == "")["value"].null_count() == 0
    # ISGR International K-5* (Göteborg) 2023/24: share with foreign background published as '~100'
    assert _unit(results, "2023", "41294775")["share_foreign_background_grade_1_9_pct"] == (None, "~100")


def test_thousands_separator_and_old_unit_codes(results):
    path = SIRIS_DIR / "grundskola_antal_elever_per_arskurs_skolenhet_2009.csv"
    table, _ = _table(path)
    line = next(x for x in table if re.search(r";\d \d{3};", x))
    cells = line.split(";")
    pos = next(i for i, c in enumerate(cells) if re.fullmatch(r"\d \d{3}", c))
    unit = _unit(results, "2009", cells[1])
    assert unit[MEASURES[pos - 7]] == (float(cells[pos].replace(" ", "")), "")
    # 2009 still has 9-digit unit codes with a leading zero: they stay text
    vegby = results[path.name].rows.filter(pl.col("school_unit_code") == "076400503")
    assert vegby["school_unit_name"][0] == "Vegbyskolan" and vegby["municipality_code"][0] == "0764"
    # independent organisers had no name or org. number in 2009: NULL, not ''
    ahlafors = results[path.name].rows.filter(pl.col("school_unit_code") == "71387206")
    assert ahlafors["organiser_name"].null_count() == ahlafors.height


# ---- malformed and drifting files --------------------------------------------------------------------

REAL_2023 = SIRIS_DIR / "grundskola_antal_elever_per_arskurs_skolenhet_2023.csv"


def _write(tmp_path: Path, lines: list[str], name: str = "siris.csv", encoding: str = "utf-8-sig") -> Path:
    path = tmp_path / name
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def _real_head(n_rows: int = 3) -> list[str]:
    lines = REAL_2023.read_text(encoding="utf-8-sig").splitlines()
    return lines[: 6 + n_rows]  # 5 preamble lines, the header, n_rows table lines


def test_wrong_title_is_a_clear_error(tmp_path):
    lines = _real_head()
    lines[2] = "Grundskolan - Betyg per ämne årskurs 6"
    path = _write(tmp_path, lines, "fel_rapport.csv")
    with pytest.raises(SirisFormatError, match=r"fel_rapport\.csv, rad 3: okänd SIRIS-rapport"):
        read_siris(path)


def test_missing_header_row_is_a_clear_error(tmp_path):
    lines = [line for line in _real_head() if not line.startswith("Skola;")]
    path = _write(tmp_path, lines, "utan_rubrik.csv")
    with pytest.raises(SirisFormatError, match=r"utan_rubrik\.csv: hittar ingen rubrikrad som börjar med 'Skola'"):
        read_siris(path)


def test_missing_school_year_is_a_clear_error(tmp_path):
    lines = _real_head()
    lines[3] = "Valt läsår:"
    with pytest.raises(SirisFormatError, match=r"siris\.csv: raden 'Valt läsår"):
        read_siris(_write(tmp_path, lines))


def test_unknown_column_is_a_clear_error(tmp_path):
    lines = _real_head()
    lines[5] = lines[5].replace("Elever, årskurs 9", "Elever, årskurs 10")
    with pytest.raises(SirisFormatError, match=r"okända kolumner \['Elever, årskurs 10'\]"):
        read_siris(_write(tmp_path, lines))


def test_doubled_column_is_a_clear_error(tmp_path):
    lines = _real_head()
    lines[5] = lines[5] + "Elever, årskurs 9;"
    with pytest.raises(SirisFormatError, match=r"kolumnen 'Elever, årskurs 9' förekommer två gånger"):
        read_siris(_write(tmp_path, lines))


def test_garbage_value_and_broken_line_go_to_quarantine(tmp_path):
    lines = _real_head(4)
    lines[6] = lines[6].replace(";261;", ";26x;")  # Ahlafors: pupils åk 1-9
    lines[7] = ";".join(lines[7].split(";")[:10])  # a line cut short
    lines += ["", "Rapportbeskrivning och definitioner etc.", "", lines[8]]  # a data line after the table
    path = _write(tmp_path, lines, "trasig.csv")
    result = read_siris(path)
    assert result.balanced and result.rows_in == 5 * len(MEASURES)
    q = result.quarantine
    garbage = q.filter(pl.col("line") == 7)
    assert garbage.select("file", "column", "reason").row(0) == (
        "trasig.csv",
        "Elever, årskurs 1-9",
        "ogiltigt värde 26x",
    )
    assert garbage["raw"][0] == lines[6]
    assert q.filter(pl.col("line") == 8).height == len(MEASURES)
    assert q.filter(pl.col("line") == 8)["reason"].unique().to_list() == ["fel antal fält: 10, väntade 23"]
    stray = q.filter(pl.col("line") == 14)["reason"].unique().to_list()
    assert stray == ["datarad efter tabellens slut (tom rad före)"]
    # the rest of the garbage line still loads
    assert result.rows.filter(pl.col("source_line") == 7).height == len(MEASURES) - 1


def test_drifting_headers_map_onto_the_same_measures(tmp_path):
    lines = _real_head()
    lines[2] = "Grundskola - Antal elever per årskurs"
    lines[5] = (
        lines[5]
        .replace("Skol-enhetskod", "Skolenhetskod")
        .replace("Kommun-kod", "Kommunkod")
        .replace("utländsk bakgrund, åk 1-9", "utländsk bakgrund, årskurs 1-9")
        .replace("eftergymnasial utb., åk 1-9", "eftergymnasial utbildning, åk 1-9")
        .replace("Andel (%) flickor, förskoleklass", "Andel flickor (%), förskoleklass")
    )
    drifted = read_siris(_write(tmp_path, lines, "drift.csv", encoding="cp1252"))
    original = read_siris(_write(tmp_path, _real_head(), "original.csv"))
    assert drifted.rows.drop("report").equals(original.rows.drop("report"))
    assert any("cp1252" in m for m in drifted.messages)


def test_final_grades_report_keeps_merit_16_and_17_apart(tmp_path):
    def export(year: str, grades_header: str, merit: str) -> Path:
        lines = [
            "Statistik från Skolverket, http://www.skolverket.se",
            "",
            "Grundskolan - Slutbetyg årskurs 9, samtliga elever",
            f"Valt läsår: {year}",
            "",
            "Skola;Skol-enhetskod;Skolkommun;Kommun-kod;Typ av huvudman;Huvudman;Huvudman orgnr;Antal elever;"
            f"{grades_header};Andel (%) behörig yrkesprog.;Genomsnittligt meritvärde ({merit});",
            "Ahlafors Fria skola;71387206;Ale;1440;Enskild;Ahlafors;7696142343;25;96,0;~100;274,2;",
            "Liten skola;99999999;Ale;1440;Kommunal;Ale;2120001439;..;.;.;..;",
        ]
        return _write(tmp_path, lines, f"slutbetyg_{year[:4]}.csv")

    old = read_siris(export("2012/13", "Andel som uppnått kunskapskraven i alla ämnen", "16")).rows
    new = read_siris(export("2022/23", "Andel (%) som uppnått betygskriterierna i alla ämnen", "17")).rows
    assert set(old["measure"]) - set(new["measure"]) == {"average_merit_value_16"}
    assert set(new["measure"]) - set(old["measure"]) == {"average_merit_value_17"}
    passed = new.filter(pl.col("measure") == "share_all_subjects_passed_pct", pl.col("school_unit_code") == "71387206")
    assert passed.select("value", "status", "year").row(0) == (96.0, "", 2023)
    assert old.filter(pl.col("school_unit_code") == "99999999")["status"].to_list().count("..") == 2
