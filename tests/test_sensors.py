"""Sensors on the landing folder: a new or changed file starts a run of its raw asset and everything
downstream; nothing new, or a file still being copied, starts nothing."""

from __future__ import annotations

import json
import os
import shutil
import time

import dagster as dg
import pytest

from pipelines.definitions import defs
from pipelines.resources import LandingConfig
from pipelines.sensors import LANDING_FOLDERS, SETTLE_SECONDS, folders_selection, landing_sensor, landing_sensors
from sources.landing.registry import LOCAL_FOLDERS

OLD = time.time() - 3600  # modification time of a file that has long finished arriving


@pytest.fixture
def landing(tmp_path):
    return LandingConfig(landing_dir=str(tmp_path), pseudonym_key="k", kommunkod="1261")


def evaluate(sensor, landing, cursor=None):
    context = dg.build_sensor_context(cursor=cursor, resources={"landing": landing})
    return sensor(context), context.cursor


def drop(folder, name: str, content: str, mtime: float = OLD):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(content)
    os.utime(path, (mtime, mtime))
    return path


def test_new_file_requests_a_run_and_the_same_state_is_skipped(landing, tmp_path):
    sensor = landing_sensor("betyg", LANDING_FOLDERS["betyg"])
    result, cursor = evaluate(sensor, landing)
    assert isinstance(result, dg.SkipReason) and "betyg/" in result.skip_message

    drop(tmp_path / "betyg", "vt24.csv", "personnummer;betyg\n")
    result, cursor = evaluate(sensor, landing)
    assert isinstance(result, dg.RunRequest)
    assert result.tags["skolanalys/landing_folder"] == "betyg"
    assert set(json.loads(cursor)) == {"vt24.csv"}

    again, same_cursor = evaluate(sensor, landing, cursor)
    assert isinstance(again, dg.SkipReason) and same_cursor == cursor


def test_changed_and_removed_files_request_new_runs(landing, tmp_path):
    sensor = landing_sensor("enkater", LANDING_FOLDERS["enkater"])
    path = drop(tmp_path / "enkater", "elevenkat_2024.csv", "a\n")
    first, cursor = evaluate(sensor, landing)
    drop(tmp_path / "enkater", "elevenkat_2024.csv", "a\nb\n", mtime=OLD + 60)  # a corrected export
    changed, cursor = evaluate(sensor, landing, cursor)
    assert isinstance(changed, dg.RunRequest) and changed.run_key != first.run_key
    path.unlink()
    removed, cursor = evaluate(sensor, landing, cursor)
    assert isinstance(removed, dg.RunRequest) and json.loads(cursor) == {}


def test_file_still_being_copied_waits_for_a_later_tick(landing, tmp_path):
    sensor = landing_sensor("franvaro", LANDING_FOLDERS["franvaro"])
    drop(tmp_path / "franvaro", "franvaro_2026-03.csv.gz", "halfway", mtime=time.time())
    result, cursor = evaluate(sensor, landing)
    assert isinstance(result, dg.SkipReason) and cursor is None


def test_after_a_run_the_sensors_start_nothing_for_the_files_it_loaded(handbuilt, tmp_path, monkeypatch):
    """`skolanalys ui` started after a `skolanalys run` (sensors without a cursor, or with an older one) starts no
    run for a folder the run has loaded; a file added since still starts one."""
    monkeypatch.setenv("SKOLANALYS_DATA_DIR", str(handbuilt.data))
    # The sensors count a file once it has settled (SETTLE_SECONDS unchanged); run alone, this test can come
    # sooner than that after the shared run wrote its landing folder.
    newest = max(path.stat().st_mtime for path in handbuilt.landing.rglob("*") if path.is_file())
    time.sleep(max(0.0, newest + SETTLE_SECONDS + 1 - time.time()))
    after_run = LandingConfig(landing_dir=str(handbuilt.landing), pseudonym_key="k", kommunkod="1261")
    skipped = 0
    for sensor in landing_sensors:
        for cursor in (None, json.dumps({"en_tidigare_fil.csv": [1, 2]})):
            result, new_cursor = evaluate(sensor, after_run, cursor)
            assert isinstance(result, dg.SkipReason), (sensor.name, cursor)
            skipped += "redan inlästa" in result.skip_message
    assert skipped >= 2 * 5  # every folder of the hand-built landing folder that holds files

    # The same files elsewhere (names, sizes and times kept) with one more grade file: a run for betyg/.
    landing = tmp_path / "landing"
    shutil.copytree(handbuilt.landing / "betyg", landing / "betyg", symlinks=True)
    sensor = landing_sensor("betyg", LANDING_FOLDERS["betyg"])
    copy = LandingConfig(landing_dir=str(landing), pseudonym_key="k", kommunkod="1261")
    result, cursor = evaluate(sensor, copy)
    assert isinstance(result, dg.SkipReason) and "redan inlästa" in result.skip_message
    drop(landing / "betyg", "betyg_ny.csv", "personnummer;betyg\n")
    result, _ = evaluate(sensor, copy, cursor)
    assert isinstance(result, dg.RunRequest) and result.tags["skolanalys/landing_folder"] == "betyg"


