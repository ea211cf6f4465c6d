"""Readers for the national school-unit files shipped in sources/reference: every Swedish grundskola unit's
published results, SALSA and background, for the SALSA comparison and for liknande skolenheter.

- `skolverket/skolkarta_grundskola_ak9_pe_v4_2026-06-21.json` (Skolverket, Planned Educations API v4, via
  pjh0203/skolkarta): 1,567 units with åk 9 results — meritvärde and behörighet (yrkesprogram) per läsår
  2020/21–2024/25, the latest share passing all subjects, and SALSA 2024/25 (actual, modelled, deviation,
  parents' education) for 1,487 of them.
- `kolada/kolada_ou_salsa_U15415_U15416_2024_by_skolenhetskod.json` (Kolada, via meysamaghighi/skolranking):
  SALSA 2024 (läsår 2023/24) per skolenhetskod, U15415 modelled meritvärde and U15416 deviation. Källa:
  Kolada (RKA).
- `siris/grundskola_antal_elever_per_arskurs_skolenhet_2023.csv` (SIRIS, läsår 2023/24): pupils in åk 9,
  share of girls and share with parents with eftergymnasial education (åk 1–9) for every unit.
- `skolverket/skolkarta_cache_survey-gr_pe_v4.tar.gz` (Skolinspektionen's Skolenkäten through Skolverket's
  Planned Educations API v4, via pjh0203/skolkarta): per unit the latest index 0–10 for trygghet, studiero,
  stöd, stimulans and nöjdhet, with the respondents, of the guardians and of the pupils (åk 8, or åk 5), VT25
  or VT26 — 1,613 units, F–6 schools included.

Variables are named as Skolverket's API names them (so the shipped SALSA lines up with what
`skolverket.unit_statistics` fetches for the municipality's own units); Kolada's by KPI id. A value that is
not a finite number or lies outside its variable's range is quarantined, as is an entry without a valid
8-digit skolenhetskod. Suppressed values were already dropped by the extract's author: they are absent.
"""

from __future__ import annotations

import json
import re
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from skolanalys.dbt_sources import polars_schema
from sources.national.codes import quarantine_where
from sources.national.kolada_api import KPI_RANGES, UNIT_RANGES
from sources.national.kolada_files import KOLADA_DIR, REFERENCE_DIR, municipality_codes_by_name
from sources.national.siris import read_siris
from sources.national.skolverket_api import statistic_range
from sources.result import LoadResult, empty_quarantine

SKOLKARTA_FILE = REFERENCE_DIR / "skolverket" / "skolkarta_grundskola_ak9_pe_v4_2026-06-21.json"
KOLADA_SALSA_FILE = KOLADA_DIR / "kolada_ou_salsa_U15415_U15416_2024_by_skolenhetskod.json"
SIRIS_BACKGROUND_FILE = REFERENCE_DIR / "siris" / "grundskola_antal_elever_per_arskurs_skolenhet_2023.csv"
SKOLENKATEN_FILE = REFERENCE_DIR / "skolverket" / "skolkarta_cache_survey-gr_pe_v4.tar.gz"
# what read_national_units reads by default
FILES = (SKOLKARTA_FILE, KOLADA_SALSA_FILE, SIRIS_BACKGROUND_FILE, SKOLENKATEN_FILE)

UNITS_SCHEMA = polars_schema("national_units.school_units")
VALUES_SCHEMA = polars_schema("national_units.unit_values")

# The extract's field → Skolverket's variable. Series are per läsår; the latest values are for the unit's
# `period`; SALSA for the file's `salsaPeriod`.
SERIES_VARIABLES = {
    "meritvarde": "averageGradesMeritRating9thGrade",
    "behorighet": "ratioOfPupils9thGradeEligibleForNationalProgramYR",
}
LATEST_VARIABLES = {"andelGodkand": "ratioOfPupilsIn9thGradeWithAllSubjectsPassed"}
SALSA_VARIABLES = {
    "salsaActual": "salsaAverageGradesIn9thGradeActual",
    "salsaCalc": "salsaAverageCalculated",
    "salsaDev": "salsaAverageGradesIn9thGradeDeviation",
    "salsaReqDev": "salsaRequirementsReachedDeviation",
    "salsaParents": "salsaParentsEducation",
}
KOLADA_SALSA_KPIS = {"expected": "U15415", "deviation": "U15416"}
SIRIS_MEASURES = ("pupils_grade_9", "share_girls_grade_1_9_pct", "share_parents_post_secondary_grade_1_9_pct")
SIRIS_RANGES = {
    "pupils_grade_9": (0.0, 100_000.0),
    "share_girls_grade_1_9_pct": (0.0, 100.0),
    "share_parents_post_secondary_grade_1_9_pct": (0.0, 100.0),
}

