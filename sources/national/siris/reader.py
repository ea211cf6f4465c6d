"""Reader for Skolverket's SIRIS CSV exports at school-unit level, in long format.

A SIRIS export is UTF-8 with BOM (cp1252 is accepted too), `;`-separated with a trailing `;`, decimal
comma, a preamble (source line, title `Grundskolan - <rapport>`, `Valt läsår: 2023/24`), the header row
whose first cell is `Skola`, the table, a blank line and a free-text report description. The report is
recognised by its title; headers are matched after normalisation (case, `(%)`, `åk`/`årskurs`,
`Skol-enhetskod`, `kunskapskraven`/`betygskriterierna`, …) so that year-to-year renames land on the same
English measure. Every table line yields one row per measure; a cell that cannot be read is quarantined
with its line, and a line that cannot be read quarantines all of its cells, so
rows_in = (table lines × measures) = loaded + quarantined.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from sources.national.codes import parse_swedish_number
from sources.result import QUARANTINE_SCHEMA, LoadResult


class SirisFormatError(ValueError):
    """The file is not a SIRIS export this reader knows; the message names the file."""


def normalise_header(text: str) -> str:
    """Fold the spelling drift of SIRIS headers and titles onto one comparable form."""
    s = unicodedata.normalize("NFC", text).strip().lower().replace("(%)", " ")
    s = re.sub(r"(?<=[a-zåäö])-(?=[a-zåäö])", "", s)  # Skol-enhetskod, Kommun-kod
    s = re.sub(r"\båk\b", "årskurs", s)
    s = s.replace("utb.", "utbildning").replace("yrkesprog.", "yrkesprogram")
    s = s.replace("kunskapskraven", "betygskriterierna")  # Lgr22 wording from 2022/23
    return re.sub(r"[\s,]+", " ", s).strip(" .")


@dataclass(frozen=True)
class Report:
    key: str
    title: str  # the report name after "Grundskolan - ", normalised
    measures: dict[str, str]  # normalised header -> measure


def _report(key: str, title: str, labels: dict[str, str]) -> Report:
    return Report(key, normalise_header(title), {normalise_header(k): v for k, v in labels.items()})


REPORTS = (
    _report(
        "antal_elever_per_arskurs",
        "Antal elever per årskurs",
        {
            "Elever, förskoleklass": "pupils_preschool_class",
            "Andel (%) flickor, förskoleklass": "share_girls_preschool_class_pct",
            "Elever, årskurs 1-9": "pupils_grade_1_9",
            "Andel (%) flickor, årskurs 1-9": "share_girls_grade_1_9_pct",
            "Andel (%) elever med utländsk bakgrund, åk 1-9": "share_foreign_background_grade_1_9_pct",
            "Andel (%) elever med föräldrar med eftergymnasial utb., åk 1-9": (
                "share_parents_post_secondary_grade_1_9_pct"
            ),
            **{f"Elever, årskurs {g}": f"pupils_grade_{g}" for g in range(1, 10)},
        },
    ),
    # Header as documented for SIRIS dataset 139; (16) and (17) are different merit values (16 subjects,
    # max 320, up to 2013/14; 17 with modern language, max 340), so they stay separate measures.
    _report(
        "slutbetyg_arskurs_9",
        "Slutbetyg årskurs 9, samtliga elever",
        {
            "Antal elever": "pupils_with_final_grades",
            "Andel som uppnått kunskapskraven i alla ämnen": "share_all_subjects_passed_pct",
            "Andel (%) behörig yrkesprog.": "share_eligible_vocational_pct",
            "Genomsnittligt meritvärde (16)": "average_merit_value_16",
            "Genomsnittligt meritvärde (17)": "average_merit_value_17",
        },
    ),
)

IDENTITY = {
    "skola": "school_unit_name",
    "skolenhetskod": "school_unit_code",
    "skolkommun": "municipality_name",
    "kommunkod": "municipality_code",
    "typ av huvudman": "organiser_type",
    "huvudman": "organiser_name",
    "huvudman orgnr": "organiser_org_no",
}
REQUIRED_IDENTITY = ("school_unit_code", "school_unit_name", "municipality_code", "municipality_name")

ROWS_SCHEMA = {
    "report": pl.Utf8,
    "school_year": pl.Utf8,
    "year": pl.Int32,  # calendar year the school year ends (läsår 2023/24 -> 2024)
    "school_unit_code": pl.Utf8,
    "school_unit_name": pl.Utf8,
    "municipality_code": pl.Utf8,
    "municipality_name": pl.Utf8,
    "organiser_type": pl.Utf8,
    "organiser_name": pl.Utf8,
    "organiser_org_no": pl.Utf8,
    "measure": pl.Utf8,
    "value": pl.Float64,
    "status": pl.Utf8,
    "source_line": pl.Int64,
}


def _decode(path: Path) -> tuple[list[str], list[str]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
        messages = []
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
        messages = [f"{path.name}: inte UTF-8, läst som cp1252"]
    return text.splitlines(), messages


def _fields(line: str) -> list[str]:
    return next(csv.reader([line], delimiter=";"))


def _is_blank(line: str) -> bool:
    return not line.replace(";", "").strip()


def _find_header(path: Path, lines: list[str]) -> int:
    for i, line in enumerate(lines):
        if not _is_blank(line) and _fields(line)[0].strip() == "Skola":
            return i
    raise SirisFormatError(f"{path.name}: hittar ingen rubrikrad som börjar med 'Skola'")


def _recognise(path: Path, preamble: list[str]) -> tuple[Report, str, int]:
    """(report, school year '2023/24', year 2024) from the title and 'Valt läsår' lines."""
    title = next(((i, s) for i, s in enumerate(preamble) if " - " in s), None)
    if title is None:
        raise SirisFormatError(f"{path.name}: ingen rapportrubrik 'Grundskolan - …' före rubrikraden")
    line_no, text = title
    form, _, name = (normalise_header(part) for part in text.partition(" - "))
    report = next((r for r in REPORTS if r.title == name), None)
    if form not in ("grundskola", "grundskolan") or report is None:
        known = ", ".join(f"'{r.title}'" for r in REPORTS)
        raise SirisFormatError(
            f"{path.name}, rad {line_no + 1}: okänd SIRIS-rapport '{text.strip()}' (kända: grundskola – {known})"
        )
    for s in preamble:
        m = re.match(r"^\s*Valt läsår:\s*(\d{4})/(\d{2}|\d{4})\s*$", s)
        if m and int(m.group(2)) % 100 == (int(m.group(1)) + 1) % 100:
            start = int(m.group(1))
            return report, f"{start}/{(start + 1) % 100:02d}", start + 1
    raise SirisFormatError(f"{path.name}: raden 'Valt läsår: ÅÅÅÅ/ÅÅ' saknas eller är felaktig i förspalten")


def _map_header(path: Path, report: Report, header: list[str]) -> tuple[dict[str, int], dict[str, int]]:
    """Column positions of the identity fields and of the measures; unknown headers are an error."""
    identity: dict[str, int] = {}
    measures: dict[str, int] = {}
    unknown = []
    for pos, cell in enumerate(header):
        key = normalise_header(cell)
        if not key:
            continue  # the empty cell after the trailing ';'
        target = identity if key in IDENTITY else measures if key in report.measures else None
        name = IDENTITY.get(key) or report.measures.get(key)
        if target is None or name is None:
            unknown.append(cell)
        elif name in target:  # e.g. a doubled column set: never let one silently overwrite the other
            raise SirisFormatError(f"{path.name}: kolumnen '{cell}' förekommer två gånger i rubrikraden")
        else:
            target[name] = pos
    missing = [c for c in REQUIRED_IDENTITY if c not in identity]
    if unknown or missing:
        raise SirisFormatError(
            f"{path.name}: rubrikraden passar inte rapporten '{report.key}': "
            f"okända kolumner {unknown}, saknade {missing} – lägg till dem i REPORTS om de är nya namn"
        )
    return identity, measures


def _line_problem(fields: list[str], header: list[str], identity: dict[str, int]) -> str | None:
    width, trailing = len(header), not header[-1].strip()
    if trailing and len(fields) == width - 1:
        fields = [*fields, ""]  # a line that lost its trailing ';' is still aligned
    if len(fields) != width:
        return f"fel antal fält: {len(fields)}, väntade {width}"
    if trailing and fields[-1].strip():
        return f"värde efter sista kolumnen: {fields[-1]!r}"
    code = fields[identity["school_unit_code"]].strip()
    if not re.fullmatch(r"\d{6,10}", code):
        return f"ogiltig skolenhetskod {code!r}"
    kommun = fields[identity["municipality_code"]].strip()
    if not re.fullmatch(r"\d{4}", kommun):
        return f"ogiltig kommunkod {kommun!r}"
    return None


@dataclass
class _Table:
    good: list[dict[str, object]]  # one dict per readable line: identity fields and raw measure cells
    bad: list[dict[str, object]]  # quarantine entries, one per measure of an unreadable line
    bad_lines: int = 0
    footer: int = 0


def _scan(path: Path, lines: list[str], head: int, identity: dict[str, int], measures: dict[str, int]) -> _Table:
    """Walk the table below the header; it ends at the first blank line, the report description follows."""
    header = _fields(lines[head])
    table = _Table([], [])
    in_table = True
    for idx in range(head + 1, len(lines)):
        line, line_no = lines[idx], idx + 1
        if _is_blank(line):
            in_table = False
            continue
        fields = _fields(line)
        if not in_table and len(fields) != len(header):
            table.footer += 1
            continue
        problem = "datarad efter tabellens slut (tom rad före)" if not in_table else None
        problem = problem or _line_problem(fields, header, identity)
        if problem:
            table.bad_lines += 1
            table.bad += [
                {"file": path.name, "line": line_no, "column": header[pos], "reason": problem, "raw": line}
                for pos in measures.values()
            ]
            continue
        row: dict[str, object] = {"source_line": line_no, "__raw": line}
        row |= {col: fields[pos].strip() or None for col, pos in identity.items()}
        row |= {measure: fields[pos] for measure, pos in measures.items()}
        table.good.append(row)
    return table


def read_siris(path: Path | str) -> LoadResult:
    """Read one SIRIS export; raises SirisFormatError (naming the file) if it is not a known report."""
    path = Path(path)
    lines, messages = _decode(path)
    head = _find_header(path, lines)
    report, school_year, year = _recognise(path, lines[:head])
    header = _fields(lines[head])
    identity, measures = _map_header(path, report, header)
    table = _scan(path, lines, head, identity, measures)

    schema = {"source_line": pl.Int64, "__raw": pl.Utf8} | dict.fromkeys([*IDENTITY.values(), *measures], pl.Utf8)
    wide = pl.DataFrame(table.good, schema=schema)
    long = wide.unpivot(on=list(measures), index=["source_line", "__raw", *IDENTITY.values()], variable_name="measure")
    value, status = parse_swedish_number(pl.col("value"))
    long = long.with_columns(value.alias("number"), status.alias("status"))
    header_of = {m: header[pos] for m, pos in measures.items()}
    quarantine = pl.concat(
        [
            pl.DataFrame(table.bad, schema=QUARANTINE_SCHEMA),
            long.filter(pl.col("status") == "ogiltigt").select(
                pl.lit(path.name).alias("file"),
                pl.col("source_line").alias("line"),
                pl.col("measure").replace_strict(header_of).alias("column"),
                pl.format("ogiltigt värde {}", pl.col("value")).alias("reason"),
                pl.col("__raw").alias("raw"),
            ),
        ]
    )
    rows = (
        long.filter(pl.col("status") != "ogiltigt")
        .with_columns(
            pl.lit(report.key).alias("report"),
            pl.lit(school_year).alias("school_year"),
            pl.lit(year, pl.Int32).alias("year"),
            pl.col("number").alias("value"),
        )
        .select([pl.col(c).cast(t) for c, t in ROWS_SCHEMA.items()])
        .sort("source_line", "measure")
    )
    n_lines = len(table.good) + table.bad_lines
    messages.append(
        f"{path.name}: rapport {report.key}, läsår {school_year}, {n_lines} tabellrader "
        f"× {len(measures)} mått, {table.footer} rader rapportbeskrivning efter tabellen"
    )
    codes = wide["school_unit_code"]
    duplicates = codes.filter(codes.is_duplicated()).unique().to_list()
    if duplicates:
        messages.append(f"{path.name}: skolenhetskoder som förekommer flera gånger: {sorted(duplicates)}")
    return LoadResult(path, rows, quarantine, rows_in=n_lines * len(measures), messages=messages)


def siris_files(folder: Path | str) -> list[Path]:
    """The exports in a landing siris/ folder, in name order."""
    return sorted(Path(folder).glob("*.csv"))
