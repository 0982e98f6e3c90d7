import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from bayes_scaling import plots


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_plot_fit_draws_a_band_and_median_per_law(seed_fit, tmp_path):
    fig, ax = plots.plot_fit(seed_fit)
    assert [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")] == seed_fit.laws
    assert len(ax.collections) == len(seed_fit.laws) + 1  # bands + data points
    offsets = ax.collections[-1].get_offsets()
    np.testing.assert_allclose(offsets[:, 1], seed_fit.data.y)
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    fig.savefig(tmp_path / "fit.png")
    assert (tmp_path / "fit.png").stat().st_size > 10_000


def test_plot_forecast_fan_is_nested(seed_fit):
    _fig, ax = plots.plot_forecast(seed_fit, n_max=50_000, probs=(0.5, 0.9))
    wide, narrow = ax.collections[0], ax.collections[1]
    # the 90% band's vertical extent contains the 50% band's
    assert wide.get_paths()[0].vertices[:, 1].max() >= narrow.get_paths()[0].vertices[:, 1].max()
    assert wide.get_paths()[0].vertices[:, 1].min() <= narrow.get_paths()[0].vertices[:, 1].min()
    assert ax.get_xlim()[1] >= 50_000
    assert ax.get_title() == "Forecast of a new measurement (averaged)"  # nothing flagged on the seed curve


def test_plot_forecast_names_the_curves_flags_in_its_title():
    import warnings

    import pandas as pd

    import bayes_scaling as bs

    knee = pd.DataFrame({"n": [10, 20, 40, 80, 160], "error": [0.712, 0.510, 0.328, 0.165, 0.087]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bs.DataWarning)
        fit = bs.fit(knee, x="n", y="error", laws=["saturation"], draws=300, random_seed=1)
    _fig, ax = plots.plot_forecast(fit, law="saturation")
    assert ax.get_title().endswith("\nflagged: accelerating")


def test_plot_floor_and_compare(seed_fit):
    _fig, ax = plots.plot_floor(seed_fit)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0].startswith("saturation") and labels[-1] == "smallest observation"
    _fig, ax = plots.plot_compare(seed_fit)
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks[0].startswith(seed_fit.best_law()) and len(ticks) == len(seed_fit.laws)


def test_plot_prior_predictive_and_colours_of_any_law(seed_fit):
    """One band and median per law; the data for scale; every registered law has its own colour."""
    import bayes_scaling as bs

    table = seed_fit.prior_predictive([200, 800, 3200, 25600])
    _fig, ax = plots.plot_prior_predictive(table, seed_fit)
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == [f"{k} (prior)" for k in seed_fit.laws]
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), table.loc[table["law"] == "power", "y_median"])
    colours = [plots._color(k, 0) for k in bs.LAWS]
    assert len(set(colours)) == len(colours) and plots._color("averaged", 0) not in colours
