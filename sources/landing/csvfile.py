"""Reading a landing CSV the way Swedish Excel and school systems write it.

Encoding (UTF-8 with or without BOM, or cp1252), separator (`;` or `,`), optional gzip, and header names
that forgive case, surrounding spaces and å/ä/ö spelled a/a/o. Every value is read as text: typing and
validation belong to the contract of each kind, which quarantines what does not parse.
"""

from __future__ import annotations

import gzip
import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import polars as pl

LINE_COLUMN = "__line"


class LandingFileError(Exception):
    """A whole file cannot be read. The message names the file and the problem, never a personnummer."""


@dataclass(frozen=True)
class CsvText:
    frame: pl.DataFrame  # every column Utf8, headers normalised, plus LINE_COLUMN (1-based file line)
    encoding: str
    separator: str
    original_headers: list[str]


def normalise_header(name: str) -> str:
    """'Skolenhetskod ' → 'skolenhetskod', 'Föräldrars utbildningsnivå' → 'foraldrars_utbildningsniva'."""
    decomposed = unicodedata.normalize("NFKD", name.strip().lower())
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return "_".join(ascii_only.replace("-", " ").split())


def read_bytes(path: Path) -> bytes:
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise LandingFileError(f"{path.name}: gzip-filen är trasig ({exc})") from exc
    return raw


def decode(raw: bytes) -> tuple[str, str]:
    """Return (text, encoding name). UTF-8 is tried first: cp1252 decodes anything, so it must be last."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        raise LandingFileError(f"okänd teckenkodning (varken UTF-8 eller Windows-1252), byte {exc.start}") from exc


def sniff_separator(header_line: str) -> str:
    return ";" if header_line.count(";") >= header_line.count(",") else ","


def read_landing_csv(path: Path) -> CsvText:
    """Read a landing CSV into an all-text frame with normalised headers and file line numbers."""
    try:
        text, encoding = decode(read_bytes(path))
    except LandingFileError as exc:
        raise LandingFileError(f"{path.name}: {exc}") from exc
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise LandingFileError(f"{path.name}: filen är tom")
    separator = sniff_separator(lines[first])
    body = "\n".join(lines[first:])
    try:
        frame = pl.read_csv(
            io.StringIO(body),
            separator=separator,
            infer_schema=False,
            truncate_ragged_lines=False,
            row_index_name=LINE_COLUMN,
            row_index_offset=first + 2,  # header is line first+1; first data row the next
        )
    except pl.exceptions.PolarsError as exc:
        raise LandingFileError(f"{path.name}: kan inte läsas som CSV ({type(exc).__name__})") from exc
    original = [c for c in frame.columns if c != LINE_COLUMN]
    renamed = {c: normalise_header(c) for c in original}
    if len(set(renamed.values())) != len(renamed):
        raise LandingFileError(f"{path.name}: samma kolumnnamn förekommer flera gånger i rubrikraden")
    frame = frame.rename(renamed).with_columns(pl.col(LINE_COLUMN).cast(pl.Int64))
    # Rows that are empty in every column are Excel's trailing blank lines, not data.
    value_cols = list(renamed.values())
    if value_cols:
        frame = frame.filter(~pl.all_horizontal(pl.col(value_cols).is_null()))
    return CsvText(frame, encoding, separator, original)
