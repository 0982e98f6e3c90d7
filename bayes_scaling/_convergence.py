"""Rank-normalised split r_hat and bulk/tail/mean ESS (Vehtari et al. 2021), vectorised.

The same estimators as ``arviz_stats.base.array_stats`` (``tests/test_sampling.py``
checks equality to 1e-10), computed for all variables of a posterior at once: the
ArviZ functions loop in Python over variables and run a scipy distribution call per
variable, which made diagnostics cost more than sampling on these small posteriors.
Arrays are ``(chain, draw, variable)``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ess", "rhat", "stack"]


def stack(dataset, names=None) -> tuple[list[str], np.ndarray]:
    """The variables of a posterior ``Dataset`` (all, or ``names``) as one ``(chain, draw, variable)`` array."""
    names = list(dataset.data_vars) if names is None else list(names)
    return names, np.stack([dataset[k].to_numpy() for k in names], axis=-1)


def _split(a: np.ndarray) -> np.ndarray:
    half = a.shape[1] // 2
    return np.concatenate([a[:, :half], a[:, a.shape[1] - half:]], axis=0)


def _z_scale(a: np.ndarray) -> np.ndarray:
    from scipy.special import ndtri
    from scipy.stats import rankdata

    c, d, k = a.shape
    ranks = rankdata(a.reshape(c * d, k), method="average", axis=0)
    return ndtri((ranks - 0.375) / (c * d + 0.25)).reshape(c, d, k)


def _rhat(x: np.ndarray) -> np.ndarray:
    n = x.shape[1]
    between = n * np.var(x.mean(axis=1), axis=0, ddof=1)
    within = np.mean(np.var(x, axis=1, ddof=1), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):  # a constant variable has no r_hat: NaN
        return np.sqrt((between / within + n - 1) / n)


def _valid(a: np.ndarray, min_chains: int) -> np.ndarray:
    ok = np.isfinite(a).all(axis=(0, 1))
    return ok & (a.shape[0] >= min_chains) & (a.shape[1] >= 4)


def rhat(a: np.ndarray) -> np.ndarray:
    """Rank-normalised split r_hat: the larger of the bulk and the folded (tail) r_hat."""
    a = np.asarray(a, dtype=float)
    out = np.full(a.shape[2], np.nan)
    ok = _valid(a, 2)
    if ok.any():
        s = _split(a[..., ok])
        folded = np.abs(s - np.median(s, axis=(0, 1)))
        out[ok] = np.maximum(_rhat(_z_scale(s)), _rhat(_z_scale(folded)))
    return out


def _autocov_mean(x: np.ndarray) -> np.ndarray:
    """Autocovariance at every lag, averaged over chains: ``(draw, variable)``."""
    from scipy.fft import irfft, next_fast_len, rfft

    n = x.shape[1]
    m = next_fast_len(2 * n)
    x = x - x.mean(axis=1, keepdims=True)
    f = rfft(x, n=m, axis=1)
    acov = irfft(f * np.conjugate(f), n=m, axis=1)[:, :n] / n
    return acov.mean(axis=0)


def _ess_1d(acov: np.ndarray, var_chain_mean: float, n_chain: int, n_draw: int) -> float:
    """Geyer's initial monotone sequence, as in ``arviz_stats`` (one variable)."""
    mean_var = acov[0] * n_draw / (n_draw - 1.0)
    var_plus = mean_var * (n_draw - 1.0) / n_draw
    if n_chain > 1:
        var_plus += var_chain_mean
    rho = np.zeros(n_draw)
    rho_even, rho_odd = 1.0, 1.0 - (mean_var - acov[1]) / var_plus
    rho[0], rho[1] = rho_even, rho_odd
    t = 1
    while t < n_draw - 3 and rho_even + rho_odd > 0.0:
        rho_even = 1.0 - (mean_var - acov[t + 1]) / var_plus
        rho_odd = 1.0 - (mean_var - acov[t + 2]) / var_plus
        if rho_even + rho_odd >= 0:
            rho[t + 1], rho[t + 2] = rho_even, rho_odd
        t += 2
    max_t = t - 2
    if rho_even > 0:
        rho[max_t + 1] = rho_even
    t = 1
    while t <= max_t - 2:
        if rho[t + 1] + rho[t + 2] > rho[t - 1] + rho[t]:
            rho[t + 1] = rho[t + 2] = (rho[t - 1] + rho[t]) / 2.0
        t += 2
    total = n_chain * n_draw
    tau = -1.0 + 2.0 * np.sum(rho[: max_t + 1]) + np.sum(rho[max_t + 1 : max_t + 2])
    tau = max(tau, 1 / np.log10(total))
    return np.nan if np.isnan(rho).any() else total / tau


def _ess(x: np.ndarray) -> np.ndarray:
    n_chain, n_draw, k = x.shape
    acov = _autocov_mean(x)
    var_means = np.var(x.mean(axis=1), axis=0, ddof=1) if n_chain > 1 else np.zeros(k)
    out = np.empty(k)
    for j in range(k):
        col = x[..., j]
        if np.max(col) - np.min(col) < np.finfo(float).resolution:
            out[j] = col.size
        else:
            out[j] = _ess_1d(acov[:, j], var_means[j], n_chain, n_draw)
    return out


def ess(a: np.ndarray, method: str = "bulk", prob: float = 0.05) -> np.ndarray:
    """Effective sample size: ``"bulk"`` (rank-normalised), ``"tail"`` (the smaller of the
    ESS of the ``prob`` and ``1 - prob`` quantile indicators) or ``"mean"``."""
    a = np.asarray(a, dtype=float)
    out = np.full(a.shape[2], np.nan)
    ok = _valid(a, 1)
    if not ok.any():
        return out
    a = a[..., ok]
    if method not in ("bulk", "mean", "tail"):
        raise ValueError(f"unknown ESS method {method!r}")
    # a degenerate posterior (a constant or exploding variable) gives NaN or inf here, which the
    # convergence check reads as a failure; numpy's warnings about it would only repeat that
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        if method == "bulk":
            out[ok] = _ess(_z_scale(_split(a)))
        elif method == "mean":
            out[ok] = _ess(_split(a))
        else:
            lo, hi = sorted((prob, 1 - prob))
            q = np.quantile(a, [lo, hi], axis=(0, 1))
            out[ok] = np.minimum(_ess(_split((a <= q[0]).astype(float))), _ess(_split((a <= q[1]).astype(float))))
    return out
