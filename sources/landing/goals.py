"""The board's goals (`mal/`): nämndsmål, their measures (mått) and actions (aktiviteter), as the
förvaltning writes them — a YAML file or an Excel workbook (docs/contracts.md, "mal/").

The folder is small and re-read whole on every run, like enkater/: a corrected file replaces what the last
one said. Each file is checked at the door: a file that cannot be read as a goals file at all (not YAML or
xlsx, broken YAML, no `mal` list, a bad status rule) is rejected with a Swedish reason; otherwise every goal
is validated on its own (pydantic models below, then against the warehouse's indicator catalogue), and a
goal with any problem — in itself, one of its measures or one of its actions — is quarantined whole with
every problem named by file, line (YAML: the line of the field or item; Excel: sheet and row) and reason,
while the file's valid goals load. The file kind holds no personal data; text that looks like a
personnummer is masked all the same.

Three raw tables: raw.goals (one row per goal, with its file's status rule), raw.goal_indicators (one row
per measure) and raw.goal_actions (one row per action). The rules that turn them into statuses are dbt's
(dbt/models/marts/goals/, docs/goals.md).
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

import polars as pl
import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from skolanalys.dbt_sources import polars_schema
from sources.landing.door import Entry, list_folder, normalise_header
from sources.landing.file_hashes import content_hash
from sources.landing.folder import CHANGED_WHILE_READ
from sources.landing.kinds import MAX_BYTES
from sources.landing.outcomes import FileStatus
from sources.personnummer import mask_personnummer
from sources.result import QUARANTINE_SCHEMA, empty_quarantine

FOLDER = "mal"
SUFFIXES = (".yaml", ".yml", ".xlsx")
SAVE_AS = "YAML (.yaml) eller Excel (.xlsx)"
REPO = Path(__file__).resolve().parents[2]
# The warehouse's own indicators (served as `indicators`, with the configured Kolada KPIs).
INDICATOR_SEED = REPO / "dbt" / "seeds" / "indicator_catalogue.csv"

# Target types (maltyp): what the utfall is compared with. docs/goals.md says how each is evaluated.
TARGET_TYPES = {
    "absolut": "målvärde",
    "minst_riket": "minst riket",
    "minst_liknande": "minst liknande kommuner",
    "forbattring": "förbättring över antal_ar år",
    "battre_an_forra_aret": "bättre än förra året",
}
# Targets resolved from national figures: only indicators with Kolada's riket and liknande kommuner.
NATIONAL_TARGETS = ("minst_riket", "minst_liknande")
DEFAULT_YEARS_BACK = 3  # forbattring without antal_ar: better than three years before
ACTION_STATUSES = ("ej påbörjad", "påbörjad", "genomförd", "försenad", "avförd")
GOAL_RULES = ("alla", "flertal", "viktat")
LEVELS = ("kommun", "skolenhet")
ALL_UNITS = "alla"
GENDER_WORDS = {"t": "T", "totalt": "T", "alla": "T", "k": "K", "flickor": "K", "flicka": "K"}
GENDER_WORDS |= {"m": "M", "pojkar": "M", "pojke": "M"}
DIRECTION_WORDS = {"hogre": "higher", "lagre": "lower"}
# Excel: one sheet per part (names matched like headers: 'Mått' = 'matt').
SHEETS = {"mal": "Mål", "matt": "Mått", "aktiviteter": "Aktiviteter", "statusregel": "Statusregel"}
GOAL_KEY = "mal_id"  # the column of Mått and Aktiviteter that names the goal

# The raw tables, as their dbt sources declare them (dbt/models/staging/goals/_goals__sources.yml).
GOALS_SCHEMA = polars_schema("raw.goals")
GOAL_INDICATORS_SCHEMA = polars_schema("raw.goal_indicators")
GOAL_ACTIONS_SCHEMA = polars_schema("raw.goal_actions")
TABLES = {"goals": GOALS_SCHEMA, "goal_indicators": GOAL_INDICATORS_SCHEMA, "goal_actions": GOAL_ACTIONS_SCHEMA}


class GoalFileError(Exception):
    """The whole file cannot be read as a goals file; `reason` is Swedish and names the line when known."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


