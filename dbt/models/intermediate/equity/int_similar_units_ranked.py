"""Liknande skolenheter (skolanalys/similar_units.py): for each of the municipality's schools with åk 9, the
10 Swedish school units nearest in background, with the standardised distance."""


def model(dbt, session):
    dbt.config(materialized="table")
    from skolanalys.similar_units import nearest, with_log_pupils

    own = with_log_pupils(dbt.ref("int_similar_units_own_background").pl())
    pool = with_log_pupils(dbt.ref("int_national_unit_candidates").pl())
    return nearest(own, pool).to_arrow()
