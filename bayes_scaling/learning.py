"""Priors learned from curves: a lab's earlier runs, or a public corpus (the presets).

:func:`learn_priors` fits every curve with the package's default priors and then chooses, by empirical
Bayes (type-II maximum likelihood over the curves), the priors under which the curves as a whole are
most probable:

* **the laws' prior probabilities and the discrepancy prior**: the mixing weights ``pi`` and the
  scale ``s`` of ``kappa ~ HalfCauchy(s)`` that maximise ``sum_c log sum_k pi_k p_s(held out_c | k)``,
  the held-out predictive density of every curve under the mixture of laws, each law's density
  integrated over ``kappa`` (the discrepancy widens a forecast as it does in the package's forecasts),
  times a Dirichlet prior on ``pi`` centred on the laws' default probabilities and worth
  ``PRIOR_CURVES`` = 10 curves (a few curves move them part of the way) and a lognormal hyperprior on
  ``s`` (median the default's 0.01, sd a factor e); by coordinate ascent, EM for ``pi`` given ``s`` and
  a grid search for ``s`` given ``pi``;
* **the width**: with ``horizon`` and at least ``MIN_CURVES`` curves, the scale ``s`` is then chosen
  again, given ``pi``, as the one whose forecasts of the curves' later points have the smallest interval
  score (``prob``, default 90%: the width plus 20 times the distance by which a point falls outside,
  :func:`bayes_scaling.backtest.interval_score`), the forecasts made as the package makes them (each
  curve's weights and kappa posterior from its own last point, :func:`_interval_scores`). Both scores
  are proper, but the laws are not the truth, and the two disagree: the log density punishes a rare
  far miss so hard that it buys it off with width everywhere. On the 69 curves of the ``lm`` preset
  the density puts ``s`` at 0.018, and the preset's 90% intervals 8x out were then too wide (rescaling
  factor about 0.7); the interval score puts it at 0.0076, 0.0066 with the trajectories fitted as
  trajectories (``docs/priors.md`` has the figures). Below
  ``MIN_CURVES`` curves, or without ``horizon``, the density's scale is kept;
* **the parameter priors** (``slope``, the local exponent; ``floor_frac``, the floor as a fraction of
  the level; ``c``, exp_decay's curvature): each a prior of the default's family (LogNormal or Beta)
  whose parameters maximise ``sum_c log E_post_c[q(theta) / p0(theta)]``, the marginal likelihood of
  every curve under the new prior ``q`` estimated by reweighting its posterior draws under the
  default ``p0`` (exact up to Monte Carlo error). Their spread is kept at least that of a prior
  with ``sigma = 0.15`` (LogNormal) or concentration ``a + b <= 60`` (Beta), so that no curve's
  posterior is ruled out by a prior learned from the others.

What is held out. By default each curve is fitted whole and scored on its own last doubling
(leave-future-out: the last doubling of n given the rest, ``future_split(span="doubling")``). With
``horizon`` (say 8), each curve is fitted on its points up to 1/horizon of its largest n and scored on
its later points, the forecast that the priors are for: earlier runs are usually complete, and a law
that forecasts the next doubling well may still forecast 8x badly (on the language-model trajectories
of ``shared/data``, exp_decay does: ``docs/benchmarks.md``). The later points are taken doubling by
doubling beyond the fitted part, and each doubling's mean log density counts as one measurement
(a trajectory's checkpoints are not independent runs; at most :data:`PER_DOUBLING` of them, evenly
spaced in log n, are scored). The parameter priors are learned from the same fits, of the part that
a forecast would see.

The result is an ordinary :class:`~bayes_scaling.priors.Priors`: inspectable (``table``), saved with
every fit made with it, with its ``provenance`` (the curves, their number, the date, the package
version, and the held-out check) in plain words.

The held-out check (``holdout``, default 0.3 of the curves, chosen at random): the priors are learned
again on the rest, and the curves held out are scored by the density of their held-out part (as above)
under those priors and under the defaults; the mean difference per curve (positive: the learned priors
forecast better) is in ``provenance`` and in ``check_table`` of the returned priors.
"""

