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
