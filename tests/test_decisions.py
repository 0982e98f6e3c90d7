"""Budget questions: consistency with the posterior, known values, infinities."""

import numpy as np
import pytest

import bayes_scaling as bs
from tests.conftest import simulate


@pytest.fixture(scope="module")
def power_fit():
    """A pure power law with exponent 0.5 (doubling gain 1 - 2^-0.5 = 29.3%, the seed note's table)."""
    df = simulate("power", {"y_ref": 100.0, "slope": 0.5}, 100 * 2.0 ** np.arange(8), 0.002, seed=1)
    return bs.fit(df, laws=["power"], random_seed=1)


@pytest.mark.parametrize("law", ["averaged", "saturation"])
@pytest.mark.parametrize("prob", [0.5, 0.9])
def test_samples_needed_is_consistent_with_the_posterior(seed_fit, law, prob):
    """At the returned n, P(mean curve <= target) equals prob within Monte Carlo error."""
    target = 112.0  # reachable with probability 0.9 by the averaged laws (exp_decay's floors reach ~110)
    row = seed_fit.samples_needed(target, prob=prob, law=law).iloc[0]
    assert np.isfinite(row["n"]) and row["n"] > 3200
    curve = np.concatenate([f.curve([row["n"]])[idx, 0] for f, idx in seed_fit.components(law)])
    p_at = np.mean(curve <= target * (1 + 1e-9))
    assert p_at == pytest.approx(prob, abs=2 / np.sqrt(curve.size) + 1e-3)
    assert p_at >= prob
    # a little less data is not enough
    curve_less = np.concatenate([f.curve([row["n"] * 0.97])[idx, 0] for f, idx in seed_fit.components(law)])
    assert np.mean(curve_less <= target) < prob


def test_unreachable_target_gives_inf_with_reason(seed_fit):
    floors = seed_fit["saturation"].draws["floor"]
    table = seed_fit.samples_needed([floors.min() * 0.9, 300.0], law="saturation")
    low, high = table.iloc[0], table.iloc[1]
    assert np.isinf(low["n"]) and low["p_reachable"] == 0.0 and "out of reach" in low["reason"]
    # a target above the whole observed curve is reached before the first point
    assert high["n"] < 200 and high["p_reachable"] == 1.0 and high["reason"] == ""


def test_samples_needed_in_tokens(seed_df):
    fit = bs.fit(seed_df, x="samples", y="val_ppl", laws=["saturation"], random_seed=2, keep=("tokens",))
    row = fit.samples_needed(110.0, prob=0.5).iloc[0]
    ratio = float(np.mean(seed_df["tokens"] / seed_df["samples"]))
    assert row["n_tokens"] == pytest.approx(row["n"] * ratio)
    assert 1150 < ratio < 1250


def test_doubling_gain_of_a_pure_power_law(power_fit):
    gain = power_fit.doubling_gain([300, 3000, 30000], law="power")
    np.testing.assert_allclose(gain["median"], 1 - 2**-0.5, atol=0.01)
    assert (gain["lower"] < 1 - 2**-0.5).all() and (1 - 2**-0.5 < gain["upper"]).all()


def test_local_exponent_of_a_pure_power_law(power_fit):
    alpha = power_fit.local_exponent([150, 1500, 15000], law="power")
    np.testing.assert_allclose(alpha["median"], 0.5, atol=0.01)


def test_seed_exponent_falls_with_data_as_the_notes_say(seed_fit):
    """The seed notes saw alpha worsen with data (0.504 -> 0.432): the fitted local exponent falls."""
    alpha = seed_fit.local_exponent([283, 566, 1131, 2263])
    assert alpha["median"].is_monotonic_decreasing


def test_gap_to_floor_is_curve_minus_floor(seed_fit):
    gap = seed_fit.gap_to_floor([6400, 25600], law="saturation")
    f = seed_fit["saturation"]
    expected = f.curve([6400, 25600]) - f.draws["floor"][:, None]
    np.testing.assert_allclose(gap["median"], np.median(expected, axis=0))
    assert (gap["lower"] > 0).all() and gap["median"].is_monotonic_decreasing


def test_decision_summary_agrees_with_forecast_and_samples_needed(seed_fit):
    table = seed_fit.decision_summary(105.0, [6400, 12800, 25600], law="saturation")
    assert table["p_at_or_below_105"].is_monotonic_increasing
    assert (table["gain_per_1000_median"] > 0).all() and table["gain_per_1000_median"].is_monotonic_decreasing
    band = seed_fit.forecast([6400, 12800, 25600], law="saturation")
    np.testing.assert_allclose(table["median"], np.median(
        seed_fit["saturation"].curve([6400, 12800, 25600]), axis=0))
    assert (band["curve_lower"].to_numpy() <= table["median"].to_numpy()).all()
    n90 = seed_fit.samples_needed(105.0, prob=0.9, law="saturation")["n"].iloc[0]
    p = seed_fit.decision_summary(105.0, [n90], law="saturation")["p_at_or_below_105"].iloc[0]
    assert p == pytest.approx(0.9, abs=0.01)


def test_invalid_arguments(seed_fit):
    with pytest.raises(bs.ArgumentError, match="target"):
        seed_fit.samples_needed(-1)
    with pytest.raises(bs.ArgumentError, match="prob"):
        seed_fit.doubling_gain(100, prob=2)
    with pytest.raises(bs.ArgumentError, match="n must"):
        seed_fit.local_exponent([0])
