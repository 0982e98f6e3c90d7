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

from .errors import ArgumentError
from .forecast import check_prob, log_mean_exp, lognormal_logpdf

__all__ = ["backtest", "lfo_cv", "summarize_backtest"]


def _score(fit, law: str, n: np.ndarray, y: np.ndarray, prob: float) -> dict:
    fc = fit.forecast(n, prob=prob, law=law)
    # log mean predictive density of each y_j over the draws behind `law`
    ll = np.concatenate([
        lognormal_logpdf(np.log(y)[None, :], np.log(f.curve(n)[idx]), f.draws["sigma"][idx][:, None])
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
        (``|log(median / y)|``) and ``converged``.
    """
    from .workflow import fit as refit

    prob = check_prob(prob)
    distinct = fit.data.distinct_n
    ks = list(range(max(3, min_points), distinct.size)) if origins is None else [int(k) for k in origins]
    bad = [k for k in ks if not 3 <= k < distinct.size]
    if bad or not ks:
        raise ArgumentError(f"origins must lie between 3 and {distinct.size - 1} distinct n, got {bad or ks}")
    opts = fit.options
    kwargs = {} if opts is None else {"draws": opts.draws, "tune": opts.tune, "chains": opts.chains,
                                      "target_accept": opts.target_accept, "cores": opts.cores}
    rows = []
    for k in ks:
        cut = distinct[k - 1]
        train = fit.data.subset(fit.data.n <= cut)
        test_n, test_y = fit.data.n[fit.data.n > cut], fit.data.y[fit.data.n > cut]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sub = refit(train, laws=[law for law in fit.laws if fit[law].law.min_distinct <= k],
                        random_seed=fit.seed + k, **kwargs)
            sub.weights()
        for law in [*sub.laws, "averaged"]:
            s = _score(sub, law, test_n, test_y, prob)
            for j in range(test_n.size):
                rows.append({
                    "k": k, "n_train_max": cut, "law": law, "n": test_n[j], "y": test_y[j],
                    "horizon": test_n[j] / cut, "median": s["median"][j], "lower": s["lower"][j],
                    "upper": s["upper"][j], "covered": bool(s["lower"][j] <= test_y[j] <= s["upper"][j]),
                    "lpd": s["lpd"][j], "abs_log_error": abs(float(np.log(s["median"][j] / test_y[j]))),
                    "converged": bool(s["converged"][j]),
                })
    return pd.DataFrame(rows)


def summarize_backtest(table: pd.DataFrame) -> pd.DataFrame:
    """Per law: held-out points, interval coverage, mean log predictive density, median |log error|."""
    return table.groupby("law", sort=False).agg(
        points=("covered", "size"), coverage=("covered", "mean"), mean_lpd=("lpd", "mean"),
        median_abs_log_error=("abs_log_error", "median"), converged=("converged", "all"),
    )


def _refit_wrapper(lawfit):
    """An ``arviz_stats.SamplingWrapper`` that refits one law through its compiled model."""
    import arviz_stats as azs
    import xarray as xr

    from .sampling import SamplerOptions, sample_law

    data, law = lawfit.data, lawfit.law
    options = lawfit.options or SamplerOptions()

    class LawRefits(azs.SamplingWrapper):
        def sel_observations(self, idx):
            keep = np.ones(data.n_obs, dtype=bool)
            keep[np.asarray(idx, dtype=int)] = False
            return data.subset(keep), np.asarray(idx, dtype=int)

        def sample(self, train):
            post, _, _ = sample_law(law, train, options, seed=lawfit.seed + 31 * train.n_obs, check=False)
            return post, train

        def get_inference_data(self, fitted):
            post, train = fitted
            tree = xr.DataTree.from_dict({"posterior": post})
            tree.attrs["n_ref"] = train.n_ref
            return tree

        def log_likelihood__i(self, excluded, idata):
            post = idata.posterior
            shape = (post.sizes["chain"], post.sizes["draw"])
            p = {q.name: post[q.name].to_numpy().reshape(-1, 1) for q in law.parameters}
            u = np.log(data.n[excluded]) - np.log(idata.attrs["n_ref"])
            log_mu = law.log_curve(u[None, :], p)
            sigma = post["sigma"].to_numpy().reshape(-1, 1)
            ll = lognormal_logpdf(data.log_y[excluded][None, :], log_mu, sigma)
            return xr.DataArray(ll.reshape(*shape, -1), dims=("chain", "draw", "obs"),
                                coords={"obs": np.asarray(excluded)})

    return LawRefits(model=law, idata_orig=lawfit.tree)


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
            warnings.simplefilter("ignore")
            res = azs.lfo_cv(f.tree, _refit_wrapper(f), min_observations=first, forecast_horizon=horizon,
                             time_dim="obs", var_name="y", method=method)
        rows[name] = {"elpd_lfo": float(res.elpd), "se": float(res.se), "origins": int(res.n_data_points),
                      "refits": int(res.n_refits), "converged": f.converged}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("law").sort_values("elpd_lfo", ascending=False)
