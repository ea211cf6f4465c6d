"""skolanalys/start_gc.py: `skolanalys run` and the warm dbt process start without the garbage collector and
hand what their start built to `gc.freeze` before their work begins; every other command, and a command run
in-process, keeps the collector as it is. Each case runs in a fresh interpreter: the collector is the process's."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from skolanalys.dbt_vars import WAREHOUSE_PATH_ENV

# Prints whether the collector is on and how many objects are frozen, at the point the case's script says.
STATE = "import gc; print(gc.isenabled(), gc.get_freeze_count())"


def _python(script: str, tmp_path, **env: str) -> tuple[bool, int]:
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "SKOLANALYS_DATA_DIR": str(tmp_path / "data"), **env},
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    enabled, frozen = done.stdout.split()[-2:]
    return enabled == "True", int(frozen)


def test_pause_then_settle_freezes_what_was_built_and_turns_the_collector_on(tmp_path):
    script = f"""
from skolanalys import start_gc
start_gc.pause()
{STATE.replace("print(", "paused = (")}
built = [[i] for i in range(50_000)]  # lives as long as the process
start_gc.settle()
assert paused[0] is False and paused[1] == 0, paused
{STATE}
"""
    enabled, frozen = _python(script, tmp_path)
    assert enabled and frozen > 50_000


def test_settle_without_pause_changes_nothing(tmp_path):
    enabled, frozen = _python(f"from skolanalys import start_gc\nstart_gc.settle()\n{STATE}", tmp_path)
    assert enabled and frozen == 0


def test_skolanalys_pauses_and_a_command_other_than_run_settles_at_once(tmp_path):
    """`console` pauses before anything else; `main` settles for every command but `run`."""
    paused = f"""
from skolanalys import cli
def main(argv=None):
    {STATE}
    return 0
cli.main = main
try:
    cli.console()
except SystemExit:
    pass
"""
    enabled, _ = _python(paused, tmp_path)
    assert not enabled, "skolanalys started with the collector on"
    settled = f"""
from skolanalys import cli, start_gc
def seen(args, settings):
    {STATE}
    return 0
cli.cmd_generate = seen
start_gc.pause()
cli.main(["generate"])
"""
    enabled, frozen = _python(settled, tmp_path)
    assert enabled and frozen > 0


@pytest.mark.slow  # builds the definitions (~5 s)
def test_a_run_settles_once_its_definitions_are_built(tmp_path):
    script = f"""
from skolanalys import start_gc
start_gc.pause()
from skolanalys.runner import _prepare
from skolanalys.settings import load_settings
_prepare(load_settings(), None)
{STATE}
"""
    enabled, frozen = _python(script, tmp_path)
    assert enabled and frozen > 100_000  # Dagster's modules and the definitions


@pytest.mark.slow  # imports dbt and parses the project (~5–10 s)
def test_the_warm_dbt_process_pauses_and_settles_once_the_project_is_parsed(tmp_path):
    """The warm path of `skolanalys-dbt` pauses; `serve` settles after the parse, before the command comes (the
    socket's accept, replaced here by the state and an exit)."""
    pauses = f"""
import sys
from pipelines import dbt_command, dbt_warm
def serve(*args):
    {STATE}
dbt_warm.serve = serve
sys.argv = ["skolanalys-dbt", dbt_warm.WARM_FLAG]
dbt_command.main()
"""
    enabled, _ = _python(pauses, tmp_path, **{WAREHOUSE_PATH_ENV: str(tmp_path / "warehouse.duckdb")})
    assert not enabled
    settles = f"""
import os, socket, sys
from skolanalys import start_gc
from pipelines import dbt_warm
def accept(self):
    {STATE}
    sys.stdout.flush()
    os._exit(0)
socket.socket.accept = accept
start_gc.pause()
listener = socket.socket(socket.AF_UNIX)
dbt_warm.serve(str(listener.detach()), {str(tmp_path / "target")!r})
"""
    enabled, frozen = _python(settles, tmp_path)
    assert enabled and frozen > 100_000  # dbt's modules and the parsed project
