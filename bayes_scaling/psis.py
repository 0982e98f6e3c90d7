"""Pareto-smoothed importance sampling (PSIS; Vehtari et al. 2024), vectorised over points.

``arviz_stats`` smooths one point at a time in Python; a dense log or a surface of 10^4 rows then
spends most of its comparison there (28 s of 67 s on 2 cores for 10^4 rows). These functions do the
same arithmetic, step for step (``arviz_stats.base.diagnostics``: ``_psislw``, ``_ps_tail``,
``_gpdfit`` and ``_gpinv``, with its prior on the Pareto shape), on a whole (draws, points) array at
once; ``tests/test_psis.py`` holds them to ``arviz_stats`` point by point.

Examples
--------
>>> import numpy as np
>>> from bayes_scaling.psis import psis_log_weights
>>> ll = np.random.default_rng(0).normal(-1.0, 0.3, size=(2000, 5))
>>> log_w, k = psis_log_weights(-ll, r_eff=1.0)
>>> log_w.shape, bool(np.all(k < 0.7))
((2000, 5), True)
"""

from __future__ import annotations

import numpy as np

from .densities import log_sum_exp

__all__ = ["gpd_fit", "loo_pointwise", "psis_log_weights", "tail_length"]

#: points smoothed per block: bounds the (grid, tail, points) array of the Pareto fit to ~100 MB
_BLOCK = 1024


def tail_length(n_draws: int, r_eff: float) -> int:
    """Draws in the smoothed right tail: ``3 sqrt(S / r_eff)`` when ``S r_eff > 225``, else ``S / 5``."""
    if n_draws * r_eff > 225:
        return int(np.floor(3 * (n_draws / r_eff) ** 0.5))
    return int(np.floor(n_draws / 5))


