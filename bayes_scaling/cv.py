"""Cross-validation of one law's fit: PSIS-LOO, exact LOO where PSIS fails (``arviz_stats.reloo``),
held-out refits and leave-future-out predictive densities, and leave-future-out ELPD over many
origins (``arviz_stats.lfo_cv``).

Refits go through the compiled law (:mod:`bayes_scaling.sampling`), so each costs a fraction of a
second, and each is kept in the law fit's ``refits`` cache: exact LOO's refit without the largest
n also serves the leave-future-out scores of the forecast weights and the discrepancy.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd

from .densities import log_mean_exp, log_sum_exp, pointwise_log_lik
from .errors import ArgumentError
from .sampling import SamplerOptions, sample_law

__all__ = ["PARETO_K_MAX", "RefitWrapper", "exact_loo", "future_lpd", "holdout_draws", "holdout_lpd", "lfo_cv",
           "loo_seed", "psis_loo", "refit_options", "relative_efficiency"]

#: Pareto k above which PSIS-LOO is unreliable for a point (Vehtari et al. 2024)
PARETO_K_MAX = 0.7
#: the stricter bar for leave-future-out by PSIS: removing the end of a curve moves the posterior far
PARETO_K_LFO = 0.5


def relative_efficiency(lawfit) -> float:
    """Relative efficiency of the draws for PSIS, as arviz_stats computes it (mean-ESS averaged
    over the posterior variables), vectorised."""
    from . import _convergence

    _, stacked = _convergence.stack(lawfit.tree.posterior)
    return float(np.mean(_convergence.ess(stacked, "mean"))) / (stacked.shape[0] * stacked.shape[1])


def psis_loo(lawfit):
    """PSIS-LOO (pointwise, with Pareto k) as ``arviz_stats.loo`` computes it, returned as its
    ``ELPDDataLOO``; the smoothing is :mod:`bayes_scaling.psis`, vectorised over points (the same
    numbers, held to ``arviz_stats`` in the tests, in a fraction of the time on dense data)."""
    from arviz_stats.loo.loo_helper import _warn_pareto_k
    from arviz_stats.utils import ELPDDataLOO

    from .psis import loo_pointwise

    da = lawfit.tree.log_likelihood["y"]
    dims = [d for d in da.dims if d not in ("chain", "draw")]
    ll = da.transpose("chain", "draw", *dims).to_numpy()
    n_chain, n_draw = ll.shape[:2]
    out = loo_pointwise(ll.reshape(n_chain * n_draw, -1), lawfit.reff)
    obs = da.isel(chain=0, draw=0, drop=True)
    elpd_i = obs.copy(data=out["elpd_i"].reshape(obs.shape))
    pareto_k = obs.copy(data=out["pareto_k"].reshape(obs.shape))
    log_weights = da.transpose("chain", "draw", *dims).copy(data=out["log_weights"].reshape(ll.shape))
    with warnings.catch_warnings():  # a Pareto k above 0.7 is reported in the tables and refitted
        warnings.simplefilter("ignore")
        warn, good_k = _warn_pareto_k(out["pareto_k"], n_chain * n_draw)
    elpd = float(np.sum(out["elpd_i"]))
    se = float(np.sqrt(out["elpd_i"].size * np.var(out["elpd_i"], ddof=1))) if out["elpd_i"].size > 1 else 0.0
    return ELPDDataLOO(elpd=elpd, se=se, p=float(np.sum(out["p_loo_i"])), n_samples=n_chain * n_draw,
                       n_data_points=int(out["elpd_i"].size), scale="log", warning=warn, good_k=good_k,
                       elpd_i=elpd_i, pareto_k=pareto_k, approx_posterior=False, log_weights=log_weights)


def loo_seed(lawfit, i: int) -> int:
    """The seed of exact LOO's refit without point ``i``: the refit is made once and reused."""
    return lawfit.seed + 1 + i


