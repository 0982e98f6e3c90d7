"""Sampling: compiled laws, NUTS through nutpie, convergence checks and one retry.

Two ways to a log density, chosen per law and priors by :func:`sample_law`:

* the law's numba kernel (the built-in laws, with priors of the kernel's families): a ``cfunc``
  compiled once per process and cached on disk by numba; the data travel in a user-data array;
* otherwise the law's PyMC model (:meth:`~bayes_scaling.laws.Law.sampling_model`), compiled once
  per (law, priors) by nutpie; the data enter through ``pm.Data`` and ``with_data``.

Either way a refit on new data of any length reuses the compiled code: the fast path for
refits, backtests and exact LOO.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .checks import check_bool, check_choice, check_int, check_sampler_options
from .densities import bisect
from .errors import ArgumentError, ConvergenceWarning
from .laws import get_law
from .laws._kernels import EXPAND_SIG
from .likelihoods import get_likelihood

__all__ = ["Diagnostics", "SamplerOptions", "compiled_law", "sample_law", "stop_sampling"]

#: convergence thresholds (Vehtari et al. 2021): r_hat and bulk/tail ESS per chain
R_HAT_MAX = 1.01
ESS_PER_CHAIN = 100


@dataclass(frozen=True)
class SamplerOptions:
    """Options passed to NUTS.

    ``target_accept`` is above nutpie's 0.8: these posteriors are small but curved and
    divergences are not acceptable. 500 tuning steps suffice for nutpie's adaptation on
    these 2-4 dimensional posteriors (``docs/benchmarks.md``, settings)."""

    draws: int = 1000
    tune: int = 500
    chains: int = 4
    target_accept: float = 0.9
    adaptation: str = "low_rank"
    cores: int | None = None
    progressbar: bool = False
    retry: bool = True
    #: run ``thin`` times the draws and keep every ``thin``-th (set by the retry of a slowly mixing fit, and
    #: for the checked fits of a law that sets its own ``Law.thin``)
    thin: int = 1

    def __post_init__(self):
        values = check_sampler_options(self.draws, self.tune, self.chains, self.target_accept, self.cores)
        for name, v in zip(("draws", "tune", "chains", "target_accept", "cores"), values, strict=True):
            object.__setattr__(self, name, v)
        check_bool(self.progressbar, "progressbar")
        check_bool(self.retry, "retry")
        object.__setattr__(self, "thin", check_int(self.thin, "thin"))

    def stricter(self, diag: Diagnostics | None = None) -> SamplerOptions:
        """Settings for the one retry of a fit whose diagnostics ``diag`` failed: twice the tuning,
        smaller steps (``target_accept`` 0.99: longer chains on a curved posterior otherwise meet
        divergences the first run was lucky to miss), and, where the effective sample size fell short
        or r_hat is high (slow mixing: the ridges of a floor or stretch the data barely inform), longer
        chains: ``thin`` times the draws with every ``thin``-th kept, ``thin`` from how far the ESS fell
        short (at least 2, 4 for r_hat, at most 8). The kept draws have the shape asked for, so nothing
        downstream changes.
        """
        target = max(self.target_accept, 0.99)
        thin = 1
        if diag is not None and not diag.mixed:
            need = ESS_PER_CHAIN * self.chains
            short = max(min(diag.ess_bulk_min, diag.ess_tail_min), 1.0) if np.isfinite(diag.ess_bulk_min) else 1.0
            floor = 4 if not diag.r_hat_ok else 2
            thin = int(np.clip(np.ceil(2.0 * need / short), floor, MAX_THIN))
        return dataclasses.replace(self, target_accept=target, tune=2 * self.tune, thin=max(self.thin, thin))


#: the longest retry: eight times the draws, thinned back
MAX_THIN = 8


@dataclass(frozen=True)
class Diagnostics:
    """Convergence figures of one posterior."""

    divergences: int
    r_hat_max: float
    ess_bulk_min: float
    ess_tail_min: float
    n_draws: int
    chains: int
    retried: bool = False
    table: Any = field(default=None, repr=False, compare=False)

    @property
    def r_hat_ok(self) -> bool:
        return bool(np.isfinite(self.r_hat_max) and self.r_hat_max <= R_HAT_MAX)

    @property
    def mixed(self) -> bool:
        """r_hat and both ESS meet the bar (divergences aside)."""
        need = ESS_PER_CHAIN * self.chains
        return bool(self.r_hat_ok and self.ess_bulk_min >= need and self.ess_tail_min >= need)

    @property
    def converged(self) -> bool:
        return bool(self.divergences == 0 and self.mixed)

    def problems(self) -> list[str]:
        out = []
        if self.divergences:
            out.append(f"{self.divergences} divergent transitions")
        if not (np.isfinite(self.r_hat_max) and self.r_hat_max <= R_HAT_MAX):
            out.append(f"r_hat {self.r_hat_max:.3f} > {R_HAT_MAX}")
        need = ESS_PER_CHAIN * self.chains
        if self.ess_bulk_min < need or self.ess_tail_min < need:
            out.append(f"ESS {min(self.ess_bulk_min, self.ess_tail_min):.0f} < {need}")
        return out


_NUTPIE_LOCK = threading.Lock()


@functools.cache
def _nutpie():
    """Import nutpie without paying for the full ``arviz`` namespace.

    ``nutpie.sample`` imports ``arviz`` (arviz_plots and matplotlib with it, ~1 s) only to
    convert traces, which we never ask it to do: we read its raw Arrow trace. If nothing
    has imported ``arviz`` yet, nutpie is imported with a stand-in module in
    ``sys.modules`` that forwards every attribute to the real ``arviz`` on first use; the
    stand-in is removed right after, so anyone else's ``import arviz`` gets the real one.
    """
    import importlib
    import sys
    import types

    class _ArvizOnDemand(types.ModuleType):
        def __getattr__(self, name):
            if name.startswith("__"):
                raise AttributeError(name)
            return getattr(importlib.import_module("arviz"), name)

    with _NUTPIE_LOCK:
        standin = "arviz" not in sys.modules and "nutpie" not in sys.modules
        if standin:
            sys.modules["arviz"] = _ArvizOnDemand("arviz")
        try:
            import nutpie
            import nutpie.sample
        finally:
            if standin:
                del sys.modules["arviz"]
    return nutpie


@functools.cache
def _model_class():
    """nutpie's ``CompiledModel`` for our raw callbacks (built once; nutpie is imported lazily).

    It mirrors nutpie's own PyMC model class: a log-density and an expand callback at
    C addresses, both reading the same user-data array.
    """
    _nutpie()
    from nutpie import _lib
    from nutpie.sample import CompiledModel

    @dataclass(frozen=True)
    class NutpieModel(CompiledModel):
        names: tuple[str, ...] = ()
        logp_address: int = 0
        expand_address: int = 0
        user_data: Any = None  # float64 array; kept alive by this object while nutpie samples
        init: Any = None

        @property
        def n_dim(self):
            return len(self.names)

        @property
        def shapes(self):
            return {n: () for n in self.names}

        @property
        def coords(self):
            return {}

        def _make_sampler(self, settings, init_mean, cores, progress_type, *rest):
            return _lib.PySampler.from_pymc(settings, cores, self._make_model(init_mean), progress_type, *rest)

        def _make_model(self, init_mean):
            dim, init, address = self.n_dim, self.init, self.user_data.ctypes.data

            def initial_point(seed):
                return init + np.random.default_rng(seed).uniform(-0.5, 0.5, dim)

            return _lib.PyMcModel(
                _lib.LogpFunc(self.logp_address, address, self),
                _lib.ExpandFunc(dim, dim, self.expand_address, address, self),
                _lib.PyVariable.new_variables(list(self.names), ["float64"] * dim, [()] * dim, {}, {}),
                dim, {}, {}, initial_point, None,
            )

    return NutpieModel


@dataclass(frozen=True)
class _CompiledLaw:
    """A law's compiled callbacks; ``model(data)`` binds data without recompiling."""

    law: Any
    logp: Any
    expand: Any

    def model(self, data, priors):
        return _model_class()(
            dims={}, names=tuple(p.name for p in self.law.parameters), logp_address=self.logp.address,
            expand_address=self.expand.address, user_data=self.law.user_data(data, priors),
            init=self.law.initial_point(data, priors),
        )


