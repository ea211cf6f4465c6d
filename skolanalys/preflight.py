"""Before a run: is anything new? A run with nothing new is not started at all.

Starting Dagster and looking at every asset costs seconds (imports alone ~4 s) even when each step finds
nothing to do. This check costs milliseconds and imports neither Dagster nor dbt. Something is new when:
- the landing folder's listing differs (any file or folder added, removed, resized or touched), or
- the code differs (every file under dbt/, pipelines/, sources/, expectations/ and skolanalys/), or
- the national sources are due (online only: see NATIONAL_REFRESH), or
- the warehouse was written since (a run started from the Dagster UI or by a sensor), or
- the last run did not succeed, or no snapshot is served.

Only digests and the warehouse file's size and time are kept (preflight.json in the data folder), never file
names: a file name may hold a personnummer.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import duckdb

from skolanalys.settings import REPO_ROOT, Settings, offline

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


def landing_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for entry in _listing(root) if root.is_dir() else []:
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
    return Digests(landing_digest(settings.landing_dir), code_digest())


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
    try:
        recorded = json.loads(_record_path(settings).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    seen = {"landing": digests.landing, "code": digests.code, "warehouse": _warehouse_stamp(settings)}
    if recorded != seen:
        return False
    if not national or offline():
        return True
    try:
        conn = duckdb.connect(str(settings.warehouse_path), read_only=True)
    except duckdb.Error:  # held by a run in another process: not ours to judge
        return False
    try:
        return not _national_due(conn)
    finally:
        conn.close()


def record(settings: Settings, digests: Digests) -> None:
    """After a successful run: what it saw before it started (files arriving during the run are new next time)
    and the warehouse file as the run left it."""
    seen = {"landing": digests.landing, "code": digests.code, "warehouse": _warehouse_stamp(settings)}
    path = _record_path(settings)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(seen), encoding="utf-8")
    os.replace(tmp, path)


def forget(settings: Settings) -> None:
    """The next run must look at everything (a run is starting; a new key)."""
    _record_path(settings).unlink(missing_ok=True)
