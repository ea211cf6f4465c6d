"""Skolverket clients: Skolenhetsregistret v2 (school units) and Planned Educations v3 (unit statistics, SALSA).

Shapes follow Skolverket's published OpenAPI specifications:
- Skolenhetsregistret v2: GET /school-units?municipality_code=&school_type= answers
  `{"meta", "data": {"type": "schoolunit", "attributes": [{"schoolUnitCode", "name", "status"}]}}`;
  GET /school-units/{code} answers `{"data": {"schoolUnitCode", "attributes": {...}}, "included": organizer}`.
- Planned Educations v3 (needs `Accept: application/vnd.skolverket.plannededucations.api.v3.hal+json`):
  GET /school-units/{code}/statistics/gr answers `{"status", "message", "body": {"schoolUnit", <variable>:
  [{"value": "264,0", "valueType": "EXISTS", "timePeriod": "2022/23"}, ...], ...}}`; GET
  /statistics/all-schools/salsa[/{code}] answers `{"body": {"compulsorySchoolUnitSalsaMetricList": [...],
  "timePeriod"}}`.
Values are text with decimal comma; special valueTypes become NULL values with the reason code kept as status.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

import polars as pl

from skolanalys.dbt_sources import polars_schema
from sources.national.codes import parse_swedish_number
from sources.national.http import JsonFetcher, fetcher_or_new, shape_error
from sources.national.payloads import VALUE_TYPE_STATUS, StatisticEntry, parse

log = logging.getLogger(__name__)

DEFAULT_SKOLENHETSREGISTRET_URL = "https://api.skolverket.se/skolenhetsregistret/v2"
DEFAULT_PLANNED_EDUCATIONS_URL = "https://api.skolverket.se/planned-educations/v3"

# Accepted range per statistics variable, first matching pattern wins (inclusive). A figure outside, or one
# that is not a finite number, is rejected with a warning and the unit keeps its earlier figure.
VARIABLE_RANGES: list[tuple[str, float, float]] = [
    (r"RequirementsReachedDeviation$", -100.0, 100.0),  # SALSA: actual minus modelled, procentenheter
    (r"Deviation$", -340.0, 340.0),  # SALSA: actual minus modelled meritvärde
    (r"MeritRating|salsaAverageGrades|salsaAverageCalculated", 0.0, 340.0),  # meritvärde, 17 ämnen
    (r"^averageResultNationalTests", 0.0, 20.0),  # provbetygspoäng, F=0 … A=20
    (r"^studentsPerTeacher", 0.0, 1000.0),  # elever per lärare (published up to ~520 for tiny units)
    (r"^salsaParentsEducation", 0.0, 3.0),  # SALSA's index of parents' education, 1–3
    (r"^totalNumberOf|Positions$", 0.0, 100_000.0),
    (r"(?i)ratio|quota|reached", 0.0, 100.0),  # andel, procent
    (r"", -1_000_000.0, 1_000_000.0),  # anything new: at least no absurd magnitude
]


def statistic_range() -> tuple[pl.Expr, pl.Expr]:
    """(low, high) expressions for a STATISTICS_SCHEMA frame, from VARIABLE_RANGES."""
    low, high = pl.lit(None, pl.Float64), pl.lit(None, pl.Float64)
    for pattern, lo, hi in reversed(VARIABLE_RANGES):
        matches = pl.col("variable").str.contains(pattern)
        low = pl.when(matches).then(pl.lit(lo)).otherwise(low)
        high = pl.when(matches).then(pl.lit(hi)).otherwise(high)
    return low, high


SCHOOL_UNIT_SCHEMA = polars_schema("skolverket.school_units")
STATISTICS_SCHEMA = polars_schema("skolverket.unit_statistics")
_RAW_SCHEMA = {
    "school_unit_code": pl.Utf8,
    "variable": pl.Utf8,
    "time_period": pl.Utf8,
    "raw": pl.Utf8,
    "value_type": pl.Utf8,
}
_CODE = re.compile(r"^\d{8}$")
_SALSA_LIST = "compulsorySchoolUnitSalsaMetricList"


def _unit_codes(codes: Iterable[str]) -> list[str]:
    out: list[str] = []
    for raw in codes:
        code = str(raw).strip()
        if not _CODE.match(code):
            raise ValueError(f"ogiltig skolenhetskod / invalid school unit code: {raw!r}")
        if code not in out:
            out.append(code)
    return out


def planned_educations_accept(base_url: str) -> str:
    """The vendor media type Planned Educations wants, for the API version at the end of base_url."""
    match = re.search(r"/(v\d+)/?$", base_url)
    return f"application/vnd.skolverket.plannededucations.api.{match.group(1) if match else 'v3'}.hal+json"


# ---- Skolenhetsregistret --------------------------------------------------------------------------------


def fetch_school_units(
    base_url: str,
    municipality_code: str,
    *,
    school_types: Sequence[str] = ("GR",),
    fetcher: JsonFetcher | None = None,
) -> pl.DataFrame:
    """School units in a municipality, municipal and independent, every status (SCHOOL_UNIT_SCHEMA).

    The list endpoint gives code, name and status only, so each unit's details are fetched too.
    """
    base = base_url.rstrip("/")
    if not re.match(r"^\d{4}$", municipality_code):
        raise ValueError(f"ogiltig kommunkod / invalid municipality code: {municipality_code!r}")
    list_url = f"{base}/school-units"
    with fetcher_or_new(fetcher) as f:
        listing = f.get_json(
            list_url, params={"municipality_code": municipality_code, "school_type": list(school_types)}
        )
        units = _school_unit_list(listing, list_url)
        details = {code: (f"{base}/school-units/{code}", f.get_json(f"{base}/school-units/{code}")) for code in units}
    rows = [_school_unit_row(code, units[code], body, url) for code, (url, body) in details.items()]
    return pl.DataFrame(rows, schema=SCHOOL_UNIT_SCHEMA).sort("school_unit_code")


def _school_unit_list(body: Any, url: str) -> dict[str, dict]:
    data = body.get("data") if isinstance(body, dict) else None
    items = data.get("attributes") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise shape_error("saknar data.attributes", "no data.attributes list", url)
    units: dict[str, dict] = {}
    for item in items:
        code = item.get("schoolUnitCode") if isinstance(item, dict) else None
        if not isinstance(code, str) or not _CODE.match(code):
            raise shape_error("skolenhet utan giltig skolenhetskod", "school unit without a valid code", url)
        units[code] = item
    return units


def _school_unit_row(code: str, listed: dict, body: Any, url: str) -> dict:
    data = body.get("data") if isinstance(body, dict) else None
    attrs = data.get("attributes") if isinstance(data, dict) else None
    if not isinstance(attrs, dict):
        raise shape_error("saknar data.attributes", "no data.attributes object", url)
    if data.get("schoolUnitCode") not in (None, code):
        raise shape_error("svaret gäller en annan skolenhet", "the answer is about another school unit", url)
    organizer = _organizer(body.get("included"))
    org_type = organizer.get("organizerType")
    school_types = attrs.get("schoolTypes") or []
    props = attrs.get("schoolTypeProperties") or {}
    gr = props.get("gr") if isinstance(props, dict) else None
    latitude, longitude = _coordinates(attrs.get("addresses"))
    return {
        "school_unit_code": code,
        "name": attrs.get("displayName") or listed.get("name"),
        "status": attrs.get("status") or listed.get("status"),
        "municipality_code": attrs.get("municipalityCode"),
        "organizer_org_number": organizer.get("organizationNumber"),
        "organizer_name": organizer.get("displayName"),
        "organizer_type": org_type,
        "is_municipal": None if org_type is None else org_type == "KOMMUN",
        "school_types": [str(t) for t in school_types] if isinstance(school_types, list) else None,
        "grades": [str(g) for g in (gr.get("grades") or [])] if isinstance(gr, dict) else [],
        "latitude": latitude,
        "longitude": longitude,
        "start_date": attrs.get("startdate"),  # sic: the API spells it in lower case
        "end_date": attrs.get("endDate"),
    }


def _organizer(included: Any) -> dict:
    """Flattened organizer from `included` (documented as one object; tolerate a list of them)."""
    candidates = included if isinstance(included, list) else [included]
    for item in candidates:
        if isinstance(item, dict):
            attrs = item.get("attributes") if isinstance(item.get("attributes"), dict) else {}
            return {"organizationNumber": item.get("organizationNumber"), **attrs}
    return {}


def _coordinates(addresses: Any) -> tuple[float | None, float | None]:
    """WGS84 of the visiting address (BESOKSADRESS), else of any address that has coordinates."""
    if not isinstance(addresses, list):
        return None, None
    ordered = sorted((a for a in addresses if isinstance(a, dict)), key=lambda a: a.get("type") != "BESOKSADRESS")
    for address in ordered:
        geo = address.get("geoCoordinates")
        if isinstance(geo, dict):
            lat, lon = _float(geo.get("latitude")), _float(geo.get("longitude"))
            if lat is not None and lon is not None:
                return lat, lon
    return None, None


def _float(text: Any) -> float | None:
    if text is None:
        return None
    try:
        number = float(str(text).replace(",", ".").strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None  # 'NaN' and 'inf' parse, but are no coordinate


# ---- Planned Educations: statistics per unit ------------------------------------------------------------


def fetch_gr_statistics(
    base_url: str, school_unit_codes: Iterable[str], *, fetcher: JsonFetcher | None = None
) -> pl.DataFrame:
    """Grundskola statistics per unit, one row per variable and time period (STATISTICS_SCHEMA).

    A unit Planned Educations does not know (HTTP 404) gives no rows: units without grundskola statistics
    are common (new, closed, or förskoleklass only).
    """
    base = base_url.rstrip("/")
    headers = {"Accept": planned_educations_accept(base)}
    raw: list[tuple] = []
    with fetcher_or_new(fetcher) as f:
        for code in _unit_codes(school_unit_codes):
            url = f"{base}/school-units/{code}/statistics/gr"
            body = _envelope_body(f.get_json(url, headers=headers, allow_404=True), url)
            if body is None:
                log.info("%s: no grundskola statistics for unit %s", url, code)
                continue
            if body.get("schoolUnit") not in (None, code):
                raise shape_error("svaret gäller en annan skolenhet", "the answer is about another school unit", url)
            for variable, entries in body.items():
                if isinstance(entries, list):  # the variables; scalars like hasLibrary, docLinks, _links are not
                    raw.extend(_series_rows(code, variable, entries, url))
    return _statistics_frame(raw)


def _envelope_body(answer: Any, url: str) -> dict | None:
    """The `body` of Planned Educations' envelope; None when the unit is unknown (404 or status NOT_FOUND)."""
    if answer is None:
        return None
    if not isinstance(answer, dict):
        raise shape_error("svaret är inte ett objekt", "the answer is not an object", url)
    status = str(answer.get("status") or "")
    if status.upper() == "NOT_FOUND":
        return None
    body = answer.get("body")
    if status.upper() != "OK" or not isinstance(body, dict):
        raise shape_error(f"status {status!r} utan body", f"status {status!r} without a body", url)
    return body


