"""Great Expectations suites for the raw tables, each expectation with a Swedish note on what to do.

`suites.SUITES` maps a raw table to its suite; `runner.validate` runs one. No Dagster here: the pipeline
wraps each suite in an asset check (blocking where bad data would corrupt the marts).
"""
