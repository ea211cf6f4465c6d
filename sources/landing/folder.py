"""Reading every file of one landing sub-folder: one result per file, identical files loaded once.

Files are taken in order of modification time, so a corrected export dropped later wins over the rows of
the same key in an earlier file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from sources.landing.contract import Kind, read_kind_file
from sources.landing.csvfile import LandingFileError
from sources.result import LoadResult, empty_quarantine

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


@dataclass
class FolderLoad:
    kind: Kind
    results: list[LoadResult] = field(default_factory=list)
    skipped_identical: list[tuple[str, str]] = field(default_factory=list)  # (file, identical to)
    superseded_rows: int = 0  # rows replaced by the same key in a later file
    rows: pl.DataFrame = field(default_factory=pl.DataFrame)
    quarantine: pl.DataFrame = field(default_factory=empty_quarantine)
    messages: list[str] = field(default_factory=list)

    @property
    def rows_in(self) -> int:
        return sum(r.rows_in for r in self.results)


def read_folder(folder: Path, kind: Kind, key: bytes, *, other_kinds: list[Kind] = ()) -> FolderLoad:
    load = FolderLoad(kind)
    seen: dict[str, str] = {}
    frames = []
    for path in landing_files(folder):
        digest = content_hash(path)
        if digest in seen:
            load.skipped_identical.append((path.name, seen[digest]))
            load.messages.append(f"{path.name}: identisk med {seen[digest]}, läses en gång")
            continue
        seen[digest] = path.name
        try:
            result = read_kind_file(path, kind, key, other_kinds=other_kinds)
        except LandingFileError as exc:
            load.messages.append(str(exc))
            continue
        load.results.append(result)
        load.messages.extend(result.messages)
        if result.rows.height:
            frames.append(result.rows.with_columns(pl.lit(digest).alias("source_file_hash")))
    if frames:
        combined = pl.concat(frames, how="vertical_relaxed")
        # The latest file's row of a key replaces earlier ones (a corrected export).
        keep = combined.select(pl.struct(list(kind.key)).is_last_distinct()).to_series()
        load.superseded_rows = int((~keep).sum())
        load.rows = combined.filter(keep)
    quarantines = [r.quarantine for r in load.results if r.quarantine.height]
    if quarantines:
        load.quarantine = pl.concat(quarantines)
    return load
