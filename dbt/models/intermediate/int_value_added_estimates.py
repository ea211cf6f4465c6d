"""Förädlingsvärde before disclosure control: both models (prior attainment, contextual), both outcomes,
per stage, cohort (null = all cohorts), school unit and the municipality, and gender — computed by
skolanalys.value_added from the pupil-level int_value_added_pupils (docs/value_added.md). A dbt Python
model, so that the estimation is one step of the one dbt build and rebuilt whenever its inputs change."""


def model(dbt, session):
    from skolanalys.value_added import estimate

    dbt.config(materialized="table")
    reference = dbt.config.get("reference")
    pupils = dbt.ref("int_value_added_pupils").pl()
    # The kommun's rows with unit_code null: the marts fill in var kommunkod.
    return estimate(pupils, reference=reference).to_arrow()
