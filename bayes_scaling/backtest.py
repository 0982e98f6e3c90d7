"""Backtests: refit on the first k distinct sample counts, score the forecasts of the later points.

This is the seed notes' "fit on four points, predict the fifth" made systematic: every
origin, every law and the averaged forecast, scored by interval coverage, log predictive
density and the error of the median forecast. Refits go through the compiled laws, so a
refit costs a fraction of a second per law.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .checks import check_prob
from .densities import log_mean_exp
from .errors import ArgumentError, ConvergenceWarning

__all__ = ["backtest", "interval_score", "summarize_backtest"]


def interval_score(lower, upper, actual, prob: float = 0.9):
    """The interval score of central ``prob`` intervals (Gneiting & Raftery 2007), elementwise: the
    width plus ``2 / (1 - prob)`` times the distance by which ``actual`` falls outside. Lower is
    better, and it is proper: in expectation no interval beats the honest one, so it punishes
    intervals too wide as well as too narrow. The package scores on log y (pass logs).

    Examples
    --------
    >>> from bayes_scaling.backtest import interval_score
    >>> round(float(interval_score(0.0, 1.0, 0.5)), 9), round(float(interval_score(0.0, 1.0, 1.5)), 9)
    (1.0, 11.0)
    """
    alpha = 1 - check_prob(prob)
    lower, upper, actual = (np.asarray(v, dtype=float) for v in (lower, upper, actual))
    return (upper - lower) + (2 / alpha) * (np.maximum(lower - actual, 0) + np.maximum(actual - upper, 0))


def _score(fit, law: str, n: np.ndarray, y: np.ndarray, prob: float) -> dict:
    fc = fit.forecast(n, prob=prob, law=law)
    # log mean predictive density of each y_j over the draws behind `law`
    ll = np.concatenate([
        f.likelihood.pointwise(np.log(y)[None, :], np.log(f.curve(n)[idx]), f.draws["sigma"][idx][:, None],
                               {p: f.draws[p][idx][:, None] for p in f.likelihood.param_names})
        for f, idx in fit.components(law)
    ])
    lpd = log_mean_exp(ll, axis=0)
    return {"median": fc["median"].to_numpy(), "lower": fc["lower"].to_numpy(), "upper": fc["upper"].to_numpy(),
            "lpd": np.array(lpd), "converged": fc["converged"].to_numpy()}


def backtest(fit, min_points: int = 3, origins=None, prob: float = 0.9) -> pd.DataFrame:
    """Refit ``fit``'s laws on the first k distinct n and score the forecasts of every later point.

    Parameters
    ----------
    fit : ScalingFit
        The full fit; its laws, sampler options and seed are reused.
    min_points : int
        Smallest number of distinct n to fit on (at least 3).
    origins : sequence of int, optional
        The k values to use (default: every k from ``min_points`` to one less than the
        number of distinct n).
    prob : float
        Mass of the forecast intervals that are scored for coverage.

    Returns
    -------
    DataFrame
        One row per origin, law (and ``"averaged"``) and held-out point: ``k, n_train_max,
        law, n, y, horizon`` (n / n_train_max), ``median, lower, upper, covered``, ``lpd``
        (log predictive density of the realised value), ``abs_log_error``
        (``|log(median / y)|``), ``interval_score`` (of the interval on log y,
        :func:`interval_score`), ``flags`` (those of the curve up to the origin,
        :func:`bayes_scaling.flags.curve_flags`: an origin still below the curve's knee is
        ``accelerating``) and ``converged``.
    """
    prob = check_prob(prob)
    distinct = fit.data.distinct_n
    ks = list(range(max(3, min_points), distinct.size)) if origins is None else [int(k) for k in origins]
    bad = [k for k in ks if not 3 <= k < distinct.size]
    if bad or not ks:
        raise ArgumentError(f"origins must lie between 3 and {distinct.size - 1} distinct n, got {bad or ks}")
    rows = []
    for k in ks:
        cut = distinct[k - 1]
        test_n, test_y = fit.data.n[fit.data.n > cut], fit.data.y[fit.data.n > cut]
        with warnings.catch_warnings():  # the refits' convergence is reported in the converged column
            warnings.filterwarnings("ignore", category=ConvergenceWarning)
            sub = fit.refit(fit.data.n <= cut, seed=fit.seed + k)
            sub.weights()
        for law in [*sub.laws, "averaged"]:
            s = _score(sub, law, test_n, test_y, prob)
            for j in range(test_n.size):
                rows.append({
                    "k": k, "n_train_max": cut, "law": law, "n": test_n[j], "y": test_y[j],
                    "horizon": test_n[j] / cut, "median": s["median"][j], "lower": s["lower"][j],
                    "upper": s["upper"][j], "covered": bool(s["lower"][j] <= test_y[j] <= s["upper"][j]),
                    "lpd": s["lpd"][j], "abs_log_error": abs(float(np.log(s["median"][j] / test_y[j]))),
                    "interval_score": float(interval_score(np.log(s["lower"][j]), np.log(s["upper"][j]),
                                                           np.log(test_y[j]), prob)),
                    "flags": sub.flag_text(), "converged": bool(s["converged"][j]),
                })
    return pd.DataFrame(rows)


def summarize_backtest(table: pd.DataFrame) -> pd.DataFrame:
    """Per law: held-out points, interval coverage, mean log predictive density, median |log error|,
    mean interval score (on log y; lower is better) and whether every refit converged."""
    return table.groupby("law", sort=False).agg(
        points=("covered", "size"), coverage=("covered", "mean"), mean_lpd=("lpd", "mean"),
        median_abs_log_error=("abs_log_error", "median"), interval_score=("interval_score", "mean"),
        converged=("converged", "all"),
    )
