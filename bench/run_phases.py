"""Where one `skolanalys run` spends its time: each line it prints, time-stamped, then its phases from Dagster's
event log — each step, and within the dbt step the time before dbt's command, to its first node, dbt's own
nodes and after them (dbt closing the warehouse).

Runs with the current environment (SKOLANALYS_LANDING_DIR, SKOLANALYS_DATA_DIR, DAGSTER_HOME, the key, …), so a
night is timed by dropping its file into a copy of a built warehouse's landing folder first:

    .venv/bin/python bench/run_phases.py

Times are seconds after the command started. Measures one run as it is; it changes nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CLI = Path(sys.executable).with_name("skolanalys")
STEP_EVENTS = ("STEP_START", "STEP_SUCCESS", "STEP_FAILURE")
DBT_STEP = "dbt_models"


def run_printed(args: list[str]) -> tuple[float, int]:
    """The command's output line by line, each with its time; (the wall-clock time it started, its status)."""
    started = time.time()
    process = subprocess.Popen(
        [str(CLI), *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    for line in iter(process.stdout.readline, b""):
        print(f"{time.time() - started:7.2f}  {line.decode('utf-8', 'replace').rstrip()}", flush=True)
    status = process.wait()
    print(f"{time.time() - started:7.2f}  (exit {status})")
    return started, status


def phases(started: float) -> list[tuple[float, str]]:
    """(seconds after `started`, what) for the newest run's steps and the dbt step's parts."""
    import dagster as dg

    from skolanalys.settings import load_settings

    # Where the run stored its events: the settings' DAGSTER_HOME (the repository's .dagster_home without one).
    with dg.DagsterInstance.from_config(str(load_settings().dagster_home)) as instance:
        runs = instance.get_runs(limit=1)
        if not runs:
            return []
        entries = instance.all_logs(runs[0].run_id)
    marks: list[tuple[float, str]] = []
    dbt_nodes: list[float] = []
    for entry in entries:
        at = entry.timestamp - started
        event = entry.dagster_event
        if event is None:
            message = entry.user_message or ""
            if entry.step_key == DBT_STEP and message.startswith(("Running dbt command", "Finished dbt command")):
                marks.append((at, f"  {DBT_STEP}: {message.split(':')[0].lower()}"))
            continue
        kind = event.event_type_value
        if kind in STEP_EVENTS:
            marks.append((at, f"{kind.lower()} {entry.step_key}"))
        elif entry.step_key == DBT_STEP and kind in ("ASSET_MATERIALIZATION", "ASSET_CHECK_EVALUATION"):
            metadata = event.event_specific_data
            metadata = getattr(metadata, "materialization", metadata).metadata
            if "Execution Duration" in metadata:  # a node dbt ran (not one said to be unchanged)
                dbt_nodes.append(at)
    if dbt_nodes:
        marks += [(dbt_nodes[0], f"  {DBT_STEP}: first node done"), (dbt_nodes[-1], f"  {DBT_STEP}: last node done")]
    return sorted(marks)


def main() -> None:
    started, status = run_printed(sys.argv[1:] or ["run"])
    print("\nfrom Dagster's event log (seconds after the command started):")
    for at, what in phases(started):
        print(f"{at:7.2f}  {what}")
    sys.exit(status)


if __name__ == "__main__":
    main()
