"""``fit``, ``fit_many``, ``load`` and ``save``: data -> laws -> sampling -> result, and back from disk."""

from __future__ import annotations

import inspect
import os
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import io
from .checks import (
    SEED_MAX,
    check_choice,
    check_column,
    check_int,
    check_memory,
    check_names,
    check_seed,
    name_seed,
)
from .data import DENSE_ROWS, MISSING, ScalingData, as_scaling_data, bin_dense, split_groups
from .errors import ArgumentError, DataWarning
from .flags import curve_flags
from .grouped import GROUPED_FORMAT, GroupedFit
from .kinds import KINDS, get_kind, trajectory_hint
from .kinds import dependence as curve_dependence
from .laws import LAWS, default_laws, get_law
from .likelihoods import get_likelihood
from .priors import Priors, as_priors, metric_mismatch
from .result import LawFit, ScalingFit
from .sampling import SamplerOptions

__all__ = ["FitFailure", "fit", "fit_many", "load", "save"]


def fit(
    data: pd.DataFrame | str | os.PathLike | ScalingData,
    x: str = "n",
    y: str = "y",
    *,
    laws: Iterable[str] | None = None,
    draws: int = 1000,
    tune: int = 500,
    chains: int = 4,
    random_seed: int | None = None,
    progressbar: bool = False,
    target_accept: float = 0.9,
    cores: int | None = None,
    keep: Iterable[str] = (),
    group: str | None = None,
    pooling: str = "none",
    priors: Mapping | Priors | None = None,
    missing: str = "raise",
    likelihood: str | None = None,
    kind: str | None = None,
) -> ScalingFit | GroupedFit:
    """Fit learning-curve laws to a table of (sample count, metric) by NUTS.

    Parameters
    ----------
    data : DataFrame, CSV path or ScalingData
        The learning curve, one row per run; several rows at one ``x`` are replicates.
        Never modified. A dense curve (more than 1000 rows, e.g. a training log) is fitted on 400
        bins equally wide in log n that keep each bin's mean, count and spread
        (:func:`bayes_scaling.data.bin_dense`): the likelihood is that of the rows, at the cost of
        400; LOO then leaves out a bin at a time.
    x, y : str
        Column of the sample count (samples, tokens, ...) and of the metric (PPL,
        loss, error rate: any positive quantity that falls with data).
    laws : iterable of str, optional
        Registered law names (default: ``bayes_scaling.laws.default_laws()``: power, saturation,
        exp_decay; ``"mmf"`` is registered but opt-in).
    draws, tune, chains : int
        Posterior draws and tuning steps per chain, number of chains.
    random_seed : int, optional
        Seed for sampling and for every later random step (forecast noise, mixtures):
        the same seed reproduces every number. ``None`` picks one and stores it in
        ``fit.seed``.
    progressbar : bool
        Show nutpie's progress bar while sampling.
    target_accept : float
        NUTS target acceptance rate (0.9 by default; a fit that fails the convergence
        checks is re-run once at 0.99 with twice the tuning).
    cores : int, optional
        Threads for the chains (default: all cores).
    keep : iterable of str
        Extra columns to carry along (validated like ``x``), e.g. ``("tokens",)``.
    group : str, optional
        A column naming the configuration of each row (e.g. ``"blocks"``): every
        configuration is fitted and a :class:`~bayes_scaling.grouped.GroupedFit` is
        returned, whose tables carry a ``group`` column and which answers
        ``P(A < B)`` for every pair of configurations.
    pooling : {"none", "partial"}
        With ``group``: fit the configurations independently (default), or partially
        pool their exponents and share their noise level in one hierarchical model per
        law (:mod:`bayes_scaling.pooling`; helps when each configuration has few points;
        ~10-15 s of model compilation per law).
    priors : dict, Priors, str or path, optional
        A preset's name (``"lm"`` for language-model loss curves in nats: fit a perplexity through its
        log; ``"tabular"`` for learning curves of tabular classifiers:
        :func:`bayes_scaling.priors.preset_names`; each is learned from a public corpus, its
        ``provenance`` says which), the path of a ``.json`` file of priors
        (:meth:`~bayes_scaling.priors.Priors.save`, e.g. priors learned by
        :func:`bayes_scaling.learn_priors` from earlier runs), or priors over the laws'
        defaults (:mod:`bayes_scaling.priors`): ``{law: {name: bs.Prior}}``
        where ``name`` is a parameter (``y_ref``, ``slope``, ``floor_frac``, ``c``, ``sigma_sq``
        or ``sigma``) or a quantity in the user's units (``floor``, ``a``, ``y@N``), plus
        ``"law_probs"`` (the laws' prior probabilities in the averaged forecast) and
        ``"discrepancy"`` (the prior of kappa). A law whose priors its kernel cannot sample is
        sampled through its PyMC model (compiled once per process, a few seconds).
    missing : {"raise", "drop"}
        A row missing its ``x``, ``y`` (or ``keep``, ``group``) value is an error (default), or is left
        out with a ``DataWarning`` naming how many and which rows (``"drop"``: e.g. a training log
        exported with its evaluation metric logged every few hundred steps and empty in between).
    likelihood : {"lognormal", "student_t"}, optional
        The noise model around each law's curve (:mod:`bayes_scaling.likelihoods`, ``docs/likelihoods.md``):
        ``"lognormal"`` (the default, ``log y ~ Normal(log mu, sigma)``) or ``"student_t"`` (Student-t on
        log y with ``nu ~ Gamma(2, 0.1)``: robust to a wild point, a diverged run or a bad evaluation;
        sampled through the laws' PyMC models: compiled once per process, then 1.6 times the time).
        None: the likelihood of ``priors`` (the log-normal unless a priors file names another). A curve of
        more than 1000 rows is binned only under the log-normal; under Student-t it is refused with advice.
    kind : {"runs", "trajectory"}, optional
        The kind of curve (:mod:`bayes_scaling.kinds`, ``docs/forecasting.md``): ``"runs"`` (the default), each
        point its own training run at a data size; or ``"trajectory"``, the checkpoints of one run (x is steps
        or tokens seen), fitted with the ``lm`` preset (its held-out check on trajectories it was not learned
        from: ``docs/benchmarks.md``). Explicit ``priors=`` win over the kind's, and the headline says so. Saved
        with the fit and shown in the headline; a ``"runs"`` curve that looks like a trajectory gets a
        suggestion, never a switch.

    Returns
    -------
    ScalingFit, or GroupedFit with ``group``

    Raises
    ------
    DataError
        Invalid data, before any sampling starts.

    Examples
    --------
    >>> import bayes_scaling as bs
    >>> fit = bs.fit(bs.load_example(), x="samples", y="val_ppl", random_seed=1)
    >>> fit.laws
    ['power', 'saturation', 'exp_decay']
    """
    laws = None if laws is None else check_names(laws, "laws")
    x, y = check_column(x, "x"), check_column(y, "y")
    keep = check_names(keep, "keep")
    group = None if group is None else check_column(group, "group")
    check_choice(pooling, "pooling", ("none", "partial"))
    check_choice(missing, "missing", MISSING)
    random_seed = check_seed(random_seed)
    if likelihood is not None:
        likelihood = get_likelihood(check_column(likelihood, "likelihood")).name
    kind = get_kind(kind)
    priors_source = "explicit" if priors is not None else "kind" if kind.preset else "default"
    if priors is None:
        priors = kind.preset
    chosen = [get_law(k) for k in (default_laws() if laws is None else laws)]
    if not chosen:
        raise ArgumentError("laws must name at least one law")
    if pooling != "none" and group is None:
        raise ArgumentError("pooling needs group=: the column that names each row's configuration")
    options = SamplerOptions(draws=draws, tune=tune, chains=chains, target_accept=target_accept,
                             cores=cores, progressbar=progressbar)
    # laws the caller named must all be fittable; by default, laws that need more distinct n
    # than the data have are left out with a warning
    need = max(law.min_distinct for law in chosen) if laws is not None else min(law.min_distinct
                                                                                for law in chosen)
    if group is not None:
        datas = split_groups(data, group, x=x, y=y, keep=tuple(keep), min_distinct=need, missing=missing)
    else:
        datas = {None: as_scaling_data(data, x=x, y=y, keep=tuple(keep), min_distinct=need, missing=missing)}
    priors = as_priors(priors).with_likelihood(likelihood)
    # a preset or priors learned elsewhere (they carry their provenance) may cover more laws than are fitted
    named = bool(priors.provenance)
    lik = get_likelihood(priors.likelihood)
    dense = [name for name, d in datas.items() if d.n_obs > DENSE_ROWS]
    if dense and not lik.binning:
        where = "" if dense == [None] else f" (group {dense[0]!r})"
        rows = datas[dense[0]].n_obs
        raise ArgumentError(f"the {lik.name} likelihood cannot fit a dense curve of {rows} rows{where}: curves of "
                            f"more than {DENSE_ROWS} rows are binned, which only the log-normal likelihood supports. "
                            f"Thin it to at most {DENSE_ROWS} rows (e.g. every k-th checkpoint) or fit it with "
                            "likelihood='lognormal'")
    hint = None if kind.name != "runs" else next(
        (h for h in (trajectory_hint(d.n, x) for d in datas.values()) if h), None)
    if hint:
        warnings.warn(hint, DataWarning, stacklevel=2)
    if priors.kind is not None and priors.kind != kind.name:
        warnings.warn(f"these priors were learned from curves of the kind {priors.kind!r} "
                      f"({KINDS[priors.kind].title}) and are used on a curve of the kind {kind.name!r} "
                      f"({kind.title}): pass kind={priors.kind!r} if that is what this curve is", DataWarning,
                      stacklevel=2)
    # one run's checkpoints share their noise: each curve's likelihood is tempered by its own dependence,
    # read from its rows before they are binned
    dependence = {name: curve_dependence(d.n, d.y) for name, d in datas.items()} if kind.dependent else {}
    datas = {name: bin_dense(d) if d.n_obs > DENSE_ROWS else d for name, d in datas.items()}
    if any(dep.temper < 1 for dep in dependence.values()):
        if pooling == "partial" or not lik.binning:
            why = "partial pooling" if pooling == "partial" else f"the {lik.name} likelihood"
            warnings.warn(f"{why} cannot temper the likelihood of dependent checkpoints: they are fitted as "
                          "independent, and the posterior is narrower than they warrant. Fit each trajectory with "
                          "pooling='none' and the log-normal likelihood to have them weighted", DataWarning,
                          stacklevel=2)
            dependence = {}
        else:
            datas = {name: d.tempered(dependence[name].temper) for name, d in datas.items()}
    if pooling == "partial" and any(d.binned for d in datas.values()):
        raise ArgumentError(f"partial pooling takes curves of at most {DENSE_ROWS} rows per group; fit dense "
                            "curves with pooling='none' (each is binned, bs.data.bin_dense)")
    check_memory(options.draws, options.chains, max(d.n_obs for d in datas.values()) + 16,
                 n_laws=len(chosen) * len(datas))
    mismatch = metric_mismatch(priors, y, np.concatenate([d.y for d in datas.values()]))
    if mismatch:
        warnings.warn(mismatch, DataWarning, stacklevel=2)
    for name, d in datas.items():
        for flag, why in curve_flags(d).items():
            where = f"group {name!r}: " if name is not None else ""
            warnings.warn(f"{where}curve flagged {flag!r}: {why}", DataWarning, stacklevel=2)
    fewest = min(d.distinct_n.size for d in datas.values())
    skipped = [law.name for law in chosen if law.min_distinct > fewest]
    if skipped:
        warnings.warn(f"left out {', '.join(skipped)}: {fewest} distinct {x} values are too few "
                      f"for {'it' if len(skipped) == 1 else 'them'}", DataWarning, stacklevel=2)
        chosen = [law for law in chosen if law.name not in skipped]
    priors = (priors.only([law.name for law in chosen]) if named else priors).check(LAWS, [law.name for law in chosen])
    for law in chosen:  # priors in the metric's units against the data, before any sampling
        for d in datas.values():
            for severity, message in law.prior_conflicts(priors.for_law(law), d):
                if severity == "impossible":
                    raise ArgumentError(message)
                warnings.warn(message, DataWarning, stacklevel=2)
    pooled = sorted(law.name for law in chosen if any(p.hierarchical for p in priors.for_law(law).params.values()))
    if pooled and pooling != "partial":
        raise ArgumentError(f"the priors of {', '.join(pooled)} are hierarchical (dims=...): they pool "
                            "configurations, so fit with group=... and pooling='partial'")
    if random_seed is None:
        random_seed = int(np.random.SeedSequence().generate_state(1)[0])
    if group is None:
        result = ScalingFit.from_data(datas[None], [law.name for law in chosen], options, random_seed, priors)
        return result.declare(kind.name, priors_source, hint, dependence.get(None))
    result = _fit_groups(datas, chosen, options, random_seed, group, pooling, priors)
    for name, one in result.fits.items():
        one.declare(kind.name, priors_source, hint, dependence.get(name))
    return result


