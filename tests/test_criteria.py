import math

import numpy as np
import pytest
from scipy.optimize import curve_fit

import bayes_scaling as bs
from bayes_scaling import criteria
from tests.conftest import SEED_N, SEED_PPL


def _naive_waic(ll):
    """WAIC by explicit loops in plain Python floats (Gelman, Hwang & Vehtari 2014, eq. 11-13)."""
    s_count, n_count = ll.shape
    elpd = []
    p_total = 0.0
    for i in range(n_count):
        col = [float(v) for v in ll[:, i]]
        top = max(col)
        lppd = top + math.log(sum(math.exp(v - top) for v in col) / s_count)
        mean = sum(col) / s_count
        var = sum((v - mean) ** 2 for v in col) / (s_count - 1)
        elpd.append(lppd - var)
        p_total += var
    mean_e = sum(elpd) / n_count
    se = math.sqrt(n_count * sum((e - mean_e) ** 2 for e in elpd) / (n_count - 1))
    return sum(elpd), se, p_total


def test_waic_matches_an_independent_computation():
    rng = np.random.default_rng(0)
    ll = rng.normal(-2.0, 0.8, size=(400, 7)) - rng.gamma(1.0, 1.0, size=(400, 7))
    ours = criteria.waic(ll)
    elpd, se, p = _naive_waic(ll)
    assert ours["elpd_waic"] == pytest.approx(elpd, rel=1e-12)
    assert ours["se"] == pytest.approx(se, rel=1e-12)
    assert ours["p_waic"] == pytest.approx(p, rel=1e-12)


def test_waic_known_value_for_gaussian_log_likelihoods():
    """If ll ~ Normal(m, v) over draws, lppd -> m + v/2 (log-normal mean) and p_waic -> v."""
    rng = np.random.default_rng(1)
    m = np.array([-1.0, -3.0, -0.5])
    v = np.array([0.04, 0.09, 0.01])
    ll = m + np.sqrt(v) * rng.standard_normal((200_000, 3))
    w = criteria.waic(ll)
    np.testing.assert_allclose(w["p_i"], v, rtol=0.02)
    np.testing.assert_allclose(w["elpd_i"], m + v / 2 - v, atol=2e-3)


def test_waic_of_identical_draws_has_no_penalty():
    w = criteria.waic(np.tile([-1.0, -2.0, -0.5], (50, 1)))
    assert w["p_waic"] == 0.0
    assert w["elpd_waic"] == pytest.approx(-3.5)


def test_seed_power_law_aic_least_squares_convention():
    """The seed note's power-law AIC 26.65 is N ln(RSS/N) + 2k of a least-squares fit on PPL."""
    slope, intercept = np.polyfit(np.log(SEED_N), np.log(SEED_PPL), 1)
    (a_coef, a_exp), _ = curve_fit(lambda n, A, a: A * n**-a, SEED_N, SEED_PPL,
                                   p0=[np.exp(intercept), -slope], maxfev=20000)
    rss = float(np.sum((SEED_PPL - a_coef * SEED_N**-a_exp) ** 2))
    assert criteria.aic_least_squares(rss, n=5, k=2) == pytest.approx(26.65, abs=0.01)


def test_information_criteria_formulas():
    ic = criteria.information_criteria(log_lik_max=-10.0, k=3, n=20)
    assert ic["aic"] == pytest.approx(26.0)
    assert ic["aicc"] == pytest.approx(26.0 + 2 * 3 * 4 / 16)
    assert ic["bic"] == pytest.approx(20.0 + 3 * math.log(20))
    # exp_decay on five points: k = 5 = N, AIC finite but AICc undefined
    ic = criteria.information_criteria(log_lik_max=-10.0, k=5, n=5)
    assert np.isfinite(ic["aic"]) and np.isnan(ic["aicc"])
    # more parameters than points: the likelihood is unbounded, no criterion
    assert np.isnan(criteria.information_criteria(-10.0, 5, 4)["aic"])


