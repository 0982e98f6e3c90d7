"""Data-budget questions answered with posterior probabilities.

Every function takes a :class:`~bayes_scaling.result.ScalingFit` and a law (a name,
``"best"`` or ``"averaged"``) and works on posterior draws of the *mean curve* (the
expected metric at n, without measurement noise). ``ScalingFit`` exposes each as a
method of the same name.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import ArgumentError
from .forecast import check_n, check_prob, interval_columns

__all__ = ["decision_summary", "doubling_gain", "gap_to_floor", "local_exponent", "samples_needed"]

#: how far past the data (in log n) ``samples_needed`` searches before calling a target unreachable
_U_SEARCH = 1e4


def curve_and_floor(fit, n, law) -> tuple[np.ndarray, np.ndarray]:
    """Draws of the mean curve at n (draws x len(n)) and of the floor (0 without one)."""
    curves, floors = [], []
    for f, idx in fit.components(law):
        curves.append(f.curve(n)[idx])
        floors.append(f.draws["floor"][idx] if f.law.has_floor else np.zeros(idx.size))
    return np.concatenate(curves), np.concatenate(floors)


def _label(fit, law: str) -> str:
    """The law's name in tables (``"best"`` resolved to the law ranked first)."""
    return fit.best_law() if law == "best" else law


def _summary(draws: np.ndarray, n: np.ndarray, prob: float, law: str, **extra) -> pd.DataFrame:
    return pd.DataFrame({"n": n, "law": law, **interval_columns(draws, prob), **extra})


def _n_at(fit, target: float, law) -> np.ndarray:
    """For every draw, the n at which its mean curve reaches ``target`` (inf: never; 0: always)."""
    out = []
    for f, idx in fit.components(law):
        p = {q.name: f.draws[q.name][idx] for q in f.law.parameters}
        lt = np.log(target)
        lo = np.full(idx.size, fit.data.u.min() - 50.0)
        hi = np.full(idx.size, _U_SEARCH)
        with np.errstate(all="ignore"):
            above_lo = f.law.log_curve(lo, p) > lt
            below_hi = f.law.log_curve(hi, p) <= lt
            for _ in range(100):  # bisection on the monotone log curve
                mid = 0.5 * (lo + hi)
                high = f.law.log_curve(mid, p) > lt
                lo = np.where(high, mid, lo)
                hi = np.where(high, hi, mid)
            n = fit.data.n_ref * np.exp(hi)
        n = np.where(above_lo, n, 0.0)
        out.append(np.where(below_hi, n, np.inf))
    return np.concatenate(out)


def samples_needed(fit, target, prob: float = 0.9, law: str = "averaged") -> pd.DataFrame:
    """The smallest n at which the mean curve is at or below ``target`` with probability ``prob``.

    Each posterior draw's curve falls with n, so ``P(curve(n) <= target)`` is the share of
    draws that reach the target by n, and the answer is the ``prob``-quantile of the n at
    which each draw reaches it (``inf`` when more than ``1 - prob`` of the draws never do,
    because their floor lies above the target).

    Returns
    -------
    DataFrame
        One row per target: ``target, law, n`` (``inf`` if out of reach at that
        probability), ``p_reachable`` (= P(floor < target)), ``reason`` (empty, or why
        ``n`` is infinite) and, when the data carry extra columns (``keep=("tokens",)``),
        ``n_<column>``: ``n`` converted with the mean ratio column / x observed in the data.

    Examples
    --------
    >>> import bayes_scaling as bs
    >>> fit = bs.fit(bs.load_example(), x="samples", y="val_ppl", random_seed=1)
    >>> row = fit.samples_needed(110, prob=0.5).iloc[0]
    >>> bool(3200 < row["n"] < 100_000)
    True
    """
    prob = check_prob(prob)
    targets = np.atleast_1d(np.asarray(target, dtype=float))
    if targets.ndim != 1 or not np.isfinite(targets).all() or (targets <= 0).any():
        raise ArgumentError(f"target must be positive finite numbers, got {target!r}")
    label = _label(fit, law)
    _, floor = curve_and_floor(fit, [fit.data.n_ref], law)
    rows = []
    for t in targets:
        n_draws = _n_at(fit, float(t), law)
        p_reach = float(np.mean(floor < t))
        n = float(np.quantile(n_draws, prob, method="inverted_cdf"))
        reason = ""
        if not np.isfinite(n):
            reason = (f"P(floor < {t:g}) = {p_reach:.3f} < {prob:g}: the floor makes the target out of "
                      "reach at this probability")
        row = {"target": float(t), "law": label, "n": n, "p_reachable": p_reach, "reason": reason}
        for col, values in fit.data.extra.items():
            row[f"n_{col}"] = n * float(np.mean(values / fit.data.n))
        rows.append(row)
    return pd.DataFrame(rows)


