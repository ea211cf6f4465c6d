"""skolanalys.preflight: a run with nothing new is not started; anything new, or a doubt, starts it."""

from __future__ import annotations

import os
import time
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.schedules import CODE_DIGEST_TAG, LANDING_DIGEST_TAG, nightly_schedule
from skolanalys import preflight
from skolanalys.settings import Settings
from tests.conftest import make_pnr


@pytest.fixture
def settings(tmp_path: Path, monkeypatch) -> Settings:
    monkeypatch.setenv("SKOLANALYS_OFFLINE", "1")
    landing, data = tmp_path / "landing", tmp_path / "data"
    (landing / "betyg").mkdir(parents=True)
    (landing / "betyg" / "betyg_2024.csv").write_text("personnummer;lasar\n", encoding="utf-8")
    data.mkdir()
    duckdb.connect(str(data / "warehouse.duckdb")).close()
    (data / "serving.duckdb").write_bytes(b"")
    return Settings(landing, data, "1261")


def _recorded(settings: Settings) -> preflight.Digests:
    digests = preflight.current(settings)
    preflight.record(settings, digests)
    return digests


def test_the_same_folder_code_and_warehouse_is_nothing_new(settings):
    _recorded(settings)
    assert preflight.nothing_new(settings, preflight.current(settings))


@pytest.mark.parametrize(
    "change",
    [
        lambda s: (s.landing_dir / "betyg" / "betyg_2025.csv").write_text("x", encoding="utf-8"),  # a new file
        lambda s: (s.landing_dir / "betyg" / "betyg_2024.csv").write_text("personnummer;lasar;x\n"),  # resized
        lambda s: os.utime(s.landing_dir / "betyg" / "betyg_2024.csv", ns=(1, time.time_ns() + 10**9)),  # touched
        lambda s: (s.landing_dir / "betyg" / "betyg_2024.csv").rename(s.landing_dir / "betyg" / "b.csv"),  # renamed
        lambda s: (s.landing_dir / "betyg" / "betyg_2024.csv").unlink(),  # removed
        lambda s: (s.landing_dir / "franvaro").mkdir(),  # a new folder
        lambda s: duckdb.connect(str(s.warehouse_path)).execute("create table t as select 1").close(),  # UI run
        lambda s: s.serving_path.unlink(),  # nothing served
        lambda s: preflight.forget(s),  # a run started and did not succeed
    ],
)
def test_any_change_or_doubt_starts_a_run(settings, change):
    _recorded(settings)
    change(settings)
    assert not preflight.nothing_new(settings, preflight.current(settings))


def test_changed_code_starts_a_run(settings):
    digests = _recorded(settings)
    assert not preflight.nothing_new(settings, preflight.Digests(digests.landing, "another program"))


def test_the_record_holds_digests_only_never_a_file_name(settings):
    pnr = make_pnr(date(2011, 4, 7), 38, female=True)  # synthetic, made at run time
    (settings.landing_dir / "betyg" / f"betyg {pnr}.csv").write_text("x", encoding="utf-8")
    _recorded(settings)
    text = (settings.data_dir / "preflight.json").read_text(encoding="utf-8")
    assert pnr not in text and pnr.replace("-", "") not in text and "betyg" not in text


def _fetch_log(settings: Settings, days_since_ok: int | None, days_since_attempt: int) -> None:
    conn = duckdb.connect(str(settings.warehouse_path))
    conn.execute("create schema national")
    conn.execute("create table national.fetch_log (source varchar, attempted_at timestamp, ok boolean)")
    now = "current_timestamp::timestamp"
    if days_since_ok is not None:
        conn.execute(f"insert into national.fetch_log values ('kolada', {now} - interval {days_since_ok} day, true)")
    conn.execute(f"insert into national.fetch_log values ('kolada', {now} - interval {days_since_attempt} day, false)")
    conn.close()


