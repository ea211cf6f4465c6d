"""What the equity models compare, from skolanalys/equity/outcomes.py (declared once, there): one row per
outcome × dimension, with the outcome's Kolada id and unit and the dimension's groups."""


def model(dbt, session):
    dbt.config(materialized="table")
    from skolanalys.equity.outcomes import dimensions_table, outcomes_table

    return outcomes_table().join(dimensions_table(), how="cross").sort("outcome", "dimension").to_arrow()
