"""Skolenhetsregistret v2 and Planned Educations v3 clients against the local fake server (127.0.0.1 only)."""

from __future__ import annotations

import json

import polars as pl
import pytest

from sources.national import skolverket_api as skolverket
from sources.national.http import JsonFetcher, NationalSourceError, RetryPolicy

try:
    from tests.national.fake_servers import FakeNationalServer
except ImportError:  # tests/ is not a package: pytest puts this folder on sys.path instead
    from fake_servers import FakeNationalServer

V3_ACCEPT = "application/vnd.skolverket.plannededucations.api.v3.hal+json"
AKERS_FRISKOLA, TRASATTRA, NO_STATISTICS = "10715898", "51305351", "73083470"


def fetcher(sleeps: list | None = None) -> JsonFetcher:
    return JsonFetcher(
        timeout=5, retry=RetryPolicy(attempts=3), sleep=(sleeps.append if sleeps is not None else lambda s: None)
    )


@pytest.fixture
def server():
    with FakeNationalServer() as srv:
        yield srv


def test_school_units_of_a_municipality(server):
    units = skolverket.fetch_school_units(server.skolenhetsregistret_url, "0117", fetcher=fetcher())
    assert units.schema == pl.Schema(skolverket.SCHOOL_UNIT_SCHEMA)
    assert units.height == 9 and set(units["municipality_code"]) == {"0117"}
    listing = server.requests[0]
    assert listing.path == "/skolenhetsregistret/v2/school-units"
    assert listing.query == {"municipality_code": ["0117"], "school_type": ["GR"]}  # no status filter: all statuses
    akers = units.filter(pl.col("school_unit_code") == AKERS_FRISKOLA).row(0, named=True)
    assert akers["name"] == "Akers Friskola" and akers["status"] == "AKTIV"
    assert akers["organizer_type"] == "ENSKILD" and akers["is_municipal"] is False
    assert akers["organizer_org_number"] == "5565895777"
    assert akers["school_types"] == ["FKLASS", "GR"] and akers["grades"] == [str(g) for g in range(1, 10)]
    assert (akers["latitude"], akers["longitude"]) == pytest.approx((59.4914, 18.3321), abs=1e-3)
    trasattra = units.filter(pl.col("school_unit_code") == TRASATTRA).row(0, named=True)
    assert trasattra["is_municipal"] is True and trasattra["organizer_name"] == "ÖSTERÅKERS KOMMUN"
    assert trasattra["grades"] == ["4", "5", "6", "7", "8", "9"]
    rydbo = units.filter(pl.col("school_unit_code") == NO_STATISTICS).row(0, named=True)
    assert rydbo["latitude"] is None and rydbo["grades"] == []  # coordinates only where given


def test_unknown_municipality_gives_no_units(server):
    assert skolverket.fetch_school_units(server.skolenhetsregistret_url, "2584", fetcher=fetcher()).is_empty()
    with pytest.raises(ValueError):
        skolverket.fetch_school_units(server.skolenhetsregistret_url, "0117&x=1", fetcher=fetcher())


def test_gr_statistics_sends_the_versioned_accept_header(server):
    skolverket.fetch_gr_statistics(server.planned_educations_url, [AKERS_FRISKOLA], fetcher=fetcher())
    (request,) = server.requests
    assert request.path == f"/planned-educations/v3/school-units/{AKERS_FRISKOLA}/statistics/gr"
    assert request.headers["accept"] == V3_ACCEPT
    assert skolverket.planned_educations_accept("https://x/planned-educations/v4/") == V3_ACCEPT.replace("v3", "v4")


def test_without_the_vendor_accept_type_the_api_refuses(server):
    url = f"{server.planned_educations_url}/school-units/{AKERS_FRISKOLA}/statistics/gr"
    with pytest.raises(NationalSourceError) as caught:
        fetcher().get_json(url)  # plain application/json
    assert caught.value.status_code == 406


def test_gr_statistics_parse_decimal_comma_and_keep_reason_codes(server):
    stats = skolverket.fetch_gr_statistics(
        server.planned_educations_url, [AKERS_FRISKOLA, NO_STATISTICS, TRASATTRA], fetcher=fetcher()
    )
    assert stats.schema == pl.Schema(skolverket.STATISTICS_SCHEMA)
    assert set(stats["school_unit_code"]) == {AKERS_FRISKOLA, TRASATTRA}  # 404 for the unit without statistics
    merit = stats.filter(
        pl.col("school_unit_code") == AKERS_FRISKOLA, pl.col("variable") == "averageGradesMeritRating9thGrade"
    )
    # the API lists newest first; the frame is sorted by time period
    assert merit.select("time_period", "year", "value").rows() == [
        ("2020/21", 2021, 249.5),
        ("2021/22", 2022, 269.6),
        ("2022/23", 2023, 254.4),
        ("2023/24", 2024, 274.8),
        ("2024/25", 2025, 272.6),
    ]
    assert (merit["status"] == "").all()
    flagged = stats.filter(pl.col("status") != "")
    assert flagged["value"].null_count() == flagged.height
    assert set(flagged["status"]) <= {".", "..", "~100", "*"}
    rounded = stats.filter(pl.col("value_type") == "ROUNDED_OFF_DUE_TO_FEW_PUPILS_NOT_ELIGIBLE")
    assert rounded.height > 0 and set(rounded["status"]) == {"~100"}
    omitted = stats.filter(pl.col("value_type") == "OMITTED_DUE_TO_BASED_ON_FEW_PUPILS")
    assert omitted.height > 0 and set(omitted["status"]) == {".."}
    pupils = stats.filter(pl.col("school_unit_code") == AKERS_FRISKOLA, pl.col("variable") == "totalNumberOfPupils")
    assert pupils.select("value", "is_approximate").rows() == [(240.0, True)]  # published as 'cirka 240'


