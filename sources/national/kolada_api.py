"""Kolada API v3 client: KPI catalogue, municipalities, groups, units, and KPI values as polars frames.

Shapes follow the live v3 API (https://api.kolada.se/v3): every list answer is
`{"count", "values": [...], "next_url", "previous_url"}` and is followed page by page via `next_url`; a path
segment holds at most 25 comma-separated ids (more gives HTTP 422) and a page at most 5,000 rows. Value items
are `{"kpi", "municipality"|"ou", "period", "values": [{"gender", "status", "value", "count", "isdeleted"}]}`.

Every function collects all pages first and builds the frame last, so a malformed page raises
NationalSourceError and nothing partial is returned. Data: Källa: Kolada (RKA), CC BY 4.0.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from skolanalys.dbt_sources import polars_schema
from sources.national.http import JsonFetcher, NationalSourceError, fetcher_or_new, shape_error
from sources.national.payloads import (
    INVALID,
    KoladaGroup,
    KoladaKpi,
    KoladaMunicipality,
    KoladaMunicipalityItem,
    KoladaOu,
    KoladaOuItem,
    KoladaPage,
    M,
    parse,
    parse_kolada_cell,
)

DEFAULT_KOLADA_URL = "https://api.kolada.se/v3"
MAX_IDS_PER_SEGMENT = 25
MAX_PER_PAGE = 5000
MAX_PAGES = 1000  # a server that keeps handing out next_url must not hang the nightly run
RIKET = "0000"
GENDERS = ("T", "K", "M")
KNOWN_STATUSES = ("", "Missing", "Privacy", "Not applicable")  # and INVALID for a figure that is no number

# kolada.values as the API gives it: the asset adds when and whence it was fetched (dbt source kolada.values).
VALUES_SCHEMA = polars_schema("kolada.values", without=("fetched_at", "origin"))
OU_VALUES_SCHEMA = {("ou_id" if k == "municipality_code" else k): v for k, v in VALUES_SCHEMA.items()}
KPI_SCHEMA = {
    "id": pl.Utf8,
    "title": pl.Utf8,
    "description": pl.Utf8,
    "operating_area": pl.Utf8,
    "auspice": pl.Utf8,  # E kommunala, P fristående, T alla, X other
    "is_divided_by_gender": pl.Boolean,
    "has_ou_data": pl.Boolean,
    "municipality_type": pl.Utf8,
    "perspective": pl.Utf8,
    "publication_date": pl.Utf8,
    "publ_period": pl.Utf8,
}
MUNICIPALITY_SCHEMA = {"id": pl.Utf8, "title": pl.Utf8, "type": pl.Utf8}
GROUP_SCHEMA = {
    "group_id": pl.Utf8,
    "group_title": pl.Utf8,
    "municipality_code": pl.Utf8,
    "municipality_title": pl.Utf8,
}
SIMILAR_SCHEMA = {**GROUP_SCHEMA, "year": pl.Int32}
OU_SCHEMA = {"ou_id": pl.Utf8, "title": pl.Utf8, "municipality_code": pl.Utf8}

_ID = re.compile(r"^[A-Za-z0-9]+$")


# ---- plumbing -------------------------------------------------------------------------------------------


def _chunks(ids: Sequence[str], size: int = MAX_IDS_PER_SEGMENT) -> list[list[str]]:
    return [list(ids[i : i + size]) for i in range(0, len(ids), size)]


def _clean_ids(ids: Iterable[str | int], what: str) -> list[str]:
    """Unique ids in their given order; rejects anything that could break out of a path segment."""
    out: list[str] = []
    for raw in ids:
        text = str(raw).strip()
        if not _ID.match(text):
            raise ValueError(f"ogiltigt {what}-id / invalid {what} id: {raw!r}")
        if text not in out:
            out.append(text)
    return out


def _pages(fetcher: JsonFetcher, url: str, params: dict[str, str | int] | None = None) -> list[tuple[str, list]]:
    """(page url, values) for every page from url on, following next_url; raises on a malformed page."""
    pages: list[tuple[str, list]] = []
    seen: set[str] = set()
    next_url: str | None = url
    query = {"per_page": MAX_PER_PAGE, **(params or {})}
    while next_url:
        if next_url in seen:
            raise shape_error("next_url leder runt i cirkel", "next_url loops", next_url)
        if len(pages) >= MAX_PAGES:
            raise shape_error(f"fler än {MAX_PAGES} sidor", f"more than {MAX_PAGES} pages", next_url)
        seen.add(next_url)
        page = parse(KoladaPage, fetcher.get_json(next_url, params=query), next_url, "sidan saknar listan 'values'")
        pages.append((next_url, page.values))
        next_url = page.next_url or None
        query = None  # next_url already carries the query string
    return pages


# ---- metadata -------------------------------------------------------------------------------------------


def fetch_kpis(
    base_url: str = DEFAULT_KOLADA_URL, ids: Sequence[str] | None = None, *, fetcher: JsonFetcher | None = None
) -> pl.DataFrame:
    """KPI catalogue rows (KPI_SCHEMA) for the given ids, or every KPI whose operating area is grundskola."""
    base = base_url.rstrip("/")
    with fetcher_or_new(fetcher) as f:
        if ids is not None:
            wanted = _clean_ids(ids, "KPI")
            pages = [p for chunk in _chunks(wanted) for p in _pages(f, f"{base}/kpi/{','.join(chunk)}")]
        else:
            pages = _pages(f, f"{base}/kpi")
    rows = [kpi.model_dump() for kpi in _items(pages, KoladaKpi, "KPI-posten")]
    frame = pl.DataFrame(rows, schema=KPI_SCHEMA).unique("id", keep="first", maintain_order=True)
    if ids is None:
        frame = frame.filter(is_grundskola_area(pl.col("operating_area")))
    return frame.sort("id")


def is_grundskola_area(col: pl.Expr) -> pl.Expr:
    """operating_area may list several comma-separated areas; any one starting with 'Grundskola' counts."""
    return col.fill_null("").str.contains(r"(?i)(^|,\s*)grundskola")


def fetch_municipalities(base_url: str = DEFAULT_KOLADA_URL, *, fetcher: JsonFetcher | None = None) -> pl.DataFrame:
    """All Kolada municipalities and regions (MUNICIPALITY_SCHEMA); riket is id 0000, regions have type L."""
    base = base_url.rstrip("/")
    with fetcher_or_new(fetcher) as f:
        pages = _pages(f, f"{base}/municipality")
    rows = [m.model_dump() for m in _items(pages, KoladaMunicipality, "kommunposten")]
    return pl.DataFrame(rows, schema=MUNICIPALITY_SCHEMA).sort("id")


def _items(pages: list[tuple[str, list]], model: type[M], what_sv: str) -> list[M]:
    """Every entry of every page as `model`; an entry of another shape rejects the whole answer."""
    return [parse(model, item, url, what_sv) for url, values in pages for item in values]


def fetch_municipality_groups(
    base_url: str = DEFAULT_KOLADA_URL, title: str | None = None, *, fetcher: JsonFetcher | None = None
) -> pl.DataFrame:
    """Municipality groups, one row per member (GROUP_SCHEMA); `title` is Kolada's free-text title search."""
    base = base_url.rstrip("/")
    with fetcher_or_new(fetcher) as f:
        pages = _pages(f, f"{base}/municipality_groups", {"title": title} if title else None)
    rows = [
        {
            "group_id": group.id,
            "group_title": group.title,
            "municipality_code": member.member_id,
            "municipality_title": member.member_title,
        }
        for group in _items(pages, KoladaGroup, "gruppen")
        for member in group.members
    ]
    return pl.DataFrame(rows, schema=GROUP_SCHEMA)