def _fit_groups(datas: dict, chosen: list, options: SamplerOptions, random_seed: int, group: str,
                pooling: str, priors: Priors) -> GroupedFit:
    """Every configuration: independently (each seeded from ``random_seed`` and its name,
    :func:`~bayes_scaling.checks.name_seed`) or pooled per law."""
    seeds = [name_seed(random_seed, name) for name in datas]
    if pooling == "none":
        names = [law.name for law in chosen]
        fits = {name: ScalingFit.from_data(d, names, options, int(s), priors)
                for (name, d), s in zip(datas.items(), seeds, strict=True)}
        return GroupedFit(fits, group=group, pooling=pooling)
    from .pooling import fit_pooled_law

    per_group = {name: {} for name in datas}
    law_seeds = np.random.SeedSequence(random_seed).generate_state(len(chosen))
    for law, seed in zip(chosen, law_seeds, strict=True):
        lp = priors.for_law(law)
        for name, (post, stats, diag) in fit_pooled_law(law, datas, options, int(seed), priors=lp).items():
            per_group[name][law.name] = LawFit.from_samples(law, datas[name], post, stats, diag, int(seed),
                                                            options, pooled=True, priors=lp)
    fits = {name: ScalingFit(datas[name], per_group[name], seed=int(s), options=options, priors=priors)
            for name, s in zip(datas, seeds, strict=True)}
    return GroupedFit(fits, group=group, pooling=pooling)