def _series_rows(code: str, variable: str, entries: list, url: str) -> list[tuple]:
    rows = []
    for raw in entries:
        entry = parse(StatisticEntry, raw, url, f"{variable}: posten")
        if entry.timePeriod is None:
            if entry.valueType == "MISSING":  # placeholder the API sends for a variable with no data at all
                continue
            raise shape_error(f"{variable}: timePeriod saknas", f"{variable}: timePeriod missing", url)
        rows.append((code, variable, entry.timePeriod, _opt_text(entry.value), entry.valueType))
    return rows


def _opt_text(value: Any) -> str | None:
    return None if value is None else str(value)


def _statistics_frame(raw: list[tuple]) -> pl.DataFrame:
    frame = pl.DataFrame(raw, schema=_RAW_SCHEMA, orient="row")
    text = pl.col("raw").str.strip_chars()
    # 'cirka 270' is how Planned Educations rounds pupil counts: keep the number, flag it as approximate
    approximate = text.str.contains(r"(?i)^cirka\s")
    number, parsed_status = parse_swedish_number(text.str.replace(r"(?i)^cirka\s+", ""))
    mapped = pl.col("value_type").replace_strict(VALUE_TYPE_STATUS, return_dtype=pl.Utf8)
    status = pl.when(pl.col("value_type") == "EXISTS").then(parsed_status).otherwise(mapped)
    period = pl.col("time_period")
    year = (
        pl.when(period.str.contains(r"^\d{4}/\d{2,4}$"))
        .then(period.str.slice(0, 4).cast(pl.Int32, strict=False) + 1)
        .when(period.str.contains(r"^\d{4}$"))
        .then(period.cast(pl.Int32, strict=False))
        .otherwise(None)
    )
    return (
        frame.with_columns(status=status, number=number, approx=approximate.fill_null(False), year=year)
        .with_columns(value=pl.when(pl.col("status") == "").then(pl.col("number")).otherwise(None))
        .select(
            "school_unit_code",
            "variable",
            "time_period",
            pl.col("year").cast(pl.Int32),
            "value",
            "status",
            "value_type",
            pl.col("approx").alias("is_approximate"),
        )
        .sort("school_unit_code", "variable", "time_period")
        .cast(STATISTICS_SCHEMA)  # type: ignore[arg-type]
    )


