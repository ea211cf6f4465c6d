"""Provenance of figures taken from the serving snapshot: what an export's "Om underlaget" sheet says, and
what a report can print under a figure.

Everything here is read from the snapshot itself — its run id and publication time, the national sources'
data dates and fetch times (served table `data_freshness`), the municipality's own files' load times
(`data_quality_files`, per folder only), the disclosure thresholds applied (the served `min_n` columns;
declared as dbt vars min_pupils / min_respondents), the indicators' definitions (`indicators`) — so the same
snapshot always gives the same text, whenever it is written.

    prov = build_provenance(snapshot, selection, tables)
    prov.sections()          # [Section(title, header, rows)] for a sheet or a csv
    prov.as_dict()           # for json (the parquet export, the archive)
    source_line(prov, "kolada")   # 'Källa: Kolada (RKA), data t.o.m. 2024-12-12, hämtad 2026-12-01 kl. 18:43'
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from skolanalys import disclosure
from skolanalys.exports import labels
from skolanalys.exports.catalogue import NAMED_EXPORTS, PERIOD_NAMES
from skolanalys.exports.selection import ExportTable, Selection, school_year
from skolanalys.exports.snapshot import Snapshot, SnapshotInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")
KOLADA_ATTRIBUTION = "Källa: Kolada (RKA), licens CC BY 4.0."

# The national sources as data_freshness names them, in Swedish.
SOURCE_NAMES = {
    "kolada": "Kolada (RKA): kommunernas nyckeltal",
    "kolada_groups": "Kolada (RKA): liknande kommuner",
    "kolada_oudata": "Kolada (RKA): skolenheternas nyckeltal",
    "skolenhetsregistret": "Skolverket: Skolenhetsregistret",
    "planned_educations": "Skolverket: planerade utbildningar (skolenheternas statistik)",
}


def swedish_time(value) -> str:
    """A moment in Swedish time and date format: '2026-12-01 kl. 18:44'. Naive times are UTC (the pipeline
    writes UTC); '' for none."""
    if value is None or value == "":
        return ""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(STOCKHOLM).strftime("%Y-%m-%d kl. %H:%M")


def swedish_date(value) -> str:
    """A date as '2024-12-12'; '' for none."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)[:10]


@dataclass(frozen=True)
class SourceVintage:
    """A national source's vintage: its newest data and when it was last fetched."""

    source: str
    name: str
    data_as_of: str  # date, '' when never fetched
    last_fetch: str  # Swedish time, '' when never fetched
    last_attempt_ok: bool | None
    message: str


@dataclass(frozen=True)
class Section:
    """A block of "Om underlaget": a title, an optional header row and rows of texts."""

    title: str
    header: tuple[str, ...] | None
    rows: list[tuple[str, ...]]


