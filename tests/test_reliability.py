"""Awkward but valid inputs fit; odd ones warn; one failing law does not stop the others."""

import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

import bayes_scaling as bs
import bayes_scaling.result as wf  # where laws are sampled


def _fit(df, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bs.DataWarning)
        return bs.fit(df, **({"random_seed": 4} | kw))


def test_rising_metric_warns(seed_df):
    df = seed_df.assign(acc=seed_df["val_acc"])
    with pytest.warns(bs.DataWarning, match="'acc' rises with 'samples'"):
        bs.data.as_scaling_data(df, x="samples", y="acc")


def test_duplicated_rows_warn_and_are_kept():
    df = pd.DataFrame({"n": [100, 100, 200, 400], "y": [3.0, 3.0, 2.5, 2.2]})
    with pytest.warns(bs.DataWarning, match="rows 0, 1 repeat"):
        d = bs.data.as_scaling_data(df, x="n", y="y")
    assert d.n_obs == 4


def test_unsorted_rows_give_identical_results(seed_df):
    shuffled = seed_df.sample(frac=1.0, random_state=3)
    a = _fit(seed_df, x="samples", y="val_ppl", laws=["saturation"])
    b = _fit(shuffled, x="samples", y="val_ppl", laws=["saturation"])
    pd.testing.assert_frame_equal(a.ppl_min(), b.ppl_min())
    pd.testing.assert_frame_equal(a.forecast([5000]), b.forecast([5000]))


def test_huge_x_tiny_y_and_integer_columns_fit_and_converge():
    """Tokens at 1e15 and a metric at 1e-8 sample as well as the seed table (scale-free priors)."""
    n = (np.array([1, 2, 4, 8, 16, 32]) * 10**13).astype(np.int64)
    y = 1e-8 * (0.4 + 0.6 * (n / n[0]) ** -0.5) * np.exp([0.01, -0.01, 0.0, 0.01, -0.005, 0.0])
    fit = _fit(pd.DataFrame({"tokens": n, "err": y}), x="tokens", y="err")
    assert all(f.converged for f in fit.fits.values()), fit.diagnostics()
    floor = fit.ppl_min().loc["saturation"]
    assert 0 < floor["lower"] < floor["upper"] < y.min()
    fc = fit.forecast([6.4e14, 1e15])
    assert (fc["median"] < y.min()).all() and (fc["median"] > 0).all()


def test_replicates_are_used(seed_df):
    rng = np.random.default_rng(1)
    rep = pd.concat([seed_df] * 3, ignore_index=True)
    rep["val_ppl"] = rep["val_ppl"] * np.exp(rng.normal(0, 0.01, len(rep)))
    fit = _fit(rep, x="samples", y="val_ppl", laws=["saturation"])
    assert fit.data.n_obs == 15 and fit.data.distinct_n.size == 5
    assert fit["saturation"].converged
    # three replicates pin the noise: sigma's posterior is near the simulated 1%
    assert 0.005 < np.median(fit["saturation"].draws["sigma"]) < 0.03


def test_a_law_that_cannot_be_fitted_does_not_stop_the_others(seed_df, monkeypatch):
    real = wf.sample_law

    def broken(law, *a, **k):
        if law.name == "exp_decay":
            raise RuntimeError("simulated failure")
        return real(law, *a, **k)

    monkeypatch.setattr(wf, "sample_law", broken)
    with pytest.warns(bs.ConvergenceWarning, match="'exp_decay' could not be fitted"):
        fit = bs.fit(seed_df, x="samples", y="val_ppl", random_seed=1)
    assert fit.laws == ["power", "saturation"]
    assert fit.failed == {"exp_decay": "RuntimeError: simulated failure"}
    diag = fit.diagnostics()
    assert not diag.loc["exp_decay", "converged"] and "simulated" in diag.loc["exp_decay", "error"]
    assert "FAILED" in repr(fit)
    monkeypatch.setattr(wf, "sample_law", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("all broken")))
    with pytest.warns(bs.ConvergenceWarning), pytest.raises(bs.FitError, match="no law could be fitted"):
        bs.fit(seed_df, x="samples", y="val_ppl", random_seed=1)


def test_cores_do_not_change_results(seed_df):
    a = bs.fit(seed_df, x="samples", y="val_ppl", laws=["saturation"], random_seed=2, cores=1)
    b = bs.fit(seed_df, x="samples", y="val_ppl", laws=["saturation"], random_seed=2, cores=2)
    np.testing.assert_array_equal(a["saturation"].draws["floor"], b["saturation"].draws["floor"])


def test_same_seed_same_tables_in_a_new_process(seed_fit):
    code = ("import bayes_scaling as bs, warnings; warnings.simplefilter('ignore');"
            "f = bs.fit(bs.load_example(), x='samples', y='val_ppl', random_seed=20251203);"
            "print(f.ppl_min().to_json(double_precision=15)); print(f.forecast([6400]).to_json(double_precision=15))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[0] == seed_fit.ppl_min().to_json(double_precision=15)
    assert out[1] == seed_fit.forecast([6400]).to_json(double_precision=15)