@pytest.mark.parametrize(
    ("since_ok", "since_attempt", "due"),
    [(2, 2, False), (8, 8, True), (8, 0, False), (None, 3, True), (None, 0, False)],
)
def test_online_the_national_sources_are_due_weekly_and_retried_daily(
    settings, monkeypatch, since_ok, since_attempt, due
):
    monkeypatch.setenv("SKOLANALYS_OFFLINE", "0")
    _fetch_log(settings, since_ok, since_attempt)
    digests = _recorded(settings)
    assert preflight.nothing_new(settings, digests) is not due
    assert preflight.nothing_new(settings, digests, national=False)  # the nightly local job fetches nothing


def test_the_nightly_schedule_skips_a_night_with_nothing_new_and_tags_a_run_otherwise(settings, monkeypatch):
    monkeypatch.setenv("SKOLANALYS_LANDING_DIR", str(settings.landing_dir))
    monkeypatch.setenv("SKOLANALYS_DATA_DIR", str(settings.data_dir))
    digests = preflight.current(settings)
    request = nightly_schedule(dg.build_schedule_context())
    assert isinstance(request, dg.RunRequest)
    assert request.tags[LANDING_DIGEST_TAG] == digests.landing and request.tags[CODE_DIGEST_TAG] == digests.code
    preflight.record(settings, digests)
    assert isinstance(nightly_schedule(dg.build_schedule_context()), dg.SkipReason)


def _local_news(settings: Settings) -> list[str] | None:
    return preflight.changed_local_folders(settings, preflight.current(settings))


def test_news_in_the_municipalitys_own_folders_alone_narrow_the_run_to_them(settings):
    _recorded(settings)
    assert _local_news(settings) is None  # nothing new: no run at all, nothing to narrow
    (settings.landing_dir / "betyg" / "betyg_2025.csv").write_text("x", encoding="utf-8")
    assert _local_news(settings) == ["betyg"]
    (settings.landing_dir / "franvaro").mkdir()
    (settings.landing_dir / "franvaro" / "franvaro_2025-06-12.csv").write_text("x", encoding="utf-8")
    assert _local_news(settings) == ["betyg", "franvaro"]
    (settings.landing_dir / "betyg" / "betyg_2025.csv").unlink()
    assert _local_news(settings) == ["franvaro"]


@pytest.mark.parametrize(
    "change",
    [
        lambda s: (s.landing_dir / "stray.csv").write_text("x", encoding="utf-8"),  # the root: read with elever/
        lambda s: (s.landing_dir / "okand").mkdir(),  # an unknown folder
        lambda s: (s.landing_dir / "siris").mkdir(),  # a national folder
        lambda s: duckdb.connect(str(s.warehouse_path)).execute("create table t as select 1").close(),  # UI run
        lambda s: preflight.forget(s),  # the last run did not succeed
    ],
)
def test_any_other_news_or_doubt_runs_everything(settings, change):
    _recorded(settings)
    (settings.landing_dir / "betyg" / "betyg_2025.csv").write_text("x", encoding="utf-8")
    assert _local_news(settings) == ["betyg"]
    change(settings)
    assert _local_news(settings) is None


def test_changed_code_or_a_record_without_the_rest_of_the_folder_runs_everything(settings):
    digests = _recorded(settings)
    (settings.landing_dir / "betyg" / "betyg_2025.csv").write_text("x", encoding="utf-8")
    now = preflight.current(settings)
    assert (
        preflight.changed_local_folders(
            settings, preflight.Digests(now.landing, "another program", now.folders, now.rest)
        )
        is None
    )
    preflight.record(settings, preflight.Digests(digests.landing, digests.code, digests.folders))  # an older record
    assert preflight.changed_local_folders(settings, now) is None


def test_online_a_national_source_due_runs_everything(settings, monkeypatch):
    monkeypatch.setenv("SKOLANALYS_OFFLINE", "0")
    _fetch_log(settings, 8, 8)
    _recorded(settings)
    (settings.landing_dir / "betyg" / "betyg_2025.csv").write_text("x", encoding="utf-8")
    assert _local_news(settings) is None
    monkeypatch.setenv("SKOLANALYS_OFFLINE", "1")
    assert _local_news(settings) == ["betyg"]


