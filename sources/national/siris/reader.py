"""One reader for Skolverket's SIRIS exports (CSV and Excel) at skolenhet, kommun and riket level, long format.

A SIRIS export is a sheet of text: a preamble (source line, title `Grundskola - <rapport>`, `Valt läsår:
2024/25`, sometimes `Typ av huvudman: Kommunal`, a subject, or notes), the header — one row whose first
cell is `Skola`, `Kommun` or `Riket`, sometimes with a row of group labels above it (the measure above
Totalt/Flickor/Pojkar, or Flickor/Pojkar above the measures) —, the table, a blank line and a free-text
report description. CSV files are UTF-8 with BOM (cp1252 is accepted too), `;`-separated, decimal comma;
an Excel workbook has a sheet per table (sheets without a table, e.g. `Rapportbeskrivning och def.`, are
passed over). Skolverket's riksnivå table (`Grundskolan – Betyg och Prov – Riksnivå`) is read too: its rows
are school years, then the latest year's huvudman and background groups.

The report is recognised by its title, the columns by their normalised headers (reports.py declares both);
a file that is neither raises SirisFormatError naming the file (the asset records it as not recognised).
Every table line yields one row per value column; a cell that cannot be read is quarantined with its line,
and a line that cannot be read quarantines all of its cells, so rows_in = loaded + quarantined. For Excel
the line is the row of the sheet counted from its first used row (= the Excel row number in SIRIS's
exports, which start in A1) and the quarantined column is named `<blad>: <rubrik>`.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from skolanalys.dbt_sources import polars_schema
from sources.national.codes import parse_swedish_number
from sources.national.siris.reports import (
    ANCHORS,
    GENDERS,
    IDENTITY,
    LEVEL_KEYS,
    REPORTS,
    Report,
    find_report,
    normalise_header,
)
from sources.result import QUARANTINE_SCHEMA, LoadResult


class SirisFormatError(ValueError):
    """The file is not a SIRIS export this reader knows; the message names the file and says why (Swedish)."""


# The landed table (dbt source siris.unit_statistics): the rows and the file they came from.
TABLE_SCHEMA = polars_schema("siris.unit_statistics")
ROWS_SCHEMA = polars_schema("siris.unit_statistics", without=("source_file",))
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
SUFFIXES = (".csv", *EXCEL_SUFFIXES)

_LINE_FIELDS = [f for f in IDENTITY.values() if f not in ("riket", "row_label")]


# ---- the file as rows of cells ------------------------------------------------------------------------------


@dataclass
class _Grid:
    sheet: str | None  # None for CSV
    rows: list[list[str | None]]
    lines: list[int]  # 1-based line (CSV) or sheet row (Excel) of each row
    raw: list[str]  # each row as read, for the quarantine

    @property
    def is_csv(self) -> bool:
        return self.sheet is None

    def where(self, name: str) -> str:
        return name if self.is_csv else f"{name} [{self.sheet}]"


def _text(cell: str | None) -> str:
    return "" if cell is None else str(cell).strip()


def _blank(row: list[str | None]) -> bool:
    return not any(_text(c) for c in row)


def _csv_grid(path: Path) -> tuple[_Grid, list[str]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
        messages = []
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
        messages = [f"{path.name}: inte UTF-8, läst som cp1252"]
    lines = text.splitlines()
    rows = [next(csv.reader([line], delimiter=";")) if line else [] for line in lines]
    return _Grid(None, rows, list(range(1, len(lines) + 1)), lines), messages


def _excel_grids(path: Path) -> list[_Grid]:
    import fastexcel

    try:
        workbook = fastexcel.read_excel(path)
        grids = []
        for name in workbook.sheet_names:
            frame = workbook.load_sheet_by_name(name, header_row=None, dtypes="string").to_polars()
            rows = [list(r) for r in frame.iter_rows()]
            raw = [";".join(_text(c) for c in r).rstrip(";") for r in rows]
            grids.append(_Grid(name, rows, list(range(1, len(rows) + 1)), raw))
    except Exception as exc:  # fastexcel raises its own error types for a broken or foreign file
        raise SirisFormatError(f"{path.name}: kan inte läsas som Excel-arbetsbok ({exc})") from exc
    return grids


# ---- recognising the table ------------------------------------------------------------------------------


def _find_anchor(grid: _Grid) -> int | None:
    for i, row in enumerate(grid.rows):
        if row and normalise_header(_text(row[0])) in ANCHORS:
            return i
    return None


def _title_row(grid: _Grid, top: int) -> int | None:
    return next(
        (i for i in range(top) if grid.rows[i] and " - " in _text(grid.rows[i][0]).replace("\u2013", "-")), None
    )


def _has_title(grid: _Grid, top: int) -> bool:
    return _title_row(grid, top) is not None


def _recognise(name: str, grid: _Grid, top: int) -> tuple[Report, int]:
    """(report, index of the title row) from the 'Grundskola - <rapport>' line above the table."""
    title = _title_row(grid, top)
    if title is None:
        raise SirisFormatError(f"{grid.where(name)}: ingen rapportrubrik 'Grundskolan - …' före rubrikraden")
    text = _text(grid.rows[title][0])
    form, _, report_name = (normalise_header(part) for part in text.replace("\u2013", "-").partition(" - "))
    report = find_report(report_name)
    if form not in ("grundskola", "grundskolan") or report is None:
        known = ", ".join(f"'{r.titles[0]}'" for r in REPORTS)
        raise SirisFormatError(
            f"{grid.where(name)}, rad {grid.lines[title]}: okänd SIRIS-rapport '{text}' (kända: grundskola – {known})"
        )
    return report, title


def _school_year(text: str) -> tuple[str, int] | None:
    m = re.match(r"^(\d{4})/(\d{2}|\d{4})$", text.strip())
    if m and int(m.group(2)) % 100 == (int(m.group(1)) + 1) % 100:
        start = int(m.group(1))
        return f"{start}/{(start + 1) % 100:02d}", start + 1
    return None


@dataclass
class _Preamble:
    chosen: tuple[str, int] | None = None  # 'Valt läsår'
    chosen_line: int | None = None
    organiser: str | None = None  # 'Typ av huvudman: …' above the table
    subject: str | None = None  # a single cell between the title and 'Valt läsår' (a sheet per subject)
    bad_year: bool = False


def _preamble(grid: _Grid, title: int, top: int) -> _Preamble:
    found = _Preamble()
    for i in range(title + 1, top):
        first = _text(grid.rows[i][0]) if grid.rows[i] else ""
        key, sep, value = first.partition(":")
        key = normalise_header(key)
        if sep and key == "valt läsår":
            found.chosen = _school_year(value)
            found.bad_year = found.chosen is None
            found.chosen_line = i
        elif sep and key == "typ av huvudman":
            found.organiser = value.strip() or None
        elif (
            first
            and found.chosen_line is None
            and found.subject is None
            and not any(_text(c) for c in grid.rows[i][1:])
            and not key.startswith("statistik från")
        ):
            found.subject = first
    return found


def _numeric(text: str) -> bool:
    return bool(re.fullmatch(r"[\d\s.,~]+", text)) and any(ch.isdigit() for ch in text)


def _header_block(grid: _Grid, head: int, title: int) -> tuple[int, int]:
    """(first, last) row of the header: the anchor row and a group row directly above it (first cell empty);
    in the riksnivå tables (anchor 'Läsår / Huvudman / Bakgrund') also the rows below it, down to the first
    row with a label in the first column, that hold header words only (blank rows between them included)."""
    rows = grid.rows
    top = head
    above = head - 1
    if above > title and not _blank(rows[above]) and not _text(rows[above][0]):
        top = above
    bottom = head
    if IDENTITY.get(normalise_header(_text(rows[head][0]))) == "row_label":
        while bottom + 1 < len(rows):
            row = rows[bottom + 1]
            if (row and _text(row[0])) or any(_numeric(_text(c)) for c in row):
                break
            bottom += 1
        while bottom > head and _blank(rows[bottom]):
            bottom -= 1
    return top, bottom


@dataclass
class _Column:
    position: int
    header: str  # as published, for the quarantine and messages
    measure: str | None  # None: named by the row (Uppgift) or by the subject column
    gender: str | None
    school_year: tuple[str, int] | None  # a year column


@dataclass
class _Header:
    identity: dict[str, int]
    columns: list[_Column]
    level: str
    subject_measure: str | None = None


def _ffill(row: list[str | None], width: int) -> list[str]:
    out, last = [], ""
    for i in range(width):
        cell = _text(row[i]) if i < len(row) else ""
        last = cell or last
        out.append(last)
    return out


def _map_header(name: str, grid: _Grid, report: Report, top: int, head: int, bottom: int) -> _Header:
    """Identity positions, value columns and the level; unknown or doubled columns are an error."""
    block = [grid.rows[i] for i in range(top, bottom + 1) if not _blank(grid.rows[i])]
    width = max(len(r) for r in block)
    filled = [_ffill(r, width) for r in block]
    anchor = grid.rows[head]
    identity: dict[str, int] = {}
    columns: list[_Column] = []
    unknown: list[str] = []
    seen: dict[tuple, str] = {}
    subject_measure = None
    for pos in range(width):
        if not any(_text(r[pos]) if pos < len(r) else "" for r in block):
            continue  # the empty cell after the trailing ';'
        own = _text(anchor[pos]) if pos < len(anchor) else ""
        key = normalise_header(own)
        if own and (key in IDENTITY or key in report.subject_columns):
            target = IDENTITY.get(key, "subject")
            if key in report.subject_columns:
                subject_measure = report.subject_columns[key]
            if target in identity:
                raise SirisFormatError(f"{grid.where(name)}: kolumnen '{own}' förekommer två gånger i rubrikraden")
            identity[target] = pos
            continue
        texts = [t for t in (f[pos] for f in filled) if t]
        genders = [GENDERS[normalise_header(t)] for t in texts if normalise_header(t) in GENDERS]
        labels = [t for t in texts if normalise_header(t) not in GENDERS]
        label = labels[-1] if labels else ""
        year = _school_year(label) if label else None
        measure = None if year else report.measures.get(normalise_header(label))
        if not year and measure is None:
            unknown.append(label or " / ".join(texts))
            continue
        column = _Column(pos, " / ".join(dict.fromkeys(texts)), measure, genders[-1] if genders else None, year)
        slot = (measure, year, column.gender)
        if slot in seen:
            raise SirisFormatError(f"{grid.where(name)}: kolumnen '{label}' förekommer två gånger i rubrikraden")
        seen[slot] = label
        columns.append(column)
    if "school_unit_code" in identity:
        level = "skolenhet"
    elif "municipality_code" in identity:
        level = "kommun"
    elif "riket" in identity or "row_label" in identity:
        level = "riket"
    else:
        level = "okänd"
    missing = [c for c in LEVEL_KEYS.get(level, ("school_unit_code", "municipality_code")) if c not in identity]
    if unknown or missing:
        raise SirisFormatError(
            f"{grid.where(name)}: rubrikraden passar inte rapporten '{report.key}': "
            f"okända kolumner {unknown}, saknade {missing} – lägg till dem i REPORTS om de är nya namn"
        )
    if not columns:
        raise SirisFormatError(f"{grid.where(name)}: rubrikraden har inga värdekolumner för '{report.key}'")
    if any(c.school_year for c in columns) and "row_measure" not in identity and subject_measure is None:
        raise SirisFormatError(
            f"{grid.where(name)}: årskolumner men ingen kolumn som namnger måttet ('Uppgift') eller ämnet"
        )
    if "row_measure" in identity and not report.row_measures:
        raise SirisFormatError(f"{grid.where(name)}: kolumnen 'Uppgift' hör inte till rapporten '{report.key}'")
    return _Header(identity, columns, level, subject_measure)


# ---- the table ------------------------------------------------------------------------------------------


@dataclass
class _Table:
    meta: list[dict[str, object]] = field(default_factory=list)  # one per loaded line
    cells: list[tuple[int, int, str]] = field(default_factory=list)  # (meta index, column index, raw text)
    bad: list[dict[str, object]] = field(default_factory=list)
    lines: int = 0  # table lines read, loaded or not
    footer: int = 0
    structure: int = 0  # riksnivå rows that only structure the table ('därav', a heading without values)


def _line_problem(grid: _Grid, idx: int, head: int, header: _Header) -> str | None:
    fields = grid.rows[idx]
    if grid.is_csv:
        anchor = grid.rows[head]
        width, trailing = len(anchor), not _text(anchor[-1])
        if trailing and len(fields) == width - 1:
            fields = [*fields, ""]  # a line that lost its trailing ';' is still aligned
        if len(fields) != width:
            return f"fel antal fält: {len(fields)}, väntade {width}"
        if trailing and _text(fields[-1]):
            return f"värde efter sista kolumnen: {fields[-1]!r}"
    ident = header.identity

    def cell(name: str) -> str:
        pos = ident[name]
        return _text(fields[pos]) if pos < len(fields) else ""

    if header.level == "skolenhet" and not re.fullmatch(r"\d{6,10}", cell("school_unit_code")):
        return f"ogiltig skolenhetskod {cell('school_unit_code')!r}"
    if header.level in ("skolenhet", "kommun") and not re.fullmatch(r"\d{4}", cell("municipality_code")):
        return f"ogiltig kommunkod {cell('municipality_code')!r}"
    if "gender" in ident and normalise_header(cell("gender")) not in GENDERS:
        return f"okänt kön {cell('gender')!r} (väntade Flickor, Pojkar eller Samtliga)"
    if "subject" in ident and not cell("subject"):
        return "ämne saknas"
    return None


def _is_stray_data(grid: _Grid, idx: int, head: int, header: _Header) -> bool:
    """A line after the table's end that is a table line (the same width and a code in the key column), not
    the report description that follows the table."""
    fields = grid.rows[idx]
    if grid.is_csv and len(fields) not in (len(grid.rows[head]), len(grid.rows[head]) - 1):
        return False
    key = {"skolenhet": "school_unit_code", "kommun": "municipality_code"}.get(header.level)
    if key is None:
        return False
    pos = header.identity[key]
    return pos < len(fields) and bool(re.fullmatch(r"\d+", _text(fields[pos])))


class _RowLabels:
    """The riksnivå table's first column: a school year starts a year; then huvudman rows, their sub-groups
    and background groups of that year; 'därav' and headings without values only structure the table."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.year: tuple[str, int] | None = None
        self.parent: str | None = None

    def read(self, label: str, has_values: bool) -> dict[str, object] | str | None:
        """The line's year, organiser and breakdown; None for a structure row; a string is a problem."""
        norm = normalise_header(label)
        clean = re.sub(r"\s+", " ", re.sub(r"(?<=[a-zåäöA-ZÅÄÖ])\d\b", "", label)).strip()
        year = _school_year(label)
        if year:
            self.year, self.parent = year, None
            return {"year": year, "organiser_type": "Samtliga", "breakdown": None}
        if norm == "därav" or not has_values:
            return None
        if self.year is None:
            return f"raden '{label}' står före första läsåret"
        if norm in self.report.row_organisers:
            self.parent = self.report.row_organisers[norm]
            return {"year": self.year, "organiser_type": self.parent, "breakdown": None}
        if norm in self.report.organiser_parts and self.parent:
            return {"year": self.year, "organiser_type": self.parent, "breakdown": clean}
        self.parent = None
        return {"year": self.year, "organiser_type": "Samtliga", "breakdown": clean}