def fetch_similar_municipalities(
    base_url: str, municipality_code: str, *, fetcher: JsonFetcher | None = None
) -> pl.DataFrame:
    """Members of "Liknande kommuner grundskola, <name>[, <year>]" (SIMILAR_SCHEMA), every year Kolada has.

    Kolada titles these groups by municipality name, so the name is looked up first. `year` comes from the
    title suffix (null when the title has none); pick the latest year for current comparisons.
    """
    base = base_url.rstrip("/")
    code = _clean_ids([municipality_code], "kommun")[0]
    with fetcher_or_new(fetcher) as f:
        found = _pages(f, f"{base}/municipality/{code}")
        names = [m.title for m in _items(found, KoladaMunicipality, "kommunposten") if m.id == code]
        if not names:
            raise NationalSourceError(
                f"Kommunen {code} finns inte i Kolada",
                f"Municipality {code} not found in Kolada",
                f"{base}/municipality",
            )
        prefix = f"Liknande kommuner grundskola, {names[0]}"
        groups = fetch_municipality_groups(base, prefix, fetcher=f)
    pattern = rf"^{re.escape(prefix)}(?:, (\d{{4}}))?$"
    return (
        groups.filter(pl.col("group_title").str.contains(pattern))
        .with_columns(year=pl.col("group_title").str.extract(pattern, 1).cast(pl.Int32))
        .filter(pl.col("municipality_code") != code)
        .select(list(SIMILAR_SCHEMA))
        .sort("year", "group_id", "municipality_code", nulls_last=True)
    )


