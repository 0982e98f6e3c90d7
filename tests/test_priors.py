"""Priors as data: Prior objects, user priors merged over the defaults, priors in the user's units
with their Jacobians, the PyMC path they are sampled by, and what a fit keeps of them."""

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import bayes_scaling as bs
from bayes_scaling.data import as_scaling_data
from bayes_scaling.sampling import sample_law, sample_prior

FAMILIES = [
    bs.Prior("Normal", mu=1.0, sigma=2.0),
    bs.Prior("TruncatedNormal", mu=0.5, sigma=1.0, lower=0.0, upper=2.0),
    bs.Prior("LogNormal", mu=0.2, sigma=0.5),
    bs.Prior("HalfNormal", sigma=0.3),
    bs.Prior("HalfCauchy", beta=0.01),
    bs.Prior("Exponential", lam=3.0),
    bs.Prior("Beta", alpha=2.0, beta=5.0),
    bs.Prior("Gamma", alpha=2.0, beta=4.0),
    bs.Prior("InverseGamma", alpha=3.0, beta=2.0),
    bs.Prior("Uniform", lower=-1.0, upper=3.0),
    bs.Prior("StudentT", nu=4.0, mu=1.0, sigma=0.5),
]


@pytest.mark.parametrize("prior", FAMILIES, ids=[p.dist for p in FAMILIES])
def test_every_family_agrees_with_pymc_and_its_own_draws(prior):
    """Density = PyMC's logp at three points; draws follow the density (KS test); dict round trip."""
    import pymc as pm

    assert bs.Prior.from_dict(prior.to_dict()) == prior
    draws = prior.sample(4000, np.random.default_rng(0))
    x = np.quantile(draws, [0.1, 0.5, 0.9])
    dist = getattr(pm, prior.dist).dist(**prior.values())
    theirs = [float(pm.logp(dist, v).eval()) for v in x]
    np.testing.assert_allclose(prior.logpdf(x), theirs, rtol=1e-6)
    np.testing.assert_allclose(
        [float(prior.pymc_logp(v).eval()) for v in x], theirs, rtol=1e-9)
    assert stats.kstest(draws, prior.scipy().cdf).pvalue > 1e-3


def test_prior_restricted_to_a_domain_is_renormalised():
    p = bs.Prior("Normal", mu=0.0, sigma=1.0)
    draws = p.sample(5000, np.random.default_rng(1), domain=(0.0, math.inf))
    assert draws.min() > 0
    # the half of a standard normal above 0: density doubled
    assert float(p.logpdf(0.5, domain=(0.0, math.inf))) == pytest.approx(stats.norm.logpdf(0.5) + math.log(2))
    assert np.isneginf(p.logpdf(-0.5, domain=(0.0, math.inf)))


@pytest.mark.parametrize(("args", "kwargs", "words"), [
    (("Gaussian",), {"mu": 0, "sigma": 1}, "unknown prior distribution 'Gaussian'"),
    (("Normal",), {"mu": 0, "scale": 1}, "unknown ['scale']"),
    (("Normal",), {"mu": 0}, "needs the parameter(s) sigma"),
    (("Normal",), {"mu": 0, "sigma": -1}, "sigma must be > 0"),
    (("Normal",), {"mu": "lots", "sigma": 1}, "must name the data"),
    (("Normal",), {"mu": float("nan"), "sigma": 1}, "must be finite"),
    (("Uniform",), {"lower": 2, "upper": 1}, "lower < upper"),
    (("Beta",), {"alpha": True, "beta": 1}, "must be a number"),
])
def test_bad_priors_say_what_is_wrong(args, kwargs, words):
    with pytest.raises(bs.ArgumentError) as err:
        bs.Prior(*args, **kwargs)
    assert words in str(err.value)