# ---- Planned Educations: SALSA --------------------------------------------------------------------------


def fetch_salsa(base_url: str, school_unit_codes: Iterable[str], *, fetcher: JsonFetcher | None = None) -> pl.DataFrame:
    """SALSA per unit from /statistics/all-schools/salsa/{code} (STATISTICS_SCHEMA); unknown units give no rows."""
    base = base_url.rstrip("/")
    headers = {"Accept": planned_educations_accept(base)}
    raw: list[tuple] = []
    with fetcher_or_new(fetcher) as f:
        for code in _unit_codes(school_unit_codes):
            url = f"{base}/statistics/all-schools/salsa/{code}"
            body = _envelope_body(f.get_json(url, headers=headers, allow_404=True), url)
            if body is not None:
                raw.extend(_salsa_rows(body, url, keep=lambda unit, code=code: unit.get("schoolUnitCode") == code))
    return _statistics_frame(raw)


def fetch_salsa_all_schools(
    base_url: str, municipality_code: str | None = None, *, fetcher: JsonFetcher | None = None
) -> pl.DataFrame:
    """SALSA for every grundskola unit in one request, optionally only units in one municipality."""
    base = base_url.rstrip("/")
    url = f"{base}/statistics/all-schools/salsa"
    with fetcher_or_new(fetcher) as f:
        body = _envelope_body(f.get_json(url, headers={"Accept": planned_educations_accept(base)}), url)
    if body is None:
        raise shape_error("SALSA-listan saknas", "the SALSA list is missing", url)
    wanted = municipality_code
    return _statistics_frame(
        _salsa_rows(body, url, keep=lambda unit: wanted is None or unit.get("geographicalAreaCode") == wanted)
    )


def _salsa_rows(body: dict, url: str, keep) -> list[tuple]:
    units, period = body.get(_SALSA_LIST), body.get("timePeriod")
    if not isinstance(units, list) or not isinstance(period, str):
        raise shape_error(f"saknar {_SALSA_LIST} eller timePeriod", f"no {_SALSA_LIST} or timePeriod", url)
    rows = []
    for unit in units:
        code = unit.get("schoolUnitCode") if isinstance(unit, dict) else None
        if not isinstance(code, str) or not _CODE.match(code):
            raise shape_error("SALSA-post utan skolenhetskod", "SALSA entry without a school unit code", url)
        if not keep(unit):
            continue
        for variable, metric in unit.items():
            if not (variable.startswith("salsa") and isinstance(metric, dict)):
                continue  # schoolUnitCode, name, geographicalAreaCode, _links
            rows.extend(_series_rows(code, variable, [{**metric, "timePeriod": period}], url))
    return rows
