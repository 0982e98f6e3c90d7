"""Model-comparison criteria: PSIS-LOO (ArviZ), WAIC (here), AIC/AICc/BIC (maximum likelihood).

Conventions
-----------
* Every criterion uses the same likelihood as the posterior: ``y`` log-normal
  around the law's curve, ``log y ~ Normal(log mu, sigma)``, densities on the
  scale of ``y`` (the ``-log y`` Jacobian is included, so numbers compare across
  laws and with any other model of ``y``).
* ELPD values (LOO, WAIC) are on the log scale: higher is better.
* AIC = -2 log L + 2k, AICc = AIC + 2k(k+1)/(N-k-1), BIC = -2 log L + k log N,
  with ``log L`` at the maximum-likelihood estimate and ``k`` counting *every*
  fitted parameter, the noise ``sigma`` included (power 3, saturation 4,
  exp_decay 5). Lower is better. AIC is NaN when N <= k - 1 (the curve can pass
  through every point and the likelihood is unbounded); AICc is NaN when N <= k + 1.
* Because ``sigma`` is profiled, ``-2 log L = N log(RSS/N) + N (1 + log 2 pi) +
  2 sum(log y)`` with RSS the residual sum of squares of ``log y``: the familiar
  least-squares AIC ``N log(RSS/N) + 2k`` plus a constant, on log y.
  :func:`aic_least_squares` gives that convention on any residuals, for comparing
  with published numbers.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from .errors import ArgumentError
from .forecast import log_mean_exp

__all__ = ["MaximumLikelihood", "aic_least_squares", "information_criteria", "max_likelihood", "waic"]


def waic(log_lik) -> dict:
    """Widely applicable information criterion from a pointwise log-likelihood.

    Parameters
    ----------
    log_lik : array, shape (draws, observations)
        ``log p(y_i | theta_s)`` for posterior draws ``s`` (chains flattened).

    Returns
    -------
    dict
        ``elpd_waic`` (= lppd - p_waic, log scale), ``se``, ``p_waic`` and the
        pointwise ``elpd_i`` and ``p_i``.

    Notes
    -----
    Watanabe (2010); Vehtari, Gelman & Gabry (2017), eq. 3-5:
    ``lppd_i = log mean_s exp(ll_si)``, ``p_i = var_s(ll_si)`` (sample variance),
    ``se = sqrt(N var_i(elpd_i))``.

    Examples
    --------
    >>> import numpy as np
    >>> w = waic(np.full((100, 3), -1.0))
    >>> round(w["elpd_waic"], 6), round(w["p_waic"], 6)
    (-3.0, 0.0)
    """
    ll = np.asarray(log_lik, dtype=float)
    if ll.ndim != 2:
        raise ArgumentError(f"log_lik must have shape (draws, observations), got {ll.shape}")
    lppd_i = log_mean_exp(ll, axis=0)
    p_i = ll.var(axis=0, ddof=1)
    elpd_i = lppd_i - p_i
    n = elpd_i.size
    return {
        "elpd_waic": float(elpd_i.sum()),
        "se": float(math.sqrt(n * elpd_i.var(ddof=1))) if n > 1 else float("nan"),
        "p_waic": float(p_i.sum()),
        "elpd_i": elpd_i,
        "p_i": p_i,
        "warning": bool((p_i > 0.4).any()),
    }


def aic_least_squares(rss: float, n: int, k: int) -> float:
    """The least-squares AIC convention ``N log(RSS/N) + 2k`` (e.g. of the seed notes).

    Examples
    --------
    >>> round(aic_least_squares(rss=10.0, n=5, k=2), 4)
    7.4657
    """
    return n * math.log(rss / n) + 2 * k


def information_criteria(log_lik_max: float, k: int, n: int) -> dict:
    """AIC, AICc and BIC from a maximised log-likelihood, k parameters, n observations."""
    aic = -2.0 * log_lik_max + 2 * k if n >= k else float("nan")
    aicc = aic + 2.0 * k * (k + 1) / (n - k - 1) if n - k - 1 > 0 else float("nan")
    bic = -2.0 * log_lik_max + k * math.log(n) if n >= k else float("nan")
    return {"aic": aic, "aicc": aicc, "bic": bic}


@dataclass(frozen=True)
class MaximumLikelihood:
    """The maximum-likelihood fit of a law: parameters, log L, and whether the optimiser converged."""

    params: dict
    log_lik: float
    rss_log: float
    k: int
    n: int
    converged: bool

    @property
    def criteria(self) -> dict:
        return information_criteria(self.log_lik, self.k, self.n)


def _to_z(law, data, params: dict) -> np.ndarray:
    z = []
    for p in law.parameters:
        kind, _, _ = p.prior.resolve(data)
        v = float(params[p.name])
        if kind == 1:
            z.append(math.log(v))
        elif kind == 2:
            v = min(max(v, 1e-9), 1 - 1e-9)
            z.append(math.log(v / (1 - v)))
        else:
            z.append(v)
    return np.array(z)


def max_likelihood(law, data, starts: list[dict], max_nfev: int = 300) -> MaximumLikelihood:
    """Maximise the log-normal likelihood of ``law`` on ``data`` (``sigma`` profiled out).

    Profiling sigma turns this into least squares on log y. Each start (e.g. the best
    posterior draws) seeds a trust-region least-squares run on the unconstrained
    scale, with the exact Jacobian from the law's gradient kernel.
    """
    from scipy.optimize import least_squares

    from .laws._kernels import BETA, LOGNORMAL, constrain

    u, ly = data.u, data.log_y
    n = data.n_obs
    kinds = [p.prior.resolve(data)[0] for p in law.parameters]
    curve_grad = type(law).curve_grad  # a numba dispatcher: not bound to the instance
    lm = np.empty(n)
    dlm = np.empty((n, len(kinds)))

    def unpack(z):
        th, dth = np.empty(len(kinds)), np.empty(len(kinds))
        for i, (kind, zi) in enumerate(zip(kinds, z, strict=True)):
            th[i], dth[i], _, _ = constrain(kind, zi, 0.0, 1.0)
        return th, dth

    def residuals(z):
        th, _ = unpack(z)
        curve_grad(u, th, lm, dlm)
        r = ly - lm
        return np.where(np.isfinite(r), r, 1e150)

    def jacobian(z):
        th, dth = unpack(z)
        curve_grad(u, th, lm, dlm)
        j = -dlm * dth[None, :]
        return np.where(np.isfinite(j), j, 0.0)

    assert all(k in (BETA, LOGNORMAL, 0) for k in kinds)
    # MINPACK's Levenberg-Marquardt (4x faster here, same optima) needs residuals >= parameters
    method = "lm" if n >= len(kinds) else "trf"
    best = None
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        for start in starts:
            res = least_squares(residuals, _to_z(law, data, start), jac=jacobian, method=method,
                                x_scale="jac", xtol=1e-10, ftol=1e-12, gtol=1e-10, max_nfev=max_nfev)
            if best is None or res.cost < best.cost:
                best = res
    rss = max(2.0 * float(best.cost), 1e-300)
    sigma2 = rss / n
    log_lik = -0.5 * n * (math.log(2 * math.pi * sigma2) + 1.0) - float(ly.sum())
    th, _ = unpack(best.x)
    params = {p.name: float(v) for p, v in zip(law.parameters, th, strict=True)}
    params["sigma"] = math.sqrt(sigma2)
    return MaximumLikelihood(params=params, log_lik=log_lik, rss_log=rss, k=law.n_params, n=n,
                             converged=bool(best.status > 0))