# Skolenkäten in the Planned Educations extract: respondents (`p` guardians, `e` pupils of the grade in `ak`)
# and the index areas, as the variables `skolenkaten_<group>_<area>` (and `_n`, the respondents) of unit_values.
SKOLENKATEN_GROUPS = {"p": "vardnadshavare", "e": "elever"}
SKOLENKATEN_AREAS = {"trygg": "trygghet", "ro": "studiero", "stod": "stod", "stim": "stimulans", "nojd": "nojdhet"}
SKOLENKATEN_RESPONDENTS = "n"
_TERM = re.compile(r"^(VT|HT)(\d{2})$")

_CODE = re.compile(r"^\d{8}$")
_SCHOOL_YEAR = re.compile(r"^(\d{4})/(\d{2})$")


def school_year_end(school_year: str) -> int | None:
    """'2023/24' → 2024 (the calendar year the spring term ends); None for anything else."""
    match = _SCHOOL_YEAR.match(school_year or "")
    return int(match.group(1)) + 1 if match and (int(match.group(1)) + 1) % 100 == int(match.group(2)) else None


@dataclass
class NationalUnits:
    """What the three files hold: units, values, and every rejected entry or value with its reason."""

    units: pl.DataFrame
    values: pl.DataFrame
    quarantine: pl.DataFrame = field(default_factory=empty_quarantine)
    results: list[LoadResult] = field(default_factory=list)


def _values_frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"__line": pl.Int64, **VALUES_SCHEMA}, orient="row")


def _checked_values(frame: pl.DataFrame, file: str, low: pl.Expr, high: pl.Expr) -> tuple[pl.DataFrame, pl.DataFrame]:
    value = pl.col("value")
    rules = [
        ("school_unit_code", ~pl.col("school_unit_code").str.contains(_CODE.pattern), "skolenhetskod ej 8 siffror"),
        ("school_year", pl.col("year").is_null(), "ogiltigt läsår"),
        ("value", value.is_not_null() & ~value.is_finite(), "inte ett ändligt tal"),
        ("value", value.is_not_null() & ((value < low) | (value > high)), "utanför intervallet"),
        ("value", value.is_null() & (pl.col("status") == ""), "värde saknas"),
    ]
    return quarantine_where(frame, file, rules)


def _number(raw: object) -> float | None:
    """A JSON number as float; anything else (text, bool) becomes NaN so that it is quarantined."""
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return float("nan")
    return float(raw)


def read_skolkarta(path: Path | str = SKOLKARTA_FILE) -> tuple[LoadResult, pl.DataFrame]:
    """(values, units) from the Planned Educations v4 extract: one value row per unit, variable and läsår."""
    path = Path(path)
    document = json.loads(path.read_text(encoding="utf-8"))
    schools = document.get("schools") if isinstance(document, dict) else None
    if not isinstance(schools, list):
        raise ValueError(f"{path.name}: saknar listan 'schools'")
    salsa_period = document.get("salsaPeriod")
    codes_by_name = municipality_codes_by_name()
    rows, units = [], []
    for line, unit in enumerate(schools, start=1):
        code = str(unit.get("kod", ""))
        units.append(
            {
                "school_unit_code": code,
                "school_unit_name": unit.get("namn"),
                "municipality_code": codes_by_name.get(unit.get("kommun")),
                "municipality_name": unit.get("kommun"),
                "organiser_type": unit.get("huvudman"),
                "kolada_ou": None,
            }
        )

        def add(variable: str, school_year: object, raw: object, *, line=line, code=code) -> None:
            if raw is None:
                return
            year = school_year_end(str(school_year))
            rows.append((line, code, variable, str(school_year), year, _number(raw), "", "skolverket", path.name))

        for field_name, variable in SERIES_VARIABLES.items():
            for school_year, raw in sorted((unit.get("series") or {}).get(field_name, {}).items()):
                add(variable, school_year, raw)
        for field_name, variable in LATEST_VARIABLES.items():
            add(variable, unit.get("period"), unit.get(field_name))
        for field_name, variable in SALSA_VARIABLES.items():
            add(variable, salsa_period, unit.get(field_name))
    frame = _values_frame(rows)
    low, high = statistic_range()
    valid, quarantine = _checked_values(frame, path.name, low, high)
    result = LoadResult(path, valid.drop("__line").select(list(VALUES_SCHEMA)), quarantine, rows_in=frame.height)
    result.messages.append(
        f"{path.name}: {len(schools)} skolenheter, {frame.height} värden, SALSA {salsa_period}, "
        f"{quarantine.height} i karantän"
    )
    return result, pl.DataFrame(units, schema=UNITS_SCHEMA)


