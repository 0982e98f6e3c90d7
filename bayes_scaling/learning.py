"""Priors learned from curves: a lab's earlier runs, or a public corpus (the presets).

:func:`learn_priors` fits every curve with the package's default priors and then chooses, by empirical
Bayes (type-II maximum likelihood over the curves), the priors under which the curves as a whole are
most probable:

* **the laws' prior probabilities**: the mixing weights ``pi`` that maximise
  ``sum_c log sum_k pi_k exp(elpd_lfo[c, k])``, the held-out (leave-future-out: the last doubling of
  n given the rest, ``future_split(span="doubling")``) predictive density of every curve under the
  mixture of laws; solved by EM, as the posterior mode under a Dirichlet prior centred on the laws'
  default probabilities and worth ``PRIOR_CURVES`` = 10 curves (a few curves move them part of the way);
* **the discrepancy prior**: the scale ``s`` of ``kappa ~ HalfCauchy(s)`` that maximises the
  held-out density of the last doubling, integrated over ``kappa``, summed over curves, times a
  lognormal hyperprior on ``s`` (median the default's 0.01, sd a factor e);
* **the parameter priors** (``slope``, the local exponent; ``floor_frac``, the floor as a fraction of
  the level; ``c``, exp_decay's curvature): each a prior of the default's family (LogNormal or Beta)
  whose parameters maximise ``sum_c log E_post_c[q(theta) / p0(theta)]``, the marginal likelihood of
  every curve under the new prior ``q`` estimated by reweighting its posterior draws under the
  default ``p0`` (exact up to Monte Carlo error). Their spread is kept at least that of a prior
  with ``sigma = 0.15`` (LogNormal) or concentration ``a + b <= 60`` (Beta), so that no curve's
  posterior is ruled out by a prior learned from the others.

The result is an ordinary :class:`~bayes_scaling.priors.Priors`: inspectable (``table``), saved with
every fit made with it, with its ``provenance`` (the curves, their number, the date, the package
version, and the held-out check) in plain words.

The held-out check (``holdout``, default 0.3 of the curves, chosen at random): the priors are learned
again on the rest, and the curves held out are scored by the held-out density of their last doubling
under those priors and under the defaults; the mean difference per curve (positive: the learned
priors forecast better) is in ``provenance`` and in ``check_table`` of the returned priors.
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
from .priors import DEFAULT_DISCREPANCY, Prior, Priors

__all__ = ["MIN_CURVES", "learn_priors"]

#: fewer curves than this give a warning: priors learned from them say little
MIN_CURVES = 10
#: the weight, in curves, of the laws' default prior probabilities when their probabilities are learned
PRIOR_CURVES = 10
#: the parameters whose priors are learned, where a law has them
LEARNED = ("slope", "floor_frac", "c")
_SCALES = np.geomspace(1e-4, 0.5, 60)


def learn_priors(curves: Sequence | Mapping, x: str = "n", y: str = "y", *, laws=None, name: str = "learned",
                 source: str = "", holdout: float = 0.3, random_seed: int = 0, **fit_kwargs):
    """Priors learned from earlier curves by empirical Bayes (see the module docstring).

    Parameters
    ----------
    curves : list or dict of DataFrame (or CSV paths)
        Earlier learning curves of the kind to be forecast, with the same ``x`` and ``y`` columns.
    laws : list of str, optional
        The laws to learn for (default: the default laws).
    name, source : str
        The preset's name, and where the curves come from (written into ``provenance``).
    holdout : float
        Share of the curves held out for the check (0 to skip it; needs 2 * MIN_CURVES curves).
    random_seed : int
        Seeds the fits and the held-out split.
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
    fits = list(_fit_all(list(curves), x, y, laws, random_seed, fit_kwargs).values())
    if not fits:
        raise DataError(f"learn_priors: none of the {len(curves)} curves could be fitted with every law of {laws}")
    if len(fits) < MIN_CURVES:
        warnings.warn(f"learn_priors: {len(fits)} curves are few to learn priors from (at least {MIN_CURVES} "
                      "are advised); the learned priors stay close to the defaults only where the curves "
                      "agree, so check them on curves held out", DataWarning, stacklevel=2)
    priors = _learn(fits, laws, name)
    check = None
    if holdout and len(fits) >= 2 * MIN_CURVES:
        check = _held_out_check(list(curves), x, y, laws, holdout, random_seed, fit_kwargs, name)
    today = datetime.date.today().isoformat()
    from . import __version__

    words = (f"learned by bayes_scaling {__version__} learn_priors on {today} from {len(fits)} curves"
             f"{' (' + source + ')' if source else ''}, each fitted with the default priors; empirical Bayes "
             "over the curves (law probabilities by EM on the leave-future-out densities, the discrepancy "
             "scale and the parameter priors by maximum marginal likelihood)")
    if check is not None:
        gain = check["gain_per_curve"].iloc[0]
        words += (f"; held-out check on {int(check['curves'].iloc[0])} curves not used to learn it: "
                  f"{gain:+.3f} nats per curve of leave-future-out density against the defaults")
    out = Priors.from_dict(priors.to_dict() | {"provenance": words})
    out.check_table = check
    return out


