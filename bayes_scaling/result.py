"""The fit result: posteriors of every law and the questions users ask of them."""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
import xarray as xr

from . import criteria, decisions
from .errors import ArgumentError, ConvergenceWarning, LooWarning, NotFoundError
from .forecast import (
    check_discrepancy,
    check_n,
    check_prob,
    curve_draws,
    interval_columns,
    log_mean_exp,
    log_sum_exp,
    lognormal_logpdf,
    mixture_indices,
    predictive_draws,
)
from .laws import Law, get_law
from .sampling import Diagnostics, SamplerOptions, sample_law

__all__ = ["DISCREPANCY_SCALE", "PARETO_K_MAX", "LawFit", "ScalingFit"]

#: Pareto k above which PSIS-LOO is unreliable for a point (Vehtari et al. 2024)
PARETO_K_MAX = 0.7

#: scale (= prior median) of the half-Cauchy prior of the discrepancy ``kappa``, the extra log-sd
#: of a new measurement per factor e beyond the data (:meth:`ScalingFit.discrepancy`). Chosen on
#: half of the LCDB learning curves and the simulated scenarios of ``benchmarks/calibration.py``;
#: the other half of LCDB checks it (docs: benchmarks).
DISCREPANCY_SCALE = 0.01
#: quadrature for kappa: 0 and 160 geometric steps (6% apart) from 1e-4 to 2, with cell widths
_KAPPA_GRID = np.concatenate([[0.0], np.geomspace(1e-4, 2.0, 160)])
_KAPPA_CELL = np.gradient(_KAPPA_GRID)


def _pointwise_log_lik(law: Law, params: dict, data, n=None, log_y=None, extra_sd=None) -> np.ndarray:
    """log p(y_j | theta_s), shape (draws, points): at the data's own points, or at sample counts
    ``n`` with measurements ``log_y`` (placed relative to ``data``'s centre, as its draws are).

    With ``extra_sd`` (shape (grid, points)) the noise sd of each point is ``sqrt(sigma^2 +
    extra_sd^2)`` for every row of the grid, and the result has shape (grid, draws, points)."""
    u = data.u if n is None else data.to_u(n)
    log_y = data.log_y if log_y is None else log_y
    lm = law.log_curve(u[None, :], {k: np.asarray(v)[:, None] for k, v in params.items()})
    sigma = np.asarray(params["sigma"])[:, None]
    if extra_sd is None:
        return lognormal_logpdf(log_y[None, :], lm, sigma)
    sd = np.sqrt(sigma[None] ** 2 + np.asarray(extra_sd, dtype=float)[:, None, :] ** 2)
    return lognormal_logpdf(log_y[None, None, :], lm[None], sd)


