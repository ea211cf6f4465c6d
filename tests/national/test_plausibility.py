"""Validation of national answers before storing: typed cells, finite numbers, ranges per KPI unit or
statistics variable, earlier values kept, and a partial answer never removing what the warehouse holds."""

from __future__ import annotations

import json
from datetime import datetime

import polars as pl
import pytest

from sources.national import kolada_api as kolada
from sources.national import skolverket_api as skolverket
from sources.national.http import JsonFetcher
from sources.national.kolada_history import CELL_KEY, revisions
from sources.national.payloads import INVALID
from sources.national.plausibility import (
    coverage_warnings,
    keep_held,
    range_by,
    rejection_warnings,
    split_implausible,
)

try:
    from tests.national.fake_servers import FakeNationalServer
except ImportError:  # tests/ is not a package: pytest puts this folder on sys.path instead
    from fake_servers import FakeNationalServer

CONFIG = kolada.load_kpi_config()
BOUNDS = range_by("kpi_id", {k.id: k.value_range for k in CONFIG})
AKERS_FRISKOLA = "29824923"
EARLIER = datetime(2024, 12, 12)


def fetcher() -> JsonFetcher:
    return JsonFetcher(timeout=5, deadline_seconds=10)


def cell(kpi: str, muni: str, year: int, value, gender: str = "T") -> dict:
    cells = [{"gender": gender, "status": "", "value": value, "count": 1, "isdeleted": False}]
    return {"kpi": kpi, "municipality": muni, "period": year, "values": cells}


def describe(row: dict) -> str:
    return f"{row['kpi_id']}, kommun {row['municipality_code']}, år {row['year']}"


ABSURD = [
    cell("N15419", "1261", 2023, float("nan")),  # JSON NaN
    cell("N15419", "1262", 2023, float("inf")),  # JSON Infinity
    cell("N15505", "1261", 2023, 1e300),
    cell("N15436", "1261", 2023, -5),  # a negative percentage
    cell("N15433", "1261", 2023, "abc"),
    cell("N15434", "1261", 2023, "NaN"),  # NaN as text
    cell("N15435", "1261", 2023, True),
    cell("N15505", "1262", 2023, 341.0),  # above the 17-subject maximum
]
SENSIBLE = [cell("N15505", "1263", 2023, 231.5), cell("U15416", "1261", 2023, -12.0)]  # a SALSA deviation


def test_every_absurd_kolada_value_is_rejected_with_a_named_warning():
    with FakeNationalServer(extra_kolada_data=ABSURD + SENSIBLE) as srv:
        kpis = ["N15419", "N15505", "N15436", "N15433", "N15434", "N15435", "U15416"]
        fetched = kolada.fetch_values(srv.kolada_url, kpis, [2023], fetcher=fetcher())
    # the parser lets the answer through and marks each figure that is no finite number
    assert set(fetched.filter(pl.col("status") == INVALID)["kpi_id"]) == {"N15419", "N15433", "N15434", "N15435"}
    accepted, rejected = split_implausible(fetched, *BOUNDS)
    assert accepted.select("kpi_id", "municipality_code", "value").sort("kpi_id").rows() == [
        ("N15505", "1263", 231.5),
        ("U15416", "1261", -12.0),
    ]
    assert rejected.height == len(ABSURD)
    warnings = [w.removesuffix("; tidigare värde behålls") for w in rejection_warnings("Kolada", rejected, describe)]
    assert "Kolada: avvisat värde för N15436, kommun 1261, år 2023: -5 ligger utanför 0–100" in warnings
    assert "Kolada: avvisat värde för N15505, kommun 1261, år 2023: 1e+300 ligger utanför 0–340" in warnings
    assert "Kolada: avvisat värde för N15505, kommun 1262, år 2023: 341 ligger utanför 0–340" in warnings
    assert "Kolada: avvisat värde för N15419, kommun 1262, år 2023: inte ett ändligt tal" in warnings


