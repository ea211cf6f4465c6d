"""Årshjulet: the year's follow-ups of the systematic quality work, declared once — when each happens, which
data it needs, where that data comes from and which page shows it — and the rules that tell whether the
data is in. The Årshjul page (app_pages/arshjul.py) shows it; dashboards/inventory.py reads what the snapshot
holds and the page passes it to `evaluate`, which is pure (no Streamlit, no queries). Pages are named by
their declaration in dashboards/pages.py.

How a follow-up is judged. Each follow-up happens in one or more months. For each month the page looks at
its latest occurrence on or before today (this month counts): a follow-up in December seen in March is
last December's. The occurrence falls in a school year (July–June; 2025-12 → läsår 2025/26, written by the
year it ends, 2026). Each of its needs asks for data of that school year (or the one before) and, where the
data comes in parts, a period or occasion:

- a served need is judged by the newest school year (and part) the served tables hold — **inne** when it is
  at least the one asked for, **gammal** when only older data is served, **saknas** when none is;
- a need judged by load date (teachers' assessments — served only for cohorts that have left åk 9 —, and HT
  grades where the snapshot serves no term-grade indicators) is **inne** when a file of its landing folder
  was loaded on or after the first day of the month the data is made in (October, March; December for HT
  grades), **gammal** when the last file is older, **saknas** when the folder has never loaded a file.

A follow-up's status is its worst need's (saknas before gammal before inne).

To change the wheel (another month for the surveys, a follow-up of its own), edit WHEEL below; its tests
are in tests/test_dashboard_schools.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from dashboards import pages
from dashboards.pages import Page
from skolanalys.auth_settings import STOCKHOLM
from skolanalys.school_year import school_year_text

MONTHS = (
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
)
# The wheel is read in the school year's order: August first.
SCHOOL_YEAR_ORDER = (8, 9, 10, 11, 12, 1, 2, 3, 4, 5, 6, 7)

STATUSES = ("inne", "gammal", "saknas")  # best to worst
# Parts of a school year, in their order within it (periods of attendance; occasions of assessments, grades).
PARTS = {
    "P1": (2, "period 1 (juli–december)"),
    "P2": (3, "period 2 (januari–mars)"),
    "P3": (4, "period 3 (april–juni)"),
    "oktober": (1, "oktober"),
    "HT": (2, "höstterminen"),
    "mars": (3, "mars"),
    "VT": (4, "vårterminen"),
}


@dataclass(frozen=True)
class Source:
    """Where a follow-up's data comes from."""

    title: str
    origin: str  # as the page says it (Markdown): a landing sub-folder '`franvaro/`', or 'Kolada (nationell källa)'
    folders: tuple[str, ...] = ()  # landing sub-folders whose last loaded file dates the source
    national: str | None = None  # its data_freshness source
    by_load_date: bool = False  # judged by when a file was loaded, unless the served tables say more
    calendar_years: bool = False  # its years are calendar years (Kolada), not school years


SOURCES = {
    "franvaro": Source("Frånvaro per period", "`franvaro/`", folders=("franvaro",)),
    "bedomningar": Source("Lärarnas bedömningar", "`bedomningar/`", folders=("bedomningar",), by_load_date=True),
    "terminsbetyg": Source("Terminsbetyg", "`betyg/`", folders=("betyg",), by_load_date=True),
    "slutbetyg": Source("Slutbetyg åk 9", "`betyg/` och `elever/`", folders=("betyg", "elever")),
    "nationella_prov": Source("Nationella prov", "`nationella_prov/`", folders=("nationella_prov",)),
    "enkater": Source("Enkätresultat", "`enkater/`", folders=("enkater",)),
    "kolada": Source(
        "Kolada: kommunen, riket och liknande kommuner",
        "Kolada (nationell källa)",
        national="kolada",
        calendar_years=True,
    ),
    "mal": Source("Nämndens mål och deras utfall", "`mal/`", folders=("mal",)),
}


@dataclass(frozen=True)
class Need:
    """Data a follow-up needs: of the school year under way at the follow-up (school_year 0) or the one
    before (-1), and — for data that comes in parts — which period or occasion. A source judged by load date
    needs a file loaded on or after the 1st of `loaded_from_month` (its latest on or before the follow-up)."""

    source: str
    school_year: int = 0
    part: str | None = None
    loaded_from_month: int | None = None


