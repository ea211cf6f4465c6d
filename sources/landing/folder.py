"""The files of one landing sub-folder: identified by content hash, loaded once, in order of arrival.

`sync_folder` is what the pipeline runs: it compares the folder with the ledger (raw.loaded_files) and
loads only files whose content it has not seen, each in one transaction with its ledger row, in order of
modification time, so a corrected export dropped later replaces the rows of the same key in earlier files.
A file as it was when last hashed is not read again to know its content (file_hashes.py).
A file that has left the folder is marked `removed` in the ledger and its rows stay. Running it twice on
the same folder changes nothing. The next new file is read (the loader's first pass) while the current one
is written, on a second connection; small files the loader reads on one core are read two at a time.

Every entry of the folder gets an outcome (`FolderSync.statuses`, written to raw.landing_files): a file the
door turns away (sources/landing/door.py) or a reader rejects is named with its reason and tried again next
run; a file whose size or time changed while it was read is left for the next run ('retry'). There is no
settle wait here: a manual run right after a file is written loads it (the sensors wait).
"""

from __future__ import annotations

import contextlib
import traceback
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import duckdb
import polars as pl

from sources.landing.door import IGNORED, REJECTED, Entry, LandingFileError, list_folder
from sources.landing.file_hashes import FileHashes
from sources.landing.ledger import REMOVED, FileOutcome, Ledger
from sources.landing.outcomes import FileStatus, replace_folder

# Files read at once at most: on two cores, two reads of one core each, or one read while a file is written.
READS_AT_ONCE = 2

# Errors a reader may raise on a user's bad bytes: turned into a rejection of that file, never a stack trace.
# Their messages may quote the file's path or a line, so only their type is shown.
READ_ERRORS = (pl.exceptions.PolarsError, duckdb.Error, UnicodeError, OSError, EOFError, ValueError)


def read_error(exc: Exception) -> LandingFileError:
    if isinstance(exc, LandingFileError):
        return exc
    if isinstance(exc, PermissionError):
        return LandingFileError("filen kan inte läsas (behörighet saknas)")
    return LandingFileError(f"filen kan inte läsas ({type(exc).__name__})")


# Incremental loading through the ledger ------------------------------------------------------------------


class FileLoader(Protocol):
    """Loads one kind's files into its raw table. `read` runs outside any transaction, on a second
    connection in a worker thread (so it must not leave state in temp tables), and may retry (e.g. with
    another encoding); `write` runs on the main connection inside the file's transaction, must not commit,
    and `cleanup` follows it on the main connection."""

    folder: str  # landing sub-folder = the ledger's and the quarantine's kind
    table: str  # raw table, e.g. raw.attendance
    max_bytes: int  # the folder's size limit (sources/landing/kinds.py MAX_BYTES)

    def prepare(self, conn: duckdb.DuckDBPyConnection, ledger: Ledger) -> list[str]: ...

    def read(self, conn: duckdb.DuckDBPyConnection, path: Path, digest: str, name: str) -> object: ...

    def reads_beside(self, entry: Entry) -> bool:
        """Whether this file's read may run beside another file's read (each on a connection of its own)."""
        ...

    def write(self, conn: duckdb.DuckDBPyConnection, staged: object, digest: str) -> FileOutcome: ...

    def cleanup(self, conn: duckdb.DuckDBPyConnection, staged: object) -> None: ...


@dataclass
class FolderSync:
    """What one pass over a folder did. `warnings` need the data engineer's attention; `notes` do not.
    `statuses` is the outcome of every entry (raw.landing_files). Names are display names."""

    folder: str
    loaded: list[tuple[str, FileOutcome]] = field(default_factory=list)
    identical: list[tuple[str, str]] = field(default_factory=list)  # (file, same content as)
    removed: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    statuses: list[FileStatus] = field(default_factory=list)

    def total(self, attribute: str) -> int:
        return sum(getattr(outcome, attribute) for _, outcome in self.loaded)

    def settle(self, entry: Entry, outcome: str, reason: str | None = None, digest: str | None = None) -> None:
        """A file that is not loaded in this pass, and why."""
        self.statuses.append(FileStatus(self.folder, entry.name, outcome, reason, digest, entry.size))
        if outcome == REJECTED:
            self.unreadable.append(entry.name)
            self.warnings.append(f"{entry.name}: {reason}")
        elif outcome == "retry":
            self.warnings.append(f"{entry.name}: {reason}")
        elif outcome == IGNORED:
            self.notes.append(f"{entry.name}: {reason}")


CHANGED_WHILE_READ = "filen ändrades medan den lästes (skrivs den fortfarande?); den läses vid nästa körning"


