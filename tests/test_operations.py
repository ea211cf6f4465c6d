"""Operations: a run killed with SIGKILL at any moment leaves the last good snapshot readable, the run is
marked failed instead of blocking the queue, and the next run is right."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import dagster as dg
import duckdb
import pytest

from skolanalys.synth import generate
from tests.conftest import REPO, run_skolanalys, skolanalys_env


def _served_indicator_rows(data) -> int:
    con = duckdb.connect(str(data / "serving.duckdb"), read_only=True)
    try:
        return con.execute("select count(*) from indicator_values where source = 'local'").fetchall()[0][0]
    finally:
        con.close()


@pytest.mark.slow
def test_kill_9_during_runs_then_the_next_run_is_right(tmp_path):
    landing, data = tmp_path / "landing", tmp_path / "data"
    generate("liten", 3, landing, tmp_path / "truth.json", kommunkod="1261")
    env = skolanalys_env(data, landing)
    assert run_skolanalys(["run"], env).returncode == 0
    rows = _served_indicator_rows(data)

    # New files, then a run killed early (reading landing files) and one killed late (in dbt).
    generate("liten", 4, tmp_path / "more", tmp_path / "truth2.json", kommunkod="1261")
    for path in (tmp_path / "more" / "betyg").iterdir():
        path.rename(landing / "betyg" / f"ny_{path.name}")
    cli = [str(REPO / ".venv" / "bin" / "skolanalys") if (REPO / ".venv").exists() else sys.executable, "run"]
    for delay in (6.0, 20.0):
        process = subprocess.Popen(cli, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        # A whole snapshot is readable: the last good one, or the new one if the kill came after the swap.
        assert _served_indicator_rows(data) >= rows

    result = run_skolanalys(["run"], env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        statuses = [r.status for r in instance.get_runs()]
    assert dg.DagsterRunStatus.STARTED not in statuses
    assert dg.DagsterRunStatus.FAILURE in statuses  # the killed runs, marked by the next run
    assert statuses[0] == dg.DagsterRunStatus.SUCCESS  # newest first


@pytest.mark.slow
def test_a_run_past_its_deadline_is_stopped_and_marked_failed(tmp_path):
    landing, data = tmp_path / "landing", tmp_path / "data"
    generate("liten", 5, landing, tmp_path / "truth.json", kommunkod="1261")
    env = skolanalys_env(data, landing) | {"SKOLANALYS_RUN_DEADLINE_SECONDS": "8"}
    result = run_skolanalys(["run"], env)
    assert result.returncode == 1
    assert "avbröts efter 8 sekunder" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert not (data / "serving.duckdb").exists()
    with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        assert [r.status for r in instance.get_runs()] == [dg.DagsterRunStatus.FAILURE]