def doubling_gain(fit, n, prob: float = 0.9, law: str = "averaged") -> pd.DataFrame:
    """Posterior of the relative cut of the mean curve from n to 2n: ``1 - y(2n) / y(n)``.

    For a pure power law with exponent a this is ``1 - 2^-a`` (a = 0.5: 29.3%).
    Columns ``n, law, mean, median, lower, upper``.
    """
    prob, n = check_prob(prob), check_n(n)
    curve, _ = curve_and_floor(fit, np.concatenate([n, 2 * n]), law)
    gain = 1.0 - curve[:, n.size:] / curve[:, : n.size]
    return _summary(gain, n, prob, _label(fit, law))


def local_exponent(fit, n, prob: float = 0.9, law: str = "averaged") -> pd.DataFrame:
    """Posterior of ``-d log y / d log n`` at n (the seed notes' windowed alpha, with intervals)."""
    prob, n = check_prob(prob), check_n(n)
    h = 1e-4
    curve, _ = curve_and_floor(fit, np.concatenate([n * np.exp(-h), n * np.exp(h)]), law)
    slope = -(np.log(curve[:, n.size:]) - np.log(curve[:, : n.size])) / (2 * h)
    return _summary(slope, n, prob, _label(fit, law))


def gap_to_floor(fit, n, prob: float = 0.9, law: str = "averaged") -> pd.DataFrame:
    """Posterior of how far the mean curve at n is above its floor: ``y(n) - floor``.

    Also ``rel_median``: the median of ``y(n) / floor - 1`` (NaN for laws without a floor,
    whose floor is 0).
    """
    prob, n = check_prob(prob), check_n(n)
    curve, floor = curve_and_floor(fit, n, law)
    gap = curve - floor[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(floor[:, None] > 0, curve / floor[:, None] - 1.0, np.nan)
    return _summary(gap, n, prob, _label(fit, law),
                    rel_median=np.nanmedian(rel, axis=0) if np.isfinite(rel).any() else np.nan)


def decision_summary(fit, target: float, budgets, prob: float = 0.9, law: str = "averaged",
                     per: float = 1000.0) -> pd.DataFrame:
    """The planning table: for each candidate budget n, the expected metric with its interval,
    the probability that the mean curve is at or below ``target``, and the marginal gain
    ``-dy/dn * per`` (metric units per extra ``per`` samples; posterior median and interval).

    Examples
    --------
    >>> import bayes_scaling as bs
    >>> fit = bs.fit(bs.load_example(), x="samples", y="val_ppl", random_seed=1)
    >>> list(fit.decision_summary(105, [6400, 12800]).columns)[:4]
    ['n', 'law', 'mean', 'median']
    """
    prob, n = check_prob(prob), check_n(budgets)
    h = 1e-4
    curve, _ = curve_and_floor(fit, np.concatenate([n, n * np.exp(-h), n * np.exp(h)]), law)
    y, lo, hi = curve[:, : n.size], curve[:, n.size: 2 * n.size], curve[:, 2 * n.size:]
    gain = -(hi - lo) / (n * (np.exp(h) - np.exp(-h))) * per
    g = np.quantile(gain, [(1 - prob) / 2, 0.5, (1 + prob) / 2], axis=0)
    table = _summary(y, n, prob, _label(fit, law))
    table[f"p_at_or_below_{target:g}"] = np.mean(y <= target, axis=0)
    table[f"gain_per_{per:g}_median"] = g[1]
    table[f"gain_per_{per:g}_lower"] = g[0]
    table[f"gain_per_{per:g}_upper"] = g[2]
    return table