def term_school_year(term: str) -> str:
    """'VT25' → '2024/25', 'HT25' → '2025/26'; '' for anything else (quarantined as an invalid läsår)."""
    match = _TERM.match(term or "")
    if not match:
        return ""
    year = 2000 + int(match.group(2)) + (1 if match.group(1) == "HT" else 0)
    return f"{year - 1}/{year % 100:02d}"


def read_skolenkaten(path: Path | str = SKOLENKATEN_FILE) -> tuple[LoadResult, pl.DataFrame]:
    """(values, no units) from the Skolenkäten cache: per unit and respondent group the index of each area and
    the respondents, for the group's term. The cache holds one JSON file per skolenhetskod; an empty one (no
    survey) adds nothing."""
    path = Path(path)
    documents = {}
    # Streamed in the archive's order (a gzip stream has no random access), then taken in code order.
    with tarfile.open(path, "r|gz") as archive:
        for member in archive:
            if member.isfile() and member.name.endswith(".json"):
                documents[Path(member.name).stem] = json.loads(archive.extractfile(member).read().decode("utf-8"))
    rows = []
    for line, (code, document) in enumerate(sorted(documents.items()), start=1):
        for key, groups in (document or {}).items():
            if key not in SKOLENKATEN_GROUPS or not isinstance(groups, dict):
                continue
            grade = str(groups.get("ak") or "")
            group = SKOLENKATEN_GROUPS[key] + (f"_{grade}" if key == "e" and grade else "")
            school_year = term_school_year(str(groups.get("sem") or ""))
            year = school_year_end(school_year)
            for field_name, area in [*SKOLENKATEN_AREAS.items(), (SKOLENKATEN_RESPONDENTS, "n")]:
                if groups.get(field_name) is not None:
                    value = _number(groups[field_name])
                    variable = f"skolenkaten_{group}_{area}"
                    rows.append((line, code, variable, school_year, year, value, "", "skolverket", path.name))
    frame = _values_frame(rows)
    is_count = pl.col("variable").str.ends_with("_n")
    low = pl.lit(0.0)
    high = pl.when(is_count).then(pl.lit(1_000_000.0)).otherwise(pl.lit(10.0))
    valid, quarantine = _checked_values(frame, path.name, low, high)
    result = LoadResult(path, valid.drop("__line").select(list(VALUES_SCHEMA)), quarantine, rows_in=frame.height)
    result.messages.append(
        f"{path.name}: {len(documents)} skolenheter, {frame.height} värden, {quarantine.height} i karantän"
    )
    return result, pl.DataFrame(schema=UNITS_SCHEMA)


def read_kolada_salsa(path: Path | str = KOLADA_SALSA_FILE) -> tuple[LoadResult, pl.DataFrame]:
    """(values, units) from Kolada's unit-level SALSA by skolenhetskod: U15415 and U15416 per unit and year."""
    path = Path(path)
    document = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(document, dict):
        raise ValueError(f"{path.name}: väntade ett objekt skolenhetskod → värden")
    rows, units = [], []
    for line, (code, entry) in enumerate(document.items(), start=1):
        entry = entry if isinstance(entry, dict) else {}
        year = entry.get("year")
        year = year if isinstance(year, int) and not isinstance(year, bool) else None
        school_year = f"{year - 1}/{year % 100:02d}" if year else ""
        units.append(
            {"school_unit_code": code, "kolada_ou": entry.get("koladaOu")}
            | dict.fromkeys(("school_unit_name", "municipality_code", "municipality_name", "organiser_type"))
        )
        for key, kpi in KOLADA_SALSA_KPIS.items():
            rows.append((line, code, kpi, school_year, year, _number(entry.get(key)), "", "kolada", path.name))
    frame = _values_frame(rows)
    ranges = {kpi: KPI_RANGES.get(kpi, UNIT_RANGES["poäng"]) for kpi in KOLADA_SALSA_KPIS.values()}
    low = pl.col("variable").replace_strict({k: v[0] for k, v in ranges.items()}, return_dtype=pl.Float64)
    high = pl.col("variable").replace_strict({k: v[1] for k, v in ranges.items()}, return_dtype=pl.Float64)
    valid, quarantine = _checked_values(frame, path.name, low, high)
    result = LoadResult(path, valid.drop("__line").select(list(VALUES_SCHEMA)), quarantine, rows_in=frame.height)
    result.messages.append(f"{path.name}: {len(document)} skolenheter, {quarantine.height} värden i karantän")
    return result, pl.DataFrame(units, schema=UNITS_SCHEMA)


