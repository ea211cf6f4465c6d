"""National data through `skolanalys run` (the shared hand-built run, tests/shared_runs.py) against a
Kolada-compatible server on 127.0.0.1 that pages, rejects more than 25 ids a segment with HTTP 422 and answers
429 and 500 now and then — and the benchmarking mart checked against rank, quartile and liknande-kommuner mean
computed here, independently, from the real published Kolada values shipped in sources/reference. A revised
and partly garbage answer (fetched at asset level) and then an unreachable Kolada are one more run on a copy
of the shared run's data folder (the fixture `follow_up`)."""

from __future__ import annotations

import json
import math
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest
from dagster_duckdb import DuckDBResource

from tests.conftest import run_skolanalys, skolanalys_env
from tests.national.fake_servers import FakeNationalServer
from tests.shared_runs import KOLADA, as_kolada_v3, configured_kpis, online_env, similar_municipalities

KOMMUN = "1261"  # Kävlinge


def approx_served(expected: float) -> object:
    """serving.duckdb rounds floats to 6 decimals; a difference of rounded figures can be off by 1e-6."""
    return pytest.approx(expected, abs=2e-6)


@pytest.fixture(scope="module")
def configured() -> dict[str, bool | None]:
    return configured_kpis()


@pytest.fixture(scope="module")
def national_run(handbuilt):
    """The shared hand-built run (tests/shared_runs.py) fetched every configured KPI for every municipality
    from a Kolada-compatible server that pages and answers 429 and 500 now and then: (data folder, the values
    served, the requests)."""
    return handbuilt.data, handbuilt.kolada_values, handbuilt.requests


def _query(path: Path, sql: str, params=()) -> pl.DataFrame:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.sql(sql, params=list(params)).pl()
    finally:
        con.close()


def test_every_configured_kpi_is_loaded_for_every_municipality_through_paging_and_faults(national_run):
    data, values, requests = national_run
    statuses = [r for r in requests if "/data/" in r.path]
    assert len(statuses) > 4, "the values must have come in several pages"
    assert all(len(r.path.split("/kpi/")[1].split("/")[0].split(",")) <= 25 for r in statuses)
    held = _query(
        data / "warehouse.duckdb", "select kpi_id, municipality_code, count(*) as n from kolada.values group by all"
    )
    expected = values.group_by("kpi_id", "code").len()
    assert held.height == expected.height
    assert held["n"].sum() == values.height
    assert held["municipality_code"].n_unique() == values["code"].n_unique() == 291  # 290 + riket
    # Status kept, value null: never turned into 0.
    privacy = _query(
        data / "warehouse.duckdb",
        "select count(*) as n, count(value) as with_value from kolada.values where status <> ''",
    )
    assert privacy["n"][0] > 0 and privacy["with_value"][0] == 0


def _independent_benchmarks(values: pl.DataFrame, configured, similar: Callable[[int], list[str]]) -> dict:
    """(kpi, year, gender) -> (rank, ranked, quartile, mean of the liknande kommuner of that year's group)."""
    out = {}
    for (kpi, year, gender), cells in values.group_by(["kpi_id", "year", "gender"]):
        direction = configured[kpi]
        ranked = [
            (c["code"], c["value"])
            for c in cells.iter_rows(named=True)
            if c["code"] != "0000" and c["value"] is not None
        ]
        own = next((v for code, v in ranked if code == KOMMUN), None)
        if own is None or direction is None:
            continue
        better = sum(1 for _, v in ranked if (v > own if direction else v < own))
        rank = better + 1  # ties share the best rank
        n = len(ranked)
        members = set(similar(year))
        peers = [v for code, v in ranked if code in members]
        out[(kpi, year, gender)] = (
            rank,
            n,
            min(4, math.floor((rank - 1) * 4 / n) + 1),
            sum(peers) / len(peers) if peers else None,
        )
    return out


