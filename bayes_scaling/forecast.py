"""Forecasts: posterior (and prior) predictive draws at new sample counts, per law and averaged.

Every interval in the package is equal-tailed: ``lower``/``upper`` are the
``(1 - prob)/2`` and ``(1 + prob)/2`` quantiles of the draws.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .averaging import Mixture
from .checks import check_discrepancy, check_n, check_prob
from .discrepancy import drift
from .errors import ArgumentError
from .likelihoods import get_likelihood

__all__ = ["MEAN_KHAT_MAX", "curve_draws", "forecast", "interval_columns", "predictive_draws", "prior_predictive",
           "tail_khat"]

#: a column's ``mean`` is reported only where the Pareto k-hat of its draws' heavier tail is at most this
#: (Vehtari et al. 2024, "Pareto smoothed importance sampling", the threshold for a Monte Carlo mean of a few
#: thousand draws): above it the average of the draws is unreliable, from 1 on the mean does not exist
MEAN_KHAT_MAX = 0.7


def curve_draws(law, params: dict, data, n) -> np.ndarray:
    """Draws of the mean curve at ``n``: shape (draws, len(n)) (a law of the sample count alone)."""
    if not law.single_input:
        raise ArgumentError(f"law {law.name!r} takes the inputs {law.inputs}: its curve at sample counts alone "
                            "is not defined")
    u = data.to_u(check_n(n))[None, :]
    p = {k: np.asarray(v)[:, None] for k, v in params.items()}
    with np.errstate(over="ignore", under="ignore"):
        return np.exp(law.log_curve(u, p))


def predictive_draws(curve: np.ndarray, params: dict, rng: np.random.Generator, likelihood=None) -> np.ndarray:
    """New measurements: the curve times the noise of each draw (``params``: ``sigma`` and the likelihood's
    own parameters, per draw) under ``likelihood`` (the log-normal if None).

    One noise draw per posterior draw serves every ``n`` (common random numbers): each
    column has the right distribution, and because each draw's curve falls with ``n``
    the forecast quantiles fall with ``n`` too, free of Monte Carlo wiggles.
    """
    lik = get_likelihood(likelihood)
    return lik.predictive(curve, params["sigma"], {p: params[p] for p in lik.param_names}, rng)


def tail_khat(draws: np.ndarray) -> np.ndarray:
    """Per column of ``draws`` (draws x columns), the Pareto k-hat of its heavier tail
    (``arviz_stats``, Vehtari et al. 2024): below 0.5 the draws' average has a finite variance, above
    :data:`MEAN_KHAT_MAX` it is unreliable, from 1 on the mean it estimates does not exist. ``-inf``
    where a tail is flat (draws held at a bound), ``inf`` where a draw is not finite.

    Examples
    --------
    >>> import numpy as np
    >>> from bayes_scaling.forecast import tail_khat
    >>> z = np.random.default_rng(0).standard_normal((4000, 1))
    >>> k = tail_khat(np.hstack([np.exp(0.02 * z), np.exp(3 * z)]))
    >>> bool(k[0] < 0.3), bool(k[1] > 0.7)
    (True, True)
    """
    from arviz_stats.base import array_stats

    draws = np.asarray(draws, dtype=float)
    out = np.full(draws.shape[1], np.inf)
    for j, col in enumerate(draws.T):
        if np.isfinite(col).all():
            try:
                out[j] = float(array_stats.pareto_khat(col[None, :], r_eff=1.0, tail="both"))
            except ValueError:  # a tail of equal values: nothing heavy about it
                out[j] = -np.inf
    return out


def interval_columns(draws: np.ndarray, prob: float, prefix: str = "") -> dict[str, np.ndarray]:
    """``mean, median, lower, upper`` over axis 0 (equal-tailed).

    ``mean`` is NaN where the draws' tails are too heavy for an average to mean anything
    (:func:`tail_khat` above :data:`MEAN_KHAT_MAX`): beyond the data the learned discrepancy's
    half-Cauchy tail leaves a new measurement without a finite mean, and the average of its draws is
    then set by a few extreme draws (it can lie above the upper end of the interval). The median and the
    interval are always given."""
    q = np.quantile(draws, [(1 - prob) / 2, 0.5, (1 + prob) / 2], axis=0)
    mean = np.where(tail_khat(draws) <= MEAN_KHAT_MAX, draws.mean(axis=0), np.nan)
    return {f"{prefix}mean": mean, f"{prefix}median": q[1], f"{prefix}lower": q[0], f"{prefix}upper": q[2]}


def forecast(mix: Mixture, n, prob: float = 0.9, discrepancy="learned") -> pd.DataFrame:
    """The forecast table of :meth:`bayes_scaling.result.ScalingFit.forecast` for the draws of ``mix`` (a
    :class:`~bayes_scaling.averaging.Mixture`: one law, or the averaged mixture)."""
    prob = check_prob(prob)
    n = check_n(n)
    check_discrepancy(discrepancy)
    parts = mix.components()
    curves, preds = [], []
    for f, idx in parts:
        curve = f.curve(n)
        curves.append(curve[idx])
        noise_rng = mix.rng(1, mix.noise_key(f.law.name))
        preds.append(predictive_draws(curve, f.draws, noise_rng, f.likelihood)[idx])
    curve, pred = np.concatenate(curves), np.concatenate(preds)
    # a Kennedy-O'Hagan-style discrepancy: a random shift of the log measurement growing with the
    # log distance beyond the data, common to every n of a draw. It is not kept monotone: real curves
    # do plateau or turn up beyond the data (14% of the LCDB curves measured higher at 8x than at the
    # last fitted point), so far out the upper end of the interval may rise with n
    pred = pred * drift(mix, n, discrepancy)
    cols = interval_columns(pred, prob)
    band = np.quantile(curve, [(1 - prob) / 2, (1 + prob) / 2], axis=0)
    # a new measurement is at least as uncertain as the mean curve: where the noise is
    # negligible, Monte Carlo error alone could put the measurement interval inside the band
    cols["lower"] = np.minimum(cols["lower"], band[0])
    cols["upper"] = np.maximum(cols["upper"], band[1])
    return pd.DataFrame({"n": n, "extrapolation": n / mix.data.distinct_n.max(), "law": mix.label, **cols,
                         "curve_lower": band[0], "curve_upper": band[1], "flags": mix.flags,
                         "converged": mix.converged})


def prior_predictive(law, data, n=None, draws: int = 2000, seed: int = 0, priors=None) -> pd.DataFrame:
    """Prior predictive draws of new measurements at ``n`` (default: the observed n).

    ``priors``: the law's :class:`~bayes_scaling.priors.LawPriors` (its defaults if None).
    Returns a long DataFrame with columns ``draw, n, y`` (the measurement) and ``curve``.
    The default priors are defined relative to the data's centre (``n_ref``, mean log y),
    so the result scales with the units of n and y.
    """
    from .sampling import sample_prior

    n = data.distinct_n if n is None else check_n(n)
    priors = priors or law.resolve_priors({})
    params = sample_prior(law, data, priors, draws=draws, seed=seed)
    size = params["sigma"].size
    curve = curve_draws(law, {p.name: params[p.name] for p in law.parameters}, data, n)
    y = predictive_draws(curve, params, np.random.default_rng([seed, 2]), priors.likelihood)
    return pd.DataFrame({
        "draw": np.repeat(np.arange(size), n.size),
        "n": np.tile(n, size),
        "y": y.ravel(),
        "curve": curve.ravel(),
    })