@dataclass
class Provenance:
    info: SnapshotInfo
    kommun: str
    sources: list[SourceVintage]
    own_files: list[tuple[str, str]]  # landing folder, last loaded (Swedish time)
    min_pupils: int
    min_respondents: int
    selection_rows: list[tuple[str, str]]
    tables: list[tuple[str, str, str, int]]  # sheet name, served table, description, rows
    indicators: list[tuple[str, str, str, str, str]]  # id, title, unit, definition, source
    kolada: bool
    extra: dict = field(default_factory=dict)

    @property
    def published_sv(self) -> str:
        return swedish_time(self.info.published_at)

    def vintages(self) -> dict[str, dict]:
        """The national data vintages, for the archive: source → data date and fetch time."""
        return {
            s.source: {"data_as_of": s.data_as_of, "last_fetch": s.last_fetch, "ok": s.last_attempt_ok}
            for s in self.sources
        }

    def suppression_rules(self) -> list[tuple[str, str]]:
        return [
            (
                "Färre än gränsen",
                f"Värden från färre än {self.min_pupils} elever ({self.min_respondents} svarande i enkäter) visas "
                "inte: värde och antal är tomma i serveringsfilen och skrivs '..'.",
            ),
            (
                "Kompletterande skydd",
                "Ett värde döljs också ('..') när det annars skulle kunna räknas fram ur de visade: kön inom "
                "totalen, skolenheter inom kommunen, årskurser inom 'alla', perioder inom läsåret.",
            ),
            (
                "Publicerade siffror",
                "Koladas, Skolverkets och Skolinspektionens siffror visas som de publicerats, med utgivarens "
                "egen status.",
            ),
            ("Regler", "docs/disclosure.md; dbt/macros/disclosure_control.sql"),
        ]

    def sections(self) -> list[Section]:
        """Everything "Om underlaget" says, in order."""
        out = [
            Section("Urval", None, list(self.selection_rows)),
            Section(
                "Ögonblicksbild (serveringsfilen)",
                None,
                [
                    ("Körning (run id)", self.info.run_id),
                    ("Publicerad", f"{self.published_sv} (svensk tid)"),
                    ("Kommun", f"{self.kommun} ({self.info.kommunkod})" if self.kommun else self.info.kommunkod),
                ],
            ),
            Section(
                "Nationella källor",
                ("Källa", "Data till och med", "Senast hämtad (svensk tid)", "Senaste försöket"),
                [
                    (s.name, s.data_as_of or "aldrig hämtad", s.last_fetch or "aldrig", s.message or "")
                    for s in self.sources
                ],
            ),
        ]
        if self.own_files:
            out.append(Section("Kommunens egna filer", ("Mapp", "Senast inläst (svensk tid)"), list(self.own_files)))
        out.append(Section("Röjandekontroll", None, self.suppression_rules()))
        legend = [
            (code, text.format(pupils=self.min_pupils, respondents=self.min_respondents))
            for code, text in labels.CODE_LEGEND
        ]
        out.append(Section("Teckenförklaring", ("Tecken", "Betydelse"), legend))
        out.append(
            Section(
                "Tabeller",
                ("Blad", "Innehåll", "Tabell i serveringsfilen", "Rader"),
                [(sheet, text, table, str(rows)) for sheet, table, text, rows in self.tables],
            )
        )
        if self.indicators:
            out.append(
                Section("Indikatorer", ("Id", "Indikator", "Enhet", "Definition", "Källa"), list(self.indicators))
            )
        if self.kolada:
            out.append(Section("Källa", None, [("Kolada", KOLADA_ATTRIBUTION)]))
        return out

    def as_dict(self) -> dict:
        raw = asdict(self)
        raw["info"] = asdict(self.info)
        raw["published_sv"] = self.published_sv
        raw["sections"] = [asdict(s) for s in self.sections()]
        return raw


def source_line(provenance: Provenance, source: str) -> str:
    """One line for under a figure: the source, its data date and fetch time."""
    found = next((s for s in provenance.sources if s.source == source), None)
    name = "Källa: Kolada (RKA)" if source.startswith("kolada") else f"Källa: {SOURCE_NAMES.get(source, source)}"
    if found is None or not found.data_as_of:
        return name
    return f"{name}, data t.o.m. {found.data_as_of}, hämtad {found.last_fetch}"


def national_sources(snapshot: Snapshot) -> list[SourceVintage]:
    """The served data_freshness rows as vintages (none when the snapshot has no such table)."""
    if "data_freshness" not in snapshot.tables():
        return []
    rows = snapshot.read("data_freshness").to_pylist()
    return [
        SourceVintage(
            source=r["source"],
            name=SOURCE_NAMES.get(r["source"], r["source"]),
            data_as_of=swedish_date(r.get("data_as_of")),
            last_fetch=swedish_time(r.get("last_successful_fetch")),
            last_attempt_ok=r.get("last_attempt_ok"),
            message=r.get("last_attempt_message") or "",
        )
        for r in sorted(rows, key=lambda r: r["source"])
    ]


def own_files(snapshot: Snapshot) -> list[tuple[str, str]]:
    """Per landing folder, when a file was last loaded (no file names: every role may see this)."""
    if "data_quality_files" not in snapshot.tables():
        return []
    rows = snapshot.query(
        "select folder, max(loaded_at) from data_quality_files where loaded_at is not null group by folder"
        " order by folder"
    )
    return [(folder, swedish_time(loaded)) for folder, loaded in rows]


def thresholds(snapshot: Snapshot) -> tuple[int, int]:
    """The disclosure thresholds the snapshot applied: (pupils, survey respondents)."""
    tables = set(snapshot.tables())
    pupils = respondents = None
    if "indicator_values" in tables:
        surveys = (
            " and indicator_id not in (select indicator_id from indicators where topic = 'enkater')"
            if "indicators" in tables
            else ""
        )
        pupils = snapshot.query(f"select max(min_n) from indicator_values where source = 'local'{surveys}")[0][0]
    if "survey_results" in tables:
        respondents = snapshot.query("select min(min_n) from survey_results")[0][0]
    # A snapshot with no cell to read a threshold from: the declared one (dbt/dbt_project.yml).
    declared = disclosure.thresholds()
    return int(pupils or declared.pupils), int(respondents or declared.respondents)


