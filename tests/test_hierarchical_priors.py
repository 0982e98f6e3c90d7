"""Pooling is a property of the priors: a hierarchical Prior over the group dimension, built by the law's one
PyMC model builder (Law.model), whatever the parameter."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import bayes_scaling as bs
from bayes_scaling.data import as_scaling_data, split_groups
from bayes_scaling.errors import ArgumentError
from bayes_scaling.pooling import pooled_model, pooled_priors

SPREAD = bs.Prior("HalfNormal", sigma=0.1)
POOLED = bs.Prior("LogNormal", mu=bs.Prior("Normal", mu=math.log(0.4), sigma=0.5), sigma=SPREAD, dims="group")


def test_a_hierarchical_prior_is_plain_json_and_says_what_it_is():
    d = POOLED.to_dict()
    assert d == {"dist": "LogNormal", "mu": {"dist": "Normal", "mu": math.log(0.4), "sigma": 0.5},
                 "sigma": {"dist": "HalfNormal", "sigma": 0.1}, "dims": "group"}
    assert bs.Prior.from_dict(d) == POOLED and hash(bs.Prior.from_dict(d)) == hash(POOLED)
    assert POOLED.hierarchical and not bs.Prior("LogNormal", mu=0, sigma=1).hierarchical
    assert POOLED.describe() == "LogNormal(mu=Normal(mu=-0.9163, sigma=0.5), sigma=HalfNormal(sigma=0.1), dims=group)"
    # its marginal prior for one group: log-normal with sd sqrt(0.5^2 + E tau^2) about log 0.4
    x = np.log(POOLED.sample(200_000, np.random.default_rng(0)))
    assert np.median(x) == pytest.approx(math.log(0.4), abs=0.01)
    assert x.std() == pytest.approx(math.sqrt(0.25 + 0.01), rel=0.02)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"dist": "Beta", "alpha": bs.Prior("Gamma", alpha=2, beta=1), "beta": 2, "dims": "group"}, "Normal or LogNormal"),
    ({"dist": "LogNormal", "mu": bs.Prior("Normal", mu=0, sigma=1), "sigma": 1}, "needs dims"),
    ({"dist": "LogNormal", "mu": 0.0, "sigma": 1.0, "dims": "group"}, "needs a prior on mu or sigma"),
    ({"dist": "Normal", "mu": bs.Prior("Normal", mu=0, sigma=1), "sigma": bs.Prior("Normal", mu=0, sigma=1),
      "dims": "group"}, "mass on positive values"),
    ({"dist": "Normal", "mu": bs.Prior("Normal", mu="mean_log_y", sigma=1), "sigma": 1, "dims": "group"},
     "plain prior on a number"),
])
def test_what_is_not_a_hierarchical_prior_is_refused(kwargs, message):
    with pytest.raises(ArgumentError, match=message):
        bs.Prior(**kwargs)


def test_the_one_builder_makes_every_model(seed_data):
    law = bs.get_law("saturation")
    explicit = law.model(seed_data)
    assert sorted(v.name for v in explicit.free_RVs) == ["floor_frac", "sigma_sq", "slope", "y_ref"]
    assert "log_mu" in explicit.named_vars and explicit.observed_RVs[0].name == "y"
    compiled = law.model(seed_data, sampling=True)  # sigma integrated out: what nutpie compiles once
    assert sorted(v.name for v in compiled.free_RVs) == ["floor_frac", "slope", "y_ref"]
    assert {"u", "log_y", "lik_weight"} <= set(compiled.named_vars)
    # the same posterior density: the explicit model integrated over sigma is the compiled one (the kernel
    # oracle of tests/test_laws.py holds both to the numba kernel); here their priors agree term by term
    point = {"y_ref_log__": math.log(150.0), "slope_log__": math.log(0.3), "floor_frac_logodds__": 0.4}
    prior = compiled.compile_logp(vars=compiled.free_RVs)(point)
    assert prior == pytest.approx(explicit.compile_logp(vars=explicit.free_RVs[:3])(
        {**point, "sigma_sq_log__": 0.0}), rel=1e-12)


def test_a_prior_of_your_own_pools_the_parameter_and_the_default_pools_the_exponent():
    datas = split_groups(bs.load_example("simulated_configs"), "blocks", "samples", "val_ppl")
    law = bs.get_law("power")
    default = pooled_model(law, datas)
    assert sorted(v.name for v in default.free_RVs) == ["sigma_sq", "slope_mu", "slope_tau", "slope_z", "y_ref"]
    mine = law.resolve_priors({"slope": POOLED})
    assert pooled_priors(law, mine) is mine  # already hierarchical: used as given
    model = pooled_model(law, datas, mine)
    assert type(model["slope_tau"].owner.op).__name__ == "HalfNormalRV"
    assert model.named_vars_to_dims["slope"] == ("group",) and model.named_vars_to_dims["y_ref"] == ("group",)
    assert np.isfinite(model.compile_logp()(model.initial_point()))


def test_a_hierarchical_prior_needs_partial_pooling_and_a_domain_it_fits():
    df = bs.load_example("simulated_configs")
    with pytest.raises(ArgumentError, match="pooling='partial'"):
        bs.fit(df, x="samples", y="val_ppl", group="blocks", laws=["power"], priors={"power": {"slope": POOLED}})
    with pytest.raises(ArgumentError, match="does not fit its domain"):
        bs.get_law("saturation").resolve_priors({"floor_frac": POOLED})
    d = as_scaling_data(bs.load_example(), x="samples", y="val_ppl")
    with pytest.raises(ArgumentError, match="pools configurations"):
        bs.get_law("power").model(d, bs.get_law("power").resolve_priors({"slope": POOLED}))


def test_a_pooled_fit_with_a_prior_of_your_own_samples_and_saves(tmp_path):
    df = bs.load_example("simulated_configs")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = bs.fit(df, x="samples", y="val_ppl", group="blocks", pooling="partial", laws=["power"], draws=300,
                   random_seed=2, priors={"power": {"slope": POOLED}})
    f = next(iter(g.fits.values()))["power"]
    assert {"slope_mu", "slope_tau"} <= set(f.tree.posterior.data_vars)
    g.save(tmp_path / "g")
    back = bs.load(tmp_path / "g")
    assert next(iter(back.fits.values())).priors.laws["power"]["slope"] == POOLED