# The indicator catalogue ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Indicator:
    title: str
    higher_is_better: bool | None
    national: bool  # a configured Kolada KPI: riket and liknande kommuner are known


@cache
def indicator_catalogue() -> dict[str, Indicator]:
    """The ids of `indicators` (dbt/models/marts/indicators.sql): the seed, plus the configured Kolada KPIs."""
    from sources.national.kolada_api import load_kpi_config

    kolada = {k.id: k for k in load_kpi_config()}
    seed = pl.read_csv(INDICATOR_SEED, infer_schema_length=0)
    out = {
        r["indicator_id"]: Indicator(r["title_sv"], r["higher_is_better"] == "true", r["indicator_id"] in kolada)
        for r in seed.iter_rows(named=True)
    }
    for kpi_id, k in kolada.items():
        out.setdefault(kpi_id, Indicator(k.title, k.higher_is_better, True))
    return out


# The file's schema (pydantic) ------------------------------------------------------------------------------


def _blank_to_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _number(value: Any) -> Any:
    """'90,5' (decimal comma, as Swedes write it) and ' 90 ' are numbers; '90 %' too."""
    value = _blank_to_none(value)
    if isinstance(value, str):
        return value.strip().removesuffix("%").strip().replace(",", ".").replace("\u00a0", "").replace(" ", "")
    return value


def _word(value: Any) -> Any:
    """'Minst riket', 'förbättring', 'Högre' → 'minst_riket', 'forbattring', 'hogre'."""
    value = _blank_to_none(value)
    return normalise_header(value) if isinstance(value, str) else value


def _mapped(words: dict[str, str]):
    def convert(value: Any) -> Any:
        value = _word(value)
        return words.get(value, value) if isinstance(value, str) else value

    return convert


def _text(value: Any) -> Any:
    value = _blank_to_none(value)
    return " ".join(value.split()) if isinstance(value, str) else value


_ACTION_WORDS = {normalise_header(s): s for s in ACTION_STATUSES}
Text = Annotated[str, BeforeValidator(_text), Field(min_length=1, max_length=2000)]
OptionalText = Annotated[str | None, BeforeValidator(_text), Field(max_length=4000)]
Number = Annotated[float, BeforeValidator(_number), Field(allow_inf_nan=False)]
Count = Annotated[int, BeforeValidator(_number), Field(ge=1, le=20)]


def _period(value: Any) -> Any:
    """'2026', '2025/26' (the läsår ending in 2026), '2024–2026', '2023/24–2025/26' → (from, to)."""
    value = _blank_to_none(value)
    if value is None or isinstance(value, tuple):
        return value
    text = str(value).strip()
    parts = [p.strip() for p in re.split(r"\s*[–—-]\s*(?=\d)", text)] if re.search(r"\d\s*[–—-]\s*\d", text) else [text]
    years = []
    for part in parts:
        if m := re.fullmatch(r"(\d{4})/(\d{2})", part):
            start = int(m.group(1))
            if (start + 1) % 100 != int(m.group(2)):
                raise ValueError(f"läsåret {part} finns inte (skrivs t.ex. 2025/26)")
            years.append(start + 1)
        elif re.fullmatch(r"\d{4}", part):
            years.append(int(part))
        else:
            raise ValueError(
                f"period {text!r} ska vara ett år (2026), ett läsår (2025/26) eller ett intervall (2024–2026)"
            )
    if len(years) > 2 or not all(2000 <= y <= 2100 for y in years):
        raise ValueError(f"period {text!r} ska vara ett år eller två (från–till) mellan 2000 och 2100")
    if years[0] > years[-1]:
        raise ValueError(f"period {text!r}: från-året är senare än till-året")
    return (years[0], years[-1])


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StatusRule(_Strict):
    """The municipality's own thresholds, once per file: uppfyllt from `uppfyllt_fran` % of the målvärde,
    delvis uppfyllt from `delvis_fran` %; a goal's status from its measures by `malstatus`."""

    uppfyllt_fran: Number = 100.0
    delvis_fran: Number = 91.0
    malstatus: Annotated[Literal["alla", "flertal", "viktat"], BeforeValidator(_word)] = "flertal"

    @model_validator(mode="after")
    def _ordered(self) -> StatusRule:
        if not 0 < self.delvis_fran <= self.uppfyllt_fran <= 200:
            raise ValueError(
                "delvis_fran och uppfyllt_fran ska vara procent av målvärdet, 0 < delvis_fran ≤ uppfyllt_fran"
            )
        return self


