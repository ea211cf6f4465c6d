"""Runs whose process has died (kill -9, out of memory, a reboot) are marked failed, so the queue moves.

Dagster's own run monitoring (dagster.yaml) times out runs that never start, but the default run launcher
cannot tell whether a started run's process is still alive, so with one run at a time a killed run would
block every queued run for good. Each run's RUN_START event records the process id; a started run whose
process no longer exists on this machine is reported failed. `skolanalys run` does this before it starts,
and the `dead_run_monitor` sensor does it every minute for the daemon's runs.
"""

from __future__ import annotations

import os
import socket

import dagster as dg
from dagster._core.events import DagsterEventType

from skolanalys.processes import pid_alive

RUN_HOST_TAG = "skolanalys/host"
RUN_PID_TAG = "skolanalys/pid"  # `skolanalys run` tags its runs with its process id
UNFINISHED = [
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]
FAILED_MESSAGE = "Körningens process finns inte längre (avbruten eller dödad); körningen markeras som misslyckad."


def _run_pid(instance: dg.DagsterInstance, run_id: str) -> int | None:
    records = instance.get_records_for_run(run_id, of_type=DagsterEventType.RUN_START, limit=1).records
    if not records or records[0].event_log_entry.dagster_event is None:
        return None
    return records[0].event_log_entry.dagster_event.pid


def _process_of(instance: dg.DagsterInstance, run) -> int | None:
    tagged = run.tags.get(RUN_PID_TAG)
    return int(tagged) if tagged and tagged.isdigit() else _run_pid(instance, run.run_id)


def fail_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark unfinished runs of this machine whose process is gone as failed; returns their run ids."""
    failed = []
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=UNFINISHED)):
        host = run.tags.get(RUN_HOST_TAG)
        if host is not None and host != socket.gethostname():
            continue  # another machine's run: its process cannot be seen from here
        pid = _process_of(instance, run)
        if pid is None or pid == os.getpid() or pid_alive(pid):
            continue
        instance.report_run_failed(run, FAILED_MESSAGE)
        failed.append(run.run_id)
    return failed


def fail_runs_of_this_process(instance: dg.DagsterInstance, message: str) -> list[str]:
    """After an interrupted `skolanalys run`: its runs that did not finish are failed, not left hanging."""
    failed = []
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=UNFINISHED, tags={RUN_PID_TAG: str(os.getpid())})):
        instance.report_run_failed(run, message)
        failed.append(run.run_id)
    return failed


@dg.sensor(
    name="dead_run_monitor",
    description="Markerar körningar vars process har dött som misslyckade, så att kön inte fastnar.",
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def dead_run_monitor(context: dg.SensorEvaluationContext):
    failed = fail_dead_runs(context.instance)
    for run_id in failed:
        context.log.warning(f"körning {run_id}: {FAILED_MESSAGE}")
    return dg.SkipReason(f"{len(failed)} döda körningar markerade som misslyckade" if failed else "inga döda körningar")
