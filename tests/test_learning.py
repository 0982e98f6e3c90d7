"""Priors learned from earlier curves (empirical Bayes) and the shipped presets."""

import warnings

import numpy as np
import pandas as pd
import pytest

import bayes_scaling as bs
from bayes_scaling.learning import _discrepancy_scale, _law_probs
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
    """MAP EM under a Dirichlet worth PRIOR_CURVES = 10 curves centred on the default probabilities:
    40 curves that all favour the first law move it from 0.5 to (40 + 5) / 50; 4 curves only part of
    the way; curves that cannot tell the laws apart leave the default probabilities as they are."""
    rng = np.random.default_rng(0)
    elpd = np.column_stack([rng.normal(0, 0.5, 40), rng.normal(-6, 0.5, 40)])
    half = np.array([0.5, 0.5])
    pi = _law_probs(elpd, half)
    assert pi[0] == pytest.approx(45 / 50, abs=0.01) and pi.sum() == pytest.approx(1.0)
    assert _law_probs(elpd[:4], half)[0] == pytest.approx((4 + 5) / 14, abs=0.01)
    default = np.array([0.1, 0.55, 0.35])
    assert _law_probs(np.zeros((40, 3)), default) == pytest.approx(default)  # nothing to tell them apart


def test_discrepancy_scale_does_not_collapse_on_a_few_smooth_curves():
    """Curves whose held-out doubling every law forecast exactly favour kappa -> 0. Type-II maximum
    likelihood alone then picks the smallest scale of the grid (1e-4) from 8 such curves, and priors learned
    from them were far too narrow on other curves (docs/benchmarks.md); the hyperprior keeps the scale
    within a factor of about e^2 of the default for 8 curves, and lets 400 curves take it further down."""
    from bayes_scaling.discrepancy import KAPPA_GRID
    from bayes_scaling.learning import _SCALES

    sd = np.sqrt(0.002**2 + (KAPPA_GRID * np.log(2)) ** 2)
    exact = -np.log(sd) - 0.5 * np.log(2 * np.pi)  # log N(0 | 0, sd): a perfect forecast, on the kappa grid
    one = np.stack([exact, exact])  # two laws, both exact
    pi = np.array([0.5, 0.5])
    few, many = _discrepancy_scale([one] * 8, pi), _discrepancy_scale([one] * 400, pi)
    assert 0.01 / np.exp(2.5) < few < 0.01 and many < few and few > _SCALES[0]


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


def _drifting(count: int, seed: int = 0) -> list[pd.DataFrame]:
    """Saturation curves of 9 doublings whose last three leave the law: log y drifts by ``s * log(n / 1600)``
    beyond n = 3200, with a slope s ~ Normal(0, 0.1) per curve (what the discrepancy describes)."""
    rng = np.random.default_rng(seed)
    n = 100 * 2.0 ** np.arange(9)
    u = np.log(n) - np.log(n[:6]).mean()
    out = []
    for _ in range(count):
        mu = 2 * (0.7 + 0.3 * np.exp(-0.4 * u))
        mu = mu * np.exp(0.1 * rng.standard_normal() * np.maximum(np.log(n / 3200), 0))
        out.append(pd.DataFrame({"n": n, "y": mu * np.exp(0.003 * rng.standard_normal(n.size))}))
    return out


def test_horizon_learns_the_discrepancy_from_what_lies_beyond_the_fitted_part():
    """With ``horizon=8`` every curve is fitted on its points up to n = 3200 and scored on the three
    doublings beyond, where each drifts off the law by a slope of sd 0.1 per factor e. Part of each drift
    one of the two laws absorbs (a curve that drifts up looks like a power law), so the scale learned from
    what lies beyond (0.021 here) is below the drift's own (0.067, the slopes' median) but twice the
    default's 0.01; learned from the same fitted parts scored on their own last doubling, which is
    smooth, it falls to 0.004."""
    curves = _drifting(20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bs.BayesScalingWarning)
        far = bs.learn_priors(curves, laws=["power", "saturation"], horizon=8, holdout=0, draws=300)
        near = bs.learn_priors([c.iloc[:6] for c in curves], laws=["power", "saturation"], holdout=0, draws=300)
    assert 0.015 < far.discrepancy.params["beta"] < 0.15
    assert near.discrepancy.params["beta"] < 0.01
    assert far.discrepancy.params["beta"] > 3 * near.discrepancy.params["beta"]
    assert "on its points up to 1/8 of its largest n" in far.provenance and "up to 8x beyond" in far.provenance


def test_beyond_scores_average_each_doubling_of_later_points():
    """The held-out density of later points is, per law, the posterior-mean density of each point, averaged
    over the points of each doubling beyond the fitted part (at most PER_DOUBLING of them) and summed over
    doublings; kappa widens the noise by kappa * log(n / largest fitted n)."""
    from bayes_scaling.densities import log_mean_exp, lognormal_logpdf
    from bayes_scaling.discrepancy import KAPPA_GRID
    from bayes_scaling.learning import PER_DOUBLING, _beyond_scores

    curve = _corpus(1)[0]
    fit = bs.fit(curve, laws=["saturation"], random_seed=0, draws=300)
    top = curve["n"].max()
    n = np.r_[top * np.geomspace(1.05, 2, 3 * PER_DOUBLING), top * 3.0]  # 24 checkpoints in one doubling, 1 in the next
    log_y = np.log(np.interp(np.log(n), np.log(curve["n"]), curve["y"])) - 0.01
    got = _beyond_scores(fit, n, log_y)["saturation"]
    f = fit.fits["saturation"]
    lm = f.law.log_curve(fit.data.to_u(n)[None, :], {k: f.draws[k][:, None] for k in f.law.param_names})
    for k in (0, 80):
        sd = np.sqrt(f.draws["sigma"][:, None] ** 2 + (KAPPA_GRID[k] * np.log(n / top)) ** 2)
        lpd = log_mean_exp(lognormal_logpdf(log_y[None, :], lm, sd), axis=0)
        picked = np.unique(np.round(np.linspace(0, 3 * PER_DOUBLING - 1, PER_DOUBLING)).astype(int))
        assert got[k] == pytest.approx(lpd[picked].mean() + lpd[-1], rel=1e-9)
    assert got.shape == KAPPA_GRID.shape


