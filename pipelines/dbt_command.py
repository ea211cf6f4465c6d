"""`skolanalys-dbt`: dbt run from the warehouse's folder, the profile naming the warehouse by its file name.

dbt keeps its parse of the project (partial parsing) only while the profile's connection values are those it
parsed with, and the warehouse's path is one of them (dbt hashes them). An absolute path made every other data
folder (each test's, the second municipality of a benchmark, a demo beside the real warehouse) parse the whole
project again (measured 7.4–11.5 s whole against 3.7–4.5 s partial). From the warehouse's folder every
warehouse has the same profile.

The same command is the warm dbt process that `skolanalys run` starts ahead of its dbt step (`--skolanalys-warm`),
and, with that process's address in the environment, hands dagster-dbt's command to it (pipelines/dbt_warm.py).
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import sys
from pathlib import Path

from pipelines import dbt_logging
from skolanalys import quick_exit, start_gc
from skolanalys.dbt_vars import DBT_PROJECT_DIR, WAREHOUSE_PATH_ENV

PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent dies
PROJECT_TARGET = DBT_PROJECT_DIR / "target"  # dagster-dbt's manifest and the project's latest parse
PARTIAL_PARSE = "partial_parse.msgpack"
# The pipeline's dbt runs write no manifest.json or run_results.json (~1 s at storstad: written twice, read by
# nobody; each model's and test's result is in Dagster's event log and the run's log) and keep only warnings
# and errors in the run folder's dbt.log (its debug lines, every SQL statement, cost ~0.5 s).
RUN_FLAGS = ("--no-write-json", "--log-level-file", "warn")


def dbt_executable() -> str:
    """The dbt of this environment (next to the running Python), not whichever is first on PATH, run from the
    warehouse's folder (`main` below)."""
    candidate = Path(sys.executable).with_name("skolanalys-dbt")
    return str(candidate) if candidate.exists() else (shutil.which("skolanalys-dbt") or "skolanalys-dbt")


def seed_parse(target: Path) -> None:
    """Start `target` (a dbt target folder) from the project's latest parse, so that dbt parses only what
    changed since: a run's own folder, the warm process's (pipelines/dbt_warm.py) or a test's."""
    target.mkdir(parents=True, exist_ok=True)
    parsed = PROJECT_TARGET / PARTIAL_PARSE
    if parsed.exists() and not (target / PARTIAL_PARSE).exists():
        shutil.copy2(parsed, target / PARTIAL_PARSE)


def _end_with_parent() -> None:
    """On Linux, dbt's process is ended when the process that started it dies (`kill -9`, the OOM killer).
    Otherwise dbt would build on in the warehouse after the run that started it was gone, with no one to read
    its events, while the next run waits for the file. The signal follows the thread that started dbt (prctl(2)):
    here the step's, which waits for dbt to end."""
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before the request was in place
        sys.exit(1)


def _without_the_scripts_folder() -> None:
    """Python puts a script's folder first on sys.path: for this command the environment's bin/, where daff (which
    dbt's test task imports) installs a 419 KB copy of itself as daff.py. Imported from there it is compiled from
    source in every dbt process, bytecode not being written there: ~0.2 s of CPU each, in a night after the warm
    process has its command (docs/benchmarks.md, "Twenty-seventh session"). Nothing is meant to be imported from
    bin/: without it, daff comes from its package, compiled at install."""
    script = Path(sys.argv[0]).resolve()
    if script.name == "skolanalys-dbt" and sys.path and sys.path[0] and Path(sys.path[0]).resolve() == script.parent:
        del sys.path[0]


def main() -> None:
    _without_the_scripts_folder()
    _end_with_parent()
    quick = quick_exit.arm()  # before dbt registers its exit handlers (dbt-duckdb's closes the warehouse)
    if os.environ.get(WAREHOUSE_PATH_ENV):
        path = Path(os.environ[WAREHOUSE_PATH_ENV]).resolve()
    else:  # `skolanalys` exports it; otherwise the settings' own (SKOLANALYS_DATA_DIR or its default)
        from skolanalys.settings import load_settings

        path = load_settings().warehouse_path
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chdir(path.parent)
    os.environ[WAREHOUSE_PATH_ENV] = path.name
    from pipelines import dbt_warm

    if sys.argv[1:2] == [dbt_warm.WARM_FLAG]:  # started by `skolanalys run` ahead of its dbt step
        start_gc.pause()  # until the project is parsed (skolanalys/start_gc.py)
        dbt_warm.serve(*sys.argv[2:])
        quick.at(0)
        sys.exit(0)
    if os.environ.get(dbt_warm.WARM_ENV) and os.environ.get(dbt_warm.DAGSTER_DBT_ENV) == "true":
        status = dbt_warm.hand_over(os.environ[dbt_warm.WARM_ENV], sys.argv[1:])
        if status is not None:
            quick.at(status)
            sys.exit(status)
    dbt_logging.write_only_what_the_level_lets_through()  # dbt runs here (not in the hand-over above)
    from dbt.cli.main import cli

    try:
        cli()
    except SystemExit as stop:  # click ends every command so, with dbt's exit status
        quick.at(stop.code)
        raise
