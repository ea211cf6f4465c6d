"""A dbt process started ahead of the run's dbt step, with dbt imported and the project parsed.

A night's run spends ~5–8 s of its dbt step before dbt's first node: the new process imports dbt (~3 s) and
parses the project (partial parse, ~1–3 s) while the run waits (docs/benchmarks.md). `skolanalys run` starts
this process when it starts (`started`), so that the import and the parse overlap Dagster's own start and the
landing folders' steps, on the core those leave idle. It never opens the warehouse before it is asked to run:
the run's steps write the file meanwhile.

When the dbt step runs, dagster-dbt starts `skolanalys-dbt` as always (pipelines/dbt_command.py). That process finds
the address in WARM_ENV (and dagster-dbt's mark, DAGSTER_DBT_ENV) and hands its command line, its environment and
its standard output and error (the pipe dagster-dbt reads dbt's events from) to the waiting process, which runs the
command with its parsed project and answers with dbt's exit status; dagster-dbt sees a dbt process like any other.
Without the warm process (Dagster's UI, a sensor's run, a test), or when it failed to parse or is gone,
`skolanalys-dbt` runs dbt itself, as before. The warm process ends when the run's process dies (Linux's
parent-death signal), when the `skolanalys-dbt` it serves dies (dagster-dbt stops it on an interrupt), and after
one command.

A whole build also runs the project's Python models, whose first ones wait ~2–3 s for their libraries (statsmodels,
SciPy, pandas, pyarrow); `started(..., python_models=True)` has the warm process import them while it waits.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import threading
import traceback
from collections.abc import Iterator
from pathlib import Path

from skolanalys import ast_parse
from skolanalys.processes import remove_left_behind, scratch_folder

WARM_ENV = "SKOLANALYS_DBT_WARM"  # the warm process's socket; set only in the run's own process
FOLDER_PREFIX = "skolanalys-dbt-warm-"  # + the run's process id + mkdtemp's letters
WARM_FLAG = "--skolanalys-warm"  # `skolanalys-dbt --skolanalys-warm <socket fd> <target> [PYTHON_MODELS_FLAG]`
PYTHON_MODELS_FLAG = "--python-models"  # the warm process imports the Python models' libraries after the parse
# dbt-duckdb's materialisation of a Python model's arrow table imports pyarrow.dataset (its py_write_table macro)
PYTHON_MODEL_RUNTIME = ("pyarrow.dataset",)
BUILD_TASK = "dbt.task.build"  # `dbt build`'s task, with the test task and daff: imported only by the command
READY = b"R"
# dagster-dbt sets it for the dbt commands of its steps: only those are handed over (not, say, the project's
# parse that pipelines/dbt_manifest.py `ensure_manifest` runs when the project changed).
DAGSTER_DBT_ENV = "DAGSTER_DBT_CLI"
UNHANDLED_ERROR = 2  # dbt's own exit status for a failure it did not handle (dbt.cli.exceptions.ExitCodes),
# written out here: this side of the hand-over does not import dbt


@contextlib.contextmanager
def started(executable: str, *, python_models: bool = False) -> Iterator[subprocess.Popen | None]:
    """The warm dbt process for this run: its address in os.environ while the run lasts (dagster-dbt's
    `skolanalys-dbt` inherits it), the process stopped and its folder removed afterwards. The socket is made
    here and handed to the process, so that it is there from the start (a command arriving while dbt is still
    parsing waits for the parse). `python_models`: the run will build the project's Python models (a whole
    build), so the process imports their libraries once parsed; a narrowed run does without (a night's
    attendance selects no Python model). Yields the process, or None when dbt will start cold."""
    # The socket and the parse's dbt target in a folder of the run's own (mkdtemp: this user only), named by the
    # run's process: one that a run killed with kill -9 left behind is removed by the next run.
    remove_left_behind(FOLDER_PREFIX)
    folder = scratch_folder(FOLDER_PREFIX)
    address, target = folder / "dbt.sock", folder / "target"
    process = _start(executable, address, target, python_models)
    if process is None:  # dbt starts cold, as before
        shutil.rmtree(folder, ignore_errors=True)
        yield None
        return
    os.environ[WARM_ENV] = str(address)
    try:
        yield process
    finally:
        os.environ.pop(WARM_ENV, None)
        if process.poll() is None:
            process.terminate()
        process.wait()
        shutil.rmtree(folder, ignore_errors=True)


def _start(executable: str, address: Path, target: Path, python_models: bool) -> subprocess.Popen | None:
    """The warm process, listening on `address`; None when the socket cannot be made (e.g. a temporary folder
    whose path is too long for a socket's address)."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
            listener.bind(str(address))
            listener.listen(1)
            return subprocess.Popen(
                [
                    executable,
                    WARM_FLAG,
                    str(listener.fileno()),
                    str(target),
                    *([PYTHON_MODELS_FLAG] if python_models else []),
                ],
                pass_fds=[listener.fileno()],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
    except OSError:
        return None


# The `skolanalys-dbt` that dagster-dbt starts -------------------------------------------------------------------


def hand_over(address: str, argv: list[str]) -> int | None:
    """Run `argv` (dbt's arguments) in the warm process at `address`, which writes to this process's standard
    output and error. dbt's exit status, or None when there is no warm process ready to take it (run dbt here)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        try:
            conn.connect(address)
            if conn.recv(1) != READY:  # it failed to parse, or ended: the error is dbt's own to report here
                return None
        except OSError:
            return None
        request = json.dumps({"argv": argv, "env": dict(os.environ), "cwd": os.getcwd()}).encode("utf-8")
        sys.stdout.flush()
        socket.send_fds(conn, [struct.pack("!I", len(request)), request], [1, 2])
        status = conn.recv(1)
    return status[0] if status else UNHANDLED_ERROR  # no status: the warm process died on the way


# The warm process ---------------------------------------------------------------------------------------------


def _receive(conn: socket.socket) -> tuple[dict, list[int]]:
    header, fds, _, _ = socket.recv_fds(conn, 4, 2)
    (size,) = struct.unpack("!I", header)
    body = b""
    while len(body) < size:
        chunk = conn.recv(size - len(body))
        if not chunk:
            raise ConnectionError("the request ended early")
        body += chunk
    return json.loads(body), fds


def _end_when_client_goes(conn: socket.socket, done: threading.Event) -> None:
    """The `skolanalys-dbt` waiting for the status was stopped: stop dbt too (it holds the warehouse)."""
    with contextlib.suppress(OSError):
        conn.recv(1)
    if not done.is_set():
        os._exit(1)


def python_model_imports(manifest) -> list[str]:
    """The modules the project's Python models import (their own code, as parsed), and what dbt-duckdb imports
    to store their results."""
    modules = []
    for node in manifest.nodes.values():
        if getattr(node, "language", "sql") != "python":
            continue
        for statement in ast.walk(ast_parse.parse(node.raw_code)):
            if isinstance(statement, ast.ImportFrom) and statement.module and not statement.level:
                modules.append(statement.module)
            elif isinstance(statement, ast.Import):
                modules += [alias.name for alias in statement.names]
    return list(dict.fromkeys([*modules, *PYTHON_MODEL_RUNTIME]))


def _import_quietly(modules: list[str]) -> None:
    for module in modules:
        with contextlib.suppress(Exception):  # the model itself reports a failing import when it runs
            importlib.import_module(module)


def serve(listening: str, target: str, *options: str) -> None:
    """Import dbt, parse the project into `target` (seeded with the project's latest parse), with
    PYTHON_MODELS_FLAG among `options` import the Python models' libraries, then run the one command handed over
    (hand_over) on the socket `listening` (a file descriptor from `started`) and exit. Called by
    pipelines/dbt_command.py in the warm process."""
    from pipelines import dbt_logging
    from pipelines.dbt_command import DBT_PROJECT_DIR, RUN_FLAGS, seed_parse
    from skolanalys import start_gc

    listener = socket.socket(fileno=int(listening))
    seed_parse(Path(target))
    dbt_logging.write_only_what_the_level_lets_through()
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt.cli.exceptions import ExitCodes
    from dbt.cli.main import dbtRunner

    project = ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    folders = ["--target-path", target, "--log-path", target]
    parsed = dbtRunner().invoke(["parse", "--quiet", *RUN_FLAGS, *folders, *project])
    if parsed.success:  # dbt imports its build task when the command comes: then, it would delay the run
        _import_quietly([BUILD_TASK])
    if parsed.success and PYTHON_MODELS_FLAG in options:
        _import_quietly(python_model_imports(parsed.result))
    start_gc.settle()  # dbt's modules and the parsed project live as long as the process
    conn, _ = listener.accept()
    listener.close()
    if not parsed.success:  # closing without READY: the command runs dbt itself and reports the error
        conn.close()
        return
    conn.sendall(READY)
    request, fds = _receive(conn)
    done = threading.Event()
    threading.Thread(target=_end_when_client_goes, args=(conn, done), daemon=True).start()
    for fd, std in zip(fds, (1, 2), strict=True):
        os.dup2(fd, std)
        os.close(fd)
    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(request["cwd"])  # the warehouse's folder, where the command's profile finds the file by its name
    start_gc.off_for_the_command()  # the process ends after it (skolanalys/start_gc.py)
    try:
        result = dbtRunner(manifest=parsed.result).invoke(request["argv"])
        status = ExitCodes.Success if result.success else ExitCodes.ModelError
        if result.exception is not None:  # dbt's own command line prints it (a usage error, say)
            print(result.exception, file=sys.stderr)
            status = ExitCodes.UnhandledError
    except BaseException:  # noqa: BLE001 - any failure is dbt's UnhandledError, as its own CLI gives
        traceback.print_exc()  # to the command's standard error: the run's log
        status = ExitCodes.UnhandledError
    # The warehouse is closed before the run goes on: its next step opens the file as soon as it has the status.
    DuckDBConnectionManager.close_all_connections()
    sys.stdout.flush()
    sys.stderr.flush()
    done.set()
    conn.sendall(bytes([int(status)]))
