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
from scipy.special import logsumexp

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
        raise ValueError(f"log_lik must have shape (draws, observations), got {ll.shape}")
    s = ll.shape[0]
    lppd_i = logsumexp(ll, axis=0) - math.log(s)
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


def _from_z(law, data, z) -> dict:
    out = {}
    for p, zi in zip(law.parameters, z, strict=True):
        kind, _, _ = p.prior.resolve(data)
        out[p.name] = math.exp(zi) if kind == 1 else (1 / (1 + math.exp(-zi)) if kind == 2 else zi)
    return out


def max_likelihood(law, data, starts: list[dict]) -> MaximumLikelihood:
    """Maximise the log-normal likelihood of ``law`` on ``data`` (``sigma`` profiled out).

    ``starts`` are parameter dicts (e.g. the best posterior draws); each seeds a
    BFGS run on the unconstrained scale, then Nelder-Mead polishes the best.
    """
    from scipy.optimize import minimize

    u, ly = data.u, data.log_y
    n = data.n_obs

    def rss(z):
        try:
            with np.errstate(all="ignore"):
                r = ly - law.log_curve(u, _from_z(law, data, z))
        except OverflowError:
            return 1e300
        val = float(np.dot(r, r))
        return val if np.isfinite(val) else 1e300

    best = None
    converged = False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for start in starts:
            res = minimize(rss, _to_z(law, data, start), method="BFGS")
            if best is None or res.fun < best.fun:
                best = res
            converged |= bool(res.success)
        polish = minimize(rss, best.x, method="Nelder-Mead",
                          options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 20000})
        if polish.fun <= best.fun:
            converged |= bool(polish.success)
            best = polish
    r = max(float(best.fun), 1e-300)
    sigma2 = r / n
    log_lik = -0.5 * n * (math.log(2 * math.pi * sigma2) + 1.0) - float(ly.sum())
    params = _from_z(law, data, best.x) | {"sigma": math.sqrt(sigma2)}
    return MaximumLikelihood(params=params, log_lik=log_lik, rss_log=r, k=law.n_params, n=n,
                             converged=converged)