def test_news_only_the_folder_digests_do_not_see_run_everything(settings):
    _recorded(settings)
    (settings.landing_dir / "betyg" / "gamla").mkdir()  # a folder inside a kind's folder: not in its state
    assert not preflight.nothing_new(settings, preflight.current(settings))
    assert _local_news(settings) is None


def test_the_nightly_schedule_narrows_a_night_with_news_in_one_folder_after_a_recorded_run(settings, monkeypatch):
    from dagster._core.storage.dagster_run import DagsterRun

    from pipelines.definitions import defs
    from pipelines.schedules import nightly_run_recorded

    monkeypatch.setenv("SKOLANALYS_LANDING_DIR", str(settings.landing_dir))
    monkeypatch.setenv("SKOLANALYS_DATA_DIR", str(settings.data_dir))
    repository = defs.get_repository_def()
    first = nightly_schedule(dg.build_schedule_context(repository_def=repository))
    assert isinstance(first, dg.RunRequest) and first.asset_selection is None  # no run recorded: everything
    # The run succeeds: the run status sensor records what it saw, from the run's tags (digests only).
    with dg.DagsterInstance.ephemeral() as instance:
        run = DagsterRun(job_name="nightly_job", run_id="nightly", tags=first.tags)
        event = dg.DagsterEvent(event_type_value="PIPELINE_SUCCESS", job_name="nightly_job")
        nightly_run_recorded(dg.build_run_status_sensor_context("nightly_run_recorded", event, instance, run))
    assert isinstance(nightly_schedule(dg.build_schedule_context(repository_def=repository)), dg.SkipReason)
    (settings.landing_dir / "franvaro").mkdir()
    (settings.landing_dir / "franvaro" / "franvaro_2025-06-12.csv").write_text("x", encoding="utf-8")
    narrowed = nightly_schedule(dg.build_schedule_context(repository_def=repository))
    selected = set(narrowed.asset_selection)
    assert dg.AssetKey(["raw", "attendance"]) in selected and dg.AssetKey(["serving", "snapshot"]) in selected
    assert dg.AssetKey(["raw", "grades"]) not in selected
    assert {key.name for key in narrowed.asset_check_keys if key.asset_key.path[0] == "raw"} == {"gx_attendance"}
    (settings.landing_dir / "stray.csv").write_text("x", encoding="utf-8")  # anything else new: everything
    assert nightly_schedule(dg.build_schedule_context(repository_def=repository)).asset_selection is None


def test_a_run_forced_with_nothing_new_starts_no_warm_dbt(settings, monkeypatch):
    """`skolanalys run --alltid` with nothing new finds every model current (no dbt): it starts no warm dbt
    process, which would import dbt and parse the project for nothing; anything new, or a new key, does."""
    import contextlib

    from pipelines import dbt_warm
    from skolanalys import runner

    warm: list[bool] = []
    monkeypatch.setattr(dbt_warm, "started", lambda *a, **k: warm.append(True) or contextlib.nullcontext())
    monkeypatch.setattr(runner, "_execute", lambda *a, **k: True)  # the Dagster run itself is not what is tested
    monkeypatch.setattr(runner, "_check_key", lambda *a: None)
    # run_everything exports the settings (Settings.export_environment): into a copy, gone after the test
    monkeypatch.setattr(os, "environ", os.environ.copy())
    _recorded(settings)
    assert runner.run_everything(settings, instance=object(), always=True) and warm == []
    assert runner.run_everything(settings, instance=object(), rotate_key=True) and warm == [True]
    (settings.landing_dir / "betyg" / "betyg_2025.csv").write_text("personnummer;lasar\n", encoding="utf-8")
    assert runner.run_everything(settings, instance=object(), always=True) and warm == [True, True]
