"""Kolada values kept as published: every fetch is compared with what the warehouse holds, and only new or
revised cells are added, stamped with the fetch date. The latest row per cell is the current value; older
rows are the revisions Kolada made (a number corrected, a value withdrawn as Privacy).

The project ships real published values (sources/reference/kolada, the newest fetched 2024-12-12) so that a
warehouse that has never reached Kolada still has national figures to compare with: riket and every
municipality for as many years as the files go.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

import polars as pl

from sources.national.kolada_api import VALUES_SCHEMA, is_municipal
from sources.national.kolada_files import (
    DDF_VALUES_FILE,
    MUNICIPALITIES_FILE,
    OJ_MUNICIPALITY_FILE,
    OJ_RIKET_FILE,
    VALUES_FILE,
    read_kolada_ddf_values,
    read_kolada_values,
    read_oj_values,
)
from sources.result import LoadResult

CELL_KEY = ["kpi_id", "municipality_code", "year", "gender"]
MEASURES = ["value", "status", "count"]
SHIPPED_AS_OF = date(2024, 12, 12)  # the date in the newest shipped parquet's source file name
SHIPPED_ORIGIN = "sources/reference"  # kolada.values.origin of the shipped values ('api' for fetched ones)
# What shipped_values reads: the three publications' files (the Öppna jämförelser files name municipalities).
SHIPPED_FILES = (VALUES_FILE, DDF_VALUES_FILE, OJ_MUNICIPALITY_FILE, OJ_RIKET_FILE, MUNICIPALITIES_FILE)


def revisions(current: pl.DataFrame, fetched: pl.DataFrame) -> pl.DataFrame:
    """Rows of `fetched` that are new cells or differ from the latest row of `current` in value, status or
    count. `current` may hold several rows per cell; the one with the latest `fetched_at` counts."""
    if current.is_empty():
        return fetched
    latest = (
        current.sort("fetched_at", nulls_last=False).unique(subset=CELL_KEY, keep="last").select(CELL_KEY + MEASURES)
    )
    joined = fetched.join(latest, on=CELL_KEY, how="left", suffix="_held")
    changed = pl.lit(False)
    for m in MEASURES:
        changed = changed | pl.col(m).ne_missing(pl.col(f"{m}_held"))
    return joined.filter(changed).select(fetched.columns)


@dataclass(frozen=True)
class ShippedFile:
    """One shipped file's accounting: what its reader took in, loaded and quarantined (`result`), and how many
    of its cells made it into the combined values (`used`)."""

    result: LoadResult
    used: int


def shipped_values(kpis: Collection[str] | None = None) -> tuple[pl.DataFrame, list[ShippedFile]]:
    """The shipped Kolada values, the union of three publications, the newest winning where two hold a cell:

    1. `kolada_values_2010_2024.parquet` (fetched from the API 2024-12-12): 23 KPIs, all municipalities;
    2. `kolada_grundskola_values_1995_2022_from_ddf_dump.parquet` (scraped 2024-08-30): 227 grundskola KPIs,
       riket and all municipalities — the years and riket the first lacks;
    3. the Öppna jämförelser files 2016–2019 (Kolada v2, older still): only cells both others lack.

    Only riket and the municipalities (the regions are left out, as from the API), and only `kpis` when given.
    Returns the combined frame (VALUES_SCHEMA, one row per cell) and each file's accounting, newest first.
    """
    combined = pl.DataFrame(schema=VALUES_SCHEMA)
    files = []
    for result in (read_kolada_values(), read_kolada_ddf_values(), read_oj_values()):
        rows = result.rows.filter(is_municipal())
        if kpis is not None:
            rows = rows.filter(pl.col("kpi_id").is_in(list(kpis)))
        added = rows.join(combined.select(CELL_KEY), on=CELL_KEY, how="anti")
        combined = pl.concat([combined, added], how="vertical_relaxed")
        files.append(ShippedFile(result, added.height))
    return combined, files
