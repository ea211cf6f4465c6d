"""Empirical-Bayes shrinkage of school units' value added towards 0 (the municipality's average).

The between-school variance τ² is estimated from the schools' estimates and their sampling variances s_j²
by the method of moments of DerSimonian and Laird (1986):

    w_j = 1/s_j²,  ȳ = Σ w_j y_j / Σ w_j,  Q = Σ w_j (y_j − ȳ)²,
    τ² = max(0, (Q − (k − 1)) / (Σ w_j − Σ w_j² / Σ w_j))

and each estimate is shrunk by the reliability τ² / (τ² + s_j²): a small school with a wide interval moves
most of the way to 0, a large one hardly at all (Raudenbush & Bryk, Hierarchical Linear Models, ch. 3).
"""

from __future__ import annotations

import numpy as np


def between_school_variance(va: np.ndarray, variance: np.ndarray) -> float:
    va, variance = np.asarray(va, dtype=float), np.asarray(variance, dtype=float)
    usable = np.isfinite(va) & np.isfinite(variance) & (variance > 0)
    va, variance = va[usable], variance[usable]
    if len(va) < 2:
        return 0.0
    w = 1.0 / variance
    mean = (w * va).sum() / w.sum()
    q = (w * (va - mean) ** 2).sum()
    denominator = w.sum() - (w**2).sum() / w.sum()
    return float(max(0.0, (q - (len(va) - 1)) / denominator)) if denominator > 0 else 0.0


def shrink(va: np.ndarray, variance: np.ndarray, tau2: float) -> np.ndarray:
    """va·τ²/(τ² + s²); an estimate without a usable variance is not shrunk (null stays null)."""
    va, variance = np.asarray(va, dtype=float), np.asarray(variance, dtype=float)
    usable = np.isfinite(variance) & (variance > 0)
    reliability = np.ones_like(va)
    np.divide(tau2, tau2 + variance, out=reliability, where=usable)
    return va * reliability