from __future__ import annotations

import datetime
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .densities import log_sum_exp
from .discrepancy import kappa_prior
from .errors import ArgumentError, DataError, DataWarning
from .kinds import get_kind
from .priors import DEFAULT_DISCREPANCY, Prior, Priors

__all__ = ["FEWEST_CURVES", "MIN_CURVES", "PER_DOUBLING", "learn_priors"]

#: fewer curves than this give a warning: priors learned from them say little
MIN_CURVES = 10
#: fewer fitted curves than this are refused: one or two curves say nothing of how curves differ
FEWEST_CURVES = 3
#: the weight, in curves, of the laws' default prior probabilities when their probabilities are learned
PRIOR_CURVES = 10
#: the parameters whose priors are learned, where a law has them
LEARNED = ("slope", "floor_frac", "c")
#: with ``horizon``: at most this many later points of a curve are scored per doubling beyond its fitted part
PER_DOUBLING = 8
#: posterior draws per law behind each curve's forecast intervals, where the width is learned from them
WIDTH_DRAWS = 400
_SCALES = np.geomspace(1e-4, 0.5, 60)


def learn_priors(curves: Sequence | Mapping, x: str = "n", y: str = "y", *, laws=None, name: str = "learned",
                 source: str = "", horizon: float | None = None, prob: float = 0.9, holdout: float = 0.3,
                 random_seed: int = 0, progress: bool = False, kind: str | Sequence[str] | None = None,
                 **fit_kwargs):
    """Priors learned from earlier curves by empirical Bayes (see the module docstring).

    Parameters
    ----------
    curves : list or dict of DataFrame (or CSV paths)
        Earlier learning curves of the kind to be forecast, with the same ``x`` and ``y`` columns.
    laws : list of str, optional
        The laws to learn for (default: the default laws).
    name, source : str
        The preset's name, and where the curves come from (written into ``provenance``).
    horizon : float, optional
        How far beyond its data a forecast is to reach, as a factor of n (> 1, e.g. 8): each curve is
        fitted on its points up to 1/horizon of its largest n and scored on its later points (see the
        module docstring). Curves whose fitted part has fewer than two distinct n are left out, with a
        warning. By default each curve is fitted whole and scored on its own last doubling.
    prob : float
        With ``horizon``: the mass of the forecast intervals whose interval score over the curves' later
        points sets the discrepancy's scale (the intervals the learned priors are to get right).
    holdout : float
        Share of the curves held out for the check (0 to skip it; needs 2 * MIN_CURVES curves).
    random_seed : int
        Seeds the fits and the held-out split.
    progress : bool
        Print to stderr how many curves are fitted, batch by batch (the fits, then the held-out check's).
    kind : {"runs", "trajectory"} or list of them, optional
        The kind of the curves (:mod:`bayes_scaling.kinds`), or one kind per curve. Each curve is fitted as
        its kind (a trajectory's dependent checkpoints tempered), with the default priors, not the kind's
        preset. One kind is recorded in the learned priors (``priors.kind``, saved with them), so that a fit
        of another kind with them is warned; priors learned from curves of both kinds record none.
    **fit_kwargs
        Passed to :func:`bayes_scaling.fit_many` (``draws``, ...).

    Returns
    -------
    Priors
        With ``name`` and ``provenance``; ``priors.check_table`` holds the held-out check (or None).

    Examples
    --------
    >>> import numpy as np, pandas as pd, bayes_scaling as bs
    >>> rng = np.random.default_rng(0)
    >>> n = 100 * 2.0 ** np.arange(6)
    >>> runs = [pd.DataFrame({"n": n, "y": (1 + 4 * (n / 100) ** -rng.uniform(0.3, 0.5))
    ...                       * np.exp(0.01 * rng.standard_normal(6))}) for _ in range(4)]
    >>> p = bs.learn_priors(runs, laws=["power", "saturation"], holdout=0, draws=300)  # doctest: +SKIP
    >>> p8 = bs.learn_priors(runs, laws=["power", "saturation"], horizon=4, holdout=0)  # doctest: +SKIP
    """
    from .checks import check_names, check_prob
    from .laws import default_laws, get_law

    if isinstance(curves, Mapping):
        curves = list(curves.values())
    if isinstance(curves, (pd.DataFrame, str)) or not isinstance(curves, Sequence):
        raise ArgumentError(f"learn_priors takes a list or dict of curves, got {type(curves).__name__}")
    laws = [get_law(k).name for k in (check_names(laws, "laws") if laws is not None else default_laws())]
    if holdout:
        check_prob(holdout, "holdout")
    prob = check_prob(prob)
    kinds = _curve_kinds(kind, len(curves))
    if kind is not None:
        fit_kwargs = {"priors": Priors(), **fit_kwargs}  # the defaults, not the kind's preset
    kind = kinds[0] if kinds and len(set(kinds)) == 1 else None
    items = _held_out_parts(list(curves), x, y, horizon, fit_kwargs.get("missing", "raise"), kinds)
    fits, futures = _fitted(items, _fit_all(items, x, y, laws, random_seed, fit_kwargs,
                                            progress and "learn_priors: fitting"))
    if not fits:
        raise DataError(f"learn_priors: none of the {len(curves)} curves could be fitted with every law of {laws}"
                        + (f" on its points up to 1/{horizon:g} of its largest {x}" if horizon else ""))
    short, failed = len(curves) - len(items), len(items) - len(fits)
    if short or failed:
        why = [f"{short} with fewer than two distinct {x} up to 1/{horizon:g} of their largest" if short else "",
               f"{failed} that could not be fitted with every law of {laws}" if failed else ""]
        warnings.warn(f"learn_priors: {short + failed} of {len(curves)} curves are left out "
                      f"({'; '.join(w for w in why if w)})", DataWarning, stacklevel=2)
    if len(fits) < FEWEST_CURVES:  # one or two curves say nothing of how curves differ: their priors would be tight
        raise DataError(f"learn_priors: {len(fits)} fitted curve{'s' if len(fits) != 1 else ''} cannot tell how curves "
                        f"differ, so priors learned from them would be as narrow as one fit; give at least "
                        f"{FEWEST_CURVES} (at least {MIN_CURVES} are advised), or state what you know as priors in "
                        "your own units (bs.Prior on 'floor', 'a' or 'y@N')")
    if len(fits) < MIN_CURVES:
        warnings.warn(f"learn_priors: {len(fits)} curves are few to learn priors from (at least {MIN_CURVES} "
                      "are advised); the learned priors stay close to the defaults only where the curves "
                      "agree, so check them on curves held out", DataWarning, stacklevel=2)
    priors = _learn(fits, futures, laws, name, prob)
    check = None
    if holdout and len(fits) >= 2 * MIN_CURVES:
        check = _held_out_check(items, x, y, laws, holdout, random_seed, fit_kwargs, name, progress, prob)
    today = datetime.date.today().isoformat()
    from . import __version__

    words = (f"learned by bayes_scaling {__version__} learn_priors on {today} from {len(fits)} curves"
             f"{' (' + source + ')' if source else ''}, each fitted with the default priors"
             + (f" on its points up to 1/{horizon:g} of its largest {x}" if horizon else "")
             + "; empirical Bayes over the curves (the law probabilities by the leave-future-out density"
             + (f" of each curve's later points, up to {horizon:g}x beyond the part fitted" if horizon
                else " of each curve's last doubling")
             + (f"; the discrepancy's scale by the interval score of the {prob:.0%} forecast intervals of those "
                "points" if _width_learned(futures) else ", and the discrepancy's scale with them")
             + "; the parameter priors by maximum marginal likelihood)")
    if check is not None:
        gain, row = check["gain_per_curve"].iloc[0], check.iloc[0]
        words += (f"; held-out check on {int(row['curves'])} curves not used to learn it: "
                  f"{gain:+.3f} nats per curve of leave-future-out density against the defaults")
        if np.isfinite(row["interval_score_learned"]):
            words += (f", {prob:.0%} interval score per doubling {row['interval_score_learned']:.3f} against "
                      f"{row['interval_score_defaults']:.3f}")
    if kind is not None:
        words += f"; curves of the kind {kind!r} ({get_kind(kind).title})"
    elif kinds:
        counts = pd.Series(kinds).value_counts(sort=False)
        words += "; curves of the kinds " + " and ".join(f"{k!r} ({get_kind(k).title}: {c})" for k, c in counts.items())
    out = Priors.from_dict(priors.to_dict() | {"provenance": words} | ({"kind": kind} if kind else {}))
    out.check_table = check
    return out


