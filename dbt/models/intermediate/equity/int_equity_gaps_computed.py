"""Gaps between groups of pupils (girls–boys, parents' education, newly arrived) with their 95 % intervals,
for the kommun and each school unit, per school year and outcome: skolanalys/equity/gaps.py. Before
disclosure control (int_equity_gap_cells, equity_gaps)."""


def model(dbt, session):
    dbt.config(materialized="table")
    from skolanalys.equity.gaps import gaps_table

    pupils = dbt.ref("int_year9_pupil_background").pl()
    return gaps_table(pupils).to_arrow()
