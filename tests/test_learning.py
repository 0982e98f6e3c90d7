"""Priors learned from earlier curves (empirical Bayes) and the shipped presets."""

import warnings

import numpy as np
import pandas as pd
import pytest

import bayes_scaling as bs
from bayes_scaling.learning import _law_probs
from bayes_scaling.priors import preset, preset_names


def _corpus(count: int, seed: int = 0) -> list[pd.DataFrame]:
    """Saturation curves whose floors sit at 70-85% of the level at n_ref and exponents near 0.3."""
    rng = np.random.default_rng(seed)
    n = 100 * 2.0 ** np.arange(7)
    u = np.log(n) - np.log(n).mean()
    out = []
    for _ in range(count):
        f, slope = rng.uniform(0.7, 0.85), rng.lognormal(np.log(0.1), 0.15)
        mu = rng.uniform(1, 10) * (f + (1 - f) * np.exp(-slope / (1 - f) * u))
        out.append(pd.DataFrame({"n": n, "y": mu * np.exp(0.005 * rng.standard_normal(n.size))}))
    return out


def test_learned_priors_recover_what_the_curves_share():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bs.BayesScalingWarning)
        p = bs.learn_priors(_corpus(20), laws=["power", "saturation"], name="mine", source="test corpus",
                            holdout=0, draws=400)
    ff = p.laws["saturation"]["floor_frac"]
    assert ff.dist == "Beta"
    mean = ff.params["alpha"] / (ff.params["alpha"] + ff.params["beta"])
    assert 0.65 < mean < 0.9 and ff.params["alpha"] + ff.params["beta"] > 3  # sharper than Beta(1.5, 1.5), at 0.78
    slope = p.laws["saturation"]["slope"]
    assert 0.06 < np.exp(slope.params["mu"]) < 0.16 and slope.params["sigma"] < 1.0
    assert p.law_probs["saturation"] > 0.8  # these curves have floors: the power law forecasts them badly
    assert p.name == "mine" and "from 20 curves (test corpus)" in p.provenance
    assert bs.Priors.from_dict(p.to_dict()) == p


def test_few_curves_warn_and_bad_input_is_refused():
    with pytest.warns(bs.DataWarning, match="4 curves are few to learn priors from"):
        bs.learn_priors(_corpus(4, seed=1), laws=["power", "saturation"], holdout=0, draws=300)
    with pytest.raises(bs.ArgumentError, match="list or dict of curves"):
        bs.learn_priors(_corpus(1)[0])
    flat = pd.DataFrame({"n": [1.0, 2.0], "y": [1.0, 0.9]})  # two points: no law can be fitted
    with pytest.raises(bs.DataError, match="none of the 2 curves could be fitted"), warnings.catch_warnings():
        warnings.simplefilter("ignore", bs.BayesScalingWarning)
        bs.learn_priors([flat, flat], holdout=0)


def test_em_puts_the_weight_on_the_law_that_forecasts_better():
    rng = np.random.default_rng(0)
    elpd = np.column_stack([rng.normal(0, 0.5, 40), rng.normal(-3, 0.5, 40)])
    pi = _law_probs(elpd)
    assert pi[0] > 0.9 and pi.sum() == pytest.approx(1.0)
    assert _law_probs(np.zeros((40, 3))) == pytest.approx(np.full(3, 1 / 3))  # nothing to tell them apart


def test_presets_are_priors_with_provenance_and_fit_by_name(seed_df, tmp_path):
    assert {"lm", "tabular"} <= set(preset_names())
    for name in ("lm", "tabular"):
        p = preset(name)
        assert p.name == name and "learned by bayes_scaling" in p.provenance and "held-out check" in p.provenance
        assert p.law_probs is not None and p.discrepancy is not None
    fit = bs.fit(seed_df, x="samples", y="val_ppl", priors="lm", random_seed=0, draws=300)
    assert fit.priors.name == "lm" and fit.priors.law_probs == preset("lm").law_probs
    table = fit.priors_table()
    assert set(table["source"]) == {"default", "preset lm"}  # y_ref and the noise keep their defaults
    fit.save(tmp_path / "f")
    assert bs.load(tmp_path / "f").priors == fit.priors
    one = bs.fit(seed_df, x="samples", y="val_ppl", priors="lm", laws=["power", "saturation"], random_seed=0,
                 draws=300)  # a preset for three laws applied to two
    assert set(one.priors.law_probs) == {"power", "saturation"}
    with pytest.raises(bs.ArgumentError, match="unknown prior preset 'llm'; the presets are lm, tabular"):
        bs.fit(seed_df, x="samples", y="val_ppl", priors="llm")