DEFAULT_RULE = StatusRule()


class Measure(_Strict):
    indikator: Annotated[str, BeforeValidator(_text), Field(min_length=1, max_length=40)]
    niva: Annotated[Literal["kommun", "skolenhet"], BeforeValidator(_word)] = "kommun"
    skolenhet: Annotated[str | None, BeforeValidator(_word)] = None  # 8 digits or 'alla'
    kon: Annotated[Literal["T", "K", "M"], BeforeValidator(_mapped(GENDER_WORDS))] = "T"
    riktning: Annotated[Literal["higher", "lower"] | None, BeforeValidator(_mapped(DIRECTION_WORDS))] = None
    maltyp: Annotated[
        Literal["absolut", "minst_riket", "minst_liknande", "forbattring", "battre_an_forra_aret"],
        BeforeValidator(_word),
    ]
    malvarde: Annotated[Number | None, BeforeValidator(_blank_to_none)] = None
    antal_ar: Annotated[Count | None, BeforeValidator(_blank_to_none)] = None
    vikt: Number = Field(default=1.0, gt=0)


class Action(_Strict):
    aktivitet: Text
    status: Annotated[
        Literal["ej påbörjad", "påbörjad", "genomförd", "försenad", "avförd"], BeforeValidator(_mapped(_ACTION_WORDS))
    ]
    ansvarig: Text
    kommentar: OptionalText = None


class Goal(_Strict):
    id: Annotated[str, BeforeValidator(_text), Field(min_length=1, max_length=40)]
    titel: Text
    beskrivning: OptionalText = None
    period: Annotated[tuple[int, int], BeforeValidator(_period)]
    matt: list[Measure] = Field(min_length=1)
    aktiviteter: list[Action] = []


FIELD_WORDS = {
    "maltyp": ", ".join(TARGET_TYPES),
    "niva": ", ".join(LEVELS),
    "kon": "T, K eller M",
    "riktning": "högre eller lägre",
    "status": ", ".join(ACTION_STATUSES),
    "malstatus": ", ".join(GOAL_RULES),
}


def _swedish(error: dict) -> tuple[str, str]:
    """(field, Swedish problem) of one pydantic error."""
    loc = [p for p in error["loc"] if isinstance(p, str) and re.fullmatch(r"[a-z_]+", p)]
    name = loc[-1] if loc else ""
    kind, value = error["type"], error.get("input")
    shown = repr(value) if isinstance(value, str | int | float) else "värdet"
    if kind == "missing":
        return name, f"{name} saknas"
    if kind == "extra_forbidden":
        return name, f"okänt fält {name!r}"
    if kind == "literal_error":
        what = {"maltyp": "okänd måltyp", "kon": "okänt kön", "niva": "okänd nivå", "riktning": "okänd riktning"}
        what |= {"status": "okänd status", "malstatus": "okänd regel för målets status"}
        allowed = FIELD_WORDS.get(name, error.get("ctx", {}).get("expected"))
        return name, f"{what.get(name, f'ogiltigt värde i {name}:')} {shown} (tillåtna: {allowed})"
    if kind.startswith(("float", "int")) or kind in ("finite_number",):
        return name, f"{name} ska vara ett tal, inte {shown}"
    if kind in ("greater_than", "greater_than_equal", "less_than_equal"):
        return name, f"{name} {shown} är utanför det tillåtna ({error['msg'].removeprefix('Input should be ')})"
    if kind == "too_short":
        return name, "minst ett mått behövs" if name == "matt" else f"{name} saknas"
    if kind == "string_too_short":
        return name, f"{name} saknas"
    if kind == "string_too_long":
        return name, f"{name} är för lång"
    if kind in ("list_type", "tuple_type"):
        return name, f"{name} ska vara en lista"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return name, f"{name or 'posten'} ska vara fält med värden (nyckel: värde)"
    if kind == "string_type":
        return name, f"{name} ska vara text"
    if kind == "value_error":
        return name, str(error.get("ctx", {}).get("error", error["msg"]))
    return name, f"{name}: ogiltigt värde {shown}"


