"""Property-based checks (hypothesis) over random valid learning curves."""

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import bayes_scaling as bs
from tests.conftest import centred_log


@st.composite
def curves(draw):
    """3-30 points over 1-12 decades, any units, 0-20% noise, optional replicates, any family shape."""
    m = draw(st.integers(3, 12))
    decades = draw(st.floats(1.0, 12.0))
    n0 = 10 ** draw(st.floats(0.0, 9.0))
    reps = draw(st.integers(1, 3)) if m <= 10 else 1
    scale = 10 ** draw(st.floats(-6.0, 4.0))
    shape = draw(st.sampled_from(["power", "saturation", "exp_decay"]))
    slope = draw(st.floats(0.05, 1.0))
    floor_frac = draw(st.floats(0.05, 0.9))
    noise = draw(st.sampled_from([0.0, 0.005, 0.05, 0.2]))
    seed = draw(st.integers(0, 2**16))
    n = np.repeat(n0 * np.logspace(0, decades, m), reps)
    params = {"y_ref": scale, "slope": slope, "floor_frac": floor_frac, "c": 0.5}
    mu = np.exp(bs.get_law(shape).log_curve(centred_log(n), params))
    y = mu * np.exp(noise * np.random.default_rng(seed).standard_normal(n.size))
    return pd.DataFrame({"n": n, "y": y})


def check_fit_properties(df):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bs.BayesScalingWarning)
        fit = bs.fit(df, draws=300, tune=300, random_seed=0)
        table = fit.compare()
    assert table["weight"].sum() == pytest.approx(1.0)
    assert (table["weight"] >= -1e-12).all()
    top = fit.data.distinct_n.max()
    grid = top * np.array([1.0, 2.0, 8.0, 100.0])
    fc = fit.forecast(grid, prob=0.9, law="all", discrepancy=0)  # the laws' own predictive
    learned = fit.forecast(grid, prob=0.9, law="all")  # the default: plus the learned discrepancy
    for table in (fc, learned):
        assert np.isfinite(table[["median", "lower", "upper", "curve_lower", "curve_upper"]]).all().all()
        # the mean is the draws' average inside the interval, or NaN where their tails are too heavy for one
        # (bayes_scaling.forecast.tail_khat: the discrepancy's half-Cauchy tail, a draw of the noise overflowing)
        given = table["mean"].notna()
        assert ((table["mean"] >= table["lower"]) & (table["mean"] <= table["upper"]))[given].all()
        assert (table["lower"] <= table["median"]).all() and (table["median"] <= table["upper"]).all()
        assert (table["lower"] <= table["curve_lower"] * (1 + 1e-12)).all()
        assert (table["curve_upper"] <= table["upper"] * (1 + 1e-12)).all()
    # the laws never let a forecast rise with n (common random numbers across n)
    for _, rows in fc.groupby("law"):
        for col in ["median", "lower", "upper", "curve_lower", "curve_upper"]:
            assert (np.diff(rows[col].to_numpy()) <= 1e-9 * rows[col].abs().max()).all(), col
    # the discrepancy changes nothing at the largest n nor the mean-curve band; beyond, it may let the
    # upper end rise (curves that plateau or turn up), so monotonicity is not asserted there
    at_top = learned["n"] == top
    pd.testing.assert_frame_equal(learned[at_top], fc[at_top])
    pd.testing.assert_frame_equal(learned[["curve_lower", "curve_upper"]], fc[["curve_lower", "curve_upper"]])
    for name, f in fit.fits.items():
        if f.law.has_floor:
            curve = f.curve(grid)
            # below the curve (equal only where the curve has numerically reached its floor)
            assert (f.draws["floor"][:, None] <= curve * (1 + 1e-12)).all(), name
            assert (f.draws["floor"] > 0).all()
    floors = fit.ppl_min()
    assert (floors["lower"] <= floors["median"]).all() and (floors["median"] <= floors["upper"]).all()
    check_budget_answers(fit, top, fc)


