"""What `skolanalys export` can make, declared once and light to import: the named exports of the year's
wheel, the levels, periods and file formats. The command line reads it to build its options without loading
pyarrow or pandas (skolanalys/exports/command.py); selection.py and writers.py do the work."""

from __future__ import annotations

from dataclasses import dataclass


class ExportError(Exception):
    """A mistake the user can fix (unknown table, unit, id; no snapshot): one Swedish line, exit 2."""


@dataclass(frozen=True)
class TablePick:
    """One served table in an export. years: the window of years ending at the export's year (1 = that year
    only; None = every year); topics: only the indicators of these topics (indicators, indicator_values);
    periods: only these attendance periods (0 = the whole school year)."""

    table: str
    years: int | None = 1
    topics: tuple[str, ...] | None = None
    periods: tuple[int, ...] | None = None


@dataclass(frozen=True)
class NamedExport:
    name: str
    title: str  # Swedish, as "Om underlaget" and --list say it
    when: str  # when in the year it is made, and what the year means
    tables: tuple[TablePick, ...]


ALL_TOPICS = ("betyg_ak9", "betyg_termin", "nationella_prov", "franvaro", "enkater", "kolada")
YEAR_END_TOPICS = ("betyg_ak9", "nationella_prov", "franvaro", "enkater", "kolada")

# The named exports of the year's wheel (dashboards/arshjul.py has the months). A year Y is the calendar
# year in which läsår (Y-1)/Y ends — the year of Kolada's period and of the årsbokslut that reports it.
NAMED_EXPORTS: dict[str, NamedExport] = {
    "arsbokslut": NamedExport(
        "arsbokslut",
        "Årsbokslut",
        "februari: året som gått — läsåret som slutade det året, fem år bakåt med riket och liknande kommuner",
        (
            TablePick("indicators", years=None, topics=YEAR_END_TOPICS),
            TablePick("indicator_values", years=5, topics=YEAR_END_TOPICS),
            TablePick("benchmarking", years=5),
            TablePick("attendance_by_period", years=2),
            TablePick("survey_results", years=1),
            TablePick("goal_status", years=1),
            TablePick("goal_results", years=1),
            TablePick("goal_actions", years=None),
        ),
    ),
    "delarsrapport-4": NamedExport(
        "delarsrapport-4",
        "Delårsrapport efter april",
        "maj: januari–april — det pågående läsårets terminsbetyg HT och frånvaron period 1–2, mot året före",
        (
            TablePick("indicators", years=None, topics=("betyg_termin", "franvaro")),
            TablePick("indicator_values", years=2, topics=("betyg_termin", "franvaro")),
            TablePick("attendance_by_period", years=2, periods=(1, 2)),
            TablePick("goal_status", years=1),
            TablePick("goal_actions", years=None),
        ),
    ),
    "delarsrapport-8": NamedExport(
        "delarsrapport-8",
        "Delårsrapport efter augusti",
        "september: januari–augusti — läsåret som just slutade: slutbetyg, nationella prov, frånvaro, enkäter",
        (
            TablePick("indicators", years=None, topics=ALL_TOPICS[:5]),
            TablePick("indicator_values", years=3, topics=ALL_TOPICS[:5]),
            TablePick("grade_test_discrepancy", years=1),
            TablePick("attendance_by_period", years=2),
            TablePick("survey_results", years=1),
            TablePick("goal_status", years=1),
            TablePick("goal_results", years=1),
            TablePick("goal_actions", years=None),
        ),
    ),
    "kvalitetsrapport": NamedExport(
        "kvalitetsrapport",
        "Kvalitetsrapport",
        "juni–september: Var är vi? Vart ska vi? Hur gör vi? Hur blev det? — fem år, riket och liknande kommuner",
        (
            TablePick("indicators", years=None, topics=ALL_TOPICS),
            TablePick("indicator_values", years=5, topics=ALL_TOPICS),
            TablePick("benchmarking", years=5),
            TablePick("grade_test_discrepancy", years=3),
            TablePick("attendance_by_period", years=3),
            TablePick("survey_results", years=3),
            TablePick("skolenkaten_results", years=5),
            TablePick("equity_gaps", years=5),
            TablePick("equity_decomposition", years=5),
            TablePick("salsa_comparison", years=5),
            TablePick("value_added", years=5),
            TablePick("value_added_population", years=5),
            TablePick("similar_units", years=1),
            TablePick("similar_units_comparison", years=5),
            TablePick("goal_status", years=2),
            TablePick("goal_results", years=2),
            TablePick("goal_actions", years=None),
        ),
    ),
}
LEVELS = ("kommun", "skolor", "skolenhet")
LEVEL_TEXT = {"kommun": "kommunen", "skolor": "kommunen och alla skolenheter", "skolenhet": "en skolenhet"}
PERIOD_NAMES = {
    0: "hela läsåret",
    1: "period 1 (juli–december)",
    2: "period 2 (januari–mars)",
    3: "period 3 (april–juni)",
}
FORMATS = ("xlsx", "csv", "parquet")
