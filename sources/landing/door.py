"""The door of a landing folder: what each entry is, and whether a file may be read at all.

Everything here runs before a file's rows are parsed, so a file that cannot be a contract CSV (UTF-16, an
HTML error page saved as .csv, xlsx bytes, tab-separated, a symlink, too large, a grades export in elever/)
is turned away with one Swedish reason instead of a stack trace, and the other files load. File names are
shown with any personnummer masked (`display_name`), everywhere.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import unicodedata
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sources.personnummer import mask_personnummer

DATA_SUFFIXES = (".csv", ".csv.gz", ".txt")
SAMPLE_BYTES = 1 << 16
BOM = b"\xef\xbb\xbf"
GZIP_MAGIC = b"\x1f\x8b"  # a gzip file's first two bytes
MIB = 1 << 20
REJECTED, IGNORED = "rejected", "ignored"


# A file with its header and no data row: every kind rejects it so (a month without lessons is no file to load).
NO_ROWS = "filen har en rubrikrad men inga rader"


class LandingFileError(Exception):
    """A whole file cannot be read. `reason` is Swedish and never holds a personnummer or a path; `name`,
    when known, is the file's display name. `outcome` is 'rejected', or 'retry' for a file that changed."""

    def __init__(self, reason: str, *, name: str | None = None, outcome: str = REJECTED):
        self.reason, self.name, self.outcome = reason, name, outcome
        super().__init__(f"{name}: {reason}" if name else reason)

    def named(self, name: str) -> LandingFileError:
        return self if self.name else LandingFileError(self.reason, name=name, outcome=self.outcome)


class Signature(Protocol):
    """What identifies a kind of file by its header: a Kind, or attendance's columns."""

    folder: str
    required: tuple[str, ...]


def display_name(name: str) -> str:
    """The file name as it may be shown, logged and stored: any personnummer in it masked."""
    return mask_personnummer(name)


def normalise_header(name: str) -> str:
    """'Skolenhetskod ' → 'skolenhetskod', 'Föräldrars utbildningsnivå' → 'foraldrars_utbildningsniva'."""
    decomposed = unicodedata.normalize("NFKD", name.strip().strip('"').strip().lower())
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return "_".join(ascii_only.replace("-", " ").split())


# The entries of a folder ---------------------------------------------------------------------------------


@dataclass
class Entry:
    """One entry of a landing sub-folder. `outcome` is set when it is settled without reading it."""

    path: Path
    name: str  # display name
    size: int | None = None
    mtime_ns: int | None = None
    outcome: str | None = None
    reason: str | None = None

    def unchanged(self) -> bool:
        """Still the size and modification time it had when listed: it was not written to while read."""
        try:
            stat = self.path.stat()
        except OSError:
            return False
        return (stat.st_size, stat.st_mtime_ns) == (self.size, self.mtime_ns)


def _mib(n: int) -> str:
    return f"{n / MIB:,.0f} MB".replace(",", " ")


def _settle(
    path: Path, folder: str, max_bytes: int, suffixes: tuple[str, ...] = DATA_SUFFIXES, save_as: str = "CSV (.csv)"
) -> Entry:
    entry = Entry(path, display_name(path.name))
    name = path.name.lower()
    if path.is_symlink():
        entry.outcome, entry.reason = REJECTED, "filen är en symbolisk länk, som inte följs: lägg själva filen i mappen"
    elif name.startswith("~$"):
        entry.outcome, entry.reason = IGNORED, "Excels låsfil (filen är öppen i Excel): läses inte"
    elif name.startswith("."):
        entry.outcome, entry.reason = IGNORED, "dold fil: läses inte"
    elif path.is_dir():
        entry.outcome, entry.reason = IGNORED, f"mappar inuti {folder}/ läses inte"
    elif not path.is_file():
        entry.outcome, entry.reason = REJECTED, "inte en vanlig fil"
    elif not name.endswith(suffixes):
        suffix = "".join(path.suffixes[-1:]) or "utan filändelse"
        entry.outcome, entry.reason = IGNORED, f"filtypen {suffix} tas inte emot i {folder}/: spara som {save_as}"
    else:
        stat = path.stat()
        entry.size, entry.mtime_ns = stat.st_size, stat.st_mtime_ns
        # The size is checked before the file is opened: a 2 GB file must not be hashed or read.
        if stat.st_size == 0:
            entry.outcome, entry.reason = REJECTED, "filen är tom"
        elif stat.st_size > max_bytes:
            entry.outcome, entry.reason = (
                REJECTED,
                f"filen är för stor ({_mib(stat.st_size)}; gränsen för {folder}/ är {_mib(max_bytes)}, "
                "se docs/contracts.md)",
            )
        elif not readable(path):
            entry.outcome, entry.reason = REJECTED, "filen kan inte läsas (behörighet saknas)"
    return entry


