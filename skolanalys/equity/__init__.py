"""Likvärdighet and background-adjusted comparisons on the municipality's own åk 9 pupils: gaps between
groups with intervals (gaps.py), the kommun's gap split into within- and between-school parts and the
between-school share of the variance (decomposition.py), and a SALSA-type model (salsa.py).

Pure functions on polars frames of pupils (the columns of the dbt model int_year9_pupil_background), called
by the dbt Python models in dbt/models/intermediate/equity/ and by the tests. They compute statistics only:
disclosure control is applied afterwards, in the marts (dbt/macros/disclosure_control.sql).
"""