# Where each item and field is: YAML lines, Excel sheets and rows ----------------------------------------


class Node(dict):
    """A mapping of the file with its keys normalised ('Målvärde' → 'malvarde'), its place and its keys'."""

    def __init__(self, line: int, sheet: str | None = None):
        super().__init__()
        self.line, self.sheet = line, sheet
        self.key_lines: dict[str, int] = {}
        self.duplicates: list[str] = []

    def line_of(self, key: str | None) -> int:
        return self.key_lines.get(key, self.line) if key else self.line

    def where(self, key: str | None = None) -> str:
        row = self.line_of(key)
        return f"blad {self.sheet}, rad {row}" if self.sheet else f"rad {row}"


class _Loader(yaml.BaseLoader):
    """Every scalar as text (no YAML 1.1 surprises: 'no' is not false, 01234567 is not octal), and every
    mapping a Node that knows its lines."""


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> Node:
    out = Node(node.start_mark.line + 1)
    for key_node, value_node in node.value:
        key = normalise_header(str(loader.construct_object(key_node, deep=True)))
        if key in out:
            out.duplicates.append(key)
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


@dataclass
class GoalFile:
    """A goals file as read, before validation: its status rule (a Node or None) and its goals."""

    rule: Node | None
    goals: list[Node]
    orphans: list[tuple[Node, str]] = field(default_factory=list)  # Excel rows naming no goal of the file


def read_yaml(path: Path) -> GoalFile:
    try:
        doc = yaml.load(path.read_bytes().decode("utf-8-sig"), Loader=_Loader)  # BaseLoader: text only, no objects
    except UnicodeDecodeError as exc:
        raise GoalFileError("filen är inte UTF-8-kodad text: spara YAML-filen som UTF-8") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" på rad {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "okänt fel"
        raise GoalFileError(f"filen är inte giltig YAML{where} ({problem})") from exc
    if not isinstance(doc, Node):
        raise GoalFileError("filen ska börja med fälten statusregel (valfritt) och mal (listan med mål)")
    unknown = sorted(set(doc) - {"statusregel", "mal"})
    if unknown:
        raise GoalFileError(f"rad {doc.line_of(unknown[0])}: okänt fält {unknown[0]!r} (filen har statusregel och mal)")
    goals = doc.get("mal")
    if not isinstance(goals, list) or not goals:
        raise GoalFileError(f"rad {doc.line_of('mal')}: listan mal (målen) saknas eller är tom")
    rule = doc.get("statusregel")
    if rule is not None and not isinstance(rule, Node):
        raise GoalFileError(f"rad {doc.line_of('statusregel')}: statusregel ska vara fält med värden")
    bad = next((i for i, g in enumerate(goals) if not isinstance(g, Node)), None)
    if bad is not None:
        raise GoalFileError(f"rad {doc.line_of('mal')}: mål nummer {bad + 1} i listan mal är inte fält med värden")
    return GoalFile(rule, goals)


def _first_rows(path: Path) -> dict[str, int]:
    """Sheet name → the Excel row of its first cell with a value: the reader trims empty leading rows, and a
    row number must be the one Excel shows. Empty when the workbook cannot be looked into."""
    try:
        with zipfile.ZipFile(path) as z:
            book = z.read("xl/workbook.xml").decode("utf-8", "replace")
            rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
            targets = dict(re.findall(r'<Relationship\b[^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"', rels))
            targets |= {i: t for t, i in re.findall(r'<Relationship\b[^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"', rels)}
            out = {}
            for name, rid in re.findall(r'<sheet\b[^>]*?name="([^"]+)"[^>]*?r:id="([^"]+)"', book):
                target = targets.get(rid, "").lstrip("/")
                member = target if target.startswith("xl/") else f"xl/{target}"
                xml = z.read(member).decode("utf-8", "replace")
                for m in re.finditer(r'<c\b[^>]*?\br="[A-Z]+(\d+)"[^>]*?(/>|>(.*?)</c>)', xml, flags=re.S):
                    if m.group(3) and re.search(r"<(v|is)\b", m.group(3)):
                        out[_unescape(name)] = int(m.group(1))
                        break
            return out
    except (OSError, KeyError, zipfile.BadZipFile, ValueError):
        return {}


