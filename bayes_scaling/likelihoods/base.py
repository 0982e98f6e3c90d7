"""The Likelihood interface and the registry of likelihoods.

A likelihood is the distribution of a measurement ``y`` around a law's mean curve ``mu(n)``. Every
likelihood here is written on ``log y`` (relative noise, scale-free in the units of ``y``): ``r = log y -
log mu`` has a density ``log_density(r, sigma, p, xp)`` written once for NumPy and PyTensor, with
``sigma`` the scale of the noise and ``p`` the likelihood's own parameters (``nu`` for Student-t). From
that one expression come:

* the pointwise log-likelihood (:meth:`Likelihood.pointwise`) behind PSIS-LOO, WAIC, leave-future-out and
  the learned discrepancy, densities on the scale of ``y`` (the ``-log y`` Jacobian included, so numbers
  compare across laws and likelihoods);
* the log-likelihood of the PyMC models (:meth:`Likelihood.pymc_log_lik`);
* predictive draws (:meth:`Likelihood.predictive`);
* the maximum-likelihood fit behind AIC/AICc/BIC (:meth:`Likelihood.max_likelihood`).

What a likelihood supports is declared, and the package never falls back silently to another one:
``conjugate`` (an InverseGamma prior on ``sigma^2`` integrates the noise out exactly, which removes the
funnel between noise and curve), ``kernel`` (the numba kernels of the built-in laws implement it) and
``binning`` (a dense training log may be reduced to per-bin sufficient statistics).
"""

from __future__ import annotations

import importlib
import math
import pkgutil
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ..errors import ArgumentError
from ..priors import Parameter

__all__ = ["LIKELIHOODS", "Likelihood", "MaximumLikelihood", "get_likelihood", "information_criteria",
           "register_likelihood"]


def information_criteria(log_lik_max: float, k: int, n: int) -> dict:
    """AIC, AICc and BIC from a maximised log-likelihood, k parameters, n observations."""
    aic = -2.0 * log_lik_max + 2 * k if n >= k else float("nan")
    aicc = aic + 2.0 * k * (k + 1) / (n - k - 1) if n - k - 1 > 0 else float("nan")
    bic = -2.0 * log_lik_max + k * math.log(n) if n >= k else float("nan")
    return {"aic": aic, "aicc": aicc, "bic": bic}


@dataclass(frozen=True)
class MaximumLikelihood:
    """The maximum-likelihood fit of a law: parameters, log L, and whether the optimiser converged."""

    params: dict
    log_lik: float
    rss_log: float
    k: int
    n: int
    converged: bool

    @property
    def criteria(self) -> dict:
        return information_criteria(self.log_lik, self.k, self.n)


def to_z(parameters, params: Mapping) -> np.ndarray:
    """Parameters (:class:`~bayes_scaling.priors.Parameter`) to the unconstrained scale of their domains."""
    z = []
    for p in parameters:
        v = float(params[p.name])
        if p.domain == "positive":
            z.append(math.log(max(v, 1e-300)))
        elif p.domain == "unit":
            v = min(max(v, 1e-9), 1 - 1e-9)
            z.append(math.log(v / (1 - v)))
        else:
            z.append(v)
    return np.array(z)


