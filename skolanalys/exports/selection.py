"""What an export holds: the named exports of the year's wheel (`--for`), or served tables picked by name
(`--tabeller`), for a year, a period and a level. The named exports, levels and periods are declared once in
catalogue.py and documented in docs/exports.md.

A selection is resolved against the snapshot (the latest year, the school unit's existence) into a
`Selection` — the tables with their year window, topics and periods, the level and, for the dashboard, the
role whose rows it holds — which the archive stores with the export so that `--diff` reads today's snapshot
with exactly the same selection.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import pyarrow as pa

from skolanalys.exports.catalogue import LEVEL_TEXT, LEVELS, NAMED_EXPORTS, PERIOD_NAMES, ExportError, TablePick
from skolanalys.exports.snapshot import Snapshot, simple_type
from skolanalys.exports.tables import spec
from skolanalys.school_year import school_year_text


@dataclass(frozen=True)
class Selection:
    """A resolved selection, stored with the export (JSON) so --diff can repeat it on today's snapshot."""

    picks: tuple[TablePick, ...]
    year: int | None  # None: every year
    level: str = "skolor"
    unit: str | None = None
    export_for: str | None = None
    page: str | None = None  # the dashboard page it was downloaded from
    role: str | None = None  # the dashboard user's role (None: the command line, everything)
    units: tuple[str, ...] | None = None  # the role's school units (None: all)
    periods: tuple[int, ...] | None = None  # --period, when given
    data_quality: bool = True  # the role may see the data-quality tables (the command line: yes)

    @property
    def tables(self) -> tuple[str, ...]:
        return tuple(p.table for p in self.picks)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Selection:
        raw = json.loads(text)
        picks = tuple(
            TablePick(
                table=p["table"],
                years=p.get("years"),
                topics=tuple(p["topics"]) if p.get("topics") is not None else None,
                periods=tuple(p["periods"]) if p.get("periods") is not None else None,
            )
            for p in raw["picks"]
        )
        tuples = {k: tuple(raw[k]) if raw.get(k) is not None else None for k in ("units", "periods")}
        return cls(
            picks=picks,
            year=raw.get("year"),
            level=raw.get("level", "skolor"),
            unit=raw.get("unit"),
            export_for=raw.get("export_for"),
            page=raw.get("page"),
            role=raw.get("role"),
            data_quality=raw.get("data_quality", True),
            **tuples,
        )

    def title(self) -> str:
        """In Swedish: 'Årsbokslut, 2025 (läsår 2024/25), kommunen', 'Tabeller, alla år, skolenhet 12345678'."""
        if self.export_for:
            what = NAMED_EXPORTS[self.export_for].title
        elif self.page:
            what = f"Instrumentpanelen, sidan {self.page}"
        else:
            what = "Tabeller"
        year = f"{self.year} (läsår {school_year(self.year)})" if self.year else "alla år"
        level = f"skolenhet {self.unit}" if self.level == "skolenhet" else LEVEL_TEXT.get(self.level, self.level)
        return f"{what}, {year}, {level}"


school_year = school_year_text  # the exports' name for it


def parse_year(text: str | None) -> int | None | str:
    """'2025', '2024/25' or '2024/2025' → 2025; 'alla' → None; None/'' → 'latest'."""
    if text is None or text.strip() == "":
        return "latest"
    text = text.strip().lower()
    if text in ("alla", "alla-ar", "alla år"):
        return None
    if re.fullmatch(r"\d{4}", text):
        return int(text)
    found = re.fullmatch(r"(\d{4})/(\d{2}|\d{4})", text)
    if found:
        first, second = int(found.group(1)), found.group(2)
        end = int(second) if len(second) == 4 else (first + 1)
        if end == first + 1 and (len(second) == 4 or int(second) == (first + 1) % 100):
            return end
    raise ExportError(f"ogiltigt år {text!r}: skriv ett kalenderår (2025), ett läsår (2024/25) eller 'alla'")