def test_benchmarking_matches_rank_quartile_and_similar_mean_computed_independently(national_run, configured):
    data, values, _ = national_run
    expected = _independent_benchmarks(values, configured, similar_municipalities)
    served = _query(data / "serving.duckdb", "select * from benchmarking where municipality_code = ?", [KOMMUN])
    assert served.height > 0
    checked = 0
    for row in served.iter_rows(named=True):
        key = (row["kpi_id"], row["year"], row["gender"])
        if key not in expected:
            assert row["rank"] is None
            continue
        rank, n, quartile, peer_mean = expected[key]
        assert (row["rank"], row["ranked_municipalities"], row["quartile"]) == (rank, n, quartile), key
        if peer_mean is None:
            assert row["similar_mean"] is None
        else:
            assert row["similar_mean"] == approx_served(peer_mean), key
        checked += 1
    assert checked >= 100
    assert set(served["attribution"]) == {"Källa: Kolada (RKA)"}


def test_each_year_is_compared_with_the_liknande_kommuner_of_that_years_group(national_run):
    """Kolada's answer holds the 2024 group; the 2022 group comes from the shipped file. The served 2022 and
    2023 rows average the 2022 group's members (Värmdö and Upplands-Bro among them), the 2024 rows the 2024
    group's — the members read here from the two files, the means from the values the stand-in served."""
    data, values, _ = national_run
    members = {}
    for vintage in (2022, 2024):
        groups = json.loads((KOLADA / f"liknande_kommuner_grundskola_{vintage}_all.json").read_text(encoding="utf-8"))
        title = f"Liknande kommuner grundskola, Kävlinge, {vintage}"
        [kavlinge] = [g for g in groups.values() if g["title"] == title]
        members[vintage] = {code for code, _name in kavlinge["members"]}
    assert {"0120", "0139"} <= members[2022] - members[2024] and {"0162", "1881"} <= members[2024] - members[2022]
    held = _query(data / "warehouse.duckdb", "select year, member_code from kolada.municipality_groups")
    assert {y: set(held.filter(pl.col("year") == y)["member_code"]) for y in held["year"].unique()} == members

    def mean(kpi: str, year: int, gender: str, codes: set[str]) -> float | None:
        cells = values.filter(
            pl.col("kpi_id") == kpi,
            pl.col("year") == year,
            pl.col("gender") == gender,
            pl.col("code").is_in(list(codes)),
            pl.col("value").is_not_null(),
        )
        return cells["value"].mean() if cells.height else None

    served = _query(
        data / "serving.duckdb",
        "select * from benchmarking where municipality_code = ? and year between 2022 and 2024",
        [KOMMUN],
    )
    assert set(served["year"]) == {2022, 2023, 2024}
    told_apart = 0
    for row in served.iter_rows(named=True):
        vintage, other = (2022, 2024) if row["year"] < 2024 else (2024, 2022)
        expected = mean(row["kpi_id"], row["year"], row["gender"], members[vintage])
        assert row["similar_group_year"] == vintage
        assert row["similar_mean"] == (approx_served(expected) if expected is not None else None), row
        wrong = mean(row["kpi_id"], row["year"], row["gender"], members[other])
        if row["year"] == 2022 and expected is not None and wrong is not None:
            told_apart += abs(expected - wrong) > 0.01
    assert told_apart >= 3  # the 2022 rows could not pass with the 2024 group
    # indicator_values serves each year's liknande kommuner beside the municipality and riket.
    shown = _query(
        data / "serving.duckdb",
        "select year, list(distinct unit_code) as codes from indicator_values "
        "where source = 'kolada' and level = 'kommun' and year in (2022, 2024) group by year",
    )
    for row in shown.iter_rows(named=True):
        assert set(row["codes"]) == members[row["year"]] | {KOMMUN}, row["year"]