def test_each_landing_folder_has_a_sensor_targeting_its_raw_asset_and_everything_downstream():
    sensors = {s.name: s for s in defs.sensors if s.name.startswith("landing_")}
    assert set(sensors) == {f"landing_{folder}" for folder in LANDING_FOLDERS}

    def selected(sensor_name: str) -> set[dg.AssetKey]:
        return set(defs.resolve_job_def(sensors[sensor_name].job_name).asset_layer.selected_asset_keys)

    enkater = selected("landing_enkater")
    assert {
        dg.AssetKey(["raw", "survey_answers"]),
        dg.AssetKey(["marts", "survey_results"]),
        dg.AssetKey(["marts", "indicator_values"]),
        dg.AssetKey(["serving", "snapshot"]),
    } <= enkater
    # Only what the folder feeds: other raw tables and the national sources are left alone.
    assert dg.AssetKey(["raw", "grades"]) not in enkater
    assert not any(key.path[0] in ("kolada", "skolverket") for key in enkater)
    grades = selected("landing_betyg")
    assert dg.AssetKey(["marts", "grade_test_discrepancy"]) in grades
    assert dg.AssetKey(["marts", "survey_results"]) not in grades


def test_a_folders_run_includes_the_shared_landing_tables_models_and_the_checks_reading_its_table():
    """Every folder's run writes each file's outcome (raw.landing_files), which the data-quality mart reads:
    without it the mart would keep the last full run's outcomes. New enrolments validate the grades, tests and
    assessments against them again: those checks are on the other tables, but read elever/'s."""
    graph = defs.resolve_asset_graph()
    assert set(LANDING_FOLDERS) == set(LOCAL_FOLDERS)
    for folder in LANDING_FOLDERS:
        job = defs.resolve_job_def(f"landing_{folder}_job")
        assert dg.AssetKey(["marts", "data_quality_files"]) in job.asset_layer.selected_asset_keys, folder
        assert dg.AssetKey(["marts", "data_quality_files"]) in folders_selection([folder]).resolve(graph)
    checks = {key.name for key in folders_selection(["elever"]).resolve_checks(graph)}
    assert {"gx_enrolments", "gx_grades_enrolled", "gx_national_tests_enrolled"} <= checks
    assert "gx_grades" not in checks
    attendance = folders_selection(["franvaro"])
    assert {key.name for key in attendance.resolve_checks(graph) if key.asset_key.path[0] == "raw"} == {"gx_attendance"}
    both = folders_selection(["franvaro", "betyg"]).resolve(graph)
    assert attendance.resolve(graph) | folders_selection(["betyg"]).resolve(graph) == both


def test_the_dead_run_monitor_fails_a_started_run_whose_process_is_gone(tmp_path):
    """A run killed with SIGKILL stays STARTED in Dagster's storage; the monitor marks it failed."""
    import subprocess
    import sys

    from pipelines.run_monitor import fail_dead_runs

    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
        dead_pid = int(dead.stdout)
        run = instance.create_run_for_job(
            dg.GraphDefinition("g").to_job(),
        )
        instance.handle_new_event(_run_start_event(run, dead_pid))
        alive = instance.create_run_for_job(
            dg.GraphDefinition("g").to_job(),
        )
        instance.handle_new_event(_run_start_event(alive, os.getppid()))
        assert fail_dead_runs(instance) == [run.run_id]
        assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.FAILURE
        assert instance.get_run_by_id(alive.run_id).status == dg.DagsterRunStatus.STARTED


def _run_start_event(run, pid: int):
    from dagster._core.events import DagsterEvent, DagsterEventType
    from dagster._core.events.log import EventLogEntry

    event = DagsterEvent(DagsterEventType.RUN_START.value, run.job_name, pid=pid)
    return EventLogEntry(
        error_info=None, level=20, user_message="", run_id=run.run_id, timestamp=time.time(), dagster_event=event
    )
