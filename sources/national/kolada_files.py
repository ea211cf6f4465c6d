"""Readers for the Kolada files shipped in sources/reference/kolada (CC BY 4.0, "Källa: Kolada (RKA)").

Values keep Kolada's own status ('' / Missing / Privacy / Not applicable): a value is NULL exactly when a
status is set, never 0. Municipality codes are 4-digit text ('0000' = riket).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl

from sources.national.codes import quarantine_where
from sources.national.kolada_api import GENDERS, KNOWN_STATUSES, RIKET, VALUES_SCHEMA
from sources.result import QUARANTINE_SCHEMA, LoadResult

REFERENCE_DIR = Path(__file__).resolve().parents[1] / "reference"
KOLADA_DIR = REFERENCE_DIR / "kolada"
VALUES_FILE = KOLADA_DIR / "kolada_values_2010_2024.parquet"
DDF_VALUES_FILE = KOLADA_DIR / "kolada_grundskola_values_1995_2022_from_ddf_dump.parquet"
CATALOGUE_FILE = KOLADA_DIR / "kpi_catalogue_grundskola.csv"
GROUPS_FILE = KOLADA_DIR / "liknande_kommuner_grundskola_2024.json"
# Every municipality's "Liknande kommuner grundskola" group, one file per vintage (Kolada revises them yearly).
GROUP_FILES = (
    KOLADA_DIR / "liknande_kommuner_grundskola_2022_all.json",
    KOLADA_DIR / "liknande_kommuner_grundskola_2024_all.json",
)
MUNICIPALITIES_FILE = KOLADA_DIR / "oj_grundskola_municipalities.txt"
OJ_MUNICIPALITY_FILE = KOLADA_DIR / "oj_grundskola_2016_2019_by_municipality.json"
OJ_RIKET_FILE = KOLADA_DIR / "oj_grundskola_2016_2019_riket.json"

# One shape for Kolada values whether they come from the API or from the shipped files.
STATUSES = KNOWN_STATUSES

_KPI = r"^[A-Z]\d{5}$"
_CODE = r"^\d{4}$"


def _value_rules() -> list[tuple[str, pl.Expr, str]]:
    """Checks shared by every source of Kolada values (all columns already renamed)."""
    key = ["kpi_id", "municipality_code", "year", "gender"]
    return [
        ("kpi_id", ~pl.col("kpi_id").str.contains(_KPI), "ogiltigt KPI-id"),
        ("municipality_code", ~pl.col("municipality_code").str.contains(_CODE), "kommunkod ej 4 siffror"),
        ("year", pl.col("year").is_null(), "år saknas"),
        ("gender", ~pl.col("gender").is_in(GENDERS), "kön ej T/K/M"),
        ("status", ~pl.col("status").is_in(STATUSES), "okänd status"),
        ("value", pl.col("value").is_null() & (pl.col("status") == ""), "värde saknas men status är tom"),
        ("value", pl.col("value").is_not_null() & (pl.col("status") != ""), "värde trots status"),
        ("kpi_id", ~pl.struct(key).is_first_distinct(), "dubblett av kpi, kommun, år och kön"),
    ]


def read_kolada_values(path: Path | str = VALUES_FILE) -> LoadResult:
    """The flattened Kolada values parquet -> VALUES_SCHEMA, one row per value cell."""
    path = Path(path)
    raw = pl.read_parquet(path).with_row_index("__line", offset=1)
    frame = raw.select(
        "__line",
        pl.col("kpi").cast(pl.Utf8).alias("kpi_id"),
        pl.col("municipality_id").cast(pl.Utf8).alias("municipality_code"),
        pl.col("year").cast(pl.Int32),
        pl.col("gender").cast(pl.Utf8),
        pl.col("value").cast(pl.Float64),
        pl.col("status").cast(pl.Utf8).fill_null(""),
        pl.col("count").cast(pl.Int32),
        pl.struct(pl.exclude("__line")).struct.json_encode().alias("__raw"),
    )
    rows, quarantine = quarantine_where(frame, path.name, _value_rules())
    return LoadResult(path, rows.select(VALUES_SCHEMA.keys()), quarantine, rows_in=raw.height)


def read_kolada_ddf_values(path: Path | str = DDF_VALUES_FILE) -> LoadResult:
    """Kolada 1995–2022 from the DDF dump (one CSV per KPI scraped from the API, concatenated long: kpi,
    municipality_id, year, gender, value) -> VALUES_SCHEMA, one row per value cell.

    The dump keeps no status and no count: an empty value (null, or NaN as pandas wrote it) gets status
    'Missing' — the reason is unknown, it may have been Privacy in Kolada — and count is NULL. Riket is '0000';
    the regions (00xx) are read like every other code (the caller leaves them out).
    """
    path = Path(path)
    raw = pl.read_parquet(path).with_row_index("__line", offset=1)
    value = pl.col("value").cast(pl.Float64).fill_nan(None)
    frame = raw.select(
        "__line",
        pl.col("kpi").cast(pl.Utf8).alias("kpi_id"),
        pl.col("municipality_id").cast(pl.Utf8).alias("municipality_code"),
        pl.col("year").cast(pl.Int32),
        pl.col("gender").cast(pl.Utf8),
        value.alias("value"),
        pl.when(value.is_null()).then(pl.lit("Missing")).otherwise(pl.lit("")).alias("status"),
        pl.lit(None, pl.Int32).alias("count"),
    )
    rows, quarantine = quarantine_where(frame, path.name, _value_rules())
    return LoadResult(path, rows.select(VALUES_SCHEMA.keys()), quarantine, rows_in=raw.height)


def read_kpi_catalogue(path: Path | str = CATALOGUE_FILE) -> LoadResult:
    """Kolada's KPI metadata (no field spans lines, so `line` is the file line; header = 1)."""
    path = Path(path)
    raw = pl.read_csv(path, infer_schema_length=0).with_row_index("__line", offset=2)
    flag = {"true": True, "false": False}
    frame = raw.select(
        "__line",
        pl.col("id").alias("kpi_id"),
        "title",
        "description",
        pl.col("is_divided_by_gender").replace_strict(flag, default=None, return_dtype=pl.Boolean),
        "municipality_type",
        "auspice",
        "operating_area",
        "perspective",
        pl.col("prel_publication_date").str.to_date("%Y-%m-%d", strict=False),
        pl.col("publication_date").str.to_date("%Y-%m-%d", strict=False),
        pl.col("publ_period").alias("publication_period"),
        pl.col("has_ou_data").replace_strict(flag, default=None, return_dtype=pl.Boolean),
        pl.col("prel_publication_date").alias("__prel"),
        pl.col("publication_date").alias("__publ"),
    )
    rules = [
        ("id", ~pl.col("kpi_id").str.contains(_KPI), "ogiltigt KPI-id"),
        ("title", pl.col("title").is_null(), "titel saknas"),
        ("is_divided_by_gender", pl.col("is_divided_by_gender").is_null(), "ej true/false"),
        ("has_ou_data", pl.col("has_ou_data").is_null(), "ej true/false"),
        (
            "prel_publication_date",
            pl.col("__prel").is_not_null() & pl.col("prel_publication_date").is_null(),
            "ogiltigt datum",
        ),
        (
            "publication_date",
            pl.col("__publ").is_not_null() & pl.col("publication_date").is_null(),
            "ogiltigt datum",
        ),
        ("id", pl.col("kpi_id").is_duplicated(), "KPI-id förekommer flera gånger"),
    ]
    rows, quarantine = quarantine_where(frame, path.name, rules)
    return LoadResult(path, rows.drop("__line", "__prel", "__publ"), quarantine, rows_in=raw.height)