def test_a_status_wins_over_a_garbage_value():
    privacy = [{"gender": "T", "status": "Privacy", "value": "abc", "count": 1}]
    data = [{"kpi": "N15505", "municipality": "1261", "period": 2023, "values": privacy}]
    with FakeNationalServer(extra_kolada_data=data) as srv:
        fetched = kolada.fetch_values(srv.kolada_url, ["N15505"], [2023], fetcher=fetcher())
    assert fetched.rows() == [("N15505", "1261", 2023, "T", None, "Privacy", 1)]
    assert split_implausible(fetched, *BOUNDS)[1].is_empty()


def _held(rows: list[tuple]) -> pl.DataFrame:
    frame = pl.DataFrame(rows, schema=kolada.VALUES_SCHEMA, orient="row")
    return frame.with_columns(pl.lit(EARLIER).alias("fetched_at"), pl.lit("sources/reference").alias("origin"))


def _newest(history: pl.DataFrame) -> pl.DataFrame:
    """What stg_kolada__values serves: the newest version of each cell."""
    return history.sort("fetched_at").unique(CELL_KEY, keep="last").sort(CELL_KEY).select(CELL_KEY + ["value"])


def test_rejected_cells_keep_their_earlier_value_as_newest_version():
    held = _held([("N15505", "1261", 2023, "T", 228.4, "", 1), ("N15436", "1261", 2023, "T", 88.0, "", 1)])
    with FakeNationalServer(extra_kolada_data=[ABSURD[2], ABSURD[3]]) as srv:
        fetched = kolada.fetch_values(srv.kolada_url, ["N15505", "N15436"], [2023], ["1261"], fetcher=fetcher())
    accepted, rejected = split_implausible(fetched, *BOUNDS)
    assert rejected.height == 2 and accepted.is_empty()
    now = accepted.with_columns(pl.lit(datetime(2026, 1, 5)).alias("fetched_at"), pl.lit("api").alias("origin"))
    history = pl.concat([held, revisions(held, now)])
    assert _newest(history).equals(_newest(held))


def test_an_answer_with_a_handful_of_municipalities_removes_none():
    # the warehouse holds N15505 for 30 municipalities; the answer suddenly has 3 (one of them revised)
    held = _held([("N15505", f"{1200 + i:04d}", 2023, "T", 200.0 + i, "", 1) for i in range(30)])
    handful = [
        cell("N15505", "1200", 2023, 200.0),
        cell("N15505", "1201", 2023, 250.0),
        cell("N15505", "0000", 2023, 1),
    ]
    with FakeNationalServer() as srv:
        srv.data = handful
        fetched = kolada.fetch_values(srv.kolada_url, ["N15505"], [2023], fetcher=fetcher())
    accepted, _ = split_implausible(fetched, *BOUNDS)
    warnings = coverage_warnings("Kolada", held, accepted, "kpi_id", "municipality_code", "kommuner")
    assert warnings == [
        "Kolada: svaret för N15505 innehåller bara 3 av 30 kommuner; de som saknas behåller sina senast hämtade värden"
    ]
    now = accepted.with_columns(pl.lit(datetime(2026, 1, 5)).alias("fetched_at"), pl.lit("api").alias("origin"))
    added = revisions(held, now)
    assert added.select("municipality_code", "value").sort("municipality_code").rows() == [
        ("0000", 1.0),
        ("1201", 250.0),
    ]
    served = _newest(pl.concat([held, added]))
    assert served.filter(pl.col("municipality_code") != "0000").height == 30
    assert served.filter(pl.col("municipality_code") == "1229")["value"].to_list() == [229.0]
    assert served.filter(pl.col("municipality_code") == "1201")["value"].to_list() == [250.0]