def _curve_kinds(kind, count: int) -> list[str] | None:
    """``kind`` as one kind name per curve (None when no kind is given)."""
    if kind is None:
        return None
    if isinstance(kind, str) or not isinstance(kind, Sequence):
        return [get_kind(kind).name] * count
    if len(kind) != count:
        raise ArgumentError(f"kind: give one kind, or one per curve; got {len(kind)} kinds for {count} curves")
    return [get_kind(k).name for k in kind]


def _held_out_parts(curves, x, y, horizon, missing, kinds=None) -> list[tuple]:
    """Per curve, ``(what is fitted, what is scored, its kind)``: the whole curve and ``None`` (its own last
    doubling) without ``horizon``; else its points up to 1/horizon of its largest n and the later
    ``(n, log y)`` (curves whose fitted part has fewer than two distinct n are left out). The kind is None
    when none was given."""
    kinds = kinds or [None] * len(curves)
    if horizon is None:
        return [(c, None, k) for c, k in zip(curves, kinds, strict=True)]
    from .data import as_scaling_data

    try:
        ok = not isinstance(horizon, (bool, str)) and np.isfinite(float(horizon)) and float(horizon) > 1
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ArgumentError(f"horizon must be a number > 1 (how far beyond its data a forecast reaches, as a "
                            f"factor of n), got {horizon!r}")
    items = []
    for i, curve in enumerate(curves):
        try:
            d = as_scaling_data(curve, x, y, min_distinct=1, missing=missing)
        except DataError as err:
            raise DataError(f"learn_priors: curve {i}: {err}") from None
        past = d.n <= d.n.max() / float(horizon) * (1 + 1e-9)
        if np.unique(d.n[past]).size >= 2:
            items.append((d.subset(past), (d.n[~past], d.log_y[~past]), kinds[i]))
    return items