def _scan(name: str, grid: _Grid, report: Report, head: int, bottom: int, header: _Header) -> _Table:
    """Walk the table below the header; it ends at the first blank line, the report description follows."""
    table = _Table()
    ident = header.identity
    labels = _RowLabels(report) if "row_label" in ident else None
    positions = [c.position for c in header.columns]
    in_table = True

    def quarantine(idx: int, reason: str) -> None:
        table.bad += [
            {
                "file": name,
                "line": grid.lines[idx],
                "column": c.header if grid.is_csv else f"{grid.sheet}: {c.header}",
                "reason": reason,
                "raw": grid.raw[idx],
            }
            for c in header.columns
        ]

    for idx in range(bottom + 1, len(grid.rows)):
        row = grid.rows[idx]
        if _blank(row):
            in_table = False
            continue
        if not in_table:
            if _is_stray_data(grid, idx, head, header):
                table.lines += 1
                quarantine(idx, "datarad efter tabellens slut (tom rad före)")
            else:
                table.footer += 1
            continue
        meta: dict[str, object] = {}
        if labels is not None:
            has_values = any(_text(row[p]) for p in positions if p < len(row))
            read = labels.read(_text(row[ident["row_label"]]), has_values)
            if read is None:
                table.structure += 1
                continue
            table.lines += 1
            if isinstance(read, str):
                quarantine(idx, read)
                continue
            meta |= read
        else:
            table.lines += 1
        problem = _line_problem(grid, idx, head, header)
        if problem is None and "row_measure" in ident:
            label = _text(row[ident["row_measure"]])
            meta["row_measure"] = report.row_measures.get(normalise_header(label))
            if meta["row_measure"] is None:
                problem = f"okänd uppgift {label!r} – lägg till den i rapportens row_measures om den är ny"
        if problem:
            quarantine(idx, problem)
            continue
        for field_name, pos in ident.items():
            if field_name in ("riket", "row_label", "row_measure"):
                continue
            meta.setdefault(field_name, (_text(row[pos]) if pos < len(row) else "") or None)
        if "gender" in meta:
            meta["gender"] = GENDERS[normalise_header(str(meta["gender"]))]
        meta["source_line"] = grid.lines[idx]
        meta["__raw"] = grid.raw[idx]
        k = len(table.meta)
        table.meta.append(meta)
        table.cells += [(k, j, row[p] if p < len(row) else None) for j, p in enumerate(positions)]
    return table


