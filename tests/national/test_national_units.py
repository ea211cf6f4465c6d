"""The national school-unit files shipped for SALSA and liknande skolenheter (sources/reference), read by
sources/national/national_units.py, against figures stated in the shared data MANIFEST and read here
independently with the json module."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import polars as pl
import pytest

from sources.national import national_units as nu

REFERENCE = Path(__file__).resolve().parents[2] / "sources" / "reference"
TOLVAKER = "13578112"  # Tolvåkerskolan 7-9, Kävlinge
KORSBACKA = "46107605"  # Korsbackaskolan, Kävlinge


@pytest.fixture(scope="module")
def loaded() -> nu.NationalUnits:
    return nu.read_national_units()


def _value(loaded, code: str, variable: str, school_year: str, publisher: str = "skolverket") -> float:
    rows = loaded.values.filter(
        (pl.col("school_unit_code") == code)
        & (pl.col("variable") == variable)
        & (pl.col("school_year") == school_year)
        & (pl.col("publisher") == publisher)
    )
    assert rows.height == 1, (code, variable, school_year, rows)
    return rows["value"][0]


def test_tolvakerskolan_salsa_2024_from_kolada_is_as_the_manifest_states(loaded):
    # MANIFEST: "Includes Kävlinge's Tolvåker (expected 241, deviation +4) and Korsbacka (237, 0)", year 2024.
    assert _value(loaded, TOLVAKER, "U15415", "2023/24", "kolada") == 241
    assert _value(loaded, TOLVAKER, "U15416", "2023/24", "kolada") == 4
    assert _value(loaded, KORSBACKA, "U15415", "2023/24", "kolada") == 237
    assert _value(loaded, KORSBACKA, "U15416", "2023/24", "kolada") == 0
    year = loaded.values.filter((pl.col("school_unit_code") == TOLVAKER) & (pl.col("variable") == "U15416"))["year"]
    assert year.to_list() == [2024]


def test_tolvakerskolan_meritvarde_2024_25_is_237_7_and_its_salsa_2024_25(loaded):
    # MANIFEST: "Tolvåkerskolan's meritvärde 2024/25 is 237.7 in both the SIRIS skolenhet export and the v4 extract".
    assert _value(loaded, TOLVAKER, "averageGradesMeritRating9thGrade", "2024/25") == 237.7
    raw = json.loads((REFERENCE / "skolverket" / "skolkarta_grundskola_ak9_pe_v4_2026-06-21.json").read_text("utf-8"))
    unit = next(s for s in raw["schools"] if s["kod"] == TOLVAKER)
    assert unit["namn"] == "Tolvåkerskolan 7-9" and unit["kommun"] == "Kävlinge"
    assert _value(loaded, TOLVAKER, "salsaAverageGradesIn9thGradeActual", "2024/25") == unit["salsaActual"]
    assert _value(loaded, TOLVAKER, "salsaAverageCalculated", "2024/25") == unit["salsaCalc"]
    assert _value(loaded, TOLVAKER, "salsaAverageGradesIn9thGradeDeviation", "2024/25") == unit["salsaDev"]
    assert unit["salsaActual"] - unit["salsaCalc"] == unit["salsaDev"]  # SALSA's deviation is actual − modelled
    assert _value(loaded, TOLVAKER, "salsaParentsEducation", "2024/25") == unit["salsaParents"]
    units = loaded.units.filter(pl.col("school_unit_code") == TOLVAKER)
    assert units.select("school_unit_name", "municipality_code", "kolada_ou").row(0) == (
        "Tolvåkerskolan 7-9",
        "1261",
        "V15E126101901",
    )


def test_every_unit_and_value_of_the_files_is_accounted_for(loaded):
    raw = json.loads((REFERENCE / "skolverket" / "skolkarta_grundskola_ak9_pe_v4_2026-06-21.json").read_text("utf-8"))
    kolada = json.loads((REFERENCE / "kolada" / "kolada_ou_salsa_U15415_U15416_2024_by_skolenhetskod.json").read_text())
    assert len(raw["schools"]) == 1567 and len(kolada) == 1330  # as the MANIFEST states
    salsa = loaded.values.filter(pl.col("variable") == "salsaAverageGradesIn9thGradeDeviation")
    assert salsa.height == sum("salsaDev" in s for s in raw["schools"]) == 1487
    merit = loaded.values.filter(pl.col("variable") == "averageGradesMeritRating9thGrade")
    assert merit.height == sum(len(s["series"]["meritvarde"]) for s in raw["schools"])
    assert loaded.values.filter(pl.col("publisher") == "kolada").height == 2 * 1330
    assert loaded.quarantine.is_empty()
    assert all(r.balanced for r in loaded.results)
    # every unit of the v4 extract has a kommunkod (from SIRIS or from its kommun's name)
    codes = {s["kod"] for s in raw["schools"]}
    assert loaded.units.filter(pl.col("school_unit_code").is_in(codes))["municipality_code"].null_count() == 0


def test_siris_background_keeps_siris_codes_as_status(loaded):
    girls = loaded.values.filter(pl.col("variable") == "share_girls_grade_1_9_pct")
    assert _value(loaded, TOLVAKER, "share_girls_grade_1_9_pct", "2023/24") == 54.5
    assert _value(loaded, TOLVAKER, "pupils_grade_9", "2023/24") == 161
    hidden = girls.filter(pl.col("status") != "")
    assert hidden.height > 0 and hidden["value"].null_count() == hidden.height
    assert set(hidden["status"]) <= {".", ".."}


def test_skolenkaten_vt25_of_tolvakerskolan_is_as_published(loaded):
    # The MANIFEST's cache (skolkarta_cache_survey-gr_pe_v4.tar.gz), read here with tarfile and json: Tolvåkerskolan's
    # VT25 round — pupils in åk 8, 115 respondents, trygghet 7.7; guardians, 148 respondents, trygghet 6.8.
    with tarfile.open(nu.SKOLENKATEN_FILE, "r|gz") as archive:  # streamed, in the archive's order
        documents = {m.name: json.load(archive.extractfile(m)) for m in archive if m.isfile()}
    files = list(documents)
    raw = documents[f"cache/survey-gr/{TOLVAKER}.json"]
    assert (raw["e"]["sem"], raw["e"]["ak"], raw["e"]["n"], raw["e"]["trygg"]) == ("VT25", "ak8", 115, 7.7)
    assert (raw["p"]["sem"], raw["p"]["n"], raw["p"]["trygg"]) == ("VT25", 148, 6.8)
    assert _value(loaded, TOLVAKER, "skolenkaten_elever_ak8_trygghet", "2024/25") == 7.7
    assert _value(loaded, TOLVAKER, "skolenkaten_elever_ak8_n", "2024/25") == 115
    assert _value(loaded, TOLVAKER, "skolenkaten_vardnadshavare_trygghet", "2024/25") == 6.8
    assert _value(loaded, TOLVAKER, "skolenkaten_vardnadshavare_studiero", "2024/25") == raw["p"]["ro"]
    # every figure of the 1,809 files is a value: 5 areas and the respondents per group, as far as given
    given = sum(
        sum(k in group for k in ("trygg", "ro", "stod", "stim", "nojd", "n"))
        for document in documents.values()
        for group in (document or {}).values()
        if group
    )
    assert len(files) == 1809
    assert loaded.values.filter(pl.col("variable").str.starts_with("skolenkaten_")).height == given


def test_a_skolenkaten_figure_out_of_range_or_of_an_unknown_term_is_quarantined(tmp_path):
    path = tmp_path / "survey.tar.gz"
    files = {
        "cache/survey-gr/12345678.json": {"p": {"trygg": 8.5, "ro": 11, "n": 40, "sem": "VT26"}},
        "cache/survey-gr/87654321.json": {"e": {"trygg": 7.0, "n": 20, "sem": "2025", "ak": "ak5"}},
        "cache/survey-gr/11112222.json": None,
    }
    with tarfile.open(path, "w:gz") as archive:
        for name, content in files.items():
            data = json.dumps(content).encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    result, _units = nu.read_skolenkaten(path)
    assert result.balanced and result.rows_in == 5
    assert sorted(result.quarantine["reason"].to_list()) == ["ogiltigt läsår", "ogiltigt läsår", "utanför intervallet"]
    assert result.rows.select("school_unit_code", "variable", "school_year", "year", "value").rows() == [
        ("12345678", "skolenkaten_vardnadshavare_trygghet", "2025/26", 2026, 8.5),
        ("12345678", "skolenkaten_vardnadshavare_n", "2025/26", 2026, 40.0),
    ]


def test_a_value_out_of_range_or_an_invalid_code_is_quarantined(tmp_path):
    bad = {
        "12345678": {"deviation": 999, "expected": 241, "koladaOu": "V15E1", "year": 2024},
        "1234": {"deviation": 1, "expected": 200, "koladaOu": "V15E2", "year": 2024},
        "87654321": {"deviation": "4", "expected": 230, "koladaOu": "V15E3", "year": 2024},
    }
    path = tmp_path / "salsa.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    result, _units = nu.read_kolada_salsa(path)
    assert result.balanced and result.rows_in == 6
    reasons = sorted(result.quarantine["reason"].to_list())
    assert reasons == [
        "inte ett ändligt tal",
        "skolenhetskod ej 8 siffror",
        "skolenhetskod ej 8 siffror",
        "utanför intervallet",
    ]
    assert result.rows.select("school_unit_code", "variable", "value").rows() == [
        ("12345678", "U15415", 241.0),
        ("87654321", "U15415", 230.0),
    ]


def test_the_asset_reads_the_files_again_only_when_they_change(tmp_path, monkeypatch):
    """A nightly run costs what is new: the asset reads the shipped files once, not again while they and their
    readers stay the same; another file (here: one more in the set) reads them again, and a warehouse whose
    tables are gone gets them again."""
    import dagster as dg
    import duckdb
    from dagster_duckdb import DuckDBResource

    from pipelines.assets import national_reference

    database = tmp_path / "warehouse.duckdb"
    reads = []
    real = nu.read_national_units

    def counted():
        reads.append(1)
        return real()

    monkeypatch.setattr(nu, "read_national_units", counted)

    def materialize() -> None:
        result = dg.materialize(
            [national_reference.national_units],
            resources={"warehouse": DuckDBResource(database=str(database))},
            instance=dg.DagsterInstance.ephemeral(),
        )
        assert result.success

    def held() -> tuple:
        with duckdb.connect(str(database), read_only=True) as con:
            return con.execute(
                "select (select count(*) from national_units.school_units), "
                "(select count(*) from national_units.unit_values)"
            ).fetchone()

    materialize()
    first = held()
    assert len(reads) == 1 and first[0] > 4000 and first[1] > 0
    materialize()
    assert len(reads) == 1 and held() == first  # the same files: not read again

    note = tmp_path / "utgava.txt"
    note.write_text("en ny utgåva", encoding="utf-8")
    monkeypatch.setattr(nu, "FILES", (*nu.FILES, note))
    materialize()
    assert len(reads) == 2 and held() == first
    with duckdb.connect(str(database)) as con:
        con.execute("drop table national_units.unit_values")
    materialize()
    assert len(reads) == 3 and held() == first