@dataclass
class _PymcLaw:
    """A law's PyMC sampling model compiled by nutpie for one set of priors; ``model(data)`` binds
    data through ``with_data`` (no recompilation)."""

    law: Any
    priors: Any
    pymc_model: Any
    compiled: Any
    names: tuple
    lock: Any = field(default_factory=threading.Lock)

    def model(self, data, weight: float = 1.0):
        import math

        import pymc as pm

        values = {**self.law.input_data(data), "log_y": data.log_y, "row_weight": data.weight,
                  "within_ss": float(data.within_ss.sum()), "n_eff": float(data.row_dof.sum()),
                  "mean_log_y": data.log_y_center, "log_n_ref": math.log(data.n_ref), "lik_weight": float(weight)}
        with self.lock:  # the initial point is PyMC's, evaluated at this data
            with self.pymc_model:
                pm.set_data(values)
            init = np.asarray(self.compiled.initial_point_func(0), dtype=float)

        def initial_point(seed):
            return init + np.random.default_rng(seed).uniform(-0.5, 0.5, init.size)

        used = {var.name for var in self.compiled.shared_var_keys}  # PyTensor drops data a model does not use
        bound = self.compiled.with_data(**{k: v for k, v in values.items() if k in used})
        return dataclasses.replace(bound, initial_point_func=initial_point)


