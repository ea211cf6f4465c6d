"""Steps side by side (pipelines/executor.py): independent steps run at the same time, a step waits for what it
depends on, two large landing loads never overlap, dbt's step runs alone, and a failed step stops only what
depends on it."""

from __future__ import annotations

import threading
import time
import uuid

import dagster as dg
import pytest

from pipelines import executor
from pipelines.resources import LandingConfig

BARRIER_SECONDS = 10


def _run(assets, resources=None):
    job = dg.Definitions(
        assets=assets, resources=resources or {}, executor=executor.side_by_side_executor
    ).resolve_implicit_global_asset_job_def()
    return executor.execute_in_process(
        job, instance=dg.DagsterInstance.ephemeral(), run_id=str(uuid.uuid4()), run_config={}, tags={}
    )


def _step_events(result, kind: str) -> list[str]:
    return [e.step_key for e in result.all_events if e.event_type_value == kind]


def test_independent_steps_run_at_the_same_time_and_a_dependent_one_after_them():
    # Each of the two waits until the other has started: in one thread at a time the barrier would time out.
    both = threading.Barrier(2, timeout=BARRIER_SECONDS)
    finished = {}

    @dg.asset
    def left():
        both.wait()
        finished["left"] = time.monotonic()

    @dg.asset
    def right():
        both.wait()
        finished["right"] = time.monotonic()

    @dg.asset(deps=[left, right])
    def after():
        assert set(finished) == {"left", "right"}  # started only when both had ended
        finished["after"] = time.monotonic()

    result = _run([left, right, after])
    assert result.success
    assert set(finished) == {"left", "right", "after"}
    assert _step_events(result, "STEP_SUCCESS")[-1] == "after"


def test_two_large_landing_loads_never_overlap_and_a_small_one_runs_beside_them(tmp_path, monkeypatch):
    monkeypatch.setattr(executor, "STEPS_AT_ONCE", 2)
    monkeypatch.setattr(executor, "LARGE_FOLDER_BYTES", 1000)
    for folder, size in (("franvaro", 2000), ("betyg", 1500), ("elever", 10)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "a.csv").write_bytes(b"x" * size)
    spans: dict[str, tuple[float, float]] = {}

    def load(name: str, folder: str, priority: str):
        # The two large loads first in Dagster's order: one at a time only by the rule under test.
        @dg.asset(name=name, op_tags={**executor.landing_folder(folder), executor.PRIORITY_TAG: priority})
        def _asset(landing: LandingConfig):
            start = time.monotonic()
            time.sleep(0.6)
            spans[name] = (start, time.monotonic())

        return _asset

    assets = [load("attendance", "franvaro", "2"), load("grades", "betyg", "1"), load("enrolments", "elever", "0")]
    landing = LandingConfig(landing_dir=str(tmp_path), pseudonym_key="test-key", kommunkod="1261")
    result = _run(assets, {"landing": landing})
    assert result.success

    def overlap(a: str, b: str) -> bool:
        return spans[a][0] < spans[b][1] and spans[b][0] < spans[a][1]

    assert not overlap("attendance", "grades")
    assert overlap("enrolments", "attendance")


def test_a_failed_step_skips_what_depends_on_it_and_the_others_still_run():
    ran = []

    @dg.asset
    def broken():
        raise RuntimeError("a loader's bug")

    @dg.asset(deps=[broken])
    def downstream():
        ran.append("downstream")

    @dg.asset
    def independent():
        time.sleep(0.3)
        ran.append("independent")

    result = _run([broken, downstream, independent])
    assert not result.success
    assert ran == ["independent"]
    assert _step_events(result, "STEP_FAILURE") == ["broken"]
    assert "downstream" not in _step_events(result, "STEP_START")  # abandoned, as Dagster's own executor does


@pytest.mark.parametrize("steps_at_once", [1, 2])
def test_no_more_steps_at_once_than_allowed(monkeypatch, steps_at_once):
    monkeypatch.setattr(executor, "STEPS_AT_ONCE", steps_at_once)
    lock = threading.Lock()
    now, most = [0], [0]

    def counted(name: str):
        @dg.asset(name=name)
        def _asset():
            with lock:
                now[0] += 1
                most[0] = max(most[0], now[0])
            time.sleep(0.2)
            with lock:
                now[0] -= 1

        return _asset

    result = _run([counted(f"a{i}") for i in range(5)])
    assert result.success
    assert most[0] == steps_at_once


def test_a_step_to_run_alone_waits_for_the_running_ones_and_nothing_starts_beside_it():
    """dbt's step (a process of its own writes the warehouse file): no other step's connection may be open."""
    spans: dict[str, tuple[float, float]] = {}

    def timed(name: str, seconds: float, deps=(), tags=None):
        @dg.asset(name=name, deps=list(deps), op_tags=tags or {})
        def _asset():
            start = time.monotonic()
            time.sleep(seconds)
            spans[name] = (start, time.monotonic())

        return _asset

    first = timed("first", 0.2)
    slow = timed("slow_warning_check", 0.8)  # nothing depends on it: it may still run when dbt is ready
    alone = timed("dbt", 0.4, deps=[first], tags=executor.ALONE)
    later = [timed(f"later{i}", 0.2) for i in range(3)]
    result = _run([first, slow, alone, *later])
    assert result.success
    start, end = spans["dbt"]
    others = [name for name in spans if name != "dbt"]
    assert all(spans[o][1] <= start or spans[o][0] >= end for o in others), spans
