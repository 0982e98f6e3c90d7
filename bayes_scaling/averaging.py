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

import numpy as np
import pandas as pd

from .errors import ArgumentError

__all__ = ["components", "forecast_weights", "future_split", "held_out_label", "lfo_weights", "mixture_indices",
           "stacking_weights"]


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
    """LOO stacking weights of the law fits (``arviz_stats.compare``), by law; 1 for a single law."""
    import warnings

    import arviz_stats as azs

    if len(fits) == 1:
        return {k: 1.0 for k in fits}
    with warnings.catch_warnings():  # arviz warns about Pareto k, which the comparison table reports
        warnings.filterwarnings("ignore", category=UserWarning)
        cmp = azs.compare({k: f.loo for k, f in fits.items()}, method="stacking")
    w = cmp["weight"].reindex(list(fits)).astype(float)
    return (w / w.sum()).to_dict()


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


def forecast_weights(fit, future_scores: dict) -> pd.DataFrame:
    """The weights of the averaged forecast (see the module docstring).

    ``future_scores``: per law, ``elpd_lfo`` on the discrepancy's kappa grid
    (:func:`bayes_scaling.discrepancy.future_scores`); its first entry (kappa = 0) is the law's own
    predictive density.

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
        w = pd.Series(fit.weights("stacking")).reindex(names)
        w = w * prior
        held, method = "", f"LOO stacking: {reason}"
    w = w / w.sum()
    return pd.DataFrame({"elpd_lfo": elpd, "prior_prob": prior, "weight": w, "method": method, "held_out": held,
                         "converged": [f.converged for f in fit.fits.values()]}, index=names).rename_axis("law")


def components(fit, law: str = "averaged") -> list:
    """The posterior draws behind ``law``: ``(LawFit, draw indices)`` pairs.

    A law name gives all its draws; ``"best"`` the law ranked first; ``"averaged"`` each law's share
    of the mixture with the forecast weights (seeded by the fit's seed, deterministic).
    """
    if law == "best":
        law = fit.best_law()
    if law == "averaged":
        sizes = {k: f.draws["sigma"].size for k, f in fit.fits.items()}
        picks = mixture_indices(fit.weights(), sizes, fit.rng(2))
        return [(fit.fits[k], idx) for k, idx in picks.items()]
    name = law if isinstance(law, str) else getattr(law, "name", law)
    if name not in fit.fits:
        choices = [*fit.fits, "best", "averaged", "all"]
        raise ArgumentError(f"law {law!r} was not fitted; use one of {choices}")
    f = fit.fits[name]
    return [(f, np.arange(f.draws["sigma"].size))]
