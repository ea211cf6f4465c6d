"""The whole-pipeline runs the integration tests share (session fixtures in tests/conftest.py).

A `skolanalys run` costs 30–45 s, most of it Dagster's and dbt's start-up, so the suite makes few of them:

- `handbuilt`: ONE landing folder holding every hand-built data set — the year-9 pupils of
  test_indicators_handbuilt, the surveys and national tests of handbuilt_landing, the attendance pupils of
  test_attendance, the door's bad files (test_door_faults) beside good ones, the board's goals (test_goals)
  and a SIRIS per-skolenhet export (handbuilt_landing, for test_siris_reports' reconciliation) — run once
  against a local Kolada / Skolverket stand-in that pages and answers 429 and 500 now and then
  (test_national_pipeline).
  Each data set has its own personnummer (checked disjoint below) and school unit codes; where two sets feed
  the same kommun-level figure the test computes it over exactly the pupils that feed it.
- `liten`: the generated municipality `liten`, for the end-to-end comparison (test_end_to_end; its determinism
  test rebuilds the models from a copy of the warehouse, not the whole run).
- `liten_next`, the nights after it on a copy: new grade files and one more school day of attendance, two runs
  killed on the way and one run to the end (test_operations' kill test, test_attendance_incremental) — a
  follow-up run, not a build of its own.
- test_national_pipeline's follow-up run on a copy of `handbuilt` (an unreachable Kolada after a revised one).
- `demo`: the kavlinge preset with the published national files, as `make demo` builds it (test_demo, the
  demo's browser pages, the report, the exports, the calibration check).

Nothing here computes an expected figure: the tests do that themselves, from the data they wrote.
"""

from __future__ import annotations

import functools
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import yaml

from skolanalys.synth import generate
from tests.conftest import REPO, run_skolanalys, skolanalys_env
from tests.national.fake_servers import FakeNationalServer, SeenRequest

KOLADA = REPO / "sources" / "reference" / "kolada"


# National data: the real published Kolada values shipped in sources/reference, served by the stand-in -------


def configured_kpis() -> dict[str, bool | None]:
    config = yaml.safe_load((REPO / "sources" / "kolada_kpis.yaml").read_text(encoding="utf-8"))
    return {k["id"]: k["higher_is_better"] for k in config["kpis"]}


def published_values() -> pl.DataFrame:
    """The shipped values read straight from the files: the parquet, then the ÖJ JSON where it adds cells."""
    parquet = pl.read_parquet(KOLADA / "kolada_values_2010_2024.parquet").select(
        pl.col("kpi").alias("kpi_id"),
        pl.col("municipality_id").alias("code"),
        pl.col("year").cast(pl.Int32),
        "gender",
        "value",
        pl.col("status").fill_null(""),
        pl.col("count").cast(pl.Int32),
    )
    names = json.loads((KOLADA / "oj_grundskola_municipalities.txt").read_text(encoding="utf-8"))
    code_of = {name: code for code, name in names.items()}
    cells = []
    by_municipality = json.loads((KOLADA / "oj_grundskola_2016_2019_by_municipality.json").read_text("utf-8"))
    riket = json.loads((KOLADA / "oj_grundskola_2016_2019_riket.json").read_text("utf-8"))
    trees = [(code_of[name], tree) for name, tree in by_municipality.items()] + [("0000", riket)]
    for code, tree in trees:
        for kpi, years in tree.items():
            for year, genders in years.items():
                for gender, value in genders.items():
                    cells.append((kpi, code, int(year), gender, value))
    oj = pl.DataFrame(cells, schema=["kpi_id", "code", "year", "gender", "value"], orient="row").with_columns(
        pl.col("year").cast(pl.Int32),
        pl.col("value").cast(pl.Float64),
        status=pl.when(pl.col("value").is_null()).then(pl.lit("Missing")).otherwise(pl.lit("")),
        count=pl.lit(1, dtype=pl.Int32),
    )
    oj = oj.join(parquet, on=["kpi_id", "code", "year", "gender"], how="anti")
    return pl.concat([parquet, oj.select(parquet.columns)])


@functools.cache  # read once: the benchmarking tests ask for every KPI, year and gender
def similar_municipalities(year: int, home: str = "Kävlinge") -> tuple[str, ...]:
    """The codes of `home`'s liknande kommuner grundskola for comparison year `year`, read from the shipped
    group files of every vintage (2022, 2024): the latest vintage not after the year, the earliest for the
    years before it (docs/national_sources.md)."""
    members = {}
    for path in sorted(KOLADA.glob("liknande_kommuner_grundskola_*_all.json")):
        for group in json.loads(path.read_text(encoding="utf-8")).values():
            name, _, vintage = group["title"].rpartition(", ")
            if name == f"Liknande kommuner grundskola, {home}":
                members[int(vintage)] = [code for code, _name in group["members"]]
    assert sorted(members) == [2022, 2024], members
    chosen = max((v for v in members if v <= year), default=min(members))
    return tuple(members[chosen])


def as_kolada_v3(values: pl.DataFrame) -> list[dict]:
    """Kolada v3 `data` items: one per KPI, municipality and year with a list of gender cells."""
    items = []
    for (kpi, code, year), cells in values.group_by(["kpi_id", "code", "year"]):
        items.append(
            {
                "kpi": kpi,
                "municipality": code,
                "period": int(year),
                "values": [
                    {
                        "gender": c["gender"],
                        "status": c["status"],
                        "value": c["value"],
                        "count": c["count"],
                        "isdeleted": False,
                    }
                    for c in cells.iter_rows(named=True)
                ],
            }
        )
    return items