def test_unknown_laws_and_names_are_refused_with_the_valid_ones(seed_df):
    with pytest.raises(bs.ArgumentError, match=r"unknown law 'saturaton'.*power, saturation"):
        bs.fit(seed_df, x="samples", y="val_ppl",
               priors={"saturaton": {"floor": bs.Prior("Normal", mu=1, sigma=1)}})
    with pytest.raises(bs.ArgumentError, match=r"no parameter or quantity 'PPL_min'.*floor_frac.*floor.*y@N"):
        bs.fit(seed_df, x="samples", y="val_ppl",
               priors={"saturation": {"PPL_min": bs.Prior("Normal", mu=1, sigma=1)}})
    with pytest.raises(bs.ArgumentError, match="not fitted"):
        bs.fit(seed_df, x="samples", y="val_ppl", laws=["power"],
               priors={"saturation": {"slope": bs.Prior("LogNormal", mu=-1, sigma=1)}})
    with pytest.raises(bs.ArgumentError, match="replaces the prior on floor_frac"):
        bs.Priors({"saturation": {"floor": bs.Prior("Normal", mu=1, sigma=1),
                                  "floor_frac": bs.Prior("Beta", alpha=1, beta=1)}}).check(bs.LAWS)
    with pytest.raises(bs.ArgumentError, match="'a'"):  # exp_decay has no exponent a
        bs.Priors({"exp_decay": {"a": bs.Prior("LogNormal", mu=-1, sigma=1)}}).check(bs.LAWS)
    with pytest.raises(bs.ArgumentError, match="no mass on its domain"):
        bs.Priors({"saturation": {"floor_frac": bs.Prior("Uniform", lower=2, upper=3)}}).check(bs.LAWS)
    with pytest.raises(bs.ArgumentError, match="law_probs"):
        bs.Priors({"law_probs": {"power": -1}})
    with pytest.raises(bs.ArgumentError, match="kappa >= 0"):
        bs.Priors({"discrepancy": bs.Prior("Normal", mu=0, sigma=1)})
    with pytest.raises(bs.ArgumentError, match="priors must be a dict"):
        bs.fit(seed_df, x="samples", y="val_ppl", priors=[1, 2])


def test_overrides_merge_over_the_defaults():
    law = bs.get_law("saturation")
    lp = bs.Priors({"saturation": {"slope": bs.Prior("Gamma", alpha=2, beta=4)}}).for_law(law)
    assert lp.params["slope"] == bs.Prior("Gamma", alpha=2, beta=4)
    assert lp.params["floor_frac"] == bs.laws.FLOOR_FRAC.prior and lp.params["y_ref"] == bs.laws.Y_REF.prior
    assert lp.user == ("slope",) and lp.conjugate_noise and not lp.derived


def _ks(draws, cdf) -> float:
    return stats.kstest(np.asarray(draws)[::4], cdf).pvalue  # every 4th draw: roughly independent


def test_jacobians_make_the_stated_quantities_follow_their_priors(seed_data):
    """Prior draws (NUTS with the likelihood off): each stated quantity follows its prior and the
    parameters it does not replace keep theirs. Without the Jacobian the parameters it is computed
    from would be tilted (by 1/y_ref for the floor, (1 - floor_frac) for the exponent, the curve's
    shape for the level), which these tests detect (checked by removing it)."""
    sat, power = bs.get_law("saturation"), bs.get_law("power")
    # the exponent a = slope / (1 - floor_frac): a follows its prior, floor_frac keeps Beta(1.5, 1.5)
    a = bs.Prior("LogNormal", mu=math.log(0.5), sigma=0.2)
    d = sample_prior(sat, seed_data, sat.resolve_priors({"a": a}), draws=4000, seed=1)
    assert _ks(sat.derived(d, seed_data.n_ref)["a"], a.scipy().cdf) > 1e-3
    assert _ks(d["floor_frac"], stats.beta(1.5, 1.5).cdf) > 1e-3
    # the level at n = 3200 (replaces y_ref): the level follows its prior, the slope keeps its own
    level = bs.Prior("LogNormal", mu=math.log(115), sigma=0.05)
    d = sample_prior(power, seed_data, power.resolve_priors({"y@3200": level}), draws=4000, seed=2)
    at = bs.forecast.curve_draws(power, {k: d[k] for k in ("y_ref", "slope")}, seed_data, [3200])[:, 0]
    assert _ks(at, level.scipy().cdf) > 1e-3
    assert _ks(d["slope"], stats.lognorm(s=1.0, scale=0.3).cdf) > 1e-3
    # the floor (replaces floor_frac, floor < y_ref): y_ref keeps its prior restricted to y_ref > floor
    floor = bs.Prior("Normal", mu=108, sigma=3)
    d = sample_prior(sat, seed_data, sat.resolve_priors({"floor": floor}), draws=4000, seed=3)
    assert _ks(d["floor_frac"] * d["y_ref"], floor.scipy().cdf) > 1e-3
    grid = np.linspace(seed_data.log_y_center - 6, seed_data.log_y_center + 6, 4001)
    dens = stats.norm.pdf(grid, seed_data.log_y_center, 1.0) * stats.norm.cdf((np.exp(grid) - 108) / 3)
    cdf = np.cumsum(dens) / dens.sum()
    assert _ks(np.log(d["y_ref"]), lambda v: np.interp(v, grid, cdf)) > 1e-3