def test_keep_held_merges_a_replaced_table_cell_by_cell():
    key = ["unit", "variable"]
    held = pl.DataFrame({"unit": ["a", "a", "b"], "variable": ["x", "y", "x"], "value": [1.0, 2.0, 3.0]})
    accepted = pl.DataFrame({"unit": ["a"], "variable": ["x"], "value": [1.5]})
    merged = keep_held(held, accepted, key).sort(key)
    assert merged.rows() == [("a", "x", 1.5), ("a", "y", 2.0), ("b", "x", 3.0)]
    assert keep_held(None, accepted, key).equals(accepted)


def _unit_answer(variable: str, entries: list[dict]) -> str:
    return json.dumps({"status": "OK", "body": {"schoolUnit": AKERS_FRISKOLA, variable: entries}})


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("certifiedTeachersQuota", "NaN", "inte ett ändligt tal"),
        ("certifiedTeachersQuota", "Infinity", "inte ett ändligt tal"),
        ("certifiedTeachersQuota", "abc", "inte ett ändligt tal"),
        ("certifiedTeachersQuota", float("nan"), "inte ett ändligt tal"),  # a JSON NaN, not text
        ("certifiedTeachersQuota", "-5,0", "-5 ligger utanför 0–100"),
        ("averageGradesMeritRating9thGrade", "1e300", "1e+300 ligger utanför 0–340"),
        ("averageResultNationalTestsSubjectMA9thGrade", "21,5", "21,5 ligger utanför 0–20"),
        ("salsaRequirementsReachedDeviation", "-140", "-140 ligger utanför -100–100"),
    ],
)
def test_absurd_skolverket_figures_are_rejected_and_the_earlier_kept(variable, value, problem):
    answer = _unit_answer(variable, [{"value": value, "valueType": "EXISTS", "timePeriod": "2023/24"}])
    with FakeNationalServer(raw_on={1: answer}) as srv:
        stats = skolverket.fetch_gr_statistics(srv.planned_educations_url, [AKERS_FRISKOLA], fetcher=fetcher())
    accepted, rejected = split_implausible(stats, *skolverket.statistic_range())
    assert accepted.is_empty() and rejected.height == 1
    (warning,) = rejection_warnings(
        "Skolverket", rejected, lambda r: f"{r['variable']}, skolenhet {r['school_unit_code']}, {r['time_period']}"
    )
    assert f"Skolverket: avvisat värde för {variable}, skolenhet {AKERS_FRISKOLA}, 2023/24: {problem}" in warning
    earlier = stats.with_columns(value=pl.lit(50.0), status=pl.lit(""))
    kept = keep_held(earlier, accepted, ["school_unit_code", "variable", "time_period"])
    assert kept["value"].to_list() == [50.0]


@pytest.fixture
def server():
    with FakeNationalServer() as srv:
        yield srv


def test_recorded_skolverket_answers_are_all_plausible(server):
    salsa_units = [u["schoolUnitCode"] for u in server.salsa["body"]["compulsorySchoolUnitSalsaMetricList"]]
    url = server.planned_educations_url
    stats = pl.concat(
        [
            skolverket.fetch_gr_statistics(url, list(server.gr_statistics), fetcher=fetcher()),
            skolverket.fetch_salsa(url, salsa_units, fetcher=fetcher()),
        ]
    )
    assert stats.height > 100 and stats["variable"].str.starts_with("salsa").any()
    assert split_implausible(stats, *skolverket.statistic_range())[1].is_empty()


def test_recorded_kolada_answers_are_all_plausible(server):
    ids = [k.id for k in CONFIG]
    ous = sorted({r["ou"] for r in server.oudata})
    values = kolada.fetch_values(server.kolada_url, ids, range(2010, 2026), fetcher=fetcher())
    ou_values = kolada.fetch_ou_values(server.kolada_url, ids, ous, range(2010, 2026), fetcher=fetcher())
    assert values.height > 1000 and ou_values.height > 20
    assert split_implausible(values, *BOUNDS)[1].is_empty()
    assert split_implausible(ou_values, *BOUNDS)[1].is_empty()