def _unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


def _sheet_rows(frame: pl.DataFrame, sheet: str, first_row: int) -> list[Node]:
    """The rows of one sheet under its header row, as Nodes (blank rows left out)."""
    if frame.height == 0:
        return []
    header = [normalise_header(v) if v else "" for v in frame.row(0)]
    named = [h for h in header if h]
    if len(set(named)) != len(named):
        raise GoalFileError(f"blad {sheet}: samma kolumnnamn förekommer flera gånger i rubrikraden")
    rows = []
    for i, values in enumerate(frame.rows()[1:], start=first_row + 1):
        node = Node(i, sheet)
        for key, value in zip(header, values, strict=True):
            if value is not None and str(value).strip():
                if not key:
                    raise GoalFileError(f"blad {sheet}, rad {i}: värde i en kolumn utan rubrik")
                node[key] = str(value)
                node.key_lines[key] = i
        if node:
            rows.append(node)
    return rows


def read_xlsx(path: Path) -> GoalFile:
    try:
        sheets = pl.read_excel(
            path, sheet_id=0, engine="calamine", has_header=False, infer_schema_length=0, drop_empty_rows=False
        )
    except Exception as exc:  # calamine's errors on a broken workbook are many; the reason is what matters
        raise GoalFileError(f"filen kan inte läsas som en Excel-arbetsbok (xlsx) ({type(exc).__name__})") from exc
    by_key = {normalise_header(name): name for name in sheets}
    if "mal" not in by_key:
        raise GoalFileError(f"bladet {SHEETS['mal']} saknas (arbetsboken har {', '.join(sheets) or 'inga blad'})")
    first = _first_rows(path)
    parts = {key: _sheet_rows(sheets[name], name, first.get(name, 1)) for key, name in by_key.items() if key in SHEETS}
    goals: list[Node] = parts.get("mal", [])
    if not goals:
        raise GoalFileError(f"bladet {by_key['mal']} har inga mål under rubrikraden")
    rules = parts.get("statusregel", [])
    if len(rules) > 1:
        raise GoalFileError(f"blad {by_key['statusregel']}: en rad med statusregeln, inte {len(rules)}")
    by_id: dict[str, Node] = {}
    for goal in goals:
        by_id.setdefault(str(goal.get("id", "")).strip(), goal)
    orphans = []
    for key, list_key in (("matt", "matt"), ("aktiviteter", "aktiviteter")):
        for row in parts.get(key, []):
            goal_id = str(row.pop(GOAL_KEY, "")).strip()
            row.key_lines.pop(GOAL_KEY, None)
            goal = by_id.get(goal_id)
            if goal is None:
                problem = (
                    f"{GOAL_KEY} saknas" if not goal_id else f"målet {goal_id!r} finns inte på bladet {by_key['mal']}"
                )
                orphans.append((row, problem))
                continue
            goal.setdefault(list_key, []).append(row)
            goal.key_lines.setdefault(list_key, row.line)
    return GoalFile(rules[0] if rules else None, goals, orphans)


# Validation -----------------------------------------------------------------------------------------------


@dataclass
class Problem:
    node: Node
    field: str | None
    reason: str

    @property
    def line(self) -> int:
        return self.node.line_of(self.field)

    @property
    def where(self) -> str:
        return self.node.where(self.field)


