"""Honest about curves that say little, and every fit converged (issue: reliability round 2, items 7-8)."""

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import bayes_scaling as bs
from bayes_scaling.data import ScalingData
from bayes_scaling.decisions import _against_measurements
from bayes_scaling.flags import curve_flags
from bayes_scaling.sampling import SamplerOptions, _run, diagnose

N = np.array([1000, 2000, 4000, 8000, 16000, 32000.0])
LM = pd.DataFrame({"n": N, "eval/loss": [3.91, 3.62, 3.41, 3.27, 3.18, 3.12]})


def test_the_six_point_language_model_curve_converges_with_all_three_laws():
    with warnings.catch_warnings():
        warnings.simplefilter("error", bs.ConvergenceWarning)  # not even a retry may end unconverged
        fit = bs.fit(LM, x="n", y="eval/loss", random_seed=0)
    diag = fit.diagnostics()
    assert list(diag.index) == ["power", "saturation", "exp_decay"] and diag["converged"].all()
    assert (diag["divergences"] == 0).all() and (diag["r_hat_max"] <= 1.01).all()
    assert (diag[["ess_bulk_min", "ess_tail_min"]] >= 400).all().all()


def test_the_retry_runs_longer_chains_and_thins_them_back(seed_data):
    law = bs.get_law("exp_decay")
    priors = law.resolve_priors({})
    long, _ = _run(law, seed_data, SamplerOptions(draws=900, tune=300), 11, priors)
    thinned, stats = _run(law, seed_data, SamplerOptions(draws=300, tune=300, thin=3), 11, priors)
    assert thinned.sizes == {"chain": 4, "draw": 300}  # the shape asked for: nothing downstream changes
    np.testing.assert_array_equal(thinned["c"].to_numpy(), long["c"].to_numpy()[:, 2::3])
    assert stats.sizes["draw"] == 300
    # how much longer: from the ESS shortfall (2x the bar over the worst ESS), at least 2, 4 for r_hat, at most 8
    diag = diagnose(long, stats.isel(draw=slice(0, 300)).reindex(draw=long.draw, fill_value=False))
    short = SamplerOptions().stricter(diag.__class__(0, 1.005, 160.0, 500.0, 4000, 4))
    assert short.thin == 5 and short.target_accept == 0.99 and short.tune == 1000
    assert SamplerOptions().stricter(diag.__class__(0, 1.03, 900.0, 900.0, 4000, 4)).thin == 4
    assert SamplerOptions().stricter(diag.__class__(0, 1.0, 3.0, 3.0, 4000, 4)).thin == 8
    assert SamplerOptions().stricter(diag.__class__(2, 1.0, 900.0, 900.0, 4000, 4)).thin == 1  # divergences only


def test_a_flat_curve_is_flagged_in_a_warning_and_in_the_tables():
    flat = pd.DataFrame({"n": N, "eval/loss": [3.0, 2.998, 3.001, 2.999, 3.0, 2.997]})
    with pytest.warns(bs.DataWarning, match="curve flagged 'flat': the metric falls by only"):
        fit = bs.fit(flat, x="n", y="eval/loss", laws=["saturation"], draws=300, random_seed=1)
    assert list(fit.flags) == ["flat"] and "flagged: flat" in repr(fit)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bs.BayesScalingWarning)
        assert fit.ppl_min().loc["saturation", "flags"] == "flat"
        assert (fit.samples_needed([2.9])["flags"] == "flat").all()


def test_a_curve_that_turns_up_is_flagged():
    up = LM.assign(**{"eval/loss": [3.91, 3.62, 3.41, 3.27, 3.18, 3.40]})
    with pytest.warns(bs.DataWarning, match="curve flagged 'turns up'.*6.9.% above the lowest earlier point"):
        fit = bs.fit(up, x="n", y="eval/loss", laws=["power"], draws=300, random_seed=1)
    assert "turns up" in fit.flags


@settings(max_examples=60, deadline=None)
@given(a=st.floats(0.05, 0.8), floor=st.floats(0.0, 0.9), noise=st.floats(0.0, 0.002), seed=st.integers(0, 999),
       k=st.integers(5, 12))
def test_clean_falling_curves_are_never_flagged(a, floor, noise, seed, k):
    """No false alarms: a curve that falls clearly (>= 3% over its range, beyond its noise), with noise well
    below the 1% rise that "turns up" needs, raises no flag."""
    n = 100.0 * 2.0 ** np.arange(k)
    mu = floor + (1 - floor) * (n / n[0]) ** -a
    fall = np.log(mu[0] / mu[-1])
    y = mu * np.exp(noise * np.random.default_rng(seed).standard_normal(k))
    if fall < max(0.03, 12 * noise):
        return
    assert curve_flags(ScalingData.from_arrays(n, y)) == {}