def test_power_law_mle_is_least_squares_on_log_log(seed_fit, seed_data):
    """For the power law the ML fit is ordinary least squares of log y on log n (closed form)."""
    mle = seed_fit["power"].mle
    slope, intercept = np.polyfit(seed_data.u, seed_data.log_y, 1)
    rss = float(np.sum((seed_data.log_y - (intercept + slope * seed_data.u)) ** 2))
    n = seed_data.n_obs
    log_lik = -0.5 * n * (math.log(2 * math.pi * rss / n) + 1) - seed_data.log_y.sum()
    assert mle.converged
    assert mle.params["slope"] == pytest.approx(-slope, rel=1e-5)
    assert mle.params["y_ref"] == pytest.approx(math.exp(intercept), rel=1e-5)
    assert mle.log_lik == pytest.approx(log_lik, abs=1e-6)
    row = seed_fit.compare().loc["power"]
    assert row["aic"] == pytest.approx(-2 * log_lik + 2 * 3, abs=1e-5)
    assert row["bic"] == pytest.approx(-2 * log_lik + 3 * math.log(5), abs=1e-5)


@pytest.mark.parametrize("law", ["saturation", "exp_decay"])
def test_mle_beats_every_posterior_draw(seed_fit, law):
    f = seed_fit[law]
    assert f.mle.log_lik >= f.log_lik.sum(axis=1).max() - 1e-9


def test_saturation_mle_matches_unbounded_least_squares_on_log(seed_data):
    """An independent fit of floor + A n^-a by scipy on log PPL finds the same optimum."""
    from bayes_scaling import get_law

    def model(n, floor, log_a_coef, a):
        return np.log(floor + np.exp(log_a_coef) * n**-a)

    p, _ = curve_fit(model, SEED_N, np.log(SEED_PPL), p0=[99.0, np.log(13000.0), 0.83], maxfev=50000)
    rss = float(np.sum((np.log(SEED_PPL) - model(SEED_N, *p)) ** 2))
    ours = criteria.max_likelihood(get_law("saturation"), seed_data,
                                   [{"y_ref": 150.0, "slope": 0.3, "floor_frac": 0.5}])
    assert ours.rss_log == pytest.approx(rss, rel=1e-4)
    derived = get_law("saturation").derived({k: np.array(v) for k, v in ours.params.items()}, seed_data.n_ref)
    assert float(derived["floor"]) == pytest.approx(p[0], rel=1e-3)


def test_exact_loo_agrees_with_psis_where_psis_is_reliable():
    """On 12 well-behaved points, exact refits reproduce PSIS elpd_i where Pareto k is small."""
    import bayes_scaling as bs
    from bayes_scaling import cv
    from tests.conftest import simulate

    df = simulate("saturation", {"y_ref": 50.0, "slope": 0.3, "floor_frac": 0.5},
                  100 * 2.0 ** np.arange(12), 0.02, seed=3)
    f = bs.fit(df, laws=["saturation"], random_seed=3)["saturation"]
    k = np.asarray(f.psis_loo.pareto_k)
    psis = np.asarray(f.psis_loo.elpd_i)
    good = np.flatnonzero(k < 0.5)[:3]
    assert good.size == 3
    for i in good:
        keep = np.arange(f.data.n_obs) != i
        exact = float(f.holdout_lpd(keep, seed=cv.loo_seed(f, int(i)))[0])
        assert exact == pytest.approx(psis[i], abs=0.05)


def test_stacking_weights_equal_arviz_stats_and_survive_the_rows_of_a_dense_log():
    """Our stacking is arviz_stats' optimisation with each point's ELPDs shifted by their largest: the same
    weights on real fits, and the same again when every point's ELPDs are raised by 800 (a binned dense log's
    rows), where exp() in arviz_stats overflows and its weights fall to equal shares."""
    import types
    import warnings

    import arviz_stats as azs

    from bayes_scaling.averaging import stacking_weights

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, x, y in (("two_block", "samples", "val_ppl"), ("simulated_configs", "samples", "val_ppl")):
            df = bs.load_example(name)
            if "blocks" in df:
                df = df[df["blocks"] == df["blocks"].iloc[0]]
            fit = bs.fit(df, x=x, y=y, random_seed=3)
            ours = stacking_weights(fit.fits)
            theirs = azs.compare({k: f.loo for k, f in fit.fits.items()}, method="stacking")["weight"]
            for k in fit.fits:
                assert abs(ours[k] - float(theirs[k])) < 1e-3, (name, k)
            shifted = {k: types.SimpleNamespace(loo=types.SimpleNamespace(
                elpd_i=np.asarray(f.loo.elpd_i).ravel() + 800.0 + np.arange(fit.data.n_obs)))
                for k, f in fit.fits.items()}
            again = stacking_weights(shifted)
            for k in fit.fits:
                assert abs(again[k] - ours[k]) < 1e-6, (name, k)