def test_numpy_log_prior_equals_the_pymc_models(seed_data):
    """The log prior used by the sensitivity check (finite-difference Jacobian) equals the PyMC
    model's prior terms, the potential of the derived priors included."""
    law = bs.get_law("saturation")
    lp = law.resolve_priors({"floor": bs.Prior("Normal", mu=108, sigma=3),
                             "a": bs.Prior("LogNormal", mu=math.log(0.5), sigma=0.2)})
    model = law.build_model(seed_data, lp)
    prior_terms = model.compile_logp(vars=[*model.free_RVs, *model.potentials], jacobian=False)
    point = {"y_ref": 150.0, "slope": 0.3, "floor_frac": 0.7, "sigma": 0.02}
    value = {"y_ref_log__": math.log(150.0), "slope_log__": math.log(0.3),
             "floor_frac_interval__": math.log(0.7 / 0.3), "sigma_sq_log__": math.log(0.02**2)}
    ours = float(law.log_prior({k: np.array([v]) for k, v in point.items()}, seed_data, lp)[0])
    assert ours == pytest.approx(float(prior_terms(value)), rel=1e-6)
    default = float(law.log_prior({k: np.array([v]) for k, v in point.items()}, seed_data)[0])
    assert abs(default - ours) > 1


def test_kernel_and_pymc_model_give_the_same_posterior(seed_data):
    """The same law and priors sampled by the numba kernel and by the PyMC model (compiled by
    nutpie): the posteriors agree within Monte Carlo error."""
    law = bs.get_law("saturation")
    a = sample_law(law, seed_data, seed=1, backend="kernel")
    b = sample_law(law, seed_data, seed=2, backend="pymc")
    assert a[0].attrs["sampler"] == "kernel" and b[0].attrs["sampler"] == "pymc"
    assert a[2].converged and b[2].converged
    for k in ("y_ref", "slope", "floor_frac", "sigma"):
        x, y = a[0][k].to_numpy().ravel(), b[0][k].to_numpy().ravel()
        for q in (0.1, 0.5, 0.9):
            assert np.quantile(y, q) == pytest.approx(np.quantile(x, q), rel=0.04), (k, q)


def test_a_prior_the_kernel_lacks_falls_back_to_the_pymc_model(seed_df):
    fit = bs.fit(seed_df, x="samples", y="val_ppl", laws=["power", "saturation"], random_seed=5,
                 priors={"power": {"slope": bs.Prior("Gamma", alpha=4, beta=10), "sigma": bs.Prior("HalfNormal",
                                                                                                    sigma=0.05)}})
    d = fit.diagnostics()
    assert d.loc["power", "sampler"] == "pymc" and d.loc["saturation", "sampler"] == "kernel"
    assert d["converged"].all()
    t = fit.priors_table()
    row = t[(t["law"] == "power") & (t["parameter"] == "sigma")].iloc[0]
    assert row["prior"] == "HalfNormal(sigma=0.05)" and row["source"] == "user"


def test_floor_prior_moves_the_floor_and_survives_save_and_load(seed_df, seed_fit, tmp_path):
    """The seed table's saturation floor (posterior median about 98 with the default priors) moves
    to near 108 under a Normal(108, 1) prior, converged; a reloaded fit gives the same floor table."""
    fit = bs.fit(seed_df, x="samples", y="val_ppl", random_seed=20251203,
                 priors={"saturation": {"floor": bs.Prior("Normal", mu=108, sigma=1)}})
    assert 94 < seed_fit.ppl_min().loc["saturation", "median"] < 103
    floor = fit.ppl_min().loc["saturation"]
    assert 106.5 < floor["median"] < 109 and floor["converged"]
    assert fit["saturation"].tree.posterior.attrs["sampler"] == "pymc"
    fit.save(tmp_path / "f")
    back = bs.load(tmp_path / "f")
    pd.testing.assert_frame_equal(back.ppl_min(), fit.ppl_min())
    assert back.priors == fit.priors and "floor" in back["saturation"].priors.derived
    assert "Normal(mu=108, sigma=1)" in back.describe()