@dataclass(frozen=True)
class FitFailure:
    """What ``fit_many`` returns in the place of a curve that could not be fitted.

    ``key`` is the curve's position in the list (or its key in the dict); ``error`` the exception,
    kept whole for inspection; ``message`` one line for tables and logs.
    """

    key: Any
    error: Exception

    @property
    def message(self) -> str:
        return f"{type(self.error).__name__}: {self.error}"

    def __repr__(self) -> str:
        return f"FitFailure(curve {self.key!r}: {self.message})"


def fit_many(
    curves: Sequence[pd.DataFrame | str | os.PathLike | ScalingData] | Mapping[Any, Any],
    x: str = "n",
    y: str = "y",
    *,
    n_jobs: int | None = None,
    then: Callable[[ScalingFit], Any] | None = None,
    random_seed: int | None = None,
    executor: Executor | None = None,
    progress: bool | str = False,
    **kwargs,
) -> list | dict:
    """Fit many curves at once, using every core.

    Fits run in a thread pool: nutpie samples without holding the GIL, so while one
    curve is sampled the next one's criteria are computed. Each fit samples its chains
    on one core, and its comparison table is computed in the pool as well.

    A curve that cannot be fitted (bad data, no law fitted, an error in ``then``) does not stop the
    others: its place holds a :class:`FitFailure` naming the curve and the error, and one
    ``DataWarning`` says how many failed and why. Errors in the shared options (``draws``, ``laws``,
    ...) are raised before any curve is fitted; Ctrl-C stops the whole batch.

    Parameters
    ----------
    curves : sequence or dict of DataFrame, CSV path or ScalingData
        One learning curve each, with the same ``x`` and ``y`` columns. A dict (e.g. run name ->
        frame) gives a dict back with the same keys.
    n_jobs : int, optional
        Concurrent fits (default: the number of CPU cores).
    then : callable, optional
        Applied to each fit in the pool (e.g. ``lambda f: f.forecast([1e6])``); its
        results are returned instead of the fits.
    random_seed : int, optional
        Curve ``i`` of a list is fitted with seed ``random_seed + i``; a curve of a dict with a seed derived
        from ``random_seed`` and its key (:func:`~bayes_scaling.checks.name_seed`), so that reordering the dict
        changes no curve's numbers. Reproducible regardless of ``n_jobs`` and of where the fits run.
    executor : concurrent.futures.Executor, optional
        Run the fits there instead of in this process's thread pool: any object with ``submit``
        returning futures, e.g. a ``ProcessPoolExecutor`` or a Dask cluster's
        ``dask.distributed.Client(...).get_executor()`` (``pip install "bayes-scaling[distributed]"``).
        Each curve travels to a worker and its fit (or ``then(fit)``, or its :class:`FitFailure`)
        travels back, in order; each worker compiles the laws once, on its first curve; every fit
        samples its chains on one core. Same seeds, same results as in this process. ``n_jobs`` is
        then unused.
    progress : bool or str
        Print how many curves are done to stderr as they finish (rewritten in place in a terminal, every
        tenth of the batch in a log); a string labels the line (default ``"fit_many"``).
    **kwargs
        Passed to :func:`fit` (``laws``, ``draws``, ...).

    Returns
    -------
    list or dict
        ``ScalingFit`` per curve (or ``then(fit)``, or a :class:`FitFailure`), in the order of
        ``curves`` (a dict when ``curves`` is one).

    Examples
    --------
    >>> import bayes_scaling as bs
    >>> df = bs.load_example()
    >>> fits = bs.fit_many([df, df.iloc[:4]], x="samples", y="val_ppl", random_seed=0)
    >>> [f.data.n_obs for f in fits]
    [5, 4]
    """
    from concurrent.futures import ThreadPoolExecutor

    from .sampling import compiled_law, stop_sampling

    if isinstance(curves, (pd.DataFrame, ScalingData, str, os.PathLike)):
        raise ArgumentError(f"fit_many takes a list or dict of curves, got one {type(curves).__name__}; "
                            "use bs.fit() for one curve")
    if isinstance(curves, Mapping):
        keys = list(curves)
        curves = [curves[k] for k in keys]
    elif isinstance(curves, Iterable):
        keys, curves = None, list(curves)
    else:
        raise ArgumentError(f"fit_many takes a list or dict of curves, got {type(curves).__name__}")
    n_jobs = check_int(n_jobs or os.cpu_count() or 1, "n_jobs")
    if then is not None and not callable(then):
        raise ArgumentError(f"then must be a function of a fit, got {type(then).__name__}")
    random_seed = check_seed(random_seed)
    if random_seed is None:
        random_seed = int(np.random.SeedSequence().generate_state(1)[0])
    laws = _check_shared_options(kwargs)
    for law in laws if executor is None else ():  # compile in this thread, before the pool starts
        compiled_law(law)
    if n_jobs > 1 or executor is not None:
        kwargs.setdefault("cores", 1)

    def task(i: int) -> tuple:
        seed = (random_seed + i) % (SEED_MAX + 1) if keys is None else name_seed(random_seed, keys[i])
        return (curves[i], x, y, seed, kwargs, then, i if keys is None else keys[i])

    tick = _progress_counter(len(curves), progress)

    if executor is not None:
        if not callable(getattr(executor, "submit", None)):
            raise ArgumentError(f"executor must have a submit method (a concurrent.futures.Executor), "
                                f"got {type(executor).__name__}")
        out = _gather(executor.submit, [task(i) for i in range(len(curves))], tick=tick)
    elif n_jobs == 1:
        out = []
        for i in range(len(curves)):
            out.append(_fit_one(*task(i)))
            tick()
    else:
        # `warnings.catch_warnings` (used inside each fit) is not thread-safe: interleaved blocks can
        # leave another block's filters installed. One block around the whole pool restores the
        # caller's filters afterwards whatever the threads did; ArviZ's Pareto-k warning, which the
        # comparison table reports as pareto_k_max and loo_refits, is silenced for the duration.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Estimated shape parameter of Pareto", category=UserWarning)
            with ThreadPoolExecutor(max_workers=n_jobs) as pool:
                try:  # Ctrl-C also stops the samplers running in this process's threads
                    out = _gather(pool.submit, [task(i) for i in range(len(curves))], stop_sampling, tick)
                finally:
                    pool.shutdown(wait=True)
                    stop_sampling(False)
    failed = [r for r in out if isinstance(r, FitFailure)]
    if failed:
        listed = "; ".join(f"curve {r.key!r}: {r.message}" for r in failed[:5])
        more = f"; and {len(failed) - 5} more" if len(failed) > 5 else ""
        warnings.warn(f"{len(failed)} of {len(out)} curves could not be fitted ({listed}{more}); their places "
                      "hold a FitFailure", DataWarning, stacklevel=2)
    return out if keys is None else dict(zip(keys, out, strict=True))


