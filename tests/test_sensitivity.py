"""Prior sensitivity: the diagnostic sees the prior's grip loosen as data accumulate."""

import warnings

import numpy as np
import pandas as pd
import pytest

import bayes_scaling as bs
from bayes_scaling.sensitivity import THRESHOLD, _verdict, describe


def test_prior_logpdf_matches_the_pymc_model(seed_data):
    import pymc as pm

    law = bs.get_law("saturation")
    model = law.build_model(seed_data)
    point = {"y_ref": 150.0, "slope": 0.3, "floor_frac": 0.6, "sigma": 0.02}
    ours = float(law.log_prior({k: np.array([v]) for k, v in point.items()}, seed_data)[0])
    # PyMC's prior terms on the constrained scale (sigma through sigma_sq), without transforms' Jacobians
    rvs = {"y_ref": point["y_ref"], "slope": point["slope"], "floor_frac": point["floor_frac"],
           "sigma_sq": point["sigma"] ** 2}
    theirs = sum(float(pm.logp(model[k], v).eval()) for k, v in rvs.items())
    assert ours == pytest.approx(theirs, rel=1e-6)  # (PyTensor evaluates log-beta in its own way: 4e-8)


def _curve(points: int, seed: int = 0) -> pd.DataFrame:
    n = 100 * 2.0 ** np.arange(points)
    y = (50 + 500 * n**-0.5) * np.exp(np.random.default_rng(seed).normal(0, 0.01, points))
    return pd.DataFrame({"n": n, "y": y})


def test_prior_grip_on_the_floor_loosens_with_data():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        few = bs.fit(_curve(4), laws=["saturation"], random_seed=0).sensitivity([3200])
        many = bs.fit(_curve(9), laws=["saturation"], random_seed=0).sensitivity([3200])
    floor_few = few.set_index("quantity").loc["floor"]
    floor_many = many.set_index("quantity").loc["floor"]
    # measured: 0.03 with nine clean points, well above 0.05 with four
    assert floor_many["prior"] < THRESHOLD <= floor_few["prior"]
    assert floor_many["diagnosis"] == "" and floor_few["diagnosis"] != ""
    assert list(few["quantity"]) == ["floor", "slope", "y at 3200"]
    assert describe(few)[0].startswith("saturation: floor: the prior")


def test_verdicts_follow_the_power_scaling_rules():
    assert _verdict(0.01, 0.3) == ""
    assert _verdict(0.2, 0.01) == "the prior, not the data, drives this answer"
    assert "prior-data conflict" in _verdict(0.2, 0.2)


def test_weighted_laws_only(seed_fit):
    s = seed_fit.sensitivity(laws="weighted")
    weighted = [k for k, w in seed_fit.weights().items() if w >= 0.01]
    assert set(s["law"]) == set(weighted)