def _one_unit_answer(entries: list[dict]) -> str:
    return json.dumps(
        {
            "status": "OK",
            "message": "",
            "body": {
                "schoolUnit": AKERS_FRISKOLA,
                "hasLibrary": True,
                "docLinks": None,
                "certifiedTeachersQuota": entries,
                "_links": {"self": {"href": "x"}},
            },
        }
    )


def test_every_value_type_maps_to_its_reason_code():
    entries = [
        {"value": "1 234,5", "valueType": "EXISTS", "timePeriod": "2019/20"},
        {"value": ".", "valueType": "MISSING", "timePeriod": "2020/21"},
        {"value": "..", "valueType": "OMITTED_DUE_TO_BASED_ON_FEW_PUPILS", "timePeriod": "2021/22"},
        {"value": "~100", "valueType": "ROUNDED_OFF_DUE_TO_FEW_PUPILS_NOT_ELIGIBLE", "timePeriod": "2022/23"},
        {"value": "*", "valueType": "TEACHERS_EXCLUDED_DUE_TO_NO_REQUIRED_LEGITIMATION", "timePeriod": "2023/24"},
        {"value": "okänt", "valueType": "EXISTS", "timePeriod": "2024"},
        {"value": None, "valueType": "MISSING", "timePeriod": None},  # the API's placeholder: dropped
    ]
    with FakeNationalServer(raw_on={1: _one_unit_answer(entries)}) as srv:
        stats = skolverket.fetch_gr_statistics(srv.planned_educations_url, [AKERS_FRISKOLA], fetcher=fetcher())
    assert stats.select("year", "value", "status").rows() == [
        (2020, 1234.5, ""),
        (2021, None, "."),
        (2022, None, ".."),
        (2023, None, "~100"),
        (2024, None, "*"),
        (2024, None, "ogiltigt"),
    ]


@pytest.mark.parametrize(
    "answer",
    [
        "{not json",
        json.dumps({"status": "OK", "message": "", "body": None}),
        json.dumps({"status": "ERROR", "message": "boom"}),
        _one_unit_answer([{"value": "12,0", "valueType": "SOMETHING_NEW", "timePeriod": "2023/24"}]),
        _one_unit_answer([{"value": "12,0", "valueType": "EXISTS", "timePeriod": None}]),
        _one_unit_answer(["12,0"]),
        json.dumps({"status": "OK", "body": {"schoolUnit": "99999999", "certifiedTeachersQuota": []}}),
    ],
)
def test_malformed_statistics_fail_without_partial_result(answer):
    # the first unit is fine, the second answer is broken: nothing may be returned
    with FakeNationalServer(raw_on={2: answer}) as srv, pytest.raises(NationalSourceError) as caught:
        skolverket.fetch_gr_statistics(srv.planned_educations_url, [AKERS_FRISKOLA, TRASATTRA], fetcher=fetcher())
    assert TRASATTRA in str(caught.value)


def test_statistics_retry_on_429_and_500():
    sleeps: list[float] = []
    with FakeNationalServer(fail_on={1: (429, {"Retry-After": "3"}), 2: 500}) as srv:
        stats = skolverket.fetch_gr_statistics(srv.planned_educations_url, [TRASATTRA], fetcher=fetcher(sleeps))
    assert sleeps == [3.0, 2.0] and stats.height > 0


def test_salsa_per_unit(server):
    salsa = skolverket.fetch_salsa(server.planned_educations_url, ["99648792", AKERS_FRISKOLA], fetcher=fetcher())
    assert salsa.schema == pl.Schema(skolverket.STATISTICS_SCHEMA)
    assert set(salsa["school_unit_code"]) == {"99648792"}  # Akers Friskola has no SALSA: 404, no rows
    values = dict(salsa.select("variable", "value").rows())
    assert values["salsaAverageGradesIn9thGradeActual"] == 284.0
    assert values["salsaAverageGradesIn9thGradeDeviation"] == 15.0
    assert values["salsaParentsEducation"] == 2.8  # '2,8'
    assert set(salsa["time_period"]) == {"2022/23"} and set(salsa["year"]) == {2023}
    assert all(r.headers["accept"] == V3_ACCEPT for r in server.requests)


def test_salsa_all_schools_filtered_by_municipality(server):
    everyone = skolverket.fetch_salsa_all_schools(server.planned_educations_url, fetcher=fetcher())
    assert everyone["school_unit_code"].n_unique() == 4
    varberg = skolverket.fetch_salsa_all_schools(server.planned_educations_url, "1383", fetcher=fetcher())
    assert set(varberg["school_unit_code"]) == {"68613823", "68653982"}
    deviation = varberg.filter(
        pl.col("school_unit_code") == "68613823", pl.col("variable") == "salsaAverageGradesIn9thGradeDeviation"
    )
    assert deviation["value"].to_list() == [-20.0]


def test_bad_unit_codes_never_reach_the_url(server):
    with pytest.raises(ValueError):
        skolverket.fetch_gr_statistics(server.planned_educations_url, ["1234/../x"], fetcher=fetcher())
    assert server.requests == []
