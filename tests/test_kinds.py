"""The kind of curve: declared with the data, selects the priors unless priors are given, is saved with the fit
and named in the headline; a 'runs' curve that looks like a trajectory gets a suggestion, never a switch."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import bayes_scaling as bs
from bayes_scaling.cli import main
from bayes_scaling.errors import ArgumentError
from bayes_scaling.kinds import get_kind, trajectory_hint
from bayes_scaling.report import headline, tables


def trajectory(seed: int = 0, rows: int = 600, rho: float = 0.9, sd: float = 0.01) -> pd.DataFrame:
    """One run's checkpoints, steps 100 to 20,000: a saturation curve to a floor of 2.0 whose log noise is
    AR(1) (rho 0.9: neighbouring checkpoints err together, as a run's evaluations do)."""
    rng = np.random.default_rng(seed)
    step = np.geomspace(100, 20_000, rows).round()
    e = np.empty(rows)
    e[0] = rng.normal(0, sd)
    for i in range(1, rows):
        e[i] = rho * e[i - 1] + np.sqrt(1 - rho**2) * rng.normal(0, sd)
    return pd.DataFrame({"step": step, "eval/loss": (2.0 + 30 * step**-0.45) * np.exp(e)})


SWEEP = pd.DataFrame({"tokens": 1e8 * 2.0 ** np.arange(5), "loss": [4.1, 3.7, 3.42, 3.23, 3.1]})


def test_the_suggestion_fires_on_a_dense_log_and_not_on_a_five_point_sweep():
    dense = trajectory()
    assert "kind='trajectory'" in trajectory_hint(dense["step"], "step")
    assert "per doubling" in trajectory_hint(dense["step"], "n")  # dense alone is enough
    assert "named like training progress" in trajectory_hint([1, 2, 4, 8, 16.0], "global_step")
    assert trajectory_hint(SWEEP["tokens"], "tokens") is None  # 5 separately trained runs
    assert trajectory_hint(100 * 2.0 ** np.arange(20), "samples") is None  # many points, but one per doubling
    with pytest.raises(ArgumentError, match="kind must be one of 'runs', 'trajectory'"):
        get_kind("checkpoints")


@pytest.fixture(scope="module")
def sweep_fit():
    return bs.fit(SWEEP, x="tokens", y="loss", random_seed=1)


def test_runs_is_the_default_and_says_so(sweep_fit):
    assert sweep_fit.kind == "runs" and sweep_fit.priors_source == "default" and sweep_fit.kind_hint is None
    lines = headline(sweep_fit, tables(sweep_fit, [1.6e9]))
    assert "Kind of curve: runs (separately trained runs); priors: the package's defaults" in lines
    assert not any(line.startswith("Suggestion") for line in lines)


def test_a_trajectory_fit_uses_the_kinds_priors_unless_priors_are_given(tmp_path):
    df = trajectory()
    before = df.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error", bs.DataWarning)  # no suggestion, no kind mismatch
        f = bs.fit(df, x="step", y="eval/loss", kind="trajectory", random_seed=2, draws=500)
    pd.testing.assert_frame_equal(df, before)
    # the kind's priors: the lm preset, learned from trajectories and separately trained language models
    assert f.kind == "trajectory" and f.priors_source == "kind" and f.priors.name == "lm"
    assert "lm_dev_curves" in f.priors.provenance
    line = next(x for x in headline(f, tables(f, [40_000])) if x.startswith("Kind of curve"))
    assert line.startswith("Kind of curve: trajectory (checkpoints of one run); priors: the kind's (preset lm;")
    # explicit priors win, and the headline says so
    mine = {"law_probs": {"power": 0.2, "saturation": 0.5, "exp_decay": 0.3}}
    g = bs.fit(df, x="step", y="eval/loss", kind="trajectory", priors=mine, random_seed=2, draws=500)
    assert g.priors.name == "" and g.priors_source == "explicit" and g.priors.law_probs["power"] == 0.2
    line = next(x for x in headline(g, tables(g, [40_000])) if x.startswith("Kind of curve"))
    assert "priors: yours, given explicitly in place of the kind's 'lm' preset" in line
    # saved with the fit
    f.save(tmp_path / "fit")
    back = bs.load(tmp_path / "fit")
    assert (back.kind, back.priors_source, back.kind_hint) == ("trajectory", "kind", None)
    pd.testing.assert_frame_equal(back.forecast([40_000]), f.forecast([40_000]))
    assert f.refit(f.data.n < 10_000).kind == "trajectory"  # a refit (and so a backtest) keeps the kind


def test_a_dense_log_fitted_as_runs_is_told_and_not_switched():
    df = trajectory(seed=1)
    with pytest.warns(bs.DataWarning, match="looks like the checkpoints of one run"):
        f = bs.fit(df, x="step", y="eval/loss", random_seed=3, draws=500)
    assert f.kind == "runs" and f.priors.name == ""  # never switched on its own
    assert any(x.startswith("Suggestion: this curve looks like the checkpoints of one run")
               for x in headline(f, tables(f, [40_000])))


def test_a_simulated_trajectory_with_dependent_noise_is_recovered():
    """Checkpoints whose noise is AR(1) with rho 0.9 (the points share a run), fitted as a trajectory, on 4
    simulated runs: the best law's floor lands within 3% of 2.0, and the averaged forecast's 90% interval at 2x
    the last step holds the true curve every time. (Its floor interval treats the 600 checkpoints as independent
    and holds 2.0 on 2 of these 4 runs: docs/forecasting.md.)"""
    for seed in range(4):
        f = bs.fit(trajectory(seed=10 + seed), x="step", y="eval/loss", kind="trajectory", random_seed=seed,
                   draws=500)
        w = f.weights()
        best = max(w, key=w.get)
        assert best == "saturation"
        assert f.ppl_min(prob=0.9).loc[best, "median"] == pytest.approx(2.0, rel=0.03)
        fc = f.forecast([40_000], prob=0.9)
        fc = fc[fc["law"] == "averaged"].iloc[0]
        assert fc["lower"] <= 2.0 + 30 * 40_000**-0.45 <= fc["upper"]


def test_learned_priors_carry_their_kind_and_a_fit_of_another_kind_is_warned():
    runs = [trajectory(seed=20 + i, rows=40).rename(columns={"step": "n", "eval/loss": "y"}) for i in range(4)]
    p = bs.learn_priors(runs, laws=["saturation"], holdout=0, draws=300, kind="trajectory")
    assert p.kind == "trajectory" and "curves of the kind 'trajectory'" in p.provenance
    assert bs.priors.Priors.from_dict(p.to_dict()).kind == "trajectory"
    with pytest.warns(bs.DataWarning, match="learned from curves of the kind 'trajectory'"):
        bs.fit(SWEEP, x="tokens", y="loss", laws=["saturation"], priors=p, kind="runs", random_seed=1, draws=300)


def test_fit_many_and_the_command_take_the_kind(tmp_path, capsys):
    with pytest.raises(ArgumentError, match="kind must be one of"):
        bs.fit_many([SWEEP, SWEEP], x="tokens", y="loss", kind="dense")
    fits = bs.fit_many({"a": SWEEP, "b": SWEEP}, x="tokens", y="loss", kind="runs", draws=300, random_seed=1)
    assert {f.kind for f in fits.values()} == {"runs"}
    path = tmp_path / "log.csv"
    trajectory(seed=5, rows=200).to_csv(path, index=False)
    assert main(["fit", str(path), "--x", "step", "--y", "eval/loss", "--kind", "trajectory", "--draws", "300"]) == 0
    assert "Kind of curve: trajectory (checkpoints of one run)" in capsys.readouterr().out