def gpd_fit(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Empirical-Bayes fit of the generalised Pareto distribution (Zhang & Stephens 2009) to each
    column of ``x`` (sorted ascending along axis 0), with the weakly informative prior that pulls
    the shape toward 0.5 (10 pseudo-observations).

    Returns the shape ``k`` and scale ``sigma`` per column; ``k`` is NaN where the first quartile
    does not exceed the minimum (far from Pareto) and ``inf`` where the fit breaks down.
    """
    n = x.shape[0]
    m = 30 + int(n**0.5)
    xstar = x[int((n / 4 + 0.5) - 1)]
    far = xstar <= x[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        grid = 1 - np.sqrt(m / (np.arange(1, m + 1, dtype=float) - 0.5))
        b = grid[:, None] / (3 * xstar[None, :]) + 1 / x[-1][None, :]  # (m, points)
        k_grid = np.mean(np.log1p(-b[:, None, :] * x[None, :, :]), axis=1)
        scale = n * (np.log(-b / k_grid) - k_grid - 1)
        w = np.exp(scale - log_sum_exp(scale, axis=0)[None, :])
        w = np.where(w >= 10 * np.finfo(float).eps, w, 0.0)
        w = w / w.sum(axis=0, keepdims=True)
        b_post = np.sum(b * w, axis=0)
        k = np.mean(np.log1p(-b_post[None, :] * x), axis=0)
        sigma = -k / b_post
    k = (n * k + 10 * 0.5) / (n + 10)
    broken = np.isnan(k)
    k = np.where(broken, np.inf, k)
    sigma = np.where(broken, np.nan, sigma)
    return np.where(far, np.nan, k), np.where(far, np.nan, sigma)


def _smooth(block: np.ndarray, m: int) -> np.ndarray:
    """Smooth, in place, the log ratios of a C-contiguous (points, draws) block and return each row's ``k``."""
    s = block.shape[1]
    block -= np.max(block, axis=1, keepdims=True)
    top = np.argpartition(block, s - m - 1, axis=1)[:, s - m - 1:]  # the cutoff and the tail, unordered
    top = np.take_along_axis(top, np.argsort(np.take_along_axis(block, top, axis=1), axis=1, kind="stable"), axis=1)
    cutoff = np.exp(np.take_along_axis(block, top[:, :1], axis=1)[:, 0])
    tail_idx = top[:, 1:]
    tail = np.take_along_axis(block, tail_idx, axis=1).T  # (tail, points), ascending; its maximum is 0
    if np.any(tail[-1] - tail[0] < np.finfo(float).tiny):
        raise ValueError("all tail values of a point's importance ratios are the same")
    k, sigma = gpd_fit(np.exp(tail) - cutoff[None, :])
    smooth = np.isfinite(k) & (sigma > 0)
    p = ((np.arange(m) + 0.5) / m)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        k_safe = np.where(smooth, k, 1.0)
        q = np.where(k_safe == 0, -sigma * np.log1p(-p), sigma * np.expm1(-k_safe * np.log1p(-p)) / k_safe)
        smoothed = np.minimum(np.log(cutoff[None, :] + q), tail[-1][None, :])
    np.put_along_axis(block, tail_idx, np.where(smooth[None, :], smoothed, tail).T, axis=1)
    # arviz's quantile function gives NaN for a non-positive scale, and so does the whole column's normalisation
    block[np.isfinite(k) & ~(sigma > 0)] = np.nan
    block -= log_sum_exp(block, axis=1)[:, None]
    return k


def _blocks(log_ratios: np.ndarray, r_eff: float):
    """Yield ``(columns, smoothed log weights as (points, draws), k)`` block by block."""
    r = np.asarray(log_ratios, dtype=float)
    if r.ndim != 2:
        raise ValueError("log_ratios must be a (draws, points) array")
    m = tail_length(r.shape[0], r_eff)
    if m < 5:
        raise ValueError(f"PSIS needs at least 5 tail draws; {r.shape[0]} draws give {m}")
    for start in range(0, r.shape[1], _BLOCK):
        cols = slice(start, min(start + _BLOCK, r.shape[1]))
        block = np.ascontiguousarray(r[:, cols].T)  # (points, draws): sorts run along contiguous rows
        k = _smooth(block, m)
        yield cols, block, k


def psis_log_weights(log_ratios: np.ndarray, r_eff: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Pareto-smoothed, normalised log importance weights of each column of ``log_ratios``
    (draws, points), and each column's Pareto shape ``k``.

    For leave-one-out the ratios are ``-log p(y_i | theta)``. The largest ``tail_length(S, r_eff)``
    ratios of each column are replaced by the expected order statistics of the generalised Pareto
    distribution fitted to them (capped at the largest raw ratio); columns whose fit fails keep
    their raw weights.
    """
    r = np.asarray(log_ratios, dtype=float)
    out = np.empty(r.shape)
    khat = np.empty(r.shape[1] if r.ndim == 2 else 0)
    for cols, block, k in _blocks(r, r_eff):
        out[:, cols] = block.T
        khat[cols] = k
    return out, khat


def loo_pointwise(log_lik: np.ndarray, r_eff: float = 1.0) -> dict[str, np.ndarray]:
    """PSIS-LOO per point from a (draws, points) log-likelihood: ``elpd_i``, ``p_loo_i``,
    ``pareto_k`` and the smoothed ``log_weights`` (draws, points)."""
    ll = np.asarray(log_lik, dtype=float)
    out = {"elpd_i": np.empty(ll.shape[1]), "p_loo_i": np.empty(ll.shape[1]), "pareto_k": np.empty(ll.shape[1]),
           "log_weights": np.empty(ll.shape)}
    for cols, block, k in _blocks(-ll, r_eff):
        ll_t = np.ascontiguousarray(ll[:, cols].T)
        elpd = log_sum_exp(block + ll_t, axis=1)
        out["elpd_i"][cols] = elpd
        out["p_loo_i"][cols] = log_sum_exp(ll_t, axis=1) - np.log(ll.shape[0]) - elpd
        out["pareto_k"][cols] = k
        out["log_weights"][:, cols] = block.T
    return out
