"""Before a run: is anything new? A run with nothing new is not started at all.

Starting Dagster and looking at every asset costs seconds (imports alone ~4 s) even when each step finds
nothing to do. This check costs milliseconds and imports neither Dagster nor dbt. Something is new when:
- the landing folder's listing differs (any file or folder added, removed, resized or touched), or
- the code differs (every file under dbt/, pipelines/, sources/, expectations/ and skolanalys/), or
- the national sources are due (online only: see NATIONAL_REFRESH), or
- the warehouse was written since (a run started from the Dagster UI or by a sensor), or
- the last run did not succeed, or no snapshot is served.

Only digests and the warehouse file's size and time are kept (preflight.json in the data folder), never file
names: a file name may hold a personnummer. The record also holds a digest of each landing sub-folder as the
last successful run saw it, so that the landing folder's sensors (pipelines/sensors.py) do not start runs for
files that run has already loaded, and a digest of the rest of the landing folder: when the news are in the
municipality's own folders alone (a night's attendance file), `skolanalys run` runs their assets and what is
downstream of them, not every step (`changed_local_folders`).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import duckdb

from skolanalys.settings import REPO_ROOT, Settings, offline
from sources.landing.door import display_name
from sources.landing.registry import LOCAL_FOLDERS

# Kolada publishes a few times a year and Skolverket yearly: a week is fresh enough (the weekly schedule).
NATIONAL_REFRESH = timedelta(days=7)
# A source that cannot be reached is not tried again by every run with nothing else to do.
NATIONAL_RETRY = timedelta(days=1)
CODE_FOLDERS = ("dbt", "pipelines", "sources", "expectations", "skolanalys")
CODE_SKIP = {"target", "dbt_packages", "logs", "__pycache__"}


@dataclass(frozen=True)
class Digests:
    landing: str
    code: str
    # landing sub-folder (by a digest of its name) → folder_digest of its state, which the sensors compare
    # with; None: not taken
    folders: dict[str, str] | None = field(default=None, compare=False)
    # the landing folder's listing outside LOCAL_FOLDERS (its root, national and unknown folders); None: not taken
    rest: str | None = field(default=None, compare=False)


# A landing sub-folder's state: file name (personnummer masked) → [size, mtime_ns]. Cheap to take even for
# gigabytes of attendance exports; the landing folder's sensors keep it as their cursor.
FolderState = dict[str, list[int]]


def folder_state(folder: Path, *, settle_seconds: float = 0, now: float | None = None) -> FolderState:
    """name → [size, mtime_ns] of the folder's files modified at least `settle_seconds` ago (hidden files,
    symbolic links and sub-folders ignored)."""
    if not folder.is_dir():
        return {}
    cutoff = (now if now is not None else time.time()) - settle_seconds
    state = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.is_symlink() or not path.is_file():
            continue
        stat = path.stat()
        if stat.st_mtime <= cutoff:
            name = display_name(path.name)
            # Two names that differ only in a masked personnummer stay two entries.
            while name in state:
                name += "'"
            state[name] = [stat.st_size, stat.st_mtime_ns]
    return state


def folder_digest(state: FolderState) -> str:
    return hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()[:16]


def _folder_key(name: str) -> str:
    # Folders are recorded by a digest of their name too: the record holds no names at all.
    return hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:16]


def folder_digests(landing: Path) -> dict[str, str]:
    """The digest of every landing sub-folder's state, every file counted (none left to settle)."""
    if not landing.is_dir():
        return {}
    folders = sorted(p for p in landing.iterdir() if p.is_dir() and not p.is_symlink() and not p.name.startswith("."))
    return {_folder_key(p.name): folder_digest(folder_state(p)) for p in folders}


def _listing(root: Path) -> list[str]:
    """Every entry under `root` with its size and modification time (symlinks not followed)."""
    entries = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files) + [f"{d}/" for d in dirs]:
            path = os.path.join(folder, name.rstrip("/"))
            try:
                stat = os.lstat(path)
            except OSError:  # removed while listed: the next listing differs anyway
                continue
            entries.append(f"{os.path.relpath(path, root)}\0{stat.st_size}\0{stat.st_mtime_ns}\0{stat.st_mode}")
    return entries


def landing_digest(root: Path, *, leave_out: tuple[str, ...] = ()) -> str:
    """A digest of the listing under `root`, without the sub-folders named in `leave_out` and their contents."""
    digest = hashlib.sha256()
    for entry in _listing(root) if root.is_dir() else []:
        if entry.split("\0", 1)[0].split(os.sep, 1)[0] in leave_out:
            continue
        digest.update(entry.encode("utf-8", "surrogateescape") + b"\n")
    return digest.hexdigest()


