"""Reading a landing CSV the way Swedish Excel and school systems write it, one physical line at a time.

Encoding (UTF-8 with or without BOM, or cp1252), separator (`;` or `,`), optional gzip, and header names
that forgive case, surrounding spaces and å/ä/ö spelled a/a/o. Every value is read as text: typing and
validation belong to the contract of each kind, which quarantines what does not parse. A line that cannot
be split into the header's fields (ragged, an unbalanced quote, a NUL byte) is reported with its exact line
number and the rest of the file is read: lines without quotes are split by polars, only lines with a quote
go through the csv module.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from sources.landing.door import (
    BOM,
    BOM_CP1252,
    NO_ROWS,
    UNBALANCED_QUOTE,
    LandingFileError,
    content_problem,
    guess_encoding,
    header_of,
    normalise_header,
    open_maybe_gzip,
    split_fields,
)

__all__ = ["LINE_COLUMN", "CsvText", "LandingFileError", "normalise_header", "read_landing_csv"]

LINE_COLUMN = "__line"
DEFAULT_MAX_BYTES = 256 << 20


@dataclass(frozen=True)
class CsvText:
    frame: pl.DataFrame  # every column Utf8, headers normalised, plus LINE_COLUMN (1-based file line)
    encoding: str
    separator: str
    original_headers: list[str]
    malformed: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema={LINE_COLUMN: pl.Int64}))
    notes: list[str] = field(default_factory=list)  # e.g. read as cp1252 after a BOM

    @property
    def rows_in(self) -> int:
        return self.frame.height + self.malformed.height


def read_bytes(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The file's bytes, unpacked if gzip, never more than `max_bytes` (a gzip bomb is refused)."""
    try:
        stream, _ = open_maybe_gzip(path)
        with stream:
            raw = stream.read(max_bytes + 1)
    except PermissionError as exc:
        raise LandingFileError("filen kan inte läsas (behörighet saknas)") from exc
    except (OSError, EOFError, zlib.error) as exc:
        raise LandingFileError(f"gzip-filen är trasig ({type(exc).__name__})") from exc
    if len(raw) > max_bytes:
        raise LandingFileError(f"filen är större än {max_bytes >> 20} MB när den packats upp")
    return raw


def decode(raw: bytes) -> tuple[str, str, str | None]:
    """(text, encoding, note). A BOM followed by bytes that are not UTF-8 is read as cp1252, with a note."""
    problem = content_problem(raw[: 1 << 16])
    if problem:
        raise LandingFileError(problem)
    bom = raw.startswith(BOM)
    body = raw[len(BOM) :] if bom else raw
    encoding, note = guess_encoding(body, complete=True)
    if bom and encoding == "cp1252":
        note = BOM_CP1252
    return body.decode(encoding), ("utf-8-sig" if bom and encoding == "utf-8" else encoding), note


def _split(lines: pl.DataFrame, separator: str, n_fields: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(fields per good line, (line, reason) per malformed line)."""
    quoted = pl.col("text").str.contains('"', literal=True)
    plain = lines.filter(~quoted).with_columns(pl.col("text").str.split(separator).alias("fields"))
    careful = lines.filter(quoted)
    careful = careful.with_columns(
        pl.Series("fields", [split_fields(t, separator) for t in careful["text"]], dtype=pl.List(pl.Utf8))
    )
    split = pl.concat([plain, careful]).sort(LINE_COLUMN)
    n = pl.col("fields").list.len()
    reason = (
        pl.when(pl.col("fields").is_null())
        .then(pl.lit(UNBALANCED_QUOTE))
        .when(pl.col("text").str.contains("\x00", literal=True))
        .then(pl.lit("raden innehåller ett NUL-tecken (binärt skräp)"))
        .when(n != n_fields)
        .then(pl.format("raden har {} fält men rubrikraden {}", n, pl.lit(n_fields)))
    )
    split = split.with_columns(reason.alias("reason"))
    good = split.filter(pl.col("reason").is_null()).select(LINE_COLUMN, "fields")
    bad = split.filter(pl.col("reason").is_not_null()).select(LINE_COLUMN, "reason")
    return good, bad


def read_landing_csv(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> CsvText:
    """Read a landing CSV into an all-text frame with normalised headers and file line numbers. Raises
    LandingFileError (reason only; the caller names the file) when nothing can be read."""
    text, encoding, note = decode(read_bytes(path, max_bytes))
    # Split on \n only: str.splitlines also breaks at characters a text editor does not (\x1c, \x85, …).
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    first = next((i for i, line in enumerate(lines) if line.strip(' \t;,"')), None)
    if first is None:
        raise LandingFileError("filen är tom")
    separator, names = header_of(lines[first])
    body = pl.DataFrame({"text": lines[first + 1 :]}, schema={"text": pl.Utf8}).with_row_index(
        LINE_COLUMN, offset=first + 2
    )
    body = body.with_columns(pl.col(LINE_COLUMN).cast(pl.Int64))
    # Blank lines and lines of only separators (Excel's empty rows) are not data rows.
    blank = pl.col("text").str.strip_chars(f' \t\r\x0b\x0c"{separator}') == ""
    body = body.filter(~blank)
    if not body.height:
        raise LandingFileError(NO_ROWS)
    good, malformed = _split(body, separator, len(names))
    frame = good.select(
        LINE_COLUMN, *(pl.col("fields").list.get(i, null_on_oob=True).alias(name) for i, name in enumerate(names))
    )
    frame = frame.drop([n for n in names if n.startswith("__tom_")])
    original = lines[first].split(separator)
    return CsvText(frame, encoding, separator, original, malformed, [note] if note else [])