def test_law_probabilities_and_the_discrepancy_prior_are_priors_too(seed_df, seed_fit):
    probs = {"power": 0.0, "saturation": 0.6, "exp_decay": 0.4}
    fit = bs.fit(seed_df, x="samples", y="val_ppl", random_seed=20251203,
                 priors={"law_probs": probs, "discrepancy": bs.Prior("HalfNormal", sigma=0.2)})
    fw = fit.forecast_weights()
    assert fw.loc["power", "weight"] == 0.0
    by_hand = np.array([0.6, 0.4]) * np.exp(fw.loc[["saturation", "exp_decay"], "elpd_lfo"].to_numpy())
    np.testing.assert_allclose(fw.loc[["saturation", "exp_decay"], "weight"], by_hand / by_hand.sum())
    d = fit.discrepancy()
    assert d["prior_median"].iloc[0] == pytest.approx(stats.halfnorm(scale=0.2).median(), rel=1e-9)
    wide = fit.forecast([25600], law="saturation")
    narrow = seed_fit.forecast([25600], law="saturation")
    ratio = [float(t["upper"].iloc[0] / t["lower"].iloc[0]) for t in (wide, narrow)]
    assert ratio[0] > ratio[1]


def test_prior_predictive_check_scales_with_the_data(seed_fit):
    """The default priors mean the same in any units: the prior predictive of y scaled by 1000 is
    the same check scaled by 1000 (same seeds)."""
    pp = seed_fit.prior_predictive([200, 3200, 25600], law="saturation")
    assert set(pp.columns) >= {"law", "n", "y_lower", "y_median", "y_upper", "curve_lower", "curve_median"}
    assert (pp["y_lower"] < pp["y_median"]).all() and (pp["y_median"] < pp["y_upper"]).all()
    # the observed level lies well inside the prior's 90% band at the data's centre
    assert pp["y_lower"].iloc[1] < 114.8 < pp["y_upper"].iloc[1]


@pytest.mark.parametrize(("law", "name", "prior"), [
    ("saturation", "a", bs.Prior("LogNormal", mu=math.log(0.5), sigma=0.2)),
    ("saturation", "floor", bs.Prior("Normal", mu=108, sigma=3)),
])
def test_the_models_jacobian_matches_exact_prior_draws(seed_data, law, name, prior):
    """NUTS on the PyMC model with the likelihood off (the model's potential: the stated prior plus
    log |dq/dtheta|) against exact draws by inversion: the same joint prior (two-sample KS on every
    parameter). Without the Jacobian the parameters behind the quantity are tilted and this fails."""
    from bayes_scaling.sampling import SamplerOptions, _run

    law = bs.get_law(law)
    lp = law.resolve_priors({name: prior})
    exact = sample_prior(law, seed_data, lp, draws=4000, seed=4)
    options = SamplerOptions(draws=1000, tune=1000, chains=4, retry=False)
    post, stats_ = _run(law, seed_data, options, 5, lp, weight=0.0)
    assert int(stats_["diverging"].sum()) <= 10  # the prior alone has a hard edge (floor < y_ref); the data smooth it
    for k in [p.name for p in law.parameters]:
        assert stats.ks_2samp(post[k].to_numpy().ravel()[::4], exact[k]).pvalue > 1e-3, k


def test_priors_pickle_so_that_fits_travel_to_worker_processes():
    import pickle

    p = bs.Prior("Normal", mu=108, sigma=1)
    ps = bs.Priors({"saturation": {"floor": p}, "law_probs": {"power": 0.2, "saturation": 0.8}})
    assert pickle.loads(pickle.dumps(p)) == p and pickle.loads(pickle.dumps(ps)) == ps
    with pytest.raises(AttributeError, match="immutable"):
        pickle.loads(pickle.dumps(p)).dist = "LogNormal"


