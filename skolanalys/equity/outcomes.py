"""What is compared: the outcomes (with their denominators, as Skolverket and Kolada define them) and the
pupil groups. Declared once here; every analysis in skolanalys.equity reads these."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

CONFIDENCE = 0.95  # every interval in skolanalys.equity is a 95 % interval


@dataclass(frozen=True)
class Outcome:
    name: str  # as served: meritvarde, alla_amnen, behorighet_yrkes
    indicator_id: str  # the Kolada id of the same measure in indicator_values (same pupils, same value)
    column: str  # the pupil column of int_year9_pupil_background
    kind: str  # mean (points) or share (the pupil column is true/false; served in % and procentenheter)
    population: str | None  # a boolean column the pupil must have true to count, None = every pupil
    unit: str  # Swedish unit of the values and of the gaps


OUTCOMES: dict[str, Outcome] = {
    # Average meritvärde: pupils with at least one passed grade (N15505's denominator).
    "meritvarde": Outcome("meritvarde", "N15505", "merit_value", "mean", "has_any_pass", "meritvärdespoäng"),
    # Shares: every pupil with final grades.
    "alla_amnen": Outcome("alla_amnen", "N15419", "passed_all_subjects", "share", None, "procentenheter"),
    "behorighet_yrkes": Outcome("behorighet_yrkes", "N15436", "eligible_vocational", "share", None, "procentenheter"),
}


@dataclass(frozen=True)
class Dimension:
    name: str  # as served: kon, foraldrars_utbildning, nyanland
    column: str  # the pupil column that says the group
    value_a: object  # the column's value for group a
    value_b: object  # … and for group b; pupils with any other value (unknown) are in neither
    label_a: str
    label_b: str


# gap = mean of group a − mean of group b
DIMENSIONS: dict[str, Dimension] = {
    "kon": Dimension("kon", "gender", "K", "M", "flickor", "pojkar"),
    "foraldrars_utbildning": Dimension(
        "foraldrars_utbildning", "has_post_secondary_parents", True, False, "eftergymnasial", "ej eftergymnasial"
    ),
    "nyanland": Dimension("nyanland", "is_newly_arrived", False, True, "ej nyanlända", "nyanlända"),
}


def outcome_values(pupils: pl.DataFrame, outcome: Outcome) -> pl.DataFrame:
    """The outcome's population with the outcome as `y`: points, or 0/100 for a share."""
    frame = pupils if outcome.population is None else pupils.filter(pl.col(outcome.population))
    y = pl.col(outcome.column).cast(pl.Float64)
    return frame.with_columns((y * 100.0 if outcome.kind == "share" else y).alias("y"))


def group_of(dimension: Dimension) -> pl.Expr:
    """'a', 'b' or null (the pupil is in neither group, e.g. parents' education not known)."""
    col = pl.col(dimension.column)
    return pl.when(col == dimension.value_a).then(pl.lit("a")).when(col == dimension.value_b).then(pl.lit("b"))


OUTCOMES_SCHEMA = {"outcome": pl.Utf8, "indicator_id": pl.Utf8, "kind": pl.Utf8, "outcome_unit": pl.Utf8}
DIMENSIONS_SCHEMA = {
    "dimension": pl.Utf8,
    "group_a": pl.Utf8,
    "group_b": pl.Utf8,
    "gender_a": pl.Utf8,  # for a split by gender: the indicator_values gender of group a (K), else null
    "gender_b": pl.Utf8,
}


def outcomes_table() -> pl.DataFrame:
    """OUTCOMES as a table, for the SQL models (dbt model int_equity_outcomes)."""
    rows = [(o.name, o.indicator_id, o.kind, o.unit) for o in OUTCOMES.values()]
    return pl.DataFrame(rows, schema=OUTCOMES_SCHEMA, orient="row")


def dimensions_table() -> pl.DataFrame:
    """DIMENSIONS as a table; a split by gender names the indicator_values cells its groups coincide with."""
    rows = [
        (d.name, d.label_a, d.label_b, *((d.value_a, d.value_b) if d.column == "gender" else (None, None)))
        for d in DIMENSIONS.values()
    ]
    return pl.DataFrame(rows, schema=DIMENSIONS_SCHEMA, orient="row")
