"""Log densities and their stable sums (the package's likelihood and predictive densities), and the
vectorised bisection that inverts a curve for every posterior or prior draw at once."""

from __future__ import annotations

import numpy as np

__all__ = ["bisect", "log_mean_exp", "log_sum_exp", "lognormal_logpdf", "pointwise_log_lik"]


def bisect(past, lo, hi, steps: int = 100):
    """Per element, the point where ``past(u)`` turns from False (at ``lo``) to True (at ``hi``)."""
    for _ in range(steps):
        mid = 0.5 * (lo + hi)
        now = past(mid)
        lo, hi = np.where(now, lo, mid), np.where(now, mid, hi)
    return hi


def lognormal_logpdf(log_y, log_mu, sigma):
    """log density of y when log y ~ Normal(log_mu, sigma): the default likelihood
    (:mod:`bayes_scaling.likelihoods.lognormal`), on NumPy arrays."""
    from .likelihoods import get_likelihood

    return get_likelihood("lognormal").logpdf(log_y, log_mu, sigma, {})


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


def pointwise_log_lik(law, params: dict, data, n=None, log_y=None, extra_sd=None, rows=None,
                      likelihood=None) -> np.ndarray:
    """log p(y_j | theta_s), shape (draws, points): at the data's own points, or at sample counts
    ``n`` with measurements ``log_y`` (placed relative to ``data``'s centre, as its draws are), under
    ``likelihood`` (a :class:`~bayes_scaling.likelihoods.Likelihood`; the log-normal if None, whose
    ``params`` then need only the curve's parameters and ``sigma``).

    With ``extra_sd`` (shape (grid, points)) the noise scale of each point is ``sqrt(sigma^2 +
    extra_sd^2)`` for every row of the grid, and the result has shape (grid, draws, points).

    Binned data (:func:`bayes_scaling.data.bin_dense`): a row's density is that of all the measurements
    of its bin; ``rows`` (a :class:`~bayes_scaling.data.ScalingData`, e.g. the held-out part of the same
    binned data) gives the bins of the points ``n``, ``log_y``."""
    from .errors import ArgumentError
    from .laws.base import leading_axis
    from .likelihoods import get_likelihood

    lik = get_likelihood(likelihood)
    if n is None:
        u = law.curve_inputs(data)
    elif law.single_input:
        u = data.to_u(n)
    elif rows is None:
        raise ArgumentError(f"law {law.name!r} takes the inputs {law.inputs}: give the rows of the points "
                            "(rows=), not their sample counts alone")
    else:
        u = law.curve_inputs(data, rows)
    log_y = data.log_y if log_y is None else log_y
    lm = law.log_curve(leading_axis(u), {k: np.asarray(v)[:, None] for k, v in params.items()})
    sigma = np.asarray(params["sigma"])[:, None]
    own = {k: np.asarray(params[k])[:, None] for k in lik.param_names}
    rows = data if rows is None and n is None else rows
    if extra_sd is None:
        return lik.pointwise(log_y[None, :], lm, sigma, own, rows)
    sd = np.sqrt(sigma[None] ** 2 + np.asarray(extra_sd, dtype=float)[:, None, :] ** 2)
    return lik.pointwise(log_y[None, None, :], lm[None], sd, {k: v[None] for k, v in own.items()}, rows)
