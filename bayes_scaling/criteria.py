"""Model-comparison criteria: PSIS-LOO (ArviZ), WAIC (here), AIC/AICc/BIC (maximum likelihood).

Conventions
-----------
* Every criterion uses the same likelihood as the posterior (:mod:`bayes_scaling.likelihoods`; by
  default ``y`` log-normal around the law's curve, ``log y ~ Normal(log mu, sigma)``), densities on the
  scale of ``y`` (the ``-log y`` Jacobian is included, so numbers compare across
  laws and likelihoods and with any other model of ``y``).
* ELPD values (LOO, WAIC) are on the log scale: higher is better.
* AIC = -2 log L + 2k, AICc = AIC + 2k(k+1)/(N-k-1), BIC = -2 log L + k log N,
  with ``log L`` at the maximum-likelihood estimate and ``k`` counting *every*
  fitted parameter, the noise ``sigma`` included (power 3, saturation 4,
  exp_decay 5; Student-t's ``nu`` adds one). Lower is better. AIC is NaN when N <= k - 1 (the curve can pass
  through every point and the likelihood is unbounded); AICc is NaN when N <= k + 1.
* Under the log-normal, because ``sigma`` is profiled, ``-2 log L = N log(RSS/N) + N (1 + log 2 pi) +
  2 sum(log y)`` with RSS the residual sum of squares of ``log y``: the familiar
  least-squares AIC ``N log(RSS/N) + 2k`` plus a constant, on log y.
  :func:`aic_least_squares` gives that convention on any residuals, for comparing
  with published numbers.
"""

from __future__ import annotations

import math

import numpy as np

from .densities import log_mean_exp
from .errors import ArgumentError
from .likelihoods import MaximumLikelihood, get_likelihood, information_criteria

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


def max_likelihood(law, data, starts: list[dict], max_nfev: int = 300, likelihood=None) -> MaximumLikelihood:
    """The maximum-likelihood fit of ``law`` on ``data`` under ``likelihood`` (the log-normal if None:
    least squares on log y with ``sigma`` profiled out), started from ``starts`` (e.g. the best posterior
    draws); see :meth:`bayes_scaling.likelihoods.Likelihood.max_likelihood`."""
    return get_likelihood(likelihood).max_likelihood(law, data, starts, max_nfev)


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