def _fit_all(items, x, y, laws, seed, fit_kwargs, progress: bool | str = False) -> list:
    """The fitted parts of ``items`` (:func:`_held_out_parts`) fitted with every law of ``laws``, each as its
    kind, in their order (``None`` for a curve that cannot be fitted with every law); ``progress`` as in
    ``fit_many``."""
    from .workflow import FitFailure, fit_many

    fits = [None] * len(items)
    for kind in dict.fromkeys(k for _, _, k in items):  # the curves of each kind, in order of first appearance
        which = [i for i, item in enumerate(items) if item[2] == kind]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)
            warnings.filterwarnings("ignore", message=".*did not converge.*")
            out = fit_many([items[i][0] for i in which], x=x, y=y, laws=laws, random_seed=seed, progress=progress,
                           **fit_kwargs, **({"kind": kind} if kind else {}))
        for i, f in zip(which, out, strict=True):
            fits[i] = None if isinstance(f, FitFailure) or set(f.fits) != set(laws) else f
    return fits


def _fitted(items, fits) -> tuple[list, list]:
    """The fits that exist, and what each is scored on."""
    ok = [i for i, f in enumerate(fits) if f is not None]
    return [fits[i] for i in ok], [items[i][1] for i in ok]


def _doubling_scores(fit) -> dict[str, np.ndarray]:
    """Per law, the leave-future-out density of the last doubling on the kappa grid (computed once per fit)."""
    from .discrepancy import future_scores

    return fit.cached("future_scores:doubling", lambda: future_scores(fit, "doubling"))


