"""The files of one landing sub-folder: identified by content hash, loaded once, in order of arrival.

`sync_folder` is what the pipeline runs: it compares the folder with the ledger (raw.loaded_files) and
loads only files whose content it has not seen, each in one transaction with its ledger row, in order of
modification time, so a corrected export dropped later replaces the rows of the same key in earlier files.
A file that has left the folder is marked `removed` in the ledger and its rows stay. Running it twice on
the same folder changes nothing. The next new file is read (the loader's first pass) while the current one
is written, on a second connection.
"""

from __future__ import annotations

import contextlib
import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import duckdb

from sources.landing.csvfile import LandingFileError
from sources.landing.ledger import REMOVED, FileOutcome, Ledger

DATA_SUFFIXES = (".csv", ".csv.gz", ".txt")


def content_hash(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def landing_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    files = [p for p in folder.iterdir() if p.is_file() and p.name.lower().endswith(DATA_SUFFIXES)]
    return sorted(files, key=lambda p: (p.stat().st_mtime_ns, p.name))


# Incremental loading through the ledger ------------------------------------------------------------------


class FileLoader(Protocol):
    """Loads one kind's files into its raw table. `read` runs outside any transaction, on a second
    connection in a worker thread (so it must not leave state in temp tables), and may retry (e.g. with
    another encoding); `write` runs on the main connection inside the file's transaction, must not commit,
    and `cleanup` follows it on the main connection."""

    folder: str  # landing sub-folder = the ledger's and the quarantine's kind
    table: str  # raw table, e.g. raw.attendance

    def prepare(self, conn: duckdb.DuckDBPyConnection, ledger: Ledger) -> list[str]: ...

    def read(self, conn: duckdb.DuckDBPyConnection, path: Path, digest: str) -> object: ...

    def write(self, conn: duckdb.DuckDBPyConnection, staged: object, digest: str) -> FileOutcome: ...

    def cleanup(self, conn: duckdb.DuckDBPyConnection, staged: object) -> None: ...


@dataclass
class FolderSync:
    """What one pass over a folder did. `warnings` need the data engineer's attention; `notes` do not."""

    folder: str
    loaded: list[tuple[str, FileOutcome]] = field(default_factory=list)
    identical: list[tuple[str, str]] = field(default_factory=list)  # (file, same content as)
    removed: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def total(self, attribute: str) -> int:
        return sum(getattr(outcome, attribute) for _, outcome in self.loaded)


def sync_folder(conn: duckdb.DuckDBPyConnection, folder: Path, loader: FileLoader) -> FolderSync:
    sync = FolderSync(loader.folder)
    ledger = Ledger(conn, loader.folder)
    sync.warnings += loader.prepare(conn, ledger)
    known = ledger.entries()
    present, new = _survey(folder, known, sync)
    _mark_removed_and_restored(ledger, known, present, loader, sync)
    _load_new_files(conn, ledger, loader, new, sync)
    return sync


def _survey(folder: Path, known: dict, sync: FolderSync) -> tuple[dict[str, str], list[tuple[Path, str]]]:
    """The folder's files by content: hash → name of the files present, and the files not loaded yet."""
    present: dict[str, str] = {}
    new: list[tuple[Path, str]] = []
    for path in landing_files(folder):
        digest = content_hash(path)
        if digest in present:
            sync.identical.append((path.name, present[digest]))
            sync.notes.append(f"{path.name}: identisk med {present[digest]}, läses en gång")
            continue
        present[digest] = path.name
        if digest not in known:
            new.append((path, digest))
        elif known[digest].file_name != path.name:
            sync.identical.append((path.name, known[digest].file_name))
            sync.notes.append(f"{path.name}: identisk med den redan inlästa {known[digest].file_name}")
    return present, new


def _mark_removed_and_restored(ledger: Ledger, known: dict, present: dict, loader: FileLoader, sync: FolderSync):
    for digest, entry in known.items():
        if digest not in present and entry.state != REMOVED:
            ledger.set_state(digest, REMOVED)
            sync.removed.append(entry.file_name)
            sync.warnings.append(
                f"{entry.file_name} finns inte längre i {loader.folder}/: dess {entry.rows_current} rader ligger "
                f"kvar i {loader.table} (se raw.loaded_files)"
            )
        elif digest in present and entry.state == REMOVED:
            ledger.set_state(digest, entry.present_state())
            sync.restored.append(entry.file_name)
            sync.notes.append(f"{present[digest]}: finns i {loader.folder}/ igen (raderna låg kvar)")


def _load_new_files(
    conn: duckdb.DuckDBPyConnection, ledger: Ledger, loader: FileLoader, new: list[tuple[Path, str]], sync: FolderSync
) -> None:
    """Each new file in its own transaction, in order. The next file is read on a second connection while
    the current one is written: reading a gzip file keeps one core busy, so the two overlap on two cores."""
    if not new:
        return
    reader = conn.cursor()
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="landing-read")
    pending = pool.submit(loader.read, reader, *new[0])
    try:
        for i, (path, digest) in enumerate(new):
            try:
                staged = pending.result()
            except LandingFileError as exc:
                staged = None
                sync.unreadable.append(path.name)
                sync.warnings.append(str(exc))
            pending = pool.submit(loader.read, reader, *new[i + 1]) if i + 1 < len(new) else None
            if staged is not None:
                _write(conn, ledger, loader, path, digest, staged, sync)
    finally:
        if pending is not None:  # a write failed: let the read ahead finish and clean up after it
            with contextlib.suppress(Exception):
                loader.cleanup(conn, pending.result())
        pool.shutdown()
        reader.close()


def _write(conn, ledger: Ledger, loader: FileLoader, path: Path, digest: str, staged: object, sync: FolderSync):
    try:
        conn.begin()
        try:
            outcome = loader.write(conn, staged, digest)
            ledger.record(digest, path.name, outcome)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
    except LandingFileError as exc:
        sync.unreadable.append(path.name)
        sync.warnings.append(str(exc))
        return
    finally:
        loader.cleanup(conn, staged)
    sync.loaded.append((path.name, outcome))
    sync.warnings.extend(outcome.messages)
    if outcome.replaced:
        names = ledger.names(list(outcome.replaced))
        corrected = ", ".join(f"{names[h]} ({n} rader)" for h, n in sorted(outcome.replaced.items()))
        sync.notes.append(f"{path.name}: ersätter rader med samma nyckel i {corrected}")