def test_exponent_and_level_priors_are_checked_against_the_data_before_sampling():
    """An exponent prior far from the data's own slope, and a y@N prior in other units, are warned about
    before any sampling; priors that fit the data pass."""
    df = pd.DataFrame({"n": [1000, 2000, 4000, 8000, 16000, 32000.0], "loss": [3.91, 3.62, 3.41, 3.27, 3.18, 3.12]})
    data = as_scaling_data(df, x="n", y="loss")
    power, sat = bs.get_law("power"), bs.get_law("saturation")
    (sev, msg), = power.prior_conflicts(power.resolve_priors({"slope": bs.Prior("Normal", mu=5, sigma=0.3)}), data)
    assert sev == "conflict" and "data's own log-log slope 0.0643" in msg
    assert power.prior_conflicts(power.resolve_priors({"slope": bs.Prior("LogNormal", mu=-2, sigma=1)}), data) == []
    assert sat.prior_conflicts(sat.resolve_priors({"a": bs.Prior("Normal", mu=1.0, sigma=0.1)}), data) == []
    assert sat.prior_conflicts(sat.resolve_priors({"a": bs.Prior("Normal", mu=30, sigma=2)}), data)[0][0] == "conflict"
    (sev, msg), = sat.prior_conflicts(sat.resolve_priors({"y@4000": bs.Prior("Normal", mu=34, sigma=2)}), data)
    assert "data's level there, about 3.41" in msg
    assert sat.prior_conflicts(sat.resolve_priors({"y@4000": bs.Prior("Normal", mu=3.4, sigma=0.2)}), data) == []
    (sev, msg), = sat.prior_conflicts(sat.resolve_priors({"y@64000": bs.Prior("Normal", mu=30, sigma=2)}), data)
    assert "below the last measurements (3.12)" in msg
    assert sat.prior_conflicts(sat.resolve_priors({"y@64000": bs.Prior("Normal", mu=3.0, sigma=0.2)}), data) == []
    with pytest.warns(bs.DataWarning, match="the prior and the data disagree"):
        bs.fit(df, x="n", y="loss", laws=["power"], draws=200, random_seed=1,
               priors={"power": {"slope": bs.Prior("Normal", mu=5, sigma=0.3)}})


def test_floor_priors_are_checked_against_the_data_before_sampling():
    """A perplexity-sized floor on a loss curve is refused, a floor prior that mostly sits above the
    measurements is warned about, a merely vague one is accepted and answers (the floor's prior drawn by NUTS
    where rejection cannot reach it)."""
    df = pd.DataFrame({"n": [1000, 2000, 4000, 8000, 16000, 32000.0], "loss": [3.91, 3.62, 3.41, 3.27, 3.18, 3.12]})
    kw = {"x": "n", "y": "loss", "laws": ["saturation"], "draws": 300, "random_seed": 1}
    with pytest.raises(bs.ArgumentError, match=r"puts no mass below it.*perplexity on a loss curve"):
        bs.fit(df, priors={"saturation": {"floor": bs.Prior("Normal", mu=20, sigma=1)}}, **kw)
    with pytest.raises(bs.ArgumentError, match="puts no mass below it"):
        bs.fit(df, priors={"saturation": {"floor": bs.Prior("Uniform", lower=3.5, upper=9)}}, **kw)
    law = bs.get_law("saturation")  # fit() warns with these messages before sampling
    data = as_scaling_data(df, x="n", y="loss")
    (severity, message), = law.prior_conflicts(law.resolve_priors({"floor": bs.Prior("Normal", mu=3.5, sigma=0.15)}),
                                               data)
    assert severity == "conflict" and "of its mass lies below it, so the prior and the data disagree" in message
    assert law.prior_conflicts(law.resolve_priors({"floor": bs.Prior("Normal", mu=2.5, sigma=0.5)}), data) == []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        vague = bs.fit(df, priors={"saturation": {"floor": bs.Prior("Uniform", lower=0, upper=1e9)}}, **kw)
        floor = vague.ppl_min().loc["saturation"]
    assert 0 < floor["lower"] < floor["upper"] < 3.12


def test_the_lm_preset_warns_on_a_perplexity_and_not_on_a_loss():
    df = bs.load_example()
    with pytest.warns(bs.DataWarning, match="learned on language-model losses"):
        bs.fit(df, x="samples", y="val_ppl", priors="lm", laws=["power"], draws=200, random_seed=1)
    loss = df.assign(**{"eval/loss": np.log(df["val_ppl"])})
    with warnings.catch_warnings():
        warnings.simplefilter("error", bs.DataWarning)
        bs.fit(loss, x="samples", y="eval/loss", priors="lm", laws=["power"], draws=200, random_seed=1)
        bs.fit(df, x="samples", y="val_ppl", laws=["power"], draws=200, random_seed=1)  # default priors: no warning
