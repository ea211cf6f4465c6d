"""An export: the selection's tables read from the snapshot, written in one format, named by its content.

The command line and the dashboard's download buttons both call build_export; both archive what they give
out (exports/archive.py).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa

from skolanalys.exports import writers
from skolanalys.exports.provenance import Provenance, build_provenance
from skolanalys.exports.selection import ExportTable, Selection, read_selection, school_units
from skolanalys.exports.snapshot import Snapshot

ID_LENGTH = 12  # hex digits of the content's sha256: short enough to say, long enough never to collide here


@dataclass
class Export:
    content: bytes
    extension: str
    fmt: str
    selection: Selection
    provenance: Provenance
    tables: list[ExportTable]
    title: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def export_id(self) -> str:
        """Stable: the same content always gets the same id."""
        return self.sha256[:ID_LENGTH]

    @property
    def file_name(self) -> str:
        return f"{file_stem(self.selection)}_{self.export_id}.{self.extension}"

    @property
    def mime(self) -> str:
        return writers.MIME[self.extension]


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-").lower()


def file_stem(selection: Selection) -> str:
    """'arsbokslut_2025_kommun', 'tabeller_alla-ar_skolenhet-12345678', 'resultat_alla-ar_skolor'."""
    what = selection.export_for or (_slug(selection.page) if selection.page else "tabeller")
    year = str(selection.year) if selection.year else "alla-ar"
    level = f"skolenhet-{selection.unit}" if selection.level == "skolenhet" else selection.level
    return f"{what}_{year}_{level}"


def build_export(
    snapshot: Snapshot,
    selection: Selection,
    fmt: str,
    row_filter: Callable[[str, pa.Table], pa.Table] | None = None,
) -> Export:
    """Read the selection from the snapshot and write it as `fmt` (xlsx, csv or parquet)."""
    tables = read_selection(snapshot, selection, row_filter)
    units = school_units(snapshot) if selection.level == "skolenhet" else None
    provenance = build_provenance(snapshot, selection, tables, units)
    title = f"Skolanalys: {selection.title()}"
    content, extension = writers.write(fmt, tables, provenance, title)
    return Export(content, extension, fmt, selection, provenance, tables, title)
