"""Whether a process of this machine still exists: a run's (pipelines/run_monitor.py marks a dead run failed) or
a warm dbt process's owner; and the scratch folders named by the process that made them, so that one left by a
process killed with kill -9 is removed by the next (pipelines/dbt_warm.py's socket and parse; the attendance
loader's unpacked files, which hold personnummer), and DuckDB's own spill files a killed process left beside a
database. Imports nothing heavy: the dbt processes use it too."""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
from pathlib import Path


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def scratch_folder(prefix: str) -> Path:
    """A new folder in the temporary folder (mkdtemp: this user only), named `prefix` + this process's id + '-' +
    mkdtemp's letters."""
    return Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-"))


def remove_left_behind(prefix: str, root: Path | None = None) -> list[Path]:
    """This user's scratch folders of `prefix` (in `root`, the temporary folder by default) whose process is gone.
    A live process's folder is never touched, and a symbolic link is neither followed nor removed."""
    removed = []
    for folder in Path(root or tempfile.gettempdir()).glob(f"{prefix}*-*"):
        pid = folder.name.removeprefix(prefix).split("-", 1)[0]
        try:
            found = folder.lstat()
        except OSError:  # removed meanwhile
            continue
        mine = stat.S_ISDIR(found.st_mode) and found.st_uid == os.getuid()
        if mine and pid.isdigit() and not pid_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


# DuckDB's spill files (in its temp_directory, `<database>.tmp` by default) carry the process id of the DuckDB that
# wrote them: duckdb_temp_<pid>_<n>_owner, duckdb_temp_<pid>_<n>_storage_<size>-<i>.tmp.
DUCKDB_SPILL = re.compile(r"duckdb_temp_(\d+)_")


def remove_dead_spill(folder: Path) -> list[Path]:
    """The spill files a process killed with kill -9 left in DuckDB's temporary folder (`folder`): blocks of
    whatever it held in memory (the attendance loader's staged rows hold personnummer). DuckDB removes them only
    once a later process spills too; a run that stays in memory would leave them for good. A live process's
    files stay."""
    removed = []
    for path in folder.glob("duckdb_temp_*") if folder.is_dir() else ():
        found = DUCKDB_SPILL.match(path.name)
        if found and path.is_file() and not path.is_symlink() and not pid_alive(int(found.group(1))):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed
