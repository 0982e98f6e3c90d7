"""The fit result: posteriors of every law and the questions users ask of them.

:class:`LawFit` holds one law's posterior; :class:`ScalingFit` holds every law's and is a thin
facade: each question is answered by a free function of the module that owns the concept
(:mod:`~bayes_scaling.criteria`, :mod:`~bayes_scaling.cv`, :mod:`~bayes_scaling.averaging`,
:mod:`~bayes_scaling.discrepancy`, :mod:`~bayes_scaling.forecast`, :mod:`~bayes_scaling.decisions`,
:mod:`~bayes_scaling.backtest`, :mod:`~bayes_scaling.sensitivity`), and the facade keeps what they
compute once in :meth:`ScalingFit.cached`.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from . import averaging, criteria, cv, decisions, discrepancy, forecast, io
from .checks import check_discrepancy, check_n, check_prob
from .data import ScalingData
from .densities import pointwise_log_lik
from .errors import ArgumentError, ConvergenceWarning, DataWarning, FitError, LoadError, LooWarning, NotFoundError
from .flags import curve_flags
from .flags import floor_informed as _floor_informed
from .forecast import curve_draws, interval_columns
from .kinds import Dependence, get_kind
from .laws import Law, get_law
from .likelihoods import Likelihood, get_likelihood
from .priors import LawPriors, Priors
from .sampling import Diagnostics, SamplerOptions, diagnose, sample_law

__all__ = ["FORMAT", "FORMAT_VERSION", "LawFit", "ScalingFit"]

FORMAT = "bayes_scaling.fit"
FORMAT_VERSION = io.FORMAT_VERSION


@dataclass
class LawFit:
    """One law's posterior (an ``xarray.DataTree``), its diagnostics, its priors and its ML fit.

    ``refits`` caches the held-out refits of :mod:`bayes_scaling.cv` (exact LOO's refit without
    the largest n also serves the leave-future-out scores)."""

    law: Law
    tree: xr.DataTree
    diagnostics: Diagnostics
    seed: int
    data: ScalingData = field(repr=False)
    options: SamplerOptions | None = field(default=None, repr=False)
    priors: LawPriors | None = field(default=None, repr=False)
    refits: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self):
        if self.priors is None:
            self.priors = self.law.resolve_priors({})

    @classmethod
    def from_samples(cls, law, data, posterior, sample_stats, diagnostics, seed, options=None,
                     pooled: bool = False, priors: LawPriors | None = None) -> LawFit:
        """Wrap sampled draws (the law's parameters, and any hyper-parameters of a pooled fit)."""
        priors = priors or law.resolve_priors({})
        flat = {k: posterior[k].to_numpy().reshape(-1) for k in priors.names}
        shape = (posterior.sizes["chain"], posterior.sizes["draw"])
        post = posterior.copy()
        diagnosed = list(post.data_vars)
        for k, v in law.derived(flat, data.n_ref).items():
            post[k] = (("chain", "draw"), np.asarray(v).reshape(shape))
        ll = pointwise_log_lik(law, flat, data, likelihood=priors.likelihood).reshape(*shape, data.n_obs)
        obs = {"obs": np.arange(data.n_obs)}
        tree = xr.DataTree.from_dict({
            "posterior": post,
            "sample_stats": sample_stats,
            "log_likelihood": xr.Dataset({"y": (("chain", "draw", "obs"), ll)}, coords=obs),
            "observed_data": xr.Dataset({"y": ("obs", data.y)}, coords=obs),
            "constant_data": xr.Dataset({"n": ("obs", data.n), "u": ("obs", data.u)}, coords=obs),
        })
        tree.attrs.update({"law": law.name, "n_ref": data.n_ref, "seed": int(seed), "pooled": int(pooled),
                           "diagnosed": diagnosed, "likelihood": priors.likelihood})
        return cls(law=law, tree=tree, diagnostics=diagnostics, seed=int(seed), data=data, options=options,
                   priors=priors)

    @property
    def likelihood(self) -> Likelihood:
        """The likelihood the law was fitted with (:mod:`bayes_scaling.likelihoods`)."""
        return get_likelihood(self.priors.likelihood)

    @property
    def variables(self) -> list[str]:
        """The sampled variables: the curve's parameters, ``sigma`` and the likelihood's own (``nu``)."""
        return self.priors.names

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
    def reff(self) -> float:
        """Relative efficiency of the draws for PSIS (:func:`bayes_scaling.cv.relative_efficiency`)."""
        return cv.relative_efficiency(self)

    @cached_property
    def psis_loo(self):
        """PSIS-LOO of ``arviz_stats.loo`` (pointwise, with Pareto k)."""
        return cv.psis_loo(self)

    @cached_property
    def loo(self):
        """Leave-one-out ELPD with exact refits where PSIS fails (:func:`bayes_scaling.cv.exact_loo`)."""
        return cv.exact_loo(self)

    def future_lpd(self, keep: np.ndarray, seed: int, extra_sd=None) -> np.ndarray:
        """See :func:`bayes_scaling.cv.future_lpd`."""
        return cv.future_lpd(self, keep, seed, extra_sd)

    def holdout_lpd(self, keep: np.ndarray, seed: int, extra_sd=None) -> np.ndarray:
        """See :func:`bayes_scaling.cv.holdout_lpd`."""
        return cv.holdout_lpd(self, keep, seed, extra_sd)

    @cached_property
    def waic(self) -> dict:
        return criteria.waic(self.log_lik)

    @cached_property
    def mle(self) -> criteria.MaximumLikelihood:
        """Maximum-likelihood fit, started from the best posterior draws; if the optimiser does
        not converge it is retried once from eight draws with ten times the evaluations."""
        order = np.argsort(self.log_lik.sum(axis=1))[::-1]

        def starts(k):
            return [{p: self.draws[p][i] for p in self.variables} for i in order[:k]]

        lik = self.likelihood
        result = criteria.max_likelihood(self.law, self.data, starts(2), likelihood=lik)
        if not result.converged:
            retry = criteria.max_likelihood(self.law, self.data, starts(8), max_nfev=3000, likelihood=lik)
            result = retry if retry.converged or retry.log_lik > result.log_lik else result
        return result

    def curve(self, n) -> np.ndarray:
        """Draws of the mean curve at ``n`` (draws x len(n))."""
        return curve_draws(self.law, {p.name: self.draws[p.name] for p in self.law.parameters}, self.data, n)

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
        ``diagnostics``, ``priors`` and ``mle``.
    priors : Priors
        What the fit assumed (:meth:`priors_table` shows every prior).
    """

    def __init__(self, data, fits: dict[str, LawFit], seed: int, options=None,
                 failed: dict[str, str] | None = None, priors: Priors | None = None):
        self.data = data
        self.fits = fits
        self.seed = int(seed)
        self.options = options
        self.failed = dict(failed or {})
        self.priors = priors if priors is not None else Priors()
        #: the kind of curve (:mod:`bayes_scaling.kinds`), where the priors came from (``"default"``, ``"kind"``:
        #: the kind's preset, ``"explicit"``: ``priors=``) and the suggestion when a ``runs`` curve looks like a
        #: trajectory
        self.kind, self.priors_source, self.kind_hint, self.dependence = "runs", "default", None, None
        self._cache: dict[str, Any] = {}

    def declare(self, kind: str, priors_source: str, hint: str | None = None,
                dependence: Dependence | None = None) -> ScalingFit:
        """Record the kind of curve, where the priors came from, the kind suggestion and, for dependent points,
        how their likelihood was tempered (see :mod:`bayes_scaling.kinds`); returns ``self``."""
        self.kind, self.priors_source, self.kind_hint, self.dependence = kind, priors_source, hint, dependence
        return self

    @classmethod
    def from_data(cls, data: ScalingData, laws, options: SamplerOptions, seed: int,
                  priors: Priors | None = None) -> ScalingFit:
        """Sample every law in ``laws`` on ``data`` (law ``i`` seeded from ``SeedSequence(seed)``);
        a law that fails is reported in ``failed`` and the others are kept."""
        priors = priors if priors is not None else Priors()
        chosen = [get_law(k) for k in laws]
        seeds = np.random.SeedSequence(seed).generate_state(len(chosen))
        fits, failed = {}, {}
        for law, s in zip(chosen, seeds, strict=True):
            lp = priors.for_law(law)
            try:
                post, stats, diag = sample_law(law, data, options, seed=int(s), priors=lp)
            except KeyboardInterrupt:
                raise
            except Exception as err:  # one law failing must not stop the others
                failed[law.name] = f"{type(err).__name__}: {err}"
                warnings.warn(f"law {law.name!r} could not be fitted ({failed[law.name]}); the other laws "
                              "are reported without it", ConvergenceWarning, stacklevel=3)
                continue
            fits[law.name] = LawFit.from_samples(law, data, post, stats, diag, int(s), options, priors=lp)
        if not fits:
            raise FitError("no law could be fitted: " + "; ".join(f"{k}: {v}" for k, v in failed.items()))
        return cls(data, fits, seed=seed, options=options, failed=failed, priors=priors)

    def refit(self, mask=None, laws=None, seed: int | None = None) -> ScalingFit:
        """The same laws, priors and sampler settings fitted to the rows selected by ``mask`` (a
        boolean array over ``data``, sorted by n; all rows if None); laws that need more distinct n
        than remain are left out. Backtests are made of such refits."""
        if mask is not None:
            mask = np.asarray(mask)
            if mask.dtype == bool and mask.shape != (self.data.n_obs,):
                raise ArgumentError(f"refit: the mask has {mask.size} entries but the data have {self.data.n_obs} "
                                    f"rows (sorted by {self.data.x_name}); give one True/False per row")
        data = self.data if mask is None else self.data.subset(mask)
        wanted = list(laws or self.laws)
        laws = [k for k in wanted if self.fits[k].law.min_distinct <= data.distinct_n.size]
        if not laws:
            need = min(self.fits[k].law.min_distinct for k in wanted)
            raise FitError(f"refit: the {data.distinct_n.size} distinct {self.data.x_name} left are too few for "
                           f"{', '.join(wanted)} (the fewest any of them needs is {need})")
        return ScalingFit.from_data(data, laws, self.options or SamplerOptions(),
                                    self.seed if seed is None else int(seed), self.priors).declare(
            self.kind, self.priors_source, self.kind_hint, self.dependence)

    def cached(self, key: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per fit and key (the analyses' tables and scores)."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def __repr__(self) -> str:
        laws = ", ".join([f"{k}{'' if f.converged else ' (NOT converged)'}" for k, f in self.fits.items()]
                         + [f"{k} (FAILED)" for k in self.failed])
        flags = f"; flagged: {', '.join(self.flags)}" if self.flags else ""
        points = (f"{self.data.n_measurements} points in {self.data.n_obs} bins" if self.data.binned else
                  f"{self.data.n_obs} points, {self.data.distinct_n.size} distinct")
        return f"<ScalingFit of {self.data.y_name} on {self.data.x_name}: {points}; laws: {laws}{flags}>"

    @property
    def flags(self) -> dict[str, str]:
        """What the curve itself says against trusting its fits (:func:`bayes_scaling.flags.curve_flags`:
        ``flat``, ``turns up``, ``accelerating``), with an explanation each; empty when nothing is wrong."""
        return self.cached("flags", lambda: curve_flags(self.data))

    def flag_text(self) -> str:
        """The curve's flags as one table cell (``""`` when there are none)."""
        return "; ".join(self.flags)

    def floor_informed(self, law: str) -> bool:
        """Whether the data narrowed ``law``'s floor down from its prior (:func:`bayes_scaling.flags.floor_informed`);
        a floor they did not inform is warned about once."""
        def compute():
            informed = _floor_informed(self[law])
            if not informed:
                warnings.warn(f"the data barely inform the floor of {law!r}: its posterior is about as wide as its "
                              "prior, so PPL_min and the answers near it come from the prior; state a prior on "
                              "'floor' you believe, or add points at larger n", DataWarning, stacklevel=4)
            return informed
        return self.cached(f"floor_informed:{law}", compute)

    @property
    def laws(self) -> list[str]:
        return list(self.fits)

    def __getitem__(self, law: str) -> LawFit:
        name = get_law(law).name
        if name not in self.fits:
            raise NotFoundError(f"law {name!r} was not fitted; fitted laws: {', '.join(self.fits)}")
        return self.fits[name]

    def posterior(self, law: str) -> xr.DataTree:
        """The posterior ``DataTree`` of one law."""
        return self[law].tree

    def rng(self, *key: int) -> np.random.Generator:
        """The generator of a seeded step of this fit (``key`` names the step)."""
        return np.random.default_rng([self.seed, *key])

    @property
    def likelihood(self) -> str:
        """The name of the likelihood every law was fitted with (:mod:`bayes_scaling.likelihoods`)."""
        return self.priors.likelihood

    def _stamped(self, table: pd.DataFrame) -> pd.DataFrame:
        """``table`` with a last column ``likelihood``: every table says which noise model it rests on."""
        table = table.copy()
        table["likelihood"] = self.likelihood
        return table

    def diagnostics(self) -> pd.DataFrame:
        """Convergence of every law: divergences, r_hat, ESS, whether it was retried, the sampler
        (``kernel`` or ``pymc``) and the ``likelihood``; a law that could not be fitted at all has
        ``converged`` False and its ``error``."""
        rows = {k: {"divergences": f.diagnostics.divergences, "r_hat_max": f.diagnostics.r_hat_max,
                    "ess_bulk_min": f.diagnostics.ess_bulk_min, "ess_tail_min": f.diagnostics.ess_tail_min,
                    "retried": f.diagnostics.retried, "converged": f.converged,
                    "sampler": f.tree.posterior.attrs.get("sampler", "pymc" if f.pooled else "kernel"), "error": ""}
                for k, f in self.fits.items()}
        for k, err in self.failed.items():
            rows[k] = {"divergences": np.nan, "r_hat_max": np.nan, "ess_bulk_min": np.nan,
                       "ess_tail_min": np.nan, "retried": False, "converged": False, "sampler": "", "error": err}
        return self._stamped(pd.DataFrame.from_dict(rows, orient="index").rename_axis("law"))

    # -- priors ------------------------------------------------------------------
    def priors_table(self) -> pd.DataFrame:
        """Every prior of the fit: ``law, parameter, prior, source`` (``default`` or ``user``), then the
        laws' prior probabilities and the discrepancy prior.

        Examples
        --------
        >>> import bayes_scaling as bs
        >>> fit = bs.fit(bs.load_example(), x="samples", y="val_ppl", random_seed=1)
        >>> t = fit.priors_table()
        >>> t.loc[(t["law"] == "saturation") & (t["parameter"] == "floor_frac"), "prior"].item()
        'Beta(alpha=1.5, beta=1.5)'
        """
        return self.priors.table([f.law for f in self.fits.values()])

    def describe(self) -> str:
        """Every law's formula and priors, as text."""
        return "\n".join(f.law.describe(f.priors) for f in self.fits.values())

    def prior_predictive(self, n=None, law: str | None = None, prob: float = 0.9, draws: int = 2000) -> pd.DataFrame:
        """What the priors imply for the curve: prior predictive median and ``prob`` interval of a
        new measurement (``y_*``) and of the mean curve (``curve_*``) at ``n`` (default: from the
        smallest observed n to 8x the largest), per law.

        Examples
        --------
        >>> import bayes_scaling as bs
        >>> fit = bs.fit(bs.load_example(), x="samples", y="val_ppl", random_seed=1)
        >>> pp = fit.prior_predictive([200, 3200], law="power")
        >>> bool((pp["y_lower"] < pp["y_median"]).all() and (pp["y_median"] < pp["y_upper"]).all())
        True
        """
        prob = check_prob(prob)
        if n is None:
            n = np.geomspace(self.data.distinct_n.min(), 8 * self.data.distinct_n.max(), 25)
        parts = []
        for i, (name, f) in enumerate(self.fits.items()):
            if law is not None and name != law:
                continue
            long = forecast.prior_predictive(f.law, self.data, n, draws=draws, seed=self.seed + 101 + i,
                                             priors=f.priors)
            g = long.groupby("n", sort=True)
            q = [(1 - prob) / 2, 0.5, (1 + prob) / 2]
            y, c = g["y"].quantile(q).unstack(), g["curve"].quantile(q).unstack()
            parts.append(pd.DataFrame({"law": name, "n": y.index.to_numpy(), "y_lower": y[q[0]].to_numpy(),
                                       "y_median": y[q[1]].to_numpy(), "y_upper": y[q[2]].to_numpy(),
                                       "curve_lower": c[q[0]].to_numpy(), "curve_median": c[q[1]].to_numpy(),
                                       "curve_upper": c[q[2]].to_numpy()}))
        if not parts:
            raise NotFoundError(f"law {law!r} was not fitted; fitted laws: {', '.join(self.fits)}")
        return pd.concat(parts, ignore_index=True)

    # -- comparison ------------------------------------------------------------
    def _comparison(self) -> pd.DataFrame:
        return self.cached("comparison", lambda: criteria.comparison(
            self, self.cached("stacking", lambda: averaging.stacking_weights(self.fits))))

    def compare(self) -> pd.DataFrame:
        """Rank the laws by PSIS-LOO, with WAIC, AIC/AICc/BIC and stacking weights.

        Returns
        -------
        DataFrame
            Indexed by law, best first (``rank`` 1). Columns: ``rank, elpd_loo, se,
            p_loo, elpd_waic, p_waic, weight, forecast_weight, aic, aicc, bic, pareto_k_max,
            loo_refits, divergences, r_hat_max, converged, notes, likelihood``. ELPD is higher-is-better,
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
        table = self._comparison().copy()
        table.insert(table.columns.get_loc("weight") + 1, "forecast_weight",
                     self.forecast_weights()["weight"].reindex(table.index))
        for name, row in table.iterrows():
            if not row["converged"]:
                warnings.warn(f"law {name!r}: {row['notes']}", ConvergenceWarning, stacklevel=2)
            elif self.fits[name].loo.refit_failed:
                warnings.warn(f"law {name!r}: {row['notes']}", LooWarning, stacklevel=2)
        return self._stamped(table)

    def weights(self, kind: str = "forecast") -> dict[str, float]:
        """Weights of the laws by name; they sum to 1.

        Parameters
        ----------
        kind : {"forecast", "stacking"}
            ``"forecast"`` (default): the weights of ``law="averaged"`` in every forecast and
            decision (:meth:`forecast_weights`); ``"stacking"``: the leave-one-out stacking
            weights of :meth:`compare`.
        """
        from .errors import ArgumentError

        if kind == "stacking":
            return self._comparison()["weight"].to_dict()
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
        the weights are the laws' prior probabilities (``priors={"law_probs": ...}``; by default
        power 0.05, saturation 0.65, exp_decay 0.30, ``docs/priors.md``) times ``exp(elpd_lfo)``,
        normalised (pseudo-BMA, Yao et al. 2018; ``docs/benchmarks.md`` measures what this buys).
        When no such split exists (the laws cannot be fitted without the largest n, or a partially
        pooled fit) the weights are the stacking weights times the prior probabilities, and
        ``method`` says why.

        Returns
        -------
        DataFrame
            Indexed by law: ``elpd_lfo`` (NaN without a split), ``prior_prob``, ``weight``, ``method``
            (how the weights were made), ``held_out`` (the n scored) and ``converged``.

        Examples
        --------
        >>> import bayes_scaling as bs
        >>> fit = bs.fit(bs.load_example(), x="samples", y="val_ppl", random_seed=1)
        >>> w = fit.forecast_weights()
        >>> w["held_out"].iloc[0], round(float(w["weight"].sum()), 6)
        ('3200', 1.0)
        """
        return self._stamped(self.cached("forecast_weights", lambda: averaging.forecast_weights(
            self, self.future_scores(), stacking=lambda: self.weights("stacking"))))

    def future_scores(self) -> dict[str, np.ndarray]:
        """Per law, the leave-future-out log density of the largest n on the discrepancy's kappa grid
        (:func:`bayes_scaling.discrepancy.future_scores`; ``{}`` without a split)."""
        return self.cached("future_scores", lambda: discrepancy.future_scores(self))

    def discrepancy(self, law: str = "averaged", prob: float = 0.9) -> pd.DataFrame:
        """How far the curve may leave the law(s) beyond the data: the posterior of ``kappa``.

        A law fitted to a few smooth points is sure of its own shape, and beyond the data the truth
        rarely keeps to any one law (``docs/benchmarks.md`` measures how often). So a forecast adds a
        discrepancy to the log of a new measurement,
        ``Normal(0, kappa * log(n / largest observed n))`` (nothing inside the data), and ``kappa``
        is learned from the curve itself: its likelihood is the leave-future-out predictive density
        of the measurement(s) at the largest n given the smaller ones (the score behind
        :meth:`forecast_weights`), with the noise widened by ``kappa`` times the step to that n;
        its prior is ``priors["discrepancy"]``, by default half-Cauchy with scale 0.01 (1% per factor e at
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
        return self._stamped(discrepancy.table(self.mixture(law), prob))

    def best_law(self) -> str:
        """The law ranked first by PSIS-LOO."""
        return str(self._comparison().index[0])

    # -- floors --------------------------------------------------------------
    def ppl_min(self, prob: float = 0.9) -> pd.DataFrame:
        """Posterior of the floor (``PPL_min``: the limit of the curve as n -> infinity).

        Returns
        -------
        DataFrame
            Indexed by the fitted laws that have a floor; columns ``mean, median,
            lower, upper`` (equal-tailed ``prob`` interval), ``hdi_lower, hdi_upper``
            (highest-density interval), ``floor_informed`` (False where the data barely narrowed the
            floor down from its prior), ``flags`` (:attr:`flags`: a flat curve, one that turns up or accelerates),
            ``converged`` and ``likelihood`` (the noise model, as in every table).

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
                                 "floor_informed": self.floor_informed(name), "flags": self.flag_text(),
                                 "converged": f.converged}
        columns = ["mean", "median", "lower", "upper", "hdi_lower", "hdi_upper", "floor_informed", "flags",
                   "converged"]
        return self._stamped(pd.DataFrame.from_dict(rows, orient="index", columns=columns).rename_axis("law"))

    # -- budget decisions (bayes_scaling.decisions) ---------------------------------
    def samples_needed(self, target, prob: float = 0.9, law: str = "averaged",
                       discrepancy="learned") -> pd.DataFrame:
        """See :func:`bayes_scaling.decisions.samples_needed`."""
        return self._stamped(decisions.samples_needed(self._decision_mixture(law, discrepancy, prob), target, prob,
                                                      discrepancy))

    def doubling_gain(self, n, prob: float = 0.9, law: str = "averaged", discrepancy="learned") -> pd.DataFrame:
        """See :func:`bayes_scaling.decisions.doubling_gain`."""
        return self._stamped(decisions.doubling_gain(self._decision_mixture(law, discrepancy, prob), n, prob,
                                                     discrepancy))

    def local_exponent(self, n, prob: float = 0.9, law: str = "averaged", discrepancy="learned") -> pd.DataFrame:
        """See :func:`bayes_scaling.decisions.local_exponent`."""
        return self._stamped(decisions.local_exponent(self._decision_mixture(law, discrepancy, prob), n, prob,
                                                      discrepancy))

    def gap_to_floor(self, n, prob: float = 0.9, law: str = "averaged") -> pd.DataFrame:
        """See :func:`bayes_scaling.decisions.gap_to_floor`."""
        return self._stamped(decisions.gap_to_floor(self._decision_mixture(law, 0, prob), n, prob))

    def decision_summary(self, target: float, budgets, prob: float = 0.9, law: str = "averaged",
                         per: float = 1000.0, discrepancy="learned") -> pd.DataFrame:
        """See :func:`bayes_scaling.decisions.decision_summary`."""
        return self._stamped(decisions.decision_summary(self._decision_mixture(law, discrepancy, prob), target,
                                                        budgets, prob, per, discrepancy))

    def _decision_mixture(self, law, discrepancy, prob) -> averaging.Mixture:
        check_prob(prob)
        check_discrepancy(discrepancy)
        return self.mixture(law, discrepancy)

    def sensitivity(self, n=None, laws=None) -> pd.DataFrame:
        """See :func:`bayes_scaling.sensitivity.prior_sensitivity`: does the prior or the data drive
        the floor, the exponent and the curve at ``n``?"""
        from . import sensitivity

        return sensitivity.prior_sensitivity(self, n, laws)  # its own 'likelihood' column: psense's sensitivity

    # -- backtests and cross-validation ---------------------------------------------
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
        from . import backtest

        return self._stamped(backtest.backtest(self, min_points=min_points, origins=origins, prob=prob))

    def lfo_cv(self, min_points: int = 3, horizon: int = 1, method: str = "exact") -> pd.DataFrame:
        """See :func:`bayes_scaling.cv.lfo_cv` (leave-future-out ELPD per law)."""
        return self._stamped(cv.lfo_cv(self, min_points=min_points, horizon=horizon, method=method))

    # -- forecasts -------------------------------------------------------------
    def resolve(self, law: str = "averaged") -> str:
        """A fitted law's name or ``"averaged"``: ``"best"`` becomes the law ranked first by PSIS-LOO (the one
        place where ``"best"`` and ``"averaged"`` are resolved); anything else is refused naming the choices."""
        if law == "best":
            return self.best_law()
        name = law if isinstance(law, str) else getattr(law, "name", law)
        if name != "averaged" and name not in self.fits:
            raise ArgumentError(f"law {law!r} was not fitted; use one of {[*self.fits, 'best', 'averaged', 'all']}")
        return name

    def mixture(self, law: str = "averaged", discrepancy="learned") -> averaging.Mixture:
        """The draws behind ``law`` as a value (:class:`~bayes_scaling.averaging.Mixture`): the averaged
        mixture with the forecast weights, or one law; with ``discrepancy="learned"`` it carries the
        leave-future-out scores the discrepancy is learned from. Computed once per fit and choice."""
        check_discrepancy(discrepancy)
        name = self.resolve(law)
        learned = isinstance(discrepancy, str)

        def build():
            if name == "averaged":
                weights, method = self.weights(), str(self.forecast_weights()["method"].iloc[0])
            else:
                weights, method = {name: 1.0}, "one law"
            return averaging.Mixture(label=name, weights=weights, method=method, data=self.data, fits=self.fits,
                                     future=self.future_scores() if learned else {},
                                     discrepancy_prior=self.priors.discrepancy_prior(), seed=self.seed,
                                     flags=self.flag_text())

        return self.cached(f"mixture/{name}/{'learned' if learned else 'fixed'}", build)

    def components(self, law: str = "averaged") -> list[tuple[LawFit, np.ndarray]]:
        """The posterior draws behind ``law`` (:meth:`Mixture.components <bayes_scaling.averaging.Mixture.components>`
        of :meth:`mixture`): ``(LawFit, draw indices)`` pairs."""
        return self.mixture(law, 0).components()

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
            One row per ``n`` (and law): ``n``, ``extrapolation`` (``n`` divided by the largest
            observed n: 1 or less inside the data), ``law``, ``mean, median, lower, upper`` for a
            new measurement at ``n`` (observation noise included; the interval always
            contains the curve band), ``curve_lower, curve_upper`` for the mean curve,
            ``flags`` (:attr:`flags`: the curve's own, for example ``accelerating``), ``converged`` and
            ``likelihood``.
            ``mean`` is the average of the predictive draws where their tails allow one (Pareto k-hat
            at most 0.7, :func:`bayes_scaling.forecast.tail_khat`) and NaN elsewhere: beyond the data
            the learned discrepancy's half-Cauchy tail leaves a new measurement without a finite mean
            (the average of its draws is set by a few extreme ones and can lie above ``upper``), and
            with very few points so can the noise's inverse-gamma posterior. The median (the point
            forecast) and the interval are always given.

        Examples
        --------
        >>> import bayes_scaling as bs
        >>> fit = bs.fit(bs.load_example(), x="samples", y="val_ppl", random_seed=1)
        >>> fc = fit.forecast([6400, 12800])
        >>> bool(fc["median"].is_monotonic_decreasing)
        True
        """
        prob, n = check_prob(prob), check_n(n)
        check_discrepancy(discrepancy)
        if law == "all":
            return pd.concat([self.forecast(n, prob, k, discrepancy) for k in [*self.fits, "averaged"]],
                             ignore_index=True)
        return self._stamped(forecast.forecast(self.mixture(law, discrepancy), n, prob, discrepancy))

    # -- persistence -----------------------------------------------------------
    def save(self, path, overwrite: bool = False):
        """Save to a directory (:func:`bayes_scaling.io.write_tree` of :meth:`to_datatree`);
        ``bs.load(path)`` restores it, every table exactly."""
        return io.write_tree(self.to_datatree(), path, overwrite=overwrite)

    def to_datatree(self) -> xr.DataTree:
        """The whole fit as one ``xarray.DataTree``: ``attrs["meta"]`` (JSON: columns, seeds, sampler
        options, priors), ``data`` (the validated data) and ``posteriors/<law>`` (each law's tree)."""
        import dataclasses

        from . import __version__

        data = self.data
        arrays = _data_arrays(data)  # n, y and the bins' columns: saved and checksummed
        meta = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "bayes_scaling": __version__,
            "x": data.x_name, "y": data.y_name, "extra": list(data.extra), "n_obs": data.n_obs,
            "index": [str(i) for i in data.index],
            "seed": self.seed, "laws": list(self.fits), "failed": self.failed,
            "options": dataclasses.asdict(self.options) if self.options is not None else None,
            "retried": {k: f.diagnostics.retried for k, f in self.fits.items()},
            "law_seeds": {k: f.seed for k, f in self.fits.items()},
            "draws": {k: int(f.tree.posterior.sizes["draw"]) * int(f.tree.posterior.sizes["chain"])
                      for k, f in self.fits.items()},
            "priors": self.priors.to_dict(),
            "kind": self.kind, "priors_source": self.priors_source, "kind_hint": self.kind_hint,
            "dependence": dataclasses.asdict(self.dependence) if self.dependence is not None else None,
            "binned": data.binned, "temper": data.temper,
            "checksums": {"data": _digest(arrays),
                          **{k: _digest(_arrays(f.tree, coords=True)) for k, f in self.fits.items()}},
        }
        meta["checksums"]["meta"] = io.meta_digest(meta)
        columns = {k: ("obs", v) for k, v in arrays.items()}
        columns.update({f"extra_{i}": ("obs", v) for i, v in enumerate(data.extra.values())})
        return xr.DataTree(dataset=xr.Dataset(attrs={"meta": json.dumps(meta)}), children={
            "data": xr.DataTree(xr.Dataset(columns)),
            "posteriors": xr.DataTree(children={k: f.tree.copy() for k, f in self.fits.items()}),
        })

    @classmethod
    def from_datatree(cls, tree: xr.DataTree, source: str = "the tree") -> ScalingFit:
        """The inverse of :meth:`to_datatree`; ``LoadError`` naming ``source`` when it is not a
        complete, consistent fit."""
        try:
            meta = json.loads(tree.attrs["meta"])
            io.verify_meta(meta, source)  # before anything in it is used
            ds = tree["data"].to_dataset()
            extra = {k: ds[f"extra_{i}"].to_numpy() for i, k in enumerate(meta["extra"])}
            bins = {k: ds[f"bin_{k}"].to_numpy() for k in BIN_COLUMNS} if meta.get("binned") else None
            data = ScalingData(n=ds["n"].to_numpy(), y=ds["y"].to_numpy(), x_name=meta["x"], y_name=meta["y"],
                               index=tuple(meta["index"]), extra=extra, bins=bins,
                               temper=float(meta.get("temper", 1.0)))
            options = SamplerOptions(**meta["options"]) if meta["options"] else None
            priors = Priors.from_dict(meta.get("priors"))
            fits = {}
            for name in meta["laws"]:
                law = get_law(name)
                sub = tree["posteriors"][name]
                post = sub.posterior.to_dataset()[list(sub.attrs.get("diagnosed", law.param_names))]
                diag = diagnose(post, sub.sample_stats.to_dataset(), retried=meta["retried"][name])
                fits[name] = LawFit(law=law, tree=sub.copy(), diagnostics=diag, seed=int(meta["law_seeds"][name]),
                                    data=data, options=options, priors=priors.for_law(law))
            _check_consistent(meta, data, fits, source)
            out = cls(data, fits, seed=int(meta["seed"]), options=options, failed=meta.get("failed") or {},
                      priors=priors)
            # saves of earlier versions knew one kind, separately trained runs
            source_default = "explicit" if priors.provenance or priors.laws else "default"
            dependence = Dependence(**meta["dependence"]) if meta.get("dependence") else None
            return out.declare(get_kind(meta.get("kind", "runs")).name, meta.get("priors_source", source_default),
                               meta.get("kind_hint"), dependence)
        except (KeyError, ValueError, TypeError, json.JSONDecodeError) as err:
            if isinstance(err, LoadError):
                raise
            raise LoadError(f"{source} holds an incomplete or corrupt fit: {type(err).__name__}: {err}") from None