def read_municipalities(path: Path | str = MUNICIPALITIES_FILE) -> pl.DataFrame:
    """Code -> name for the 290 municipalities, the regions and riket: municipality_code, name, kind."""
    names: dict[str, str] = json.loads(Path(path).read_text(encoding="utf-8"))
    kind = pl.when(pl.col("municipality_code") == RIKET).then(pl.lit("riket"))
    kind = kind.when(pl.col("municipality_code").str.starts_with("00")).then(pl.lit("region"))
    return (
        pl.DataFrame(
            {"municipality_code": list(names), "municipality_name": list(names.values())},
            schema={"municipality_code": pl.Utf8, "municipality_name": pl.Utf8},
        )
        .with_columns(kind.otherwise(pl.lit("kommun")).alias("kind"))
        .sort("municipality_code")
    )


def municipality_codes_by_name(path: Path | str = MUNICIPALITIES_FILE) -> dict[str, str]:
    """Municipality name -> 4-digit code for the 290 municipalities (regions and riket left out)."""
    frame = read_municipalities(path).filter(pl.col("kind") == "kommun")
    return dict(zip(frame["municipality_name"], frame["municipality_code"], strict=True))


def _member_problem(group_id: str, title: re.Match | None, member: object, codes: dict[str, str]) -> str | None:
    if not re.fullmatch(r"G\d+", group_id):
        return "ogiltigt grupp-id"
    if title is None:
        return "titeln är inte 'namn, kommun, år'"
    if title["home"] not in codes:
        return f"okänd kommun {title['home']!r} i titeln"
    if not (isinstance(member, list) and len(member) == 2 and re.fullmatch(r"\d{4}", str(member[0]))):
        return "medlem är inte [4-siffrig kod, namn]"
    return None


