"""End-to-end checks on the seed table (the project's first real user)."""

import warnings

import numpy as np
import pandas as pd
import pytest

import bayes_scaling as bs
from bayes_scaling import averaging

COMPARE_COLUMNS = ["rank", "elpd_loo", "se", "p_loo", "elpd_waic", "p_waic", "weight", "forecast_weight", "aic", "aicc",
                   "bic", "pareto_k_max", "loo_refits", "divergences", "r_hat_max", "converged", "notes",
                   "likelihood"]


def _quiet_compare(fit):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bs.BayesScalingWarning)
        return fit.compare()


@pytest.mark.parametrize("which", ["seed_fit", "seed_fit_tokens"])
def test_all_laws_converge_cleanly_at_the_defaults(request, which):
    """0 divergences, r_hat <= 1.01 and bulk ESS >= 400 for every parameter, samples and tokens."""
    fit = request.getfixturevalue(which)
    for name, f in fit.fits.items():
        d = f.diagnostics
        assert d.n_draws == 4000 and d.chains == 4
        assert d.divergences == 0, name
        assert d.r_hat_max <= 1.01, name
        assert d.ess_bulk_min >= 400, name
        assert f.converged and not d.retried, name


def test_compare_table_on_seed(seed_fit):
    cmp = _quiet_compare(seed_fit)
    assert list(cmp.columns) == COMPARE_COLUMNS
    assert set(cmp.index) == {"power", "saturation", "exp_decay"}
    assert cmp["rank"].tolist() == [1, 2, 3]
    assert cmp["elpd_loo"].is_monotonic_decreasing
    assert cmp.index[0] != "power"
    assert cmp.loc["power", "rank"] == 3
    assert cmp["weight"].sum() == pytest.approx(1.0)
    assert (cmp["weight"] >= 0).all()
    # AIC agrees with the seed note's ordering: saturation < exp_decay < power
    assert cmp.loc["saturation", "aic"] < cmp.loc["exp_decay", "aic"] < cmp.loc["power", "aic"]
    # AICc needs N > k + 1: defined for power (k=3) only on five points
    assert np.isfinite(cmp.loc["power", "aicc"]) and np.isnan(cmp.loc["exp_decay", "aicc"])


def test_high_pareto_k_points_are_refitted_exactly(seed_fit):
    """With five points PSIS k > 0.7 is common; those points are refitted and the table says so."""
    cmp = seed_fit.compare()
    for name, row in cmp.iterrows():
        f = seed_fit[name]
        k = np.asarray(f.psis_loo.pareto_k)
        assert row["pareto_k_max"] == pytest.approx(k.max())
        assert row["loo_refits"] == int((k > 0.7).sum())
        if row["loo_refits"]:
            assert "refitted exactly" in row["notes"]
            # the refitted points changed, the others kept their PSIS values
            exact = np.asarray(f.loo.elpd_i)
            psis = np.asarray(f.psis_loo.elpd_i)
            np.testing.assert_array_equal(exact[k <= 0.7], psis[k <= 0.7])
            assert row["elpd_loo"] == pytest.approx(exact.sum())
    assert cmp["loo_refits"].sum() > 0  # the seed table does trigger refits


def test_unrefittable_high_k_point_warns():
    """With three distinct n, leaving one out leaves too few: PSIS stays and a warning says so."""
    df = pd.DataFrame({"n": [100, 1000, 10000], "y": [5.0, 3.0, 2.6]})
    fit = bs.fit(df, laws=["saturation"], random_seed=5)
    loo = fit["saturation"].loo
    k = np.asarray(fit["saturation"].psis_loo.pareto_k)
    assert (k > 0.7).any()  # three points: PSIS fails somewhere
    assert loo.n_refits == 0 and loo.refit_failed == [int(i) for i in np.flatnonzero(k > 0.7)]
    with pytest.warns(bs.LooWarning, match="too few points left"):
        fit.compare()


def test_floor_interval_below_smallest_observation(seed_fit):
    floor = seed_fit.ppl_min(prob=0.9)
    assert list(floor.index) == ["saturation", "exp_decay"]
    assert list(floor.columns) == ["mean", "median", "lower", "upper", "hdi_lower", "hdi_upper", "floor_informed",
                                   "flags", "converged", "likelihood"]
    sat = floor.loc["saturation"]
    assert sat["upper"] < 114.8
    assert sat["lower"] < sat["median"] < sat["upper"]
    assert sat["hdi_upper"] - sat["hdi_lower"] <= sat["upper"] - sat["lower"] + 1e-9
    # the seed's optimiser-bound value 95.4 and the unbounded least-squares 99.3 are both plausible
    assert sat["lower"] < 95.4 and 99.3 < sat["upper"]
    # equal-tailed means the quantiles of the draws
    draws = seed_fit["saturation"].draws["floor"]
    assert sat["lower"] == pytest.approx(np.quantile(draws, 0.05))
    assert sat["upper"] == pytest.approx(np.quantile(draws, 0.95))


