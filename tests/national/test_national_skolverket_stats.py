"""Planned Educations statistics parquet: the shipped file, read independently with DuckDB here."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from sources.national.skolverket_stats import read_planned_educations_statistics

FILE = (
    Path(__file__).resolve().parents[2]
    / "sources"
    / "reference"
    / "skolverket"
    / "planned_educations_v3_gr_statistics_stockholm_uppsala_2024-12-12.parquet"
)


def _sql(sql: str):
    return duckdb.sql(sql.replace("FILE", f"'{FILE}'")).fetchall()


@pytest.fixture(scope="module")
def stats():
    return read_planned_educations_statistics(FILE)


def test_every_row_is_accounted_for(stats):
    [(n,)] = _sql("select count(*) from FILE")
    [(no_period,)] = _sql('select count(*) from FILE where "timePeriod" is null')
    [(no_form,)] = _sql('select count(*) from FILE where type is null and "timePeriod" is not null')
    assert stats.rows_in == n and stats.balanced
    reasons = dict(stats.quarantine.group_by("column").len().iter_rows())
    assert reasons == {"timePeriod": no_period, "type": no_form}


def test_schema_and_order(stats):
    assert list(stats.rows.columns) == [
        "school_unit_code",
        "school_unit_name",
        "municipality_code",
        "municipality_name",
        "school_form",
        "variable",
        "time_period",
        "year",
        "value",
        "status",
        "value_type",
        "is_approximate",
    ]
    assert stats.rows["time_period"].is_sorted()
    assert stats.rows["municipality_code"].str.contains(r"^\d{4}$").all()


def test_value_types_become_status_codes_with_null_values(stats):
    expected = {
        "EXISTS": "",
        "MISSING": ".",
        "OMITTED_DUE_TO_BASED_ON_FEW_PUPILS": "..",
        "ROUNDED_OFF_DUE_TO_FEW_PUPILS_NOT_ELIGIBLE": "~100",
        "TEACHERS_EXCLUDED_DUE_TO_NO_REQUIRED_LEGITIMATION": "*",
    }
    pairs = dict(stats.rows.select("value_type", "status").unique().iter_rows())
    assert pairs == expected
    coded = stats.rows.filter(pl.col("status") != "")
    assert coded["value"].null_count() == coded.height  # '~100' too, although the file says 100
    assert stats.rows.filter(pl.col("status") == "")["value"].null_count() == 0


def test_time_period_is_the_school_year_and_year_its_spring(stats):
    periods = dict(stats.rows.select("time_period", "year").unique().iter_rows())
    assert periods == {"2019/20": 2020, "2020/21": 2021, "2021/22": 2022, "2022/23": 2023, "2023/24": 2024}


def test_a_published_merit_value(stats):
    [(code, period, value)] = _sql(
        """select "Skolenhetskod", "timePeriod", value from FILE
           where variable = 'averageGradesMeritRating9thGrade' and "valueType" = 'EXISTS' and type = 'gr'
           order by "Skolenhetskod", "timePeriod" limit 1"""
    )
    row = stats.rows.filter(
        pl.col("school_unit_code") == code,
        pl.col("variable") == "averageGradesMeritRating9thGrade",
        pl.col("school_form") == "gr",
        pl.col("year") == period + 1,
    )
    assert row.select("value", "status").row(0) == (value, "")


def test_same_unit_differs_by_school_form(stats):
    # Lärande Grundskola Skapa reports certified teachers for fsk and gr separately (50.0 vs 69.2 in 2019/20)
    unit = stats.rows.filter(
        pl.col("school_unit_code") == "10063280",
        pl.col("variable") == "certifiedTeachersQuota",
        pl.col("time_period") == "2019/20",
    )
    assert dict(unit.select("school_form", "value").iter_rows()) == {"fsk": 50.0, "gr": 69.2}


def test_pupil_counts_are_flagged_approximate(stats):
    pupils = stats.rows.filter(pl.col("variable") == "totalNumberOfPupils", pl.col("status") == "")
    assert pupils["is_approximate"].all() and (pupils["value"] % 10 == 0).all()
    assert not stats.rows.filter(pl.col("variable") != "totalNumberOfPupils")["is_approximate"].any()


def test_malformed_rows_are_quarantined(tmp_path):
    base = {
        "value": 230.0,
        "valueType": "EXISTS",
        "timePeriod": 2022,
        "variable": "averageGradesMeritRating9thGrade",
        "Skolenhetskod": "12345678",
        "Kommunkod": "0117",
        "Skolenhetsnamn": "Testskolan",
        "type": "gr",
        "Kommunnamn": "Österåker",
    }
    rows = [
        base,
        base | {"timePeriod": 2023, "valueType": "SOMETHING_NEW"},
        base | {"timePeriod": 2021, "value": None},
        base | {"timePeriod": 2020, "Skolenhetskod": "1234"},
        base,
    ]
    path = tmp_path / "stats.parquet"
    pl.DataFrame(rows).write_parquet(path)
    result = read_planned_educations_statistics(path)
    assert result.balanced and result.rows.height == 1
    assert result.rows.select("time_period", "year", "value", "status").row(0) == ("2022/23", 2023, 230.0, "")
    assert dict(result.quarantine.select("line", "reason").iter_rows()) == {
        2: "okänd valueType",
        3: "EXISTS utan värde",
        4: "skolenhetskod ej 8 siffror",
        5: "dubblett av enhet, skolform, variabel och år",
    }
    assert '"valueType":"SOMETHING_NEW"' in result.quarantine["raw"][0]