def _beyond_points(top: float, n, log_y) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The later points that are scored, and the doubling beyond ``top`` (the largest fitted n) of each:
    at most :data:`PER_DOUBLING` points of each doubling, evenly spaced in log n."""
    doubling = np.ceil(np.log2(n / top) - 1e-9)
    pick = np.concatenate([idx[np.unique(np.round(np.linspace(0, idx.size - 1, min(PER_DOUBLING, idx.size))))
                               .astype(int)] for idx in (np.flatnonzero(doubling == g) for g in np.unique(doubling))])
    return n[pick], log_y[pick], doubling[pick]


def _by_doubling(values: np.ndarray, doubling: np.ndarray) -> np.ndarray:
    """Each doubling's mean (over the last axis) counted as one measurement: their sum."""
    return np.sum([values[..., doubling == g].mean(axis=-1) for g in np.unique(doubling)], axis=0)


def _beyond_scores(fit, n, log_y) -> dict[str, np.ndarray]:
    """Per law, ``log p(later points | the fitted part)`` on the kappa grid: the noise of a point at n
    widened by ``kappa * log(n / largest fitted n)`` (as a forecast's discrepancy widens it), the points
    grouped by doubling beyond the fitted part and each doubling's mean log density counted as one
    measurement (:func:`_beyond_points`)."""
    from .densities import log_mean_exp, pointwise_log_lik
    from .discrepancy import KAPPA_GRID

    top = fit.data.distinct_n.max()
    n, log_y, doubling = _beyond_points(top, n, log_y)
    extra = KAPPA_GRID[:, None] * np.log(n / top)[None, :]
    out = {}
    for name, f in fit.fits.items():
        params = {k: f.draws[k] for k in f.variables}
        lpd = log_mean_exp(pointwise_log_lik(f.law, params, f.data, n, log_y, extra, likelihood=f.likelihood),
                           axis=1)  # grid x points
        out[name] = _by_doubling(lpd, doubling)
    return out


def _forecast_parts(fit, future, laws) -> dict | None:
    """What a fit's forecast of its later points ``future`` is made of, for :func:`_interval_scores`
    (``None`` without later points): per law, the log mean curve at the scored points
    (:func:`_beyond_points`) and sigma for :data:`WIDTH_DRAWS` posterior draws; the log step of each
    point beyond the data; the curve's own leave-future-out scores on the kappa grid, from which a
    forecast makes its weights and the posterior of kappa; and seeded uniforms and normals, the same for
    every discrepancy prior compared (common random numbers)."""
    if future is None:
        return None
    top = fit.data.distinct_n.max()
    n, log_y, doubling = _beyond_points(top, *future)
    rng = fit.rng(29)
    log_curve, sigma, own = [], [], []
    for k in laws:
        f = fit.fits[k]
        idx = rng.choice(f.draws["sigma"].size, min(WIDTH_DRAWS, f.draws["sigma"].size), replace=False)
        log_curve.append(np.log(f.curve(n)[idx]))
        sigma.append(f.draws["sigma"][idx])
        own.append({p: f.draws[p][idx] for p in f.likelihood.param_names})
    size = min(s.size for s in sigma)
    scores = fit.future_scores()
    u, z = rng.uniform(size=(len(laws), size)), rng.standard_normal((len(laws), size))
    for i, k in enumerate(laws):  # the noise of each law's likelihood (normal for the log-normal)
        lik = fit.fits[k].likelihood
        if lik.param_names:
            z[i] = lik.standard_noise({p: v[:size] for p, v in own[i].items()}, rng, size)
    return {"log_curve": np.stack([c[:size] for c in log_curve]), "sigma": np.stack([s[:size] for s in sigma]),
            "step": np.log(n / top), "log_y": log_y, "doubling": doubling,
            "future": np.stack([scores[k] for k in laws]) if scores else None, "u": u, "z": z}


