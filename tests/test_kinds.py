"""The kind of curve: declared with the data, selects the priors unless priors are given, is saved with the fit
and named in the headline; a 'runs' curve that looks like a trajectory gets a suggestion, never a switch."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import bayes_scaling as bs
from bayes_scaling.cli import main
from bayes_scaling.data import ScalingData
from bayes_scaling.errors import ArgumentError
from bayes_scaling.kinds import dependence, get_kind, trajectory_hint
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
    assert back.data.temper == f.data.temper < 0.2 and back.dependence == f.dependence
    pd.testing.assert_frame_equal(back.forecast([40_000]), f.forecast([40_000]))
    again = f.refit(f.data.n < 10_000)
    assert again.kind == "trajectory" and again.data.temper == f.data.temper  # a refit (a backtest) keeps both


def test_a_dense_log_fitted_as_runs_is_told_and_not_switched():
    df = trajectory(seed=1)
    with pytest.warns(bs.DataWarning, match="looks like the checkpoints of one run"):
        f = bs.fit(df, x="step", y="eval/loss", random_seed=3, draws=500)
    assert f.kind == "runs" and f.priors.name == ""  # never switched on its own
    assert any(x.startswith("Suggestion: this curve looks like the checkpoints of one run")
               for x in headline(f, tables(f, [40_000])))


def test_a_simulated_trajectory_with_dependent_noise_is_recovered():
    """Checkpoints whose noise is AR(1) with rho 0.9 (the points share a run), fitted as a trajectory, on 4
    simulated runs: the lag-1 autocorrelation is read within 0.1 of 0.9, so the 600 checkpoints count as about
    600 * 0.1 / 1.9 = 32 measurements; the best law's floor lands within 3% of 2.0, and its 90% interval holds
    2.0 on at least 3 of the 4 (on 8 runs: 6 tempered, 2 counted as independent, whose intervals are 3-4x
    narrower); the averaged forecast's 90% interval at 2x the last step holds the true curve every time."""
    held = 0
    for seed in range(4):
        f = bs.fit(trajectory(seed=10 + seed), x="step", y="eval/loss", kind="trajectory", random_seed=seed,
                   draws=500)
        assert f.dependence.rho == pytest.approx(0.9, abs=0.1) and f.dependence.points == f.data.distinct_n.size
        assert f.data.temper == pytest.approx((1 - f.dependence.rho) / (1 + f.dependence.rho))
        w = f.weights()
        best = max(w, key=w.get)
        assert best == "saturation"
        floor = f.ppl_min(prob=0.9).loc[best]
        assert floor["median"] == pytest.approx(2.0, rel=0.03)
        held += floor["lower"] <= 2.0 <= floor["upper"]
        fc = f.forecast([40_000], prob=0.9)
        fc = fc[fc["law"] == "averaged"].iloc[0]
        assert fc["lower"] <= 2.0 + 30 * 40_000**-0.45 <= fc["upper"]
    assert held >= 3


def test_dependence_is_read_from_the_residuals_and_short_or_anticorrelated_curves_count_as_independent():
    """rho is the lag-1 autocorrelation of log y about a cubic in log x, per distinct x (replicates averaged):
    within 0.05 of the truth on 2,000 AR(1) checkpoints at rho 0.5 and 0.95; 0 for independent noise
    (within 0.05, clipped at 0); and a curve of fewer than 12 distinct x is not tempered at all."""
    for rho in (0.5, 0.95):
        df = trajectory(seed=3, rows=2000, rho=rho)
        d = dependence(df["step"], df["eval/loss"])
        assert d.rho == pytest.approx(rho, abs=0.05)
        assert d.temper == pytest.approx((1 - d.rho) / (1 + d.rho))
        assert d.effective == pytest.approx(d.temper * d.points)
    iid = trajectory(seed=4, rows=400, rho=0.0)
    d = dependence(iid["step"], iid["eval/loss"])
    assert d.rho < 0.05 and d.temper > 0.9
    assert "counted as independent" in dependence([1, 2, 4, 8, 16], [5, 4, 3.5, 3.2, 3.1]).describe()
    assert dependence(SWEEP["tokens"], SWEEP["loss"]).temper == 1.0


