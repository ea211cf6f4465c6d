"""Reader for Skolverket's Planned Educations API v3 statistics per school unit, flattened to parquet.

Source columns: value, valueType, timePeriod, variable, Skolenhetskod, Kommunkod, Skolenhetsnamn,
Kommunnamn, type (school form of the endpoint: fsk, gr, gy). The same unit can report the same variable
for several school forms with different values, so school_form is part of the key.

timePeriod is the first year of the school year (the fetching script kept the first four digits of
'2023/24'; totalNumberOfPupils for 2023 matches SIRIS läsår 2023/24), so year = timePeriod + 1.
valueType becomes the status code; every status but '' has a NULL value, including ROUNDED_OFF… whose
source value is the placeholder 100.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from sources.national.codes import quarantine_where
from sources.national.kolada_files import REFERENCE_DIR
from sources.result import LoadResult

STATISTICS_FILE = (
    REFERENCE_DIR / "skolverket" / "planned_educations_v3_gr_statistics_stockholm_uppsala_2024-12-12.parquet"
)

# valueType prefix -> status code (the API spells some types out at length).
VALUE_TYPES = {
    "EXISTS": "",
    "MISSING": ".",
    "OMITTED_DUE_TO_BASED_ON_FEW_PUPILS": "..",
    "ROUNDED_OFF": "~100",
    "TEACHERS_EXCLUDED": "*",
}

ROWS_SCHEMA = {
    "school_unit_code": pl.Utf8,
    "school_unit_name": pl.Utf8,
    "municipality_code": pl.Utf8,
    "municipality_name": pl.Utf8,
    "school_form": pl.Utf8,
    "variable": pl.Utf8,
    "time_period": pl.Utf8,  # school year, '2023/24'
    "year": pl.Int32,  # calendar year the school year ends, 2024
    "value": pl.Float64,
    "status": pl.Utf8,
    "value_type": pl.Utf8,  # as published
    "is_approximate": pl.Boolean,
}

# The API publishes pupil counts as 'cirka 150'; the fetching script dropped 'cirka' (every value in the
# shipped file is a multiple of 10), so these stay flagged as rounded, like skolverket_api does.
APPROXIMATE_VARIABLES = ("totalNumberOfPupils",)


def _status(value_type: pl.Expr) -> pl.Expr:
    expr = pl.lit(None, pl.Utf8)
    for prefix, code in reversed(VALUE_TYPES.items()):
        expr = pl.when(value_type.str.starts_with(prefix)).then(pl.lit(code)).otherwise(expr)
    return expr


def read_planned_educations_statistics(path: Path | str = STATISTICS_FILE) -> LoadResult:
    """One row per unit, school form, variable and school year, sorted by time period."""
    path = Path(path)
    raw = pl.read_parquet(path).with_row_index("__line", offset=1)
    source_row = pl.struct(pl.exclude("__line")).struct.json_encode().alias("__raw")
    start = pl.col("timePeriod").cast(pl.Int32, strict=False)
    frame = raw.select(
        "__line",
        pl.col("Skolenhetskod").cast(pl.Utf8).alias("school_unit_code"),
        pl.col("Skolenhetsnamn").cast(pl.Utf8).alias("school_unit_name"),
        pl.col("Kommunkod").cast(pl.Utf8).alias("municipality_code"),
        pl.col("Kommunnamn").cast(pl.Utf8).alias("municipality_name"),
        pl.col("type").cast(pl.Utf8).alias("school_form"),
        pl.col("variable").cast(pl.Utf8),
        pl.format("{}/{}", start, ((start + 1) % 100).cast(pl.Utf8).str.zfill(2)).alias("time_period"),
        (start + 1).alias("year"),
        pl.col("value").cast(pl.Float64).alias("__source_value"),
        pl.col("valueType").cast(pl.Utf8).alias("value_type"),
        _status(pl.col("valueType").cast(pl.Utf8)).alias("status"),
        source_row,
    )
    key = ["school_unit_code", "school_form", "variable", "time_period"]
    rules = [
        ("timePeriod", pl.col("year").is_null(), "tidsperiod saknas"),
        ("Skolenhetskod", ~pl.col("school_unit_code").str.contains(r"^\d{8}$"), "skolenhetskod ej 8 siffror"),
        ("type", pl.col("school_form").is_null(), "skolform och kommun saknas (enheten okänd för källan)"),
        ("Kommunkod", ~pl.col("municipality_code").str.contains(r"^\d{4}$"), "kommunkod ej 4 siffror"),
        ("valueType", pl.col("status").is_null(), "okänd valueType"),
        ("value", (pl.col("status") == "") & pl.col("__source_value").is_null(), "EXISTS utan värde"),
        ("variable", ~pl.struct(key).is_first_distinct(), "dubblett av enhet, skolform, variabel och år"),
    ]
    rows, quarantine = quarantine_where(frame, path.name, rules)
    rounded = rows.filter(pl.col("status") == "~100").height
    rows = (
        rows.with_columns(
            pl.when(pl.col("status") == "").then(pl.col("__source_value")).alias("value"),
            ((pl.col("status") == "") & pl.col("variable").is_in(APPROXIMATE_VARIABLES)).alias("is_approximate"),
        )
        .select([pl.col(c).cast(t) for c, t in ROWS_SCHEMA.items()])
        .sort(["time_period", *key])
    )
    messages = [f"{path.name}: {rounded} värden med valueType ROUNDED_OFF… (källvärde 100) blev NULL, status '~100'"]
    return LoadResult(path, rows, quarantine, rows_in=raw.height, messages=messages)