def fetch_organisational_units(
    base_url: str,
    municipality_code: str,
    *,
    id_prefix: str | None = "V15",
    fetcher: JsonFetcher | None = None,
) -> pl.DataFrame:
    """Kolada's organisational units in a municipality (OU_SCHEMA).

    Kolada's grundskola units have ids starting V15 (e.g. V15E144001101); id_prefix=None keeps every unit.
    """
    base = base_url.rstrip("/")
    code = _clean_ids([municipality_code], "kommun")[0]
    with fetcher_or_new(fetcher) as f:
        pages = _pages(f, f"{base}/ou", {"municipality": code})
    rows = [
        {"ou_id": u.id, "title": u.title, "municipality_code": u.municipality}
        for u in _items(pages, KoladaOu, "enhetsposten")
    ]
    frame = pl.DataFrame(rows, schema=OU_SCHEMA)
    if id_prefix:
        frame = frame.filter(pl.col("ou_id").str.starts_with(id_prefix))
    return frame.sort("ou_id")


# ---- values ---------------------------------------------------------------------------------------------


def is_municipal(code: pl.Expr | None = None) -> pl.Expr:
    """Riket or a municipality: the regions (ids 00xx other than 0000) are left out, because grundskola KPIs
    are municipal."""
    code = pl.col("municipality_code") if code is None else code
    return (code == RIKET) | ~code.str.starts_with("00")


def fetch_values(
    base_url: str,
    kpi_ids: Sequence[str],
    years: Iterable[int],
    municipality_codes: Sequence[str] | None = None,
    *,
    fetcher: JsonFetcher | None = None,
) -> pl.DataFrame:
    """KPI values per municipality (VALUES_SCHEMA) from /data.

    Without municipality_codes the query leaves the municipality out, which Kolada answers with every
    municipality, riket and the regions; the regions (ids 00xx other than 0000) are dropped here because
    grundskola KPIs are municipal.
    """
    base = base_url.rstrip("/")
    kpis = _clean_ids(kpi_ids, "KPI")
    year_ids = _clean_ids(years, "år")
    munis = _clean_ids(municipality_codes, "kommun") if municipality_codes is not None else None
    if not kpis or not year_ids or munis == []:
        return pl.DataFrame(schema=VALUES_SCHEMA)
    urls = []
    for kc in _chunks(kpis):
        for yc in _chunks(year_ids):
            if munis is None:
                urls.append(f"{base}/data/kpi/{','.join(kc)}/year/{','.join(yc)}")
            else:
                urls += [
                    f"{base}/data/kpi/{','.join(kc)}/municipality/{','.join(mc)}/year/{','.join(yc)}"
                    for mc in _chunks(munis)
                ]
    with fetcher_or_new(fetcher) as f:
        pages = [p for url in urls for p in _pages(f, url)]
    frame = _values_frame(pages, "municipality", VALUES_SCHEMA)
    return frame if munis is not None else frame.filter(is_municipal())