# ---- the rows -------------------------------------------------------------------------------------------


@dataclass
class _Part:
    report: Report
    rows: pl.DataFrame
    quarantine: pl.DataFrame
    rows_in: int
    messages: list[str]


def _read_grid(name: str, grid: _Grid) -> _Part | None:
    head = _find_anchor(grid)
    if head is None:
        return None
    if not grid.is_csv and not _has_title(grid, head):
        return None  # a sheet of notes ('Rapportbeskrivning och def.') whose text happens to start with 'Kommun'
    report, title = _recognise(name, grid, head)
    top, bottom = _header_block(grid, head, title)
    pre = _preamble(grid, title, top)
    header = _map_header(name, grid, report, top, head, bottom)
    years_elsewhere = any(c.school_year for c in header.columns) or "row_label" in header.identity
    if pre.bad_year or (pre.chosen is None and not years_elsewhere):
        raise SirisFormatError(f"{grid.where(name)}: raden 'Valt läsår: ÅÅÅÅ/ÅÅ' saknas eller är felaktig i förspalten")
    table = _scan(name, grid, report, head, bottom, header)

    meta_schema = {f: pl.Utf8 for f in _LINE_FIELDS} | {
        "row_measure": pl.Utf8,
        "organiser_type": pl.Utf8,
        "breakdown": pl.Utf8,
        "row_school_year": pl.Utf8,
        "row_year": pl.Int32,
        "source_line": pl.Int64,
        "__raw": pl.Utf8,
    }
    for m in table.meta:
        year = m.pop("year", None)
        if year:
            m["row_school_year"], m["row_year"] = year
    meta = pl.DataFrame(table.meta, schema=meta_schema).with_row_index("__line")
    specs = pl.DataFrame(
        {
            "__column": list(range(len(header.columns))),
            "__header": [c.header for c in header.columns],
            "column_measure": [c.measure for c in header.columns],
            "column_gender": [c.gender for c in header.columns],
            "column_school_year": [c.school_year[0] if c.school_year else None for c in header.columns],
            "column_year": [c.school_year[1] if c.school_year else None for c in header.columns],
        },
        schema_overrides={"column_year": pl.Int32, "column_measure": pl.Utf8, "column_gender": pl.Utf8},
    )
    cells = pl.DataFrame(table.cells, schema=["__line", "__column", "raw_value"], orient="row").cast(
        {"__line": pl.UInt32, "__column": pl.Int64, "raw_value": pl.Utf8}
    )
    long = cells.join(meta, on="__line", how="left").join(specs, on="__column", how="left")
    value, status = parse_swedish_number(pl.col("raw_value"))
    long = long.with_columns(value.alias("number"), status.alias("status"))
    column_name = pl.col("__header") if grid.is_csv else pl.format("{}: {}", pl.lit(grid.sheet), pl.col("__header"))
    quarantine = pl.concat(
        [
            pl.DataFrame(table.bad, schema=QUARANTINE_SCHEMA),
            long.filter(pl.col("status") == "ogiltigt").select(
                pl.lit(name).alias("file"),
                pl.col("source_line").alias("line"),
                column_name.alias("column"),
                pl.format("ogiltigt värde {}", pl.col("raw_value")).alias("reason"),
                pl.col("__raw").alias("raw"),
            ),
        ]
    )
    chosen = pre.chosen
    if chosen is None:
        years = [c.school_year for c in header.columns if c.school_year]
        years += [(m["row_school_year"], m["row_year"]) for m in table.meta if m.get("row_year")]
        chosen = max(years, key=lambda y: y[1]) if years else None
    level = header.level
    unit_code = {
        "skolenhet": pl.col("school_unit_code"),
        "kommun": pl.col("municipality_code"),
        "riket": pl.lit("0000"),
    }[level]
    measure = pl.coalesce("column_measure", "row_measure")
    if header.subject_measure:
        measure = pl.coalesce(measure, pl.lit(header.subject_measure))
    default_organiser = None if level == "skolenhet" else "Samtliga"
    subject = pl.col("subject")
    if report.subject_in_preamble and "subject" not in header.identity:
        subject = pl.lit(pre.subject)
    rows = (
        long.filter(pl.col("status") != "ogiltigt")
        .with_columns(
            pl.lit(report.key).alias("report"),
            pl.lit(chosen[0] if chosen else None, pl.Utf8).alias("report_school_year"),
            pl.coalesce("column_school_year", "row_school_year", pl.lit(chosen[0] if chosen else None))
            .cast(pl.Utf8)
            .alias("school_year"),
            pl.coalesce("column_year", "row_year", pl.lit(chosen[1] if chosen else None)).cast(pl.Int32).alias("year"),
            pl.lit(level).alias("level"),
            unit_code.alias("unit_code"),
            pl.coalesce("organiser_type", pl.lit(pre.organiser), pl.lit(default_organiser)).alias("organiser_type"),
            subject.alias("subject"),
            pl.coalesce("column_gender", "gender", pl.lit("T")).alias("gender"),
            measure.alias("measure"),
            pl.col("number").alias("value"),
            pl.lit(grid.sheet, pl.Utf8).alias("source_sheet"),
        )
        .select([pl.col(c).cast(t) for c, t in ROWS_SCHEMA.items()])
        .sort("source_line", "measure", "year", "gender")
    )
    where = grid.where(name)
    shown_year = f"läsår {chosen[0]}" if chosen else "inget läsår"
    messages = [
        f"{where}: rapport {report.key}, nivå {level}, {shown_year}, {table.lines} tabellrader "
        f"× {len(header.columns)} kolumner, {table.footer} rader rapportbeskrivning efter tabellen"
        + (f", {table.structure} rubrikrader i tabellen" if table.structure else "")
    ]
    keys = ["school_unit_code"] if level == "skolenhet" else []
    if level == "kommun":
        keys = [
            c for c in ("municipality_code", "organiser_type", "gender", "subject", "row_measure") if c in meta.columns
        ]
        keys = [c for c in keys if c == "municipality_code" or c in header.identity]
    if keys:
        dup = meta.filter(pl.struct(keys).is_duplicated())
        if dup.height:
            shown = sorted({" ".join(str(v) for v in r if v is not None) for r in dup.select(keys).iter_rows()})
            label = "skolenhetskoder" if level == "skolenhet" else "nycklar"
            messages.append(f"{where}: {label} som förekommer flera gånger: {shown[:10]}")
    return _Part(report, rows, quarantine, table.lines * len(header.columns), messages)


