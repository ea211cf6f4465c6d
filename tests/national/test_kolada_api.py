"""Kolada v3 client against the local fake server (127.0.0.1 only)."""

from __future__ import annotations

import email.utils
import socket
import time
from pathlib import Path

import httpx
import polars as pl
import pytest

from sources.national import kolada_api as kolada
from sources.national.http import JsonFetcher, NationalSourceError, RetryPolicy, retry_after_seconds

try:
    from tests.national.fake_servers import FakeNationalServer
except ImportError:  # tests/ is not a package: pytest puts this folder on sys.path instead
    from fake_servers import FakeNationalServer

CONFIGURED = [k.id for k in kolada.load_kpi_config()]
YEARS = range(2010, 2025)


class Sleeps(list):
    """Injected sleep: records the waits instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def fetcher(sleeps: Sleeps | None = None, attempts: int = 5) -> JsonFetcher:
    return JsonFetcher(
        timeout=5, retry=RetryPolicy(attempts=attempts), sleep=sleeps if sleeps is not None else Sleeps()
    )


@pytest.fixture
def server():
    with FakeNationalServer() as srv:
        yield srv


def test_values_have_exactly_the_documented_columns(server):
    values = kolada.fetch_values(server.kolada_url, ["N15505"], [2018], fetcher=fetcher())
    assert values.schema == pl.Schema(kolada.VALUES_SCHEMA)
    riket = values.filter(pl.col("municipality_code") == "0000", pl.col("gender") == "T")
    assert riket["value"].to_list() == [223.3]  # riket's meritvärde 2018, kommunala skolor


def test_paging_follows_next_url_and_loses_nothing():
    with FakeNationalServer() as whole:
        expected = kolada.fetch_values(whole.kolada_url, CONFIGURED, YEARS, fetcher=fetcher())
    with FakeNationalServer(page_size=40) as paged:
        got = kolada.fetch_values(paged.kolada_url, CONFIGURED, YEARS, fetcher=fetcher())
        later_pages = [r for r in paged.requests if r.query.get("page", ["1"]) != ["1"]]
    assert len(later_pages) > 5
    assert all(r.query["per_page"] == ["5000"] for r in later_pages)
    assert got.height == expected.height > 1000
    assert got.equals(expected)


def test_thirty_kpis_are_split_at_25_ids_per_segment(server):
    thirty = [*CONFIGURED, "N00945"]
    assert len(thirty) == 30
    # the fake, like Kolada, refuses more than 25 ids in one segment
    too_many = httpx.get(f"{server.kolada_url}/data/kpi/{','.join(thirty)}/year/2019", trust_env=False)
    assert too_many.status_code == 422
    values = kolada.fetch_values(server.kolada_url, thirty, [2019], fetcher=fetcher())
    data_paths = [p for p in server.paths("/kolada/v3/data/") if "2019" in p and p != too_many.request.url.path]
    assert [len(p.split("/")[5].split(",")) for p in data_paths] == [25, 5]
    assert set(values["kpi_id"]) >= {"N15505", "N15419", "N15436"}


def test_municipality_and_year_segments_are_split_too(server):
    years = range(1990, 2025)  # 35 years
    munis = [f"{n:04d}" for n in range(100, 130)] + ["0117"]  # 31 codes
    values = kolada.fetch_values(server.kolada_url, ["N15505"], years, munis, fetcher=fetcher())
    assert len(server.paths("/kolada/v3/data/")) == 4  # 2 municipality chunks × 2 year chunks
    assert set(values["municipality_code"]) == {"0117"}


def test_retry_on_429_honours_retry_after_seconds():
    sleeps = Sleeps()
    with FakeNationalServer(fail_on={1: (429, {"Retry-After": "7"})}) as srv:
        values = kolada.fetch_values(srv.kolada_url, ["N15505"], [2019], fetcher=fetcher(sleeps))
        assert len(srv.requests) == 2
    assert sleeps == [7.0]
    assert values.height > 0


def test_retry_after_as_http_date_is_capped():
    sleeps = Sleeps()
    in_an_hour = email.utils.formatdate(time.time() + 3600, usegmt=True)
    with FakeNationalServer(fail_on={1: (429, {"Retry-After": in_an_hour})}) as srv:
        kolada.fetch_municipalities(srv.kolada_url, fetcher=fetcher(sleeps))
    assert sleeps == [RetryPolicy().max_sleep]


def test_retry_after_parsing():
    now = time.time()
    assert retry_after_seconds("12") == 12.0
    assert retry_after_seconds(email.utils.formatdate(now + 30, usegmt=True), now=now) == pytest.approx(30, abs=1)
    assert retry_after_seconds(email.utils.formatdate(now - 30, usegmt=True), now=now) == 0.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_retry_on_5xx_with_exponential_backoff():
    sleeps = Sleeps()
    with FakeNationalServer(fail_on={1: 500, 2: 503}) as srv:
        kpis = kolada.fetch_kpis(srv.kolada_url, ["N15505"], fetcher=fetcher(sleeps))
    assert sleeps == [1.0, 2.0]
    assert kpis["id"].to_list() == ["N15505"]


def test_gives_up_after_n_attempts_with_a_clear_error():
    sleeps = Sleeps()
    with FakeNationalServer(fail_on={1: 500, 2: 500, 3: 500}) as srv:
        with pytest.raises(NationalSourceError) as caught:
            kolada.fetch_values(srv.kolada_url, ["N15505"], [2019], fetcher=fetcher(sleeps, attempts=3))
        assert len(srv.requests) == 3
    message = str(caught.value)
    assert "HTTP 500" in message and "3" in message
    assert f"{srv.kolada_url}/data/kpi/N15505/year/2019" in message
    assert caught.value.status_code == 500 and len(sleeps) == 2


def test_unreachable_server_is_a_national_source_error():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again before the call: connection refused
    sleeps = Sleeps()
    with pytest.raises(NationalSourceError, match="Kunde inte nå källan"):
        kolada.fetch_municipalities(f"http://127.0.0.1:{port}/v3", fetcher=fetcher(sleeps, attempts=2))
    assert sleeps == [1.0]


def test_client_errors_are_not_retried(server):
    sleeps = Sleeps()
    with pytest.raises(NationalSourceError) as caught:
        fetcher(sleeps).get_json(f"{server.kolada_url}/data/kpi/{','.join(['N15505'] * 26)}/year/2019")
    assert caught.value.status_code == 422 and sleeps == []


ITEM = '{"values": [{"kpi": "N15505", "municipality": "0117", "period": %s, "values": %s}]}'


@pytest.mark.parametrize(
    "body",
    [
        '{"values": [ {"kpi": "N15505",',  # cut off: not JSON
        "<html>Service Unavailable</html>",
        '{"count": 1}',  # no values list
        ITEM % (2019, '[{"gender": "X"}]'),  # unknown gender
        ITEM % (2019, '[{"gender": "T", "value": 239.1, "count": "1"}]'),  # a count as text
        '{"values": [{"municipality": "0117", "period": 2019, "values": []}]}',  # no kpi
        ITEM % ('"2019/20"', "[]"),  # a period that is not a year
        '{"values": [], "next_url": 5}',
    ],
)
def test_malformed_page_fails_without_partial_result(body):
    # page 1 is fine, page 2 is broken: the call must raise rather than return page 1's rows
    with FakeNationalServer(page_size=40, raw_on={2: body}) as srv, pytest.raises(NationalSourceError) as caught:
        kolada.fetch_values(srv.kolada_url, CONFIGURED, YEARS, fetcher=fetcher())
    assert srv.kolada_url in str(caught.value)


def test_status_is_kept_and_value_is_null_never_zero(server):
    values = kolada.fetch_values(server.kolada_url, ["N15428", "N15813"], YEARS, fetcher=fetcher())
    flagged = values.filter(pl.col("status") != "")
    assert set(flagged["status"]) == {"Privacy", "Missing"}
    assert flagged["value"].null_count() == flagged.height
    dorotea = values.filter(pl.col("kpi_id") == "N15428", pl.col("municipality_code") == "2425", pl.col("year") == 2019)
    assert dorotea.select("gender", "status").rows() == [("K", "Privacy"), ("M", "Privacy"), ("T", "Privacy")]
    bjurholm = values.filter(
        pl.col("kpi_id") == "N15428",
        pl.col("municipality_code") == "2403",
        pl.col("year") == 2024,
        pl.col("gender") == "T",
    )
    assert bjurholm["status"].to_list() == [""] and bjurholm["value"].to_list()[0] == pytest.approx(78.947368)
    assert values.filter(pl.col("status") == "", pl.col("value").is_null()).height == 0


def test_value_sent_with_a_status_is_dropped_and_deleted_cells_skipped():
    extra = [
        {
            "kpi": "N15505",
            "municipality": "1261",
            "period": 2023,
            "values": [
                {"gender": "T", "status": "Privacy", "value": 0, "count": 1},
                {"gender": "K", "status": None, "value": 250.5, "count": 1, "isdeleted": True},
            ],
        },
    ]
    with FakeNationalServer(extra_kolada_data=extra) as srv:
        values = kolada.fetch_values(srv.kolada_url, ["N15505"], [2023], fetcher=fetcher())
    assert values.rows() == [("N15505", "1261", 2023, "T", None, "Privacy", 1)]


def test_all_municipalities_keeps_riket_and_drops_regions():
    region_row = {
        "kpi": "N15505",
        "municipality": "0001",
        "period": 2018,
        "values": [{"gender": "T", "status": "", "value": 250.0, "count": 1}],
    }
    with FakeNationalServer(extra_kolada_data=[region_row]) as srv:
        everywhere = kolada.fetch_values(srv.kolada_url, ["N15505"], [2018], fetcher=fetcher())
        asked = kolada.fetch_values(srv.kolada_url, ["N15505"], [2018], ["0001", "0117"], fetcher=fetcher())
        paths = srv.paths("/kolada/v3/data/")
    codes = set(everywhere["municipality_code"])
    assert "0000" in codes and "0117" in codes and "0001" not in codes
    assert set(asked["municipality_code"]) == {"0001", "0117"}  # explicitly asked for: kept
    assert paths == [
        "/kolada/v3/data/kpi/N15505/year/2018",
        "/kolada/v3/data/kpi/N15505/municipality/0001,0117/year/2018",
    ]


def test_kpi_catalogue_defaults_to_grundskola(server):
    grundskola = kolada.fetch_kpis(server.kolada_url, fetcher=fetcher())
    assert set(grundskola["id"]) == set(CONFIGURED)  # N00945 (Befolkning) filtered out
    named = kolada.fetch_kpis(server.kolada_url, ["N00945", "N15505"], fetcher=fetcher())
    assert named["id"].to_list() == ["N00945", "N15505"]
    row = named.filter(pl.col("id") == "N15505").row(0, named=True)
    assert row["auspice"] == "E" and row["has_ou_data"] is True and row["is_divided_by_gender"] is True
    assert grundskola.schema == pl.Schema(kolada.KPI_SCHEMA)


def test_municipalities_and_groups(server):
    munis = kolada.fetch_municipalities(server.kolada_url, fetcher=fetcher())
    assert munis.filter(pl.col("id") == "0000")["title"].to_list() == ["Riket"]
    groups = kolada.fetch_municipality_groups(server.kolada_url, "liknande kommuner grundskola", fetcher=fetcher())
    assert set(groups["group_id"]) == {"G35903", "G35976", "G36075"}
    assert groups.group_by("group_id").len()["len"].to_list() == [7, 7, 7]


def test_similar_municipalities_grundskola(server):
    similar = kolada.fetch_similar_municipalities(server.kolada_url, "1261", fetcher=fetcher())
    assert similar.schema == pl.Schema(kolada.SIMILAR_SCHEMA)
    assert set(similar["group_id"]) == {"G35976"} and set(similar["year"]) == {2024}
    assert similar["municipality_code"].to_list() == ["0138", "0162", "1233", "1277", "1402", "1440", "1881"]
    with pytest.raises(NationalSourceError, match="9999"):
        kolada.fetch_similar_municipalities(server.kolada_url, "9999", fetcher=fetcher())


def test_organisational_units_and_their_values(server):
    units = kolada.fetch_organisational_units(server.kolada_url, "0117", fetcher=fetcher())
    assert units.height == 5 and units["ou_id"].str.starts_with("V15").all()
    assert kolada.fetch_organisational_units(server.kolada_url, "0117", id_prefix=None, fetcher=fetcher()).height == 6
    values = kolada.fetch_ou_values(
        server.kolada_url, ["N15505", "N15419"], units["ou_id"], range(2019, 2026), fetcher=fetcher()
    )
    assert values.schema == pl.Schema(kolada.OU_VALUES_SCHEMA)
    assert set(values["ou_id"]) <= set(units["ou_id"]) and values.height > 20
    assert server.paths("/kolada/v3/oudata/")[0].startswith("/kolada/v3/oudata/kpi/N15505,N15419/ou/V15E")


def test_bad_ids_never_reach_the_url(server):
    with pytest.raises(ValueError):
        kolada.fetch_values(server.kolada_url, ["N15505/../../x"], [2019], fetcher=fetcher())
    assert kolada.fetch_values(server.kolada_url, [], [2019], fetcher=fetcher()).is_empty()
    assert server.requests == []


# ---- configured KPI list ----


def test_configured_kpi_list_is_valid():
    config = {k.id: k for k in kolada.load_kpi_config()}
    # fmt: off
    required = ["N15505", "N15504", "N15507", "N15419", "N15418", "N15508", "N15436", "N15424", "N15428",
                "N15433", "N15434", "N15435", "N15613", "N15643", "N15813", "N15814", "N15033", "N15034",
                "N15006", "N15008", "U15413", "U15414", "U15415", "U15416"]
    # fmt: on
    assert set(required) <= set(config)
    assert config["N15505"].unit == "poäng" and config["N15505"].higher_is_better is True
    assert config["N15008"].unit == "kr" and config["N15008"].higher_is_better is None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("kpis: []\n", "icke-tom"),
        ("kpis: [{id: N1, title: x, unit: procent, higher_is_better: true, group: g}]\n", "Kolada-id"),
        ("kpis: [{id: N15505, title: x, unit: percent, higher_is_better: true, group: g}]\n", "unit"),
        ("kpis: [{id: N15505, title: x, unit: procent, group: g}]\n", "higher_is_better"),
        ("kpis: [{id: N15505, title: x, unit: procent, higher_is_better: yes please, group: g}]\n", "higher_is_better"),
        ("kpis: [{id: N15505, unit: procent, higher_is_better: true, group: g}]\n", "title"),
        ("kpis: [{id: N15505, title: x, unit: procent, higher_is_better: true, group: g, colour: red}]\n", "colour"),
        (
            "kpis:\n  - {id: N15505, title: x, unit: poäng, higher_is_better: true, group: g}\n"
            "  - {id: N15505, title: y, unit: poäng, higher_is_better: true, group: g}\n",
            "N15505",
        ),
        ("kpis: [{id: N15505\n", "YAML"),
    ],
)
def test_bad_kpi_list_gives_a_clear_error(tmp_path: Path, text: str, problem: str):
    path = tmp_path / "kpis.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(kolada.KpiConfigError, match=problem) as caught:
        kolada.load_kpi_config(path)
    assert str(path) in str(caught.value)


def test_missing_kpi_list_file(tmp_path: Path):
    with pytest.raises(kolada.KpiConfigError, match="kan inte läsas"):
        kolada.load_kpi_config(tmp_path / "nope.yaml")


class OneAnswer:
    """A fetcher that answers every request with the same JSON body (one page: no next_url)."""

    def __init__(self, body):
        self.body = body

    def get_json(self, url, params=None):
        return self.body


def test_catalogue_entries_in_v2_and_v3_shapes():
    kpis = kolada.fetch_kpis(
        "http://kolada.test/v3",
        ["N1", "N2"],
        fetcher=OneAnswer(
            {
                "values": [
                    # v3: booleans, auspice; a number where text is expected is kept as text
                    {"id": "N1", "title": "Ett", "auspice": "E", "is_divided_by_gender": True, "has_ou_data": False,
                     "description": 5, "operating_area": "Grundskola"},
                    # v2: 0/1 flags, auspices, the id as a number; an unknown flag is unknown, not a fault
                    {"id": 2, "title": "Två", "auspices": "T", "is_divided_by_gender": 1, "has_ou_data": "kanske"},
                ]
            }
        ),
    )  # fmt: skip
    assert kpis.select("id", "auspice", "is_divided_by_gender", "has_ou_data", "description").rows() == [
        ("2", "T", True, None, None),
        ("N1", "E", True, False, "5"),
    ]
    groups = kolada.fetch_municipality_groups(
        "http://kolada.test/v3",
        fetcher=OneAnswer(
            {
                "values": [
                    {"id": "G1", "title": "Grupp", "members": [
                        {"member_id": "0117", "member_title": "Österåker"},  # v3
                        {"id": "1261", "title": "Kävlinge"},  # v2
                    ]}
                ]
            }
        ),
    )  # fmt: skip
    assert groups.rows() == [("G1", "Grupp", "0117", "Österåker"), ("G1", "Grupp", "1261", "Kävlinge")]


@pytest.mark.parametrize(
    ("call", "body", "named"),
    [
        (lambda f: kolada.fetch_kpis("http://kolada.test/v3", ["N1"], fetcher=f), [{"title": "utan id"}], "KPI-posten"),
        (lambda f: kolada.fetch_kpis("http://kolada.test/v3", ["N1"], fetcher=f), [{"id": "N1", "title": ""}], "title"),
        (lambda f: kolada.fetch_municipalities("http://kolada.test/v3", fetcher=f), ["0117"], "kommunposten"),
        (lambda f: kolada.fetch_municipalities("http://kolada.test/v3", fetcher=f), [{"id": "0117", "title": None}],
         "title"),
        (lambda f: kolada.fetch_municipality_groups("http://kolada.test/v3", fetcher=f), [{"id": "G", "title": "T"}],
         "members"),
        (lambda f: kolada.fetch_municipality_groups("http://kolada.test/v3", fetcher=f),
         [{"id": "G", "title": "T", "members": [{"member_title": "utan kod"}]}], "member_id"),
        (lambda f: kolada.fetch_organisational_units("http://kolada.test/v3", "0117", fetcher=f),
         [{"id": "V15E1", "title": "Skolan", "municipality": ["0117"]}], "municipality"),
    ],
)  # fmt: skip
def test_a_catalogue_entry_of_another_shape_rejects_the_answer_naming_the_field(call, body, named):
    with pytest.raises(NationalSourceError) as caught:
        call(OneAnswer({"values": body}))
    assert "Oväntad struktur i svaret" in str(caught.value) and named in str(caught.value)
    assert "http://kolada.test/v3/" in str(caught.value)
