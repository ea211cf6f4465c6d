"""Reader for Skolinspektionen's Skolenkäten Excel reports (one survey round and respondent group a file).

Layout, as the sheet "Förklaring" describes it: a results sheet ("Resultat …": index per area, mean per
question, count and share per answer option) and "Könsuppdelat resultat" (index and mean for
Totalt/Flicka/Pojke), each with three header rows — row 1 area ("9. Trygghet") or question text, row 2
answer option or gender, row 3 Index/Medelvärde/Antal/Andel — and then one row for all participating
units (split by gender in the results sheet), one per organiser (huvudman) and one per school unit.

Output is long, one row per data cell. Codes follow SURVEY_CODES: '-' not reported (fewer than 5
respondents), '*'/'**'/'***' a masked answer-option count (1–9 / 10–19 / 20+). The index column of an
area marked "(bildar ej index)" is skipped when it holds no figure at all. Gender codes: T total,
K flicka/kvinna, M pojke/man, X "har annan könsidentitet", U "vill inte ange" (the two last only in the
row for all participating units). Shares and response rates are fractions 0–1, as in the file.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from skolanalys.dbt_sources import polars_schema
from sources.national.codes import SURVEY_CODES, parse_swedish_number
from sources.national.kolada_files import municipality_codes_by_name
from sources.result import QUARANTINE_SCHEMA, LoadResult


class SkolenkatenFormatError(ValueError):
    """The workbook is not a Skolenkäten report this reader knows; the message names the file."""


GENDERS = {"Totalt": "T", "Flicka": "K", "Pojke": "M", "Kvinna": "K", "Man": "M"}
GENDERS |= {"Har annan könsidentitet": "X", "Vill inte ange": "U"}
MEASURES = {"Index": "index", "Medelvärde": "mean", "Antal": "count", "Andel": "share"}
IDENTITY = {
    "Orgnummer": "organiser_org_no",
    "Huvudman": "organiser_name",
    "Kommun": "municipality_name",
    "Skolenhetskod": "school_unit_code",
    "Skolenhet": "school_unit_name",
    "Antal i gruppen": "n_in_group",
    "Antal": "n_respondents",
    "Svarsfrekvens": "response_rate",
}
ALL_UNITS = "Samtliga deltagande skolor"
# Skolinspektionen spells Grums (1764) "Grum" in the 2022 files.
MUNICIPALITY_ALIASES = {"Grum": "Grums"}

# skolenkaten.results, as its dbt source declares it (dbt/models/staging/national_files/).
ROWS_SCHEMA = polars_schema("skolenkaten.results")


def _text(cell: object) -> str | None:
    return None if cell is None or not str(cell).strip() else str(cell).strip()


def _column_plan(file: str, sheet: str, header: list[list[str | None]], first: int) -> list[dict]:
    """One descriptor per data column from the three header rows (area/question, option/gender, measure)."""
    plan, area_no, area, question, no_index = [], None, None, None, False
    for j in range(first, len(header[0])):
        top, mid, kind = (_text(header[r][j]) for r in range(3))
        if top and (m := re.match(r"^(\d+)\.\s*(.+)$", top)):
            area_no, question = int(m.group(1)), None
            no_index = "bildar ej index" in m.group(2)
            area = re.sub(r"\s*\(bildar ej index\)", "", m.group(2)).strip()
        elif top:
            question = top
        if kind not in MEASURES:
            raise SkolenkatenFormatError(f"{file}, blad '{sheet}', kolumn {j + 1}: okänd rubrik {kind!r}")
        if area is None:
            raise SkolenkatenFormatError(f"{file}, blad '{sheet}', kolumn {j + 1}: mått före första området")
        measure = MEASURES[kind]
        option = gender = None
        if mid in GENDERS:
            gender = GENDERS[mid]
        elif measure == "count":
            option = mid
        elif measure == "share":
            option = plan[-1]["answer_option"] if plan and plan[-1]["measure"] == "count" else None
        if measure in ("count", "share") and option is None:
            raise SkolenkatenFormatError(f"{file}, blad '{sheet}', kolumn {j + 1}: svarsalternativ saknas")
        plan.append(
            {
                "column": f"c{j}",
                "area_no": area_no,
                "area": area,
                "question": None if measure == "index" else question,
                "answer_option": option,
                "measure": measure,
                "col_gender": gender,
                "no_index": no_index and measure == "index",
                "header": " / ".join(t for t in (top or area, mid, kind) if t),
            }
        )
    return plan


def _unit_rows(cells: pl.DataFrame, ids: dict[str, int]) -> pl.DataFrame:
    """Identity of every data row, its level and gender, and a problem text when the row is unusable."""
    col = {name: pl.col(f"c{pos}").str.strip_chars() for name, pos in ids.items()}
    name = col["organiser_name"]
    suffix = name.str.strip_prefix(ALL_UNITS).str.strip_prefix(" - ")
    level = (
        pl.when(col["school_unit_code"].is_not_null())
        .then(pl.lit("school_unit"))
        .when(col["organiser_org_no"].is_not_null())
        .then(pl.lit("organiser"))
        .when(name.str.starts_with(ALL_UNITS))
        .then(pl.lit("all_units"))
    )
    row_gender = pl.when(level != "all_units").then(pl.lit("T")).when(name == ALL_UNITS).then(pl.lit("T"))
    row_gender = row_gender.otherwise(suffix.replace_strict(GENDERS, default=None))
    counts = {}
    for field in ("n_in_group", "n_respondents", "response_rate"):
        value, status = parse_swedish_number(col[field], SURVEY_CODES)
        counts[field] = value
        counts[f"__{field}_ok"] = status != "ogiltigt"
    frame = cells.select(
        "source_row",
        level.alias("unit_level"),
        row_gender.alias("row_gender"),
        *(col[c].alias(c) for c in ("organiser_org_no", "organiser_name", "municipality_name")),
        *(col[c].alias(c) for c in ("school_unit_code", "school_unit_name")),
        *(v.alias(k) for k, v in counts.items()),
    )
    problem = (
        pl.when(pl.col("unit_level").is_null())
        .then(pl.lit("okänd radtyp (varken skolenhet, huvudman eller samtliga)"))
        .when(pl.col("row_gender").is_null())
        .then(pl.lit("okänd könsgrupp i raden för samtliga skolor"))
        .when(~pl.col("school_unit_code").fill_null("00000000").str.contains(r"^\d{6,10}$"))
        .then(pl.lit("ogiltig skolenhetskod"))
        .when(~pl.col("organiser_org_no").fill_null("0000000000").str.contains(r"^\d{10}$"))
        .then(pl.lit("ogiltigt organisationsnummer"))
        .when(~pl.all_horizontal(pl.col("^__.*_ok$")))
        .then(pl.lit("ogiltigt antal, antal i gruppen eller svarsfrekvens"))
    )
    return frame.with_columns(problem.alias("problem")).drop(pl.col("^__.*_ok$"))


def _read_sheet(
    path: Path, sheet: str, grid: pl.DataFrame, kind: str
) -> tuple[pl.DataFrame, pl.DataFrame, str, int, list[str]]:
    """(loaded cells, quarantine, title, cells in, messages) of one result sheet."""
    grid = grid.rename({c: f"c{i}" for i, c in enumerate(grid.columns)})
    if grid.height < 4:
        raise SkolenkatenFormatError(f"{path.name}, blad '{sheet}': färre än tre rubrikrader och en datarad")
    header = [list(grid.row(r)) for r in range(3)]
    title = _text(header[0][0]) or ""
    # identity columns are those left of the first column with a measure in header row 3
    first = next((j for j, c in enumerate(header[2]) if _text(c)), len(header[2]))
    ids = {IDENTITY[t]: j for j, t in enumerate(_text(c) for c in header[1][:first]) if t in IDENTITY}
    if len(ids) != len(IDENTITY):
        missing = sorted(set(IDENTITY) - {_text(c) for c in header[1][:first]})
        raise SkolenkatenFormatError(f"{path.name}, blad '{sheet}': rubrikrad 2 saknar {missing}")
    plan = pl.DataFrame(_column_plan(path.name, sheet, header, first))
    cells = grid.slice(3).with_row_index("source_row", offset=4).cast({"source_row": pl.Int64})
    cells = cells.filter(~pl.all_horizontal(pl.exclude("source_row").is_null()))  # empty rows hold no data
    messages = []
    skip = [c for c in plan.filter("no_index")["column"] if cells[c].drop_nulls().is_in(["-"]).all()]
    if skip:
        messages.append(f"{path.name}, blad '{sheet}': {len(skip)} tomma indexkolumner ('bildar ej index') utelämnade")
    plan = plan.filter(~pl.col("column").is_in(skip))
    units = _unit_rows(cells, ids)
    long = cells.select("source_row", *plan["column"]).unpivot(index="source_row", variable_name="column")
    long = long.join(plan, on="column").join(units, on="source_row")
    value, status = parse_swedish_number(pl.col("value"), SURVEY_CODES)
    long = long.with_columns(
        value.alias("number"),
        status.alias("status"),
        pl.lit(kind).alias("sheet"),
        pl.coalesce("col_gender", "row_gender").alias("gender"),
    )
    bad = pl.col("problem").is_not_null() | (pl.col("status") == "ogiltigt")
    quarantine = long.filter(bad).select(
        pl.lit(path.name).alias("file"),
        pl.col("source_row").alias("line"),
        pl.format("{}: {}", pl.lit(sheet), pl.col("header")).alias("column"),
        pl.coalesce("problem", pl.format("ogiltigt värde {}", pl.col("value"))).alias("reason"),
        pl.concat_str(
            "organiser_name",
            "school_unit_code",
            "school_unit_name",
            "value",
            separator=" | ",
            ignore_nulls=True,
        ).alias("raw"),
    )
    return long.filter(~bad), quarantine, title, long.height, messages


def _title(path: Path, title: str) -> tuple[int, str]:
    m = re.match(r"^Skolenkäten\s+(\d{4})\s*-\s*(.+)$", title)
    if not m:
        raise SkolenkatenFormatError(f"{path.name}: cell A1 är inte 'Skolenkäten ÅÅÅÅ - <grupp>' utan {title!r}")
    group = m.group(2).strip().lower()
    if g := re.fullmatch(r"elever (?:i )?årskurs (\d+)", group):
        return int(m.group(1)), f"elever_ak{g.group(1)}"
    slug = re.sub(r"[^a-z0-9åäö]+", "_", group).strip("_")
    return int(m.group(1)), slug.translate(str.maketrans("åäö", "aao"))


def read_skolenkaten(path: Path | str) -> LoadResult:
    """Both result sheets of one Skolenkäten workbook, long; raises SkolenkatenFormatError if unknown."""
    path = Path(path)
    sheets = pl.read_excel(path, sheet_id=0, engine="calamine", has_header=False, infer_schema_length=0)
    names = list(sheets)  # one read of the workbook; every cell as text
    totals = next((s for s in names if s.startswith("Resultat")), None)
    if totals is None:
        raise SkolenkatenFormatError(f"{path.name}: inget blad 'Resultat …' (blad: {names})")
    parts = [(totals, "totals")] + [(s, "by_gender") for s in names if s == "Könsuppdelat resultat"]
    frames, quarantines, messages, rows_in, titles = [], [], [], 0, set()
    for sheet, kind in parts:
        long, quarantine, title, n, msgs = _read_sheet(path, sheet, sheets[sheet], kind)
        frames.append(long)
        quarantines.append(quarantine)
        messages += msgs
        rows_in += n
        titles.add(title)
    if len(titles) != 1:
        raise SkolenkatenFormatError(f"{path.name}: bladen har olika rubriker {sorted(titles)}")
    year, group = _title(path, titles.pop())
    codes = municipality_codes_by_name()
    long = pl.concat(frames, how="diagonal_relaxed")
    unknown = sorted(set(long["municipality_name"].drop_nulls()) - set(codes) - set(MUNICIPALITY_ALIASES))
    if unknown:
        messages.append(f"{path.name}: kommunnamn utan kommunkod: {unknown}")
    rows = long.with_columns(
        pl.lit("skolenkaten").alias("survey"),
        pl.lit(year).alias("year"),
        pl.lit(group).alias("respondent_group"),
        pl.col("municipality_name")
        .replace(MUNICIPALITY_ALIASES)
        .replace_strict(codes, default=None)
        .alias("municipality_code"),
        pl.col("number").alias("value"),
        pl.col("status").replace_strict(SURVEY_CODES | {"": ""}, default=None).alias("status_reason"),
        # the by_gender sheet's counts are the unit's, not the girls' or the boys' alone
        *(
            pl.when((pl.col("sheet") == "by_gender") & (pl.col("gender") != "T"))
            .then(None)
            .otherwise(pl.col(c))
            .alias(c)
            for c in ("n_respondents", "n_in_group", "response_rate")
        ),
    ).select([pl.col(c).cast(t) for c, t in ROWS_SCHEMA.items()])
    quarantine = pl.concat(quarantines).cast(QUARANTINE_SCHEMA)  # type: ignore[arg-type]
    return LoadResult(path, rows, quarantine, rows_in=rows_in, messages=messages)


def skolenkaten_files(folder: Path | str) -> list[Path]:
    """The workbooks in a landing skolenkaten/ folder, in name order (Excel lock files '~$…' left out)."""
    return [p for p in sorted(Path(folder).glob("*.xlsx")) if not p.name.startswith("~$")]
