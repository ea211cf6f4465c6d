"""The municipality's own list of school units (`skolenheter/`: skolenhetskod; skolenhetsnamn), a project
extension of the landing contract: names for units Skolenhetsregistret cannot be asked about (offline,
or units too new to be registered). The register wins where both know a unit."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from sources.landing.csvfile import LandingFileError, read_landing_csv
from sources.landing.door import display_name

COLUMNS = {"skolenhetskod": "school_unit_code", "skolenhetsnamn": "school_unit_name"}


def read_school_unit_lists(folder: Path) -> tuple[pl.DataFrame, list[str]]:
    """Every CSV in `folder`: (code, name) rows with 8-digit codes, and messages for what was skipped."""
    frames, messages = [], []
    for path in sorted(folder.glob("*.csv")) if folder.is_dir() else []:
        name = display_name(path.name)
        if path.is_symlink():
            messages.append(f"{name}: filen är en symbolisk länk, som inte följs")
            continue
        try:
            frame = read_landing_csv(path).frame
        except (LandingFileError, OSError) as exc:
            reason = exc.reason if isinstance(exc, LandingFileError) else "filen kan inte läsas"
            messages.append(f"{name}: {reason}")
            continue
        missing = [c for c in COLUMNS if c not in frame.columns]
        if missing:
            messages.append(f"{name}: kolumn saknas: {', '.join(missing)}")
            continue
        rows = frame.select(pl.col(k).str.strip_chars().alias(v) for k, v in COLUMNS.items())
        bad = rows.filter(~pl.col("school_unit_code").str.contains(r"^\d{8}$").fill_null(False))
        if bad.height:
            messages.append(f"{name}: {bad.height} rader utan giltig skolenhetskod hoppades över")
        frames.append(rows.filter(pl.col("school_unit_code").str.contains(r"^\d{8}$").fill_null(False)))
    schema = dict.fromkeys(COLUMNS.values(), pl.Utf8)
    units = pl.concat(frames).unique("school_unit_code", keep="last") if frames else pl.DataFrame(schema=schema)
    return units, messages