def test_change_from_previous_year_and_riket(national_run):
    data, values, _ = national_run
    own = values.filter((pl.col("code") == KOMMUN) & (pl.col("kpi_id") == "N15428") & (pl.col("gender") == "T"))
    by_year = {r["year"]: r["value"] for r in own.iter_rows(named=True)}
    riket = values.filter((pl.col("code") == "0000") & (pl.col("kpi_id") == "N15428") & (pl.col("gender") == "T"))
    served = _query(
        data / "serving.duckdb",
        "select year, value, change_from_previous_year, riket_value from benchmarking "
        "where kpi_id = 'N15428' and gender = 'T' order by year",
    )
    for row in served.iter_rows(named=True):
        previous = by_year.get(row["year"] - 1)
        if previous is not None and row["value"] is not None:
            assert row["change_from_previous_year"] == approx_served(row["value"] - previous)
    assert by_year[2024] == pytest.approx(90.835, abs=1e-3)  # the published figure, read from the file
    assert served.filter(pl.col("year") == 2024)["value"][0] == approx_served(by_year[2024])
    assert riket.height == 0 or served["riket_value"].is_not_null().any()


def test_freshness_says_the_data_were_fetched_now(national_run):
    data, _, _ = national_run
    fresh = _query(data / "serving.duckdb", "select * from data_freshness where source = 'kolada'")
    assert fresh["last_attempt_ok"][0] is True and fresh["data_age_days"][0] == 0


REVISED = ("N15428", 2024, "T")  # Kävlinge's cell that the second answer revises to 91.5


def _similar() -> list[str]:
    """Kävlinge's liknande kommuner of every vintage (2022 and 2024)."""
    return sorted(set(similar_municipalities(2022)) | set(similar_municipalities(2024)))


def _spoil(items: list[dict], values: pl.DataFrame, directed: list[str]) -> dict[tuple, object]:
    """Garbage in place of five of Kävlinge's published T values (KPIs that are ranked); returns what was spoiled."""
    own = values.filter(
        (pl.col("code") == KOMMUN)
        & (pl.col("gender") == "T")
        & pl.col("value").is_not_null()
        & pl.col("kpi_id").is_in(directed)
        & (pl.col("kpi_id") != REVISED[0])
    )
    cells = own.group_by("kpi_id").agg(pl.col("year").max()).sort("kpi_id").head(5)
    garbage = [float("nan"), float("inf"), 1e300, -5.0, "abc"]
    spoiled = {}
    for (kpi, year), bad in zip(cells.rows(), garbage, strict=True):
        item = next(i for i in items if (i["kpi"], i["municipality"], i["period"]) == (kpi, KOMMUN, year))
        next(c for c in item["values"] if c["gender"] == "T")["value"] = bad
        spoiled[(kpi, year, "T")] = bad
    return spoiled


@dataclass(frozen=True)
class FollowUp:
    """A copy of the shared run's data folder after (1) one more Kolada fetch — asset level, no dbt — and
    (2) one `skolanalys run` that cannot reach Kolada at all."""

    data: Path
    values: pl.DataFrame  # what the shared run was served
    revised: pl.DataFrame  # the same with the one revision of (1)
    spoiled: dict[tuple, object]  # the cells (1) answered with garbage
    fetch_messages: list[str]  # the warnings of (1)
    values_before_hanging: int  # rows of kolada.values after (1)
    output: str  # of (2)
    export_id: str  # the årsbokslut exported before (1), from the shared run's snapshot
    export_bytes: bytes  # that export's file as written then


