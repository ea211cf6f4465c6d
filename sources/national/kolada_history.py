"""Kolada values kept as published: every fetch is compared with what the warehouse holds, and only new or
revised cells are added, stamped with the fetch date. The latest row per cell is the current value; older
rows are the revisions Kolada made (a number corrected, a value withdrawn as Privacy).

The project ships real published values (sources/reference/kolada, fetched 2024-12-12) so that a warehouse
that has never reached Kolada still has national figures to compare with.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from sources.national.kolada_files import read_kolada_values, read_oj_values
from sources.result import LoadResult

CELL_KEY = ["kpi_id", "municipality_code", "year", "gender"]
MEASURES = ["value", "status", "count"]
SHIPPED_AS_OF = date(2024, 12, 12)  # the date in the shipped parquet's source file name


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


def shipped_values() -> tuple[pl.DataFrame, list[LoadResult]]:
    """The shipped Kolada values: the 2010–2024 parquet, and the Öppna jämförelser KPIs 2016–2019 where the
    parquet has no such cell. Returns the combined frame and the per-file load results (for accounting)."""
    parquet = read_kolada_values()
    oj = read_oj_values()
    extra = oj.rows.join(parquet.rows.select(CELL_KEY), on=CELL_KEY, how="anti")
    combined = pl.concat([parquet.rows, extra], how="vertical_relaxed")
    return combined, [parquet, oj]
