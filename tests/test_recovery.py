"""Statistical checks on simulated data: parameter recovery with calibrated intervals, law ranking."""

import warnings

import numpy as np
import pytest

import bayes_scaling as bs
from tests.conftest import simulate

pytestmark = pytest.mark.slow

N_GRID = 100 * 2.0 ** np.arange(10)  # 100 .. 51,200: ten doublings
TRUTHS = {
    "power": {"y_ref": 50.0, "slope": 0.35},
    "saturation": {"y_ref": 50.0, "slope": 0.3, "floor_frac": 0.6},
    "exp_decay": {"y_ref": 50.0, "slope": 0.3, "floor_frac": 0.6, "c": 1.0},
}
SIGMA = 0.02
REPS = 20


@pytest.mark.parametrize("law", list(TRUTHS))
def test_parameter_recovery_has_nominal_coverage(law):
    """Over 20 simulated curves per law, 90% intervals hold the true values about 90% of the time.

    With 20 replications a single parameter's coverage below 14/20 has probability ~1% under
    nominal coverage; the pooled rate over all parameters must lie in [0.8, 0.97].
    """
    truth = TRUTHS[law] | {"sigma": SIGMA}
    hits = {k: 0 for k in truth}
    for rep in range(REPS):
        df = simulate(law, TRUTHS[law], N_GRID, SIGMA, seed=1000 + rep)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", bs.ConvergenceWarning)
            fit = bs.fit(df, laws=[law], random_seed=rep)
        assert fit[law].converged, (law, rep, fit[law].diagnostics)
        summary = fit[law].summary(prob=0.9)
        for k, v in truth.items():
            hits[k] += int(summary.loc[k, "lower"] <= v <= summary.loc[k, "upper"])
    rates = {k: h / REPS for k, h in hits.items()}
    assert min(hits.values()) >= 14, rates
    pooled = sum(hits.values()) / (REPS * len(hits))
    assert 0.8 <= pooled <= 0.97, rates


@pytest.mark.parametrize("law", ["saturation", "exp_decay"])
def test_floor_recovery(law):
    """The floor interval holds the true floor (0.6 * 50 = 30) and is informative."""
    inside = 0
    for rep in range(5):
        df = simulate(law, TRUTHS[law], N_GRID, SIGMA, seed=2000 + rep)
        fit = bs.fit(df, laws=[law], random_seed=rep)
        row = fit.ppl_min(0.9).loc[law]
        inside += row["lower"] <= 30.0 <= row["upper"]
        assert row["upper"] - row["lower"] < 15.0
    assert inside >= 4


@pytest.mark.parametrize("law", list(TRUTHS))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ranking_picks_the_true_law(law, seed):
    """On clearly separated curves (1% noise, ten doublings) the true law ranks first by LOO."""
    df = simulate(law, TRUTHS[law], N_GRID, 0.01, seed=seed)
    fit = bs.fit(df, random_seed=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bs.BayesScalingWarning)
        table = fit.compare()
    assert table.index[0] == law, table[["elpd_loo", "se", "weight"]]
    assert table.loc[law, "weight"] >= 0.5