_PYMC: dict[tuple, _PymcLaw] = {}
_PYMC_LOCK = threading.Lock()


def pymc_law(law, priors) -> _PymcLaw:
    """The law's PyMC sampling model compiled by nutpie for these priors, once per process."""
    key = (type(law), priors.key())
    with _PYMC_LOCK:
        if key not in _PYMC:
            from .data import ScalingData

            nutpie = _nutpie()
            grid = np.array([1.0, 2.0, 4.0])  # any values: the compiled model takes the data through pm.Data
            dummy = ScalingData(n=grid, y=np.array([3.0, 2.0, 1.5]),
                                extra={k: grid.copy() for k in law.inputs if k != "n"})
            model = law.sampling_model(dummy, priors)
            names = tuple(p.name for p in law.parameters) + (() if priors.conjugate_noise else ("sigma", *priors.lik))
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", category=FutureWarning)
                compiled = nutpie.compile_pymc_model(model, var_names=list(names))
            _PYMC[key] = _PymcLaw(law, priors, model, compiled, names)
        return _PYMC[key]


def uses_kernel(law, priors, data) -> bool:
    """Whether ``law`` with ``priors`` is sampled by its numba kernel (else by its PyMC model)."""
    return law.kernel_priors(priors, data) is not None


_EXPAND = None
_COMPILED: dict[str, _CompiledLaw] = {}


def compiled_law(law) -> _CompiledLaw:
    """The compiled callbacks of a law, built once per process."""
    global _EXPAND
    law = get_law(law)
    if law.name not in _COMPILED:
        if _EXPAND is None:
            from .laws import _kernels

            _EXPAND = _kernels.compile_cfunc(_kernels.expand, EXPAND_SIG)
        _COMPILED[law.name] = _CompiledLaw(law, law.logp_cfunc(), _EXPAND)
    return _COMPILED[law.name]


