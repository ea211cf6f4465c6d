"""Files read whole when anything in them changes — the landing folders enkater/, siris/ and skolenkaten/, and
the published files shipped in sources/reference (the national units, Kolada's values): the state of each at
its last load, so that a run with nothing new in them does not read them again.

The state is the files' names, sizes and modification times and the source code of the modules that read
them: a new, changed or removed file, or a new version of a reader, reads them again. It is recorded in the
same transaction as the tables the load replaces.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType

import duckdb
from dagster_duckdb import DuckDBResource

from pipelines.warehouse import table_exists

STATE_TABLE = "meta.folder_state"


def fingerprint(folder: Path, *readers: ModuleType) -> str:
    """The folder's entries and the readers' source, as one hash (cheap: stat calls and a few source files)."""
    return files_fingerprint(sorted(folder.iterdir()) if folder.is_dir() else [], *readers)


def files_fingerprint(paths: Iterable[Path], *readers: ModuleType) -> str:
    """The files (a missing one as missing) and the readers' source, as one hash."""
    digest = hashlib.sha256()
    entries = []
    for path in paths:
        try:
            stat = path.lstat()
        except FileNotFoundError:
            entries.append([path.name, None, None])
        else:
            entries.append([path.name, stat.st_size, stat.st_mtime_ns])
    digest.update(json.dumps(entries).encode("utf-8"))
    for reader in readers:
        digest.update(reader.__name__.encode("utf-8"))
        for source in _source_files(reader):
            digest.update(source.read_bytes())
    return digest.hexdigest()


def _source_files(module: ModuleType) -> list[Path]:
    """A module's file, or every Python file of a package."""
    path = Path(module.__file__)
    return sorted(path.parent.rglob("*.py")) if path.name == "__init__.py" else [path]


def unchanged(context, warehouse: DuckDBResource, folder: str, state: str, table: str, label: str = "") -> bool:
    """Whether `folder` was last loaded in `state` and its table is still there; says so in the run's log
    (naming the files by `label`, else as the landing folder)."""
    with warehouse.get_connection() as conn:
        if not is_current(conn, folder, state, table):
            return False
    context.log.info(f"{label or folder + '/'}: samma filer som vid förra inläsningen; läses inte om")
    return True


def is_current(conn: duckdb.DuckDBPyConnection, folder: str, state: str, table: str) -> bool:
    """Whether `folder` (a landing folder or a set of shipped files) was last loaded in `state` and its table
    is still there."""
    _ensure(conn)
    rows = conn.execute(f"select fingerprint from {STATE_TABLE} where folder = ?", [folder]).fetchall()
    return bool(rows) and rows[0][0] == state and table_exists(conn, table)


def record_loaded(conn: duckdb.DuckDBPyConnection, folder: str, state: str) -> None:
    _ensure(conn)
    conn.execute(f"delete from {STATE_TABLE} where folder = ?", [folder])
    conn.execute(f"insert into {STATE_TABLE} values (?, ?)", [folder, state])


def _ensure(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute("create schema if not exists meta")
    conn.execute(f"create table if not exists {STATE_TABLE} (folder varchar, fingerprint varchar)")