@dataclass(frozen=True)
class FollowUp:
    key: str
    title: str
    months: tuple[int, ...]
    what: str
    needs: tuple[Need, ...]
    pages: tuple[Page, ...]  # the pages that show its data (dashboards/pages.py)


RESULTS_OF_THE_YEAR = (
    Need("slutbetyg"),
    Need("nationella_prov"),
    Need("franvaro", part="P3"),
    Need("enkater"),
)
RESULTS_OF_LAST_YEAR = tuple(Need(n.source, -1, n.part) for n in RESULTS_OF_THE_YEAR)

WHEEL = (
    FollowUp(
        "kvalitetsrapport_huvudman",
        "Kvalitetsrapport, huvudmannen",
        (8, 9),
        "Huvudmannens analys av läsåret som gått: resultat, prov, frånvaro och enkäter per skolenhet.",
        RESULTS_OF_LAST_YEAR,
        (pages.OVERSIKT, pages.SKOLOR),
    ),
    FollowUp(
        "delarsrapport",
        "Delårsrapport",
        (5, 9),
        "Nämndens delårsrapport efter fyra månader (per 30 april) och åtta månader (per 31 augusti): "
        "målens utfall för det senaste avslutade läsåret.",
        (Need("mal", -1),),
        (pages.OVERSIKT,),
    ),
    FollowUp(
        "bedomningar_oktober",
        "Uppföljning av alla elevers utveckling mot målen (oktober)",
        (10,),
        "Lärarnas bedömningar av varje elevs kunskaper i svenska/svenska som andraspråk, matematik och "
        "engelska, från årskurs 1.",
        (Need("bedomningar", 0, "oktober", loaded_from_month=10),),
        (pages.FORADLINGSVARDE,),
    ),
    FollowUp(
        "franvaro_period_1",
        "Frånvaro, period 1",
        (12,),
        "Frånvaron juli–december per skolenhet, med rapporteringsgraden.",
        (Need("franvaro", 0, "P1"),),
        (pages.FRANVARO,),
    ),
    FollowUp(
        "terminsbetyg_ht",
        "Terminsbetyg, höstterminen",
        (1,),
        "Höstterminens betyg från årskurs 6.",
        (Need("terminsbetyg", 0, "HT", loaded_from_month=12),),
        (pages.RESULTAT,),
    ),
    FollowUp(
        "arsbokslut",
        "Årsbokslut",
        (2,),
        "Nämndens verksamhetsberättelse för året som gått: målens utfall och kommunen jämförd med riket och "
        "liknande kommuner.",
        (Need("mal", -1), Need("kolada", -1)),
        (pages.OVERSIKT, pages.JAMFORELSER),
    ),
    FollowUp(
        "franvaro_period_2",
        "Frånvaro, period 2",
        (3,),
        "Frånvaron januari–mars per skolenhet, med rapporteringsgraden.",
        (Need("franvaro", 0, "P2"),),
        (pages.FRANVARO,),
    ),
    FollowUp(
        "bedomningar_mars",
        "Uppföljning av alla elevers utveckling mot målen (mars)",
        (3,),
        "Lärarnas bedömningar av varje elevs kunskaper i svenska/svenska som andraspråk, matematik och "
        "engelska, från årskurs 1.",
        (Need("bedomningar", 0, "mars", loaded_from_month=3),),
        (pages.FORADLINGSVARDE,),
    ),
    FollowUp(
        "enkater",
        "Enkätresultat",
        (4,),
        "Elev- och vårdnadshavarenkätens resultat för läsåret: trygghet, studiero, trivsel, delaktighet.",
        (Need("enkater"),),
        (pages.ENKATER,),
    ),
    FollowUp(
        "prov_och_slutbetyg",
        "Nationella prov och slutbetyg",
        (6,),
        "Provresultaten i årskurs 6 och 9 och slutbetygen i årskurs 9: meritvärde, alla ämnen, behörighet.",
        (Need("nationella_prov"), Need("slutbetyg")),
        (pages.NATIONELLA_PROV, pages.RESULTAT),
    ),
    FollowUp(
        "franvaro_period_3",
        "Frånvaro, period 3",
        (6,),
        "Frånvaron april–juni och hela läsåret per skolenhet, med rapporteringsgraden.",
        (Need("franvaro", 0, "P3"),),
        (pages.FRANVARO,),
    ),
    FollowUp(
        "kvalitetsrapport_skolenheter",
        "Kvalitetsrapport, skolenheterna (senast 30 juni)",
        (6,),
        "Rektorernas kvalitetsrapporter inför kvalitetsdialogen: läsårets resultat per skolenhet.",
        RESULTS_OF_THE_YEAR,
        (pages.SKOLOR,),
    ),
)


