"""Priors as data: :class:`Prior` (one distribution, PyMC's names and parameters) and :class:`Priors`
(what a fit assumes: every law's parameter priors, the laws' prior probabilities and the prior of
the discrepancy beyond the data).

A prior is a distribution name of PyMC and its keyword parameters, ``Prior("Normal", mu=108,
sigma=1)``; it draws, evaluates its density, builds the PyMC variable and travels as a plain dict
(``to_dict`` / ``from_dict``), so the priors of a fit are saved and shown with it. A parameter may
name the data instead of a number: ``"mean_log_y"`` is the data's mean log metric (the level of the
curve at the centre of log n), which makes the default priors the same in any units.

Users state what they know in their own units. Besides a law's own parameters (``y_ref``, ``slope``,
``floor_frac``, ...) a prior may be put on

* ``floor``: the floor ``PPL_min`` in the metric's units (laws with a floor);
* ``a``: the exponent of ``n^-a`` (``power`` and ``saturation``);
* ``y@N``: the mean curve at ``n = N`` in the metric's units (e.g. ``"y@3200"``).

Such a prior replaces the prior of one of the law's parameters (``floor_frac``, ``slope`` and
``y_ref`` respectively), which then has a flat density on its domain, and the model adds
``log p(q) + log |dq / d theta|`` (the Jacobian of the map from the replaced parameters to the
stated quantities, by automatic differentiation): the quantity then follows the stated prior given
the other parameters, restricted to the values the law can produce (a floor below the curve at the
centre of the data). Laws with such priors are sampled through their PyMC model
(:mod:`bayes_scaling.sampling`).

Examples
--------
>>> import bayes_scaling as bs
>>> p = bs.Prior("Normal", mu=108, sigma=1)
>>> p
Prior('Normal', mu=108, sigma=1)
>>> bs.Prior.from_dict(p.to_dict()) == p
True
>>> round(float(p.logpdf(108.0)), 4)
-0.9189
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ArgumentError
from .kinds import get_kind

__all__ = ["DATA_SYMBOLS", "DEFAULT_DISCREPANCY", "DEFAULT_LIKELIHOOD", "LawPriors", "Parameter", "Prior", "Priors",
           "as_priors", "preset", "preset_names", "read_priors"]

#: values a prior's parameter may name instead of a number, resolved against the data
DATA_SYMBOLS = ("mean_log_y",)
INF = math.inf


@dataclass(frozen=True)
class _Family:
    params: tuple[str, ...]
    defaults: dict
    positive: tuple[str, ...]
    support: Any  # (lower, upper), or a function of the parameters

    def bounds(self, p: dict) -> tuple[float, float]:
        return self.support(p) if callable(self.support) else self.support


_FAMILIES = {
    "Normal": _Family(("mu", "sigma"), {"mu": 0.0}, ("sigma",), (-INF, INF)),
    "TruncatedNormal": _Family(("mu", "sigma", "lower", "upper"), {"mu": 0.0, "lower": -INF, "upper": INF},
                               ("sigma",), lambda p: (p["lower"], p["upper"])),
    "LogNormal": _Family(("mu", "sigma"), {"mu": 0.0}, ("sigma",), (0.0, INF)),
    "HalfNormal": _Family(("sigma",), {}, ("sigma",), (0.0, INF)),
    "HalfCauchy": _Family(("beta",), {}, ("beta",), (0.0, INF)),
    "Exponential": _Family(("lam",), {}, ("lam",), (0.0, INF)),
    "Beta": _Family(("alpha", "beta"), {}, ("alpha", "beta"), (0.0, 1.0)),
    "Gamma": _Family(("alpha", "beta"), {}, ("alpha", "beta"), (0.0, INF)),
    "InverseGamma": _Family(("alpha", "beta"), {}, ("alpha", "beta"), (0.0, INF)),
    "Uniform": _Family(("lower", "upper"), {"lower": 0.0, "upper": 1.0}, (), lambda p: (p["lower"], p["upper"])),
    "StudentT": _Family(("nu", "mu", "sigma"), {"mu": 0.0, "sigma": 1.0}, ("nu", "sigma"), (-INF, INF)),
}

#: the kernel's prior kinds (``laws._kernels``): family and the domain it is sampled on
_KERNEL_KINDS = {("Normal", "real"): 0, ("LogNormal", "positive"): 1, ("Beta", "unit"): 2}
DOMAINS = {"real": (-INF, INF), "positive": (0.0, INF), "unit": (0.0, 1.0)}
#: the likelihood a fit uses unless told otherwise (``bayes_scaling.likelihoods``)
DEFAULT_LIKELIHOOD = "lognormal"


class Prior:
    """A prior on one scalar: a PyMC distribution name and its keyword parameters.

    Parameters
    ----------
    dist : str
        One of ``Normal, TruncatedNormal, LogNormal, HalfNormal, HalfCauchy, Exponential, Beta,
        Gamma, InverseGamma, Uniform, StudentT`` (PyMC's names and parameterisations: ``Gamma`` and
        ``InverseGamma`` take ``alpha, beta``; ``Exponential`` takes ``lam``).
    **params : float or str
        The distribution's parameters; a location may be ``"mean_log_y"`` (the data's mean log
        metric, see :data:`DATA_SYMBOLS`).

    Examples
    --------
    >>> import numpy as np, bayes_scaling as bs
    >>> bs.Prior("LogNormal", mu=np.log(0.3), sigma=1).describe()
    'LogNormal(mu=log 0.3, sigma=1)'
    >>> draws = bs.Prior("Beta", alpha=1.5, beta=1.5).sample(10_000, np.random.default_rng(0))
    >>> bool(0 < draws.min() and draws.max() < 1 and abs(draws.mean() - 0.5) < 0.01)
    True
    """

    __slots__ = ("dims", "dist", "params")

    def __init__(self, dist: str, dims: str | None = None, **params):
        if not isinstance(dist, str) or dist not in _FAMILIES:
            raise ArgumentError(f"unknown prior distribution {dist!r}; use one of {', '.join(_FAMILIES)}")
        nested = {k: (Prior.from_dict(v) if isinstance(v, Mapping) else v) for k, v in params.items()
                  if isinstance(v, (Prior, Mapping))}
        if nested or dims is not None:
            _check_hierarchical(dist, dims, nested)
            params = {k: v for k, v in params.items() if k not in nested}
        fam = _FAMILIES[dist]
        unknown = sorted(set(params) - set(fam.params))
        if unknown:
            raise ArgumentError(f"{dist} takes the parameters {', '.join(fam.params)}; got unknown {unknown}")
        missing = [k for k in fam.params if k not in params and k not in nested and k not in fam.defaults]
        if missing:
            raise ArgumentError(f"{dist} needs the parameter(s) {', '.join(missing)}")
        clean = {}
        for k, v in params.items():
            if isinstance(v, str):
                if v not in DATA_SYMBOLS:
                    raise ArgumentError(f"{dist} parameter {k}={v!r}: a string must name the data, one of "
                                        f"{DATA_SYMBOLS}")
                clean[k] = v
                continue
            if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
                raise ArgumentError(f"{dist} parameter {k} must be a number, got {v!r}")
            v = float(v)
            if math.isnan(v) or (math.isinf(v) and k not in ("lower", "upper")):
                raise ArgumentError(f"{dist} parameter {k} must be finite, got {v!r}")
            if k in fam.positive and not v > 0:
                raise ArgumentError(f"{dist} parameter {k} must be > 0, got {v!r}")
            clean[k] = int(v) if v.is_integer() and abs(v) < 2**53 and not isinstance(params[k], float) else v
        full = {**fam.defaults, **clean}
        numeric = {k: v for k, v in full.items() if not isinstance(v, str)}
        if "lower" in numeric and "upper" in numeric and not numeric["lower"] < numeric["upper"]:
            raise ArgumentError(f"{dist} needs lower < upper, got {numeric['lower']} and {numeric['upper']}")
        object.__setattr__(self, "dist", dist)
        object.__setattr__(self, "params", {**clean, **nested})
        object.__setattr__(self, "dims", dims)

    def __setattr__(self, name, value):
        raise AttributeError("Prior is immutable")

    def __reduce__(self):  # pickled by its constructor's arguments (fits travel to worker processes)
        return Prior.from_dict, (self.to_dict(),)

    # -- identity ----------------------------------------------------------------
    def __eq__(self, other) -> bool:
        return isinstance(other, Prior) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        import json

        return hash(json.dumps(self.to_dict(), sort_keys=True))

    def __repr__(self) -> str:
        args = "".join(f", {k}={v!r}" for k, v in self.params.items())
        dims = f", dims={self.dims!r}" if self.dims is not None else ""
        return f"Prior({self.dist!r}{args}{dims})"

    def to_dict(self) -> dict:
        """``{"dist": name, **parameters}`` (a hierarchical prior's parameters as dicts, and its ``dims``):
        plain JSON."""
        out = {"dist": self.dist, **{k: v.to_dict() if isinstance(v, Prior) else v for k, v in self.params.items()}}
        if self.dims is not None:
            out["dims"] = self.dims
        return out

    @classmethod
    def from_dict(cls, d: Mapping) -> Prior:
        """The inverse of :meth:`to_dict`."""
        if not isinstance(d, Mapping) or "dist" not in d:
            raise ArgumentError(f"a prior dict needs a 'dist' key, got {d!r}")
        return cls(d["dist"], **{k: v for k, v in d.items() if k != "dist"})

    # -- values --------------------------------------------------------------------
    @property
    def hierarchical(self) -> bool:
        """A prior over a group dimension whose location and scale have priors of their own (partial
        pooling): each group's value is ``mu + tau * z_g`` (for ``LogNormal``, its log), ``z_g ~ Normal(0, 1)``."""
        return self.dims is not None

    @property
    def is_data_relative(self) -> bool:
        return any(isinstance(v, str) for v in self.params.values())

    def _flat(self) -> None:
        if self.hierarchical:
            raise ArgumentError(f"{self.describe()} is a hierarchical prior over {self.dims!r}: it takes no "
                                "single parameter values and is used in a partially pooled fit (group=..., "
                                "pooling='partial')")

    def values(self, data=None) -> dict[str, float]:
        """Every parameter as a number (defaults filled in, data symbols resolved against ``data``)."""
        self._flat()
        out = {}
        for k, v in {**_FAMILIES[self.dist].defaults, **self.params}.items():
            if isinstance(v, str):
                if data is None:
                    raise ArgumentError(f"{self!r} refers to the data ({v}); pass the data to resolve it")
                v = float(data.log_y_center)
            out[k] = float(v)
        return out

    def support(self, data=None) -> tuple[float, float]:
        if self.hierarchical:  # Normal or LogNormal: the family's support, whatever the hyper-parameters
            return _FAMILIES[self.dist].support
        return _FAMILIES[self.dist].bounds(self.values(data))

    def scipy(self, data=None):
        """The frozen ``scipy.stats`` distribution."""
        from scipy import stats

        p = self.values(data)
        d = self.dist
        if d == "Normal":
            return stats.norm(p["mu"], p["sigma"])
        if d == "TruncatedNormal":
            return stats.truncnorm((p["lower"] - p["mu"]) / p["sigma"], (p["upper"] - p["mu"]) / p["sigma"],
                                   loc=p["mu"], scale=p["sigma"])
        if d == "LogNormal":
            return stats.lognorm(s=p["sigma"], scale=math.exp(p["mu"]))
        if d == "HalfNormal":
            return stats.halfnorm(scale=p["sigma"])
        if d == "HalfCauchy":
            return stats.halfcauchy(scale=p["beta"])
        if d == "Exponential":
            return stats.expon(scale=1.0 / p["lam"])
        if d == "Beta":
            return stats.beta(p["alpha"], p["beta"])
        if d == "Gamma":
            return stats.gamma(p["alpha"], scale=1.0 / p["beta"])
        if d == "InverseGamma":
            return stats.invgamma(p["alpha"], scale=p["beta"])
        if d == "Uniform":
            return stats.uniform(p["lower"], p["upper"] - p["lower"])
        return stats.t(p["nu"], p["mu"], p["sigma"])  # StudentT

    def _window(self, domain, data):
        """The mass of the prior inside ``domain`` (where a parameter's values are allowed)."""
        lo, hi = self.support(data)
        a, b = max(lo, domain[0]), min(hi, domain[1])
        if not a < b:
            raise ArgumentError(f"{self!r} puts no mass on the parameter's domain {domain}")
        return a, b

    def sample(self, size: int, rng: np.random.Generator, data=None, domain=(-INF, INF)) -> np.ndarray:
        """Draws (restricted to ``domain`` where the prior reaches beyond it); of a hierarchical prior, the
        marginal prior of one group's value (its hyper-parameters drawn too)."""
        if self.hierarchical:
            mu, tau = (v.sample(size, rng, data) if isinstance(v, Prior) else np.full(size, float(v))
                       for v in (self.params["mu"], self.params["sigma"]))
            x = mu + tau * rng.standard_normal(size)
            return np.exp(x) if self.dist == "LogNormal" else x
        dist = self.scipy(data)
        a, b = self._window(domain, data)
        lo, hi = dist.cdf(a), dist.cdf(b)
        if lo <= 0 and hi >= 1:
            return np.asarray(dist.rvs(size=size, random_state=rng), dtype=float)
        return np.asarray(dist.ppf(rng.uniform(lo, hi, size)), dtype=float)

    def logpdf(self, x, data=None, domain=(-INF, INF)) -> np.ndarray:
        """Log density at ``x`` (renormalised to ``domain`` where the prior reaches beyond it)."""
        dist = self.scipy(data)
        a, b = self._window(domain, data)
        mass = float(dist.cdf(b) - dist.cdf(a))
        x = np.asarray(x, dtype=float)
        out = dist.logpdf(x) - (math.log(mass) if mass < 1 else 0.0)
        return np.where((x > a) & (x < b), out, -np.inf) if mass < 1 else out

    def kernel_triple(self, domain: str, data) -> tuple[int, float, float] | None:
        """``(kind, p1, p2)`` for the numba kernels, or None when the kernels do not have this
        family on this domain (the law is then sampled through its PyMC model)."""
        kind = _KERNEL_KINDS.get((self.dist, domain))
        if kind is None or self.hierarchical:
            return None
        p = self.values(data)
        return (kind, p["alpha"], p["beta"]) if self.dist == "Beta" else (kind, p["mu"], p["sigma"])

    def pymc(self, name: str, domain=(-INF, INF), dims=None, **symbols):
        """The PyMC variable (truncated to ``domain`` where the prior reaches beyond it). Data symbols
        are passed as keyword arguments (``mean_log_y=<tensor>``)."""
        import pymc as pm

        if self.hierarchical:
            return self._pymc_hierarchical(name)  # its domain: checked by Law.resolve_priors
        fam = _FAMILIES[self.dist]
        p = {k: symbols[v] if isinstance(v, str) else float(v) for k, v in {**fam.defaults, **self.params}.items()}
        cls = getattr(pm, self.dist)
        if self.is_data_relative:  # a location given by the data: the support does not depend on it
            lo, hi = fam.bounds({k: 0.0 for k in p}) if callable(fam.support) else fam.support
        else:
            lo, hi = self.support()
        if lo < domain[0] or hi > domain[1]:
            low = domain[0] if lo < domain[0] else None
            up = domain[1] if hi > domain[1] else None
            return pm.Truncated(name, cls.dist(**p), lower=low, upper=up, dims=dims)
        return cls(name, **p, dims=dims)

    def _pymc_hierarchical(self, name: str):
        """Non-centred (Papaspiliopoulos, Roberts & Sköld 2007): ``<name>_mu`` and ``<name>_tau`` (the
        location and spread across groups, from the nested priors), ``<name>_z ~ Normal(0, 1)`` per group, and
        ``name = mu + tau * z`` (``exp`` of it for ``LogNormal``), a deterministic over ``dims``."""
        import pymc as pm

        mu, tau = self.params["mu"], self.params["sigma"]
        mu = mu.pymc(f"{name}_mu") if isinstance(mu, Prior) else float(mu)
        tau = tau.pymc(f"{name}_tau", (0.0, INF)) if isinstance(tau, Prior) else float(tau)
        z = pm.Normal(f"{name}_z", 0.0, 1.0, dims=self.dims)
        value = mu + tau * z
        return pm.Deterministic(name, pm.math.exp(value) if self.dist == "LogNormal" else value, dims=self.dims)

    def pymc_logp(self, value, **symbols):
        """``log p(value)`` as a PyTensor expression (data symbols as in :meth:`pymc`)."""
        import pymc as pm

        self._flat()

        p = {k: (symbols[v] if isinstance(v, str) else float(v))
             for k, v in {**_FAMILIES[self.dist].defaults, **self.params}.items()}
        return pm.logp(getattr(pm, self.dist).dist(**p), value)

    def describe(self) -> str:
        """Short text: ``LogNormal(mu=log 0.3, sigma=1)``; a hierarchical prior names its dimension:
        ``LogNormal(mu=Normal(mu=-1.204, sigma=1), sigma=Gamma(alpha=2, beta=20), dims=group)``."""
        parts = []
        for k, v in self.params.items():
            if isinstance(v, Prior):
                text = v.describe()
            elif isinstance(v, str):
                text = v.replace("_", " ")
            elif k == "mu" and self.dist == "LogNormal" and v != 0:
                text = f"log {math.exp(v):.3g}"
            else:
                text = f"{v:.4g}"
            parts.append(f"{k}={text}")
        if self.dims is not None:
            parts.append(f"dims={self.dims}")
        return f"{self.dist}({', '.join(parts)})"


def _check_hierarchical(dist: str, dims, nested: dict) -> None:
    """A hierarchical prior: Normal or LogNormal over one named dimension, whose ``mu`` and ``sigma`` may be
    priors of their own (plain priors on numbers, ``sigma``'s on positive values)."""
    if dist not in ("Normal", "LogNormal"):
        raise ArgumentError(f"a hierarchical prior is a Normal or LogNormal whose mu and sigma have priors; got "
                            f"{dist} with {sorted(nested)}")
    if not isinstance(dims, str) or not dims.isidentifier():
        raise ArgumentError(f"a hierarchical prior needs dims, the name of the dimension it varies over (e.g. "
                            f"dims='group'), got {dims!r}")
    if not nested:
        raise ArgumentError(f"{dist}(dims={dims!r}) needs a prior on mu or sigma: a prior over groups whose "
                            "location and spread are fixed is no pooling")
    for k, v in nested.items():
        if k not in ("mu", "sigma"):
            raise ArgumentError(f"{dist}: only mu and sigma may have priors of their own, not {k}")
        if v.hierarchical or v.is_data_relative:
            raise ArgumentError(f"{dist}: the prior on {k} must be a plain prior on a number, got {v.describe()}")
        if k == "sigma" and v.support()[0] < 0:
            raise ArgumentError(f"{dist}: the prior on sigma must put its mass on positive values, got "
                                f"{v.describe()}")


#: the prior of ``kappa``, the discrepancy beyond the data (docs: forecasting): half-Cauchy with scale
#: 0.01 (1% more log-sd per factor e beyond the data at the median, with a heavy tail)
DEFAULT_DISCREPANCY = Prior("HalfCauchy", beta=0.01)

_LEVEL = re.compile(r"^y@([0-9.eE+]+)$")
_SPECIAL = ("law_probs", "discrepancy", "likelihood")


@dataclass(frozen=True)
class Parameter:
    """A parameter of a law or a likelihood: name, default prior, what it means and its domain
    (``"positive"``, ``"unit"`` for (0, 1), or ``"real"``)."""

    name: str
    prior: Prior
    doc: str
    domain: str = "positive"

    def __post_init__(self):
        if self.domain not in DOMAINS:
            raise ArgumentError(f"parameter {self.name!r}: domain must be one of {list(DOMAINS)}, got {self.domain!r}")


@dataclass(frozen=True)
class LawPriors:
    """The priors one law is fitted with: defaults merged with the user's, checked against the law.

    ``params``: every curve parameter's prior (a parameter whose prior is replaced by a prior on a
    derived quantity is in ``replaced``); ``noise``: ``("sigma_sq", prior)`` (the default, a prior on
    the noise variance) or ``("sigma", prior)``; ``derived``: priors on ``floor``, ``a`` or ``y@N``;
    ``user``: the names the user set; ``replaced``: ``{parameter: derived quantity}``; ``likelihood``: the
    name of the likelihood (:mod:`bayes_scaling.likelihoods`), ``lik``: the priors of its own parameters
    (``nu`` of Student-t) and ``lik_conjugate``: whether it can integrate the noise out.
    """

    law: str
    params: dict
    noise: tuple
    derived: dict = field(default_factory=dict)
    user: tuple = ()

    replaced: dict = field(default_factory=dict)  # {parameter: the derived quantity whose prior replaces its}
    likelihood: str = DEFAULT_LIKELIHOOD
    lik: dict = field(default_factory=dict)
    lik_conjugate: bool = True

    @property
    def conjugate_noise(self) -> bool:
        """The noise variance has an InverseGamma prior and the likelihood is the conjugate one, so the noise
        can be integrated out exactly."""
        return self.lik_conjugate and self.noise[0] == "sigma_sq" and self.noise[1].dist == "InverseGamma"

    @property
    def names(self) -> list[str]:
        """The posterior's variables: the curve parameters, ``sigma`` and the likelihood's own."""
        return [*self.params, "sigma", *self.lik]

    def items(self) -> dict[str, Prior]:
        """Every stated prior by name (parameters not replaced, the noise, derived quantities, the
        likelihood's own parameters)."""
        out = {k: v for k, v in self.params.items() if k not in self.replaced}
        return {**out, self.noise[0]: self.noise[1], **self.derived, **self.lik}

    def to_dict(self) -> dict:
        return {k: v.to_dict() for k, v in self.items().items()}

    def key(self) -> str:
        """A stable text key of these priors (the compiled-model cache uses it)."""
        import json

        return json.dumps({**self.to_dict(), "likelihood": self.likelihood}, sort_keys=True)


class Priors:
    """What a fit assumes: per-law parameter priors (overrides of the laws' defaults), the laws' prior
    probabilities in the averaged forecast and the prior of the discrepancy ``kappa``.

    Built from the ``priors=`` argument of :func:`bayes_scaling.fit`: a dict of law name to
    ``{parameter: Prior}``, with the optional keys ``"law_probs"`` (``{law: probability}``, default
    equal) and ``"discrepancy"`` (a :class:`Prior` on ``kappa`` >= 0, default
    :data:`DEFAULT_DISCREPANCY`).

    Examples
    --------
    >>> import bayes_scaling as bs
    >>> p = bs.Priors({"saturation": {"floor": bs.Prior("Normal", mu=108, sigma=1)},
    ...                "law_probs": {"power": 0.2, "saturation": 0.4, "exp_decay": 0.4}})
    >>> p.for_law(bs.get_law("saturation")).derived["floor"]
    Prior('Normal', mu=108, sigma=1)
    >>> bs.Priors.from_dict(p.to_dict()).to_dict() == p.to_dict()
    True
    """

    def __init__(self, spec: Mapping | None = None, *, name: str = "", provenance: str = "", kind: str | None = None):
        if spec is not None and not isinstance(spec, Mapping):
            raise ArgumentError(f"priors must be a dict (law name -> {{parameter: bs.Prior}}), got "
                                f"{type(spec).__name__}")
        spec = dict(spec or {})
        self.name, self.provenance = str(name), str(provenance)
        #: the kind of curve these priors were learned from (:mod:`bayes_scaling.kinds`), if one
        self.kind = None if kind is None else get_kind(kind).name
        self.laws: dict[str, dict[str, Prior]] = {}
        for key, value in spec.items():
            if key in _SPECIAL:
                continue
            if not isinstance(value, Mapping):
                raise ArgumentError(f"priors[{key!r}] must be a dict of parameter name to bs.Prior, got "
                                    f"{type(value).__name__} (the special keys are {', '.join(_SPECIAL)})")
            clean = {}
            for pname, prior in value.items():
                prior = Prior.from_dict(prior) if isinstance(prior, Mapping) else prior
                if not isinstance(prior, Prior):
                    raise ArgumentError(f"priors[{key!r}][{pname!r}] must be a bs.Prior, got {prior!r}")
                clean[str(pname)] = prior
            self.laws[str(key)] = clean
        self.law_probs = self._law_probs(spec.get("law_probs"))
        disc = spec.get("discrepancy")
        disc = Prior.from_dict(disc) if isinstance(disc, Mapping) else disc
        if disc is not None:
            if not isinstance(disc, Prior):
                raise ArgumentError(f"priors['discrepancy'] must be a bs.Prior on kappa >= 0, got {disc!r}")
            lo, _ = disc.support()
            if lo < 0:
                raise ArgumentError(f"priors['discrepancy'] must put its mass on kappa >= 0 (e.g. HalfCauchy, "
                                    f"HalfNormal, Gamma), got {disc!r}")
        self.discrepancy = disc
        lik = spec.get("likelihood", DEFAULT_LIKELIHOOD)
        if not isinstance(lik, str) or not lik.isidentifier():
            raise ArgumentError(f"priors['likelihood'] must be the name of a likelihood (e.g. 'student_t'), got "
                                f"{lik!r}")
        self.likelihood = lik

    def with_likelihood(self, likelihood: str | None) -> Priors:
        """These priors with another likelihood (None keeps this one)."""
        if likelihood is None or likelihood == self.likelihood:
            return self
        return Priors.from_dict({**self.to_dict(), "likelihood": likelihood})

    def check(self, registry: Mapping, fitted=None) -> Priors:
        """Check every law name against ``registry`` (name -> Law) and every prior against its law;
        with ``fitted`` (law names), also that each named law is fitted. Returns ``self``."""
        names = [*self.laws, *(self.law_probs or {})]
        for key in names:
            if key not in registry:
                raise ArgumentError(f"priors: unknown law {key!r}; registered laws are {', '.join(registry)} "
                                    f"(and the keys {', '.join(_SPECIAL)})")
        if fitted is not None:
            fitted = list(fitted)
            extra = [k for k in self.laws if k not in fitted]
            if extra:
                raise ArgumentError(f"priors name the law(s) {extra}, which are not fitted; fitted laws: "
                                    f"{', '.join(fitted)}")
            if self.law_probs is not None:
                self.law_prob([registry[k] for k in fitted])
        for key in self.laws:
            self.for_law(registry[key])
        return self

    @staticmethod
    def _law_probs(probs) -> dict[str, float] | None:
        if probs is None:
            return None
        if not isinstance(probs, Mapping) or not probs:
            raise ArgumentError(f"priors['law_probs'] must be a dict of law name to probability, got {probs!r}")
        out = {}
        for k, v in probs.items():
            if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) \
                    or not (math.isfinite(v) and v >= 0):
                raise ArgumentError(f"priors['law_probs'][{k!r}] must be a finite number >= 0, got {v!r}")
            out[k] = float(v)
        if sum(out.values()) <= 0:
            raise ArgumentError("priors['law_probs'] must give some law a positive probability")
        return out

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        return f"<Priors{label}: {self.to_dict()}>"

    def __eq__(self, other) -> bool:
        return isinstance(other, Priors) and self.to_dict() == other.to_dict()

    def for_law(self, law) -> LawPriors:
        """The priors of ``law`` (a :class:`~bayes_scaling.laws.Law`): its defaults with this
        object's overrides merged over them."""
        return law.resolve_priors(self.laws.get(law.name, {}), likelihood=self.likelihood)

    def law_prob(self, laws) -> dict[str, float]:
        """Prior probabilities of the fitted ``laws`` (:class:`~bayes_scaling.laws.Law` objects), by name,
        normalised over them: ``law_probs`` where given, else each law's default ``prior_prob``."""
        laws = list(laws)
        if self.law_probs is None:
            total = sum(law.prior_prob for law in laws)
            return {law.name: law.prior_prob / total for law in laws}
        names = [law.name for law in laws]
        missing = [k for k in names if k not in self.law_probs]
        if missing:
            raise ArgumentError(f"priors['law_probs'] gives no probability for the fitted law(s) {missing}")
        total = sum(self.law_probs[k] for k in names)
        if total <= 0:
            raise ArgumentError("priors['law_probs'] gives every fitted law probability 0")
        return {k: self.law_probs[k] / total for k in names}

    def only(self, laws) -> Priors:
        """These priors for the laws ``laws`` alone (a preset learned for more laws applied to fewer)."""
        laws = list(laws)
        d = self.to_dict()
        d = {k: v for k, v in d.items() if k in _SPECIAL or k in ("name", "provenance", "kind") or k in laws}
        if "law_probs" in d:
            d["law_probs"] = {k: v for k, v in d["law_probs"].items() if k in laws} or None
            if d["law_probs"] is None or sum(d["law_probs"].values()) <= 0:
                d.pop("law_probs")
        return Priors.from_dict(d)

    def discrepancy_prior(self) -> Prior:
        return self.discrepancy if self.discrepancy is not None else DEFAULT_DISCREPANCY

    def to_dict(self) -> dict:
        """Plain JSON: law overrides, ``law_probs``, ``discrepancy``, ``likelihood`` (where not the default) and
        ``name``/``provenance``/``kind``."""
        out: dict = {k: {p: v.to_dict() for p, v in d.items()} for k, d in self.laws.items()}
        if self.law_probs is not None:
            out["law_probs"] = dict(self.law_probs)
        if self.discrepancy is not None:
            out["discrepancy"] = self.discrepancy.to_dict()
        if self.likelihood != DEFAULT_LIKELIHOOD:  # the default is left out: files of earlier versions stay equal
            out["likelihood"] = self.likelihood
        if self.name:
            out["name"] = self.name
        if self.provenance:
            out["provenance"] = self.provenance
        if self.kind:
            out["kind"] = self.kind
        return out

    @classmethod
    def from_dict(cls, d: Mapping | None) -> Priors:
        d = dict(d or {})
        name, provenance, kind = d.pop("name", ""), d.pop("provenance", ""), d.pop("kind", None)
        return cls(d, name=name, provenance=provenance, kind=kind)

    def save(self, path: str | os.PathLike) -> Path:
        """Write these priors, provenance included, as JSON (:meth:`to_dict`); ``bs.fit(..., priors=path)``
        and the command line's ``--priors path`` read them back.

        Examples
        --------
        >>> import tempfile, bayes_scaling as bs
        >>> p = bs.Priors({"law_probs": {"power": 0.2, "saturation": 0.5, "exp_decay": 0.3}}, name="mine")
        >>> with tempfile.TemporaryDirectory() as d:
        ...     bs.priors.as_priors(p.save(f"{d}/mine.json")) == p
        True
        """
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=1) + "\n")
        return path

    @property
    def label(self) -> str:
        """Where priors that are not the defaults come from, in the tables: ``preset <name>`` for a shipped
        preset, the name in quotes for other named priors (e.g. learned by ``learn_priors``), else ``user``."""
        if self.name in preset_names():
            return f"preset {self.name}"
        return repr(self.name) if self.name else "user"

    def table(self, laws) -> Any:
        """Every prior of the laws ``laws`` as a tidy DataFrame: ``law, parameter, prior, source``
        (``default``, :attr:`label` for the priors given here, or ``flat: <quantity> has the prior`` for a
        replaced parameter), then the laws' prior probabilities and the discrepancy prior."""
        import pandas as pd

        rows = []
        laws = list(laws)
        mine = self.label  # where the non-default priors come from
        for law in laws:
            name = law.name
            lp = self.for_law(law)
            replaced = lp.replaced
            for pname, prior in lp.params.items():
                if pname in replaced:
                    rows.append({"law": name, "parameter": pname, "prior": "flat on its domain",
                                 "source": f"replaced by the prior on {replaced[pname]}"})
                else:
                    rows.append({"law": name, "parameter": pname, "prior": prior.describe(),
                                 "source": mine if pname in lp.user else "default"})
            rows.append({"law": name, "parameter": lp.noise[0], "prior": lp.noise[1].describe(),
                         "source": mine if lp.noise[0] in lp.user else "default"})
            for q, prior in lp.derived.items():
                rows.append({"law": name, "parameter": q, "prior": prior.describe(), "source": mine})
            for q, prior in lp.lik.items():
                rows.append({"law": name, "parameter": q, "prior": prior.describe(),
                             "source": mine if q in lp.user else f"default ({lp.likelihood})"})
        probs = self.law_prob(laws)
        for name in probs:
            rows.append({"law": name, "parameter": "law probability", "prior": f"{probs[name]:.4g}",
                         "source": "default" if self.law_probs is None else mine})
        rows.append({"law": "all", "parameter": "discrepancy kappa", "prior": self.discrepancy_prior().describe(),
                     "source": "default" if self.discrepancy is None else mine})
        return pd.DataFrame(rows)


