import numpy as np
import pytest

import bayes_scaling as bs
from bayes_scaling.backtest import summarize_backtest


@pytest.fixture(scope="module")
def seed_backtest(seed_fit):
    return seed_fit.backtest(), None


def test_backtest_rows_and_scores(seed_backtest, seed_fit):
    table, _ = seed_backtest
    # origins k=3 (fit on 200..800) and k=4 (200..1600); exp_decay needs 4 distinct n
    assert sorted(table["k"].unique()) == [3, 4]
    k3 = table[table["k"] == 3]
    assert set(k3["law"]) == {"power", "saturation", "averaged"}
    assert sorted(k3["n"].unique()) == [1600.0, 3200.0]
    assert set(table[table["k"] == 4]["law"]) == {"power", "saturation", "exp_decay", "averaged"}
    np.testing.assert_allclose(table["horizon"], table["n"] / table["n_train_max"])
    np.testing.assert_allclose(table["abs_log_error"], np.abs(np.log(table["median"] / table["y"])))
    assert (table["covered"] == ((table["lower"] <= table["y"]) & (table["y"] <= table["upper"]))).all()
    assert (table["flags"] == "").all()  # the seed curve flattens from its first point: nothing flagged
    # the seed note's check: fit on four points, the averaged interval holds the fifth
    row = table[(table["k"] == 4) & (table["law"] == "averaged")].iloc[0]
    assert row["covered"] and row["abs_log_error"] < 0.05


def test_backtest_matches_a_direct_refit(seed_backtest, seed_df, seed_fit):
    """The k=4 saturation row equals fitting the first four points by hand with the same seed."""
    table, _ = seed_backtest
    by_hand = bs.fit(seed_df.iloc[:4], x="samples", y="val_ppl", random_seed=seed_fit.seed + 4,
                     laws=["power", "saturation", "exp_decay"])
    fc = by_hand.forecast([3200], law="saturation").iloc[0]
    row = table[(table["k"] == 4) & (table["law"] == "saturation")].iloc[0]
    assert row["median"] == pytest.approx(fc["median"], rel=1e-12)


def test_summary(seed_backtest):
    table, _ = seed_backtest
    summary = summarize_backtest(table)
    assert summary.loc["averaged", "coverage"] == 1.0
    assert summary.loc["power", "median_abs_log_error"] > summary.loc["saturation", "median_abs_log_error"]
    assert summary.loc["averaged", "mean_lpd"] > summary.loc["power", "mean_lpd"]


def test_invalid_origins(seed_fit):
    with pytest.raises(bs.ArgumentError, match="origins"):
        seed_fit.backtest(origins=[5])
    with pytest.raises(bs.ArgumentError, match="origins"):
        seed_fit.backtest(origins=[2])


def test_plot_backtest(seed_backtest):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from bayes_scaling.plots import plot_backtest

    _fig, ax = plot_backtest(seed_backtest[0])
    assert "100%" in ax.get_title()
    plt.close("all")


def test_lfo_cv_one_step_equals_the_backtest_density(seed_backtest, seed_fit):
    """Exact LFO with horizon 1 scores log p(y_5 | y_1..4): the backtest's lpd of the same forecast,
    up to the Monte Carlo error of two independent refits."""
    table, _ = seed_backtest
    lfo = seed_fit.lfo_cv(min_points=3)
    assert (lfo["origins"] == 1).all() and (lfo["refits"] == 1).all()  # exp_decay needs 4: one common origin
    k4 = table[table["k"] == 4].set_index("law")
    for law in ("power", "saturation", "exp_decay"):
        assert lfo.loc[law, "elpd_lfo"] == pytest.approx(k4.loc[law, "lpd"], abs=0.15), law
    assert lfo.index[-1] == "power"


def test_lfo_cv_errors_and_approx(seed_fit):
    with pytest.raises(bs.ArgumentError, match="no forecast origin"):
        seed_fit.lfo_cv(min_points=3, horizon=2)
    with pytest.raises(bs.ArgumentError, match="method"):
        seed_fit.lfo_cv(method="fast")
    two = bs.fit(bs.load_example("simulated_configs").iloc[:8], x="samples", y="val_ppl", random_seed=2,
                 laws=["power", "saturation"])
    approx = two.lfo_cv(min_points=4, method="approx")
    exact = two.lfo_cv(min_points=4, method="exact")
    assert (approx["origins"] == 4).all() and (exact["refits"] == 4).all()
    assert (approx["refits"] <= 4).all()
    # PSIS carried forward agrees with refitting where it did not need to refit
    assert approx.loc["saturation", "elpd_lfo"] == pytest.approx(exact.loc["saturation", "elpd_lfo"], abs=1.0)


def test_backtest_rows_carry_the_interval_score_of_their_log_interval(seed_df):
    from bayes_scaling.backtest import interval_score

    fit = bs.fit(seed_df, x="samples", y="val_ppl", laws=["power", "saturation"], random_seed=0, draws=300)
    table = fit.backtest(origins=[4], prob=0.8)
    expected = interval_score(np.log(table["lower"]), np.log(table["upper"]), np.log(table["y"]), 0.8)
    assert np.allclose(table["interval_score"], expected)
    # outside the interval the score adds 2 / (1 - prob) = 10 times the distance to it
    out = ~table["covered"]
    gap = np.maximum(np.log(table["lower"] / table["y"]), np.log(table["y"] / table["upper"]))
    width = np.log(table["upper"] / table["lower"])
    assert np.allclose(table["interval_score"][out], (width + 10 * gap)[out])
    assert np.allclose(table["interval_score"][~out], width[~out])
    summary = summarize_backtest(table)
    assert summary.loc["averaged", "interval_score"] == pytest.approx(
        table.loc[table["law"] == "averaged", "interval_score"].mean())


def test_a_backtest_origin_below_the_knee_is_flagged():
    """The digits k-NN curve of test_flags (falling faster and faster up to 160 samples), then past its knee:
    the origin fitted up to 160 is flagged, the later origins and the whole curve are not."""
    import pandas as pd

    knee = pd.DataFrame({"n": [10, 20, 40, 80, 160, 320, 640, 1280],
                         "error": [0.712, 0.51, 0.328, 0.165, 0.087, 0.06, 0.05, 0.045]})
    fit = bs.fit(knee, x="n", y="error", laws=["power", "saturation"], draws=300, random_seed=2)
    assert fit.flags == {}
    flags = fit.backtest(origins=[5, 6, 7]).groupby("k")["flags"].first()
    assert flags.to_dict() == {5: "accelerating", 6: "", 7: ""}
