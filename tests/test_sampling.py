"""The sampler layer: vectorised convergence statistics and the lazy nutpie import."""

import subprocess
import sys

import numpy as np
import pytest
from arviz_stats.base import array_stats

from bayes_scaling import _convergence


def _cases():
    rng = np.random.default_rng(0)
    yield "iid", rng.normal(size=(4, 1000, 3))
    # autocorrelated random walk plus noise, odd number of draws (split drops the middle draw)
    yield "ar", np.cumsum(rng.normal(size=(4, 1001, 2)), axis=1) * 0.05 + rng.normal(size=(4, 1001, 2))
    yield "discrete", rng.integers(0, 3, size=(4, 1000, 1)).astype(float)  # many ties in the ranks
    yield "short", rng.normal(size=(2, 7, 2))
    stuck = rng.normal(size=(4, 500, 1))
    stuck[0] += 3.0  # one chain elsewhere: r_hat must be large
    yield "stuck", stuck


@pytest.mark.parametrize(("name", "a"), list(_cases()))
def test_convergence_statistics_equal_arviz_stats(name, a):
    axes = {"chain_axis": 0, "draw_axis": 1}
    np.testing.assert_allclose(_convergence.rhat(a), array_stats.rhat(a, **axes), rtol=1e-10)
    for method in ("bulk", "mean"):
        np.testing.assert_allclose(_convergence.ess(a, method), array_stats.ess(a, method=method, **axes),
                                   rtol=1e-10)
    np.testing.assert_allclose(_convergence.ess(a, "tail", 0.05),
                               array_stats.ess(a, method="tail", prob=0.05, **axes), rtol=1e-10)
    if name == "stuck":
        assert _convergence.rhat(a)[0] > 1.2  # (1.48 here; converged chains give ~1.00)


def test_constant_and_nan_variables():
    a = np.ones((4, 100, 2))
    a[..., 1] = np.random.default_rng(1).normal(size=(4, 100))
    a[0, 0, 1] = np.nan
    assert np.isnan(_convergence.rhat(a)).all()  # constant: no r_hat; NaN draw: no r_hat
    ess = _convergence.ess(a, "bulk")
    assert ess[0] == 400 and np.isnan(ess[1])
    with pytest.raises(ValueError, match="unknown ESS method"):
        _convergence.ess(a, "median")


def test_sampling_does_not_import_arviz_plots_or_matplotlib():
    code = ("import sys, bayes_scaling as bs\n"
            "bs.fit(bs.load_example(), x='samples', y='val_ppl', laws=['power'], draws=100, tune=100,"
            " random_seed=0)\n"
            "print(sorted(m for m in ('matplotlib', 'arviz_plots', 'arviz') if m in sys.modules))\n"
            "import arviz\nprint(type(arviz.from_dict).__name__)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["[]", "function"]


def test_a_variable_with_non_finite_draws_fails_the_convergence_check():
    import xarray as xr

    from bayes_scaling.sampling import diagnose

    rng = np.random.default_rng(2)
    post = xr.Dataset({"y_ref": (("chain", "draw"), rng.normal(10, 1, (4, 200))),
                       "slope": (("chain", "draw"), rng.normal(0.3, 0.01, (4, 200))),
                       "fixed": (("chain", "draw"), np.ones((4, 200)))})
    stats = xr.Dataset({"diverging": (("chain", "draw"), np.zeros((4, 200), dtype=bool))})
    assert diagnose(post, stats).converged  # a constant variable has no r_hat and does not fail the fit
    post["slope"][0, 7] = np.inf
    bad = diagnose(post, stats)
    assert not bad.converged and bad.r_hat_max == np.inf and bad.ess_bulk_min == 0
    assert bad.table.loc["slope", "r_hat"] == np.inf and np.isfinite(bad.table.loc["y_ref", "r_hat"])
