"""Bands decided by the interval, not by the point estimate (as Progress 8's five bands).

- well_above: the interval lies wholly above 0 and va ≥ +WELL[outcome]
- above:      the interval lies wholly above 0 (and va < WELL)
- average:    the interval includes 0
- below:      the interval lies wholly below 0 (and va > −WELL)
- well_below: the interval lies wholly below 0 and va ≤ −WELL[outcome]

Progress 8 draws "well above/below" at ±0.5: half a grade per subject slot. The same in meritvärde is half a
grade step (2.5 points between E, D, C, B and A) in each of 16 subjects, 20 points; for the share passing
all subjects (percentage points) the project takes 10 percentage points. No interval (too few pupils, or
the municipality against itself) → no band.
"""

from __future__ import annotations

import numpy as np

WELL = {"meritvarde": 20.0, "alla_amnen": 10.0}
LABELS_SV = {
    "well_above": "mycket över",
    "above": "över",
    "average": "genomsnitt",
    "below": "under",
    "well_below": "mycket under",
}


def bands(va: np.ndarray, ci_low: np.ndarray, ci_high: np.ndarray, outcome: str) -> list[str | None]:
    well = WELL[outcome]
    out: list[str | None] = []
    for v, low, high in zip(va, ci_low, ci_high, strict=True):
        if v is None or low is None or high is None or not (np.isfinite(low) and np.isfinite(high)):
            out.append(None)
        elif low > 0:
            out.append("well_above" if v >= well else "above")
        elif high < 0:
            out.append("well_below" if v <= -well else "below")
        else:
            out.append("average")
    return out
