"""The Law interface and the registry of laws.

A law is a small object that knows its formula, its parameters and their priors,
evaluates its curve (NumPy and PyTensor share one expression), provides a numba
gradient kernel for fast sampling and builds the equivalent PyMC model.

Scales. Every law is written on ``u = log(n / n_ref)`` (``n_ref``: geometric mean
of the distinct sample counts) and its parameters are chosen so that their priors
mean the same thing whatever the units of ``n`` and ``y``:

* ``y_ref``: the mean curve at ``n_ref``; prior LogNormal(mean log y, 1), i.e. the
  level of the data within a factor e (68%) or e^2 (95%).
* ``slope``: minus the local log-log slope ``-d log y / d log n`` at ``n_ref``;
  prior LogNormal(log 0.3, 1): 95% between 0.04 and 2.1, which covers the
  exponents reported for learning curves and neural scaling laws.
* ``floor_frac``: the floor as a fraction of ``y_ref``; prior Beta(1.5, 1.5),
  gently away from 0 (no floor) and 1 (the curve is already flat).
* ``sigma``: the noise of ``log y`` (relative noise of ``y``); prior
  ``sigma^2 ~ InvGamma(1, 0.02^2 log 2)``: median 2%, 95% between 0.9% and 10%,
  with a thin tail towards zero, which a handful of points cannot rule out
  and which would otherwise pinch the posterior. Conjugacy lets the sampler
  integrate sigma out and draw it exactly afterwards (see ``_kernels``).

The likelihood is log-normal: ``log y_i ~ Normal(log mu(n_i), sigma)``.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ..errors import ArgumentError, NotFoundError
from . import _kernels as K

__all__ = ["LAWS", "NOISE", "Law", "Parameter", "Prior", "default_laws", "get_law", "register"]


@dataclass(frozen=True)
class Prior:
    """A prior on one scalar parameter.

    ``dist`` is ``"normal"``, ``"lognormal"`` or ``"beta"``; ``a``, ``b`` are (mu, sigma)
    of the normal / of log theta, or (alpha, beta) of the Beta. With
    ``shift="log_y_center"`` the data's mean log y is added to ``a``.
    """

    dist: str
    a: float
    b: float
    shift: str | None = None

    _KINDS: ClassVar[dict[str, int]] = {"normal": K.NORMAL, "lognormal": K.LOGNORMAL, "beta": K.BETA,
                                        "invgamma_variance": -1}

    def __post_init__(self):
        if self.dist not in self._KINDS:
            raise ArgumentError(f"unknown prior distribution {self.dist!r}; use one of {sorted(self._KINDS)}")
        if not self.b > 0 or (self.dist in ("beta", "invgamma_variance") and not self.a > 0):
            raise ArgumentError(f"invalid parameters for a {self.dist} prior: {self.a}, {self.b}")

    def resolve(self, data) -> tuple[int, float, float]:
        """The ``(kind, p1, p2)`` triple for the kernels, with data shifts applied."""
        a = self.a + (data.log_y_center if self.shift == "log_y_center" else 0.0)
        return self._KINDS[self.dist], float(a), float(self.b)

    def init(self, data) -> float:
        """A central unconstrained starting value."""
        kind, a, b = self.resolve(data)
        return float(np.log(a / b)) if kind == K.BETA else a

    def sample(self, data, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draws from the prior (constrained scale)."""
        kind, a, b = self.resolve(data)
        if kind == K.NORMAL:
            return rng.normal(a, b, size)
        if kind == K.LOGNORMAL:
            return np.exp(rng.normal(a, b, size))
        if kind == K.BETA:
            return rng.beta(a, b, size)
        return np.sqrt(b / rng.gamma(a, 1.0, size))

    def logpdf(self, values, data) -> np.ndarray:
        """Log prior density at ``values`` (constrained scale; for the noise: of sigma^2)."""
        from scipy import stats

        kind, a, b = self.resolve(data)
        v = np.asarray(values, dtype=float)
        if kind == K.NORMAL:
            return stats.norm.logpdf(v, a, b)
        if kind == K.LOGNORMAL:
            return stats.norm.logpdf(np.log(v), a, b) - np.log(v)
        if kind == K.BETA:
            return stats.beta.logpdf(v, a, b)
        return stats.invgamma.logpdf(v**2, a, scale=b)

    def describe(self) -> str:
        if self.dist == "beta":
            return f"Beta({self.a:g}, {self.b:g})"
        if self.dist == "invgamma_variance":
            return f"sigma^2 ~ InvGamma({self.a:g}, {self.b:.3g})"
        loc = "mean log y" if self.shift == "log_y_center" else f"{self.a:g}"
        if self.shift == "log_y_center" and self.a:
            loc += f" + {self.a:g}"
        if self.dist == "lognormal" and self.shift is None:
            loc = f"log {np.exp(self.a):.3g}"
        return f"{'LogNormal' if self.dist == 'lognormal' else 'Normal'}({loc}, {self.b:g})"

    def pymc(self, name: str, data):
        import pymc as pm

        kind, a, b = self.resolve(data)
        if kind == K.NORMAL:
            return pm.Normal(name, a, b)
        if kind == K.LOGNORMAL:
            return pm.LogNormal(name, a, b)
        if kind == K.BETA:
            return pm.Beta(name, a, b)
        return pm.Deterministic(name, pm.math.sqrt(pm.InverseGamma(f"{name}_sq", a, b)))