@pytest.fixture(scope="module")
def follow_up(handbuilt, configured, tmp_path_factory):
    """(1) The Kolada assets alone (dg.materialize, no dbt) against an answer that revises one cell, holds
    garbage for five others and covers only Kävlinge, its liknande kommuner (both vintages) and riket: the other 280
    municipalities are simply missing. (2) Then `skolanalys run` against a Kolada that accepts every request
    and never answers (a 1 s deadline per dataset: three Kolada datasets given up) and a Skolverket nobody
    listens for: the run must keep what (1) stored, and dbt and the serving snapshot show it — the revision, the
    garbage rejected, the freshness."""
    from pipelines.assets.national import kolada_kpi_config, kolada_values
    from pipelines.resources import DUCKDB_LIMITS, NationalSources

    values = handbuilt.kolada_values
    data = tmp_path_factory.mktemp("national_follow_up") / "data"
    shutil.copytree(handbuilt.data, data, symlinks=True)
    # The förvaltning exports the årsbokslut before Kolada revises a value (issue 12: as published).
    exported = data.parent / "export"
    made = run_skolanalys(
        ["export", "--for", "arsbokslut", "--year", str(REVISED[1]), "--out", f"{exported}/"],
        skolanalys_env(data, handbuilt.landing),
    )
    assert made.returncode == 0, made.stdout + made.stderr
    (export_file,) = exported.glob("arsbokslut_*.xlsx")

    is_revised = (
        (pl.col("kpi_id") == REVISED[0])
        & (pl.col("code") == KOMMUN)
        & (pl.col("year") == REVISED[1])
        & (pl.col("gender") == REVISED[2])
    )
    revised = values.with_columns(value=pl.when(is_revised).then(pl.lit(91.5)).otherwise(pl.col("value")))
    handful = revised.filter(pl.col("code").is_in([KOMMUN, "0000", *_similar()]))
    server = FakeNationalServer()
    server.data = as_kolada_v3(handful)
    spoiled = _spoil(server.data, values, [kpi for kpi, direction in configured.items() if direction is not None])
    instance = dg.DagsterInstance.ephemeral()
    with server:
        result = dg.materialize(
            [kolada_kpi_config, kolada_values],
            resources={
                "national": NationalSources(kolada_url=server.kolada_url),
                "warehouse": DuckDBResource(database=str(data / "warehouse.duckdb"), connection_config=DUCKDB_LIMITS),
            },
            instance=instance,
        )
    assert result.success
    messages = [entry.user_message for entry in instance.all_logs(result.run_id)]
    before = _query(data / "warehouse.duckdb", "select count(*) as n from kolada.values")["n"][0]

    env = skolanalys_env(data, handbuilt.landing)
    env["SKOLANALYS_NATIONAL_DEADLINE_SECONDS"] = "1"  # per dataset; the per-request timeout stays 30 s
    env["SKOLANALYS_HTTP_ATTEMPTS"] = "2"
    with FakeNationalServer(misbehave="hang") as hanging:  # accepts every request and never answers
        env = online_env(env, hanging)
        env["SKOLANALYS_SKOLENHETSREGISTRET_URL"] = "http://127.0.0.1:9/v2"  # nothing listens there
        env["SKOLANALYS_PLANNED_EDUCATIONS_URL"] = "http://127.0.0.1:9/v3"
        run = run_skolanalys(["run"], env)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    export_id = export_file.stem.rsplit("_", 1)[1]
    return FollowUp(
        data, values, revised, spoiled, messages, before, run.stdout + run.stderr, export_id, export_file.read_bytes()
    )


def test_a_past_export_comes_back_byte_for_byte_and_its_diff_lists_kolada_revision(follow_up, handbuilt, tmp_path):
    """Issue 12: after the warehouse received Kolada's revision through the real assets and a run published
    it, the årsbokslut exported before is written again byte for byte, and its diff names the revision."""
    env = skolanalys_env(follow_up.data, handbuilt.landing)
    again = run_skolanalys(["export", "--again", follow_up.export_id, "--out", f"{tmp_path}/"], env)
    assert again.returncode == 0, again.stdout + again.stderr
    (written,) = tmp_path.glob("arsbokslut_*.xlsx")
    assert written.read_bytes() == follow_up.export_bytes

    diff = run_skolanalys(["export", "--diff", follow_up.export_id], env)
    assert diff.returncode == 0, diff.stdout + diff.stderr
    kpi, year, gender = REVISED
    old = follow_up.values.filter(
        (pl.col("code") == KOMMUN) & (pl.col("kpi_id") == kpi) & (pl.col("year") == year) & (pl.col("gender") == gender)
    )["value"][0]
    shown_old = f"{old:.6f}".rstrip("0").rstrip(".").replace(".", ",")
    changes = [line for line in diff.stdout.splitlines() if re.match(r"^(Indikatorvärden|Jämförelser)", line)]
    assert any(
        re.search(
            rf"indicator_id={kpi}, level=kommun, unit_code={KOMMUN}, year={year}, gender={gender}, source=kolada"
            rf"\s+Värde\s+{shown_old}\s+91,5$",
            line,
        )
        for line in changes
    ), diff.stdout
    assert changes and all(kpi in line for line in changes), diff.stdout  # nothing else was revised


