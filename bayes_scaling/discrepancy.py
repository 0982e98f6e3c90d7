"""The discrepancy beyond the data: how far the curve may leave the laws where no point was measured.

A law fitted to a few smooth points is sure of its own shape, and beyond the data the truth rarely
keeps to any one law (``docs/benchmarks.md`` measures how often). So a forecast adds a
discrepancy to the log of a new measurement, ``Normal(0, kappa * log(n / largest observed n))``
(nothing inside the data), common to every n of a posterior draw. ``kappa`` is learned from the
curve itself: its likelihood is the leave-future-out predictive density of the measurement(s) at the
largest n given the smaller ones (:func:`bayes_scaling.cv.future_lpd`), with the noise widened by
``kappa`` times the step to that n, on a grid of kappa; its prior is ``priors["discrepancy"]``
(default :data:`~bayes_scaling.priors.DEFAULT_DISCREPANCY`, half-Cauchy with median 0.01). A law
that forecast the largest n within its noise keeps ``kappa`` near the prior; one that missed it
pushes ``kappa`` up, to about the miss divided by the log of the step. Without a split (too few
distinct n, a single law, a partially pooled fit) the prior alone; where the step is too short for
the held-out density to tell one ``kappa`` from another (a dense log's last checkpoint), about the
prior too, and :func:`table` says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .averaging import Mixture, future_split, held_out_label
from .checks import check_discrepancy, check_n, check_prob
from .cv import future_lpd
from .densities import log_sum_exp
from .errors import ArgumentError
from .flags import UNINFORMED_RATIO

__all__ = ["KAPPA_GRID", "drift", "drift_slopes", "future_scores", "kappa_posterior", "kappa_prior",
           "posterior_on_grid", "table"]

#: quadrature for kappa: 0 and 160 geometric steps (6% apart) from 1e-4 to 2, with cell widths
KAPPA_GRID = np.concatenate([[0.0], np.geomspace(1e-4, 2.0, 160)])
_CELL = np.gradient(KAPPA_GRID)


def kappa_prior(prior) -> np.ndarray:
    """The prior mass of each grid cell (density at the grid point times the cell width, normalised)."""
    with np.errstate(divide="ignore"):
        p = _CELL * np.exp(prior.logpdf(KAPPA_GRID))
    p = np.where(np.isfinite(p), p, 0.0)
    if not p.sum() > 0:
        raise ArgumentError(f"the discrepancy prior {prior.describe()} puts no mass on the kappa grid [0, 2]")
    return p / p.sum()


def future_scores(fit, span: str = "last") -> dict[str, np.ndarray]:
    """Per law, ``log p(y held out | smaller n)`` (``span`` as in :func:`~bayes_scaling.averaging.future_split`;
    per distinct n held out, replicates summed) with the log-sd widened by
    ``kappa * log(n / largest n kept)`` for every ``kappa`` of :data:`KAPPA_GRID` (``{}`` without a
    split). The first entry (kappa = 0) is the law's leave-future-out ELPD."""
    keep, _ = future_split(fit, span)
    if keep is None:
        return {}
    beyond = np.log(fit.data.n[~keep] / fit.data.n[keep].max())
    extra = KAPPA_GRID[:, None] * beyond[None, :]
    # replicates at one n are independent measurements (summed); the checkpoints of a densely measured
    # doubling are not, so the held-out n count as one doubling's worth (averaged over distinct n)
    held = fit.data.n[~keep]

    def score(lpd):
        return np.stack([lpd[:, held == v].sum(axis=1) for v in np.unique(held)]).mean(axis=0)

    return {name: score(future_lpd(f, keep, seed=fit.seed + 7919 + i, extra_sd=extra))
            for i, (name, f) in enumerate(fit.fits.items())}


def posterior_on_grid(prior: np.ndarray, scores=None, weights=None) -> np.ndarray:
    """The posterior of kappa on :data:`KAPPA_GRID`: the prior mass (:func:`kappa_prior`) times the
    held-out density, mixed over laws.

    The arithmetic of :func:`kappa_posterior`, on arrays (also what :func:`bayes_scaling.learn_priors`
    uses to compare many discrepancy priors on one fit).

    Parameters
    ----------
    prior : array
        Prior mass of each grid cell.
    scores : array (laws x grid), optional
        Each law's ``log p(held out | smaller n)`` for every kappa (:func:`future_scores`); without
        them the posterior is the prior.
    weights : array (laws), optional
        The laws' weights in the mixture (default: one law); laws of weight 0 add nothing.

    Returns
    -------
    array
        Posterior probabilities on the grid; the prior where no kappa explains the held-out point.

    Examples
    --------
    >>> import numpy as np
    >>> from bayes_scaling.discrepancy import KAPPA_GRID, posterior_on_grid
    >>> flat = np.full(KAPPA_GRID.size, 1 / KAPPA_GRID.size)
    >>> likes_large = np.log(KAPPA_GRID + 1e-3)[None, :]   # a held-out point that favours wide kappa
    >>> bool(posterior_on_grid(flat, likes_large)[-1] > flat[-1])
    True
    """
    prior = np.asarray(prior, dtype=float) / np.sum(prior)
    if scores is None:
        return prior
    scores = np.atleast_2d(scores)
    w = np.ones(1) if weights is None else np.asarray(weights, dtype=float)
    used = w > 0
    with np.errstate(divide="ignore"):
        lp = np.log(prior) + log_sum_exp(np.log(w[used])[:, None] + scores[used], axis=0)
    if not np.isfinite(lp.max()):
        return prior
    p = np.exp(lp - lp.max())
    return p / p.sum()