def diagnose(posterior, sample_stats, retried: bool = False) -> Diagnostics:
    """r_hat (rank-normalised), bulk and tail ESS of every posterior variable, and divergences.

    The estimators are those of ``arviz_stats``, vectorised over variables
    (:mod:`bayes_scaling._convergence`).
    """
    import pandas as pd

    from . import _convergence

    names, a = _convergence.stack(posterior)
    table = pd.DataFrame({"r_hat": _convergence.rhat(a), "ess_bulk": _convergence.ess(a, "bulk"),
                          "ess_tail": _convergence.ess(a, "tail", prob=0.05)}, index=names)
    # a variable with non-finite draws has no r_hat or ESS (NaN, as a constant one): here it fails
    table.loc[~np.isfinite(a).all(axis=(0, 1)), ["r_hat", "ess_bulk", "ess_tail"]] = [np.inf, 0.0, 0.0]
    return Diagnostics(
        divergences=int(np.asarray(sample_stats["diverging"]).sum()),
        r_hat_max=float(np.nanmax(table["r_hat"].to_numpy())),
        ess_bulk_min=float(np.nanmin(table["ess_bulk"].to_numpy())),
        ess_tail_min=float(np.nanmin(table["ess_tail"].to_numpy())),
        n_draws=int(posterior.sizes["draw"]) * int(posterior.sizes["chain"]),
        chains=int(posterior.sizes["chain"]),
        retried=retried,
        table=table,
    )


#: sampler statistics kept in ``sample_stats`` (ArviZ names where they differ)
_STATS = {"diverging": "diverging", "step_size": "step_size", "n_steps": "n_steps", "depth": "tree_depth",
          "energy": "energy", "energy_error": "energy_error", "logp": "lp",
          "mean_tree_accept": "acceptance_rate", "maxdepth_reached": "reached_max_treedepth"}


#: set by :func:`stop_sampling`: every sampler that is waited on in any thread stops at its next check
_STOP = threading.Event()
_POLL_S = 0.1


def stop_sampling(stop: bool = True) -> None:
    """Ask every running sampler, in every thread, to stop (``stop=False`` lifts the request).

    Ctrl-C reaches only the main thread; ``fit_many`` calls this so that the fits in its pool stop
    within a tenth of a second instead of sampling on. A stopped sampler raises ``KeyboardInterrupt``.
    """
    (_STOP.set if stop else _STOP.clear)()


def _wait(sampler):
    """The raw trace of a running nutpie sampler; Ctrl-C (or :func:`stop_sampling`) cancels it.

    nutpie's own blocking ``sample`` answers Ctrl-C by returning the draws made so far, which
    would pass a cut-short chain off as a result; here the interrupt reaches the caller instead.
    nutpie releases the GIL while it samples, so fit_many's other threads run meanwhile.
    """
    try:
        while True:
            if _STOP.is_set():
                raise KeyboardInterrupt("sampling stopped")
            try:
                return sampler.wait(timeout=_POLL_S)
            except TimeoutError:
                continue
    except BaseException:
        sampler.cancel()
        raise


