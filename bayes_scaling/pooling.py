"""Partial pooling across configurations: one hierarchical model per law.

With a handful of points per configuration, each configuration's exponent and noise
are poorly pinned down on their own, while configurations of one study (2-block vs
3-block, two tokenizers, ...) usually learn at similar rates and are measured by the
same evaluation. ``bs.fit(df, ..., group="config", pooling="partial")`` then fits,
for each law, one joint model over the configurations g:

* ``log slope_g = mu + tau * z_g``, ``z_g ~ Normal(0, 1)`` (non-centred):
  ``mu ~ Normal(log 0.3, 1)`` is the unpooled slope prior; ``tau``, the spread of the
  exponents across configurations on the log scale, is ``Gamma(2, 20)``: mode 0.05,
  mean 0.1, 95% below 0.24, i.e. configurations of one study whose exponents differ
  by 5-25%. The prior avoids tau = 0 (Chung et al. 2013): with a half-normal prior the
  sampler met the funnel at tau -> 0 (up to 158 divergences, ESS 9 for tau on the
  example data), with this one 0-4 divergences before the retry at target_accept 0.99.
  ``slope`` is the local exponent at each configuration's ``n_ref``, the same for
  configurations measured at the same n.
* ``y_ref_g``, ``floor_frac_g`` (and the law's other parameters): the unpooled priors,
  independently per configuration, so levels and floors are each configuration's own.
* one noise level for all configurations, ``sigma^2 ~ InvGamma(1, 0.02^2 log 2)``
  (the unpooled noise prior): the runs share an evaluation pipeline.

Pooling is a property of the priors: the exponent's prior above is the hierarchical
``bs.Prior("LogNormal", mu=bs.Prior("Normal", mu=log 0.3, sigma=1), sigma=bs.Prior("Gamma", alpha=2,
beta=20), dims="group")`` (:func:`pooled_priors`), and a hierarchical prior of your own on a positive
(LogNormal) or real (Normal) parameter pools that parameter instead. The joint model is the law's own
(:meth:`~bayes_scaling.laws.Law.model` over every configuration), sampled by
``pymc.sample`` (nutpie when installed); its compilation takes ~10-15 s per law,
so pooling is an option, not the default. The posterior of each configuration is then
reported exactly like an unpooled fit (a :class:`~bayes_scaling.result.LawFit` per
configuration), plus the hyper-parameters of the pooled prior (``slope_mu`` and ``slope_tau``).
PSIS-LOO is computed per configuration from the joint posterior; points with Pareto
k > 0.7 are not refitted (that would refit the joint model) and are flagged instead.
"""

from __future__ import annotations

import dataclasses
import warnings

from .errors import ArgumentError, ConvergenceWarning

__all__ = ["HYPER", "POOLED", "fit_pooled_law", "pooled_model", "pooled_priors"]

#: the parameter ``pooling="partial"`` pools when the priors pool none: the local exponent (every law has it)
POOLED = "slope"

#: hyper-parameters stored with every configuration's posterior (those of the default pooled prior)
HYPER = ("slope_mu", "slope_tau")
#: slope_tau ~ Gamma(2, TAU_RATE): mode 0.05, mean 0.1, 95% below 0.24
TAU_RATE = 20.0


def pooled_priors(law, priors=None):
    """The law's priors for a partially pooled fit: as given where some parameter's prior is already
    hierarchical (``bs.Prior("LogNormal", mu=bs.Prior(...), sigma=bs.Prior(...), dims="group")``), else with the
    exponent's prior made hierarchical: its LogNormal's ``mu`` gets the unpooled prior
    ``Normal(mu, sigma)`` and the spread across configurations ``Gamma(2, 20)``."""
    from .priors import Prior

    priors = priors or law.resolve_priors({})
    if any(p.hierarchical for p in priors.params.values()):
        return priors
    prior = priors.params[POOLED]
    if prior.dist != "LogNormal" or prior.is_data_relative:
        raise ArgumentError(f"partial pooling needs a LogNormal prior with a numeric mu on {POOLED}, "
                            f"got {prior.describe()}")
    v = prior.values()
    pooled = Prior("LogNormal", mu=Prior("Normal", mu=v["mu"], sigma=v["sigma"]),
                   sigma=Prior("Gamma", alpha=2.0, beta=TAU_RATE), dims="group")
    return dataclasses.replace(priors, params={**priors.params, POOLED: pooled})


def pooled_model(law, datas: dict, priors=None):
    """The hierarchical ``pymc.Model`` of ``law`` over the configurations in ``datas``: the law's own model
    (:meth:`~bayes_scaling.laws.Law.model`) over every configuration, with :func:`pooled_priors`."""
    return law.model(datas, pooled_priors(law, priors))


def _sample(model, options, seed: int):
    import logging

    import pymc as pm

    logger = logging.getLogger("pymc")
    level = logger.level
    if not options.progressbar:  # PyMC logs its sampler choice at INFO
        logger.setLevel(logging.WARNING)
    with warnings.catch_warnings():  # PyMC's own convergence warnings: the diagnostics report them
        for category in (UserWarning, FutureWarning, RuntimeWarning):
            warnings.filterwarnings("ignore", category=category, module="pymc")
        try:
            return pm.sample(draws=options.draws, tune=options.tune, chains=options.chains,
                             cores=options.cores,
                             random_seed=seed, progressbar=options.progressbar,
                             target_accept=options.target_accept, compute_convergence_checks=False, model=model)
        finally:
            logger.setLevel(level)


def _split(law, datas: dict, tree, priors=None):
    """Per configuration: its posterior (law parameters, shared sigma and likelihood parameters, the
    hyper-parameters of every hierarchical prior)."""
    post = tree.posterior.to_dataset()
    priors = pooled_priors(law, priors)
    hyper = [f"{k}_{h}" for k, p in priors.params.items() if p.hierarchical for h in ("mu", "tau")
             if f"{k}_{h}" in post]
    out = {}
    for name in datas:
        ds = post[[*priors.names, *hyper]].sel(group=name, drop=True)
        ds = ds.drop_vars([c for c in ds.coords if c not in ("chain", "draw")])
        out[name] = ds
    return out


def fit_pooled_law(law, datas: dict, options, seed: int, warn: bool = True, priors=None) -> dict:
    """Sample the pooled model of one law; ``{group: (posterior, sample_stats, Diagnostics)}``.

    Like :func:`~bayes_scaling.sampling.sample_law`, a run that fails a convergence check
    is repeated once with ``options.stricter()``; the diagnostics of every configuration
    cover its own parameters, the shared noise and the hyper-parameters.
    """
    from .sampling import diagnose

    def run(opts, s):
        tree = _sample(pooled_model(law, datas, priors), opts, s)
        stats = tree.sample_stats.to_dataset()[["diverging"]]
        parts = _split(law, datas, tree, priors)
        return {g: (p, stats, diagnose(p, stats)) for g, p in parts.items()}

    result = run(options, seed)
    if options.retry and not all(d.converged for _, _, d in result.values()):
        second = run(options.stricter(), seed + 7919)
        result = {g: (p, s, dataclasses.replace(d, retried=True)) for g, (p, s, d) in second.items()}
    bad = [g for g, (_, _, d) in result.items() if not d.converged]
    if bad and warn:
        problems = "; ".join(result[bad[0]][2].problems())
        warnings.warn(f"pooled law {law.name!r} did not converge ({problems}) even after a retry with "
                      "target_accept=0.99 and doubled tuning. Treat its numbers with caution.",
                      ConvergenceWarning, stacklevel=3)
    return result