def kappa_posterior(mix: Mixture) -> np.ndarray:
    """Posterior probabilities of the discrepancy on :data:`KAPPA_GRID` for the draws of ``mix`` (a
    :class:`~bayes_scaling.averaging.Mixture`): :func:`posterior_on_grid` of its discrepancy prior and the
    leave-future-out scores of its laws, mixed by their weights."""
    prior = kappa_prior(mix.discrepancy_prior)
    scores = mix.future
    if not scores:
        return prior
    if not mix.averaged:
        (law,) = mix.weights
        return posterior_on_grid(prior, scores[law])
    w = mix.weights
    return posterior_on_grid(prior, np.stack([scores[k] for k in w]), np.array(list(w.values())))


def _quantiles(p: np.ndarray, prob: float) -> tuple[float, float, float]:
    """The lower, median and upper grid values of probabilities ``p`` on :data:`KAPPA_GRID`."""
    cdf = np.cumsum(p)
    return tuple(float(KAPPA_GRID[min(np.searchsorted(cdf, q), KAPPA_GRID.size - 1)])
                 for q in ((1 - prob) / 2, 0.5, (1 + prob) / 2))


def table(mix: Mixture, prob: float = 0.9) -> pd.DataFrame:
    """The posterior of ``kappa`` for the draws of ``mix`` (a :class:`~bayes_scaling.averaging.Mixture` with
    its leave-future-out scores; see :meth:`bayes_scaling.result.ScalingFit.discrepancy`)."""
    prob = check_prob(prob)
    lower, median, upper = _quantiles(kappa_posterior(mix), prob)
    keep, reason = future_split(mix)
    held = "" if keep is None else held_out_label(mix, keep)
    prior_median = float(f"{mix.discrepancy_prior.scipy().median():.12g}")
    prior_upper = _quantiles(kappa_prior(mix.discrepancy_prior), prob)[2]
    if not mix.future:
        note = f"nothing held out to learn from ({reason}): kappa keeps its prior"
    elif median >= 5 * prior_median:
        note = (f"forecasting n = {held} from the smaller n missed by more than the noise: beyond the data "
                f"each doubling adds about {median * np.log(2):.0%} to the log-sd of a forecast")
    elif UNINFORMED_RATIO <= upper / prior_upper <= 1 / UNINFORMED_RATIO:
        # the posterior's upper end within 20% of the prior's: the held-out point did not inform kappa
        step = mix.data.n[~keep].max() / mix.data.n[keep].max()
        step = f"{step - 1:.2%} beyond" if step < 1.1 else f"{step:.3g}x"
        note = (f"forecasting n = {held} ({step} the largest n before it) leaves kappa about where its prior "
                "put it: beyond the data the prior sets the width")
    else:
        note = ""
    return pd.DataFrame([{"law": mix.label, "median": median, "lower": lower, "upper": upper,
                          "prior_median": prior_median, "held_out": held,
                          "converged": mix.converged, "notes": note}])


def drift_slopes(mix: Mixture, discrepancy="learned") -> np.ndarray:
    """Per posterior draw of ``mix`` (in the order of its :meth:`~bayes_scaling.averaging.Mixture.components`),
    the slope ``kappa * z`` of the discrepancy beyond the data: the log of the curve at ``n`` beyond the
    largest observed n is shifted by ``kappa * z * log(n / largest n)``, with ``kappa`` from its
    posterior (``"learned"``) or fixed (a number) and ``z`` standard normal, one per draw (seeded:
    forecasts and budget answers share them)."""
    check_discrepancy(discrepancy)
    size = sum(idx.size for _, idx in mix.components())
    rng = mix.rng(3)
    if isinstance(discrepancy, str):  # "learned": a kappa per draw from its posterior
        kappa = rng.choice(KAPPA_GRID, size=size, p=kappa_posterior(mix))
    else:
        kappa = np.full(size, float(discrepancy))
    return kappa * rng.standard_normal(size)  # common to every n of a draw


def drift(mix: Mixture, n, discrepancy="learned") -> np.ndarray:
    """The discrepancy's factor on the curve at ``n`` per draw (draws x len(n)): 1 inside the data,
    ``exp(kappa * z * log(n / largest n))`` beyond it (:func:`drift_slopes`)."""
    beyond = np.maximum(np.log(check_n(n) / mix.data.distinct_n.max()), 0.0)
    slopes = drift_slopes(mix, discrepancy)
    if not beyond.any() or not slopes.any():
        return np.ones((slopes.size, beyond.size))
    return np.exp(slopes[:, None] * beyond[None, :])
