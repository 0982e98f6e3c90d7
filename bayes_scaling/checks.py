"""Argument validators: every option a user passes is checked here, with a message that names it."""

from __future__ import annotations

import numpy as np

from .errors import ArgumentError

__all__ = ["check_discrepancy", "check_n", "check_prob", "check_targets"]


def check_prob(prob, name: str = "prob") -> float:
    """Validate a probability mass for an interval: a number strictly between 0 and 1."""
    try:
        ok = not isinstance(prob, (bool, str)) and 0 < float(prob) < 1
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ArgumentError(f"{name} must be a number strictly between 0 and 1, got {prob!r}")
    return float(prob)


def check_discrepancy(discrepancy):
    """Validate a ``discrepancy`` argument: ``"learned"`` or a finite number >= 0 (returned as given)."""
    if isinstance(discrepancy, str) and discrepancy == "learned":
        return discrepancy
    try:
        ok = not isinstance(discrepancy, bool) and np.isfinite(discrepancy) and discrepancy >= 0
    except TypeError:
        ok = False
    if not ok:
        raise ArgumentError(f"discrepancy must be 'learned' or a finite number >= 0, got {discrepancy!r}")
    return discrepancy


def _positive_array(values, name: str) -> np.ndarray:
    if isinstance(values, (str, bytes, bool)):
        raise ArgumentError(f"{name} must be positive numbers, got {values!r}")
    try:
        arr = np.atleast_1d(np.asarray(values, dtype=float))
    except (TypeError, ValueError):
        raise ArgumentError(f"{name} must be positive numbers, got {values!r}") from None
    if arr.ndim != 1 or arr.size == 0:
        raise ArgumentError(f"{name} must be a number or a 1-d sequence of numbers, got {values!r}")
    bad = ~np.isfinite(arr) | (arr <= 0)
    if bad.any():
        raise ArgumentError(f"{name} must be finite and > 0; got {arr[bad].tolist()}")
    return arr


def check_n(n, name: str = "n") -> np.ndarray:
    """Validate sample counts at which to predict: finite and > 0; returns a 1-d float array."""
    return _positive_array(n, name)


def check_targets(target, name: str = "target") -> np.ndarray:
    """Validate target values of the metric: finite and > 0; returns a 1-d float array."""
    return _positive_array(target, name)