@settings(max_examples=60, deadline=None)
@given(rise=st.floats(0.03, 0.5), k=st.integers(4, 10), a=st.floats(0.1, 0.6))
def test_an_end_that_rises_beyond_the_noise_is_always_flagged(rise, k, a):
    """With six or more points the noise is measured (here: none) and a 3% rise is flagged; below six it is
    taken as 1%, and a rise needs to clear sqrt(2 ln k) + 3 times that (at most 4.7%)."""
    if k < 6 and rise < 0.047:
        return
    n = 100.0 * 2.0 ** np.arange(k)
    y = (n / n[0]) ** -a
    y[-1] = y[:-1].min() * np.exp(rise)
    assert "turns up" in curve_flags(ScalingData.from_arrays(n, y))


def test_a_curve_that_falls_faster_and_faster_is_flagged_in_the_forecast_table():
    """The early part of a learning curve, below its knee: a classifier's error near chance at 10 samples
    and falling ever faster up to 160 (sklearn's digits, a k-NN: benchmarks/calibration.py)."""
    knee = pd.DataFrame({"n": [10, 20, 40, 80, 160], "error": [0.712, 0.510, 0.328, 0.165, 0.087]})
    with pytest.warns(bs.DataWarning, match=r"curve flagged 'accelerating'.*slope -0\.4\d at the smallest n, -1\.1\d"):
        fit = bs.fit(knee, x="n", y="error", laws=["saturation"], draws=300, random_seed=1)
    assert list(fit.flags) == ["accelerating"]
    fc = fit.forecast([320, 1280])
    assert (fc["flags"] == "accelerating").all()
    assert (fit.decision_summary(0.05, [320])["flags"] == "accelerating").all()


@settings(max_examples=60, deadline=None)
@given(s0=st.floats(0.02, 0.5), steepen=st.floats(0.5, 3.0), k=st.integers(4, 10))
def test_a_clear_steepening_is_always_flagged(s0, steepen, k):
    """log y = -s0 u - q u^2 over u = log(n / n_0) in [0, U]: the log-log slope goes from -s0 to
    s1 = -s0 (1 + steepen), a change of at least 40% of its mean (the flag asks for 30%). Noise-free, with a
    bend (its largest distance from the chord, q U^2 / 4) of 1.5% or more (the flag asks for 1%; 2.5% with
    four points, where the noise is not measured but taken as 1% and the bend must clear twice it), the
    flag is raised and reports the curve's own slopes."""
    n = 100.0 * 2.0 ** np.arange(k)
    span = np.log(n[-1] / n[0])
    q = s0 * steepen / (2 * span)
    if q * span**2 / 4 < (0.015 if k >= 5 else 0.025):
        return
    u = np.log(n / n[0])
    flags = curve_flags(ScalingData.from_arrays(n, np.exp(-s0 * u - q * u**2)))
    assert "accelerating" in flags
    found = re.search(r"slope (\S+) at the smallest n, (\S+) at the largest", flags["accelerating"])
    first, last = map(float, found.groups())
    assert first == pytest.approx(-s0, abs=0.0051) and last == pytest.approx(-s0 * (1 + steepen), abs=0.0051)


def test_a_floor_the_data_do_not_inform_is_marked(seed_df):
    with pytest.warns(bs.DataWarning, match="barely inform the floor of 'saturation'"):
        pinned = bs.fit(seed_df, x="samples", y="val_ppl", laws=["saturation"], random_seed=3,
                        priors={"saturation": {"floor": bs.Prior("Normal", mu=108, sigma=1)}}).ppl_min()
    assert not pinned.loc["saturation", "floor_informed"]  # the posterior is the prior: nothing learned


def test_a_floor_the_data_pin_down_is_informed():
    n = 100.0 * 2.0 ** np.arange(10)
    y = 2.0 + 3.0 * (n / 100) ** -0.7 * np.exp(0.003 * np.random.default_rng(0).standard_normal(10))
    fit = bs.fit(pd.DataFrame({"n": n, "y": y}), laws=["saturation"], draws=400, random_seed=0)
    assert bool(fit.ppl_min().loc["saturation", "floor_informed"])


def _Curve(n, y):  # what _against_measurements reads: the fitted data
    return ScalingData.from_arrays(n, y)


def test_an_answer_inside_the_data_agrees_with_the_measurements():
    seed = _Curve([200, 400, 800, 1600, 3200], [258.3, 187.6, 150.5, 127.4, 114.8])
    n, why = _against_measurements(seed, 150.0, 500.0, "")  # measured 150.5 at 800 > 150: not reached there
    assert n == 1600 and "measured at or below it from n = 1600" in why
    assert _against_measurements(seed, 151.0, 700.0, "") == (700.0, "")  # 150.5 at 800: consistent
    assert _against_measurements(seed, 100.0, 5000.0, "") == (5000.0, "")  # beyond the data: the laws' answer
    n, why = _against_measurements(_Curve([200, 400, 800, 1600], [3.0, 2.9, 2.8, 2.95]), 2.85, 900.0, "")
    assert np.isnan(n) and "no measurement from there on" in why