def code_digest(repo: Path = REPO_ROOT) -> str:
    """The files that decide what a run computes, by content (reference data by size and time: they are large)."""
    digest = hashlib.sha256()
    for top in CODE_FOLDERS:
        for folder, dirs, files in os.walk(repo / top):
            dirs[:] = sorted(d for d in dirs if d not in CODE_SKIP)
            for name in sorted(files):
                path = Path(folder, name)
                digest.update(str(path.relative_to(repo)).encode("utf-8", "surrogateescape"))
                stat = path.stat()
                if stat.st_size > 1 << 20:
                    digest.update(f"{stat.st_size}:{stat.st_mtime_ns}".encode())
                else:
                    digest.update(path.read_bytes())
    return digest.hexdigest()


def current(settings: Settings) -> Digests:
    landing = settings.landing_dir
    return Digests(
        landing_digest(landing),
        code_digest(),
        folder_digests(landing),
        landing_digest(landing, leave_out=LOCAL_FOLDERS),
    )


def _national_due(conn: duckdb.DuckDBPyConnection) -> bool:
    try:  # ages in SQL: the log's times are written as current_timestamp::timestamp in the session's zone
        rows = conn.execute(
            "select source, current_timestamp::timestamp - max(attempted_at) filter (where ok), "
            "current_timestamp::timestamp - max(attempted_at) from national.fetch_log group by source"
        ).fetchall()
    except duckdb.CatalogException:
        return True
    if not rows:
        return True
    for _, since_ok, since_attempt in rows:
        stale = since_ok is None or since_ok > NATIONAL_REFRESH
        if stale and since_attempt > NATIONAL_RETRY:
            return True
    return False


def _record_path(settings: Settings) -> Path:
    return settings.data_dir / "preflight.json"


def _warehouse_stamp(settings: Settings) -> list[int]:
    stat = settings.warehouse_path.stat()
    return [stat.st_size, stat.st_mtime_ns]


def nothing_new(settings: Settings, digests: Digests, *, national: bool = True) -> bool:
    """True when the last successful run saw exactly this landing folder and code, the warehouse has not been
    written since (a run from the Dagster UI, a sensor's run), and nothing else is due."""
    if not settings.warehouse_path.exists() or not settings.serving_path.exists():
        return False
    recorded = _read_record(settings)
    seen = {"landing": digests.landing, "code": digests.code, "warehouse": _warehouse_stamp(settings)}
    if {key: recorded.get(key) for key in seen} != seen:
        return False
    return not national or not _national_due_now(settings)


def _national_due_now(settings: Settings) -> bool:
    """Online: is a national source due (or the warehouse held by another process, so that we cannot tell)?"""
    if offline():
        return False
    try:
        conn = duckdb.connect(str(settings.warehouse_path), read_only=True)
    except duckdb.Error:  # held by a run in another process: not ours to judge
        return True
    try:
        return _national_due(conn)
    finally:
        conn.close()


def changed_local_folders(settings: Settings, digests: Digests, *, national: bool = True) -> list[str] | None:
    """The municipality's own folders (LOCAL_FOLDERS) whose files changed since the last successful run, when
    nothing else did: the same code, the warehouse as that run left it, the rest of the landing folder as it
    saw it and (`national`: for a run that fetches them) no national source due. None when anything else may be
    new (or nothing is): then every asset runs, as a run with a doubt always does."""
    if digests.folders is None or digests.rest is None:
        return None
    if not settings.warehouse_path.exists() or not settings.serving_path.exists():
        return None
    recorded = _read_record(settings)
    seen = {"code": digests.code, "warehouse": _warehouse_stamp(settings), "rest": digests.rest}
    folders = recorded.get("folders")
    if {key: recorded.get(key) for key in seen} != seen or not isinstance(folders, dict):
        return None
    empty = folder_digest({})  # a folder the run did not find, it saw empty
    changed = [
        name
        for name in LOCAL_FOLDERS
        if folders.get(_folder_key(name), empty) != digests.folders.get(_folder_key(name), empty)
    ]
    if not changed or (national and _national_due_now(settings)):
        return None
    return changed


def _read_record(settings: Settings) -> dict:
    try:
        recorded = json.loads(_record_path(settings).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return recorded if isinstance(recorded, dict) else {}


def loaded_by_last_run(settings: Settings, folder: str, state: FolderState) -> bool:
    """True when the last successful run saw the landing sub-folder `folder` exactly in this state: its files
    are in the ledger (or were judged) already, and a run for them would find nothing new."""
    folders = _read_record(settings).get("folders")
    # A folder the run did not find, it saw empty.
    return isinstance(folders, dict) and folders.get(_folder_key(folder), folder_digest({})) == folder_digest(state)


def record(settings: Settings, digests: Digests) -> None:
    """After a successful run: what it saw before it started (files arriving during the run are new next time)
    and the warehouse file as the run left it."""
    seen = {"landing": digests.landing, "code": digests.code, "warehouse": _warehouse_stamp(settings)}
    if digests.folders is not None:
        seen["folders"] = digests.folders
    if digests.rest is not None:
        seen["rest"] = digests.rest
    path = _record_path(settings)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(seen), encoding="utf-8")
    os.replace(tmp, path)


def forget(settings: Settings) -> None:
    """The next run must look at everything (a run is starting; a new key)."""
    _record_path(settings).unlink(missing_ok=True)