def readable(path: Path) -> bool:
    try:
        with path.open("rb"):
            return True
    except OSError:
        return False


def list_folder(
    folder: Path,
    folder_name: str,
    max_bytes: int,
    suffixes: tuple[str, ...] = DATA_SUFFIXES,
    save_as: str = "CSV (.csv)",
) -> list[Entry]:
    """Every entry of `folder`: files to read first, oldest first (a later correction loads after the file
    it corrects), then the settled ones by name. `suffixes` are the file types the folder takes (CSV unless
    said otherwise); `save_as` names them in the reason a file of another type is ignored."""
    if not folder.is_dir():
        return []
    entries = [_settle(p, folder_name, max_bytes, suffixes, save_as) for p in folder.iterdir()]
    open_ = sorted((e for e in entries if e.outcome is None), key=lambda e: (e.mtime_ns, e.path.name))
    settled = sorted((e for e in entries if e.outcome is not None), key=lambda e: e.path.name)
    return open_ + settled


# The first bytes of a file ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Peek:
    """What the first bytes of a file say: compression, encoding, separator and header."""

    gzip: bool
    encoding: str  # "utf-8" or "cp1252"
    bom: bool
    note: str | None  # e.g. a BOM followed by Windows-1252 bytes
    header_index: int  # 0-based line of the header row
    separator: str
    header: list[str]  # normalised names


_MAGIC = (
    (b"PK\x03\x04", "filen är en Excel-fil (xlsx) eller ett zip-arkiv, inte en CSV-fil: spara den som CSV"),
    (b"\xd0\xcf\x11\xe0", "filen är en gammal Excel-fil (xls), inte en CSV-fil: spara den som CSV"),
    (b"%PDF", "filen är en PDF, inte en CSV-fil"),
    (GZIP_MAGIC, "filen är packad två gånger (gzip i gzip)"),
)
CONTROL_BYTES = bytes([*range(9), *range(14, 32)])  # not text: below tab, or between CR and space
UTF16 = "filen är kodad som UTF-16: spara den som UTF-8 eller Windows-1252 (CSV)"
BOM_CP1252 = "filen börjar med en UTF-8-BOM men är skriven i Windows-1252; den lästes som Windows-1252"