def sync_folder(conn: duckdb.DuckDBPyConnection, folder: Path, loader: FileLoader) -> FolderSync:
    sync = FolderSync(loader.folder)
    ledger = Ledger(conn, loader.folder)
    sync.warnings += loader.prepare(conn, ledger)
    known = ledger.entries()
    hashes = FileHashes(conn, loader.folder)
    present, new = _survey(folder, known, loader, sync, hashes)
    hashes.save()
    gone = _mark_removed_and_restored(ledger, known, present, loader, sync)
    _load_new_files(conn, ledger, loader, new, sync)
    _tell_removed(ledger, set(present.values()), gone, loader, sync)
    replace_folder(conn, loader.folder, sync.statuses)
    return sync


def _tell_removed(ledger: Ledger, names: set[str], gone: set[str], loader: FileLoader, sync: FolderSync) -> None:
    """Each removed file's outcome, and a warning for those removed in this pass (`gone`), after the loads: their
    rows may have replaced some of a removed file's (a new version's always do). A removed file whose name is
    among the present `names` is an earlier version of that file."""
    for entry in ledger.entries().values():
        if entry.state != REMOVED:
            continue
        newer, left = entry.file_name in names, entry.rows_current
        if newer:
            reason = f"en tidigare version av filen (samma namn); {left} av dess rader ligger kvar"
        else:
            reason = f"finns inte längre i mappen; dess {left} rader ligger kvar"
        sync.statuses.append(
            FileStatus(loader.folder, entry.file_name, "removed", reason, entry.file_hash, None, *entry.rows)
        )
        if entry.file_hash not in gone:
            continue
        if not newer:
            sync.warnings.append(
                f"{entry.file_name} finns inte längre i {loader.folder}/: dess {left} rader ligger kvar i "
                f"{loader.table} (se raw.loaded_files)"
            )
        elif left:
            sync.warnings.append(
                f"{entry.file_name}: en ny version av filen ersatte den tidigare versionens rader med samma nyckel; "
                f"{left} rader ur den tidigare, med nycklar som den nya saknar, ligger kvar i {loader.table}"
            )
        else:
            sync.notes.append(f"{entry.file_name}: en ny version av filen ersatte alla den tidigare versionens rader")


def _survey(
    folder: Path, known: dict, loader: FileLoader, sync: FolderSync, hashes: FileHashes
) -> tuple[dict, list[tuple[Entry, str]]]:
    """The folder's files by content: hash → name of the files present, and the files not loaded yet. A file
    as it was when last hashed is not read (file_hashes.py)."""
    present: dict[str, str] = {}
    new: list[tuple[Entry, str]] = []
    for entry in list_folder(folder, loader.folder, loader.max_bytes):
        if entry.outcome is not None:
            sync.settle(entry, entry.outcome, entry.reason)
            continue
        try:
            digest = hashes.hash(entry.path)
        except OSError as exc:
            sync.settle(entry, REJECTED, read_error(exc).reason)
            continue
        if digest in present:
            sync.identical.append((entry.name, present[digest]))
            sync.notes.append(f"{entry.name}: identisk med {present[digest]}, läses en gång")
            sync.settle(entry, "identical", f"identisk med {present[digest]}", digest)
            continue
        present[digest] = entry.name
        if digest not in known:
            new.append((entry, digest))
        elif known[digest].file_name != entry.name:
            sync.identical.append((entry.name, known[digest].file_name))
            sync.notes.append(f"{entry.name}: identisk med den redan inlästa {known[digest].file_name}")
            sync.settle(entry, "identical", f"identisk med den redan inlästa {known[digest].file_name}", digest)
        else:
            sync.statuses.append(
                FileStatus(loader.folder, entry.name, "already_loaded", None, digest, entry.size, *known[digest].rows)
            )
    return present, new


def _mark_removed_and_restored(
    ledger: Ledger, known: dict, present: dict, loader: FileLoader, sync: FolderSync
) -> set[str]:
    """The ledger's states for the files gone from the folder and back in it; the hashes marked gone now (their
    warnings follow the loads, which may replace their rows)."""
    gone = set()
    for digest, entry in known.items():
        if digest not in present and entry.state != REMOVED:
            ledger.set_state(digest, REMOVED)
            sync.removed.append(entry.file_name)
            gone.add(digest)
        elif digest in present and entry.state == REMOVED:
            ledger.set_state(digest, entry.present_state())
            sync.restored.append(entry.file_name)
            sync.notes.append(f"{present[digest]}: finns i {loader.folder}/ igen (raderna låg kvar)")
    return gone