def parse_periods(text: str | None) -> tuple[int, ...] | None:
    """'1,2' → (1, 2); 'hela' → (0,); None → None."""
    if not text:
        return None
    periods = []
    for part in text.replace(" ", "").lower().split(","):
        value = {"hela": 0, "helaar": 0, "hela-lasaret": 0}.get(part, part)
        try:
            number = int(value)
        except ValueError:
            number = -1
        if number not in PERIOD_NAMES:
            raise ExportError(f"ogiltig period {part!r}: välj 1, 2, 3 eller 0 (hela läsåret), t.ex. --period 1,2")
        periods.append(number)
    return tuple(sorted(set(periods)))


def _year_condition(year_column: str, years: int, year: int) -> tuple[str, list]:
    first = year - years + 1
    if year_column == "school_year":
        return "(cast(substr(school_year, 1, 4) as integer) + 1) between ? and ?", [first, year]
    if year_column == "cohort":  # the pooled row of all cohorts goes with every year
        return "(cohort is null or cohort between ? and ?)", [first, year]
    return f'"{year_column}" between ? and ?', [first, year]


def conditions(snapshot: Snapshot, pick: TablePick, selection: Selection) -> tuple[str, list]:
    """The SQL condition (and parameters) that reads `pick` for `selection` from the snapshot."""
    table_spec = spec(pick.table)
    columns = set(snapshot.columns(pick.table))
    parts: list[str] = []
    params: list = []
    if selection.year is not None and pick.years is not None and table_spec.year in columns:
        sql, values = _year_condition(table_spec.year, pick.years, selection.year)
        parts.append(sql)
        params += values
    if pick.topics is not None:
        marks = ", ".join("?" for _ in pick.topics)
        if pick.table == "indicators":
            parts.append(f"topic in ({marks})")
        else:
            parts.append(f"indicator_id in (select indicator_id from indicators where topic in ({marks}))")
        params += list(pick.topics)
    periods = selection.periods if selection.periods is not None else pick.periods
    if periods is not None and "period" in columns:
        parts.append(f"period in ({', '.join('?' for _ in periods)})")
        params += list(periods)
    has_level = "level" in columns
    unit = next((c for c in ("unit_code", table_spec.unit) if c in columns), None) if table_spec.unit else None
    if selection.level == "kommun" and unit:
        # the school units' rows stay out; kommun, riket and liknande kommuner stay (tables with a level)
        parts.append("level <> 'skolenhet'" if has_level else "false")
    elif selection.level == "skolenhet" and unit:
        parts.append(f"(level <> 'skolenhet' or \"{unit}\" = ?)" if has_level else f'"{unit}" = ?')
        params.append(selection.unit)
    return " and ".join(parts), params


@dataclass
class ExportTable:
    """One table of an export: its rows as served and each column's kind (int, float, bool, timestamp, date,
    text)."""

    name: str
    rows: pa.Table
    kinds: dict[str, str] = field(default_factory=dict)


def read_selection(
    snapshot: Snapshot, selection: Selection, row_filter: Callable[[str, pa.Table], pa.Table] | None = None
) -> list[ExportTable]:
    """The selection's tables from the snapshot, in the selection's order. `row_filter(table, rows)` narrows
    the rows further (the dashboard: to the rows the user's role may see)."""
    out = []
    for pick in selection.picks:
        if pick.table not in snapshot.tables():
            continue  # an older snapshot without the table
        if selection.level == "kommun" and school_units_only(snapshot, pick.table):
            continue  # a table of school units only has nothing at level kommun
        where, params = conditions(snapshot, pick, selection)
        rows = snapshot.read(pick.table, where, params)
        if row_filter is not None:
            rows = row_filter(pick.table, rows)
        kinds = {name: simple_type(dtype) for name, dtype in snapshot.column_types(pick.table)}
        out.append(ExportTable(pick.table, rows, kinds))
    return out


def school_units_only(snapshot: Snapshot, table: str) -> bool:
    """Whether every row of the table is a school unit's (a unit column and no level column)."""
    columns = snapshot.columns(table)
    return (
        spec(table).unit is not None
        and "level" not in columns
        and any(c in columns for c in ("unit_code", spec(table).unit))
    )


