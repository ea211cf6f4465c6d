"""Operations: a run killed with SIGKILL at any moment leaves the last good snapshot readable, the run is
marked failed instead of blocking the queue, and the next run is right.

The kill test reads the shared `liten_next` run (tests/shared_runs.py): a copy of the shared `liten` run given
new files, two runs killed (early and late, at moments seen in the run history, not after fixed sleeps) and one
run to the end. The deadline test times out a run of its own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines import dbt_warm
from skolanalys.synth import generate
from sources.landing.attendance import loader as attendance_loader
from tests.conftest import REPO, run_skolanalys, skolanalys_env


def served_indicator_rows(data) -> int:
    con = duckdb.connect(str(data / "serving.duckdb"), read_only=True)
    try:
        return con.execute("select count(*) from indicator_values where source = 'local'").fetchall()[0][0]
    finally:
        con.close()


def _wait_until_started(dagster_home: str, process: subprocess.Popen, step: str | None, timeout: float = 300) -> bool:
    """Until a run of `process` is STARTED in the run history (and, with `step`, has started that step)."""
    deadline = time.monotonic() + timeout
    with dg.DagsterInstance.from_config(dagster_home) as instance:
        known = {r.run_id for r in instance.get_runs()}
        while time.monotonic() < deadline and process.poll() is None:
            for run in instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED])):
                if run.run_id in known:
                    continue
                if step is None:
                    return True
                starts = instance.get_records_for_run(run.run_id, of_type=dg.DagsterEventType.STEP_START).records
                if any(r.event_log_entry.step_key == step for r in starts):
                    return True
            time.sleep(0.2)
    return False


def add_grade_files(landing, work) -> None:
    """Another generated municipality's grade files, new to the landing folder: work for the next runs."""
    generate("liten", 4, work / "more", work / "truth2.json", kommunkod="1261")
    for path in (work / "more" / "betyg").iterdir():
        path.rename(landing / "betyg" / f"ny_{path.name}")


def kill_two_runs(env: dict[str, str], data) -> tuple[list[int], list[int]]:
    """A run killed early (as soon as Dagster has started it: reading landing files) and one killed late (a
    second after the dbt step started); after each, the served rows of the snapshot then readable; and the
    killed runs' process ids."""
    cli = [str(REPO / ".venv" / "bin" / "skolanalys") if (REPO / ".venv").exists() else sys.executable, "run"]
    served, killed = [], []
    for step in (None, "dbt_models"):
        process = subprocess.Popen(cli, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            assert _wait_until_started(env["DAGSTER_HOME"], process, step), f"the run never reached {step}"
            time.sleep(1.0)
        finally:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
        served.append(served_indicator_rows(data))
        killed.append(process.pid)
    return served, killed


def test_kill_9_during_runs_then_the_next_run_is_right(liten_next):
    run = liten_next
    assert run.served_before > 0
    # A whole snapshot is readable after each kill: the last good one, or the new one if the kill came after
    # the swap.
    assert len(run.served_after_kills) == 2 and all(n >= run.served_before for n in run.served_after_kills)
    assert "Traceback" not in run.stderr
    with dg.DagsterInstance.from_config(str(run.data / "dagster_home")) as instance:
        statuses = [r.status for r in instance.get_runs()]
    assert dg.DagsterRunStatus.STARTED not in statuses
    assert dg.DagsterRunStatus.FAILURE in statuses  # the killed runs, marked by the next run
    assert statuses[0] == dg.DagsterRunStatus.SUCCESS  # newest first
    assert served_indicator_rows(run.data) > 0
    # The scratch folders the killed runs left in the temporary folder (the warm dbt process's, the attendance
    # files' unpacked copies) were removed by the run after them.
    prefixes = (dbt_warm.FOLDER_PREFIX, attendance_loader.WORKDIR_PREFIX)
    scratch = Path(tempfile.gettempdir())
    left = [p for pid in run.killed for prefix in prefixes for p in scratch.glob(f"{prefix}{pid}-*")]
    assert not left, left


@pytest.mark.slow
def test_a_run_past_its_deadline_is_stopped_and_marked_failed(tmp_path):
    landing, data = tmp_path / "landing", tmp_path / "data"
    generate("liten", 5, landing, tmp_path / "truth.json", kommunkod="1261")
    env = skolanalys_env(data, landing) | {"SKOLANALYS_RUN_DEADLINE_SECONDS": "3"}
    result = run_skolanalys(["run"], env)
    assert result.returncode == 1
    assert "avbröts efter 3 sekunder" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert not (data / "serving.duckdb").exists()
    with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        assert [r.status for r in instance.get_runs()] == [dg.DagsterRunStatus.FAILURE]