def fetch_ou_values(
    base_url: str,
    kpi_ids: Sequence[str],
    ou_ids: Sequence[str],
    years: Iterable[int],
    *,
    fetcher: JsonFetcher | None = None,
) -> pl.DataFrame:
    """KPI values per organisational unit (OU_VALUES_SCHEMA) from /oudata; ids split 25 per segment."""
    base = base_url.rstrip("/")
    kpis, ous, year_ids = _clean_ids(kpi_ids, "KPI"), _clean_ids(ou_ids, "enhet"), _clean_ids(years, "år")
    if not kpis or not ous or not year_ids:
        return pl.DataFrame(schema=OU_VALUES_SCHEMA)
    urls = [
        f"{base}/oudata/kpi/{','.join(kc)}/ou/{','.join(oc)}/year/{','.join(yc)}"
        for kc in _chunks(kpis)
        for oc in _chunks(ous)
        for yc in _chunks(year_ids)
    ]
    with fetcher_or_new(fetcher) as f:
        pages = [p for url in urls for p in _pages(f, url)]
    return _values_frame(pages, "ou", OU_VALUES_SCHEMA)


def _values_frame(pages: list[tuple[str, list]], unit_key: str, schema: dict) -> pl.DataFrame:
    rows: list[tuple] = []
    for url, values in pages:
        for item in values:
            rows.extend(_flatten_item(item, unit_key, url))
    unit_col = list(schema)[1]
    return (
        pl.DataFrame(rows, schema=schema, orient="row")
        .unique(["kpi_id", unit_col, "year", "gender"], keep="last", maintain_order=True)
        .sort("kpi_id", unit_col, "year", "gender")
    )


def _flatten_item(raw: Any, unit_key: str, url: str) -> list[tuple]:
    model = KoladaMunicipalityItem if unit_key == "municipality" else KoladaOuItem
    item = parse(model, raw, url, "värdeposten")
    out = []
    for raw_cell in item.values:
        cell, valid = parse_kolada_cell(raw_cell, url)
        if cell.isdeleted is True:  # v3 keeps withdrawn values, flagged; they are not Kolada's figures
            continue
        # a status (Missing/Privacy/Not applicable) means there is no figure: keep the reason, never a number;
        # a figure that is not a finite number is marked INVALID here and rejected by the validation step
        status = cell.status or ("" if valid else INVALID)
        out.append((item.kpi, item.unit, item.period, cell.gender, None if status else cell.value, status, cell.count))
    return out


# ---- configured KPI list --------------------------------------------------------------------------------

DEFAULT_KPI_CONFIG = Path(__file__).resolve().parents[1] / "kolada_kpis.yaml"
# Accepted values per KPI unit, inclusive (the units sources/kolada_kpis.yaml may use). A fetched value outside
# its range, or not a finite number, is rejected with a warning and the cell keeps its earlier value.
UNIT_RANGES: dict[str, tuple[float, float]] = {
    "procent": (0.0, 100.0),
    "poäng": (0.0, 340.0),  # meritvärde, 17 ämnen
    "antal": (0.0, 1_000_000.0),
    "kr": (0.0, 10_000_000.0),  # kr per elev is ~100,000: the cap only stops absurd answers
    "index": (0.0, 100.0),
}
# KPIs whose values leave their unit's range by definition (SALSA deviations are differences, so negative).
# A meritvärde over 16 subjects, if configured, belongs here with (0, 320).
KPI_RANGES: dict[str, tuple[float, float]] = {
    "U15414": (-100.0, 100.0),  # procentenheter
    "U15416": (-340.0, 340.0),  # meritpoäng
}
UNITS = tuple(UNIT_RANGES)
_KPI_ID = re.compile(r"^[NU]\d{5}$")
_KPI_KEYS = {"id", "title", "unit", "higher_is_better", "group", "ou_data", "period"}
# What Kolada's integer year of a KPI stands for (sources/kolada_kpis.yaml; dbt macro kolada_period_label).
PERIODS = ("läsår", "hösten", "kalenderår")