def test_forecasts_fall_with_n_and_have_ordered_intervals(seed_fit):
    fc = seed_fit.forecast([6400, 12800, 25600], prob=0.9)
    assert list(fc.columns) == ["n", "extrapolation", "law", "mean", "median", "lower", "upper", "curve_lower",
                                "curve_upper", "flags", "converged", "likelihood"]
    assert fc["extrapolation"].tolist() == [2.0, 4.0, 8.0]  # n / the largest observed n (3200)
    assert (fc["law"] == "averaged").all()
    assert fc["median"].is_monotonic_decreasing
    # the laws alone have a mean at every n; with the learned discrepancy it is NaN exactly where the draws'
    # tails are too heavy for one (test_the_mean_is_given_only_where_the_draws_have_one)
    laws_alone = seed_fit.forecast([6400, 12800, 25600], prob=0.9, discrepancy=0)
    assert laws_alone["mean"].notna().all() and laws_alone["mean"].is_monotonic_decreasing
    assert (fc["lower"] < fc["median"]).all() and (fc["median"] < fc["upper"]).all()
    # the mean-curve band sits inside the interval for a new measurement
    assert (fc["lower"] <= fc["curve_lower"]).all() and (fc["curve_upper"] <= fc["upper"]).all()
    every = seed_fit.forecast([6400], law="all")
    assert every["law"].tolist() == ["power", "saturation", "exp_decay", "averaged"]
    best = seed_fit.forecast([6400], law="best")
    assert best["law"].iloc[0] == seed_fit.best_law()


def test_averaged_forecast_is_the_forecast_weighted_mixture(seed_fit):
    """With weights w, the averaged draws are w-weighted shares of each law's draws."""
    w = seed_fit.weights()
    assert w == seed_fit.forecast_weights()["weight"].to_dict()
    # the laws' own draws (discrepancy=0), whose means all exist; the discrepancy multiplies each draw alike
    fc_avg = seed_fit.forecast([6400], law="averaged", discrepancy=0).iloc[0]
    per_law = {k: seed_fit.forecast([6400], law=k, discrepancy=0).iloc[0]["mean"] for k in w}
    expected = sum(w[k] * per_law[k] for k in w)
    spread = max(per_law.values()) - min(per_law.values())
    assert fc_avg["mean"] == pytest.approx(expected, abs=0.02 * spread + 0.5)


def test_the_mean_is_given_only_where_the_draws_have_one(seed_fit):
    """A mean is the average of the draws where their tails allow one (Pareto k-hat <= 0.7), else NaN."""
    from bayes_scaling.forecast import MEAN_KHAT_MAX, interval_columns, tail_khat

    rng = np.random.default_rng(0)
    z = rng.standard_normal(4000)
    draws = np.stack([np.exp(0.5 * z),                      # log-normal, sigma 0.5: mean exp(1/8)
                      np.exp(rng.standard_cauchy(4000)),      # log-Cauchy: no mean at all
                      np.full(4000, 3.0),                     # constant: its own mean
                      np.where(z > 3.0, np.inf, 1.0 + z**2)], axis=1)  # a few infinite draws
    cols = interval_columns(draws, 0.9)
    assert cols["mean"][0] == pytest.approx(draws[:, 0].mean(), rel=1e-12)
    assert cols["mean"][0] == pytest.approx(np.exp(0.125), rel=0.03)
    assert np.isnan(cols["mean"][1]) and tail_khat(draws[:, [1]])[0] > 1  # the median and interval remain
    assert np.isfinite([cols["median"][1], cols["lower"][1], cols["upper"][1]]).all()
    assert cols["mean"][2] == 3.0 and np.isnan(cols["mean"][3])
    assert MEAN_KHAT_MAX == 0.7
    # beyond the data the learned discrepancy's half-Cauchy tail leaves a new measurement without a mean:
    # at 1000x the average of the draws would be set by a few of them; inside the data the mean is there
    fc = seed_fit.forecast([3200, 3.2e6])
    assert fc["mean"].notna().tolist() == [True, False]
    assert (fc["lower"] < fc["median"]).all() and (fc["median"] < fc["upper"]).all()
    assert fc["lower"].iloc[0] <= fc["mean"].iloc[0] <= fc["upper"].iloc[0]