def kommun_name(snapshot: Snapshot, kommunkod: str) -> str:
    if "indicator_values" not in snapshot.tables() or not kommunkod:
        return ""
    found = snapshot.query(
        "select any_value(unit_name) from indicator_values where level = 'kommun' and unit_code = ?", [kommunkod]
    )
    return (found[0][0] or "") if found else ""


def _ids(table: ExportTable) -> set[str]:
    columns = table.rows.column_names
    for column in ("indicator_id", "kpi_id"):
        if column in columns:
            return {v for v in table.rows.column(column).to_pylist() if v}
    return set()


def has_kolada(table: ExportTable) -> bool:
    """Whether the exported rows hold figures from Kolada (then 'Källa: Kolada (RKA)' goes with them)."""
    rows, name = table.rows, table.name
    if rows.num_rows == 0:
        return False
    if name == "benchmarking":
        return True
    for column in ("source", "official_source", "value_source"):
        if column in rows.column_names and "kolada" in set(rows.column(column).to_pylist()):
            return True
    if "publisher" in rows.column_names:
        return any("Kolada" in (v or "") for v in rows.column("publisher").to_pylist())
    if name == "indicators" and "source" in rows.column_names:
        return "kolada" in set(rows.column("source").to_pylist())
    return False


def selection_rows(selection: Selection, units: dict[str, str] | None = None) -> list[tuple[str, str]]:
    rows = [("Export", selection.title())]
    if selection.export_for:
        named = NAMED_EXPORTS[selection.export_for]
        rows.append(("Används till", f"{named.title}: {named.when}"))
    if selection.year:
        rows.append(("År", f"{selection.year} = läsår {school_year(selection.year)} (kalenderåret då läsåret slutar)"))
        windows = sorted({p.years for p in selection.picks if p.years})
        if any(w > 1 for w in windows):
            rows.append(
                (
                    "Tidsserier",
                    f"upp till {max(windows)} år bakåt: {selection.year - max(windows) + 1}–"
                    f"{selection.year} (se tabellerna nedan)",
                )
            )
    else:
        rows.append(("År", "alla år i serveringsfilen"))
    if selection.periods:
        rows.append(("Perioder", ", ".join(PERIOD_NAMES[p] for p in selection.periods)))
    level = {"kommun": "kommunen (med riket och liknande kommuner)", "skolor": "kommunen och alla skolenheter"}
    if selection.level == "skolenhet":
        name = (units or {}).get(selection.unit or "", "")
        rows.append(("Nivå", f"skolenhet {selection.unit}{' ' + name if name else ''} (med kommunen och riket)"))
    else:
        rows.append(("Nivå", level.get(selection.level, selection.level)))
    if selection.role:
        scope = "alla skolenheter" if selection.units is None else "skolenheterna " + ", ".join(selection.units)
        rows.append(("Behörighet", f"rollen {selection.role}: {scope}, som på instrumentpanelen"))
    return rows


def build_provenance(
    snapshot: Snapshot, selection: Selection, tables: list[ExportTable], units: dict[str, str] | None = None
) -> Provenance:
    """What "Om underlaget" says about an export of `tables` from `snapshot` by `selection`."""
    ids: set[str] = set()
    for table in tables:
        ids |= _ids(table)
    definitions: list[tuple[str, str, str, str, str]] = []
    if ids and "indicators" in snapshot.tables():
        catalogue = snapshot.read("indicators").to_pylist()
        for row in sorted(catalogue, key=lambda r: (r.get("sort_order") or 0, r["indicator_id"])):
            if row["indicator_id"] in ids:
                source = "Kolada (RKA)" if row.get("source") == "kolada" else "egen beräkning"
                definitions.append(
                    (
                        row["indicator_id"],
                        row.get("title_sv") or "",
                        row.get("unit") or "",
                        row.get("description") or "",
                        source,
                    )
                )
    pupils, respondents = thresholds(snapshot)
    return Provenance(
        info=snapshot.info,
        kommun=kommun_name(snapshot, snapshot.info.kommunkod),
        sources=national_sources(snapshot),
        own_files=own_files(snapshot),
        min_pupils=pupils,
        min_respondents=respondents,
        selection_rows=selection_rows(selection, units),
        tables=[(labels.sheet_name(t.name), t.name, labels.table_description(t.name), t.rows.num_rows) for t in tables],
        indicators=definitions,
        kolada=any(has_kolada(t) for t in tables),
    )
