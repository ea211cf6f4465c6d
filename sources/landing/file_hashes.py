"""A landing file's content hash, read again only when the file may have changed.

The ledger knows a file by the SHA-256 of its bytes (sources/landing/ledger.py). Hashing every file of a folder
on every run reads the whole folder each night: gigabytes after a few school years of attendance exports,
often from a file share. A file whose device, inode, size, modification time and change time are those it had
when it was hashed has the same bytes: every write moves the modification time, and the change time cannot be
set back (a rename, `touch -d` or a copy with preserved times all move it or make a new inode). Such a file's
hash is taken from meta.landing_file_hashes. No file names are kept there: a name may hold a personnummer. A
file system whose inode numbers change between mounts only makes files be read again.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import duckdb

TABLE = "meta.landing_file_hashes"
# A file modified less than this long ago is hashed but not remembered: a write in the same tick of the file
# system's clock as the stat would leave its modification time as it was (git's "racily clean" files).
SETTLE_NS = 2_000_000_000

_DDL = f"""
create table if not exists {TABLE} (
    kind varchar not null,
    device ubigint not null,
    inode ubigint not null,
    size bigint not null,
    mtime_ns bigint not null,
    ctime_ns bigint not null,
    file_hash varchar not null
)
"""

StatKey = tuple[int, int, int, int, int]


def ensure_file_hashes(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute("create schema if not exists meta")
    conn.execute(_DDL)


def content_hash(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class FileHashes:
    """The hashes of one landing sub-folder's files as last seen. `hash` answers from them when the file is
    as it was; `save` keeps those of the files hashed or reused this time (the files present)."""

    def __init__(self, conn: duckdb.DuckDBPyConnection, kind: str):
        self.conn = conn
        self.kind = kind
        ensure_file_hashes(conn)
        rows = conn.execute(
            f"select device, inode, size, mtime_ns, ctime_ns, file_hash from {TABLE} where kind = ?", [kind]
        ).fetchall()
        self._known: dict[StatKey, str] = {tuple(row[:5]): row[5] for row in rows}
        self._seen: dict[StatKey, str] = {}

    def hash(self, path: Path) -> str:
        stat = path.stat()  # before reading: a write during the read moves the times, and the next run reads it
        key = (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
        digest = self._known.get(key)
        if digest is None:
            digest = content_hash(path)
            if time.time_ns() - stat.st_mtime_ns < SETTLE_NS:
                return digest
        self._seen[key] = digest
        return digest

    def save(self) -> None:
        if self._seen == self._known:
            return
        self.conn.begin()
        try:
            self.conn.execute(f"delete from {TABLE} where kind = ?", [self.kind])
            if self._seen:
                self.conn.executemany(
                    f"insert into {TABLE} values (?, ?, ?, ?, ?, ?, ?)",
                    [[self.kind, *key, digest] for key, digest in self._seen.items()],
                )
            self.conn.commit()
        except BaseException:
            self.conn.rollback()
            raise