def test_forecast_weights_score_the_last_doubling(seed_fit):
    """Each law refitted on 200..1600 and scored on 3200; weights = prior probability x exp(elpd_lfo),
    normalised, with the laws' default prior probabilities (power 0.05, saturation 0.65, exp_decay 0.30)."""
    fw = seed_fit.forecast_weights()
    assert fw["held_out"].tolist() == ["3200"] * 3
    assert fw["method"].iloc[0].startswith("leave-future-out")
    np.testing.assert_allclose(fw["prior_prob"], [0.05, 0.65, 0.30], rtol=1e-12)
    expected = fw["prior_prob"] * np.exp(fw["elpd_lfo"] - fw["elpd_lfo"].max())
    np.testing.assert_allclose(fw["weight"], expected / expected.sum(), rtol=1e-12)
    cmp = _quiet_compare(seed_fit)
    np.testing.assert_allclose(cmp["forecast_weight"], fw["weight"].reindex(cmp.index))
    assert seed_fit.weights("stacking") == cmp["weight"].to_dict()
    # the power law interpolates the five points passably but forecast 3200 from 1600 badly
    # (it keeps falling): it carries almost no forecast weight
    assert fw.loc["power", "weight"] < 0.1
    with pytest.raises(bs.ArgumentError, match="kind"):
        seed_fit.weights("bma")


def test_elpd_lfo_is_the_predictive_density_of_a_refit(seed_fit, seed_df):
    """The score equals log p(y_3200 | y_200..1600) from an independent fit on the first four rows."""
    from bayes_scaling.densities import log_mean_exp, lognormal_logpdf

    first = bs.fit(seed_df.query("samples <= 1600"), x="samples", y="val_ppl", laws=["saturation"],
                   random_seed=3)
    f = first["saturation"]
    lpd = log_mean_exp(lognormal_logpdf(np.log(114.8), np.log(f.curve([3200.0])[:, 0]), f.draws["sigma"]))
    assert seed_fit.forecast_weights().loc["saturation", "elpd_lfo"] == pytest.approx(lpd, abs=0.05)


def test_future_lpd_agrees_with_refits_with_replicates_at_the_largest_n():
    """Two replicates at the largest n are held out together: PSIS where its k <= 0.5, a refit
    elsewhere (this curve exercises both); either way the scores match independent refits within
    Monte Carlo error."""
    from arviz_stats.base import array_stats

    n = np.concatenate([np.geomspace(100, 3200, 20), [3200]])
    y = 50 + 300 * n**-0.4 * np.exp(np.random.default_rng(0).normal(0, 0.02, n.size))
    fit = bs.fit(pd.DataFrame({"n": n, "y": y}), random_seed=1)
    keep, _ = averaging.future_split(fit)
    assert (~keep).sum() == 2 and fit.forecast_weights()["held_out"].iloc[0] == "3200"
    doubling, _ = averaging.future_split(fit, "doubling")  # what learn_priors scores: every n above 1600
    assert set(np.unique(n[~doubling])) == set(np.unique(n[n > 1600 * (1 + 1e-9)])) and (~doubling).sum() == 5
    k = [float(array_stats.psislw(f.log_lik[:, ~keep].sum(axis=1), r_eff=f.reff)[1]) for f in fit.fits.values()]
    assert min(k) <= 0.5 < max(k), k
    for name, f in fit.fits.items():
        np.testing.assert_allclose(f.future_lpd(keep, seed=1), f.holdout_lpd(keep, seed=99), atol=0.1,
                                   err_msg=name)


def test_forecast_weights_fall_back_to_stacking_without_a_split(seed_df):
    """Four distinct n: exp_decay needs all four to fit, so nothing is left to forecast."""
    fit = bs.fit(seed_df.query("samples <= 1600"), x="samples", y="val_ppl", random_seed=4, draws=300, tune=300)
    fw = fit.forecast_weights()
    assert fw["elpd_lfo"].isna().all()
    assert fw["method"].iloc[0].startswith("LOO stacking: 4 distinct n")
    # the stacking weights times the laws' prior probabilities, normalised
    stack, prior = fit.weights("stacking"), fit.priors.law_prob([f.law for f in fit.fits.values()])
    total = sum(stack[k] * prior[k] for k in stack)
    assert fit.weights() == pytest.approx({k: stack[k] * prior[k] / total for k in stack}, abs=1e-12)
    np.testing.assert_allclose(fw["prior_prob"].to_numpy(), [prior[k] for k in fw.index])
    one = bs.fit(seed_df, x="samples", y="val_ppl", laws=["power"], random_seed=4, draws=300, tune=300)
    assert one.weights() == {"power": 1.0}