def test_horizon_is_checked_and_too_short_curves_are_left_out():
    curves = _corpus(3)
    with pytest.raises(bs.ArgumentError, match="horizon must be a number > 1"):
        bs.learn_priors(curves, horizon=1)
    with pytest.raises(bs.ArgumentError, match="horizon must be a number > 1"):
        bs.learn_priors(curves, horizon="8")
    with pytest.raises(bs.DataError, match=r"learn_priors: curve 1: .*'loss'"):
        bs.learn_priors([curves[0], curves[1].rename(columns={"y": "loss"})], horizon=2)
    short = pd.DataFrame({"n": [100.0, 200, 400], "y": [3.0, 2.0, 1.5]})  # 1/4 of 400 leaves one n to fit
    with pytest.warns(bs.DataWarning, match=r"1 of 4 curves are left out \(1 with fewer than two distinct n up to "
                                            r"1/4 of their largest\)"), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*(few to learn|did not converge).*")
        p = bs.learn_priors([*curves, short], laws=["power", "saturation"], horizon=4, holdout=0, draws=200)
    assert "from 3 curves" in p.provenance
    # 7 doublings: at horizon 32 two points remain to fit, too few for any law (three needed)
    with pytest.raises(bs.DataError, match=r"none of the 3 curves could be fitted .* up to 1/32 of its largest n"), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore", bs.BayesScalingWarning)
        bs.learn_priors(curves, laws=["power", "saturation"], horizon=32, holdout=0, draws=200)


def test_interval_scores_are_those_of_the_intervals_a_forecast_makes():
    """One law whose draws put log y at Normal(0, 0.05) plus noise 0.02 and a discrepancy fixed at kappa
    (the prior all on one grid value): the 90% interval of a point a log step L beyond the data is
    +-1.645 sqrt(0.05^2 + 0.02^2 + (kappa L)^2), and its score is that width, plus 20 times the distance
    outside for a point beyond it; each doubling's mean counts once."""
    from bayes_scaling.discrepancy import KAPPA_GRID
    from bayes_scaling.learning import _interval_scores

    rng = np.random.default_rng(0)
    size, step = 20000, np.array([0.5, 0.6, 1.5])
    part = {"log_curve": 0.05 * rng.standard_normal((1, size, 1)) * np.ones((1, 1, 3)),
            "sigma": np.full((1, size), 0.02), "step": step, "log_y": np.array([0.0, 0.0, 0.4]),
            "doubling": np.array([1.0, 1.0, 2.0]), "future": None,
            "u": rng.uniform(size=(1, size)), "z": rng.standard_normal((1, size))}
    for k in (0, 100):
        mass = np.zeros(KAPPA_GRID.size)
        mass[k] = 1.0
        half = 1.6449 * np.sqrt(0.05**2 + 0.02**2 + (KAPPA_GRID[k] * step) ** 2)
        expected = 2 * half[:2].mean() + 2 * half[2] + 20 * max(0.4 - half[2], 0.0)
        got = _interval_scores(part, np.array([1.0]), mass, 0.9)
        assert got == pytest.approx(expected, rel=0.03)
    assert KAPPA_GRID[100] * 1.5 > 0.02  # the discrepancy matters at the second k


def test_the_width_is_learned_from_the_interval_score_of_the_forecasts():
    """With ``horizon``, the discrepancy's scale is the one whose 90% forecasts of the later points score
    best. Curves that keep to their law beyond the fitted part need next to none (the scale falls to the
    grid's bottom, 1e-4, where the density's hyperprior held it near the default); curves that drift off
    it need a scale that gives them coverage; and the held-out check scores the learned priors' intervals
    against the defaults' (both reported, and in the provenance)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bs.BayesScalingWarning)
        kept = bs.learn_priors(_corpus(20), laws=["power", "saturation"], horizon=8, holdout=0, draws=300)
        drift = bs.learn_priors(_drifting(20), laws=["power", "saturation"], horizon=8, holdout=0.5, draws=300)
    assert kept.discrepancy.params["beta"] < 0.002
    assert drift.discrepancy.params["beta"] > 10 * kept.discrepancy.params["beta"]
    check = drift.check_table.iloc[0]
    assert check["interval_score_learned"] < check["interval_score_defaults"]
    assert "interval score of the 90% forecast intervals" in drift.provenance
    assert f"interval score per doubling {check['interval_score_learned']:.3f} against" in drift.provenance
    with pytest.raises(bs.ArgumentError, match="prob"):
        bs.learn_priors(_corpus(3), horizon=8, prob=1.5)


def test_one_or_two_curves_are_refused_rather_than_learned_as_tight_priors():
    with pytest.raises(bs.DataError, match="2 fitted curves cannot tell how curves differ"), warnings.catch_warnings():
        warnings.simplefilter("ignore", bs.BayesScalingWarning)
        bs.learn_priors(_corpus(2), laws=["power"], holdout=0, draws=200)