def _node_at(root: Node, loc: tuple) -> tuple[Node, str | None]:
    """The innermost Node on a pydantic error's path, and the field it names there."""
    node, current = root, root
    name = None
    for part in loc:
        if isinstance(current, dict) and part in current:
            current = current[part]
            name = part if isinstance(part, str) else name
        elif isinstance(current, list) and isinstance(part, int) and part < len(current):
            current = current[part]
        else:
            if isinstance(current, dict) and isinstance(part, str):
                name = part  # a missing field
            break
        if isinstance(current, Node):
            node, name = current, None
    return node, name


def _structural(root: Node, error: dict) -> Problem:
    node, name = _node_at(root, error["loc"])
    _, reason = _swedish(error)
    return Problem(node, name, reason)  # a missing field: the line of its item


_UNKNOWN_INDICATOR = "okänd indikator '{}': finns inte i indikatorkatalogen (se docs/indicators.md)"


def _semantic(measure: Measure, node: Node) -> list[Problem]:
    """What the schema alone cannot know about a measure: the indicator catalogue, and which fields go with
    which target type."""
    known = indicator_catalogue().get(measure.indikator)
    problems = []
    if known is None:
        problems.append(Problem(node, "indikator", _UNKNOWN_INDICATOR.format(measure.indikator)))
    elif measure.maltyp in NATIONAL_TARGETS and not known.national:
        problems.append(
            Problem(
                node,
                "maltyp",
                f"måltypen {measure.maltyp} kräver ett nyckeltal med riket och liknande kommuner (Kolada); "
                f"{measure.indikator} har inga",
            )
        )
    if known is not None and measure.riktning is None and known.higher_is_better is None:
        problems.append(
            Problem(node, "riktning", f"riktning saknas: {measure.indikator} har ingen riktning i katalogen")
        )
    if measure.maltyp == "absolut" and measure.malvarde is None:
        problems.append(Problem(node, "malvarde", "målvärde saknas (maltyp absolut)"))
    if measure.maltyp != "absolut" and measure.malvarde is not None:
        problems.append(
            Problem(node, "malvarde", f"målvärde anges bara för maltyp absolut; för {measure.maltyp} räknas det fram")
        )
    if measure.antal_ar is not None and measure.maltyp != "forbattring":
        problems.append(Problem(node, "antal_ar", "antal_ar anges bara för maltyp forbattring"))
    code = measure.skolenhet
    if measure.niva == "skolenhet" and code is None:
        problems.append(Problem(node, "niva", "skolenhet saknas: ange skolenhetskoden eller alla"))
    if measure.niva == "skolenhet" and code not in (None, ALL_UNITS) and not re.fullmatch(r"\d{8}", code):
        problems.append(Problem(node, "skolenhet", "skolenhet ska vara en skolenhetskod (8 siffror) eller alla"))
    if measure.niva == "kommun" and code is not None:
        problems.append(Problem(node, "skolenhet", "skolenhet anges bara för niva skolenhet"))
    return problems


def _duplicates(root: Node) -> list[Problem]:
    found = []
    stack: list[Any] = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, Node):
            found += [Problem(item, key, f"fältet {key} förekommer två gånger") for key in item.duplicates]
            stack += list(item.values())
        elif isinstance(item, list):
            stack += item
    return found


def validate_goal(root: Node) -> tuple[Goal | None, list[Problem]]:
    """One goal: the model, or None and every problem found — the schema's, and the catalogue's for each
    measure that is well-formed on its own (so an unknown indicator is named beside a misspelt field)."""
    problems = _duplicates(root)
    goal = None
    try:
        goal = Goal.model_validate(dict(root))
    except ValidationError as exc:
        problems += [_structural(root, e) for e in exc.errors()]
    measures = root.get("matt")
    for node in measures if isinstance(measures, list) else []:
        if not isinstance(node, Node):
            continue
        try:
            problems += _semantic(Measure.model_validate(dict(node)), node)
        except ValidationError:  # malformed (named above): its indicator may still be unknown
            indicator = node.get("indikator")
            if isinstance(indicator, str) and indicator.strip() and indicator.strip() not in indicator_catalogue():
                problems.append(Problem(node, "indikator", _UNKNOWN_INDICATOR.format(indicator.strip())))
    return (None, problems) if problems or goal is None else (goal, [])