def read_siris(path: Path | str) -> LoadResult:
    """Read one SIRIS export (CSV or Excel); raises SirisFormatError (naming the file) if it is not a known
    report. rows follow ROWS_SCHEMA."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        grid, messages = _csv_grid(path)
        grids = [grid]
    elif suffix in EXCEL_SUFFIXES:
        grids, messages = _excel_grids(path), []
    else:
        raise SirisFormatError(f"{path.name}: filtypen {path.suffix or '(ingen)'} läses inte (SIRIS: .csv eller .xlsx)")
    parts = [p for p in (_read_grid(path.name, g) for g in grids) if p is not None]
    if not parts:
        starts = ", ".join(f"'{a.title()}'" for a in ANCHORS[:3])
        raise SirisFormatError(f"{path.name}: hittar ingen rubrikrad som börjar med {starts} eller 'Läsår'")
    for part in parts:
        messages += part.messages
    rows = pl.concat([p.rows for p in parts])
    quarantine = pl.concat([p.quarantine for p in parts])
    return LoadResult(path, rows, quarantine, rows_in=sum(p.rows_in for p in parts), messages=messages)


def siris_files(folder: Path | str) -> list[Path]:
    """The exports in a landing siris/ folder (CSV and Excel), in name order; Excel lock files '~$…' and
    hidden files are left out."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in SUFFIXES and not p.name.startswith(("~$", "."))
    )


def other_files(folder: Path | str) -> list[Path]:
    """Entries of a siris/ folder that are not exports this reader takes (another file type, a lock file,
    a sub-folder); hidden files are not listed."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    taken = set(siris_files(folder))
    return sorted(p for p in folder.iterdir() if p not in taken and not p.name.startswith("."))
