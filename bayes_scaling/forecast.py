"""Posterior (and prior) predictive computations at new sample counts, and model averaging.

Every interval in the package is equal-tailed: ``lower``/``upper`` are the
``(1 - prob)/2`` and ``(1 + prob)/2`` quantiles of the draws.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import ArgumentError

__all__ = [
    "check_discrepancy",
    "check_n",
    "check_prob",
    "curve_draws",
    "interval_columns",
    "log_mean_exp",
    "log_sum_exp",
    "lognormal_logpdf",
    "mixture_indices",
    "predictive_draws",
    "prior_predictive",
]


def check_prob(prob) -> float:
    """Validate a probability mass for an interval: a number strictly between 0 and 1."""
    try:
        p = float(prob)
    except (TypeError, ValueError):
        raise ArgumentError(f"prob must be a number in (0, 1), got {prob!r}") from None
    if not 0 < p < 1:
        raise ArgumentError(f"prob must lie strictly between 0 and 1, got {prob!r}")
    return p


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


def check_n(n) -> np.ndarray:
    """Validate sample counts at which to predict: finite and > 0; returns a 1-d float array."""
    try:
        arr = np.atleast_1d(np.asarray(n, dtype=float))
    except (TypeError, ValueError):
        raise ArgumentError(f"n must be positive numbers, got {n!r}") from None
    if arr.ndim != 1 or arr.size == 0:
        raise ArgumentError(f"n must be a number or a 1-d sequence of numbers, got {n!r}")
    bad = ~np.isfinite(arr) | (arr <= 0)
    if bad.any():
        raise ArgumentError(f"n must be finite and > 0; got {arr[bad].tolist()}")
    return arr


def lognormal_logpdf(log_y, log_mu, sigma):
    """log density of y when log y ~ Normal(log_mu, sigma): the package's likelihood."""
    z = (log_y - log_mu) / sigma
    return -0.5 * z**2 - np.log(sigma) - 0.5 * np.log(2 * np.pi) - log_y


def log_sum_exp(a, axis=None):
    """``log(sum(exp(a)))`` along ``axis``, shifted by the maximum for stability (the same values as
    ``scipy.special.logsumexp`` to rounding, in about half the time on (grid x draws) arrays)."""
    a = np.asarray(a, dtype=float)
    m = np.max(a, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    return out.item() if axis is None else np.squeeze(out, axis=axis)


def log_mean_exp(a, axis=None):
    """``log(mean(exp(a)))`` along ``axis``, computed stably (a predictive density over draws)."""
    a = np.asarray(a)
    size = a.size if axis is None else a.shape[axis]
    return log_sum_exp(a, axis=axis) - np.log(size)


def curve_draws(law, params: dict, data, n) -> np.ndarray:
    """Draws of the mean curve at ``n``: shape (draws, len(n))."""
    u = data.to_u(check_n(n))[None, :]
    p = {k: np.asarray(v)[:, None] for k, v in params.items()}
    with np.errstate(over="ignore", under="ignore"):
        return np.exp(law.log_curve(u, p))


def predictive_draws(curve: np.ndarray, sigma: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """New measurements: the curve times log-normal noise of each draw's ``sigma``.

    One noise draw per posterior draw serves every ``n`` (common random numbers): each
    column has the right distribution, and because each draw's curve falls with ``n``
    the forecast quantiles fall with ``n`` too, free of Monte Carlo wiggles.
    """
    return curve * np.exp(np.asarray(sigma)[:, None] * rng.standard_normal((curve.shape[0], 1)))


def mixture_indices(weights: dict[str, float], n_draws: dict[str, int],
                    rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Which draws of each law make up a weighted mixture of (about) the same size.

    Counts follow the weights by largest remainder, draws are taken from a seeded
    permutation: deterministic for a seed, with no extra Monte Carlo noise in the
    weights themselves.
    """
    total = min(n_draws.values())
    names = list(weights)
    w = np.array([max(float(weights[k]), 0.0) for k in names])
    w = w / w.sum()
    exact = w * total
    counts = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - counts))[: total - counts.sum()]:
        counts[i] += 1
    return {k: rng.permutation(n_draws[k])[:c] for k, c in zip(names, counts, strict=True) if c > 0}


def interval_columns(draws: np.ndarray, prob: float, prefix: str = "") -> dict[str, np.ndarray]:
    """``mean, median, lower, upper`` over axis 0 (equal-tailed)."""
    q = np.quantile(draws, [(1 - prob) / 2, 0.5, (1 + prob) / 2], axis=0)
    return {f"{prefix}mean": draws.mean(axis=0), f"{prefix}median": q[1],
            f"{prefix}lower": q[0], f"{prefix}upper": q[2]}


def prior_predictive(law, data, n=None, draws: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Prior predictive draws of new measurements at ``n`` (default: the observed n).

    Returns a long DataFrame with columns ``draw, n, y`` (the measurement) and ``curve``.
    The priors are defined relative to the data's centre (``n_ref``, mean log y),
    so the result scales with the units of n and y.
    """
    rng = np.random.default_rng(seed)
    n = data.distinct_n if n is None else check_n(n)
    params = law.sample_prior(data, rng, draws)
    curve = curve_draws(law, {k: v for k, v in params.items() if k != "sigma"}, data, n)
    y = predictive_draws(curve, params["sigma"], rng)
    return pd.DataFrame({
        "draw": np.repeat(np.arange(draws), n.size),
        "n": np.tile(n, draws),
        "y": y.ravel(),
        "curve": curve.ravel(),
    })
