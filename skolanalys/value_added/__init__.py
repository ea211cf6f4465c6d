"""Förädlingsvärde: value added of school units per cohort (årskull), by prior attainment and in context.

Pure functions on polars frames; the warehouse runs them in the dbt Python model
`int_value_added_estimates` (dbt/models/intermediate), the tests and bench/bench_value_added.py call them
directly. Rules, formulas and validation: docs/value_added.md.

- prior_model: Progress 8's method — expected outcome = mean outcome of the pupil's prior bin
- contextual: OLS with the prior (spline), background and school intercepts, one per cohort
- cells: school units and the municipality, T/K/M, per cohort and pooled, with 95 % intervals
- shrinkage: empirical Bayes towards 0
- bands: well above … well below, decided by the interval
- estimate: all of it for every stage, model and outcome
"""

from .estimate import ESTIMATE_SCHEMA, MODELS, OUTCOMES, PUPIL_SCHEMA, REFERENCES, STAGES, estimate

__all__ = ["ESTIMATE_SCHEMA", "MODELS", "OUTCOMES", "PUPIL_SCHEMA", "REFERENCES", "STAGES", "estimate"]
