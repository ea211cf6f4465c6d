"""The kommun's gaps split into within- and between-school parts, and the between-school share of the
variance in meritvärde, per school year: skolanalys/equity/decomposition.py. Before disclosure control
(equity_decomposition)."""


def model(dbt, session):
    dbt.config(materialized="table")
    from skolanalys.equity.decomposition import decomposition_table

    pupils = dbt.ref("int_year9_pupil_background").pl()
    return decomposition_table(pupils).to_arrow()