def _interval_scores(part: dict, pi: np.ndarray, kappa_mass: np.ndarray, prob: float) -> float:
    """The interval score (:func:`bayes_scaling.backtest.interval_score`, on log y) of the central ``prob``
    forecast intervals of one curve's later points, made as the package's averaged forecast makes them:
    the laws weighted by their probabilities ``pi`` times ``exp(elpd_lfo)`` (the curve's own last point,
    :func:`~bayes_scaling.averaging.lfo_weights`), kappa drawn from its posterior under the prior mass
    ``kappa_mass`` (:func:`~bayes_scaling.discrepancy.posterior_on_grid`), each doubling's mean score
    counted as one measurement (:func:`_by_doubling`)."""
    from .averaging import lfo_weights
    from .backtest import interval_score
    from .discrepancy import KAPPA_GRID, posterior_on_grid

    f = part["future"]
    w = pi / pi.sum() if f is None else lfo_weights(pi, f[:, 0])
    post = posterior_on_grid(kappa_mass, f, w)
    kappa = KAPPA_GRID[np.minimum(np.searchsorted(np.cumsum(post), part["u"]), KAPPA_GRID.size - 1)]
    sd = np.sqrt(part["sigma"][:, :, None] ** 2 + (kappa[:, :, None] * part["step"][None, None, :]) ** 2)
    draws = (part["log_curve"] + sd * part["z"][:, :, None]).reshape(-1, part["step"].size)
    weight = np.repeat(w / part["sigma"].shape[1], part["sigma"].shape[1])
    order = np.argsort(draws, axis=0)
    sorted_draws = np.take_along_axis(draws, order, axis=0)
    cum = np.cumsum(weight[order], axis=0)
    cols = np.arange(draws.shape[1])
    lower, upper = (sorted_draws[np.minimum(np.argmax(cum >= q, axis=0), draws.shape[0] - 1), cols]
                    for q in ((1 - prob) / 2, (1 + prob) / 2))
    return float(_by_doubling(interval_score(lower, upper, part["log_y"], prob), part["doubling"]))


def _width_scale(parts: list, pi: np.ndarray, prob: float) -> float:
    """The HalfCauchy scale of kappa whose forecasts of the curves' later points have the smallest total
    interval score (:func:`_interval_scores`), on the grid of scales."""
    totals = [sum(_interval_scores(p, pi, kappa_prior(Prior("HalfCauchy", beta=float(b))), prob) for p in parts)
              for b in _SCALES]
    return float(_SCALES[int(np.argmin(totals))])


def _curve_scores(fit, future) -> dict[str, np.ndarray]:
    """Per law, the held-out density on the kappa grid: of the later points ``future`` (``(n, log y)``), or
    of the curve's own last doubling where ``future`` is None."""
    return _doubling_scores(fit) if future is None else _beyond_scores(fit, *future)


def _scores(fits, futures, laws) -> list[np.ndarray]:
    """The held-out densities (laws x kappa grid) of the curves that have a held-out part."""
    out = []
    for f, future in zip(fits, futures, strict=True):
        scores = _curve_scores(f, future)
        if scores:
            out.append(np.stack([scores[k] for k in laws]))
    return out


def _law_probs(elpd: np.ndarray, prior: np.ndarray, iterations: int = 500) -> np.ndarray:
    """EM for the mixing weights of the laws over curves (MAP under a Dirichlet worth
    :data:`PRIOR_CURVES` curves centred on the default probabilities ``prior``)."""
    c = elpd.shape[0]
    pi = np.asarray(prior, dtype=float)
    for _ in range(iterations):
        lw = np.log(pi)[None, :] + elpd
        r = np.exp(lw - log_sum_exp(lw, axis=1)[:, None])
        pi = (r.sum(axis=0) + PRIOR_CURVES * prior) / (c + PRIOR_CURVES)
    return pi


