"""The warm dbt process (pipelines/dbt_warm.py): a dbt command handed over gives what dbt itself gives — its
output and its exit status — a command whose process is stopped stops dbt too and frees the warehouse, without
a warm process ready the command runs dbt itself, and a whole build's warm process has imported what the
project's Python models import before the command comes."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest

from pipelines import dbt_warm
from pipelines.assets.dbt import ensure_manifest
from pipelines.dbt_command import DBT_PROJECT_DIR, dbt_executable, seed_parse
from skolanalys.dbt_vars import WAREHOUSE_PATH_ENV

pytestmark = pytest.mark.slow  # dbt processes, ~20 s

PROJECT = ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
# A query that keeps DuckDB busy for seconds (inside dbt: `dbt show` runs it against the warehouse).
LONG_QUERY = "select sum(range) as n from range(200000000000)"


def _env(warehouse: Path, warm: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in (dbt_warm.WARM_ENV, dbt_warm.DAGSTER_DBT_ENV)}
    env[WAREHOUSE_PATH_ENV] = str(warehouse)
    if warm:
        env[dbt_warm.WARM_ENV] = os.environ[dbt_warm.WARM_ENV]
        env[dbt_warm.DAGSTER_DBT_ENV] = "true"
    return env


def _dbt(args: list[str], work: Path, warehouse: Path, warm: bool, **kwargs) -> subprocess.CompletedProcess:
    seed_parse(work / "target")
    target = ["--target-path", str(work / "target"), "--log-path", str(work / "logs")]
    command = [dbt_executable(), *args, *PROJECT, *target]
    return subprocess.run(command, env=_env(warehouse, warm), capture_output=True, text=True, **kwargs)


@pytest.fixture
def warehouse(tmp_path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(path)).close()
    return path


def _lock_holders(path: Path) -> set[int]:
    """The processes holding DuckDB's lock on `path` (Linux's /proc/locks; asking takes no lock)."""
    inode = f":{path.stat().st_ino} "
    return {int(line.split()[4]) for line in Path("/proc/locks").read_text().splitlines() if inode in line}


def _lines(output: str) -> list[str]:
    """dbt's lines without their time stamps."""
    return [line.split("  ", 1)[-1].strip() for line in output.splitlines() if line.strip()]


def _models_downstream_of(model: str) -> set[str]:
    """What `dbt ls --select <model>+ --resource-type model` must print, worked out from the project's parse
    (manifest.json's child map), not by dbt's selection: the model and every model downstream, as fqn."""
    manifest = json.loads(ensure_manifest().read_text(encoding="utf-8"))
    start = next(uid for uid, node in manifest["nodes"].items() if uid.startswith("model.") and node["name"] == model)
    found, todo = {start}, [start]
    while todo:
        for child in manifest["child_map"].get(todo.pop(), []):
            if child.startswith("model.") and child not in found:
                found.add(child)
                todo.append(child)
    return {".".join(manifest["nodes"][uid]["fqn"]) for uid in found}


def _loaded(pid: int) -> str:
    """The files mapped into process `pid`: its loaded extension modules among them."""
    return Path(f"/proc/{pid}/maps").read_text()


def _wait_for_python_models_libraries(process: subprocess.Popen | None, timeout: float = 120) -> None:
    """Until the warm process has imported what the Python models import (their extension modules mapped)."""
    assert process is not None
    deadline = time.monotonic() + timeout
    while "pyarrow/_dataset" not in _loaded(process.pid):  # the last module it imports
        assert process.poll() is None, "the warm process ended"
        assert time.monotonic() < deadline, "the Python models' libraries were not imported"
        time.sleep(0.2)
    assert "scipy/" in _loaded(process.pid)


def test_a_handed_over_command_gives_dbts_output(tmp_path, warehouse):
    """A whole build's warm process (python_models): the Python models' libraries are imported before the
    command, and the command gives dbt's own output."""
    args = ["ls", "--select", "stg_raw__attendance+", "--resource-type", "model", "--quiet"]
    with dbt_warm.started(dbt_executable(), python_models=True) as process:
        _wait_for_python_models_libraries(process)
        started = time.monotonic()
        warm = _dbt(args, tmp_path / "warm", warehouse, warm=True, timeout=300)
        took = time.monotonic() - started
    assert warm.returncode == 0, warm.stdout[-2000:] + warm.stderr[-2000:]
    assert "Traceback" not in warm.stdout + warm.stderr
    listed = [line for line in _lines(warm.stdout) if line.startswith("skolanalys.")]
    assert len(listed) == len(set(listed))
    assert set(listed) == _models_downstream_of("stg_raw__attendance")
    assert "skolanalys.intermediate.int_attendance_pupil_unit_periods" in listed
    assert took < 120


def test_the_libraries_imported_ahead_are_those_the_python_models_import():
    manifest = json.loads(ensure_manifest().read_text(encoding="utf-8"))
    nodes = {
        uid: SimpleNamespace(language=node.get("language", "sql"), raw_code=node["raw_code"])
        for uid, node in manifest["nodes"].items()
    }
    named = dbt_warm.python_model_imports(SimpleNamespace(nodes=nodes))
    # Worked out from the model files themselves, not from dbt's parse.
    written = {
        module
        for path in (DBT_PROJECT_DIR / "models").rglob("*.py")
        for module in re.findall(r"^\s*from ([\w.]+) import", path.read_text(encoding="utf-8"), re.MULTILINE)
    }
    assert written, "the project has Python models"
    assert set(named) == written | {"pyarrow.dataset"}
    assert all(importlib.util.find_spec(module) for module in named)