def _progress_counter(total: int, progress: bool | str) -> Callable[..., None]:
    """A callback for each finished curve that prints ``label: k/N curves fitted (t s)`` to stderr
    (``progress``: False for none, True or a label); thread-safe."""
    import sys
    import threading
    import time

    if not progress:
        return lambda *_: None
    label = progress if isinstance(progress, str) else "fit_many"
    start, lock, done = time.perf_counter(), threading.Lock(), [0]
    tty = sys.stderr.isatty()

    def tick(*_):
        with lock:
            done[0] += 1
            k = done[0]
            if tty or k == total or k % max(1, total // 10) == 0:
                line = f"{label}: {k}/{total} curves fitted ({time.perf_counter() - start:.0f} s)"
                print(("\r" if tty else "") + line, end="\n" if k == total or not tty else "", file=sys.stderr,
                      flush=True)
    return tick


def _gather(submit, tasks: list, interrupted: Callable[[], Any] = lambda: None,
            tick: Callable[..., None] = lambda *_: None) -> list:
    """``_fit_one`` of every task through ``submit`` (an executor's), the results in order; ``tick`` is
    called as each finishes. On any interruption (Ctrl-C) the curves not yet started are dropped and
    ``interrupted`` is called."""
    futures = [submit(_fit_one, *t) for t in tasks]
    for f in futures:
        f.add_done_callback(tick)
    try:
        return [f.result() for f in futures]
    except BaseException:
        for f in futures:
            f.cancel()
        interrupted()
        raise


def _fit_one(curve, x: str, y: str, seed: int, kwargs: dict, then, key):
    """One curve of :func:`fit_many`: its fit with the comparison and forecast weights computed (or
    ``then(fit)``), or a :class:`FitFailure`. A module-level function, so that it travels to worker
    processes."""
    try:
        result = fit(curve, x=x, y=y, random_seed=seed, **kwargs)
        result.weights()  # computes the comparison table and the forecast weights where the fit runs
        return then(result) if then is not None else result
    except Exception as e:  # one curve's failure is reported in its place; Ctrl-C is not an Exception
        return FitFailure(key, e)


def _check_shared_options(kwargs: dict) -> list[str]:
    """The options every curve shares, checked once before the pool starts; returns the laws' names."""
    options = set(inspect.signature(fit).parameters) - {"data", "x", "y", "random_seed"}
    unknown = set(kwargs) - options
    if unknown:
        raise ArgumentError(f"fit_many got unknown options {sorted(unknown)}; fit() takes {sorted(options)}")
    SamplerOptions(**{k: v for k, v in kwargs.items() if k in ("draws", "tune", "chains", "target_accept",
                                                                "cores", "progressbar")})
    laws = [get_law(k).name for k in check_names(kwargs["laws"], "laws")] if kwargs.get("laws") is not None \
        else default_laws()
    if "keep" in kwargs:
        check_names(kwargs["keep"], "keep")
    if kwargs.get("priors") is not None:
        as_priors(kwargs["priors"])
    if "missing" in kwargs:
        check_choice(kwargs["missing"], "missing", MISSING)
    if kwargs.get("likelihood") is not None:
        get_likelihood(check_column(kwargs["likelihood"], "likelihood"))
    if "kind" in kwargs:
        get_kind(kwargs["kind"])
    return laws


def save(fit, path: str | os.PathLike, overwrite: bool = False):
    """Save a ``ScalingFit`` or ``GroupedFit`` to the directory ``path`` (:mod:`bayes_scaling.io`).

    Refuses to touch an existing non-empty directory unless ``overwrite=True`` (then
    only the files of a saved fit are replaced).

    Examples
    --------
    >>> import tempfile, bayes_scaling as bs
    >>> fit = bs.fit(bs.load_example(), x="samples", y="val_ppl", laws=["power"], random_seed=0)
    >>> d = tempfile.mkdtemp()
    >>> _ = bs.save(fit, d, overwrite=True)
    >>> bs.load(d).ppl_min().equals(fit.ppl_min())
    True
    """
    if not isinstance(fit, (ScalingFit, GroupedFit)):
        raise ArgumentError(f"save needs a ScalingFit or GroupedFit, got {type(fit).__name__}")
    return fit.save(path, overwrite=overwrite)


def load(path: str | os.PathLike) -> ScalingFit | GroupedFit:
    """Load a fit saved by :func:`save` (or ``bayes-scaling fit --out``): a ``ScalingFit``, or a
    ``GroupedFit`` for a fit with ``group=``. A damaged or edited directory gives a
    :class:`~bayes_scaling.errors.LoadError` naming the file."""
    import json

    tree = io.read_tree(path)
    if json.loads(tree.attrs["meta"]).get("format") == GROUPED_FORMAT:
        return GroupedFit.from_datatree(tree, str(path))
    return ScalingFit.from_datatree(tree, str(path))