def online_env(env: dict[str, str], server: FakeNationalServer) -> dict[str, str]:
    """The run's environment pointed at the stand-in instead of offline."""
    env = dict(env)
    env.pop("SKOLANALYS_OFFLINE", None)
    env["SKOLANALYS_KOLADA_URL"] = server.kolada_url
    env["SKOLANALYS_SKOLENHETSREGISTRET_URL"] = server.skolenhetsregistret_url
    env["SKOLANALYS_PLANNED_EDUCATIONS_URL"] = server.planned_educations_url
    return env


# The hand-built run ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HandbuiltRun:
    landing: Path
    data: Path
    stdout: str
    stderr: str
    respondents: dict[str, list[dict]]  # surveys (handbuilt_landing)
    year9_pnrs: dict[str, str]  # test_indicators_handbuilt's pupils by name
    attendance_pnrs: dict[str, str]  # test_attendance's pupils by name
    kolada_values: pl.DataFrame  # what the stand-in served
    requests: list[SeenRequest]  # what it was asked

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_handbuilt(root: Path) -> HandbuiltRun:
    # The writers live beside the tests that compute what they expect.
    from tests import handbuilt_landing, test_attendance, test_door_faults, test_goals, test_indicators_handbuilt

    landing, data = root / "landing", root / "data"
    outside = root / "outside"
    outside.mkdir(parents=True)
    year9 = test_indicators_handbuilt.write_landing(landing)
    respondents = handbuilt_landing.write_surveys(landing)
    national_tests = handbuilt_landing.write_national_tests(landing)
    attendance = test_attendance.write_landing(landing)
    door = test_door_faults.write_landing(landing, outside)
    test_goals.write_landing(landing)  # the board's goals (mal/): no pupils
    handbuilt_landing.write_siris(landing)  # a SIRIS per-skolenhet export (siris/): no pupils
    groups = {
        "year9": set(year9.everyone),
        "national_tests": set(national_tests),
        "attendance": set(attendance.values()),
        "door": set(door),
    }
    digits = {name: {p.replace("-", "")[-10:] for p in pnrs} for name, pnrs in groups.items()}
    names = list(digits)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert not digits[a] & digits[b], f"personnummer shared by {a} and {b}"

    values = published_values().filter(pl.col("kpi_id").is_in(list(configured_kpis())))
    # Request 2 is answered 429 (Retry-After 1 s) and request 5 with a 500: the client must retry both.
    server = FakeNationalServer(page_size=2000, fail_on={2: (429, {"Retry-After": "1"}), 5: 500})
    server.data = as_kolada_v3(values)
    with server:
        result = run_skolanalys(["run"], online_env(skolanalys_env(data, landing), server))
        requests = list(server.requests)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return HandbuiltRun(
        landing, data, result.stdout, result.stderr, respondents, year9.by_name, attendance, values, requests
    )


# The generated municipality ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LitenRun:
    landing: Path
    data: Path
    stdout: str
    stderr: str


def run_liten(root: Path) -> LitenRun:
    landing, data = root / "landing", root / "data"
    generate("liten", 7, landing, root / "truth.json", kommunkod="1261")
    result = run_skolanalys(["run"], skolanalys_env(data, landing))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return LitenRun(landing, data, result.stdout, result.stderr)


@dataclass(frozen=True)
class LitenNextRun:
    landing: Path
    data: Path
    served_before: int  # local indicator rows served before the new files
    served_after_kills: list[int]  # ... after each killed run
    killed: list[int]  # the killed runs' process ids
    marked: tuple  # the attendance sums changed by hand before the runs: pupil, unit, period
    lessons_before: int
    new_day: str
    new_rows: int
    stdout: str
    stderr: str


def run_liten_next(liten: LitenRun, root: Path) -> LitenNextRun:
    # The steps live beside the tests that check them.
    from tests import test_attendance_incremental as attendance
    from tests import test_operations as operations

    landing, data = root / "landing", root / "data"
    shutil.copytree(liten.landing, landing, symlinks=True)
    shutil.copytree(liten.data, data, symlinks=True)
    env = skolanalys_env(data, landing)
    served_before = operations.served_indicator_rows(data)
    marked, lessons_before = attendance.mark_one_pupils_sums(data)
    new_day, new_rows = attendance.add_next_day(landing)
    operations.add_grade_files(landing, root)
    served_after_kills, killed = operations.kill_two_runs(env, data)
    result = run_skolanalys(["run"], env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return LitenNextRun(
        landing, data, served_before, served_after_kills, killed, marked, lessons_before, new_day, new_rows,
        result.stdout, result.stderr,
    )  # fmt: skip


# The demo municipality -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoRun:
    landing: Path
    data: Path
    truth: dict
    stdout: str
    stderr: str


def run_demo(root: Path) -> DemoRun:
    """What `make demo` builds and serves: the kavlinge preset (seed 1) with the published national files
    dropped in, one offline `skolanalys run`."""
    from skolanalys.cli import _drop_published_national_files

    landing, data = root / "landing", root / "data"
    generate("kavlinge", 1, landing, root / "truth.json", kommunkod="1261")
    _drop_published_national_files(landing)
    result = run_skolanalys(["run"], skolanalys_env(data, landing), timeout=1200)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    truth = json.loads((root / "truth.json").read_text(encoding="utf-8"))
    return DemoRun(landing, data, truth, result.stdout, result.stderr)