@dataclass(frozen=True)
class Evidence:
    """What the served tables say about a source: the newest school year (by its last calendar year; Kolada:
    the calendar year) and part they hold, and when a file of its folders was last loaded (for a national
    source: last fetched, and the date of its data)."""

    latest_year: int | None = None
    latest_part: str | None = None
    loaded_at: datetime | None = None
    files: int = 0
    data_as_of: date | None = None


@dataclass(frozen=True)
class NeedState:
    need: Need
    source: Source
    status: str
    asked: str  # what the follow-up needs, in words
    latest: str  # what is in, in words ('' for a need judged by load date: `loaded` says it)
    loaded: str  # when the data came, in words


@dataclass(frozen=True)
class Occurrence:
    follow_up: FollowUp
    month: int
    day: date  # the first day of the occurrence's month
    status: str
    needs: tuple[NeedState, ...]


def today() -> date:
    """Today in Swedish time (the tests put the wheel on a day of their own)."""
    return datetime.now(STOCKHOLM).date()


def swedish_date(day: date | datetime) -> str:
    """'1 december 2026'."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def month_name(month: int) -> str:
    return MONTHS[month - 1]


def occurrence(month: int, day: date) -> date:
    """The first day of the latest `month` on or before `day` (this month counts)."""
    return date(day.year if month <= day.month else day.year - 1, month, 1)


def school_year_of(day: date) -> int:
    """The school year (by the year it ends) that `day` falls in: July–June."""
    return day.year + 1 if day.month >= 7 else day.year


def _rank(part: str | None, default: int) -> int:
    return PARTS[part][0] if part in PARTS else default


def key_text(source: Source, year: int, part: str | None) -> str:
    text = f"år {year}" if source.calendar_years else f"läsår {school_year_text(year)}"
    return f"{text}, {PARTS[part][1]}" if part in PARTS else text


def _swedish_day(moment: datetime | None) -> date | None:
    """The day in Sweden of a time (a time without a zone is UTC, as the pipeline writes it)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(STOCKHOLM).date()


def need_state(need: Need, day: date, evidence: Evidence, loaded_text: str) -> NeedState:
    """How one need of the occurrence starting `day` stands. `loaded_text` says when its data came."""
    source = SOURCES[need.source]
    # Kolada's year of a school year is the calendar year it ends in: the same number either way.
    year = school_year_of(day) + need.school_year
    asked = key_text(source, year, need.part)
    if source.by_load_date and evidence.latest_year is None:
        month = need.loaded_from_month or day.month
        since = date(day.year if month <= day.month else day.year - 1, month, 1)
        asked += f" (en fil inläst från {swedish_date(since)})"
        loaded = _swedish_day(evidence.loaded_at)
        recent = loaded is not None and loaded >= since
        status = ("inne" if recent else "gammal") if evidence.files else "saknas"
        return NeedState(need, source, status, asked, "", loaded_text)
    if evidence.latest_year is None:
        return NeedState(need, source, "saknas", asked, "inget publicerat", loaded_text)
    have = (evidence.latest_year, _rank(evidence.latest_part, 9))
    status = "inne" if have >= (year, _rank(need.part, 0)) else "gammal"
    return NeedState(
        need, source, status, asked, key_text(source, evidence.latest_year, evidence.latest_part), loaded_text
    )


def evaluate(day: date, evidence: dict[str, Evidence], loaded_texts: dict[str, str]) -> list[Occurrence]:
    """Every follow-up's latest occurrence per month, in the school year's order (August first)."""
    worst = {s: i for i, s in enumerate(STATUSES)}
    rows = []
    for month in SCHOOL_YEAR_ORDER:
        for follow_up in WHEEL:
            if month not in follow_up.months:
                continue
            start = occurrence(month, day)
            states = tuple(
                need_state(n, start, evidence.get(n.source, Evidence()), loaded_texts.get(n.source, "aldrig"))
                for n in follow_up.needs
            )
            status = max((s.status for s in states), key=worst.get)
            rows.append(Occurrence(follow_up, month, start, status, states))
    return rows
