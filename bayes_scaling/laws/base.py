"""The Law interface and the registry of laws.

A law is its formula (:meth:`Law.log_curve`, one expression for NumPy and PyTensor), its parameters
and their default priors. From that it builds its PyMC model (:meth:`Law.build_model`), which is how
a law without a hand-written kernel is sampled. The built-in laws also carry a numba gradient kernel
(``curve_grad`` and ``logp_source``) as an optimisation; ``tests/test_laws.py`` holds each kernel to
its law's own PyMC model.

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
  ``sigma_sq ~ InverseGamma(1, 0.02^2 log 2)`` on its square: median 2%, 95% between 0.9% and 10%,
  with a thin tail towards zero, which a handful of points cannot rule out
  and which would otherwise pinch the posterior. Conjugacy lets the sampler
  integrate sigma out and draw it exactly afterwards (see ``_kernels``).

The likelihood is the fit's (:mod:`bayes_scaling.likelihoods`): log-normal by default, ``log y_i ~
Normal(log mu(n_i), sigma)``, or Student-t on log y. A law's models take it from its
:class:`~bayes_scaling.priors.LawPriors` (``priors.likelihood``, with the priors of its own parameters).
"""

from __future__ import annotations

import importlib
import math
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ..errors import ArgumentError, NotFoundError
from ..likelihoods import get_likelihood
from ..priors import DOMAINS, LawPriors, Parameter, Prior, level_n
from . import _kernels as K

__all__ = ["FLOOR_FRAC", "LAWS", "NOISE", "SLOPE", "Y_REF", "Law", "Parameter", "Quantity", "default_laws",
           "get_law", "register"]


@dataclass(frozen=True)
class Quantity:
    """A quantity in the user's units on which a prior may be stated instead of on a parameter:
    ``value(p, xp)`` computes it from the parameters; its prior replaces that of ``replaces``."""

    name: str
    replaces: str
    value: Callable
    doc: str


#: the noise: sigma^2 ~ InverseGamma(1, 0.02^2 log 2) (median sigma 2%)
NOISE = Parameter("sigma_sq", Prior("InverseGamma", alpha=1.0, beta=0.02**2 * math.log(2)),
                  "variance of log y (sigma: relative measurement noise)")
Y_REF = Parameter("y_ref", Prior("LogNormal", mu="mean_log_y", sigma=1.0),
                  "mean curve at n_ref (geometric mean of the distinct n)")
SLOPE = Parameter("slope", Prior("LogNormal", mu=math.log(0.3), sigma=1.0),
                  "-d log y / d log n at n_ref (local exponent)")
FLOOR_FRAC = Parameter("floor_frac", Prior("Beta", alpha=1.5, beta=1.5), "floor / y_ref", domain="unit")


