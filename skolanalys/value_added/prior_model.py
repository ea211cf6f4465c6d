"""The prior-attainment model (the method of England's Progress 8, within the municipality's own pupils).

A pupil's expected outcome is the mean outcome of the reference population's pupils in the same
prior-attainment bin; the pupil's value added is actual − expected (docs/value_added.md).
"""

from __future__ import annotations

import numpy as np

# Bins of the prior on its points scale (grade points 0–20): 0.5-point steps, and a step with fewer pupils
# than MIN_BIN_PUPILS is merged with the steps above it (the last, with the bin below), so every expected
# value is a mean of at least MIN_BIN_PUPILS pupils whenever the reference population has that many.
BIN_STEP = 0.5
MIN_BIN_PUPILS = 30


def prior_bins(prior: np.ndarray, step: float = BIN_STEP, min_pupils: int = MIN_BIN_PUPILS) -> np.ndarray:
    """Bin number (0, 1, … from the lowest prior) of each pupil.

    Steps of `step` points (prior 12.49 and 12.0 share the step [12.0, 12.5)); going up from the lowest
    step, steps are joined until the bin holds at least `min_pupils` pupils; pupils left over at the top
    join the bin below them."""
    prior = np.asarray(prior, dtype=float)
    if prior.size == 0:
        return np.zeros(0, dtype=int)
    steps = np.floor(prior / step + 1e-9).astype(int)
    values, counts = np.unique(steps, return_counts=True)
    bin_of_step = np.empty(len(values), dtype=int)
    current, filled = 0, 0
    for i, count in enumerate(counts):
        bin_of_step[i] = current
        filled += count
        if filled >= min_pupils:
            current, filled = current + 1, 0
    if 0 < filled < min_pupils and current > 0:
        bin_of_step[bin_of_step == current] = current - 1  # a short top bin joins the one below
    return bin_of_step[np.searchsorted(values, steps)]


def expected_outcomes(prior: np.ndarray, outcome: np.ndarray) -> np.ndarray:
    """Expected outcome of each pupil: the mean outcome of the pupils (the reference population passed in)
    in the pupil's prior bin."""
    bins = prior_bins(prior)
    outcome = np.asarray(outcome, dtype=float)
    if outcome.size == 0:
        return outcome
    sums = np.bincount(bins, weights=outcome)
    counts = np.bincount(bins)
    return (sums / counts)[bins]