def validate_rule(node: Node | None) -> StatusRule:
    if node is None:
        return DEFAULT_RULE
    try:
        return StatusRule.model_validate(dict(node))
    except ValidationError as exc:
        problem = _structural(node, exc.errors()[0])
        raise GoalFileError(f"{problem.where}: statusregel: {problem.reason}") from exc


# A folder ---------------------------------------------------------------------------------------------


def _raw(node: Node) -> str:
    """The item as JSON for raw.quarantine (nested lists left out; masked on the way in)."""
    flat = {k: v for k, v in node.items() if isinstance(v, str)}
    return json.dumps(flat, ensure_ascii=False)


@dataclass
class GoalLoad:
    goals: pl.DataFrame
    indicators: pl.DataFrame
    actions: pl.DataFrame
    quarantine: pl.DataFrame = field(default_factory=empty_quarantine)
    statuses: list[FileStatus] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)  # for the data engineer: file, line, problem

    def frames(self) -> dict[str, pl.DataFrame]:
        return {"goals": self.goals, "goal_indicators": self.indicators, "goal_actions": self.actions}


def _rows(goal: Goal, rule: StatusRule, order: int, file: str, root: Node) -> tuple[dict, list[dict], list[dict]]:
    def mask(text: str | None) -> str | None:
        return mask_personnummer(text)

    goal_row = {
        "goal_id": mask(goal.id),
        "title": mask(goal.titel),
        "description": mask(goal.beskrivning),
        "period_from": goal.period[0],
        "period_to": goal.period[1],
        "achieved_from_pct": rule.uppfyllt_fran,
        "partly_from_pct": rule.delvis_fran,
        "goal_rule": rule.malstatus,
        "sort_order": order,
        "source_file": file,
        "source_line": root.line,
    }
    measures = []
    for i, (m, node) in enumerate(zip(goal.matt, root.get("matt", []), strict=True), start=1):
        years_back = {"forbattring": m.antal_ar or DEFAULT_YEARS_BACK, "battre_an_forra_aret": 1}.get(m.maltyp)
        measures.append(
            {
                "goal_id": goal_row["goal_id"],
                "measure_no": i,
                "indicator_id": m.indikator,
                "level": m.niva,
                "unit_code": None if m.skolenhet in (None, ALL_UNITS) else m.skolenhet,
                "gender": m.kon,
                "direction": m.riktning,
                "target_type": m.maltyp,
                "target_value": m.malvarde,
                "years_back": years_back,
                "weight": m.vikt,
                "source_file": file,
                "source_line": node.line,
            }
        )
    actions = [
        {
            "goal_id": goal_row["goal_id"],
            "action_no": i,
            "action": mask(a.aktivitet),
            "status": a.status,
            "responsible": mask(a.ansvarig),
            "comment": mask(a.kommentar),
            "source_file": file,
            "source_line": node.line,
        }
        for i, (a, node) in enumerate(zip(goal.aktiviteter, root.get("aktiviteter", []), strict=True), start=1)
    ]
    return goal_row, measures, actions


def read_goal_file(path: Path) -> GoalFile:
    """The file as read, before validation; raises GoalFileError when it is no goals file at all."""
    return read_xlsx(path) if path.name.lower().endswith(".xlsx") else read_yaml(path)


def read_goal_folder(folder: Path) -> GoalLoad:
    """Every goals file of `folder` (oldest first). A goal id already loaded from an earlier file is
    quarantined in the later one; identical files are read once."""
    goal_rows: list[dict] = []
    measure_rows: list[dict] = []
    action_rows: list[dict] = []
    quarantine: list[dict] = []
    load = GoalLoad(*(pl.DataFrame(schema=s) for s in TABLES.values()))
    seen_hashes: dict[str, str] = {}
    loaded_ids: dict[str, str] = {}
    for entry in list_folder(folder, FOLDER, MAX_BYTES[FOLDER], SUFFIXES, SAVE_AS):
        if entry.outcome is not None:
            load.statuses.append(FileStatus(FOLDER, entry.name, entry.outcome, entry.reason, None, entry.size))
            if entry.outcome == "rejected":
                load.messages.append(mask_personnummer(f"{entry.name}: {entry.reason}"))
            continue
        _read_entry(entry, load, seen_hashes, loaded_ids, goal_rows, measure_rows, action_rows, quarantine)
    load.goals = pl.DataFrame(goal_rows, schema=GOALS_SCHEMA)
    load.indicators = pl.DataFrame(measure_rows, schema=GOAL_INDICATORS_SCHEMA)
    load.actions = pl.DataFrame(action_rows, schema=GOAL_ACTIONS_SCHEMA)
    load.quarantine = pl.DataFrame(quarantine, schema=QUARANTINE_SCHEMA)
    return load