class Law:
    """Base class of a learning-curve law.

    A subclass sets ``name``, ``title``, ``formula``, ``parameters`` (the curve's, noise excluded)
    and ``has_floor``, and implements :meth:`log_curve` (and :meth:`derived`, the formula's own
    parameters in the user's units); that is a whole law, sampled through its PyMC model. Optional:
    ``inputs`` (a law of model size and data size, say, names both: ``("params", "n")``),
    ``min_distinct`` (fewest distinct n it is fitted to), ``order`` (its place in tables),
    ``default`` (fitted when no laws are named), ``prior_prob`` (its default prior probability among
    the laws of an averaged forecast), ``quantities`` (extra priors in the user's units)
    and a numba kernel (``curve_grad`` ``(u, theta, lm, dlm)`` and ``logp_source``, see ``power.py``; a law of
    several inputs takes them in the order of ``inputs``, ``(u, v, theta, lm, dlm)``, see ``chinchilla.py``).
    ``examples/custom_law.py`` adds a law with the public API alone.
    """

    name: ClassVar[str]
    title: ClassVar[str]
    formula: ClassVar[str]
    parameters: ClassVar[tuple[Parameter, ...]]
    #: the law's inputs: ``"n"`` is the sample count (the fit's ``x``); a law of several inputs names the
    #: others after the columns that carry them (``keep=("params",)``). ``log_curve`` then receives a dict
    #: of centred log inputs instead of one array (see :meth:`curve_inputs`)
    inputs: ClassVar[tuple[str, ...]] = ("n",)
    has_floor: ClassVar[bool] = False
    order: ClassVar[int] = 100  # position in tables (registry order)
    min_distinct: ClassVar[int] = 3
    default: ClassVar[bool] = False  # fitted when no laws are named (the built-in three set True)
    #: the law's default prior probability in the averaged forecast, before normalising over the fitted
    #: laws (``priors={"law_probs": ...}`` replaces it; docs/priors.md says where the built-in values
    #: come from): a third, as for one of three laws with nothing known, unless a law sets its own
    prior_prob: ClassVar[float] = 1 / 3
    #: a fit's first run draws this many iterations per kept draw (a law whose posterior mixes slowly sets
    #: 2: its draws are then less correlated, and the costly retry is rarely needed)
    thin: ClassVar[int] = 1
    #: the parameter that scales the whole curve (a ``y@N`` prior replaces its prior)
    level_parameter: ClassVar[str] = "y_ref"
    curve_grad: ClassVar[Any] = None
    logp_source: ClassVar[Any] = None
    _cfuncs: ClassVar[dict] = {}

    # -- description ---------------------------------------------------------
    @property
    def all_parameters(self) -> tuple[Parameter, ...]:
        return (*self.parameters, NOISE)

    @property
    def param_names(self) -> list[str]:
        """Names of the posterior variables: the curve parameters and ``sigma``."""
        return [*(p.name for p in self.parameters), "sigma"]

    @property
    def n_params(self) -> int:
        """Number of fitted parameters, noise included (the k of AIC/BIC)."""
        return len(self.parameters) + 1

    @property
    def has_kernel(self) -> bool:
        return self.curve_grad is not None and self.logp_source is not None

    def describe(self, priors: LawPriors | None = None) -> str:
        """The formula and every prior (the defaults, or ``priors``)."""
        priors = priors or self.resolve_priors({})
        replaced = priors.replaced
        lines = [f"{self.name}: {self.formula}"]
        for p in self.parameters:
            text = (f"flat ({replaced[p.name]} has the prior)" if p.name in replaced
                    else priors.params[p.name].describe())
            lines.append(f"  {p.name:<11} ~ {text:<38} {p.doc}")
        lines.append(f"  {priors.noise[0]:<11} ~ {priors.noise[1].describe():<38} {NOISE.doc}")
        for q, prior in priors.derived.items():
            lines.append(f"  {q:<11} ~ {prior.describe():<38} {self.quantity(q).doc}")
        lik = get_likelihood(priors.likelihood)
        for p in lik.parameters:
            lines.append(f"  {p.name:<11} ~ {priors.lik[p.name].describe():<38} {p.doc}")
        lines.append(f"  likelihood: {lik.formula}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Law {self.name}: {self.formula}>"

    # -- the curve -----------------------------------------------------------
    def log_curve(self, u, p: Mapping[str, Any], xp=np):
        """log of the mean curve at centred log sample counts ``u`` (for a law of several
        :attr:`inputs`: a dict of each input's centred log values).

        ``xp`` is ``numpy`` or ``pytensor.tensor``: one expression serves both.
        """
        raise NotImplementedError

    @property
    def single_input(self) -> bool:
        """The law takes the sample count alone (every law of a learning curve)."""
        return tuple(self.inputs) == ("n",)

    def curve_inputs(self, data, rows=None):
        """What :meth:`log_curve` takes for the rows of ``data`` (or for ``rows``, other rows with the same
        columns, placed relative to ``data``'s centre): ``u`` for a law of the sample count alone, else
        ``{input: centred log values}`` (:meth:`bayes_scaling.data.ScalingData.centred`)."""
        if self.single_input:
            return data.u if rows is None else data.to_u(rows.n)
        return {k: data.centred(k, rows) for k in self.inputs}

    def input_data(self, data) -> dict[str, np.ndarray]:
        """The inputs as the PyMC models' ``pm.Data`` take them: ``u``, or ``u_<input>`` for each input."""
        if self.single_input:
            return {"u": data.u}
        return {f"u_{k}": data.centred(k) for k in self.inputs}

    def _pymc_inputs(self, data, dims=None):
        import pymc as pm

        values = self.input_data(data)
        made = {k: pm.Data(k, v, dims=dims) for k, v in values.items()}
        return made["u"] if self.single_input else {k: made[f"u_{k}"] for k in self.inputs}

    def derived(self, p: Mapping[str, np.ndarray], n_ref: float) -> dict[str, np.ndarray]:
        """Parameters of the formula in the user's units (e.g. ``floor``, ``A``, ``a``)."""
        return {"floor": self.floor(p)} if self.has_floor else {}

    def floor(self, p: Mapping[str, Any]):
        """Asymptotic value of the curve as n -> infinity (None if the law has none); NumPy or PyTensor."""
        return p["floor_frac"] * p["y_ref"] if self.has_floor else None

    # -- priors --------------------------------------------------------------
    @property
    def quantities(self) -> dict[str, Quantity]:
        """Quantities in the user's units that take a prior in place of a parameter's (besides
        ``y@N``): ``floor`` for a law with a floor; laws add their own (``a``)."""
        if self.has_floor and "floor_frac" in {p.name for p in self.parameters}:
            return {"floor": Quantity("floor", "floor_frac", lambda p, xp: self.floor(p),
                                      "the floor PPL_min, in the metric's units")}
        return {}

    def quantity(self, name: str) -> Quantity:
        n = level_n(name)
        if n is not None and self.single_input and self.level_parameter in {p.name for p in self.parameters}:
            def value(p, xp, _n=n):
                return xp.exp(self.log_curve(xp.log(_n) - p["log_n_ref"], p, xp=xp))
            return Quantity(name, self.level_parameter, value, f"the mean curve at n = {n:g}, in the metric's units")
        if name in self.quantities:
            return self.quantities[name]
        raise ArgumentError(self._bad_name(name))

    def _bad_name(self, name: str) -> str:
        valid = [p.name for p in self.parameters] + ["sigma_sq", "sigma", *self.quantities, "y@N (e.g. y@3200)"]
        return f"law {self.name!r} has no parameter or quantity {name!r}; valid names: {', '.join(valid)}"

    def check_prior_name(self, name: str, likelihood: str | None = None) -> None:
        """Raise an ``ArgumentError`` listing the valid names unless ``name`` takes a prior (the
        likelihood's own parameters, ``nu`` of Student-t, included)."""
        if name in {p.name for p in self.parameters} or name in ("sigma", "sigma_sq"):
            return
        if name in get_likelihood(likelihood).param_names:
            return
        if name == "nu":
            raise ArgumentError(f"law {self.name!r}: a prior on nu needs likelihood='student_t' (the "
                                f"{get_likelihood(likelihood).name} likelihood has no nu)")
        self.quantity(name)

    def resolve_priors(self, overrides: Mapping[str, Prior], likelihood: str | None = None) -> LawPriors:
        """The defaults with ``overrides`` merged over them, checked (see :mod:`bayes_scaling.priors`), for
        the likelihood of that name (:mod:`bayes_scaling.likelihoods`; the log-normal if None)."""
        lik_model = get_likelihood(likelihood)
        params = {p.name: p.prior for p in self.parameters}
        lik = {p.name: p.prior for p in lik_model.parameters}
        noise = ("sigma_sq", NOISE.prior)
        derived = {}
        for name, prior in overrides.items():
            self.check_prior_name(name, lik_model.name)
            if name in lik:
                lik[name] = prior
            elif name in params:
                params[name] = prior
            elif name in ("sigma", "sigma_sq"):
                noise = (name, prior)
            else:
                derived[name] = prior
        if "sigma" in overrides and "sigma_sq" in overrides:
            raise ArgumentError(f"law {self.name!r}: give a prior on sigma or on sigma_sq, not both")
        taken = {}
        for q in derived:
            r = self.quantity(q).replaces
            if r in overrides:
                raise ArgumentError(f"law {self.name!r}: the prior on {q} replaces the prior on {r}; give one of them")
            if r in taken:
                raise ArgumentError(f"law {self.name!r}: the priors on {taken[r]} and {q} both replace the prior "
                                    f"on {r}; give one of them")
            taken[r] = q
        for p in self.parameters:
            prior = params[p.name]
            if prior.hierarchical and (p.domain, prior.dist) not in (("positive", "LogNormal"), ("real", "Normal")):
                raise ArgumentError(f"law {self.name!r}: the hierarchical prior {prior.describe()} on {p.name} "
                                    f"does not fit its domain ({p.domain}): pool a positive parameter with LogNormal, "
                                    "a real one with Normal")
        domains = {p.name: DOMAINS[p.domain] for p in (*self.parameters, *lik_model.parameters)}
        for name, prior in [*params.items(), noise, *lik.items()]:
            lo, hi = prior.support() if not prior.is_data_relative else (-math.inf, math.inf)
            dom = domains.get(name, (0.0, math.inf))
            if not (max(lo, dom[0]) < min(hi, dom[1])):
                raise ArgumentError(f"law {self.name!r}: the prior {prior.describe()} on {name} puts no mass on "
                                    f"its domain {dom}")
        return LawPriors(self.name, params, noise, derived, tuple(overrides), {r: q for r, q in taken.items()},
                         likelihood=lik_model.name, lik=lik, lik_conjugate=lik_model.conjugate)

    def prior_conflicts(self, priors: LawPriors, data) -> list[tuple[str, str]]:
        """Priors in the metric's units that the data contradict, checked before sampling: ``(severity,
        message)`` pairs, ``"impossible"`` (a floor prior with no mass below the smallest measurement, such as
        a perplexity-sized floor on a loss curve) or ``"conflict"`` (almost all its mass above it, and not merely
        vague: a prior whose density is as high below the measurements as anywhere, such as Uniform(0, 1e9),
        is accepted). Also a conflict: a prior the user set on an exponent with less than 1% of its mass within a
        factor 10 of the data's own log-log slope (``slope``; for ``a``, the exponent over a floor, up to at
        least 3), and a ``y@N`` prior with less than 1%
        of its mass within a factor 1.5 of the data's level at ``N`` (inside the data) or below the last
        measurements (beyond them, for a falling curve)."""
        out = self._floor_conflicts(priors, data)
        if self.single_input and data.distinct_n.size >= 3:
            out += self._slope_conflicts(priors, data) + self._level_conflicts(priors, data)
        return out

    @staticmethod
    def _mass(prior, data, lo: float, hi: float) -> float:
        dist = prior.scipy(data)
        return float(dist.cdf(hi) - dist.cdf(lo))

    def _observed_slope(self, data) -> float:
        """Minus the least-squares slope of log y on log n: the data's own exponent."""
        return -float(np.polyfit(np.log(data.n), data.log_y, 1)[0])

    def _slope_conflicts(self, priors: LawPriors, data) -> list[tuple[str, str]]:
        s_obs = self._observed_slope(data)
        if not s_obs > 0:  # a flat or rising curve: the flags speak of it
            return []
        out = []
        for name in ("slope", "a"):
            prior = priors.derived.get(name) if name in priors.derived else (
                priors.params.get(name) if name in priors.user else None)
            if prior is None or prior.hierarchical:  # a pooled prior is checked per configuration by its data
                continue
            # the exponent over a floor (a) may be far steeper than the curve's overall slope, up to about 3
            hi = s_obs * 10 if name == "slope" else max(s_obs * 10, 3.0)
            mass = self._mass(prior, data, s_obs / 10, hi)
            if mass < 0.01:
                out.append(("conflict", f"the prior {prior.describe()} on {name!r} of {self.name!r} puts {mass:.2%} "
                                        f"of its mass between {s_obs / 10:.3g} and {hi:.3g}, around the data's own "
                                        f"log-log slope {s_obs:.3g}: the prior and the data disagree; check that "
                                        "it is the exponent of this metric"))
        return out

    def _level_conflicts(self, priors: LawPriors, data) -> list[tuple[str, str]]:
        out = []
        u, ly = np.log(data.distinct_n), np.array([data.log_y[data.n == v].mean() for v in data.distinct_n])
        for name, prior in priors.derived.items():
            n = level_n(name)
            if n is None or prior.hierarchical:
                continue
            if data.n.min() <= n <= data.n.max():
                level = float(np.exp(np.interp(math.log(n), u, ly)))
                mass = self._mass(prior, data, level / 1.5, level * 1.5)
                if mass < 0.01:
                    out.append(("conflict", f"the prior {prior.describe()} on {name} puts {mass:.2%} of its mass "
                                            f"within a factor 1.5 of the data's level there, about {level:.4g}: the "
                                            "prior and the data disagree; check its units"))
            elif n > data.n.max() and ly[-1] < ly[0]:
                last = float(np.exp(ly[-1]))
                mass = self._mass(prior, data, 0.0, last * 1.05)
                if mass < 0.01:
                    out.append(("conflict", f"the prior {prior.describe()} on {name} puts {mass:.2%} of its mass "
                                            f"below the last measurements ({last:.4g}) of a falling curve: the "
                                            "prior and the data disagree; check its units"))
        return out

    def _floor_conflicts(self, priors: LawPriors, data) -> list[tuple[str, str]]:
        prior = priors.derived.get("floor")
        if prior is None:
            return []
        y_min = float(np.min(data.y))
        lo, _ = prior.support(data)
        where = (f"the prior {prior.describe()} on the floor of {self.name!r} and the smallest measurement of "
                 f"{data.y_name}, {y_min:.4g}")
        if lo >= y_min:
            return [("impossible", f"{where}: it puts no mass below it, but a floor lies below the curve (a floor "
                                   "in other units, such as a perplexity on a loss curve?)")]
        dist = prior.scipy(data)
        below = float(dist.cdf(y_min) - dist.cdf(max(lo, 0.0)))
        grid = np.linspace(max(lo, 0.0), y_min, 200)[1:]
        q = dist.ppf(np.linspace(0.001, 0.999, 999))
        with np.errstate(divide="ignore", invalid="ignore"):
            peak = float(np.nanmax(dist.pdf(q[np.isfinite(q)])))
            ratio = float(np.nanmax(dist.pdf(grid))) / peak if peak > 0 else 1.0
        if below < 1e-9 and ratio < 1e-9:
            return [("impossible", f"{where}: it puts no mass below it ({below:.1e}), but a floor lies below the "
                                   "curve (a floor in other units, such as a perplexity on a loss curve?)")]
        if below < 0.01 and ratio < 0.1:
            return [("conflict", f"{where}: {below:.2%} of its mass lies below it, so the prior and the data "
                                 "disagree and the floor will sit at the smallest measurement; check its units")]
        return []

    def kernel_priors(self, priors: LawPriors, data) -> list | None:
        """The kernel's ``(kind, p1, p2)`` per parameter, or None when the kernel cannot sample these
        priors (no kernel, a family it lacks, a prior on a derived quantity, a non-conjugate noise prior)."""
        if (not self.has_kernel or priors.derived or not priors.conjugate_noise
                or not get_likelihood(priors.likelihood).kernel):
            return None
        triples = [priors.params[p.name].kernel_triple(p.domain, data) for p in self.parameters]
        return None if any(t is None for t in triples) else triples

    def sample_prior(self, data, rng: np.random.Generator, size: int, priors: LawPriors | None = None) -> dict:
        """Independent prior draws of every parameter (constrained scale; ``sigma`` included).
        Priors on derived quantities need MCMC: :func:`bayes_scaling.sampling.sample_prior`."""
        priors = priors or self.resolve_priors({})
        if priors.derived:
            raise ArgumentError("priors on derived quantities are drawn by MCMC: "
                                "use bayes_scaling.sampling.sample_prior")
        out = {p.name: priors.params[p.name].sample(size, rng, data, DOMAINS[p.domain]) for p in self.parameters}
        v = priors.noise[1].sample(size, rng, data, (0.0, math.inf))
        out["sigma"] = np.sqrt(v) if priors.noise[0] == "sigma_sq" else v
        out.update(get_likelihood(priors.likelihood).sample_prior(priors.lik, data, rng, size))
        return out

    def log_prior(self, draws: Mapping[str, np.ndarray], data, priors: LawPriors | None = None) -> np.ndarray:
        """Log prior density of each draw, in the coordinates the model is written in (the curve
        parameters and ``sigma_sq`` or ``sigma``), Jacobians of derived priors included."""
        priors = priors or self.resolve_priors({})
        replaced = priors.replaced
        total = 0.0
        for p in self.parameters:
            if p.name not in replaced:
                total = total + priors.params[p.name].logpdf(draws[p.name], data, DOMAINS[p.domain])
        s = np.asarray(draws["sigma"], dtype=float)
        total = total + priors.noise[1].logpdf(s**2 if priors.noise[0] == "sigma_sq" else s, data)
        lik_model = get_likelihood(priors.likelihood)
        for p in lik_model.parameters:
            total = total + priors.lik[p.name].logpdf(draws[p.name], data, DOMAINS[p.domain])
        if priors.derived:
            total = total + self._derived_log_prior_np(draws, data, priors)
        return np.asarray(total, dtype=float)

    def _derived_log_prior_np(self, draws, data, priors: LawPriors) -> np.ndarray:
        """``sum log p(q) + log |det dq / d theta_replaced|`` per draw (central differences)."""
        qs = list(priors.derived)
        reps = [self.quantity(q).replaces for q in qs]
        base = {k: np.asarray(v, dtype=float) for k, v in draws.items()}
        base["log_n_ref"] = math.log(data.n_ref)

        def values(p):
            return np.stack([np.asarray(self.quantity(q).value(p, np), dtype=float) for q in qs], axis=-1)

        q0 = values(base)
        jac = np.empty((*q0.shape[:-1], len(qs), len(qs)))
        for j, r in enumerate(reps):
            h = 1e-6 * np.maximum(np.abs(base[r]), 1e-8)
            up, dn = dict(base), dict(base)
            up[r], dn[r] = base[r] + h, base[r] - h
            jac[..., :, j] = (values(up) - values(dn)) / (2 * h)[..., None]
        lp = sum(priors.derived[q].logpdf(q0[..., i], data) for i, q in enumerate(qs))
        return lp + np.log(np.abs(np.linalg.det(jac)))

    def draw_sigma(self, params: Mapping[str, np.ndarray], data, rng: np.random.Generator,
                   priors: LawPriors | None = None) -> np.ndarray:
        """Exact draws of sigma given each draw of the curve: sigma^2 ~ InvGamma(a + N/2, b + RSS/2)."""
        priors = priors or self.resolve_priors({})
        v = priors.noise[1].values(data)
        a, b = v["alpha"], v["beta"]
        p = {k.name: np.asarray(params[k.name])[:, None] for k in self.parameters}
        r2 = (data.log_y[None, :] - self.log_curve(leading_axis(self.curve_inputs(data)), p)) ** 2
        if data.weighted:  # each bin: its count times its mean's residual, plus the spread within it (tempered)
            rss = (data.weight[None, :] * r2).sum(axis=1) + data.within_ss.sum()
            return np.sqrt((b + 0.5 * rss) / rng.gamma(a + 0.5 * data.row_dof.sum(), 1.0, rss.size))
        rss = r2.sum(axis=1)
        return np.sqrt((b + 0.5 * rss) / rng.gamma(a + 0.5 * data.n_obs, 1.0, rss.size))

    # -- the kernel (optional) -----------------------------------------------
    def user_data(self, data, priors: LawPriors | None = None) -> np.ndarray:
        priors = priors or self.resolve_priors({})
        triples = self.kernel_priors(priors, data)
        if triples is None:
            raise ArgumentError(f"law {self.name!r} cannot be sampled by its kernel with these priors")
        v = priors.noise[1].values(data)
        u = data.u if self.single_input else data.centred(self.inputs[0])
        extra = [data.centred(k) for k in self.inputs[1:]]
        return K.pack(triples, (v["alpha"], v["beta"]), u, data.log_y, data.weight, float(data.within_ss.sum()),
                      float(data.row_dof.sum()), extra=extra)

    def initial_point(self, data, priors: LawPriors | None = None) -> np.ndarray:
        """A central unconstrained starting point for the kernel."""
        priors = priors or self.resolve_priors({})
        out = []
        for kind, a, b in self.kernel_priors(priors, data):
            out.append(float(np.log(a / b)) if kind == K.BETA else a)
        return np.array(out)

    def logp_cfunc(self):
        """nutpie's log-density callback for this law's kernel (compiled once, cached on disk)."""
        key = type(self)
        if key not in Law._cfuncs:
            Law._cfuncs[key] = K.compile_cfunc(type(self).logp_source, K.LOGP_SIG)
        return Law._cfuncs[key]

    def log_density(self, z, data, priors: LawPriors | None = None) -> tuple[float, np.ndarray]:
        """Log posterior density of the curve parameters (sigma integrated out, up to the
        evidence) and its gradient at unconstrained ``z``, by the kernel."""
        return K.log_density(type(self).curve_grad, z, self.user_data(data, priors), n_extra=len(self.inputs) - 1)

    # -- PyMC ----------------------------------------------------------------
    def _pymc_parameters(self, priors: LawPriors, mean_log_y, log_n_ref, grouped: bool = False):
        """The curve parameters as PyMC variables, and the log prior of derived quantities (with
        the Jacobian) as a PyTensor scalar (0 without them). ``grouped``: one value per configuration (dimension
        ``group``): a hierarchical prior pools them (:attr:`bayes_scaling.priors.Prior.hierarchical`), any other
        prior is each configuration's own (``mean_log_y``: one per configuration)."""
        import pymc as pm
        import pytensor.tensor as pt

        replaced = priors.replaced
        params = {}
        for p in self.parameters:
            prior = priors.params[p.name]
            if p.name in replaced:  # flat on its domain: the derived quantity carries the prior
                params[p.name] = {"unit": lambda n: pm.Uniform(n, 0.0, 1.0), "positive": pm.HalfFlat,
                                  "real": pm.Flat}[p.domain](p.name)
            elif prior.hierarchical and not grouped:
                raise ArgumentError(f"law {self.name!r}: the hierarchical prior {prior.describe()} on {p.name} pools "
                                    "configurations: fit with group=... and pooling='partial'")
            else:
                params[p.name] = prior.pymc(p.name, DOMAINS[p.domain], dims="group" if grouped else None,
                                            mean_log_y=mean_log_y)
        extra = pt.as_tensor_variable(0.0)
        if priors.derived:
            qs = list(priors.derived)
            env = {**params, "log_n_ref": log_n_ref}
            values = [self.quantity(q).value(env, pt) for q in qs]
            reps = [params[self.quantity(q).replaces] for q in qs]
            rows = [pt.stack(pt.grad(v, reps, disconnected_inputs="ignore")) for v in values]
            jac = pt.stack(rows)
            logdet = pt.log(pt.abs(pt.linalg.det(jac))) if len(qs) > 1 else pt.log(pt.abs(jac[0, 0]))
            extra = logdet + sum(priors.derived[q].pymc_logp(v, mean_log_y=mean_log_y) for q, v in zip(qs, values,
                                                                                                        strict=True))
        return params, extra

    def _pymc_noise(self, priors: LawPriors, mean_log_y):
        import pymc as pm

        name, prior = priors.noise
        if name == "sigma_sq":
            return pm.Deterministic("sigma", pm.math.sqrt(prior.pymc("sigma_sq", (0.0, math.inf),
                                                                      mean_log_y=mean_log_y)))
        return prior.pymc("sigma", (0.0, math.inf), mean_log_y=mean_log_y)

    def _pymc_likelihood_parameters(self, priors: LawPriors, mean_log_y):
        """The likelihood's own parameters (``nu`` of Student-t) as PyMC variables."""
        lik = get_likelihood(priors.likelihood)
        return {p.name: priors.lik[p.name].pymc(p.name, DOMAINS[p.domain], mean_log_y=mean_log_y)
                for p in lik.parameters}

    def model(self, data, priors: LawPriors | None = None, *, sampling: bool = False, coords: dict | None = None):
        """The law's PyMC model: its one builder, for every use.

        Parameters
        ----------
        data : ScalingData, or dict of str to ScalingData
            The curve; or several configurations' curves for a joint model over them (dimension ``group``):
            each configuration's parameters get its own prior, except those whose prior is hierarchical
            (:attr:`bayes_scaling.priors.Prior.hierarchical`), which are pooled; the noise (and the
            likelihood's own parameters) are shared. :mod:`bayes_scaling.pooling` samples it.
        priors : LawPriors, optional
            The law's priors, with the likelihood (:mod:`bayes_scaling.likelihoods`); its defaults if None.
        sampling : bool
            False (default): the model to inspect and test, ``sigma`` explicit, the likelihood on the
            observations (``y``; ``log_y`` for a joint model) and ``log_mu`` as a deterministic. True: the model
            :mod:`bayes_scaling.sampling` compiles once and reuses for any data: every datum enters through
            ``pm.Data`` (``u`` or ``u_<input>``, ``log_y``, ``row_weight``, ``within_ss``, ``n_eff``,
            ``mean_log_y``, ``log_n_ref``, and ``lik_weight``, 0 for prior draws), and with the log-normal
            likelihood and an InverseGamma prior on ``sigma_sq`` the noise is integrated out (as in the kernels)
            and drawn exactly afterwards (:meth:`draw_sigma`).
        coords : dict, optional
            Extra coordinates of the model (not with ``sampling``).

        Examples
        --------
        >>> import bayes_scaling as bs
        >>> from bayes_scaling.data import as_scaling_data
        >>> d = as_scaling_data(bs.load_example(), x="samples", y="val_ppl")
        >>> m = bs.get_law("power").model(d)
        >>> sorted(v.name for v in m.free_RVs)
        ['sigma_sq', 'slope', 'y_ref']
        """
        import pymc as pm
        import pytensor.tensor as pt

        priors = priors or self.resolve_priors({})
        lik = get_likelihood(priors.likelihood)
        grouped = isinstance(data, Mapping)
        parts = list(data.values()) if grouped else [data]
        for d in parts:
            lik.check_rows(d)
        if grouped:
            if priors.derived:
                raise ArgumentError(f"partial pooling takes priors on the parameters of {self.name!r}, not on "
                                    f"{', '.join(priors.derived)}; fit with pooling='none' for those")
            if not (priors.noise[0] == "sigma_sq" and priors.noise[1].dist == "InverseGamma"):
                raise ArgumentError("partial pooling takes the noise prior on sigma_sq as InverseGamma")
            if any(d.weighted for d in parts):  # the joint model has no per-bin statistics or weights
                raise ArgumentError("partial pooling takes curves that are neither binned nor tempered")
        n_obs = sum(d.n_obs for d in parts)
        base = {"obs": np.arange(n_obs), **({"group": list(data)} if grouped else {}), **(coords or {})}
        with pm.Model(coords=None if sampling else base) as model:
            if grouped:  # each configuration on its own centred scale, one parameter value per configuration
                inputs = [self.curve_inputs(d) for d in parts]
                u = (np.concatenate(inputs) if self.single_input
                     else {k: np.concatenate([i[k] for i in inputs]) for k in self.inputs})
                log_y = np.concatenate([d.log_y for d in parts])
                gi = np.concatenate([np.full(d.n_obs, i) for i, d in enumerate(parts)])
                mean_log_y = pm.Data("mean_log_y", np.array([d.log_y_center for d in parts]), dims="group")
                log_n_ref = None
            elif sampling:
                u = self._pymc_inputs(data)
                log_y = pm.Data("log_y", data.log_y)
                row_weight = pm.Data("row_weight", data.weight)
                within_ss = pm.Data("within_ss", float(data.within_ss.sum()))
                n_eff = pm.Data("n_eff", float(data.row_dof.sum()))
                mean_log_y = pm.Data("mean_log_y", data.log_y_center)
                log_n_ref = pm.Data("log_n_ref", math.log(data.n_ref))
                weight = pm.Data("lik_weight", 1.0)
            else:
                u = self._pymc_inputs(data, dims="obs")
                log_y, mean_log_y, log_n_ref = data.log_y, data.log_y_center, math.log(data.n_ref)
            params, extra = self._pymc_parameters(priors, mean_log_y, log_n_ref, grouped=grouped)
            if grouped:
                params = {k: v[gi] for k, v in params.items()}
            if priors.derived:
                pm.Potential("derived_prior", extra)
            if sampling and priors.conjugate_noise:
                log_mu = self.log_curve(u, params, xp=pm.math)
                v = priors.noise[1].values(data)
                a, b = v["alpha"], v["beta"]
                rss = pt.sum(row_weight * (log_y - log_mu) ** 2) + within_ss
                a_post, b_post = a + 0.5 * n_eff, b + 0.5 * rss
                pm.Potential("log_lik", weight * (-0.5 * n_eff * math.log(2 * math.pi) + a * math.log(b)
                                                  - math.lgamma(a) + pt.gammaln(a_post) - a_post * pt.log(b_post)))
                return model
            if sampling:
                log_mu = self.log_curve(u, params, xp=pm.math)
            sigma = self._pymc_noise(priors, None if grouped else mean_log_y)
            lik_params = self._pymc_likelihood_parameters(priors, None if grouped else mean_log_y)
            if sampling:  # the data's own log-likelihood (log y's: no Jacobian), weighted for prior draws
                binned = (row_weight, within_ss, n_eff) if lik.binning else ()
                pm.Potential("log_lik", weight * lik.pymc_log_lik(log_y, log_mu, sigma, lik_params, *binned,
                                                                  jacobian=False))
                return model
            log_mu = self.log_curve(u, params, xp=pm.math)
            if grouped:
                if lik.name == "lognormal":
                    pm.Normal("log_y", mu=log_mu, sigma=sigma, observed=log_y, dims="obs")
                else:  # one noise model for every configuration, as sigma is shared
                    pm.Potential("log_y", lik.pymc_log_lik(log_y, log_mu, sigma, lik_params, jacobian=False))
                return model
            pm.Deterministic("log_mu", log_mu, dims="obs")
            if data.weighted:  # the likelihood of the measurements each bin stands for (tempered)
                pm.Potential("y", lik.pymc_log_lik(data.log_y, log_mu, sigma, lik_params, data.weight,
                                                   data.within_ss.sum(), data.row_dof.sum()))
            elif lik.name == "lognormal":
                pm.LogNormal("y", mu=log_mu, sigma=sigma, observed=data.y, dims="obs")
            else:
                pm.Potential("y", lik.pymc_log_lik(data.log_y, log_mu, sigma, lik_params))
        return model

    def build_model(self, data, priors: LawPriors | None = None, coords: dict | None = None):
        """The law as a ``pymc.Model``, ``sigma`` explicit: :meth:`model` (the one builder)."""
        return self.model(data, priors, coords=coords)

    def sampling_model(self, data, priors: LawPriors | None = None):
        """The model :mod:`bayes_scaling.sampling` compiles once: :meth:`model` with ``sampling=True``."""
        return self.model(data, priors, sampling=True)


def leading_axis(u):
    """``u`` (an array, or a dict of arrays for a law of several inputs) with a leading axis of length 1,
    to broadcast against draws."""
    return {k: np.asarray(v)[None, :] for k, v in u.items()} if isinstance(u, Mapping) else np.asarray(u)[None, :]


LAWS: dict[str, Law] = {}


def register(law_cls: type[Law]) -> type[Law]:
    """Class decorator: add a law to the registry under ``law_cls.name``."""
    name = getattr(law_cls, "name", None)
    if not isinstance(name, str) or not name.isidentifier() or name in ("law_probs", "discrepancy", "averaged",
                                                                        "best", "all"):
        raise ArgumentError(f"a law needs a name that is a Python identifier and not a reserved word, got {name!r}")
    for attr in ("formula", "parameters"):
        if not hasattr(law_cls, attr):
            raise ArgumentError(f"law {name!r} must define {attr!r}")
    if law_cls.log_curve is Law.log_curve:
        raise ArgumentError(f"law {name!r} must implement log_curve(u, p, xp)")
    inputs = getattr(law_cls, "inputs", ("n",))
    if (not isinstance(inputs, tuple) or not inputs or len(set(inputs)) != len(inputs)
            or not all(isinstance(k, str) and k.isidentifier() for k in inputs)):
        raise ArgumentError(f"law {name!r}: inputs must be a tuple of distinct names (\"n\", the sample count, or "
                            f"the names of the columns that carry the others), got {inputs!r}")
    LAWS[name] = law_cls()
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
    except (KeyError, TypeError):
        raise NotFoundError(f"unknown law {name!r}; registered laws: {', '.join(LAWS)}") from None


def _discover() -> None:
    """Import every module of this package, so that a new law is one new file."""
    from .. import laws as pkg

    for info in pkgutil.iter_modules(pkg.__path__):
        if not info.name.startswith("_") and info.name != "base":
            importlib.import_module(f"{pkg.__name__}.{info.name}")