#: what binned data keep per row (:func:`bayes_scaling.data.bin_dense`), saved as ``bin_<name>``
BIN_COLUMNS = ("rows", "ss", "dof")


def _data_arrays(data: ScalingData) -> dict[str, np.ndarray]:
    return {"n": data.n, "y": data.y, **{f"bin_{k}": np.asarray(v, dtype=float) for k, v in (data.bins or {}).items()}}


_arrays = io.tree_arrays
_digest = io.digest_arrays


def _check_consistent(meta: dict, data: ScalingData, fits: dict, source: str) -> None:
    """The loaded pieces agree with each other and with what was saved: the checksums of ``fit.json``
    (fits saved by earlier versions carry none), then shapes, counts and values."""
    sums = meta.get("checksums") or {}
    checked = meta.get("format_version", 0) >= io.CHECKED_FORMAT
    missing = [k for k in ("data", *fits) if k not in sums] if checked else []
    if missing:
        raise LoadError(f"{source}: fit.json has no checksum of {', '.join(missing)}: edited after saving")
    if "data" in sums and _digest(_data_arrays(data)) != sums["data"]:
        raise LoadError(f"{source}: data.csv was changed after saving (its checksum differs from fit.json's)")
    for name, f in fits.items():
        if name in sums and _digest(_arrays(f.tree, coords=checked)) != sums[name]:
            raise LoadError(f"{source}: posteriors/{name}.zarr was changed, swapped or damaged after saving (its "
                            "checksum differs from fit.json's)")
    if data.n_obs != meta.get("n_obs", data.n_obs) or len(data.index) != data.n_obs:
        raise LoadError(f"{source}: the data have {data.n_obs} rows but {meta.get('n_obs')} were saved")
    if not np.array_equal(data.n, np.sort(data.n)) or not (np.all(np.isfinite(data.n)) and np.all(data.n > 0)
                                                            and np.all(np.isfinite(data.y)) and np.all(data.y > 0)):
        raise LoadError(f"{source}: data.csv was edited after saving (not sorted by {data.x_name}, or values "
                        "that are not finite and positive)")
    for name, f in fits.items():
        if f.tree.attrs.get("likelihood", "lognormal") != f.priors.likelihood:
            raise LoadError(f"{source}: the posterior of {name!r} was drawn under the "
                            f"{f.tree.attrs.get('likelihood', 'lognormal')} likelihood, but fit.json says "
                            f"{f.priors.likelihood} (edited after saving)")
        obs = f.tree["observed_data"]["y"].to_numpy()
        if obs.shape != data.y.shape or not np.array_equal(obs, data.y):
            raise LoadError(f"{source}: data.csv does not match the observed data in the posterior of {name!r} "
                            "(edited after saving)")
        size = int(f.tree.posterior.sizes["draw"]) * int(f.tree.posterior.sizes["chain"])
        if size != meta.get("draws", {}).get(name, size):
            raise LoadError(f"{source}: {name!r} holds {size} draws but {meta['draws'][name]} were saved")
        for k in f.law.param_names:
            v = f.tree.posterior[k].to_numpy()
            if not np.all(np.isfinite(v)):
                raise LoadError(f"{source}: the draws of {k!r} of {name!r} are damaged (not finite)")