def from_z(parameters, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The inverse of :func:`to_z`, and d theta / dz."""
    th, dth = np.empty(len(z)), np.empty(len(z))
    for i, (p, zi) in enumerate(zip(parameters, z, strict=True)):
        if p.domain == "positive":
            th[i] = dth[i] = math.exp(min(zi, 700.0))
        elif p.domain == "unit":
            th[i] = 1.0 / (1.0 + math.exp(-zi)) if zi >= 0 else math.exp(zi) / (1.0 + math.exp(zi))
            dth[i] = th[i] * (1.0 - th[i])
        else:
            th[i], dth[i] = zi, 1.0
    return th, dth


class Likelihood:
    """Base class of a likelihood on ``log y``.

    A subclass sets ``name``, ``title``, ``formula``, ``parameters`` (its own, besides the scale
    ``sigma``: ``nu`` for Student-t) and what it supports (``conjugate``, ``kernel``, ``binning``), and
    implements :meth:`log_density` and :meth:`standard_noise`; :meth:`max_likelihood` has a generic
    implementation (a bounded quasi-Newton search over every parameter) that a likelihood may replace.
    """

    name: ClassVar[str]
    title: ClassVar[str]
    formula: ClassVar[str]
    parameters: ClassVar[tuple[Parameter, ...]] = ()
    #: an InverseGamma prior on sigma^2 integrates the noise out exactly (the sampler then never sees sigma)
    conjugate: ClassVar[bool] = False
    #: the numba kernels of the built-in laws implement this likelihood
    kernel: ClassVar[bool] = False
    #: dense curves may be binned (the likelihood of a bin follows from its count, mean and spread)
    binning: ClassVar[bool] = False

    @property
    def param_names(self) -> list[str]:
        return [p.name for p in self.parameters]

    def __repr__(self) -> str:
        return f"<Likelihood {self.name}: {self.formula}>"

    def describe(self) -> str:
        """The formula, the priors of its own parameters and what it supports."""
        lines = [f"{self.name}: {self.formula}"]
        for p in self.parameters:
            lines.append(f"  {p.name:<11} ~ {p.prior.describe():<38} {p.doc}")
        can = [k for k in ("conjugate", "kernel", "binning") if getattr(self, k)]
        lines.append(f"  supports: {', '.join(can) or 'the PyMC path only (no conjugate sigma, kernel or binning)'}")
        return "\n".join(lines)

    def check_rows(self, data) -> None:
        """Refuse binned rows (a dense curve's bins) unless this likelihood can use them: it never falls back to
        the log-normal silently."""
        if data is not None and data.weighted and not self.binning:
            raise ArgumentError(f"the {self.name} likelihood cannot fit binned or tempered rows: a dense curve's bins "
                                "summarise it by count, mean and spread, and a trajectory's dependent checkpoints "
                                "are weighted, which only the log-normal likelihood can use. Thin the curve to at "
                                "most DENSE_ROWS rows, or fit it with likelihood='lognormal'")

    # -- the density ---------------------------------------------------------
    def log_density(self, r, sigma, p: Mapping[str, Any], xp=np):
        """log density of the residual ``r = log y - log mu`` with scale ``sigma``; ``xp`` is ``numpy`` or
        ``pytensor.tensor`` (one expression serves both)."""
        raise NotImplementedError

    def logpdf(self, log_y, log_mu, sigma, p: Mapping[str, Any], xp=np):
        """log density of ``y`` itself (the ``-log y`` Jacobian included)."""
        return self.log_density(log_y - log_mu, sigma, p, xp) - log_y

    def pointwise(self, log_y, log_mu, sigma, p: Mapping[str, Any], rows=None) -> np.ndarray:
        """``log p(y_j | theta_s)`` on NumPy arrays that broadcast (draws x points, or grid x draws x
        points). ``rows``: binned data whose rows the points are (only where ``binning`` is supported)."""
        self.check_rows(rows)
        return self.logpdf(log_y, log_mu, sigma, p)

    def pymc_log_lik(self, log_y, log_mu, sigma, p: Mapping[str, Any], row_weight=None, within_ss=None,
                     n_eff=None, jacobian: bool = True):
        """The total log-likelihood of the rows as a PyTensor expression (binned rows where supported:
        ``row_weight``, ``within_ss``, ``n_eff`` as in :func:`bayes_scaling.data.bin_dense`)."""
        import pytensor.tensor as pt

        out = pt.sum(self.log_density(log_y - log_mu, sigma, p, xp=pt))
        return out - pt.sum(log_y) if jacobian else out

    # -- predictive draws ----------------------------------------------------
    def standard_noise(self, p: Mapping[str, np.ndarray], rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` draws of the noise of log y at unit scale, one per posterior draw (``p``: that
        draw's likelihood parameters, arrays of length ``size``)."""
        raise NotImplementedError

    def predictive(self, curve: np.ndarray, sigma, p: Mapping[str, np.ndarray], rng: np.random.Generator):
        """New measurements: ``curve`` (draws x points) times the noise of each draw.

        One noise draw per posterior draw serves every point (common random numbers): each column has
        the right distribution, and because each draw's curve falls with ``n`` the forecast quantiles fall
        with ``n`` too, free of Monte Carlo wiggles."""
        z = self.standard_noise(p, rng, curve.shape[0])
        with np.errstate(over="ignore"):  # a draw of sigma in the hundreds (a few wild points): inf, as it is
            return curve * np.exp(np.asarray(sigma)[:, None] * z[:, None])

    # -- priors --------------------------------------------------------------
    def sample_prior(self, priors: Mapping, data, rng: np.random.Generator, size: int) -> dict:
        """Independent prior draws of the likelihood's own parameters."""
        from ..priors import DOMAINS

        return {p.name: priors[p.name].sample(size, rng, data, DOMAINS[p.domain]) for p in self.parameters}

    # -- maximum likelihood --------------------------------------------------
    def max_likelihood(self, law, data, starts: list[dict], max_nfev: int = 300) -> MaximumLikelihood:
        """Maximise the likelihood of ``law`` on ``data`` over the curve parameters, ``sigma`` and the
        likelihood's own parameters (each within its ``ml_bounds``), by L-BFGS-B from each start (the best
        posterior draws); ``k`` counts every one of them."""
        from scipy.optimize import minimize

        self.check_rows(data)
        curve_par = law.parameters
        n_curve = len(curve_par)
        own = self.parameters
        u, ly = law.curve_inputs(data), data.log_y
        bounds = [(None, None)] * n_curve + [(math.log(1e-8), math.log(1e3))]
        bounds += [tuple(math.log(b) for b in self.ml_bounds[p.name]) for p in own]

        def unpack(z):
            th, _ = from_z(curve_par, z[:n_curve])
            p = dict(zip([q.name for q in curve_par], th, strict=True))
            lik = {q.name: math.exp(z[n_curve + 1 + i]) for i, q in enumerate(own)}
            return p, math.exp(z[n_curve]), lik

        def negative(z):
            p, sigma, lik = unpack(z)
            lm = np.asarray(law.log_curve(u, p), dtype=float)
            v = -float(np.sum(self.logpdf(ly, lm, sigma, lik)))
            return v if math.isfinite(v) else 1e300

        best = None
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=RuntimeWarning)
            for start in starts:
                z0 = np.concatenate([to_z(curve_par, start), [math.log(max(float(start["sigma"]), 1e-8))],
                                     [math.log(np.clip(float(start[q.name]), *self.ml_bounds[q.name])) for q in own]])
                res = minimize(negative, z0, method="L-BFGS-B", bounds=bounds,
                               options={"maxfun": 50 * max_nfev, "maxiter": 10 * max_nfev})
                if best is None or res.fun < best.fun:
                    best = res
        p, sigma, lik = unpack(best.x)
        rss = float(np.sum((ly - np.asarray(law.log_curve(u, p), dtype=float)) ** 2))
        return MaximumLikelihood(params={**p, "sigma": sigma, **lik}, log_lik=-float(best.fun), rss_log=rss,
                                 k=n_curve + 1 + len(own), n=data.n_obs, converged=bool(best.success))

    #: the bounds of the maximum-likelihood search on the likelihood's own parameters
    ml_bounds: ClassVar[dict] = {}


LIKELIHOODS: dict[str, Likelihood] = {}


def register_likelihood(cls: type[Likelihood]) -> type[Likelihood]:
    """Class decorator: add a likelihood to the registry under ``cls.name``."""
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not name.isidentifier():
        raise ArgumentError(f"a likelihood needs a name that is a Python identifier, got {name!r}")
    if cls.log_density is Likelihood.log_density or cls.standard_noise is Likelihood.standard_noise:
        raise ArgumentError(f"likelihood {name!r} must implement log_density and standard_noise")
    LIKELIHOODS[name] = cls()
    return cls


def get_likelihood(name: str | Likelihood | None = None) -> Likelihood:
    """The registered likelihood of that name (None: ``"lognormal"``, the default; an instance passes)."""
    if isinstance(name, Likelihood):
        return name
    name = "lognormal" if name is None else name
    if name not in LIKELIHOODS:
        _discover()
    try:
        return LIKELIHOODS[name]
    except (KeyError, TypeError):
        raise ArgumentError(f"unknown likelihood {name!r}; registered likelihoods: {', '.join(LIKELIHOODS)}") \
            from None


def _discover() -> None:
    """Import every module of this package, so that a new likelihood is one new file."""
    from .. import likelihoods as pkg

    for info in pkgutil.iter_modules(pkg.__path__):
        if not info.name.startswith("_") and info.name != "base":
            importlib.import_module(f"{pkg.__name__}.{info.name}")