def _run(law, data, options: SamplerOptions, seed: int, priors, weight: float = 1.0, backend: str | None = None):
    """NUTS on the curve parameters, then (with the conjugate noise prior) sigma drawn exactly for
    each draw. ``weight`` multiplies the log-likelihood (0: prior draws; PyMC path only).

    nutpie's raw (Arrow) trace is read directly into xarray: the generic conversion
    costs more than sampling these small models.
    """
    import xarray as xr

    nutpie = _nutpie()
    kernel = weight == 1.0 and backend != "pymc" and uses_kernel(law, priors, data)
    if backend == "kernel" and not kernel:
        raise ArgumentError(f"law {law.name!r} cannot be sampled by a kernel with these priors")
    if kernel:
        model, names = compiled_law(law).model(data, priors), [p.name for p in law.parameters]
    else:
        entry = pymc_law(law, priors)
        model, names = entry.model(data, weight), list(entry.names)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=FutureWarning)
        sampler = nutpie.sample(
            model, draws=options.draws * options.thin, tune=options.tune, chains=options.chains,
            cores=options.cores, seed=seed, save_warmup=False, progress_bar=options.progressbar,
            adaptation=options.adaptation, target_accept=options.target_accept, return_raw_trace=True,
            blocking=False,
        )
    raw = _wait(sampler)
    draw_batches, stat_batches = raw.get_arrow_trace()
    keep = [~np.asarray(st.column("tuning").to_numpy(), dtype=bool) for st in stat_batches]

    def stack(batches, column, thin=options.thin):
        pairs = zip(batches, keep, strict=True)
        full = np.stack([np.asarray(b.column(column).to_numpy())[k] for b, k in pairs])
        if thin == 1:
            return full
        if column == "diverging":  # a divergence among the dropped draws is kept: never thinned away
            return full.reshape(full.shape[0], -1, thin).any(axis=-1)
        return full[:, thin - 1::thin]

    dims = ("chain", "draw")
    coords = {"chain": np.arange(options.chains), "draw": np.arange(options.draws)}
    posterior = xr.Dataset({k: (dims, stack(draw_batches, k)) for k in names}, coords=coords)
    stats = xr.Dataset({v: (dims, stack(stat_batches, k)) for k, v in _STATS.items()}, coords=coords)
    if "sigma" not in posterior:
        flat = {k: posterior[k].to_numpy().reshape(-1) for k in names}
        if weight == 0.0:  # prior draws: sigma from its prior
            sigma = law.sample_prior(data, np.random.default_rng([seed, 1]), flat[names[0]].size,
                                     dataclasses.replace(priors, derived={}, replaced={}))["sigma"]
        else:
            sigma = law.draw_sigma(flat, data, np.random.default_rng([seed, 1]), priors)
        posterior["sigma"] = (dims, sigma.reshape(options.chains, options.draws))
    posterior.attrs["sampler"] = "kernel" if kernel else "pymc"
    return posterior, stats


def sample_law(law, data, options: SamplerOptions | None = None, seed: int = 0, warn: bool = True,
               check: bool = True, priors=None, backend: str | None = None):
    """Sample one law's posterior (with ``priors``, a :class:`~bayes_scaling.priors.LawPriors`; the
    law's defaults if None). ``backend``: ``"kernel"``, ``"pymc"`` or None (the kernel where the law
    has one that can sample these priors, else the PyMC model); ``posterior.attrs["sampler"]`` says
    which ran.

    Returns ``(posterior Dataset, sample_stats Dataset, Diagnostics)``; with ``check=False``
    (for internal refits whose draws only feed a predictive density) no diagnostics are
    computed, nothing is retried and the third item is ``None``. A checked fit of a law that sets
    ``Law.thin`` (exp_decay: 2) draws that many iterations per kept draw. When the first
    run fails a convergence check and ``options.retry`` is set, it is run once more
    with :meth:`SamplerOptions.stricter` (smaller steps after divergences, longer chains after slow
    mixing); the better of the two is kept and (with
    ``warn``) a :class:`~bayes_scaling.errors.ConvergenceWarning` says what is still wrong.
    """
    law = get_law(law)
    options = options or SamplerOptions()
    priors = priors or law.resolve_priors({})
    get_likelihood(priors.likelihood).check_rows(data)  # the compiled model was built on plain rows
    if backend is not None:
        check_choice(backend, "backend", ("kernel", "pymc"))
    if check and law.thin > options.thin:  # a slowly mixing law: its checked fits run longer chains
        options = dataclasses.replace(options, thin=law.thin)
    trace = _run(law, data, options, seed, priors, backend=backend)
    if not check:
        return trace[0], trace[1], None
    diag = diagnose(*trace)
    if not diag.converged and options.retry:
        retry_options = options.stricter(diag)
        trace2 = _run(law, data, retry_options, seed + 7919, priors, backend=backend)
        diag2 = diagnose(*trace2, retried=True)
        if diag2.converged or len(diag2.problems()) <= len(diag.problems()):
            trace, diag = trace2, diag2
        else:
            diag = dataclasses.replace(diag, retried=True)
    if not diag.converged and warn:
        retry = f" even after a retry ({_describe_retry(options, retry_options)})" if diag.retried else ""
        warnings.warn(
            f"law {law.name!r} did not converge ({'; '.join(diag.problems())}){retry}. Treat its numbers "
            "with caution: add data points, increase draws/tune, or drop this law.",
            ConvergenceWarning, stacklevel=3,
        )
    return trace[0], trace[1], diag