def read_municipality_groups(
    path: Path | str = GROUPS_FILE, municipalities: Path | str = MUNICIPALITIES_FILE
) -> LoadResult:
    """'Liknande kommuner grundskola' groups, one row per member; the home municipality from the title."""
    path = Path(path)
    groups: dict[str, dict] = json.loads(path.read_text(encoding="utf-8"))
    codes = municipality_codes_by_name(municipalities)
    rows, bad = [], []
    for group_id, group in groups.items():
        title = str(group.get("title", ""))
        m = re.fullmatch(r"(?P<name>.+?), (?P<home>[^,]+), (?P<year>\d{4})", title)
        for i, member in enumerate(group.get("members", [])):
            problem = _member_problem(group_id, m, member, codes)
            if problem or m is None:
                where = f"{group_id}/members[{i}]"
                bad.append({"file": path.name, "line": None, "column": where, "reason": problem, "raw": str(member)})
                continue
            rows.append(
                {
                    "group_id": group_id,
                    "title": title,
                    "year": int(m["year"]),
                    "municipality_code": codes[m["home"]],
                    "municipality_name": m["home"],
                    "member_code": str(member[0]),
                    "member_name": str(member[1]),
                }
            )
    schema = {
        "group_id": pl.Utf8,
        "title": pl.Utf8,
        "year": pl.Int32,
        "municipality_code": pl.Utf8,
        "municipality_name": pl.Utf8,
        "member_code": pl.Utf8,
        "member_name": pl.Utf8,
    }
    return LoadResult(path, pl.DataFrame(rows, schema=schema), pl.DataFrame(bad, schema=QUARANTINE_SCHEMA))


def read_shipped_municipality_groups(
    paths: tuple[Path, ...] = GROUP_FILES, municipalities: Path | str = MUNICIPALITIES_FILE
) -> list[LoadResult]:
    """Every vintage of the shipped 'Liknande kommuner grundskola' groups (2022 and 2024, all 290
    municipalities), one LoadResult per file; the year of each group is in its title."""
    return [read_municipality_groups(path, municipalities) for path in paths]


def _oj_cells(tree: dict, code: str, name: str) -> pl.DataFrame:
    """{kpi: {year: {gender: value}}} -> one row per cell; text where a number belongs is kept aside."""
    cells = []
    for kpi, years in tree.items():
        for year, genders in years.items():
            for gender, v in genders.items():
                number = v is None or (isinstance(v, int | float) and not isinstance(v, bool))
                cells.append(
                    {
                        "name": name,
                        "kpi_id": kpi,
                        "municipality_code": code,
                        "year": year,
                        "gender": gender,
                        "value": float(v) if number and v is not None else None,
                        "bad_value": None if number else str(v),
                    }
                )
    schema = {k: pl.Utf8 for k in ("name", "kpi_id", "municipality_code", "year", "gender")}
    return pl.DataFrame(cells, schema=schema | {"value": pl.Float64, "bad_value": pl.Utf8})


def read_oj_values(
    municipality_path: Path | str = OJ_MUNICIPALITY_FILE,
    riket_path: Path | str = OJ_RIKET_FILE,
    municipalities: Path | str = MUNICIPALITIES_FILE,
) -> LoadResult:
    """Öppna jämförelser grundskola 2016–2019 (Kolada v2) -> VALUES_SCHEMA, riket as '0000'.

    The files keep no status, so a null value gets status 'Missing' (reason unknown: it may have been
    Privacy in Kolada) and count is NULL. JSON has no lines: a quarantined cell is found by `raw`
    (municipality name, kpi, year, gender).
    """
    municipality_path, riket_path = Path(municipality_path), Path(riket_path)
    codes = municipality_codes_by_name(municipalities)
    by_name = json.loads(municipality_path.read_text(encoding="utf-8"))
    per_municipality = [_oj_cells(t, codes.get(n, ""), n) for n, t in by_name.items()] or [_oj_cells({}, "", "")]
    sources = [
        (municipality_path, pl.concat(per_municipality)),
        (riket_path, _oj_cells(json.loads(riket_path.read_text(encoding="utf-8")), RIKET, "Riket")),
    ]
    rules = [
        ("municipality", pl.col("municipality_code") == "", "okänt kommunnamn"),
        ("value", pl.col("bad_value").is_not_null(), "värdet är inte ett tal"),
        *_value_rules(),
    ]
    parts, quarantines, rows_in = [], [], 0
    for path, cells in sources:
        frame = cells.with_row_index("__line").with_columns(
            pl.col("year").cast(pl.Int32, strict=False),
            pl.when(pl.col("value").is_null()).then(pl.lit("Missing")).otherwise(pl.lit("")).alias("status"),
            pl.lit(None, pl.Int32).alias("count"),
        )
        rows, quarantine = quarantine_where(frame, path.name, rules)
        parts.append(rows.select(VALUES_SCHEMA.keys()))
        quarantines.append(quarantine.with_columns(pl.lit(None, pl.Int64).alias("line")))
        rows_in += frame.height
    return LoadResult(municipality_path, pl.concat(parts), pl.concat(quarantines), rows_in=rows_in)