def _read_entry(
    entry: Entry,
    load: GoalLoad,
    seen_hashes: dict[str, str],
    loaded_ids: dict[str, str],
    goal_rows: list[dict],
    measure_rows: list[dict],
    action_rows: list[dict],
    quarantine: list[dict],
) -> None:
    name = entry.name
    try:
        digest = content_hash(entry.path)
    except OSError:
        load.statuses.append(FileStatus(FOLDER, name, "rejected", "filen kan inte läsas", None, entry.size))
        return
    if digest in seen_hashes:
        reason = f"identisk med {seen_hashes[digest]}"
        load.statuses.append(FileStatus(FOLDER, name, "identical", reason, digest, entry.size))
        return
    seen_hashes[digest] = name
    try:
        parsed = read_goal_file(entry.path)
        rule = validate_rule(parsed.rule)
    except GoalFileError as exc:
        load.statuses.append(FileStatus(FOLDER, name, "rejected", exc.reason, digest, entry.size))
        load.messages.append(mask_personnummer(f"{name}: {exc.reason}"))
        return
    if not entry.unchanged():
        load.statuses.append(FileStatus(FOLDER, name, "retry", CHANGED_WHILE_READ, digest, entry.size))
        return
    loaded, refused = 0, []
    for node, problem in parsed.orphans:
        quarantine.append(
            {
                "file": name,
                "line": node.line,
                "column": GOAL_KEY,
                "reason": f"{node.where()}: {problem}",
                "raw": _raw(node),
            }
        )
        load.messages.append(mask_personnummer(f"{name}, {node.where()}: {problem}"))
    for order, root in enumerate(parsed.goals, start=1):
        goal, problems = validate_goal(root)
        problems.sort(key=lambda p: p.line)
        if goal is not None and goal.id in loaded_ids:
            problems = [Problem(root, "id", f"mål-id {goal.id!r} finns redan i {loaded_ids[goal.id]}")]
        if problems:
            goal_id = str(root.get("id", "")).strip() or f"nummer {order}"
            refused.append(goal_id)
            for p in problems:
                reason = f"{p.where}: mål {goal_id}: {p.reason}"
                quarantine.append(
                    {"file": name, "line": p.line, "column": p.field, "reason": reason, "raw": _raw(p.node)}
                )
                load.messages.append(mask_personnummer(f"{name}, {p.where}: mål {goal_id}: {p.reason}"))
            continue
        loaded_ids[goal.id] = name
        goal_row, measures, actions = _rows(goal, rule, len(goal_rows) + 1, name, root)
        goal_rows.append(goal_row)
        measure_rows.extend(measures)
        action_rows.extend(actions)
        loaded += 1
    rows_in = len(parsed.goals) + len(parsed.orphans)
    quarantined = rows_in - loaded
    reason = None
    if quarantined:
        shown = ", ".join(refused[:5]) + (f" och {len(refused) - 5} till" if len(refused) > 5 else "")
        n = len(parsed.orphans)
        orphans = f"{n} {'rad' if n == 1 else 'rader'} utan mål" if n else ""
        which = "; ".join(t for t in (f"mål i karantän: {shown}" if refused else "", orphans) if t)
        reason = f"{quarantined} av {rows_in} i karantän ({which}; se raw.quarantine)"
    outcome = "partly_quarantined" if quarantined else "loaded"
    load.statuses.append(FileStatus(FOLDER, name, outcome, reason, digest, entry.size, rows_in, loaded, quarantined))