def _fit_all(curves, x, y, laws, seed, fit_kwargs) -> dict:
    """The curves fitted with every law of ``laws``, by their position in ``curves`` (the others left out)."""
    from .workflow import FitFailure, fit_many

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        warnings.filterwarnings("ignore", message=".*did not converge.*")
        fits = fit_many(curves, x=x, y=y, laws=laws, random_seed=seed, **fit_kwargs)
    return {i: f for i, f in enumerate(fits) if not isinstance(f, FitFailure) and set(f.fits) == set(laws)}


def _doubling_scores(fit) -> dict[str, np.ndarray]:
    """Per law, the leave-future-out density of the last doubling on the kappa grid (computed once per fit)."""
    from .discrepancy import future_scores

    return fit.cached("future_scores:doubling", lambda: future_scores(fit, "doubling"))


def _scores(fits, laws) -> tuple[np.ndarray, list]:
    """elpd_lfo (curves x laws) of the curves that have a leave-future-out split, and their kappa scores."""
    rows, kappa = [], []
    for f in fits:
        scores = _doubling_scores(f)
        if not scores:
            continue
        rows.append([float(scores[k][0]) for k in laws])
        kappa.append(np.stack([scores[k] for k in laws]))
    return np.array(rows), kappa


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


def _learn(fits, laws, name) -> Priors:
    elpd, kappa = _scores(fits, laws)
    spec: dict = {}
    if len(elpd):
        default = Priors().law_prob(fits[0][k].law for k in laws)  # the laws' own prior probabilities
        pi = _law_probs(elpd, np.array([default[k] for k in laws]))
        spec["law_probs"] = {k: round(float(p), 4) for k, p in zip(laws, pi, strict=True)}
        spec["discrepancy"] = Prior("HalfCauchy", beta=round(_discrepancy_scale(kappa, pi), 5))
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


def _held_out_check(curves, x, y, laws, share, seed, fit_kwargs, name) -> pd.DataFrame:
    """Learn on part of the curves, score the rest under the learned priors and under the defaults."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(curves))
    cut = max(1, round(share * len(curves)))
    test, train = [curves[i] for i in order[:cut]], [curves[i] for i in order[cut:]]
    learned = _learn(list(_fit_all(train, x, y, laws, seed, fit_kwargs).values()), laws, name)
    base = _fit_all(test, x, y, laws, seed + 1, fit_kwargs)
    new = _fit_all(test, x, y, laws, seed + 1, fit_kwargs | {"priors": learned})
    gains = []
    for i in sorted(base.keys() & new.keys()):  # the same curve under the defaults and the learned priors
        sa, sb = _mixture_score(base[i]), _mixture_score(new[i])
        if np.isfinite(sa) and np.isfinite(sb):
            gains.append(sb - sa)
    return pd.DataFrame({"curves": [len(gains)], "gain_per_curve": [float(np.mean(gains)) if gains else np.nan],
                         "learned_on": [len(train)]})


def _mixture_score(fit) -> float:
    """``log p(last doubling | the rest)`` under the fit's priors: its laws mixed with their prior
    probabilities and kappa integrated over its prior (the score by which priors are compared)."""
    scores = _doubling_scores(fit)
    if not scores:
        return np.nan
    names = list(fit.fits)
    probs = fit.priors.law_prob(f.law for f in fit.fits.values())
    pi = np.array([probs[k] for k in names])
    mix = _mixture_by_kappa(np.stack([scores[k] for k in names]), pi)
    with np.errstate(divide="ignore"):
        return float(log_sum_exp(np.log(kappa_prior(fit.priors.discrepancy_prior())) + mix))
