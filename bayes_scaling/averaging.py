"""Model averaging: the weights of the laws and the mixtures built from them.

Two kinds of weights. LOO stacking (Yao et al. 2018, ``arviz_stats.compare``) asks which mixture
of laws best *interpolates* a left-out point; the averaged forecast needs the laws that
*extrapolate*, so it weighs them by leave-future-out instead: every law is scored by the log
predictive density of the measurement(s) at the largest n given all the smaller n, ``elpd_lfo``
(one-step-ahead leave-future-out, Bürkner, Gabry & Vehtari 2020: PSIS from the full posterior where
reliable, a refit otherwise, :func:`bayes_scaling.cv.future_lpd`), and the weights are the laws'
prior probabilities (``priors={"law_probs": ...}``; by default each law's ``prior_prob``: power 0.05,
saturation 0.65, exp_decay 0.30, chosen on real curves, ``docs/priors.md``) times ``exp(elpd_lfo)``,
normalised (pseudo-BMA). ``docs/benchmarks.md`` measures the effect on calibration. Where no such
split exists (the laws cannot be fitted without the largest n, a single law, a partially pooled fit)
the weights are the stacking weights (times the prior probabilities), and ``method`` says why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Mixture", "forecast_weights", "future_split", "held_out_label", "lfo_weights", "mixture_indices",
           "stacking_weights"]


@dataclass(frozen=True, eq=False)
class Mixture:
    """The posterior draws behind one answer, as a value: which laws, with which weights, obtained how.

    :meth:`bayes_scaling.result.ScalingFit.mixture` computes it once per fit and choice of law (``"best"``
    and ``"averaged"`` are resolved there, and nowhere else); forecasts (:mod:`bayes_scaling.forecast`),
    budget answers (:mod:`bayes_scaling.decisions`) and the discrepancy (:mod:`bayes_scaling.discrepancy`)
    take it and never call back into the fit.

    Attributes
    ----------
    label : str
        ``"averaged"`` or the law's name: what the tables call these draws.
    weights : dict of str to float
        The components' weights, summing to 1 (one law: ``{law: 1.0}``).
    method : str
        How the weights were obtained (``forecast_weights()["method"]``; ``"one law"`` for a single law).
    data : ScalingData
        The data the laws were fitted to.
    fits : dict of str to LawFit
        Every fitted law's posterior, in the fit's order (the components are those in ``weights``).
    future : dict of str to array
        Per law, the leave-future-out scores on the discrepancy's kappa grid
        (:func:`bayes_scaling.discrepancy.future_scores`); empty where nothing was held out or not asked for.
    discrepancy_prior : Prior
        The prior of ``kappa``.
    seed : int
        The fit's seed: the mixture's draws and the discrepancy's are seeded from it.
    flags : str
        The curve's flags as one table cell (``""`` when there are none).
    """

    label: str
    weights: Mapping[str, float]
    method: str
    data: Any = field(repr=False)
    fits: Mapping[str, Any] = field(repr=False)
    future: Mapping[str, np.ndarray] = field(default_factory=dict, repr=False)
    discrepancy_prior: Any = field(default=None, repr=False)
    seed: int = 0
    flags: str = ""

    def rng(self, *key: int) -> np.random.Generator:
        """The generator of a seeded step (the fit's own: ``numpy.random.default_rng([seed, *key])``)."""
        return np.random.default_rng([self.seed, *key])

    @property
    def averaged(self) -> bool:
        return self.label == "averaged"

    @property
    def converged(self) -> bool:
        """Whether every component's sampler converged."""
        return all(self.fits[k].converged for k in self.weights)

    def components(self) -> list:
        """The posterior draws: ``(LawFit, draw indices)`` pairs. One law gives all its draws; the averaged
        mixture each law's share by its weight (:func:`mixture_indices`, seeded: deterministic)."""
        if not self.averaged:
            (name,) = self.weights
            f = self.fits[name]
            return [(f, np.arange(f.draws["sigma"].size))]
        sizes = {k: f.draws["sigma"].size for k, f in self.fits.items()}
        picks = mixture_indices(dict(self.weights), sizes, self.rng(2))
        return [(self.fits[k], idx) for k, idx in picks.items()]

    def noise_key(self, law: str) -> int:
        """The position of ``law`` among the fitted laws (the key of its predictive noise's generator)."""
        return list(self.fits).index(law)


def mixture_indices(weights: dict[str, float], n_draws: dict[str, int],
                    rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Which draws of each law make up a weighted mixture of (about) the same size.

    Counts follow the weights by largest remainder, draws are taken from a seeded
    permutation: deterministic for a seed, with no extra Monte Carlo noise in the
    weights themselves.
    """
    total = min(n_draws.values())
    names = list(weights)
    w = np.array([max(float(weights[k]), 0.0) for k in names])
    w = w / w.sum()
    exact = w * total
    counts = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - counts))[: total - counts.sum()]:
        counts[i] += 1
    return {k: rng.permutation(n_draws[k])[:c] for k, c in zip(names, counts, strict=True) if c > 0}


def stacking_weights(fits: dict) -> dict[str, float]:
    """LOO stacking weights of the law fits (Yao et al. 2018), by law; 1 for a single law.

    The optimisation of ``arviz_stats.compare(method="stacking")``, with each point's pointwise ELPDs shifted
    by their largest before they are exponentiated. The weights are unchanged by that shift (it adds a
    constant per point to the objective), but without it the rows of a binned dense log, each worth hundreds
    of measurements, overflow ``exp``, and arviz_stats then returns equal weights.
    """
    from scipy.optimize import Bounds, LinearConstraint, minimize

    if len(fits) == 1:
        return {k: 1.0 for k in fits}
    names = list(fits)
    elpd_i = np.column_stack([np.asarray(fits[k].loo.elpd_i, dtype=float).ravel() for k in names])
    elpd_i = elpd_i - elpd_i.max(axis=1, keepdims=True)
    e = np.exp(elpd_i)

    def log_score(w):
        return -np.sum(np.log(np.maximum(e @ w, 1e-300)))

    def gradient(w):
        return -np.sum(e / np.maximum(e @ w, 1e-300)[:, None], axis=0)

    k = len(names)
    res = minimize(log_score, np.full(k, 1.0 / k), jac=gradient, bounds=Bounds(np.zeros(k), np.ones(k)),
                   constraints=LinearConstraint(np.ones(k), lb=1.0, ub=1.0))
    w = np.clip(res.x, 0.0, None)
    return dict(zip(names, (w / w.sum()).tolist(), strict=True))


def future_split(fit, span: str = "last") -> tuple[np.ndarray | None, str]:
    """The training rows of the leave-future-out split (``None`` and why, where there is none).

    ``span``: ``"last"`` holds out the largest n (the forecast weights and the discrepancy);
    ``"doubling"`` every n above half the largest (as far as the largest n alone on a curve of
    doublings, and a whole doubling of a densely measured one: what :func:`bayes_scaling.learn_priors`
    scores without ``horizon``), or the largest n alone where that leaves too few n to fit."""
    if len(fit.fits) == 1:
        return None, "one law"
    if any(f.pooled for f in fit.fits.values()):
        return None, "a partially pooled fit is not refitted law by law"
    distinct = fit.data.distinct_n
    need = max(f.law.min_distinct for f in fit.fits.values())
    if distinct.size <= need:
        return None, f"{distinct.size} distinct n leave none to forecast (the laws need {need} to fit)"
    if span == "doubling":
        last_doubling = fit.data.n <= distinct[-1] / 2 * (1 + 1e-9)
        if np.unique(fit.data.n[last_doubling]).size >= need:
            return last_doubling, ""
    return fit.data.n < distinct[-1], ""


def held_out_label(fit, keep: np.ndarray) -> str:
    """The n held out by a leave-future-out split, as the tables show them."""
    return ", ".join(f"{v:g}" for v in np.unique(fit.data.n[~keep]))


def lfo_weights(prior_probs, elpd) -> np.ndarray:
    """Pseudo-BMA weights: the laws' prior probabilities times ``exp(elpd_lfo)``, normalised.

    The arithmetic of :func:`forecast_weights`, on arrays in law order (also what
    :func:`bayes_scaling.learn_priors` uses to compare many prior probabilities on one fit).

    Examples
    --------
    >>> import numpy as np
    >>> from bayes_scaling.averaging import lfo_weights
    >>> lfo_weights(np.array([0.5, 0.5]), np.array([0.0, np.log(3.0)])).round(3).tolist()
    [0.25, 0.75]
    """
    with np.errstate(divide="ignore"):  # a law of prior probability 0 gets weight 0
        lw = np.log(np.asarray(prior_probs, dtype=float)) + np.asarray(elpd, dtype=float)
    w = np.exp(lw - lw.max())
    return w / w.sum()


def forecast_weights(fit, future_scores: dict, stacking=None) -> pd.DataFrame:
    """The weights of the averaged forecast (see the module docstring).

    ``future_scores``: per law, ``elpd_lfo`` on the discrepancy's kappa grid
    (:func:`bayes_scaling.discrepancy.future_scores`); its first entry (kappa = 0) is the law's own
    predictive density. ``stacking``: a function returning the LOO stacking weights by law
    (:func:`stacking_weights`), called only where there is no leave-future-out split.

    Returns
    -------
    DataFrame
        Indexed by law: ``elpd_lfo`` (NaN without a split), ``prior_prob``, ``weight``, ``method``
        (how the weights were made), ``held_out`` (the n scored) and ``converged``.
    """
    keep, reason = future_split(fit)
    names = list(fit.fits)
    prior = pd.Series(fit.priors.law_prob(f.law for f in fit.fits.values()))
    elpd = pd.Series(np.nan, index=names)
    if keep is not None:
        for name in names:
            elpd[name] = float(future_scores[name][0])
        w = pd.Series(lfo_weights(prior.to_numpy(), elpd.to_numpy()), index=names)
        held = held_out_label(fit, keep)
        method = f"leave-future-out pseudo-BMA (fit on n <= {fit.data.n[keep].max():g})"
    else:
        w = pd.Series(stacking() if stacking is not None else stacking_weights(fit.fits)).reindex(names)
        w = w * prior
        held, method = "", f"LOO stacking: {reason}"
    w = w / w.sum()
    return pd.DataFrame({"elpd_lfo": elpd, "prior_prob": prior, "weight": w, "method": method, "held_out": held,
                         "converged": [f.converged for f in fit.fits.values()]}, index=names).rename_axis("law")