def _describe_retry(first: SamplerOptions, retry: SamplerOptions) -> str:
    parts = [f"tuning {retry.tune}"]
    if retry.target_accept != first.target_accept:
        parts.append(f"target_accept {retry.target_accept:g}")
    if retry.thin > first.thin:
        parts.append(f"{retry.thin}x longer chains, thinned")
    return ", ".join(parts)


def sample_prior(law, data, priors, draws: int = 1000, seed: int = 0) -> dict[str, np.ndarray]:
    """Prior draws of every parameter of ``law`` (``sigma`` included) under ``priors``.

    Independent draws where every prior is on a parameter. With a prior on one derived quantity
    (``floor``, ``a`` or ``y@N``): the other parameters from their priors, the quantity from its
    own, and the parameter it replaces solved for by bisection (the quantity is monotone in it);
    draws for which the law cannot reach the drawn quantity are rejected, which is exactly the
    restriction the model makes. With several, or where almost every draw is out of reach (a vague prior such
    as Uniform(0, 1e9) on a floor of 3), NUTS on the law's PyMC model with the likelihood switched off
    (4 chains)."""
    import math

    law = get_law(law)
    rng = np.random.default_rng(seed)
    if not priors.derived:
        return law.sample_prior(data, rng, draws, priors)

    def by_mcmc():
        options = SamplerOptions(draws=max(1, -(-draws // 4)), tune=500, chains=4, retry=False)
        post, _ = _run(law, data, options, seed, priors, weight=0.0)
        return {k: post[k].to_numpy().reshape(-1)[:draws] for k in priors.names}

    if len(priors.derived) > 1:
        return by_mcmc()
    (name, prior), = priors.derived.items()
    quantity = law.quantity(name)
    domain = next(p.domain for p in law.parameters if p.name == quantity.replaces)
    lo, hi = {"positive": (-60.0, 60.0), "unit": (-40.0, 40.0), "real": (-1e8, 1e8)}[domain]
    to_theta = {"positive": np.exp, "unit": lambda z: 1 / (1 + np.exp(-z)), "real": lambda z: z}[domain]
    plain = dataclasses.replace(priors, derived={}, replaced={})
    out = {k: np.empty(0) for k in priors.names}
    for _ in range(50):  # rejection rounds
        batch = law.sample_prior(data, rng, 2 * draws, plain)
        target = prior.sample(2 * draws, rng, data)
        env = {**batch, "log_n_ref": math.log(data.n_ref)}

        def excess(z, env=env, target=target):
            with np.errstate(all="ignore"):
                return quantity.value({**env, quantity.replaces: to_theta(z)}, np) - target

        a, b = np.full(target.size, lo), np.full(target.size, hi)
        fa, fb = excess(a), excess(b)
        ok = np.isfinite(fa) & np.isfinite(fb) & (np.sign(fa) != np.sign(fb))
        start = np.sign(fa)
        batch[quantity.replaces] = to_theta(bisect(lambda z, start=start: np.sign(excess(z)) != start, a, b, 200))
        for k in out:
            out[k] = np.concatenate([out[k], batch[k][ok]])
        if out["sigma"].size >= draws:
            break
    if out["sigma"].size < draws:  # a vague prior (Uniform(0, 1e9) on a floor of 3): mostly out of the law's
        return by_mcmc()           # reach, so drawn by NUTS on the model with the likelihood switched off
    return {k: v[:draws] for k, v in out.items()}