def test_a_failing_handed_over_command_gives_dbts_own_status(tmp_path, warehouse):
    args = ["run-operation", "no_such_macro"]  # fails: dbt's own status and words for it
    cold = _dbt(args, tmp_path / "cold", warehouse, warm=False)
    with dbt_warm.started(dbt_executable()):
        warm = _dbt(args, tmp_path / "warm", warehouse, warm=True, timeout=300)
    assert cold.returncode != 0
    assert warm.returncode == cold.returncode
    assert "Traceback" not in warm.stdout + warm.stderr
    assert "no_such_macro" in warm.stdout and "no_such_macro" in cold.stdout


def test_a_stopped_command_stops_dbt_and_frees_the_warehouse(tmp_path, warehouse):
    args = ["show", "--inline", LONG_QUERY]
    with dbt_warm.started(dbt_executable()):
        command = [dbt_executable(), *args, *PROJECT, "--target-path", str(tmp_path / "target")]
        process = subprocess.Popen(
            command, env=_env(warehouse, warm=True), stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 120
        while not _lock_holders(warehouse):  # dbt is at the query
            assert process.poll() is None and time.monotonic() < deadline, "dbt never opened the warehouse"
            time.sleep(0.1)
        time.sleep(1.0)
        holders = _lock_holders(warehouse)  # the query runs for minutes
        assert holders and process.pid not in holders, "dbt runs in the warm process, not in the command's"
        process.terminate()  # as dagster-dbt does when the step is interrupted
        process.wait(10)
        # dbt lets go of the warehouse within seconds, long before its query would end.
        deadline = time.monotonic() + 10
        while _lock_holders(warehouse):
            assert time.monotonic() < deadline, "the warm dbt still holds the warehouse"
            time.sleep(0.1)


def test_without_a_warm_process_ready_the_command_runs_dbt_itself(tmp_path, warehouse, monkeypatch):
    # A listener that closes without saying it is ready: the warm process failed to parse.
    address = tmp_path / "dbt.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(address))
    listener.listen(1)
    threading.Thread(target=lambda: listener.accept()[0].close(), daemon=True).start()
    assert dbt_warm.hand_over(str(address), ["ls"]) is None
    listener.close()
    assert dbt_warm.hand_over(str(tmp_path / "nobody.sock"), ["ls"]) is None  # none at all
    # The command itself: dbt's own output.
    monkeypatch.setenv(dbt_warm.WARM_ENV, str(tmp_path / "nobody.sock"))
    result = _dbt(["ls", "--select", "stg_raw__attendance"], tmp_path, warehouse, warm=True)
    assert result.returncode == 0, result.stdout[-2000:]
    assert "skolanalys.staging.raw.stg_raw__attendance" in result.stdout


def _warm_children() -> list[str]:
    """This process's warm dbt processes (from /proc: the fourth field of a process's stat is its parent)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if not entry.name.isdigit() or dbt_warm.WARM_FLAG.encode() not in (entry / "cmdline").read_bytes():
                continue
            if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == os.getpid():
                found.append(entry.name)
        except OSError:  # ended meanwhile
            pass
    return found


@pytest.fixture
def short_tmp() -> Iterator[Path]:
    """A temporary folder with a short path: a socket's address has room for ~107 bytes, pytest's tmp_path under
    xdist takes most of them."""
    folder = Path(tempfile.mkdtemp(prefix="sk-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_a_runs_warm_folder_goes_with_it_and_one_left_by_a_killed_run_with_the_next_run(short_tmp, monkeypatch):
    tmp_path = short_tmp
    ended = subprocess.Popen(["true"])
    ended.wait()  # a run's process that is gone, as after kill -9
    dead = tmp_path / f"{dbt_warm.FOLDER_PREFIX}{ended.pid}-abc123"
    live = tmp_path / f"{dbt_warm.FOLDER_PREFIX}{os.getppid()}-def456"  # a live run's (pytest's parent)
    other = tmp_path / "skolanalys-something-else-1-x"
    for folder in (dead, live, other):
        (folder / "target").mkdir(parents=True)
    # A link named like a dead run's folder is neither followed nor removed.
    kept = tmp_path / "kept"
    (kept / "file").mkdir(parents=True)
    link = tmp_path / f"{dbt_warm.FOLDER_PREFIX}{ended.pid}-link"
    link.symlink_to(kept, target_is_directory=True)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with dbt_warm.started(dbt_executable()):
        address = Path(os.environ[dbt_warm.WARM_ENV])
        assert address.parent.parent == tmp_path and address.parent.name.startswith(
            f"{dbt_warm.FOLDER_PREFIX}{os.getpid()}-"
        )
        assert address.is_socket()
        assert not dead.exists()
        assert live.exists() and other.exists()
    # After the run: its own folder (the socket and the parse's target) and its warm process are gone too.
    assert dbt_warm.WARM_ENV not in os.environ
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, other.name, kept.name, link.name])
    assert (kept / "file").is_dir()
    assert not _warm_children(), "the warm process outlived the run"


def test_without_room_for_a_socket_the_run_goes_on_with_a_cold_dbt(tmp_path, monkeypatch):
    long = tmp_path / ("t" * 100)  # a socket's address would be longer than Linux allows
    long.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(long))
    with dbt_warm.started(dbt_executable()):
        assert dbt_warm.WARM_ENV not in os.environ  # skolanalys-dbt then runs dbt itself
    assert list(long.iterdir()) == []
    assert not _warm_children()