@dataclass
class LawFit:
    """One law's posterior (an ``xarray.DataTree``), its diagnostics and its ML fit."""

    law: Law
    tree: xr.DataTree
    diagnostics: Diagnostics
    seed: int
    data: object = field(repr=False)
    options: SamplerOptions | None = field(default=None, repr=False)
    _refits: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def from_samples(cls, law, data, posterior, sample_stats, diagnostics, seed, options=None,
                     pooled: bool = False) -> LawFit:
        """Wrap sampled draws (the law's parameters, and any hyper-parameters of a pooled fit)."""
        flat = {k: posterior[k].to_numpy().reshape(-1) for k in law.param_names}
        shape = (posterior.sizes["chain"], posterior.sizes["draw"])
        post = posterior.copy()
        diagnosed = list(post.data_vars)
        for k, v in law.derived(flat, data.n_ref).items():
            post[k] = (("chain", "draw"), np.asarray(v).reshape(shape))
        ll = _pointwise_log_lik(law, flat, data).reshape(*shape, data.n_obs)
        obs = {"obs": np.arange(data.n_obs)}
        tree = xr.DataTree.from_dict({
            "posterior": post,
            "sample_stats": sample_stats,
            "log_likelihood": xr.Dataset({"y": (("chain", "draw", "obs"), ll)}, coords=obs),
            "observed_data": xr.Dataset({"y": ("obs", data.y)}, coords=obs),
            "constant_data": xr.Dataset({"n": ("obs", data.n), "u": ("obs", data.u)}, coords=obs),
        })
        tree.attrs.update({"law": law.name, "n_ref": data.n_ref, "seed": int(seed), "pooled": int(pooled),
                           "diagnosed": diagnosed})
        return cls(law=law, tree=tree, diagnostics=diagnostics, seed=int(seed), data=data, options=options)

    @property
    def pooled(self) -> bool:
        """Drawn from a hierarchical model over several configurations (:mod:`bayes_scaling.pooling`)."""
        return bool(self.tree.attrs.get("pooled", 0))

    @cached_property
    def draws(self) -> dict[str, np.ndarray]:
        """Flattened posterior draws (chains concatenated) of every variable."""
        post = self.tree.posterior
        return {k: post[k].to_numpy().reshape(-1) for k in post.data_vars}

    @property
    def converged(self) -> bool:
        return self.diagnostics.converged

    @cached_property
    def log_lik(self) -> np.ndarray:
        ll = self.tree.log_likelihood["y"].to_numpy()
        return ll.reshape(-1, ll.shape[-1])

    @cached_property
    def psis_loo(self):
        """PSIS-LOO of ``arviz_stats.loo`` (pointwise, with Pareto k)."""
        import arviz_stats as azs

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return azs.loo(self.tree, pointwise=True, var_name="y", reff=self._reff)

    @cached_property
    def _reff(self) -> float:
        """Relative efficiency of the draws for PSIS, as arviz_stats computes it (mean-ESS averaged
        over the posterior variables), vectorised."""
        from . import _convergence

        _, stacked = _convergence.stack(self.tree.posterior)
        return float(np.mean(_convergence.ess(stacked, "mean"))) / (stacked.shape[0] * stacked.shape[1])

    @cached_property
    def loo(self):
        """Leave-one-out ELPD that never rests on a broken importance-sampling approximation.

        Points whose Pareto k exceeds 0.7 are left out and the law is refitted without
        them (exact LOO, through the compiled model): ``log p(y_i | y_-i)`` is the log of
        the mean predictive density of ``y_i`` over the refit's draws. The result is an
        ``arviz_stats`` ELPD object (usable in ``arviz_stats.compare``) with two extra
        attributes: ``n_refits`` (points refitted) and ``refit_failed`` (points that
        could not be, e.g. because fewer than 3 distinct n would remain).
        """
        psis = self.psis_loo
        k = np.asarray(psis.pareto_k)
        bad = np.flatnonzero(k > PARETO_K_MAX)
        elpd_i = np.asarray(psis.elpd_i, dtype=float).copy()
        refitted, failed, reason = [], [], ""
        for i in bad:
            keep = np.arange(self.data.n_obs) != i
            if self.pooled:
                failed.append(int(i))
                reason = "a pooled fit is not refitted point by point"
                continue
            if np.unique(self.data.n[keep]).size < self.law.min_distinct:
                failed.append(int(i))
                reason = "too few points left to refit"
                continue
            elpd_i[i] = self._exact_loo_point(int(i), keep)
            refitted.append(int(i))
        if not refitted:
            result = psis
        else:
            n = elpd_i.size
            lppd = float(np.sum(log_mean_exp(self.log_lik, axis=0)))
            result = dataclasses.replace(
                psis, elpd=float(elpd_i.sum()), se=float(np.sqrt(n * np.var(elpd_i, ddof=1))),
                p=lppd - float(elpd_i.sum()), warning=bool(failed),
                elpd_i=psis.elpd_i.copy(data=elpd_i),
            )
        result.n_refits = len(refitted)
        result.refit_failed = failed
        result.refit_reason = reason
        return result

    def _loo_seed(self, i: int) -> int:
        """The seed of exact LOO's refit without point ``i``: the refit is made once and reused."""
        return self.seed + 1 + i

    def _exact_loo_point(self, i: int, keep: np.ndarray) -> float:
        return float(self.holdout_lpd(keep, seed=self._loo_seed(i))[0])

    def future_lpd(self, keep: np.ndarray, seed: int, extra_sd=None) -> np.ndarray:
        """``log p(y_j | y_keep)`` for each left-out point j (data order), as cheaply as is reliable.

        Importance sampling from the full posterior with weights ``1 / p(y_left_out | theta)``,
        Pareto-smoothed (PSIS; the approximate leave-future-out of Bürkner, Gabry & Vehtari 2020)
        where its Pareto k is at most 0.5; otherwise a refit (:meth:`holdout_lpd`), or, for a single
        point that :attr:`loo` already refitted exactly, that value. The bar is stricter than
        LOO's 0.7: removing the end of a curve moves the posterior far, and on a dense simulated
        curve PSIS at k = 0.64 was 0.4 per point too optimistic against refits.

        With ``extra_sd`` (shape (grid, left-out points)) each row of the grid widens the noise of
        the left-out points by that log-sd (added in quadrature) and the result has shape
        (grid, left-out points): the likelihood of the discrepancy (:meth:`ScalingFit.discrepancy`).
        """
        from arviz_stats.base import array_stats

        out = np.flatnonzero(~np.asarray(keep, dtype=bool))
        if out.size == 1 and np.asarray(self.psis_loo.pareto_k)[out[0]] > PARETO_K_MAX \
                and out[0] not in self.loo.refit_failed:
            return self.holdout_lpd(keep, self._loo_seed(int(out[0])), extra_sd)  # exact LOO's refit
        ll = self.log_lik[:, out]
        log_w, k = array_stats.psislw(ll.sum(axis=1), r_eff=self._reff)  # ratios 1 / p(y_out | theta)
        if float(k) > 0.5:
            return self.holdout_lpd(keep, seed, extra_sd)
        log_w = log_w - log_sum_exp(log_w)
        if extra_sd is None:
            return log_sum_exp(log_w[:, None] + ll, axis=0)
        ll = _pointwise_log_lik(self.law, {k: self.draws[k] for k in self.law.param_names}, self.data,
                                self.data.n[out], self.data.log_y[out], extra_sd)
        return log_sum_exp(log_w[None, :, None] + ll, axis=1)

    def holdout_lpd(self, keep: np.ndarray, seed: int, extra_sd=None) -> np.ndarray:
        """Refit on the points in ``keep`` (through the compiled model) and return the log
        predictive density of each left-out point, ``log p(y_j | y_keep)``, in data order
        (``extra_sd`` as in :meth:`future_lpd`). A refit is kept for reuse: exact LOO's refit of
        the largest n also serves the leave-future-out scores.

        Serves exact LOO and the leave-future-out forecast weights. One predictive density needs
        fewer draws than a posterior summary: a quarter of the draws in two chains (1,000 at the
        defaults) after 60% of the tuning steps. Measured on the seed table, 12 refits each: the
        same mean log density as 2,000 draws after full tuning, Monte Carlo sd 0.05 instead of
        0.03 (a 5% change of a pseudo-BMA weight), in 45% of the time.
        """
        keep = np.asarray(keep, dtype=bool)
        sub = self.data.subset(keep)
        key = (keep.tobytes(), int(seed))
        if key not in self._refits:
            base = self.options or SamplerOptions()
            chains = min(2, base.chains)
            draws = max(250, base.draws * base.chains // (4 * chains))
            options = dataclasses.replace(base, chains=chains, draws=draws, tune=max(100, base.tune * 3 // 5),
                                          retry=False)
            post, _, _ = sample_law(self.law, sub, options, seed=seed, check=False)
            self._refits[key] = {k: post[k].to_numpy().reshape(-1) for k in self.law.param_names}
        ll = _pointwise_log_lik(self.law, self._refits[key], sub, self.data.n[~keep], self.data.log_y[~keep],
                                extra_sd)
        return np.asarray(log_mean_exp(ll, axis=-2))

    @cached_property
    def waic(self) -> dict:
        return criteria.waic(self.log_lik)

    @cached_property
    def mle(self) -> criteria.MaximumLikelihood:
        """Maximum-likelihood fit, started from the best posterior draws; if the optimiser does
        not converge it is retried once from eight draws with ten times the evaluations."""
        order = np.argsort(self.log_lik.sum(axis=1))[::-1]

        def starts(k):
            return [{p: self.draws[p][i] for p in self.law.param_names} for i in order[:k]]

        result = criteria.max_likelihood(self.law, self.data, starts(2))
        if not result.converged:
            retry = criteria.max_likelihood(self.law, self.data, starts(8), max_nfev=3000)
            result = retry if retry.converged or retry.log_lik > result.log_lik else result
        return result

    def curve(self, n) -> np.ndarray:
        """Draws of the mean curve at ``n`` (draws x len(n))."""
        return curve_draws(self.law, {p.name: self.draws[p.name] for p in self.law.parameters},
                           self.data, n)

    def summary(self, prob: float = 0.9) -> pd.DataFrame:
        """Posterior summary of every variable (sampled and derived, e.g. ``floor``, ``a``):
        mean, sd, median, equal-tailed interval, r_hat and bulk/tail ESS."""
        from . import _convergence

        prob = check_prob(prob)
        names, a = _convergence.stack(self.tree.posterior)
        flat = a.reshape(-1, len(names))
        q = np.quantile(flat, [(1 - prob) / 2, 0.5, (1 + prob) / 2], axis=0)
        return pd.DataFrame({"mean": flat.mean(axis=0), "sd": flat.std(axis=0, ddof=1), "median": q[1],
                             "lower": q[0], "upper": q[2], "r_hat": _convergence.rhat(a),
                             "ess_bulk": _convergence.ess(a, "bulk"), "ess_tail": _convergence.ess(a, "tail")},
                            index=names)


class ScalingFit:
    """Posteriors of several laws fitted to one learning curve.

    Built by :func:`bayes_scaling.fit`. Every table is a pandas DataFrame; every
    table that involves a law says whether that law's sampler converged.

    Attributes
    ----------
    data : ScalingData
        The validated data (sorted by n).
    fits : dict of str to LawFit
        Per law: ``tree`` (the posterior ``xarray.DataTree``, with ``log_likelihood``),
        ``diagnostics`` and ``mle``.
    """

    def __init__(self, data, fits: dict[str, LawFit], seed: int, options=None,
                 failed: dict[str, str] | None = None):
        self.data = data
        self.fits = fits
        self.seed = int(seed)
        self.options = options
        self.failed = dict(failed or {})

    def __repr__(self) -> str:
        laws = ", ".join([f"{k}{'' if f.converged else ' (NOT converged)'}" for k, f in self.fits.items()]
                         + [f"{k} (FAILED)" for k in self.failed])
        return (f"<ScalingFit of {self.data.y_name} on {self.data.x_name}: {self.data.n_obs} points, "
                f"{self.data.distinct_n.size} distinct; laws: {laws}>")

    @property
    def laws(self) -> list[str]:
        return list(self.fits)

    def __getitem__(self, law: str) -> LawFit:
        name = get_law(law).name
        if name not in self.fits:
            raise NotFoundError(f"law {name!r} was not fitted; fitted laws: {', '.join(self.fits)}")
        return self.fits[name]

    def save(self, path, overwrite: bool = False):
        """Save to a directory (see :func:`bayes_scaling.io.save`); ``bs.load(path)`` restores it."""
        from .io import save

        return save(self, path, overwrite=overwrite)

    def posterior(self, law: str) -> xr.DataTree:
        """The posterior ``DataTree`` of one law."""
        return self[law].tree

    def diagnostics(self) -> pd.DataFrame:
        """Convergence of every law: divergences, r_hat, ESS, whether it was retried; a law that
        could not be fitted at all has ``converged`` False and its ``error``."""
        rows = {k: {"divergences": f.diagnostics.divergences, "r_hat_max": f.diagnostics.r_hat_max,
                    "ess_bulk_min": f.diagnostics.ess_bulk_min, "ess_tail_min": f.diagnostics.ess_tail_min,
                    "retried": f.diagnostics.retried, "converged": f.converged, "error": ""}
                for k, f in self.fits.items()}
        for k, err in self.failed.items():
            rows[k] = {"divergences": np.nan, "r_hat_max": np.nan, "ess_bulk_min": np.nan,
                       "ess_tail_min": np.nan, "retried": False, "converged": False, "error": err}
        return pd.DataFrame.from_dict(rows, orient="index").rename_axis("law")

    # -- comparison ------------------------------------------------------------
    @cached_property
    def _comparison(self) -> pd.DataFrame:
        import arviz_stats as azs

        rows = {}
        for name, f in self.fits.items():
            loo = f.loo
            k = np.asarray(f.psis_loo.pareto_k)
            w = f.waic
            ic = f.mle.criteria
            notes = []
            if not f.converged:
                notes.append("sampler did not converge: " + "; ".join(f.diagnostics.problems()))
            bad = np.flatnonzero(k > PARETO_K_MAX)
            if bad.size:
                where = ", ".join(f"n={self.data.n[i]:g}" for i in bad if i not in loo.refit_failed)
                if loo.n_refits:
                    notes.append(f"Pareto k > {PARETO_K_MAX} at {where}: refitted exactly")
                if loo.refit_failed:
                    where = ", ".join(f"n={self.data.n[i]:g}" for i in loo.refit_failed)
                    notes.append(f"Pareto k > {PARETO_K_MAX} at {where}: LOO unreliable there "
                                 f"({loo.refit_reason})")
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
        if len(self.fits) > 1:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                cmp = azs.compare({k: f.loo for k, f in self.fits.items()}, method="stacking")
            weight = cmp["weight"].reindex(table.index).astype(float)
        else:
            weight = pd.Series(1.0, index=table.index)
        table.insert(table.columns.get_loc("aic"), "weight", 0.0)
        table["weight"] = weight / weight.sum()
        table = table.sort_values("elpd_loo", ascending=False)
        table.insert(0, "rank", np.arange(1, len(table) + 1))
        return table.rename_axis("law")

    def compare(self) -> pd.DataFrame:
        """Rank the laws by PSIS-LOO, with WAIC, AIC/AICc/BIC and stacking weights.

        Returns
        -------
        DataFrame
            Indexed by law, best first (``rank`` 1). Columns: ``rank, elpd_loo, se,
            p_loo, elpd_waic, p_waic, weight, forecast_weight, aic, aicc, bic, pareto_k_max,
            loo_refits, divergences, r_hat_max, converged, notes``. ELPD is higher-is-better,
            the information criteria lower-is-better; ``weight`` are LOO stacking
            weights (Yao et al. 2018), ``forecast_weight`` the weights of the averaged forecast
            (:meth:`forecast_weights`: how well each law forecast the largest n); each sums to 1.
            See :mod:`bayes_scaling.criteria` for the AIC conventions. ``elpd_loo`` is PSIS-LOO except at points with
            Pareto k > 0.7 (``pareto_k_max`` is the largest PSIS k), which are refitted
            exactly; ``loo_refits`` counts them. A law that did not converge, or whose
            high-k points could not be refitted, says so in ``notes`` and in a warning.

        Examples
        --------
        >>> import bayes_scaling as bs
        >>> fit = bs.fit(bs.load_example(), x="samples", y="val_ppl", random_seed=1)
        >>> fit.compare().index[0] != "power"
        True
        """
        table = self._comparison.copy()
        table.insert(table.columns.get_loc("weight") + 1, "forecast_weight",
                     self._forecast_weights["weight"].reindex(table.index))
        for name, row in table.iterrows():
            if not row["converged"]:
                warnings.warn(f"law {name!r}: {row['notes']}", ConvergenceWarning, stacklevel=2)
            elif self.fits[name].loo.refit_failed:
                warnings.warn(f"law {name!r}: {row['notes']}", LooWarning, stacklevel=2)
        return table

    def weights(self, kind: str = "forecast") -> dict[str, float]:
        """Weights of the laws by name; they sum to 1.

        Parameters
        ----------
        kind : {"forecast", "stacking"}
            ``"forecast"`` (default): the weights of ``law="averaged"`` in every forecast and
            decision, pseudo-BMA weights of the leave-future-out predictive density
            (:meth:`forecast_weights`); ``"stacking"``: the leave-one-out stacking weights of
            :meth:`compare`.
        """
        if kind == "stacking":
            return self._comparison["weight"].to_dict()
        if kind == "forecast":
            return self.forecast_weights()["weight"].to_dict()
        raise ArgumentError(f"kind must be 'forecast' or 'stacking', got {kind!r}")

    def forecast_weights(self) -> pd.DataFrame:
        """How the averaged forecast weighs the laws: by how well each forecast the largest n.

        Leave-one-out (:meth:`compare`) asks which law *interpolates* a left-out point best;
        a forecast needs the law that *extrapolates* best, and on curves with few points the
        two disagree (a pure power law often interpolates five points well and overshoots
        everything beyond them). So every law is scored by the log predictive density of the
        measurement(s) at the largest n given all the smaller n, ``elpd_lfo`` (one-step-ahead
        leave-future-out, Bürkner, Gabry & Vehtari 2020: PSIS from the full posterior where
        reliable, a refit through the compiled law otherwise, :meth:`LawFit.future_lpd`);
        the weights are ``exp(elpd_lfo)`` normalised (pseudo-BMA, Yao et al. 2018). ``benchmarks/calibration.py``
        measures the effect: 8x beyond five points, 90% intervals of the laws alone cover 0.76 of
        225 curves outside the laws' family and real curves and 0.88 of 60 well-specified ones
        (with LOO stacking weights: 0.60 and 0.85); with the learned :meth:`discrepancy` (the
        default) 0.85 and 0.92. When no such split exists (the laws cannot be fitted without the
        largest n, or a partially pooled fit) the weights are the stacking weights, and ``method``
        says why.

        Returns
        -------
        DataFrame
            Indexed by law: ``elpd_lfo`` (NaN without a split), ``weight``, ``method``
            (how the weights were made), ``held_out`` (the n scored) and ``converged``.

        Examples
        --------
        >>> import bayes_scaling as bs
        >>> fit = bs.fit(bs.load_example(), x="samples", y="val_ppl", random_seed=1)
        >>> w = fit.forecast_weights()
        >>> w["held_out"].iloc[0], round(float(w["weight"].sum()), 6)
        ('3200', 1.0)
        """
        return self._forecast_weights.copy()

    @cached_property
    def _lfo(self) -> dict[str, np.ndarray]:
        """Per law, ``log p(y at the largest n | smaller n)`` with the measurement's log-sd widened
        by ``kappa * log(n / largest n kept)`` for every ``kappa`` of the grid (``{}`` without a split)."""
        keep, _ = self._future_split()
        if keep is None:
            return {}
        beyond = np.log(self.data.n[~keep] / self.data.n[keep].max())
        extra = _KAPPA_GRID[:, None] * beyond[None, :]
        return {name: f.future_lpd(keep, seed=self.seed + 7919 + i, extra_sd=extra).sum(axis=1)
                for i, (name, f) in enumerate(self.fits.items())}

    @cached_property
    def _forecast_weights(self) -> pd.DataFrame:
        keep, reason = self._future_split()
        names = list(self.fits)
        elpd = pd.Series(np.nan, index=names)
        if keep is not None:
            for name in names:
                elpd[name] = float(self._lfo[name][0])
            w = np.exp(elpd - elpd.max())
            w = w / w.sum()
            held = self._held_out_label(keep)
            method = f"leave-future-out pseudo-BMA (fit on n <= {self.data.n[keep].max():g})"
        else:
            w = pd.Series(self._comparison["weight"]).reindex(names)
            held, method = "", f"LOO stacking: {reason}"
        return pd.DataFrame({"elpd_lfo": elpd, "weight": w, "method": method, "held_out": held,
                             "converged": [f.converged for f in self.fits.values()]}, index=names).rename_axis("law")

    def _future_split(self) -> tuple[np.ndarray | None, str]:
        """The training rows of the leave-future-out split (``None`` and why, where there is none)."""
        if len(self.fits) == 1:
            return None, "one law"
        if any(f.pooled for f in self.fits.values()):
            return None, "a partially pooled fit is not refitted law by law"
        distinct = self.data.distinct_n
        need = max(f.law.min_distinct for f in self.fits.values())
        if distinct.size <= need:
            return None, f"{distinct.size} distinct n leave none to forecast (the laws need {need} to fit)"
        return self.data.n < distinct[-1], ""

    def _held_out_label(self, keep: np.ndarray) -> str:
        """The n held out by a leave-future-out split, as the tables show them."""
        return ", ".join(f"{v:g}" for v in np.unique(self.data.n[~keep]))

    def _kappa_posterior(self, law: str) -> np.ndarray:
        """Posterior probabilities of the discrepancy on ``_KAPPA_GRID`` for a law or "averaged"."""
        lp = np.log(self._kappa_prior())  # half-Cauchy prior mass of each grid cell
        if self._lfo:
            if law == "averaged":
                w = {k: v for k, v in self.weights().items() if v > 0}
                lp = lp + log_sum_exp([np.log(v) + self._lfo[k] for k, v in w.items()], axis=0)
            else:
                lp = lp + self._lfo[law]
            if not np.isfinite(lp.max()):  # no kappa on the grid explains the held-out point: the prior
                return self._kappa_prior()
        p = np.exp(lp - lp.max())
        return p / p.sum()

    @staticmethod
    def _kappa_prior() -> np.ndarray:
        p = _KAPPA_CELL / (1 + (_KAPPA_GRID / DISCREPANCY_SCALE) ** 2)
        return p / p.sum()

    def discrepancy(self, law: str = "averaged", prob: float = 0.9) -> pd.DataFrame:
        """How far the curve may leave the law(s) beyond the data: the posterior of ``kappa``.

        A law fitted to a few smooth points is sure of its own shape, and beyond the data the truth
        rarely keeps to any one law: on 138 real learning curves (LCDB) the 90% intervals of the
        laws' averaged forecast covered 72% of the measurements 8x beyond five points (0.86 with
        the learned discrepancy; docs: forecasting, benchmarks). So a
        forecast adds a discrepancy to the log of a new measurement,
        ``Normal(0, kappa * log(n / largest observed n))`` (nothing inside the data), and ``kappa``
        is learned from the curve itself: its likelihood is the leave-future-out predictive density
        of the measurement(s) at the largest n given the smaller ones (the score behind
        :meth:`forecast_weights`), with the noise widened by ``kappa`` times the step to that n;
        its prior is half-Cauchy with scale :data:`DISCREPANCY_SCALE` (0.01: 1% per factor e at
        the median, with a heavy tail). A law that forecast the largest n within its noise keeps
        ``kappa`` near the prior; one that missed it by more pushes ``kappa`` up, to about the miss
        divided by the log of the step. Without a split (too few distinct n, a single law, a
        partially pooled fit) the prior alone.

        Parameters
        ----------
        law : str
            A fitted law's name, ``"best"``, ``"averaged"`` (the mixture with the forecast weights)
            or ``"all"`` (every law, then the averaged row).
        prob : float
            Mass of the equal-tailed interval.

        Returns
        -------
        DataFrame
            One row per law: ``law, median, lower, upper`` (of ``kappa``), ``prior_median``,
            ``held_out`` (the n scored; empty for the prior alone), ``converged`` and ``notes``
            (in words: when ``kappa`` keeps its prior for want of a held-out n, or when its
            median is 5x the prior's or more, how much each doubling beyond the data adds).

        Examples
        --------
        >>> import bayes_scaling as bs
        >>> fit = bs.fit(bs.load_example(), x="samples", y="val_ppl", random_seed=1)
        >>> d = fit.discrepancy()
        >>> bool(0 <= d["lower"].iloc[0] <= d["median"].iloc[0] <= d["upper"].iloc[0])
        True
        """
        prob = check_prob(prob)
        if law == "all":
            return pd.concat([self.discrepancy(k, prob) for k in [*self.fits, "averaged"]], ignore_index=True)
        law = self.best_law() if law == "best" else law
        if law != "averaged" and law not in self.fits:
            raise ArgumentError(f"law {law!r} was not fitted; use one of {[*self.fits, 'best', 'averaged']}")
        cdf = np.cumsum(self._kappa_posterior(law))
        lower, median, upper = (float(_KAPPA_GRID[min(np.searchsorted(cdf, q), _KAPPA_GRID.size - 1)])
                                for q in ((1 - prob) / 2, 0.5, (1 + prob) / 2))
        keep, reason = self._future_split()
        held = "" if keep is None else self._held_out_label(keep)
        if not self._lfo:
            note = f"nothing held out to learn from ({reason}): kappa keeps its prior"
        elif median >= 5 * DISCREPANCY_SCALE:
            note = (f"forecasting n = {held} from the smaller n missed by more than the noise: beyond the data "
                    f"each doubling adds about {median * np.log(2):.0%} to the log-sd of a forecast")
        else:
            note = ""
        parts = self.fits.values() if law == "averaged" else [self.fits[law]]
        return pd.DataFrame([{"law": law, "median": median, "lower": lower, "upper": upper,
                              "prior_median": DISCREPANCY_SCALE, "held_out": held,
                              "converged": all(f.converged for f in parts), "notes": note}])

    def best_law(self) -> str:
        """The law ranked first by PSIS-LOO."""
        return str(self._comparison.index[0])

    # -- floors --------------------------------------------------------------
    def ppl_min(self, prob: float = 0.9) -> pd.DataFrame:
        """Posterior of the floor (``PPL_min``: the limit of the curve as n -> infinity).

        Returns
        -------
        DataFrame
            Indexed by the fitted laws that have a floor; columns ``mean, median,
            lower, upper`` (equal-tailed ``prob`` interval), ``hdi_lower, hdi_upper``
            (highest-density interval) and ``converged``.

        Examples
        --------
        >>> import bayes_scaling as bs
        >>> fit = bs.fit(bs.load_example(), x="samples", y="val_ppl", random_seed=1)
        >>> bool(fit.ppl_min().loc["saturation", "upper"] < 114.8)
        True
        """
        from arviz_stats.base import array_stats

        prob = check_prob(prob)
        rows = {}
        for name, f in self.fits.items():
            if not f.law.has_floor:
                continue
            v = f.draws["floor"]
            cols = {k: float(c[0]) for k, c in interval_columns(v[:, None], prob).items()}
            hdi = array_stats.hdi(v, prob)
            rows[name] = cols | {"hdi_lower": float(hdi[0]), "hdi_upper": float(hdi[1]),
                                 "converged": f.converged}
        columns = ["mean", "median", "lower", "upper", "hdi_lower", "hdi_upper", "converged"]
        return pd.DataFrame.from_dict(rows, orient="index", columns=columns).rename_axis("law")

    # -- budget decisions (bayes_scaling.decisions) ---------------------------------
    def samples_needed(self, target, prob: float = 0.9, law: str = "averaged",
                       discrepancy="learned") -> pd.DataFrame:
        """See :func:`bayes_scaling.decisions.samples_needed`."""
        return decisions.samples_needed(self, target, prob, law, discrepancy)

    def doubling_gain(self, n, prob: float = 0.9, law: str = "averaged", discrepancy="learned") -> pd.DataFrame:
        """See :func:`bayes_scaling.decisions.doubling_gain`."""
        return decisions.doubling_gain(self, n, prob, law, discrepancy)

    def local_exponent(self, n, prob: float = 0.9, law: str = "averaged", discrepancy="learned") -> pd.DataFrame:
        """See :func:`bayes_scaling.decisions.local_exponent`."""
        return decisions.local_exponent(self, n, prob, law, discrepancy)

    def gap_to_floor(self, n, prob: float = 0.9, law: str = "averaged") -> pd.DataFrame:
        """See :func:`bayes_scaling.decisions.gap_to_floor`."""
        return decisions.gap_to_floor(self, n, prob, law)

    def decision_summary(self, target: float, budgets, prob: float = 0.9, law: str = "averaged",
                         per: float = 1000.0, discrepancy="learned") -> pd.DataFrame:
        """See :func:`bayes_scaling.decisions.decision_summary`."""
        return decisions.decision_summary(self, target, budgets, prob, law, per, discrepancy)

    def sensitivity(self, n=None, laws=None) -> pd.DataFrame:
        """See :func:`bayes_scaling.sensitivity.prior_sensitivity`: does the prior or the data drive
        the floor, the exponent and the curve at ``n``?"""
        from .sensitivity import prior_sensitivity

        return prior_sensitivity(self, n, laws)

    # -- backtests (bayes_scaling.backtest) --------------------------------------
    def backtest(self, min_points: int = 3, origins=None, prob: float = 0.9) -> pd.DataFrame:
        """See :func:`bayes_scaling.backtest.backtest`; ``summarize_backtest`` condenses it.

        Examples
        --------
        >>> import bayes_scaling as bs
        >>> fit = bs.fit(bs.load_example(), x="samples", y="val_ppl", random_seed=1)
        >>> bt = fit.backtest(origins=[4])
        >>> bt.loc[bt["law"] == "averaged", ["n", "covered"]].values.tolist()
        [[3200.0, True]]
        """
        from .backtest import backtest

        return backtest(self, min_points=min_points, origins=origins, prob=prob)

    def lfo_cv(self, min_points: int = 3, horizon: int = 1, method: str = "exact") -> pd.DataFrame:
        """See :func:`bayes_scaling.backtest.lfo_cv` (leave-future-out ELPD per law)."""
        from .backtest import lfo_cv

        return lfo_cv(self, min_points=min_points, horizon=horizon, method=method)

    # -- forecasts -------------------------------------------------------------
    def _rng(self, *key: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, *key])

    def components(self, law: str = "averaged") -> list[tuple[LawFit, np.ndarray]]:
        """The posterior draws behind ``law``: ``(LawFit, draw indices)`` pairs.

        A law name gives all its draws; ``"best"`` the law ranked first; ``"averaged"``
        each law's share of the mixture with the forecast weights (:meth:`forecast_weights`;
        seeded, deterministic).
        """
        if law == "best":
            law = self.best_law()
        if law == "averaged":
            sizes = {k: f.draws["sigma"].size for k, f in self.fits.items()}
            picks = mixture_indices(self.weights(), sizes, self._rng(2))
            return [(self.fits[k], idx) for k, idx in picks.items()]
        name = law if isinstance(law, str) else getattr(law, "name", law)
        if name not in self.fits:
            choices = [*self.fits, "best", "averaged", "all"]
            raise ArgumentError(f"law {law!r} was not fitted; use one of {choices}")
        f = self.fits[name]
        return [(f, np.arange(f.draws["sigma"].size))]

    def _drift_slopes(self, law: str = "averaged", discrepancy="learned") -> np.ndarray:
        """Per posterior draw of ``law`` (in the order of :meth:`components`), the slope ``kappa * z``
        of the discrepancy beyond the data: the log of the curve at ``n`` beyond the largest observed
        n is shifted by ``kappa * z * log(n / largest n)``, with ``kappa`` from its posterior
        (:meth:`discrepancy`; ``"learned"``) or fixed (a number) and ``z`` standard normal, one per
        draw (seeded: forecasts and budget answers share them)."""
        check_discrepancy(discrepancy)
        law = self.best_law() if law == "best" else law
        size = sum(idx.size for _, idx in self.components(law))
        rng = self._rng(3)
        if isinstance(discrepancy, str):  # "learned": a kappa per draw from its posterior
            kappa = rng.choice(_KAPPA_GRID, size=size, p=self._kappa_posterior(law))
        else:
            kappa = np.full(size, float(discrepancy))
        return kappa * rng.standard_normal(size)  # common to every n of a draw

    def _drift(self, n, law: str = "averaged", discrepancy="learned") -> np.ndarray:
        """The discrepancy's factor on the curve at ``n`` per draw (draws x len(n)): 1 inside the data,
        ``exp(kappa * z * log(n / largest n))`` beyond it (:meth:`_drift_slopes`)."""
        beyond = np.maximum(np.log(check_n(n) / self.data.distinct_n.max()), 0.0)
        slopes = self._drift_slopes(law, discrepancy)
        if not beyond.any() or not slopes.any():
            return np.ones((slopes.size, beyond.size))
        return np.exp(slopes[:, None] * beyond[None, :])

    def forecast(self, n, prob: float = 0.9, law: str = "averaged", discrepancy="learned") -> pd.DataFrame:
        """Forecast the metric at sample counts ``n``.

        Parameters
        ----------
        n : float or sequence of float
            Sample counts (same units as the fitted ``x``), each > 0.
        prob : float
            Mass of the equal-tailed intervals.
        law : str
            A law name, ``"best"`` (ranked first by LOO), ``"averaged"`` (mixture of
            every law's posterior predictive draws with the forecast weights,
            :meth:`forecast_weights`) or
            ``"all"`` (every law, then the averaged rows).
        discrepancy : "learned" or float
            Extra spread of a new measurement beyond the data, for curves that leave the laws'
            family: the log of the measurement gets ``Normal(0, kappa * d)`` added,
            ``d = log(n / largest observed n)`` (0 inside the data). ``"learned"`` (default):
            ``kappa`` drawn from its posterior given how well the law(s) forecast the largest n
            (:meth:`discrepancy`); a number fixes ``kappa`` (``0`` gives the laws' own predictive
            distribution, ``0.1`` 10% more relative uncertainty per factor e). The mean-curve band
            is not changed. ``benchmarks/calibration.py`` measures what it buys (docs: forecasting).

        Returns
        -------
        DataFrame
            One row per ``n`` (and law): ``n, law, mean, median, lower, upper`` for a
            new measurement at ``n`` (observation noise included; the interval always
            contains the curve band), ``curve_lower, curve_upper`` for the mean curve,
            and ``converged``.

        Examples
        --------
        >>> import bayes_scaling as bs
        >>> fit = bs.fit(bs.load_example(), x="samples", y="val_ppl", random_seed=1)
        >>> fc = fit.forecast([6400, 12800])
        >>> bool(fc["median"].is_monotonic_decreasing)
        True
        """
        prob = check_prob(prob)
        n = check_n(n)
        check_discrepancy(discrepancy)
        if law == "all":
            return pd.concat([self.forecast(n, prob, k, discrepancy) for k in [*self.fits, "averaged"]],
                             ignore_index=True)
        if law == "best":
            law = self.best_law()
        parts = self.components(law)
        curves, preds = [], []
        for f, idx in parts:
            curve = f.curve(n)
            curves.append(curve[idx])
            noise_rng = self._rng(1, list(self.fits).index(f.law.name))
            preds.append(predictive_draws(curve, f.draws["sigma"], noise_rng)[idx])
        curve, pred = np.concatenate(curves), np.concatenate(preds)
        # a Kennedy-O'Hagan-style discrepancy: a random shift of the log measurement growing with the
        # log distance beyond the data, common to every n of a draw. It is not kept monotone: real curves
        # do plateau or turn up beyond the data (14% of the LCDB curves measured higher at 8x than at the
        # last fitted point), so far out the upper end of the interval may rise with n
        pred = pred * self._drift(n, law, discrepancy)
        converged = all(f.converged for f, _ in parts)
        cols = interval_columns(pred, prob)
        band = np.quantile(curve, [(1 - prob) / 2, (1 + prob) / 2], axis=0)
        # a new measurement is at least as uncertain as the mean curve: where the noise is
        # negligible, Monte Carlo error alone could put the measurement interval inside the band
        cols["lower"] = np.minimum(cols["lower"], band[0])
        cols["upper"] = np.maximum(cols["upper"], band[1])
        return pd.DataFrame({"n": n, "law": law, **cols, "curve_lower": band[0], "curve_upper": band[1],
                             "converged": converged})