def test_extrapolation_check_from_the_seed_note():
    """Fit on 200..1600 samples, forecast 3200: the 90% interval contains the measured 114.8."""
    df = bs.load_example().query("samples <= 1600")
    fit = bs.fit(df, x="samples", y="val_ppl", random_seed=7)
    row = fit.forecast(3200, prob=0.9).iloc[0]
    assert row["lower"] < 114.8 < row["upper"]
    sat = fit.forecast(3200, prob=0.9, law="saturation").iloc[0]
    assert sat["lower"] < 114.8 < sat["upper"]


def test_same_seed_reproduces_every_number(seed_df):
    a = bs.fit(seed_df, x="samples", y="val_ppl", laws=["saturation"], random_seed=11, draws=300, tune=300)
    b = bs.fit(seed_df, x="samples", y="val_ppl", laws=["saturation"], random_seed=11, draws=300, tune=300)
    pd.testing.assert_frame_equal(a.ppl_min(), b.ppl_min())
    pd.testing.assert_frame_equal(a.forecast([5000, 9000]), b.forecast([5000, 9000]))
    np.testing.assert_array_equal(a["saturation"].draws["floor"], b["saturation"].draws["floor"])
    c = bs.fit(seed_df, x="samples", y="val_ppl", laws=["saturation"], random_seed=12, draws=300, tune=300)
    assert not np.array_equal(a["saturation"].draws["floor"], c["saturation"].draws["floor"])


def test_fit_options_pass_through(seed_df):
    fit = bs.fit(seed_df, x="samples", y="val_ppl", laws=["power"], draws=400, tune=300, chains=2,
                 random_seed=3)
    assert fit.laws == ["power"]
    post = fit.posterior("power").posterior
    assert post.sizes["chain"] == 2 and post.sizes["draw"] == 400
    assert "log_likelihood" in fit.posterior("power").children
    assert fit.posterior("power").log_likelihood["y"].shape == (2, 400, 5)
    # a single law gets all the weight, its own forecasts are the averaged ones
    assert fit.weights() == {"power": 1.0}


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"prob": 1.0}, "prob"), ({"prob": 0}, "prob"), ({"prob": "high"}, "prob"),
    ({"n": 0}, "n must"), ({"n": [-5, 100]}, "n must"), ({"n": np.inf}, "n must"),
    ({"law": "cubic"}, "not fitted"),
])
def test_invalid_forecast_arguments(seed_fit, kwargs, match):
    args = {"n": 6400, "prob": 0.9, "law": "averaged"} | kwargs
    with pytest.raises(bs.ArgumentError, match=match) as err:
        seed_fit.forecast(args["n"], prob=args["prob"], law=args["law"])
    assert isinstance(err.value, ValueError) and isinstance(err.value, bs.BayesScalingError)


def test_invalid_ppl_min_prob(seed_fit):
    with pytest.raises(ValueError, match="prob"):
        seed_fit.ppl_min(prob=1.5)


def test_invalid_sampler_options(seed_df):
    with pytest.raises(bs.ArgumentError, match="draws"):
        bs.fit(seed_df, x="samples", y="val_ppl", draws=0)
    with pytest.raises(bs.NotFoundError, match="unknown law 'cubic'; registered laws: power") as err:
        bs.fit(seed_df, x="samples", y="val_ppl", laws=["cubic"])
    assert isinstance(err.value, KeyError) and str(err.value).startswith("unknown law")
    with pytest.raises(bs.NotFoundError, match="was not fitted"):
        bs.fit(seed_df, x="samples", y="val_ppl", laws=["power"], draws=300, random_seed=0)["saturation"]


def test_tokens_and_samples_tell_the_same_story(seed_fit, seed_fit_tokens):
    """tokens are ~1200 x samples: floors agree, exponents agree within the posterior spread."""
    a = seed_fit.ppl_min().loc["saturation"]
    b = seed_fit_tokens.ppl_min().loc["saturation"]
    assert abs(a["median"] - b["median"]) < 0.5 * (a["upper"] - a["lower"])
    assert _quiet_compare(seed_fit_tokens).index[0] != "power"


