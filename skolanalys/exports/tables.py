"""What exports need to know about each served table (pipelines/serving_tables.py::SERVED_TABLES): the key
that identifies a row (for --diff; the dbt `unique_combination` tests where the marts declare one), the
column a year selects by, and which value columns a status column governs (a hidden or missing value is
written as the text '..' or '.', never blank or 0)."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipelines.serving_tables import CONTROLLED_CELLS

# Table → status column → the value columns whose null means "hidden" or "missing" by that status.
# A table without a status column governs with None: a null there is '.'.
_ATTENDANCE = (*CONTROLLED_CELLS["attendance_by_period"], "n")


@dataclass(frozen=True)
class TableSpec:
    keys: tuple[str, ...]
    # year: the calendar year the school year ends; cohort: the year the cohort's outcome is set (null rows =
    # all cohorts pooled, kept whatever the year); school_year: a läsår '2024/25'; None: no year (catalogues)
    year: str | None = "year"
    # the column with a skolenhetskod (tables with a `level` column: also kommun); unit_code where a table has it
    unit: str | None = "unit_code"
    cells: dict[str | None, tuple[str, ...]] = field(default_factory=dict)
    # Only for whoever may see the data-quality view (förvaltningen): dashboards/data.py decides the same.
    data_quality: bool = False
    kolada: bool = False  # holds Kolada's figures: "Källa: Kolada (RKA)" goes with it


TABLES: dict[str, TableSpec] = {
    "indicators": TableSpec(keys=("indicator_id",), year=None, unit=None),
    "indicator_values": TableSpec(
        keys=("indicator_id", "level", "unit_code", "year", "gender", "source"),
        cells={"status": ("value", "n")},
        kolada=True,
    ),
    "benchmarking": TableSpec(
        keys=("kpi_id", "year", "gender"),
        unit=None,
        cells={"status": ("value",), "riket_status": ("riket_value",)},
        kolada=True,
    ),
    "reconciliation": TableSpec(
        keys=("indicator_id", "level", "unit_code", "year", "gender", "official_source"),
        cells={"local_status": ("local_value", "local_n"), "official_status": ("official_value",)},
        data_quality=True,
        kolada=True,
    ),
    "data_freshness": TableSpec(keys=("source",), year=None, unit=None),
    "skolenkaten_results": TableSpec(
        keys=("survey", "year", "respondent_group", "level", "unit_code", "area_no", "gender"),
        cells={"status": ("value",)},
    ),
    "siris_unit_statistics": TableSpec(
        # the key columns a snapshot has (older ones: school units only, without level and unit_code)
        keys=(
            "report",
            "level",
            "unit_code",
            "school_unit_code",
            "year",
            "measure",
            "subject",
            "gender",
            "breakdown",
            "organiser_type",
        ),
        unit="school_unit_code",
        cells={"status": ("value",)},
    ),
    "grade_test_discrepancy": TableSpec(
        keys=("level", "unit_code", "year", "grade_level", "subject", "gender"),
        cells={"status": ("share_higher", "share_same", "share_lower", "n")},
    ),
    "survey_results": TableSpec(
        keys=("survey", "area", "level", "unit_code", "grade_level", "gender"),
        cells={"status": ("share_positive", "index_value", "n")},
    ),
    "attendance_by_period": TableSpec(
        keys=("level", "unit_code", "year", "period", "gender"),
        cells={"status": _ATTENDANCE},
    ),
    "data_quality_files": TableSpec(keys=("folder", "file_name"), year=None, unit=None, data_quality=True),
    "data_quality_quarantine": TableSpec(
        keys=("folder", "file_name", "column_name", "reason"), year=None, unit=None, data_quality=True
    ),
    "equity_gaps": TableSpec(
        keys=("year", "level", "unit_code", "outcome", "dimension"),
        cells={"status": ("n_a", "n_b", "n", "mean_a", "mean_b", "gap", "ci_low", "ci_high")},
    ),
    "equity_decomposition": TableSpec(
        keys=("year", "measure", "outcome", "dimension"),
        unit=None,
        cells={
            "status": (
                "total_gap",
                "within_school",
                "within_ci_low",
                "within_ci_high",
                "between_school",
                "between_school_share_pct",
                "share_ci_low",
                "share_ci_high",
            )
        },
    ),
    "salsa_comparison": TableSpec(
        keys=("unit_code", "year", "outcome", "source", "publisher"),
        cells={"status": ("actual", "expected", "deviation", "ci_low", "ci_high")},
        kolada=True,
    ),
    "similar_units": TableSpec(
        keys=("unit_code", "rank"), year="school_year", cells={"status": ("parents_education", "share_boys")}
    ),
    "similar_units_comparison": TableSpec(keys=("unit_code", "year", "outcome"), cells={None: ("own_value",)}),
    "value_added": TableSpec(
        keys=("stage", "model", "outcome", "cohort", "level", "unit_code", "gender"),
        year="cohort",
        cells={"status": ("n", "va", "se", "ci_low", "ci_high", "va_shrunk")},
    ),
    "value_added_population": TableSpec(
        keys=("stage", "cohort", "level", "unit_code", "gender"),
        year="cohort",
        cells={"status": ("n", "n_with_prior", "n_no_prior", "n_movers", "n_arrived", "n_left", "n_newly_arrived")},
    ),
    "cohort_progression": TableSpec(
        keys=("cohort", "level", "unit_code", "measure", "grade_level", "occasion", "gender"),
        year="cohort",
        cells={"status": ("share", "n")},
    ),
    "goal_results": TableSpec(
        keys=("goal_id", "measure_no", "unit_code", "year"),
        cells={
            "value_status": ("value", "n", "ci_low", "ci_high"),
            "value_status_1": ("value_1",),
            "value_status_2": ("value_2",),
        },
    ),
    "goal_status": TableSpec(keys=("goal_id", "year"), unit=None),
    "goal_actions": TableSpec(keys=("goal_id", "action_no"), year=None, unit=None),
}

# Publishers' own statuses for a value they do not give: Kolada's 'Privacy' and Skolinspektionen's '-' (fewer
# than 5 respondents) are hidden to protect individuals — '..'; every other code (Kolada's 'Missing',
# Skolverket's '.', '~100', '*') means there is no figure to show — '.'.
HIDDEN_STATUSES = frozenset({"..", "Privacy", "-"})


def reason_code(status: object) -> str:
    """The text a governed null value is written as: '..' (hidden) or '.' (no figure)."""
    return ".." if isinstance(status, str) and status in HIDDEN_STATUSES else "."


def spec(table: str) -> TableSpec:
    """The table's declaration; a served table added later without one is exported with defaults."""
    return TABLES.get(table) or TableSpec(keys=())