def refit_options(options: SamplerOptions | None) -> SamplerOptions:
    """Sampler settings of a refit whose draws only feed a predictive density: a quarter of the
    draws in two chains (1,000 at the defaults) after 60% of the tuning steps, no retry
    (measured: docs/benchmarks.md, refits)."""
    base = options or SamplerOptions()
    chains = min(2, base.chains)
    draws = max(250, base.draws * base.chains // (4 * chains))
    return dataclasses.replace(base, chains=chains, draws=draws, tune=max(100, base.tune * 3 // 5), retry=False)


def holdout_draws(lawfit, keep: np.ndarray, seed: int) -> dict[str, np.ndarray]:
    """Posterior draws of the law refitted on the points in ``keep`` (cached in ``lawfit.refits``)."""
    keep = np.asarray(keep, dtype=bool)
    key = (keep.tobytes(), int(seed))
    if key not in lawfit.refits:
        sub = lawfit.data.subset(keep)
        post, _, _ = sample_law(lawfit.law, sub, refit_options(lawfit.options), seed=seed, check=False,
                                priors=lawfit.priors)
        lawfit.refits[key] = {k: post[k].to_numpy().reshape(-1) for k in lawfit.variables}
    return lawfit.refits[key]


def holdout_lpd(lawfit, keep: np.ndarray, seed: int, extra_sd=None) -> np.ndarray:
    """Refit on the points in ``keep`` and return the log predictive density of each left-out point,
    ``log p(y_j | y_keep)``, in data order. With ``extra_sd`` (shape (grid, left-out points)) each
    row of the grid widens the noise of the left-out points by that log-sd (in quadrature) and the
    result has shape (grid, left-out points)."""
    keep = np.asarray(keep, dtype=bool)
    draws = holdout_draws(lawfit, keep, seed)
    sub = lawfit.data.subset(keep)
    ll = pointwise_log_lik(lawfit.law, draws, sub, lawfit.data.n[~keep], lawfit.data.log_y[~keep], extra_sd,
                           rows=lawfit.data.subset(~keep), likelihood=lawfit.likelihood)
    return np.asarray(log_mean_exp(ll, axis=-2))


class RefitWrapper:
    """An ``arviz_stats.SamplingWrapper`` that refits one law through its compiled model.

    ``loo=True``: the refits of exact LOO (seeded by :func:`loo_seed`, reduced draws, cached in
    ``lawfit.refits``); else the full sampler settings seeded by the training size (``lfo_cv``).
    """

    def __new__(cls, lawfit, loo: bool = False):
        import arviz_stats as azs
        import xarray as xr

        data, law = lawfit.data, lawfit.law

        class _Wrapper(azs.SamplingWrapper):
            def sel_observations(self, idx):
                keep = np.ones(data.n_obs, dtype=bool)
                keep[np.asarray(idx, dtype=int)] = False
                return keep, np.atleast_1d(np.asarray(idx, dtype=int))

            def sample(self, keep):
                if loo:
                    i = int(np.flatnonzero(~keep)[0])
                    draws = holdout_draws(lawfit, keep, loo_seed(lawfit, i))
                    post = xr.Dataset({k: (("chain", "draw"), v[None, :]) for k, v in draws.items()})
                else:
                    sub = data.subset(keep)
                    post, _, _ = sample_law(law, sub, lawfit.options or SamplerOptions(),
                                            seed=lawfit.seed + 31 * sub.n_obs, check=False, priors=lawfit.priors)
                return post, keep

            def get_inference_data(self, fitted):
                post, keep = fitted
                tree = xr.DataTree.from_dict({"posterior": post})
                tree.attrs["keep"] = keep
                return tree

            def log_likelihood__i(self, excluded, idata):
                post = idata.posterior
                shape = (post.sizes["chain"], post.sizes["draw"])
                draws = {k: post[k].to_numpy().reshape(-1) for k in lawfit.variables}
                excluded = np.atleast_1d(np.asarray(excluded, dtype=int))
                ll = pointwise_log_lik(law, draws, data.subset(idata.attrs["keep"]), data.n[excluded],
                                       data.log_y[excluded], rows=data.subset(excluded), likelihood=lawfit.likelihood)
                return xr.DataArray(ll.reshape(*shape, -1), dims=("chain", "draw", "obs"), coords={"obs": excluded})

        return _Wrapper(model=law, idata_orig=lawfit.tree)


def exact_loo(lawfit):
    """Leave-one-out ELPD that never rests on a broken importance-sampling approximation.

    Points whose Pareto k exceeds 0.7 are refitted without them (``arviz_stats.reloo`` with
    :class:`RefitWrapper`): ``log p(y_i | y_-i)`` is the log of the mean predictive density of
    ``y_i`` over the refit's draws. Returns the ``arviz_stats`` ELPD object with three extra
    attributes: ``n_refits`` (points refitted), ``refit_failed`` (points that could not be, e.g.
    because fewer distinct n than the law needs would remain, or in a pooled fit) and ``refit_reason``.
    """
    import arviz_stats as azs

    psis = lawfit.psis_loo
    k = np.asarray(psis.pareto_k)
    bad = np.flatnonzero(k > PARETO_K_MAX)
    failed, reason = [], ""
    for i in bad:
        keep = np.arange(lawfit.data.n_obs) != i
        if lawfit.pooled:
            failed.append(int(i))
            reason = "a pooled fit is not refitted point by point"
        elif np.unique(lawfit.data.n[keep]).size < lawfit.law.min_distinct:
            failed.append(int(i))
            reason = "too few points left to refit"
    todo = [int(i) for i in bad if i not in failed]
    if not todo:
        result = dataclasses.replace(psis)
    else:
        orig = dataclasses.replace(psis, pareto_k=psis.pareto_k.copy(data=np.where(np.isin(np.arange(k.size), todo),
                                                                                     k, 0.0)))
        result = azs.reloo(RefitWrapper(lawfit, loo=True), loo_orig=orig, var_name="y", k_threshold=PARETO_K_MAX,
                           pointwise=True)
        result.pareto_k = psis.pareto_k.copy()
        result.warning = bool(failed)
    result.n_refits = len(todo)
    result.refit_failed = failed
    result.refit_reason = reason
    return result


def future_lpd(lawfit, keep: np.ndarray, seed: int, extra_sd=None) -> np.ndarray:
    """``log p(y_j | y_keep)`` for each left-out point j (data order), as cheaply as is reliable.

    Importance sampling from the full posterior with weights ``1 / p(y_left_out | theta)``,
    Pareto-smoothed (PSIS; the approximate leave-future-out of Bürkner, Gabry & Vehtari 2020)
    where its Pareto k is at most 0.5; otherwise a refit (:func:`holdout_lpd`), or, for a single
    point that exact LOO already refitted, that refit. The bar is stricter than LOO's 0.7:
    removing the end of a curve moves the posterior far, and on a dense simulated curve PSIS at
    k = 0.64 was 0.4 per point too optimistic against refits. ``extra_sd`` as in :func:`holdout_lpd`.
    """
    from arviz_stats.base import array_stats

    out = np.flatnonzero(~np.asarray(keep, dtype=bool))
    if out.size == 1 and np.asarray(lawfit.psis_loo.pareto_k)[out[0]] > PARETO_K_MAX \
            and out[0] not in lawfit.loo.refit_failed:
        return holdout_lpd(lawfit, keep, loo_seed(lawfit, int(out[0])), extra_sd)  # exact LOO's refit
    ll = lawfit.log_lik[:, out]
    log_w, k = array_stats.psislw(ll.sum(axis=1), r_eff=lawfit.reff)  # ratios 1 / p(y_out | theta)
    if float(k) > PARETO_K_LFO:
        return holdout_lpd(lawfit, keep, seed, extra_sd)
    log_w = log_w - log_sum_exp(log_w)
    if extra_sd is None:
        return log_sum_exp(log_w[:, None] + ll, axis=0)
    ll = pointwise_log_lik(lawfit.law, {k: lawfit.draws[k] for k in lawfit.variables}, lawfit.data,
                           lawfit.data.n[out], lawfit.data.log_y[out], extra_sd, rows=lawfit.data.subset(out),
                           likelihood=lawfit.likelihood)
    return log_sum_exp(log_w[None, :, None] + ll, axis=1)


def lfo_cv(fit, min_points: int = 3, horizon: int = 1, method: str = "exact") -> pd.DataFrame:
    """Leave-future-out ELPD of every law (``arviz_stats.lfo_cv``, refits through the compiled laws).

    Observations are ordered by n; from ``min_points`` observations on (or as many as the
    most demanding law needs, so that every law is scored on the same origins), each law is trained
    on the observations before an origin and scored on the joint log predictive density
    of the next ``horizon`` ones. ``method="exact"`` refits at every origin (a fraction of
    a second each); ``"approx"`` carries the posterior forward by PSIS and refits only where
    Pareto k > 0.7.

    Returns
    -------
    DataFrame
        Indexed by law: ``elpd_lfo``, ``se``, ``origins`` (forecast origins scored),
        ``refits`` and ``converged`` (of the full fit).

    Examples
    --------
    >>> import bayes_scaling as bs
    >>> fit = bs.fit(bs.load_example(), x="samples", y="val_ppl", random_seed=1)
    >>> lfo = fit.lfo_cv(min_points=3)
    >>> lfo["origins"].tolist()  # exp_decay needs 4 points: every law forecasts the 5th from 4
    [1, 1, 1]
    """
    import arviz_stats as azs

    if method not in ("exact", "approx"):
        raise ArgumentError(f"method must be 'exact' or 'approx', got {method!r}")
    # one set of origins for every law (so their ELPDs compare): enough leading observations for
    # the most demanding law's distinct n
    distinct = np.array([np.unique(fit.data.n[: k + 1]).size for k in range(fit.data.n_obs)])
    need = max(f.law.min_distinct for f in fit.fits.values())
    first = max(int(min_points), int(np.argmax(distinct >= need)) + 1 if distinct[-1] >= need else fit.data.n_obs)
    if first + horizon > fit.data.n_obs:
        raise ArgumentError(f"{fit.data.n_obs} observations leave no forecast origin with min_points={min_points}, "
                            f"horizon={horizon} (the laws need {need} distinct n to fit)")
    rows = {}
    for name, f in fit.fits.items():
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Estimated shape parameter of Pareto", category=UserWarning)
            res = azs.lfo_cv(f.tree, RefitWrapper(f), min_observations=first, forecast_horizon=horizon,
                             time_dim="obs", var_name="y", method=method)
        rows[name] = {"elpd_lfo": float(res.elpd), "se": float(res.se), "origins": int(res.n_data_points),
                      "refits": int(res.n_refits), "converged": f.converged}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("law").sort_values("elpd_lfo", ascending=False)


