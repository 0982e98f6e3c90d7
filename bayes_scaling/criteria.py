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

from .densities import log_mean_exp
from .errors import ArgumentError

__all__ = ["MaximumLikelihood", "aic_least_squares", "comparison", "information_criteria", "max_likelihood", "waic"]


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


def _to_z(law, params: dict) -> np.ndarray:
    """Parameters to the unconstrained scale of their domains (log, logit, identity)."""
    z = []
    for p in law.parameters:
        v = float(params[p.name])
        if p.domain == "positive":
            z.append(math.log(max(v, 1e-300)))
        elif p.domain == "unit":
            v = min(max(v, 1e-9), 1 - 1e-9)
            z.append(math.log(v / (1 - v)))
        else:
            z.append(v)
    return np.array(z)


def _from_z(law, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The inverse of :func:`_to_z`, and d theta / dz."""
    th, dth = np.empty(len(z)), np.empty(len(z))
    for i, (p, zi) in enumerate(zip(law.parameters, z, strict=True)):
        if p.domain == "positive":
            th[i] = dth[i] = math.exp(min(zi, 700.0))
        elif p.domain == "unit":
            th[i] = 1.0 / (1.0 + math.exp(-zi)) if zi >= 0 else math.exp(zi) / (1.0 + math.exp(zi))
            dth[i] = th[i] * (1.0 - th[i])
        else:
            th[i], dth[i] = zi, 1.0
    return th, dth


def max_likelihood(law, data, starts: list[dict], max_nfev: int = 300) -> MaximumLikelihood:
    """Maximise the log-normal likelihood of ``law`` on ``data`` (``sigma`` profiled out).

    Profiling sigma turns this into least squares on log y. Each start (e.g. the best
    posterior draws) seeds a trust-region least-squares run on the unconstrained
    scale, with the exact Jacobian from the law's gradient kernel where it has one (else
    finite differences of :meth:`~bayes_scaling.laws.Law.log_curve`).
    """
    from scipy.optimize import least_squares

    u, ly = data.u, data.log_y
    n = data.n_obs
    root_w = np.sqrt(data.weight)  # binned data: each bin's mean counts as many times as it has measurements
    k = len(law.parameters)
    names = [p.name for p in law.parameters]
    curve_grad = type(law).curve_grad  # a numba dispatcher: not bound to the instance
    lm = np.empty(n)
    dlm = np.empty((n, k))

    def log_curve(th):
        if curve_grad is not None:
            curve_grad(u, th, lm, dlm)
            return lm
        return np.asarray(law.log_curve(u, dict(zip(names, th, strict=True))), dtype=float)

    def residuals(z):
        r = ly - log_curve(_from_z(law, z)[0])
        r = r * root_w if data.binned else r
        return np.where(np.isfinite(r), r, 1e150)

    def jacobian(z):
        th, dth = _from_z(law, z)
        curve_grad(u, th, lm, dlm)
        j = -dlm * dth[None, :]
        j = j * root_w[:, None] if data.binned else j
        return np.where(np.isfinite(j), j, 0.0)

    # MINPACK's Levenberg-Marquardt (4x faster here, same optima) needs residuals >= parameters
    method = "lm" if n >= k else "trf"
    best = None
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=RuntimeWarning)  # overflow of exp at far-out trial steps
        for start in starts:
            res = least_squares(residuals, _to_z(law, start), jac=jacobian if curve_grad is not None else "2-point",
                                method=method, x_scale="jac", xtol=1e-10, ftol=1e-12, gtol=1e-10, max_nfev=max_nfev)
            if best is None or res.cost < best.cost:
                best = res
    rss = max(2.0 * float(best.cost) + float(data.within_ss.sum()), 1e-300)
    n = float(data.row_dof.sum()) if data.binned else n  # the noise's degrees of freedom
    sigma2 = rss / n
    log_lik = -0.5 * n * (math.log(2 * math.pi * sigma2) + 1.0) - float((data.weight * ly).sum())
    th, _ = _from_z(law, best.x)
    params = {name: float(v) for name, v in zip(names, th, strict=True)}
    params["sigma"] = math.sqrt(sigma2)
    return MaximumLikelihood(params=params, log_lik=log_lik, rss_log=rss, k=law.n_params, n=round(n),
                             converged=bool(best.status > 0))


def comparison(fit, stacking: dict[str, float]):
    """The comparison table of :meth:`bayes_scaling.result.ScalingFit.compare` (without the forecast
    weights), ranked by ``elpd_loo``; ``stacking``: the LOO stacking weights by law."""
    import pandas as pd

    from .cv import PARETO_K_MAX

    rows = {}
    for name, f in fit.fits.items():
        loo = f.loo
        k = np.asarray(f.psis_loo.pareto_k)
        w = f.waic
        ic = f.mle.criteria
        notes = []
        if not f.converged:
            notes.append("sampler did not converge: " + "; ".join(f.diagnostics.problems()))
        bad = np.flatnonzero(k > PARETO_K_MAX)
        if bad.size:
            where = ", ".join(f"n={fit.data.n[i]:g}" for i in bad if i not in loo.refit_failed)
            if loo.n_refits:
                notes.append(f"Pareto k > {PARETO_K_MAX} at {where}: refitted exactly")
            if loo.refit_failed:
                where = ", ".join(f"n={fit.data.n[i]:g}" for i in loo.refit_failed)
                notes.append(f"Pareto k > {PARETO_K_MAX} at {where}: LOO unreliable there ({loo.refit_reason})")
        if not f.mle.converged:
            notes.append("maximum-likelihood optimiser did not converge")
        rows[name] = {
            "elpd_loo": loo.elpd, "se": loo.se, "p_loo": loo.p,
            "elpd_waic": w["elpd_waic"], "p_waic": w["p_waic"],
            **ic,
            "pareto_k_max": float(np.max(k)),
            "loo_refits": loo.n_refits,
            "divergences": f.diagnostics.divergences,
            "r_hat_max": f.diagnostics.r_hat_max,
            "converged": f.converged,
            "notes": "; ".join(notes),
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.insert(table.columns.get_loc("aic"), "weight", pd.Series(stacking).reindex(table.index).astype(float))
    table = table.sort_values("elpd_loo", ascending=False)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table.rename_axis("law")
