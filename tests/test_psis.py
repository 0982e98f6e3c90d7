"""The vectorised PSIS of :mod:`bayes_scaling.psis` against arviz_stats, point by point."""

import warnings

import numpy as np
import pytest
from arviz_stats.base import array_stats

from bayes_scaling.psis import gpd_fit, loo_pointwise, psis_log_weights


def _log_lik(seed: int, draws: int = 2000, points: int = 120) -> np.ndarray:
    """Log-likelihoods whose tails run from light (Pareto k near 0) to very heavy (k above 1)."""
    rng = np.random.default_rng(seed)
    scale = np.linspace(0.01, 3.0, points)
    return rng.normal(-1.0, 0.3, size=(draws, points)) + rng.standard_t(2, size=(draws, points)) * scale


@pytest.mark.parametrize("r_eff", [1.0, 0.3, 0.05])
def test_weights_and_k_equal_arviz_stats_for_every_point(r_eff):
    ll = _log_lik(1)
    log_w, k = psis_log_weights(-ll, r_eff)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = [array_stats.psislw(ll[:, j], r_eff=r_eff) for j in range(ll.shape[1])]
    k_ref = np.array([float(r[1]) for r in ref])
    w_ref = np.column_stack([r[0] for r in ref])
    assert np.array_equal(np.isnan(k), np.isnan(k_ref))
    assert k[~np.isnan(k)] == pytest.approx(k_ref[~np.isnan(k_ref)], abs=1e-10)
    assert log_w == pytest.approx(w_ref, abs=1e-10)
    # the range covered: from well-behaved points to ones PSIS cannot save
    assert np.nanmin(k) < 0.3 and np.nanmax(k) > 0.7
    assert np.exp(log_w).sum(axis=0) == pytest.approx(1.0, abs=1e-12)


def test_blocks_give_the_same_numbers_as_one_column_at_a_time():
    ll = _log_lik(2, draws=1000, points=1500)  # more points than one block
    log_w, k = psis_log_weights(-ll, 0.8)
    for j in (0, 1023, 1024, 1499):
        w1, k1 = psis_log_weights(-ll[:, [j]], 0.8)
        assert w1[:, 0] == pytest.approx(log_w[:, j], abs=1e-12) and k1[0] == pytest.approx(k[j], abs=1e-12)


def test_gpd_fit_recovers_a_known_shape():
    """Exact generalised Pareto draws with k = 0.5 and k = 0.2 (4,000 each): the fit, shrunk toward
    0.5 by 10 pseudo-observations, lands within 0.06."""
    rng = np.random.default_rng(3)
    u = rng.uniform(size=(4000, 2))
    k_true = np.array([0.5, 0.2])
    x = np.sort(np.expm1(-k_true * np.log1p(-u)) / k_true, axis=0)  # sigma = 1
    k, sigma = gpd_fit(x)
    assert k == pytest.approx(k_true, abs=0.06)
    assert sigma == pytest.approx([1.0, 1.0], rel=0.1)


def test_loo_pointwise_equals_arviz_stats_loo():
    import arviz_stats as azs
    import xarray as xr

    ll = _log_lik(4, draws=1000, points=40)
    ours = loo_pointwise(ll, 0.7)
    tree = xr.DataTree.from_dict({"posterior": xr.Dataset({"a": (("chain", "draw"), np.zeros((2, 500)))}),
                                  "log_likelihood": xr.Dataset({"y": (("chain", "draw", "obs"),
                                                                      ll.reshape(2, 500, -1))})})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = azs.loo(tree, pointwise=True, var_name="y", reff=0.7)
    assert ours["elpd_i"] == pytest.approx(np.asarray(theirs.elpd_i), abs=1e-10)
    assert ours["elpd_i"].sum() == pytest.approx(float(theirs.elpd), abs=1e-9)
    assert ours["p_loo_i"].sum() == pytest.approx(float(theirs.p), abs=1e-9)


def test_a_too_short_sample_is_refused():
    with pytest.raises(ValueError, match="at least 5 tail draws"):
        psis_log_weights(np.zeros((20, 3)), 1.0)