def test_a_revised_value_is_kept_beside_the_old_one(follow_up):
    data, values = follow_up.data, follow_up.values
    cell = values.filter(
        (pl.col("code") == KOMMUN)
        & (pl.col("kpi_id") == REVISED[0])
        & (pl.col("year") == REVISED[1])
        & (pl.col("gender") == REVISED[2])
    )
    versions = _query(
        data / "warehouse.duckdb", "select value, version_newest_first from marts.kolada_revisions order by 2"
    )
    assert versions["value"].to_list() == [pytest.approx(91.5), pytest.approx(cell["value"][0])]
    served = _query(
        data / "serving.duckdb",
        "select value from benchmarking where kpi_id = 'N15428' and year = 2024 and gender = 'T'",
    )
    assert served["value"][0] == pytest.approx(91.5)


def test_garbage_and_a_partial_answer_leave_the_served_benchmarking_unchanged(follow_up, configured):
    data, revised, spoiled = follow_up.data, follow_up.revised, follow_up.spoiled
    output = "\n".join(follow_up.fetch_messages)
    assert len(spoiled) == 5
    for kpi, year, _gender in spoiled:
        assert f"avvisat värde för {kpi}, kommun {KOMMUN}, år {year}, kön T" in output
    assert re.search(r"svaret för N15505 innehåller bara \d+ av 29\d kommuner", output)
    # Every figure served equals the published one in the shipped files (the one revision applied): the
    # garbage was rejected and the 280 municipalities the answer lacked still rank and average as before.
    expected = _independent_benchmarks(revised, configured, similar_municipalities)
    served = _query(data / "serving.duckdb", "select * from benchmarking where municipality_code = ?", [KOMMUN])
    published = {
        (r["kpi_id"], r["year"], r["gender"]): r["value"]
        for r in revised.filter(pl.col("code") == KOMMUN).iter_rows(named=True)
    }
    checked = 0
    for row in served.iter_rows(named=True):
        key = (row["kpi_id"], row["year"], row["gender"])
        if published.get(key) is not None:
            assert row["value"] == approx_served(published[key]), key
        if key in expected:
            rank, n, quartile, peer_mean = expected[key]
            assert (row["rank"], row["ranked_municipalities"], row["quartile"]) == (rank, n, quartile), key
            assert row["similar_mean"] == (approx_served(peer_mean) if peer_mean is not None else None), key
            checked += 1
    assert checked >= 100
    assert {k for k in spoiled if k in expected} == set(spoiled)  # the spoiled cells were among those checked
    message = _query(
        data / "warehouse.duckdb",
        "select message from national.fetch_log where source = 'kolada' and ok order by attempted_at desc limit 1",
    )["message"][0]
    assert "5 värden avvisade" in message


def test_hanging_kolada_is_given_up_at_the_deadline_and_the_held_values_kept(follow_up):
    data, before = follow_up.data, follow_up.values_before_hanging
    assert "kunde inte hämtas" in follow_up.output
    assert _query(data / "warehouse.duckdb", "select count(*) as n from kolada.values")["n"][0] == before
    log = _query(
        data / "warehouse.duckdb",
        "select source, ok, message from national.fetch_log where source like 'kolada%' "
        "qualify row_number() over (partition by source order by attempted_at desc) = 1",
    )
    assert log.height == 3 and not log["ok"].any()
    assert all("tidsgränsen 1 s" in m for m in log["message"]), log["message"].to_list()
    fresh = _query(data / "serving.duckdb", "select * from data_freshness where source = 'kolada'")
    assert fresh["last_attempt_ok"][0] is False and fresh["data_age_days"][0] == 0
    assert _query(data / "serving.duckdb", "select count(*) as n from benchmarking")["n"][0] > 0
