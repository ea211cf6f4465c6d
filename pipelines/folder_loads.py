"""Files read whole when anything in them changes — the landing folders enkater/, siris/ and skolenkaten/, and
the published files shipped in sources/reference (the national units, Kolada's values): the state of each at
its last load, so that a run with nothing new in them does not read them again.

The state is the files' names, sizes and modification times and the source code of the modules that read
them, with every project module those use: a new, changed or removed file, or a new version of a reader or of
anything it reads with, reads them again. It is recorded in the same transaction as the tables the load
replaces.
"""

from __future__ import annotations

import ast
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType

import duckdb
from dagster_duckdb import DuckDBResource

from pipelines.warehouse import table_exists
from skolanalys import ast_parse
from sources.landing.outcomes import mark_read_earlier

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


def _declarations_read() -> dict[Path, list[Path]]:
    """Modules whose declarations live in files they read: those files are part of the readers' rules too (the
    grade scales and keys of dbt_project.yml through skolanalys/dbt_vars.py; the tables' columns of the dbt
    sources through skolanalys/dbt_sources.py)."""
    from skolanalys import dbt_sources, dbt_vars

    return {
        Path(dbt_vars.__file__).resolve(): [dbt_vars.project_file()],
        Path(dbt_sources.__file__).resolve(): dbt_sources.declaration_files(),
    }


def _module_file(name: str) -> Path | None:
    """The project's file of module `name` (a.b.c: a/b/c.py or a/b/c/__init__.py); None for any other."""
    base = PROJECT.joinpath(*name.split("."))
    return next((p for p in (base.with_suffix(".py"), base / "__init__.py") if p.is_file()), None)


def _imported(path: Path) -> set[str]:
    """The modules a project file imports, anywhere in it: `import a.b`, `from a.b import c` (a.b, and a.b.c
    should c be a module), relative imports resolved, and the packages on the way (their __init__ runs too)."""
    parts = path.relative_to(PROJECT).with_suffix("").parts
    package = parts[:-1]  # a/b/c.py and a/b/__init__.py both live in package a.b
    names = []
    for node in ast.walk(ast_parse.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # `from . import x`, `from ..y import z`: from this file's package upwards
                base = ".".join([*package[: len(package) - node.level + 1], *filter(None, [node.module])])
            names += [base, *(f"{base}.{alias.name}" for alias in node.names)]
    return {".".join(n.split(".")[:i]) for n in names if n for i in range(1, n.count(".") + 2)}


def _source_files(readers: Iterable[ModuleType]) -> list[Path]:
    """The readers' files and those of every project module they import, directly or through another, found
    in the source text alone: no list of a reader's helpers is kept by hand, nothing is imported to find them,
    and the set does not depend on what else the process has loaded."""
    todo = [Path(m.__file__).resolve() for m in readers]
    declarations = _declarations_read()
    files: set[Path] = set()
    while todo:
        path = todo.pop()
        if path in files or not path.is_relative_to(PROJECT):
            continue
        files.add(path)
        files.update(declarations.get(path, ()))
        todo += [f for f in map(_module_file, _imported(path)) if f is not None]
    return sorted(files)


def unchanged(context, warehouse: DuckDBResource, folder: str, state: str, table: str, label: str = "") -> bool:
    """Whether `folder` was last loaded in `state` and its table is still there; says so in the run's log
    (naming the files by `label`, else as the landing folder), and a landing folder's files loaded then are
    already_loaded in this pass's outcomes (raw.landing_files), not loaded again."""
    with warehouse.get_connection() as conn:
        if not is_current(conn, folder, state, table):
            return False
        mark_read_earlier(conn, folder)
    context.log.info(f"{label or folder + '/'}: samma filer som vid förra inläsningen; läses inte om")
    return True


def is_current(conn: duckdb.DuckDBPyConnection, folder: str, state: str, table: str) -> bool:
    """Whether `folder` (a landing folder or a set of shipped files) was last loaded in `state` and its table
    is still there."""
    ensure_folder_state(conn)
    rows = conn.execute(f"select fingerprint from {STATE_TABLE} where folder = ?", [folder]).fetchall()
    return bool(rows) and rows[0][0] == state and table_exists(conn, table)


def record_loaded(conn: duckdb.DuckDBPyConnection, folder: str, state: str) -> None:
    ensure_folder_state(conn)
    conn.execute(f"delete from {STATE_TABLE} where folder = ?", [folder])
    conn.execute(f"insert into {STATE_TABLE} values (?, ?)", [folder, state])


def ensure_folder_state(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute("create schema if not exists meta")
    conn.execute(f"create table if not exists {STATE_TABLE} (folder varchar, fingerprint varchar)")