def test_discrepancy_widens_only_beyond_the_data(seed_fit):
    n = np.array([800, 3200, 6400, 25600.0])
    plain = seed_fit.forecast(n, discrepancy=0.0)
    inside = n <= 3200
    base = np.log(plain["upper"] / plain["lower"]).to_numpy()
    for wide in (seed_fit.forecast(n, discrepancy=0.2), seed_fit.forecast(n)):  # fixed, learned (default)
        pd.testing.assert_frame_equal(wide[inside], plain[inside])  # no change at or below the largest n
        pd.testing.assert_frame_equal(wide[["curve_lower", "curve_upper"]], plain[["curve_lower", "curve_upper"]])
        assert (np.log(wide["upper"] / wide["lower"]).to_numpy()[~inside] > base[~inside] + 0.01).all()
    wide = seed_fit.forecast(n, discrepancy=0.2)
    width = np.log(wide["upper"] / wide["lower"]).to_numpy()
    # log-normal arithmetic: the interval's log-width grows to 2 z sqrt(s^2 + (0.2 d)^2), d = log(n / 3200)
    z = 1.6449
    d = np.log(n[~inside] / 3200)
    expected = 2 * z * np.sqrt((base[~inside] / (2 * z)) ** 2 + (0.2 * d) ** 2)
    np.testing.assert_allclose(width[~inside], expected, rtol=0.08)
    np.testing.assert_allclose(wide["median"][~inside], plain["median"][~inside], rtol=0.02)
    for bad in (-1, "lots", None, float("nan"), True):
        with pytest.raises(bs.ArgumentError, match="discrepancy"):
            seed_fit.forecast(n, discrepancy=bad)


def _kappa_posterior_by_hand(df, law, seed):
    """The discrepancy's grid posterior from an independent fit without the largest n."""
    from bayes_scaling.densities import log_mean_exp, lognormal_logpdf
    DISCREPANCY_SCALE = 0.01  # the default prior's scale

    grid = np.linspace(0, 2, 20001)  # plain Riemann sum, finer than the package's quadrature
    top = df["n"].max()
    f = bs.fit(df[df["n"] < top], laws=[law], random_seed=seed, draws=2000)[law]
    held = df[df["n"] == top]
    step = np.log(top / df.loc[df["n"] < top, "n"].max())
    mu = np.log(f.curve([top])[:, 0])
    lp = -np.log1p((grid / DISCREPANCY_SCALE) ** 2)
    for y in held["y"]:
        sd = np.sqrt(f.draws["sigma"][None, :] ** 2 + (grid[:, None] * step) ** 2)
        lp = lp + log_mean_exp(lognormal_logpdf(np.log(y), mu[None, :], sd), axis=1)
    p = np.exp(lp - lp.max())
    return grid[np.searchsorted(np.cumsum(p / p.sum()), 0.5)]


def test_learned_discrepancy_follows_the_leave_future_out_miss():
    """kappa's posterior is the half-Cauchy prior times the predictive density of the largest n given
    the smaller ones, with the noise widened by kappa * log(step): checked against an independent
    refit. A saturation curve that keeps to its law leaves kappa near the prior (median 0.01); one
    whose last point sits 25% above the law's path (a log miss of 0.22 one doubling out) pushes it
    towards 0.22 / log 2 = 0.32."""
    n = np.geomspace(100, 3200, 6)
    truth = 20 + 400 * n**-0.5
    noise = np.exp(np.random.default_rng(5).normal(0, 0.01, n.size))
    kept = pd.DataFrame({"n": n, "y": truth * noise})
    bent = kept.assign(y=kept["y"] * np.where(n == n.max(), 1.25, 1.0))
    medians = {}
    for name, df in (("kept", kept), ("bent", bent)):
        fit = bs.fit(df, laws=["power", "saturation"], random_seed=2)
        d = fit.discrepancy("all").set_index("law")
        medians[name] = d.loc["saturation", "median"]
        by_hand = _kappa_posterior_by_hand(df, "saturation", 9)
        assert d.loc["saturation", "median"] == pytest.approx(by_hand, rel=0.25, abs=0.005), name
        assert (d["lower"] <= d["median"]).all() and (d["median"] <= d["upper"]).all()
        assert d["held_out"].eq("3200").all() and d["converged"].all()
        assert (d["notes"] != "").all() == (name == "bent"), d["notes"]  # said in words when it matters
    assert medians["kept"] < 0.03
    assert 0.15 < medians["bent"] < 0.6
    # a bigger kappa means a wider forecast beyond the data
    w = {}
    for name, df in (("kept", kept), ("bent", bent)):
        fc = bs.fit(df, laws=["saturation"], random_seed=2).forecast([25600.0], law="saturation")
        w[name] = float(np.log(fc["upper"] / fc["lower"]).iloc[0])
    assert w["bent"] > 1.5 * w["kept"]