def internal_error(exc: Exception) -> LandingFileError:
    """An error of Skolanalys's own while it read one file: that file is set aside (tried again next run) with
    where the error happened, and the other files load. Never the error's message: it may quote a value."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" i {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return LandingFileError(
        f"filen kunde inte läsas in: ett fel i Skolanalys ({type(exc).__name__}{where}), inte i filen; "
        "den prövas igen nästa körning"
    )


def _read(loader: FileLoader, conn: duckdb.DuckDBPyConnection, entry: Entry, digest: str) -> object:
    try:
        return loader.read(conn, entry.path, digest, entry.name)
    except READ_ERRORS as exc:
        raise read_error(exc) from None
    except LandingFileError:
        raise
    except Exception as exc:  # no file stops the others: a file that trips a bug is named, not the whole step
        raise internal_error(exc) from None


def _load_new_files(
    conn: duckdb.DuckDBPyConnection, ledger: Ledger, loader: FileLoader, new: list[tuple[Entry, str]], sync: FolderSync
) -> None:
    """Each new file in its own transaction, in order. The next file is read on another connection while the
    current one is written, so the two overlap on two cores; where the loader reads the next two files on one core
    each (`reads_beside`: kavlinge's monthly exports), both are read at once (docs/benchmarks.md, "Fifteenth
    session"); and once a file is written the file after next starts reading, beside the end of the next one's read
    ("Nineteenth session"). A file's read never waits for a write: the reads use connections of their own."""
    if not new:
        return
    readers = [conn.cursor() for _ in range(READS_AT_ONCE)]
    pool = ThreadPoolExecutor(max_workers=READS_AT_ONCE, thread_name_prefix="landing-read")
    reading: dict[int, Future] = {}

    def start(j: int) -> None:
        """File j's read, unless it is started. Reads j - 2 and j share a connection: start j only once file j - 2's
        read has ended (its result taken)."""
        if j < len(new) and j not in reading:
            reading[j] = pool.submit(_read, loader, readers[j % READS_AT_ONCE], *new[j])

    def read_ahead(i: int) -> None:
        """Keep file i + 1 reading, and i + 2 beside it where both are read on one core."""
        for j in range(i + 1, i + 1 + READS_AT_ONCE):
            if j == i + 1 or all(loader.reads_beside(e) for e, _ in new[i + 1 : j + 1]):
                start(j)

    read_ahead(-1)
    try:
        for i, (entry, digest) in enumerate(new):
            try:
                staged = reading.pop(i).result()
            except LandingFileError as exc:
                staged = None
                sync.settle(entry, exc.outcome, exc.reason, digest)
            read_ahead(i)
            if staged is None:
                continue
            # A file still being written is not loaded half: its size or time changed while it was read.
            if not entry.unchanged():
                loader.cleanup(conn, staged)
                sync.settle(entry, "retry", CHANGED_WHILE_READ, digest)
                continue
            _write(conn, ledger, loader, entry, digest, staged, sync)
            start(i + 2)  # its unpacking beside the end of file i + 1's stage, where that runs on one core
    finally:
        for pending in reading.values():  # a write failed: let the reads ahead finish and clean up after them
            with contextlib.suppress(Exception):
                loader.cleanup(conn, pending.result())
        pool.shutdown()
        for reader in readers:
            reader.close()


def _write(conn, ledger: Ledger, loader: FileLoader, entry: Entry, digest: str, staged: object, sync: FolderSync):
    try:
        conn.begin()
        try:
            outcome = loader.write(conn, staged, digest)
            ledger.record(digest, entry.name, outcome)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
    except LandingFileError as exc:
        sync.settle(entry, exc.outcome, exc.reason, digest)
        return
    finally:
        loader.cleanup(conn, staged)
    sync.loaded.append((entry.name, outcome))
    sync.warnings.extend(outcome.messages)
    quarantined = outcome.rows_quarantined
    sync.statuses.append(
        FileStatus(
            loader.folder,
            entry.name,
            "partly_quarantined" if quarantined else "loaded",
            f"{quarantined} av {outcome.rows_in} rader i karantän (se raw.quarantine)" if quarantined else None,
            digest,
            entry.size,
            outcome.rows_in,
            outcome.rows_loaded,
            quarantined,
        )
    )
    if outcome.replaced:
        names = ledger.names(list(outcome.replaced))
        corrected = ", ".join(f"{names[h]} ({n} rader)" for h, n in sorted(outcome.replaced.items()))
        sync.notes.append(f"{entry.name}: ersätter rader med samma nyckel i {corrected}")
