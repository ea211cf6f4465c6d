"""Landing folders read whole when anything in them changes (enkater/, siris/, skolenkaten/): the state of
each folder at its last load, so that a run with nothing new in a folder does not read it again.

The state is the folder's entries (names, sizes, modification times) and the source code of the modules
that read it: a new, changed or removed file, or a new version of the reader, reads the folder again. It is
recorded in the same transaction as the tables the load replaces.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from types import ModuleType

import duckdb
from dagster_duckdb import DuckDBResource

from pipelines.warehouse import table_exists

STATE_TABLE = "meta.folder_state"


def fingerprint(folder: Path, *readers: ModuleType) -> str:
    """The folder's entries and the readers' source, as one hash (cheap: stat calls and a few source files)."""
    digest = hashlib.sha256()
    entries = []
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            stat = path.lstat()
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


def unchanged(context, warehouse: DuckDBResource, folder: str, state: str, table: str) -> bool:
    """Whether `folder` was last loaded in `state` and its table is still there; says so in the run's log."""
    with warehouse.get_connection() as conn:
        _ensure(conn)
        rows = conn.execute(f"select fingerprint from {STATE_TABLE} where folder = ?", [folder]).fetchall()
        if not rows or rows[0][0] != state or not table_exists(conn, table):
            return False
    context.log.info(f"{folder}/: samma filer som vid förra inläsningen; läses inte om")
    return True


def record_loaded(conn: duckdb.DuckDBPyConnection, folder: str, state: str) -> None:
    _ensure(conn)
    conn.execute(f"delete from {STATE_TABLE} where folder = ?", [folder])
    conn.execute(f"insert into {STATE_TABLE} values (?, ?)", [folder, state])


def _ensure(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute("create schema if not exists meta")
    conn.execute(f"create table if not exists {STATE_TABLE} (folder varchar, fingerprint varchar)")