class KpiConfigError(ValueError):
    """The KPI list file is malformed; the message names the file, the entry and the problem."""


@dataclass(frozen=True)
class KpiConfig:
    id: str
    title: str
    unit: str
    higher_is_better: bool | None
    group: str
    ou_data: bool = False  # also fetch per organisational unit (/oudata)
    period: str = PERIODS[0]

    @property
    def value_range(self) -> tuple[float, float]:
        """The inclusive range a published value of this KPI must lie in."""
        return KPI_RANGES.get(self.id, UNIT_RANGES[self.unit])


def load_kpi_config(path: str | Path = DEFAULT_KPI_CONFIG) -> list[KpiConfig]:
    """The configured Kolada KPIs from YAML (`kpis:` list), validated; raises KpiConfigError on a bad file."""
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise KpiConfigError(f"{path}: kan inte läsas / cannot be read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise KpiConfigError(f"{path}: ogiltig YAML / invalid YAML ({exc})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("kpis"), list) or not doc["kpis"]:
        raise KpiConfigError(f"{path}: förväntade en icke-tom lista 'kpis' / expected a non-empty 'kpis' list")
    out: list[KpiConfig] = []
    for n, entry in enumerate(doc["kpis"], start=1):
        out.append(_kpi_entry(entry, f"{path}: kpis[{n}]"))
    dupes = sorted({k.id for k in out if sum(o.id == k.id for o in out) > 1})
    if dupes:
        raise KpiConfigError(f"{path}: id förekommer flera gånger / duplicate ids: {', '.join(dupes)}")
    return out


def _kpi_entry(entry: Any, where: str) -> KpiConfig:
    if not isinstance(entry, dict):
        raise KpiConfigError(f"{where}: ska vara ett objekt / must be a mapping")
    unknown = set(entry) - _KPI_KEYS
    if unknown:
        raise KpiConfigError(f"{where}: okända fält / unknown keys: {', '.join(sorted(map(str, unknown)))}")
    kid = entry.get("id")
    if not isinstance(kid, str) or not _KPI_ID.match(kid):
        raise KpiConfigError(f"{where}: id {kid!r} är inte ett Kolada-id som N15505 / is not a Kolada id")
    for key in ("title", "group"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise KpiConfigError(f"{where} ({kid}): '{key}' saknas / '{key}' is missing")
    if entry.get("unit") not in UNITS:
        raise KpiConfigError(f"{where} ({kid}): unit {entry.get('unit')!r} ska vara en av / must be one of {UNITS}")
    if "higher_is_better" not in entry or entry["higher_is_better"] not in (True, False, None):
        raise KpiConfigError(f"{where} ({kid}): higher_is_better ska vara true, false eller null / true|false|null")
    ou_data = entry.get("ou_data", False)
    if not isinstance(ou_data, bool):
        raise KpiConfigError(f"{where} ({kid}): ou_data ska vara true eller false / must be true or false")
    period = entry.get("period", PERIODS[0])
    if period not in PERIODS:
        raise KpiConfigError(f"{where} ({kid}): period {period!r} ska vara en av / must be one of {PERIODS}")
    return KpiConfig(
        kid, entry["title"].strip(), entry["unit"], entry["higher_is_better"], entry["group"], ou_data, period
    )
