"""Dense curves (training logs of 10^3-10^5 rows) are binned: the same likelihood, at the cost of 400 rows."""

import warnings

import numpy as np
import pandas as pd
import pytest

import bayes_scaling as bs
from bayes_scaling.data import DENSE_ROWS, ScalingData, bin_dense
from bayes_scaling.densities import pointwise_log_lik
from bayes_scaling.result import ScalingFit
from bayes_scaling.sampling import SamplerOptions


def _dense(rows: int, seed: int = 0, sigma: float = 0.01) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = np.sort(rng.uniform(1e3, 1e6, rows)).round()
    y = (2.0 + 30 * n**-0.3) * np.exp(sigma * rng.standard_normal(rows))
    return pd.DataFrame({"step": n, "train/loss": y})


def test_bins_of_replicates_keep_the_likelihood_exactly():
    """Where every bin holds replicates at one n, the binned likelihood is the rows' own, to rounding."""
    rng = np.random.default_rng(1)
    n = np.repeat(100.0 * 2.0 ** np.arange(10), 300)
    y = 3 * (n / 100) ** -0.2 * np.exp(0.02 * rng.standard_normal(n.size))
    full = ScalingData.from_arrays(n, y)
    binned = bin_dense(full)
    assert binned.n_obs == 10 and binned.n_measurements == 3000 and binned.row_dof.sum() == 3000
    law = bs.get_law("power")
    draws = {"y_ref": np.array([2.0, 2.2]), "slope": np.array([0.2, 0.25]), "sigma": np.array([0.02, 0.03])}
    a = pointwise_log_lik(law, draws, full).sum(axis=1)
    b = pointwise_log_lik(law, draws, binned).sum(axis=1)
    np.testing.assert_allclose(b, a, rtol=1e-10)
    z = np.array([np.log(2.1), np.log(0.22)])
    (la, ga), (lb, gb) = law.log_density(z, full), law.log_density(z, binned)  # the kernel, sigma integrated out
    assert lb == pytest.approx(la, rel=1e-10)
    np.testing.assert_allclose(gb, ga, rtol=1e-8)


def test_a_dense_curve_fits_like_its_rows_and_recovers_the_floor():
    df = _dense(3000, seed=2)
    full = bs.data.as_scaling_data(df, x="step", y="train/loss")
    options = SamplerOptions()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bs.BayesScalingWarning)
        rows = ScalingFit.from_data(full, ["saturation"], options, 4, bs.Priors())  # 3000 rows, no bins
        fit = bs.fit(df, x="step", y="train/loss", laws=["saturation"], random_seed=4)
    assert fit.data.binned and 200 < fit.data.n_obs <= 400 and fit.data.n_measurements == 3000  # empty bins go
    assert f"3000 points in {fit.data.n_obs} bins" in repr(fit)
    a, b = rows.ppl_min().loc["saturation"], fit.ppl_min().loc["saturation"]
    assert a["lower"] < 2.0 < a["upper"] and b["lower"] < 2.0 < b["upper"]  # the true floor is 2
    sd = (a["upper"] - a["lower"]) / 3.29
    assert abs(a["median"] - b["median"]) < 0.25 * sd  # the bins tell what the rows tell
    assert (b["upper"] - b["lower"]) == pytest.approx(a["upper"] - a["lower"], rel=0.15)
    sig_rows, sig_bins = np.median(rows["saturation"].draws["sigma"]), np.median(fit["saturation"].draws["sigma"])
    assert sig_bins == pytest.approx(sig_rows, rel=0.05) and sig_bins == pytest.approx(0.01, rel=0.1)


def test_a_dense_fit_compares_forecasts_saves_and_loads(tmp_path):
    df = _dense(20_000, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bs.BayesScalingWarning)
        fit = bs.fit(df, x="step", y="train/loss", random_seed=1, draws=500)
        table = fit.compare()
    assert list(df.columns) == ["step", "train/loss"] and len(df) == 20_000  # the user's frame untouched
    assert len(table) == 3 and fit.diagnostics()["converged"].all()
    fc = fit.forecast([2e6, 4e6], law="all")
    assert np.isfinite(fc["median"]).all()
    fit.save(tmp_path / "dense")
    back = bs.load(tmp_path / "dense")
    assert back.data.binned and back.data.n_measurements == 20_000
    pd.testing.assert_frame_equal(back.forecast([2e6, 4e6], law="all"), fc)
    saved = pd.read_csv(tmp_path / "dense" / "data.csv")
    assert saved["__bin_rows__"].sum() == 20_000
    saved.loc[0, "__bin_rows__"] += 1  # one bin's count edited
    saved.to_csv(tmp_path / "dense" / "data.csv", index=False)
    with pytest.raises(bs.LoadError, match=r"data\.csv"):
        bs.load(tmp_path / "dense")


def test_small_curves_are_not_binned(seed_fit):
    assert not seed_fit.data.binned and DENSE_ROWS == 1000
    np.testing.assert_array_equal(seed_fit.data.weight, np.ones(5))
