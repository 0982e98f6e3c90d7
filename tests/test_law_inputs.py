"""A law of two inputs (model size and data size), defined in one file with the public API, sampled and
compared like any other; every input is centred on its own scale, so the priors are free of units."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

import bayes_scaling as bs
from bayes_scaling.data import as_scaling_data
from bayes_scaling.errors import ArgumentError, DataError
from bayes_scaling.laws import LAWS, Law, register
from bayes_scaling.priors import Parameter, Prior

TRUTH = {"y_ref": 3.0, "floor_frac": 0.55, "share": 0.4, "alpha": 0.34, "beta": 0.28}


class TwoInputs(Law):
    """``y = E + A N^-alpha + B D^-beta`` (Hoffmann et al. 2022's form) on centred log inputs: the level
    ``y_ref`` at the centre of both, the floor as a fraction of it, and the share of the excess that model
    size carries there."""

    name = "test_two_inputs"
    title = "Two inputs"
    formula = "y = E + A N^-alpha + B D^-beta"
    inputs = ("params", "n")
    parameters = (
        Parameter("y_ref", Prior("LogNormal", mu="mean_log_y", sigma=1.0), "the curve at the centre of N and D"),
        Parameter("floor_frac", Prior("Beta", alpha=1.5, beta=1.5), "E / y_ref", domain="unit"),
        Parameter("share", Prior("Beta", alpha=2.0, beta=2.0), "share of the excess from N at the centre",
                  domain="unit"),
        Parameter("alpha", Prior("LogNormal", mu=math.log(0.3), sigma=0.5), "exponent of model size"),
        Parameter("beta", Prior("LogNormal", mu=math.log(0.3), sigma=0.5), "exponent of data size"),
    )
    has_floor = True

    def log_curve(self, u, p, xp=np):
        f, s = p["floor_frac"], p["share"]
        excess = s * xp.exp(-p["alpha"] * u["params"]) + (1 - s) * xp.exp(-p["beta"] * u["n"])
        return xp.log(p["y_ref"]) + xp.log(f + (1 - f) * excess)


@pytest.fixture(scope="module")
def law():
    register(TwoInputs)
    yield bs.get_law("test_two_inputs")
    LAWS.pop("test_two_inputs")


def grid(scale_n: float = 1.0, scale_d: float = 1.0, seed: int = 0) -> pd.DataFrame:
    """4 model sizes x 5 data sizes, 1% log-normal noise, from the law itself (TRUTH)."""
    params = np.repeat(1e7 * 4.0 ** np.arange(4), 5) * scale_n
    tokens = np.tile(1e9 * 4.0 ** np.arange(5), 4) * scale_d
    u = {"params": np.log(params) - np.log(np.unique(params)).mean(),
         "n": np.log(tokens) - np.log(np.unique(tokens)).mean()}
    mu = np.exp(TwoInputs().log_curve(u, TRUTH))
    noise = np.exp(0.01 * np.random.default_rng(seed).standard_normal(mu.size))
    return pd.DataFrame({"params": params, "tokens": tokens, "loss": mu * noise})


def test_a_two_input_law_is_sampled_and_recovers_its_parameters(law):
    df = grid()
    before = df.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bs.DataWarning)
        fit = bs.fit(df, x="tokens", y="loss", keep=("params",), laws=["test_two_inputs"], random_seed=4)
    pd.testing.assert_frame_equal(df, before)  # the caller's frame untouched
    f = fit["test_two_inputs"]
    assert fit.diagnostics().loc["test_two_inputs", "sampler"] == "pymc"
    assert f.converged
    s = f.summary(prob=0.9)
    for name in ("alpha", "beta", "floor_frac", "share"):
        assert s.loc[name, "lower"] < TRUTH[name] < s.loc[name, "upper"], name
    # criteria work on its pointwise log-likelihood like any law's
    table = fit.compare()
    assert np.isfinite(table.loc["test_two_inputs", ["elpd_loo", "elpd_waic", "aic"]].astype(float)).all()
    assert f.mle.k == 6  # five curve parameters and sigma


def test_a_two_input_law_is_scale_free_in_every_input(law):
    """The same grid in other units of N and D (x1000 and /1000) gives the same posterior of the exponents:
    the same seed, the same centred inputs, the same draws."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bs.DataWarning)
        fits = [bs.fit(grid(a, b), x="tokens", y="loss", keep=("params",), laws=["test_two_inputs"],
                       random_seed=4, draws=300) for a, b in ((1.0, 1.0), (1e3, 1e-3))]
    for name in ("alpha", "beta", "floor_frac"):
        assert fits[0]["test_two_inputs"].draws[name] == pytest.approx(fits[1]["test_two_inputs"].draws[name],
                                                                       rel=1e-6)


def test_a_law_names_inputs_the_data_must_carry(law):
    data = as_scaling_data(grid(), x="tokens", y="loss")
    with pytest.raises(DataError, match=r"keep=\('params',\)"):
        law.curve_inputs(data)
    assert law.curve_inputs(as_scaling_data(grid(), x="tokens", y="loss", keep=("params",)))["params"].size == 20
    with pytest.raises(ArgumentError, match="inputs must be a tuple of distinct names"):
        register(type("Bad", (TwoInputs,), {"name": "test_bad_inputs", "inputs": ("n", "n")}))
    assert "test_bad_inputs" not in LAWS
    with pytest.raises(ArgumentError, match="its curve at sample counts alone is not defined"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", bs.DataWarning)
            bs.fit(grid(), x="tokens", y="loss", keep=("params",), laws=["test_two_inputs"], random_seed=1,
                   draws=200).forecast([1e12], law="test_two_inputs")