def content_problem(sample: bytes) -> str | None:
    """Why these first bytes cannot start a contract CSV, or None."""
    if sample[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return UTF16
    for magic, reason in _MAGIC:
        if sample.startswith(magic):
            return reason
    if sample.count(b"\x00") > len(sample) // 8:
        return UTF16  # ASCII text in UTF-16 without a BOM has a NUL every other byte
    text = sample.removeprefix(BOM).lstrip().lower()
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body")) or b"<html" in text[:1024]:
        return "filen är en HTML-sida (t.ex. en felsida sparad som .csv), inte en CSV-fil"
    if text.startswith(b"<"):
        return "filen är XML, inte en CSV-fil"
    control = len(sample) - len(sample.translate(None, CONTROL_BYTES))  # in C: a Python loop took ~40 ms a MiB
    if control > len(sample) // 100:
        return "filen är binär, inte text"
    return None


def open_maybe_gzip(path: Path):
    with path.open("rb") as f:
        is_gzip = f.read(2) == GZIP_MAGIC
    return (gzip.open(path, "rb") if is_gzip else path.open("rb")), is_gzip


def read_sample(path: Path, size: int) -> tuple[bytes, bool]:
    """(first `size` bytes, unpacked, and whether the file is gzip). Raises LandingFileError."""
    try:
        stream, is_gzip = open_maybe_gzip(path)
        with stream:
            return stream.read(size), is_gzip
    except PermissionError as exc:
        raise LandingFileError("filen kan inte läsas (behörighet saknas)") from exc
    except (OSError, EOFError, zlib.error) as exc:
        raise LandingFileError(f"gzip-filen är trasig ({type(exc).__name__})") from exc


def guess_encoding(data: bytes, *, complete: bool) -> tuple[str, str | None]:
    """(encoding, note) of `data` without its BOM. UTF-8 first: cp1252 decodes almost anything."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=complete)
        return "utf-8", None
    except UnicodeDecodeError:
        pass
    try:
        data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise LandingFileError(f"okänd teckenkodning (varken UTF-8 eller Windows-1252; byte {exc.start + 1})") from exc
    return "cp1252", None


# A line whose quotes do not make whole fields (a quoted field without its end, or text after one): the row goes
# to quarantine. A quote inside an unquoted field is text (Python's csv, strict).
UNBALANCED_QUOTE = 'ett citattecken (") saknar sin avslutning på raden'


def split_fields(line: str, separator: str) -> list[str] | None:
    """The fields of one physical line; None when its quotes do not balance."""
    if '"' not in line:
        return line.split(separator)
    try:
        rows = list(csv.reader([line], delimiter=separator, quotechar='"', strict=True))
    except csv.Error:
        return None
    return rows[0] if rows else [""]


def header_of(line: str) -> tuple[str, list[str]]:
    """(separator, normalised names) of a header line. Tabs are refused: the contract says ; or ,."""
    counts = {sep: line.count(sep) for sep in ";,\t"}
    if counts["\t"] > max(counts[";"], counts[","]):
        raise LandingFileError("avgränsaren är tabb; kontraktet säger ; eller , (spara som CSV med semikolon)")
    separator = ";" if counts[";"] >= counts[","] else ","
    fields = split_fields(line, separator)
    if fields is None:
        raise LandingFileError('rubrikraden har ett citattecken (") utan avslutning')
    names = [normalise_header(f) or f"__tom_{i}" for i, f in enumerate(fields)]
    if len(set(names)) != len(names):
        raise LandingFileError("samma kolumnnamn förekommer flera gånger i rubrikraden")
    return separator, names


def peek(path: Path, sample_bytes: int = SAMPLE_BYTES) -> Peek:
    """Read the first bytes of a landing file and refuse what cannot be a contract CSV."""
    sample, is_gzip = read_sample(path, sample_bytes)
    if not sample:
        raise LandingFileError("filen är tom")
    problem = content_problem(sample[:SAMPLE_BYTES])
    if problem:
        raise LandingFileError(problem)
    complete = len(sample) < sample_bytes
    bom = sample.startswith(BOM)
    body = sample[len(BOM) :] if bom else sample
    encoding, note = guess_encoding(body, complete=complete)
    if bom and encoding == "cp1252":
        note = BOM_CP1252
    lines = body.decode(encoding, errors="replace").split("\n")
    if not complete:
        lines = lines[:-1]  # the sample may end inside a line
    index = next((i for i, line in enumerate(lines) if line.strip(' \t\r;,"')), None)
    if index is None:
        raise LandingFileError("filen är tom" if complete else "ingen rubrikrad i filens början")
    separator, names = header_of(lines[index].rstrip("\r"))
    return Peek(is_gzip, encoding, bom, note, index, separator, names)


# Which kind a header belongs to ------------------------------------------------------------------------------


def belongs_elsewhere(headers: set[str], own: Signature, others: list[Signature]) -> str | None:
    """The folder a file with these headers belongs to, when not `own`'s: another kind's required columns
    are all there, and `own`'s are not, or the other kind needs more of them (a grades export holds every
    column elever/ needs, and betyg, amne, termin besides). Never load a file as the wrong kind."""
    own_ok = set(own.required) <= headers
    best = None
    for other in others:
        if other.folder == own.folder or not set(other.required) <= headers:
            continue
        if (not own_ok or len(other.required) > len(own.required)) and (
            best is None or len(other.required) > len(best.required)
        ):
            best = other
    return best.folder if best else None


def wrong_folder_reason(folder: str) -> str:
    return f"filen ser ut att höra till mappen {folder}/ och läses inte in här"


@dataclass(frozen=True)
class HeaderSignature:
    """A kind known only by its header (attendance is streamed and has no polars Kind)."""

    folder: str
    required: tuple[str, ...]
