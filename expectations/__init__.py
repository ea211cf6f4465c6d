"""Checks on the raw tables, each expectation with a Swedish note on what to do.

`suites.SUITES` maps a check to its suite; `runner.run_suite` runs one in DuckDB on the rows of files new to
it (plus cheap whole-table invariants). The rules are the readers' own (sources/landing/). No Dagster here:
the pipeline wraps each suite in an asset check (blocking where bad data would corrupt the marts).
"""