def check_budget_answers(fit, top, fc):
    """samples_needed's n is the first at which prob of the curve's draws are at or below the
    target, as decision_summary evaluates them, with and without the discrepancy."""
    size = sum(idx.size for _, idx in fit.components("averaged"))
    target = float(fc.query("law == 'averaged'")["median"].iloc[1])  # the laws' median at 2x the data
    for discrepancy in (0, "learned"):
        table = fit.decision_summary(target, top * np.array([0.5, 1.0, 4.0, 64.0]), discrepancy=discrepancy)
        assert np.isfinite(table[["median", "lower", "upper"]]).all().all()
        assert (table["lower"] <= table["median"]).all() and (table["median"] <= table["upper"]).all()
        given = table["mean"].notna()  # the curve's average where its draws have one (never below the floor)
        assert ((table["mean"] >= table["lower"]) & (table["mean"] <= table["upper"]))[given].all()
        for prob in (0.5, 0.9):
            row = fit.samples_needed(target, prob=prob, discrepancy=discrepancy).iloc[0]
            n = row["n"]
            if "inside the data" in row["reason"]:  # moved to agree with the measurements (or refused)
                d = fit.data
                means = pd.Series(np.log(d.y)).groupby(d.n).mean()
                assert np.isnan(n) or (means[means.index >= n] <= np.log(target) + 1e-12).all()
                continue
            if 0 < n < np.inf:
                col = f"p_at_or_below_{target:g}"
                at = fit.decision_summary(target, [n * (1 + 1e-6)], discrepancy=discrepancy)[col].iloc[0]
                before = fit.decision_summary(target, [n * 0.97], discrepancy=discrepancy)[col].iloc[0]
                assert at >= prob - 2 / size and before < prob, (discrepancy, prob, n, at, before)


# three points over ten decades of an exp_decay curve: y from 1.7e48 to 0.9, and draws of the noise in the
# hundreds of log units (found by the slow test in CI: the predictive mean overflowed)
WILD = pd.DataFrame({"n": [3.162278e03, 3.162278e08, 3.162278e13], "y": [1.728923e48, 9.993397e-01, 9.013190e-01]})


# derandomized: CI checks the same curves every run (a failure found once is kept as an @example)
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(curves())
def test_properties_on_random_curves(df):
    check_fit_properties(df)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(curves())
@example(WILD)
def test_properties_on_many_random_curves(df):
    check_fit_properties(df)


def test_a_wild_curve_forecasts_without_numpy_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bs.BayesScalingWarning)
        warnings.simplefilter("error", RuntimeWarning)
        fit = bs.fit(WILD, draws=300, tune=300, random_seed=0)
        fc = fit.forecast(fit.data.distinct_n.max() * np.array([2.0, 100.0]), law="all")
    assert np.isfinite(fc[["median", "lower", "upper"]]).all().all()
    given = fc["mean"].notna()  # where the draws have a mean, the right-skewed predictive puts it above the median
    assert (fc["mean"] >= fc["median"])[given].all()


@settings(max_examples=60, deadline=None)
@given(sigma=st.floats(0.001, 8.0), seed=st.integers(0, 2**32 - 1))
def test_a_reported_mean_is_the_average_and_never_beyond_the_interval(sigma, seed):
    """Log-normal draws of any spread: where a mean is given it is the draws' average, inside the 90%
    interval, and a spread of at most 1 (k-hat below 0.5 for 4000 draws) always has one."""
    from bayes_scaling.forecast import interval_columns

    x = np.exp(sigma * np.random.default_rng(seed).standard_normal((4000, 1)))
    cols = interval_columns(x, 0.9)
    if sigma <= 1.0:
        assert np.isfinite(cols["mean"][0])
    if np.isfinite(cols["mean"][0]):
        assert cols["mean"][0] == pytest.approx(x.mean(), rel=1e-12)
        assert cols["lower"][0] <= cols["mean"][0] <= cols["upper"][0]