def test_a_held_out_step_too_short_to_inform_kappa_is_said(seed_fit):
    """A dense curve's last checkpoint is 1.2% beyond the one before it: its forecast cannot tell a kappa of
    0.01 from 0.1 (the extra sd 0.1 x 0.012 is a tenth of the 1% noise), so kappa keeps its prior and the
    table says that the prior sets the width beyond the data. Five doublings do narrow it: no note."""
    n = np.geomspace(1e3, 1e5, 400)
    y = (20 + 400 * n**-0.5) * np.exp(np.random.default_rng(3).normal(0, 0.01, n.size))
    d = bs.fit(pd.DataFrame({"n": n, "y": y}), laws=["power", "saturation"], random_seed=2).discrepancy()
    prior_upper = float(bs.priors.DEFAULT_DISCREPANCY.scipy().ppf(0.95))
    assert d["upper"].iloc[0] == pytest.approx(prior_upper, rel=0.2)
    assert "1.16% beyond the largest n before it" in d["notes"].iloc[0]
    assert "the prior sets the width" in d["notes"].iloc[0]
    seed = seed_fit.discrepancy()
    assert seed["upper"].iloc[0] < 0.8 * prior_upper and seed["notes"].iloc[0] == ""


def test_discrepancy_without_a_split_is_the_prior(seed_df):
    DISCREPANCY_SCALE = bs.priors.DEFAULT_DISCREPANCY.values()["beta"]

    fit = bs.fit(seed_df.query("samples <= 1600"), x="samples", y="val_ppl", random_seed=4, draws=300, tune=300)
    d = fit.discrepancy()
    # half-Cauchy quantiles q -> s tan(q pi / 2): median s, 5% 0.079 s, 95% 12.7 s (grid steps are 6%)
    for col, q in (("lower", 0.05), ("median", 0.5), ("upper", 0.95)):
        assert d[col].iloc[0] == pytest.approx(DISCREPANCY_SCALE * np.tan(q * np.pi / 2), rel=0.08), col
    assert d["held_out"].iloc[0] == ""
    assert d["notes"].iloc[0].startswith("nothing held out to learn from (4 distinct n")
    with pytest.raises(bs.ArgumentError, match="not fitted"):
        fit.discrepancy("mmf")
    # a held-out point that no kappa on the grid can explain (log density -inf throughout) leaves the prior
    from bayes_scaling.discrepancy import KAPPA_GRID
    from bayes_scaling.result import ScalingFit

    split = bs.fit(seed_df, x="samples", y="val_ppl", laws=["power", "saturation"], random_seed=4, draws=300,
                   tune=300)
    odd = ScalingFit(split.data, split.fits, split.seed, split.options)
    odd.cached("future_scores", lambda: {k: np.full(KAPPA_GRID.size, -np.inf) for k in split.fits})
    cols = ["median", "lower", "upper"]
    pd.testing.assert_frame_equal(odd.discrepancy("power")[cols], fit.discrepancy("power")[cols])


def test_fit_many_leaves_the_callers_warning_filters_alone(seed_df):
    import warnings

    before = list(warnings.filters)
    bs.fit_many([seed_df, seed_df.iloc[:4], seed_df.iloc[1:]], x="samples", y="val_ppl", laws=["power"],
                draws=200, tune=200, random_seed=0, n_jobs=3)
    assert warnings.filters == before


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_fit_many_reports_progress_on_stderr(seed_df, capsys, n_jobs):
    """Off by default; with progress=True one line per tenth of the batch (every curve of a batch of three),
    the last saying all are done; a string labels the lines."""
    curves = [seed_df, seed_df.iloc[:4], seed_df.iloc[1:]]
    bs.fit_many(curves, x="samples", y="val_ppl", laws=["power"], draws=200, tune=200, random_seed=0, n_jobs=n_jobs)
    assert capsys.readouterr().err == ""
    bs.fit_many(curves, x="samples", y="val_ppl", laws=["power"], draws=200, tune=200, random_seed=0, n_jobs=n_jobs,
                progress="seeds")
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(" curves")[0] for line in lines] == ["seeds: 1/3", "seeds: 2/3", "seeds: 3/3"]
