"""Plausibility of a national answer before anything is stored.

Cell by cell: a figure that is not a finite number (marked INVALID by the parser, or NaN/Infinity) or lies
outside its declared range is rejected; the warehouse keeps the cell's earlier value. As a whole: an answer
that covers far fewer units than the warehouse holds is reported, and never removes the units it lacks
(kolada.values keeps every version per cell; replaced tables merge with keep_held).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import polars as pl

from sources.national.payloads import INVALID

NOT_A_NUMBER = "inte ett ändligt tal"
MAX_LISTED = 20  # rejections named one by one in the run log; the rest are counted


def split_implausible(frame: pl.DataFrame, low: pl.Expr, high: pl.Expr) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(accepted, rejected) rows of a frame with `value` and `status`; `low`/`high` give each row's range
    (null = unbounded). rejected has the frame's columns plus low, high and reason."""
    value = pl.col("value")
    reason = (
        pl.when(pl.col("status") == INVALID)
        .then(pl.lit(NOT_A_NUMBER))
        .when(value.is_not_null() & ~value.is_finite())
        .then(pl.lit(NOT_A_NUMBER))
        .when(value.is_not_null() & ((value < pl.col("low")) | (value > pl.col("high"))))
        .then(pl.lit("utanför intervallet"))
    )
    checked = frame.with_columns(low.cast(pl.Float64).alias("low"), high.cast(pl.Float64).alias("high"))
    checked = checked.with_columns(reason.alias("reason"))
    accepted = checked.filter(pl.col("reason").is_null()).select(frame.columns)
    return accepted, checked.filter(pl.col("reason").is_not_null())


def range_by(column: str, ranges: dict[str, tuple[float, float]]) -> tuple[pl.Expr, pl.Expr]:
    """(low, high) expressions looking a row's range up by the value of `column` (null when not listed)."""
    lows = {k: lo for k, (lo, _hi) in ranges.items()}
    highs = {k: hi for k, (_lo, hi) in ranges.items()}
    col = pl.col(column)
    return (
        col.replace_strict(lows, default=None, return_dtype=pl.Float64),
        col.replace_strict(highs, default=None, return_dtype=pl.Float64),
    )


def rejection_warnings(source: str, rejected: pl.DataFrame, describe: Callable[[dict], str]) -> list[str]:
    """Swedish warnings naming each rejected cell (describe(row) says which), the first MAX_LISTED one by one."""
    lines = []
    for row in rejected.head(MAX_LISTED).iter_rows(named=True):
        lines.append(f"{source}: avvisat värde för {describe(row)}: {_why(row)}; tidigare värde behålls")
    if rejected.height > MAX_LISTED:
        lines.append(f"{source}: ytterligare {rejected.height - MAX_LISTED} värden avvisades; tidigare värden behålls")
    return lines


def _why(row: dict) -> str:
    if row["reason"] == NOT_A_NUMBER:
        return NOT_A_NUMBER
    return f"{_num(row['value'])} ligger utanför {_num(row['low'])}–{_num(row['high'])}"


def _num(x: float | None) -> str:
    if x is None or math.isnan(x):
        return "?"
    return f"{x:g}".replace(".", ",")


def keep_held(held: pl.DataFrame | None, accepted: pl.DataFrame, key: Sequence[str]) -> pl.DataFrame:
    """accepted, plus every held row whose cell the answer lacks or had rejected: a table replaced from an
    answer never loses a unit or a value just because the answer left it out."""
    if held is None or held.is_empty():
        return accepted
    kept = held.join(accepted.select(key), on=list(key), how="anti", nulls_equal=True)
    return pl.concat([accepted, kept.select(accepted.columns)], how="vertical_relaxed")


def coverage_warnings(
    source: str, held: pl.DataFrame | None, fetched: pl.DataFrame, by: str, unit: str, unit_sv: str
) -> list[str]:
    """Swedish warnings for each `by` group (e.g. KPI) whose answer has under half the units the warehouse
    holds for it: probably a broken answer, and the missing units keep their values."""
    if held is None or held.is_empty():
        return []
    counts = (
        held.group_by(by)
        .agg(pl.col(unit).n_unique().alias("held"))
        .join(fetched.group_by(by).agg(pl.col(unit).n_unique().alias("got")), on=by, how="left")
        .with_columns(pl.col("got").fill_null(0))
        .filter((pl.col("held") >= 10) & (pl.col("got") * 2 < pl.col("held")))
        .sort(by)
    )
    return [
        f"{source}: svaret för {row[by]} innehåller bara {row['got']} av {row['held']} {unit_sv}; "
        "de som saknas behåller sina senast hämtade värden"
        for row in counts.iter_rows(named=True)
    ]