@settings(max_examples=100, deadline=None)
@given(y=st.lists(st.floats(1.0, 10.0), min_size=3, max_size=8), t=st.floats(1.0, 10.0), frac=st.floats(0, 1))
@example(y=[1.0, 1.0000000000000002, 1.0], t=1.0, frac=0.0)  # a measurement one rounding step above t reaches it
def test_no_answer_inside_the_data_is_contradicted_by_a_later_measurement(y, t, frac):
    n_obs = 100.0 * 2.0 ** np.arange(len(y))
    n0 = float(np.exp(np.log(n_obs[0]) + frac * np.log(n_obs[-1] / n_obs[0])))
    n, _ = _against_measurements(_Curve(n_obs, y), t, n0, "")
    later = np.asarray(y)[n_obs >= n]
    if np.isfinite(n) and later.size:  # an answer inside the data: the first measurement from there on agrees
        assert np.log(later[0]) <= np.log(t) + 1e-12  # at or below it, to rounding: log y is compared within 1e-12
    if np.isnan(n):  # refused: no measurement from the answer on reaches the target
        assert not (np.asarray(y)[n_obs >= n0] <= t).all()


def test_flags_say_what_the_curve_does():
    """A flat noisy curve is flat whichever way its noise tilts it; the message gives the fall itself; a lone
    spike is named as one; a loss that rose after falling gets no accuracy advice; a time is questioned."""
    n = 1e8 * 2.0 ** np.arange(8)
    up = ScalingData.from_arrays(n, 3.0 * (n / 1e8) ** 0.001)  # rises by 0.5%: noise-level, flat
    down = ScalingData.from_arrays(n, 3.0 * (n / 1e8) ** -0.0005)
    assert "rises by 0.49%" in curve_flags(up)["flat"]
    fall = 1 - (n[-1] / n[0]) ** -0.0005
    assert f"falls by only {fall:.2%}" in curve_flags(down)["flat"]
    y = 1.9 + 2.75 * (n / 1e8) ** -0.35 * np.exp(0.004 * np.random.default_rng(7).standard_normal(8))
    y[5] *= 1.2
    spiked = curve_flags(ScalingData.from_arrays(n, y))
    assert list(spiked) == ["spike"] and "n = 3.2e+09" in spiked["spike"] and "student_t" in spiked["spike"]
    clean = 1.9 + 2.75 * (n / 1e8) ** -0.35 * np.exp(0.004 * np.random.default_rng(7).standard_normal(8))
    assert "spike" not in curve_flags(ScalingData.from_arrays(n, clean))
    with pytest.warns(bs.DataWarning, match="did training diverge or overfit") as record:
        ScalingData.from_arrays(n, [4.0, 3.5, 3.2, 3.1, 3.3, 3.8, 4.5, 5.2], y_name="eval/loss")
    assert not any("accuracy" in str(w.message) for w in record)
    with pytest.warns(bs.DataWarning, match="'_timestamp' looks like a time"):
        ScalingData.from_arrays([1.70e9, 1.701e9, 1.702e9, 1.703e9], [3.0, 2.9, 2.8, 2.75], x_name="_timestamp")


def test_a_dense_log_from_step_one_is_flagged_with_its_warm_up_cut():
    """A log from step 1 (flat, then a power law to a floor) is flagged 'warm-up' with a cut past its steepest
    descent; a 5-point sweep, a dense power-law log from step 100 and a flat-then-falling curve of few points
    are not."""
    from bayes_scaling.flags import warmup_cut

    rng = np.random.default_rng(0)
    n = np.arange(1.0, 5001.0)
    y = (2 + 8 / (1 + (n / 50) ** 1.2)) * np.exp(0.01 * rng.standard_normal(n.size))
    data = ScalingData.from_arrays(n, y, x_name="step")
    cut = warmup_cut(data)
    assert 60 < cut < 400  # past the steepest descent (near step 50-100 in log-log), not deep into the tail
    flags = curve_flags(data)
    assert "warm-up" in flags and f"df[df['step'] >= {cut:.3g}]" in flags["warm-up"]
    assert warmup_cut(ScalingData.from_arrays(n[n >= cut], y[n >= cut])) is None  # the cut removes it
    sweep = ScalingData.from_arrays(1e3 * 2.0 ** np.arange(5), [3.9, 3.6, 3.4, 3.27, 3.18])
    assert "warm-up" not in curve_flags(sweep)
    late = np.arange(100.0, 20001.0)
    assert warmup_cut(ScalingData.from_arrays(late, (2 + 30 * late**-0.3) * np.exp(0.01 * rng.standard_normal(
        late.size)))) is None
