"""The municipality's own SALSA-type model (skolanalys/equity/salsa.py): per school, school year and outcome
the actual result, the result expected from the pupils' background, the deviation and its 95 % interval.
Before disclosure control (salsa_comparison)."""


def model(dbt, session):
    dbt.config(materialized="table")
    from skolanalys.equity.salsa import salsa_table

    pupils = dbt.ref("int_year9_pupil_background").pl()
    return salsa_table(pupils).to_arrow()