def read_siris_background(path: Path | str = SIRIS_BACKGROUND_FILE) -> tuple[LoadResult, pl.DataFrame]:
    """(values, units) from a SIRIS "Antal elever per årskurs" export: pupils in åk 9 and the background
    shares, with SIRIS's own special codes kept as status (value null)."""
    siris = read_siris(path)
    rows = siris.rows.filter(pl.col("measure").is_in(SIRIS_MEASURES))
    frame = rows.select(
        pl.col("source_line").alias("__line"),
        "school_unit_code",
        pl.col("measure").alias("variable"),
        "school_year",
        "year",
        "value",
        "status",
        pl.lit("skolverket").alias("publisher"),
        pl.lit(Path(path).name).alias("reference_file"),
    )
    low, high = (
        pl.col("variable").replace_strict({k: v[i] for k, v in SIRIS_RANGES.items()}, return_dtype=pl.Float64)
        for i in (0, 1)
    )
    valid, quarantine = _checked_values(frame, Path(path).name, low, high)
    result = LoadResult(
        Path(path),
        valid.drop("__line").select(list(VALUES_SCHEMA)),
        pl.concat([siris.quarantine, quarantine]),
        rows_in=frame.height + siris.quarantine.height,
        messages=list(siris.messages),
    )
    units = (
        siris.rows.select(
            "school_unit_code", "school_unit_name", "municipality_code", "municipality_name", "organiser_type"
        )
        .unique("school_unit_code", keep="first", maintain_order=True)
        .with_columns(pl.lit(None, pl.Utf8).alias("kolada_ou"))
        .select(list(UNITS_SCHEMA))
    )
    return result, units


def read_national_units(
    skolkarta: Path | str = SKOLKARTA_FILE,
    kolada_salsa: Path | str = KOLADA_SALSA_FILE,
    siris_background: Path | str = SIRIS_BACKGROUND_FILE,
    skolenkaten: Path | str = SKOLENKATEN_FILE,
) -> NationalUnits:
    """The four files together. A unit's identity comes from the first file that names it (the v4 extract,
    then SIRIS); Kolada's file adds only its OU id, the Skolenkäten cache only values."""
    parts = [
        read_skolkarta(skolkarta),
        read_siris_background(siris_background),
        read_kolada_salsa(kolada_salsa),
        read_skolenkaten(skolenkaten),
    ]
    results = [result for result, _ in parts]
    named = pl.concat([units for _, units in parts[:2]]).filter(pl.col("school_unit_code").str.contains(_CODE.pattern))
    # municipality code: from whichever file has it (the v4 extract names the kommun only)
    codes = named.filter(pl.col("municipality_code").is_not_null()).unique(
        "school_unit_code", keep="first", maintain_order=True
    )
    units = (
        named.unique("school_unit_code", keep="first", maintain_order=True)
        .join(
            codes.select("school_unit_code", pl.col("municipality_code").alias("__code")),
            on="school_unit_code",
            how="left",
        )
        .with_columns(pl.coalesce("municipality_code", "__code").alias("municipality_code"))
        .drop("__code")
    )
    ou = (
        parts[2][1]
        .filter(pl.col("school_unit_code").str.contains(_CODE.pattern))
        .select("school_unit_code", pl.col("kolada_ou").alias("__ou"))
    )
    units = units.join(ou, on="school_unit_code", how="full", coalesce=True)
    units = units.with_columns(pl.coalesce("kolada_ou", "__ou").alias("kolada_ou")).drop("__ou")
    return NationalUnits(
        units=units.select(list(UNITS_SCHEMA)).sort("school_unit_code"),
        values=pl.concat([r.rows for r in results]).sort("school_unit_code", "variable", "school_year", "publisher"),
        quarantine=pl.concat([r.quarantine for r in results]),
        results=results,
    )
