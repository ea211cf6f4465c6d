"""Files read whole when anything in them changes — the landing folders enkater/, siris/ and skolenkaten/, and
the published files shipped in sources/reference (the national units, Kolada's values): the state of each at
its last load, so that a run with nothing new in them does not read them again.

The state is the files' names, sizes and modification times and the source code of the modules that read
them, with every project module those use: a new, changed or removed file, or a new version of a reader or of
anything it reads with, reads them again. It is recorded in the same transaction as the tables the load
replaces.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import re
import sys
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
    for source in _source_files(readers):
        digest.update(str(source.relative_to(PROJECT)).encode("utf-8"))
        digest.update(source.read_bytes())
    return digest.hexdigest()


PROJECT = Path(__file__).resolve().parents[1]
# `import x.y` and `from x.y import …`: what a module reads with, names of constants included (a constant
# imported by name carries no trace of its module).
IMPORTS = re.compile(r"^\s*(?:from\s+([\w.]+)\s+import\b|import\s+([\w.]+))", re.MULTILINE)


def _project_module(name: str) -> ModuleType | None:
    if name.startswith(".") or not (PROJECT / name.split(".")[0]).is_dir():
        return None
    try:
        return sys.modules.get(name) or importlib.import_module(name)
    except ImportError:
        return None


def _source_files(readers: Iterable[ModuleType]) -> list[Path]:
    """The readers' files and those of every project module they use, directly or through another, so that
    no list of a reader's helpers has to be kept by hand."""
    files: dict[str, Path] = {}
    todo = list(readers)
    while todo:
        module = todo.pop()
        path = Path(module.__file__).resolve()
        if module.__name__ in files or "site-packages" in path.parts or not path.is_relative_to(PROJECT):
            continue
        files[module.__name__] = path
        used = [v for v in vars(module).values() if isinstance(v, ModuleType)]  # `from package import module`
        names = (a or b for a, b in IMPORTS.findall(path.read_text(encoding="utf-8")))
        used += [m for m in map(_project_module, names) if m is not None]
        todo += [m for m in used if getattr(m, "__file__", None)]
    return sorted(set(files.values()))


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