def test_a_tempered_likelihood_is_the_likelihood_to_a_power():
    """Tempering by w multiplies every row's log density by w (the binned path's arithmetic, row weights w).
    Oracle: 40 points each measured 4 times and tempered by 1/4 are the 40 points measured once, exactly, in
    the kernel's density (sigma integrated out), the PyMC model's and the maximum likelihood's, and so in the
    posterior. The 40 points themselves tempered by 1/4 have posterior sds more than twice as wide: exactly
    twice for a known sigma, wider as sigma is known from 10 measurements' worth instead of 40."""
    rng = np.random.default_rng(0)
    n = np.geomspace(1e3, 1e6, 40)
    y = 30 * n**-0.3 * np.exp(rng.normal(0, 0.01, n.size))
    plain = ScalingData.from_arrays(n, y)
    with pytest.warns(bs.DataWarning, match="repeat the same"):
        four = ScalingData.from_arrays(np.repeat(n, 4), np.repeat(y, 4)).tempered(0.25)
    assert four.n_measurements == 160 and four.n_effective == pytest.approx(40.0) and not four.binned
    law = bs.laws.get_law("power")
    for z in (np.array([0.3, -1.2]), np.array([-0.5, -0.9])):
        (a, ga), (b, gb) = law.log_density(z, plain), law.log_density(z, four)
        assert b == pytest.approx(a, rel=1e-12) and np.allclose(gb, ga, rtol=1e-10)
    logps = [law.build_model(d).compile_logp(jacobian=True) for d in (plain, four)]
    point = {"y_ref_log__": 0.2, "slope_log__": -1.1, "sigma_sq_log__": -9.0}
    assert float(logps[1](point)) == pytest.approx(float(logps[0](point)), rel=1e-12)
    lik = bs.likelihoods.get_likelihood("lognormal")
    ml, ml_four = (lik.max_likelihood(law, d, [{"y_ref": 1.0, "slope": 0.3}]) for d in (plain, four))
    assert ml_four.log_lik == pytest.approx(ml.log_lik, rel=1e-9)
    assert ml_four.params["slope"] == pytest.approx(ml.params["slope"], rel=1e-6)
    ll = lik.pointwise(plain.log_y[None, :] - 0.003, plain.log_y[None, :], np.array([[0.01]]), {}, plain)
    ll_hot = lik.pointwise(plain.log_y[None, :] - 0.003, plain.log_y[None, :], np.array([[0.01]]), {},
                           plain.tempered(0.25))
    np.testing.assert_allclose(ll_hot, 0.25 * ll, rtol=1e-12)
    options = bs.sampling.SamplerOptions(draws=1000)
    draws = [bs.result.ScalingFit.from_data(d, ["power"], options, 1).fits["power"].draws
             for d in (plain, four, plain.tempered(0.25))]
    for k in ("slope", "y_ref"):
        sd = np.std(draws[0][k])
        assert np.std(draws[1][k]) == pytest.approx(sd, rel=0.15)
        assert np.median(draws[1][k]) == pytest.approx(np.median(draws[0][k]), abs=0.2 * sd)
        assert np.std(draws[2][k]) > 2 * sd
    with pytest.raises(ValueError, match="temper must be in"):
        plain.tempered(1.5)


def test_student_t_or_pooled_trajectories_are_fitted_untempered_and_warned():
    df = trajectory(seed=6, rows=120)
    with pytest.warns(bs.DataWarning, match="the student_t likelihood cannot temper"):
        f = bs.fit(df, x="step", y="eval/loss", kind="trajectory", likelihood="student_t", laws=["saturation"],
                   random_seed=1, draws=300)
    assert f.data.temper == 1.0 and f.dependence is None
    assert "counted as" not in next(x for x in headline(f, tables(f, [40_000])) if x.startswith("Kind of curve"))


def test_learned_priors_carry_their_kind_and_a_fit_of_another_kind_is_warned():
    runs = [trajectory(seed=20 + i, rows=40).rename(columns={"step": "n", "eval/loss": "y"}) for i in range(4)]
    p = bs.learn_priors(runs, laws=["saturation"], holdout=0, draws=300, kind="trajectory")
    assert p.kind == "trajectory" and "curves of the kind 'trajectory'" in p.provenance
    assert bs.priors.Priors.from_dict(p.to_dict()).kind == "trajectory"
    with pytest.warns(bs.DataWarning, match="learned from curves of the kind 'trajectory'"):
        bs.fit(SWEEP, x="tokens", y="loss", laws=["saturation"], priors=p, kind="runs", random_seed=1, draws=300)


def test_priors_learned_from_curves_of_both_kinds_fit_each_as_its_kind():
    """One kind per curve: the trajectories are fitted as trajectories (tempered), the sweeps as runs, in the
    curves' order; the priors record no single kind, and the provenance counts both."""
    from bayes_scaling.learning import _fit_all, _held_out_parts

    logs = [trajectory(seed=30 + i, rows=60).rename(columns={"step": "n", "eval/loss": "y"}) for i in range(2)]
    sweeps = [SWEEP.rename(columns={"tokens": "n", "loss": "y"}).assign(y=SWEEP["loss"] * k) for k in (1.0, 1.1)]
    curves, kinds = [logs[0], sweeps[0], logs[1], sweeps[1]], ["trajectory", "runs", "trajectory", "runs"]
    fits = _fit_all(_held_out_parts(curves, "n", "y", None, "raise", kinds), "n", "y", ["saturation"], 0,
                    {"draws": 300})
    assert [f.kind for f in fits] == kinds
    assert [f.data.n_obs for f in fits] == [60, 5, 60, 5]
    assert all(f.data.temper < 0.5 for f in fits[::2]) and all(f.data.temper == 1.0 for f in fits[1::2])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bs.DataWarning)
        p = bs.learn_priors([*curves, logs[0].assign(y=logs[0]["y"] * 1.05)], laws=["saturation"], holdout=0,
                            draws=300, kind=[*kinds, "trajectory"])
    assert p.kind is None
    assert ("curves of the kinds 'trajectory' (checkpoints of one run: 3) and 'runs' (separately trained runs: 2)"
            in p.provenance)
    with pytest.raises(ArgumentError, match="give one kind, or one per curve; got 2 kinds for 4 curves"):
        bs.learn_priors(curves, laws=["saturation"], kind=["runs", "runs"])


def test_fit_many_and_the_command_take_the_kind(tmp_path, capsys):
    with pytest.raises(ArgumentError, match="kind must be one of"):
        bs.fit_many([SWEEP, SWEEP], x="tokens", y="loss", kind="dense")
    fits = bs.fit_many({"a": SWEEP, "b": SWEEP}, x="tokens", y="loss", kind="runs", draws=300, random_seed=1)
    assert {f.kind for f in fits.values()} == {"runs"}
    path = tmp_path / "log.csv"
    trajectory(seed=5, rows=200).to_csv(path, index=False)
    assert main(["fit", str(path), "--x", "step", "--y", "eval/loss", "--kind", "trajectory", "--draws", "300"]) == 0
    assert "Kind of curve: trajectory (checkpoints of one run)" in capsys.readouterr().out