@dataclass(frozen=True)
class Parameter:
    """A sampled parameter: name, prior and what it means."""

    name: str
    prior: Prior
    doc: str


NOISE = Parameter("sigma", Prior("invgamma_variance", 1.0, 0.02**2 * float(np.log(2))),
                  "noise scale of log y (relative measurement noise)")
Y_REF = Parameter("y_ref", Prior("lognormal", 0.0, 1.0, shift="log_y_center"),
                  "mean curve at n_ref (geometric mean of the distinct n)")
SLOPE = Parameter("slope", Prior("lognormal", float(np.log(0.3)), 1.0),
                  "-d log y / d log n at n_ref (local exponent)")
FLOOR_FRAC = Parameter("floor_frac", Prior("beta", 1.5, 1.5), "floor / y_ref")


class Law:
    """Base class of a learning-curve law.

    Subclasses set ``name``, ``formula``, ``parameters`` (curve parameters, noise
    excluded), ``has_floor``, implement :meth:`log_curve` and :meth:`derived`, and
    point ``curve_grad`` at a numba kernel ``(u, theta, lm, dlm)`` and ``logp_source``
    at a module-level function that the base compiles (cached) into nutpie's log
    density callback. See ``power.py`` for the smallest example.
    """

    name: ClassVar[str]
    title: ClassVar[str]
    formula: ClassVar[str]
    parameters: ClassVar[tuple[Parameter, ...]]
    has_floor: ClassVar[bool] = False
    order: ClassVar[int] = 100  # position in tables (registry order)
    min_distinct: ClassVar[int] = 3
    default: ClassVar[bool] = True  # fitted when no laws are named
    curve_grad: ClassVar[Any]
    logp_source: ClassVar[Any]
    _cfuncs: ClassVar[dict] = {}

    # -- description ---------------------------------------------------------
    @property
    def all_parameters(self) -> tuple[Parameter, ...]:
        return (*self.parameters, NOISE)

    @property
    def param_names(self) -> list[str]:
        return [p.name for p in self.all_parameters]

    @property
    def n_params(self) -> int:
        """Number of fitted parameters, noise included (the k of AIC/BIC)."""
        return len(self.all_parameters)

    def describe(self) -> str:
        lines = [f"{self.name}: {self.formula}"]
        lines += [f"  {p.name:<11} ~ {p.prior.describe():<28} {p.doc}" for p in self.all_parameters]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Law {self.name}: {self.formula}>"

    # -- the curve -----------------------------------------------------------
    def log_curve(self, u, p: Mapping[str, Any], xp=np):
        """log of the mean curve at centred log sample counts ``u``.

        ``xp`` is ``numpy`` or ``pytensor.tensor``: one expression serves both.
        """
        raise NotImplementedError

    def derived(self, p: Mapping[str, np.ndarray], n_ref: float) -> dict[str, np.ndarray]:
        """Parameters of the formula in the user's units (e.g. ``floor``, ``A``, ``a``)."""
        raise NotImplementedError

    def floor(self, p: Mapping[str, np.ndarray]) -> np.ndarray | None:
        """Asymptotic value of the curve as n -> infinity (None if the law has none)."""
        return np.asarray(p["floor_frac"]) * np.asarray(p["y_ref"]) if self.has_floor else None

    # -- sampling support ----------------------------------------------------
    @property
    def sampled_names(self) -> list[str]:
        """The parameters NUTS samples (the noise is integrated out and drawn afterwards)."""
        return [p.name for p in self.parameters]

    def user_data(self, data) -> np.ndarray:
        noise = NOISE.prior.resolve(data)[1:]
        return K.pack([p.prior.resolve(data) for p in self.parameters], noise, data.u, data.log_y)

    def initial_point(self, data) -> np.ndarray:
        return np.array([p.prior.init(data) for p in self.parameters])

    def draw_sigma(self, params: Mapping[str, np.ndarray], data, rng: np.random.Generator) -> np.ndarray:
        """Exact draws of sigma given each draw of the curve: sigma^2 ~ InvGamma(a + N/2, b + RSS/2)."""
        _, a, b = NOISE.prior.resolve(data)
        p = {k: np.asarray(params[k])[:, None] for k in self.sampled_names}
        rss = ((data.log_y[None, :] - self.log_curve(data.u[None, :], p)) ** 2).sum(axis=1)
        return np.sqrt((b + 0.5 * rss) / rng.gamma(a + 0.5 * data.n_obs, 1.0, rss.size))

    def logp_cfunc(self):
        """nutpie's log-density callback for this law (compiled once, cached on disk)."""
        key = type(self)
        if key not in Law._cfuncs:
            Law._cfuncs[key] = K.compile_cfunc(type(self).logp_source, K.LOGP_SIG)
        return Law._cfuncs[key]

    def log_density(self, z, data) -> tuple[float, np.ndarray]:
        """Log posterior density of the curve parameters (sigma integrated out, up to the
        evidence) and its gradient at unconstrained ``z``."""
        return K.log_density(type(self).curve_grad, z, self.user_data(data))

    # -- PyMC ----------------------------------------------------------------
    def build_model(self, data, coords: dict | None = None):
        """The law as a ``pymc.Model`` (same priors, same likelihood as the fast sampler).

        Examples
        --------
        >>> import bayes_scaling as bs
        >>> from bayes_scaling.data import as_scaling_data
        >>> d = as_scaling_data(bs.load_example(), x="samples", y="val_ppl")
        >>> m = bs.get_law("power").build_model(d)
        >>> sorted(v.name for v in m.free_RVs)
        ['sigma_sq', 'slope', 'y_ref']
        """
        import pymc as pm

        with pm.Model(coords={"obs": np.arange(data.n_obs), **(coords or {})}) as model:
            u = pm.Data("u", data.u, dims="obs")
            params = {p.name: p.prior.pymc(p.name, data) for p in self.all_parameters}
            log_mu = self.log_curve(u, params, xp=pm.math)
            pm.Deterministic("log_mu", log_mu, dims="obs")
            pm.LogNormal("y", mu=log_mu, sigma=params["sigma"], observed=data.y, dims="obs")
        return model

    def sample_prior(self, data, rng: np.random.Generator, size: int) -> dict[str, np.ndarray]:
        """Prior draws of every parameter (constrained scale)."""
        return {p.name: p.prior.sample(data, rng, size) for p in self.all_parameters}


LAWS: dict[str, Law] = {}


def register(law_cls: type[Law]) -> type[Law]:
    """Class decorator: add a law to the registry under ``law_cls.name``."""
    LAWS[law_cls.name] = law_cls()
    ordered = sorted(LAWS.items(), key=lambda kv: (kv[1].order, kv[0]))
    LAWS.clear()
    LAWS.update(ordered)
    return law_cls


def default_laws() -> list[str]:
    """The laws ``fit`` uses when none are named (registered with ``default = True``)."""
    return [k for k, law in LAWS.items() if law.default]


def get_law(name: str | Law) -> Law:
    """The registered law of that name (a ``Law`` instance passes through)."""
    if isinstance(name, Law):
        return name
    _discover()
    try:
        return LAWS[name]
    except KeyError:
        raise NotFoundError(f"unknown law {name!r}; registered laws: {', '.join(LAWS)}") from None


def _discover() -> None:
    """Import every module of this package, so that a new law is one new file."""
    from .. import laws as pkg

    for info in pkgutil.iter_modules(pkg.__path__):
        if not info.name.startswith("_") and info.name != "base":
            importlib.import_module(f"{pkg.__name__}.{info.name}")
