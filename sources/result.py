"""What every reader returns: the rows it could load and the rows it had to quarantine, with reasons."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

# One quarantined row: where it was, what was wrong, and the row itself with any personnummer masked.
QUARANTINE_SCHEMA = {
    "file": pl.Utf8,
    "line": pl.Int64,  # 1-based line in the file as a text editor shows it (header = the header's line)
    "column": pl.Utf8,
    "reason": pl.Utf8,
    "raw": pl.Utf8,
}


def empty_quarantine() -> pl.DataFrame:
    return pl.DataFrame(schema=QUARANTINE_SCHEMA)


@dataclass
class LoadResult:
    """rows_in = rows.height + quarantine.height always holds; `messages` are file-level findings."""

    source_file: Path
    rows: pl.DataFrame
    quarantine: pl.DataFrame = field(default_factory=empty_quarantine)
    rows_in: int = 0
    messages: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.rows_in == 0:
            self.rows_in = self.rows.height + self.quarantine.height

    @property
    def balanced(self) -> bool:
        return self.rows_in == self.rows.height + self.quarantine.height