def _probs_and_scale(kappa_scores: list, prior: np.ndarray, rounds: int = 20) -> tuple[np.ndarray, float]:
    """The law probabilities and the discrepancy scale that maximise the curves' held-out density together
    (see the module docstring): EM for the probabilities with each law's density integrated over kappa
    under the current scale, then the scale given the probabilities, until the scale stays put."""
    scale = float(DEFAULT_DISCREPANCY.params["beta"])
    for _ in range(rounds):
        with np.errstate(divide="ignore"):
            log_prior = np.log(kappa_prior(Prior("HalfCauchy", beta=scale)))
        elpd = np.array([log_sum_exp(log_prior[None, :] + s, axis=1) for s in kappa_scores])  # curves x laws
        pi = _law_probs(elpd, prior)
        new = _discrepancy_scale(kappa_scores, pi)
        if new == scale:
            break
        scale = new
    return pi, scale


def _mixture_by_kappa(scores: np.ndarray, pi: np.ndarray) -> np.ndarray:
    """``log sum_k pi_k p_k(held out | kappa)`` on the kappa grid, from one curve's scores (laws x grid)."""
    return log_sum_exp(np.log(pi)[:, None] + scores, axis=0)


def _discrepancy_scale(kappa_scores: list, pi: np.ndarray) -> float:
    """The HalfCauchy scale of kappa under which the curves' held-out doublings are most probable, times
    a lognormal hyperprior on the scale (median the default's, sd a factor e): type-II maximum likelihood
    alone collapses to the grid's smallest scale on a few curves that all forecast their last doubling
    well (8 OLMo curves: 1e-4), and priors learned from them then failed on other curves."""
    per_curve = np.array([_mixture_by_kappa(s, pi) for s in kappa_scores])  # curves x grid
    centre = np.log(DEFAULT_DISCREPANCY.params["beta"])
    with np.errstate(divide="ignore"):
        totals = [float(np.sum(log_sum_exp(np.log(kappa_prior(Prior("HalfCauchy", beta=float(b))))[None, :]
                                           + per_curve, axis=1))) - 0.5 * (np.log(b) - centre) ** 2
                  for b in _SCALES]
    return float(_SCALES[int(np.argmax(totals))])


def _parameter_prior(fits, law, pname) -> Prior | None:
    """The prior of ``pname`` (of the default's family) with the largest marginal likelihood over the curves."""
    from scipy.optimize import minimize

    default = fits[0][law].priors.params[pname]
    if default.dist not in ("LogNormal", "Beta") or default.is_data_relative:
        return None
    draws = [f[law].draws[pname] for f in fits]
    base = [default.logpdf(d) for d in draws]

    def neg(theta):
        q = _family(default.dist, theta)
        return -sum(float(log_sum_exp(q.logpdf(d) - b) - np.log(d.size)) for d, b in zip(draws, base, strict=True))

    start = (np.array([default.params["mu"], np.log(default.params["sigma"])]) if default.dist == "LogNormal"
             else np.log([default.params["alpha"], default.params["beta"]]))
    with np.errstate(all="ignore"):
        res = minimize(neg, start, method="Nelder-Mead", options={"xatol": 1e-3, "fatol": 1e-3, "maxiter": 400})
    return _family(default.dist, res.x)


def _family(dist: str, theta) -> Prior:
    if dist == "LogNormal":
        return Prior("LogNormal", mu=round(float(theta[0]), 4), sigma=round(float(max(np.exp(theta[1]), 0.15)), 4))
    a, b = np.exp(np.clip(theta, np.log(0.5), np.log(50.0)))
    scale = min(1.0, 60.0 / (a + b))
    return Prior("Beta", alpha=round(float(a * scale), 4), beta=round(float(b * scale), 4))


