"""Kolada file readers against the shipped files in sources/reference/kolada (read independently here)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import polars as pl
import pytest

from sources.national import kolada_files as kf

KOLADA = Path(__file__).resolve().parents[2] / "sources" / "reference" / "kolada"
VALUES = KOLADA / "kolada_values_2010_2024.parquet"


@pytest.fixture(scope="module")
def values():
    return kf.read_kolada_values(VALUES)


def _parquet(sql: str):
    return duckdb.sql(sql.replace("VALUES_FILE", f"'{VALUES}'")).fetchall()


def test_values_frame_has_the_agreed_schema(values):
    assert values.rows.schema == pl.Schema(
        {
            "kpi_id": pl.Utf8,
            "municipality_code": pl.Utf8,
            "year": pl.Int32,
            "gender": pl.Utf8,
            "value": pl.Float64,
            "status": pl.Utf8,
            "count": pl.Int32,
        }
    )


def test_every_value_row_is_accounted_for(values):
    [(n,)] = _parquet("select count(*) from VALUES_FILE")
    assert values.rows_in == n == 138_910
    assert values.rows.height + values.quarantine.height == n
    assert values.quarantine.is_empty()


def test_kavlinge_n15428_matches_the_file(values):
    [(raw,)] = _parquet(
        "select value from VALUES_FILE where kpi='N15428' and municipality_id='1261' and year=2024 and gender='T'"
    )
    row = values.rows.filter(
        pl.col("kpi_id") == "N15428",
        pl.col("municipality_code") == "1261",
        pl.col("year") == 2024,
        pl.col("gender") == "T",
    )
    assert row.select("value", "status").row(0) == (raw, "")
    assert round(raw, 1) == 90.8  # behörighet yrkesprogram, hemkommun Kävlinge 2024


def test_status_is_kept_and_value_is_null_never_zero(values):
    statuses = dict(_parquet("select status, count(*) from VALUES_FILE group by status"))
    got = dict(values.rows.group_by("status").len().iter_rows())
    assert got == statuses
    flagged = values.rows.filter(pl.col("status") != "")
    assert flagged["value"].null_count() == flagged.height > 0
    assert set(flagged["status"]) == {"Missing", "Privacy", "Not applicable"}
    assert values.rows.filter(pl.col("status") == "")["value"].null_count() == 0
    assert values.rows["municipality_code"].str.contains(r"^\d{4}$").all()


def test_inconsistent_values_go_to_quarantine(tmp_path):
    base = {"kpi": "N15428", "municipality_id": "1261", "year": 2020, "count": 1, "gender": "T", "status": ""}
    rows = [
        base | {"value": 91.0},
        base | {"municipality_id": "126", "value": 1.0},
        base | {"gender": "X", "value": 1.0},
        base | {"gender": "K", "status": "Privacy", "value": 0.0},
        base | {"gender": "M", "value": None},
        base | {"value": 92.0},
    ]
    path = tmp_path / "values.parquet"
    pl.DataFrame(rows).write_parquet(path)
    result = kf.read_kolada_values(path)
    assert result.balanced and result.rows.height == 1
    reasons = dict(result.quarantine.select("line", "reason").iter_rows())
    assert reasons == {
        2: "kommunkod ej 4 siffror",
        3: "kön ej T/K/M",
        4: "värde trots status",
        5: "värde saknas men status är tom",
        6: "dubblett av kpi, kommun, år och kön",
    }


def test_kpi_catalogue():
    with KOLADA.joinpath("kpi_catalogue_grundskola.csv").open(encoding="utf-8") as f:
        raw = {r["id"]: r for r in csv.DictReader(f)}
    result = kf.read_kpi_catalogue()
    assert result.rows_in == len(raw) == 610 and result.balanced and result.quarantine.is_empty()
    n15505 = result.rows.filter(pl.col("kpi_id") == "N15505").row(0, named=True)
    assert n15505["title"] == raw["N15505"]["title"]
    assert n15505["is_divided_by_gender"] is (raw["N15505"]["is_divided_by_gender"] == "true")
    assert result.rows.schema["publication_date"] == pl.Date


def test_municipality_groups():
    raw = json.loads(KOLADA.joinpath("liknande_kommuner_grundskola_2024.json").read_text(encoding="utf-8"))
    result = kf.read_municipality_groups()
    assert result.rows.height == sum(len(g["members"]) for g in raw.values()) == 21 and result.balanced
    kavlinge = result.rows.filter(pl.col("group_id") == "G35976")
    assert set(kavlinge["municipality_code"]) == {"1261"} and set(kavlinge["year"]) == {2024}
    assert kavlinge.select("member_code", "member_name").rows() == [tuple(m) for m in raw["G35976"]["members"]]
    homes = dict(result.rows.select("group_id", "municipality_name").unique().iter_rows())
    assert homes == {"G35976": "Kävlinge", "G36075": "Svenljunga", "G35903": "Fagersta"}


def test_municipalities_list():
    frame = kf.read_municipalities()
    kinds = dict(frame.group_by("kind").len().iter_rows())
    assert kinds == {"kommun": 290, "region": 21, "riket": 1}
    assert kf.municipality_codes_by_name()["Kävlinge"] == "1261"


def test_oj_values_against_the_json():
    by_name = json.loads(KOLADA.joinpath("oj_grundskola_2016_2019_by_municipality.json").read_text(encoding="utf-8"))
    riket = json.loads(KOLADA.joinpath("oj_grundskola_2016_2019_riket.json").read_text(encoding="utf-8"))
    leaves = sum(len(g) for tree in [*by_name.values(), riket] for years in tree.values() for g in years.values())
    nulls = sum(
        v is None
        for tree in [*by_name.values(), riket]
        for ys in tree.values()
        for g in ys.values()
        for v in g.values()
    )
    result = kf.read_oj_values()
    assert result.rows_in == leaves and result.balanced and result.quarantine.is_empty()
    rows = result.rows

    def cell(code: str, kpi: str, year: int, gender: str):
        return (
            rows.filter(
                pl.col("municipality_code") == code,
                pl.col("kpi_id") == kpi,
                pl.col("year") == year,
                pl.col("gender") == gender,
            )
            .select("value", "status")
            .row(0)
        )

    assert cell("1261", "N15505", 2016, "T") == (by_name["Kävlinge"]["N15505"]["2016"]["T"], "") == (239.1, "")
    assert cell("0000", "N15505", 2019, "K") == (riket["N15505"]["2019"]["K"], "")
    assert by_name["Kävlinge"]["N15488"]["2018"]["M"] is None
    assert cell("1261", "N15488", 2018, "M") == (None, "Missing")
    assert rows.filter(pl.col("status") == "Missing").height == nulls
    assert rows["municipality_code"].n_unique() == 291  # 290 municipalities and riket
    assert rows.schema == kf.read_kolada_values(VALUES).rows.schema  # the two sources stack


def test_oj_unknown_municipality_and_text_value_are_quarantined(tmp_path):
    by_name = {
        "Kävlinge": {"N15505": {"2016": {"T": 239.1, "K": "n/a"}}},
        "Atlantis": {"N15505": {"2016": {"T": 1}}},
    }
    (tmp_path / "m.json").write_text(json.dumps(by_name), encoding="utf-8")
    (tmp_path / "r.json").write_text(json.dumps({"N15505": {"2016": {"T": 224.8}}}), encoding="utf-8")
    result = kf.read_oj_values(tmp_path / "m.json", tmp_path / "r.json")
    assert result.balanced and result.rows.height == 2
    assert sorted(result.quarantine["reason"]) == ["okänt kommunnamn", "värdet är inte ett tal"]
    assert "Atlantis" in result.quarantine.filter(pl.col("reason") == "okänt kommunnamn")["raw"][0]