#: the presets shipped with the package: ``presets/<name>.json`` (a :meth:`Priors.to_dict`), each with its provenance
PRESETS_DIR = Path(__file__).with_name("presets")


#: the metric each shipped preset was learned on and is calibrated for (docs/priors.md)
PRESET_METRICS = {"lm": "loss", "tabular": "error rate"}
_PERPLEXITY = re.compile(r"ppl|perplex", re.IGNORECASE)


def metric_mismatch(priors: Priors, y_name: str, y) -> str | None:
    """Why ``priors`` (a shipped preset learned on losses) do not suit this metric, or None: a metric named like
    a perplexity, or with a median above 20 (no language model's loss in nats is that high), fitted with the
    ``lm`` preset. ``benchmarks/perplexity.py`` measures what that costs: on 49 training trajectories
    forecast 8x out, 0.29 coverage of the 90% intervals fitted as perplexity, 0.86 fitted as the loss.

    Examples
    --------
    >>> from bayes_scaling.priors import metric_mismatch, preset
    >>> metric_mismatch(preset("lm"), "eval/loss", [3.2, 3.0]) is None
    True
    >>> "log" in metric_mismatch(preset("lm"), "val_ppl", [130.0, 120.0])
    True
    """
    if PRESET_METRICS.get(priors.name) != "loss":
        return None
    import numpy as np

    named = bool(_PERPLEXITY.search(str(y_name)))
    large = float(np.median(np.asarray(y, dtype=float))) > 20
    if not (named or large):
        return None
    why = "is named like a perplexity" if named else "has values above 20, which no loss in nats reaches"
    return (f"the {priors.name!r} preset was learned on language-model losses (nats), and {y_name!r} {why}: "
            "fitted as a perplexity with it, forecasts are biased and over-confident. Fit the loss instead "
            f"(the log of the perplexity: df[{y_name!r}] = np.log(df[{y_name!r}])), or use the default priors")


