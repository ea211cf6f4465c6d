"""What kind of file an attendance file is: compression, encoding, separator and header, from its first MiB;
and a UTF-8 copy of a cp1252 file for DuckDB, which reads UTF-8 only."""

from __future__ import annotations

import codecs
import gzip
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sources.landing.attendance.schema import COLUMNS, SIGNATURE
from sources.landing.door import BOM, LandingFileError, Signature, belongs_elsewhere, peek, wrong_folder_reason

SAMPLE_BYTES = 1 << 20


@dataclass(frozen=True)
class FileFormat:
    gzip: bool
    encoding: str  # "utf-8" or "cp1252"
    separator: str
    header_line: int  # 1-based line of the header row
    positions: dict[str, int]  # contract column → 1-based field position (absent optional columns left out)
    n_fields: int
    note: str | None = None  # what the reader tells of the file's bytes (a BOM before Windows-1252), as every kind


def sniff(path: Path, other_kinds: list[Signature] = ()) -> FileFormat:
    """Compression, encoding, separator and header from the first MiB. Raises LandingFileError (reason only)
    for what cannot be an attendance file: not a CSV, UTF-16, tab-separated, another kind's file."""
    first = peek(path, SAMPLE_BYTES)
    names = first.header
    elsewhere = belongs_elsewhere(set(names), SIGNATURE, list(other_kinds))
    if elsewhere:
        raise LandingFileError(wrong_folder_reason(elsewhere))
    missing = [c for c in SIGNATURE.required if c not in names]
    if missing:
        raise LandingFileError(f"kolumn saknas: {', '.join(missing)}; filen läses inte in")
    positions = {c: names.index(c) + 1 for c in COLUMNS if c in names}
    header_line = first.header_index + 1
    return FileFormat(first.gzip, first.encoding, first.separator, header_line, positions, len(names), first.note)


def transcode_to_utf8(path: Path, is_gzip: bool, folder: Path, seen: Callable[[bytes], None] | None = None) -> Path:
    """Stream a cp1252 file into a plain UTF-8 copy, 1 MiB at a time (cp1252 is one byte a character). A
    UTF-8 BOM in front of cp1252 bytes is dropped. The copy's name never repeats the file's. `seen` gets each
    block written (the fast path counts the copy's lines so)."""
    target = folder / "utf8.csv"
    decoder = codecs.getincrementaldecoder("cp1252")()
    try:
        with gzip.open(path, "rb") if is_gzip else path.open("rb") as src, target.open("wb") as dst:
            head = src.read(len(BOM)).removeprefix(BOM)
            for block in itertools.chain([head], iter(lambda: src.read(1 << 20), b"")):
                encoded = decoder.decode(block).encode("utf-8")
                dst.write(encoded)
                if seen is not None:
                    seen(encoded)
    except UnicodeDecodeError as exc:
        raise LandingFileError("okänd teckenkodning (varken UTF-8 eller Windows-1252)") from exc
    except (OSError, EOFError) as exc:
        raise LandingFileError(f"gzip-filen är trasig ({type(exc).__name__})") from exc
    return target