def latest_year(snapshot: Snapshot, picks: tuple[TablePick, ...]) -> int | None:
    """The newest year any of the picked tables holds (for the local indicators, the newest own computation)."""
    years = []
    present = set(snapshot.tables())
    for pick in picks:
        if pick.table not in present or pick.years is None:
            continue
        column = spec(pick.table).year
        if column not in snapshot.columns(pick.table):
            continue
        expression = "cast(substr(school_year, 1, 4) as integer) + 1" if column == "school_year" else f'"{column}"'
        where, params = "", []
        if pick.topics is not None and pick.table == "indicator_values":
            marks = ", ".join("?" for _ in pick.topics)
            where = f" where indicator_id in (select indicator_id from indicators where topic in ({marks}))"
            params = list(pick.topics)
        found = snapshot.query(f'select max({expression}) from "{pick.table}"{where}', params)[0][0]
        if found is not None:
            years.append(int(found))
    return max(years) if years else None


def school_units(snapshot: Snapshot) -> dict[str, str]:
    """Every school unit the snapshot serves rows for: skolenhetskod → name."""
    units: dict[str, str] = {}
    present = set(snapshot.tables())
    for table in ("indicator_values", "attendance_by_period", "value_added", "goal_results", "salsa_comparison"):
        if table not in present:
            continue
        columns = snapshot.columns(table)
        name = "unit_name" if "unit_name" in columns else "null"
        level = "where level = 'skolenhet'" if "level" in columns else ""
        for code, unit_name in snapshot.query(f"select distinct unit_code, {name} from {table} {level}"):
            if code is not None and (str(code) not in units or not units[str(code)]):
                units[str(code)] = unit_name or ""
    return units


def resolve(
    snapshot: Snapshot,
    *,
    export_for: str | None = None,
    tables: list[str] | None = None,
    year: str | None = None,
    level: str | None = None,
    unit: str | None = None,
    period: str | None = None,
    served: tuple[str, ...] = (),
) -> Selection:
    """The command line's options as a Selection checked against the snapshot; ExportError for what the user
    can fix. `served`: the tables that may be exported (the snapshot's: pipelines/assets/serving.py publishes
    only SERVED_TABLES)."""
    if export_for and tables:
        raise ExportError("välj antingen --for eller --tabeller, inte båda")
    if export_for:
        if export_for not in NAMED_EXPORTS:
            raise ExportError(f"okänd export {export_for!r}; välj en av {', '.join(NAMED_EXPORTS)}")
        picks = NAMED_EXPORTS[export_for].tables
    elif tables:
        unknown = [t for t in tables if t not in served]
        if unknown:
            raise ExportError(f"okänd tabell {unknown[0]!r}; serverade tabeller: {', '.join(sorted(served))}")
        picks = tuple(TablePick(t, years=1) for t in dict.fromkeys(tables))
    else:
        raise ExportError(
            "ange vad som ska exporteras: --for arsbokslut|delarsrapport-4|delarsrapport-8|"
            "kvalitetsrapport, eller --tabeller a,b,c"
        )
    present = set(snapshot.tables())
    picks = tuple(p for p in picks if p.table in present)
    if unit and not level:
        level = "skolenhet"
    level = level or ("skolor" if tables else "kommun")
    if level not in LEVELS:
        raise ExportError(f"okänd nivå {level!r}; välj kommun, skolor eller skolenhet")
    if level == "skolenhet":
        if not unit:
            raise ExportError("--niva skolenhet behöver --skolenhet KOD (skolenhetskoden, 8 siffror)")
        known = school_units(snapshot)
        if unit not in known:
            examples = ", ".join(f"{c} ({n})" for c, n in sorted(known.items())[:3])
            raise ExportError(
                f"okänd skolenhet {unit!r}: serveringsfilen har ingen skolenhet med den koden"
                + (f" (t.ex. {examples})" if examples else "")
            )
    elif unit:
        raise ExportError("--skolenhet gäller bara --niva skolenhet")
    wanted = parse_year(year)
    resolved_year = latest_year(snapshot, picks) if wanted == "latest" else wanted
    return Selection(
        picks=picks,
        year=resolved_year,
        level=level,
        unit=unit if level == "skolenhet" else None,
        export_for=export_for,
        periods=parse_periods(period),
    )