def preset_names() -> list[str]:
    """Names of the shipped presets (``bs.fit(..., priors="lm")``)."""
    return sorted(p.stem for p in PRESETS_DIR.glob("*.json"))


def preset(name: str) -> Priors:
    """A shipped preset by name (:func:`preset_names`); ``provenance`` says what it was learned from.

    Examples
    --------
    >>> from bayes_scaling.priors import preset, preset_names
    >>> "lm" in preset_names() and preset("lm").name == "lm"
    True
    """
    names = preset_names()
    if name not in names:
        raise ArgumentError(f"unknown prior preset {name!r}; the presets are {', '.join(names) or 'none'} (or "
                            "give the path of a .json file written by Priors.save)")
    return read_priors(PRESETS_DIR / f"{name}.json")


def read_priors(path: str | os.PathLike) -> Priors:
    """Priors from a JSON file written by :meth:`Priors.save` (e.g. by ``bayes-scaling learn-priors``)."""
    path = Path(path)
    try:
        spec = json.loads(path.read_text())
    except FileNotFoundError:
        raise ArgumentError(f"priors file {str(path)!r} not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ArgumentError(f"priors file {str(path)!r} is not a JSON file of priors: {err}") from None
    if not isinstance(spec, Mapping):
        raise ArgumentError(f"priors file {str(path)!r} holds a JSON {type(spec).__name__}, not an object of priors")
    try:
        return Priors.from_dict(spec)
    except (ArgumentError, TypeError, ValueError, KeyError) as err:
        raise ArgumentError(f"priors file {str(path)!r}: {err}") from None


def as_priors(priors) -> Priors:
    """``None``, a preset name, a JSON file (:meth:`Priors.save`), a dict or a :class:`Priors` as
    :class:`Priors`."""
    if priors is None:
        return Priors()
    if isinstance(priors, (str, os.PathLike)):
        text = os.fspath(priors)
        if not isinstance(text, str):
            raise ArgumentError(f"priors must be a preset name, a path, a dict or bs.Priors, got {priors!r}")
        if Path(text).is_file() or (text not in preset_names() and (text.endswith(".json") or os.path.sep in text)):
            return read_priors(text)  # a file (with or without .json) wins over a preset of the same name
        return preset(text)
    if isinstance(priors, Priors):
        return priors
    if isinstance(priors, Mapping):
        return Priors(priors)
    raise ArgumentError(f"priors must be a dict (law name -> {{parameter: bs.Prior}}) or bs.Priors, "
                        f"got {type(priors).__name__}")


def level_n(name: str) -> float | None:
    """``N`` of a ``"y@N"`` prior name, or None for any other name."""
    m = _LEVEL.match(name)
    if not m:
        return None
    try:
        v = float(m.group(1))
    except ValueError:
        return None
    return v if math.isfinite(v) and v > 0 else None