def _learn(fits, futures, laws, name, prob: float = 0.9) -> Priors:
    kappa = _scores(fits, futures, laws)
    spec: dict = {}
    if kappa:
        default = Priors().law_prob(fits[0][k].law for k in laws)  # the laws' own prior probabilities
        pi, scale = _probs_and_scale(kappa, np.array([default[k] for k in laws]))
        if _width_learned(futures):
            scale = _width_scale([_forecast_parts(f, fut, laws) for f, fut in zip(fits, futures, strict=True)],
                                 pi, prob)
        spec["law_probs"] = {k: round(float(p), 4) for k, p in zip(laws, pi, strict=True)}
        spec["discrepancy"] = Prior("HalfCauchy", beta=round(scale, 5))
    for law in laws:
        learned = {}
        for pname in LEARNED:
            if pname in fits[0][law].law.param_names:
                prior = _parameter_prior(fits, law, pname)
                if prior is not None:
                    learned[pname] = prior
        if learned:
            spec[law] = learned
    return Priors(spec, name=name)


def _width_learned(futures) -> bool:
    """Whether the discrepancy's scale is set by the interval score: with ``horizon`` (every curve has later
    points to forecast) and at least :data:`MIN_CURVES` curves; else by the density, with its hyperprior."""
    return len(futures) >= MIN_CURVES and all(f is not None for f in futures)


def _held_out_check(items, x, y, laws, share, seed, fit_kwargs, name, progress: bool = False,
                    prob: float = 0.9) -> pd.DataFrame:
    """Learn on part of the curves, score the rest under the learned priors and under the defaults."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(items))
    cut = max(1, round(share * len(items)))
    test, train = [items[i] for i in order[:cut]], [items[i] for i in order[cut:]]
    stage = {k: progress and f"learn_priors: held-out check, {k}" for k in ("learning", "defaults", "learned priors")}
    learned = _learn(*_fitted(train, _fit_all(train, x, y, laws, seed, fit_kwargs, stage["learning"])), laws, name,
                     prob)
    base = _fit_all(test, x, y, laws, seed + 1, fit_kwargs, stage["defaults"])
    new = _fit_all(test, x, y, laws, seed + 1, fit_kwargs | {"priors": learned}, stage["learned priors"])
    gains, widths = [], []
    for a, b, (_, future, _) in zip(base, new, test, strict=True):  # the same curve under both priors
        if a is None or b is None:
            continue
        sa, sb = _mixture_score(a, future), _mixture_score(b, future)
        if np.isfinite(sa) and np.isfinite(sb):
            gains.append(sb - sa)
        if future is not None:
            widths.append([_forecast_score(a, future, laws, prob), _forecast_score(b, future, laws, prob)])
    widths = np.mean(widths, axis=0) if widths else [np.nan, np.nan]
    return pd.DataFrame({"curves": [len(gains)], "gain_per_curve": [float(np.mean(gains)) if gains else np.nan],
                         "interval_score_defaults": [float(widths[0])], "interval_score_learned": [float(widths[1])],
                         "learned_on": [len(train)]})


def _forecast_score(fit, future, laws, prob: float) -> float:
    """The interval score of a fit's forecasts of its later points under its own priors, per doubling beyond
    the fitted part (:func:`_interval_scores`, divided by the number of doublings)."""
    probs = fit.priors.law_prob(fit.fits[k].law for k in laws)
    part = _forecast_parts(fit, future, laws)
    total = _interval_scores(part, np.array([probs[k] for k in laws]), kappa_prior(fit.priors.discrepancy_prior()),
                             prob)
    return total / np.unique(part["doubling"]).size


def _mixture_score(fit, future) -> float:
    """``log p(held-out part | the rest)`` (:func:`_curve_scores`) under the fit's priors: its laws mixed
    with their prior probabilities and kappa integrated over its prior (the score by which priors are
    compared)."""
    scores = _curve_scores(fit, future)
    if not scores:
        return np.nan
    names = list(fit.fits)
    probs = fit.priors.law_prob(f.law for f in fit.fits.values())
    pi = np.array([probs[k] for k in names])
    mix = _mixture_by_kappa(np.stack([scores[k] for k in names]), pi)
    with np.errstate(divide="ignore"):
        return float(log_sum_exp(np.log(kappa_prior(fit.priors.discrepancy_prior())) + mix))
