"""Likelihoods (bayes_scaling/likelihoods): each is one definition, held to scipy and PyTensor; the robust
Student-t likelihood through fit, tables, criteria, save/load and the command line."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import bayes_scaling as bs
from bayes_scaling.errors import ArgumentError, LoadError
from bayes_scaling.likelihoods import get_likelihood

from .conftest import centred_log

N10 = 1e8 * 2.0 ** np.arange(10)  # ten doublings of tokens
TRUTH = {"y_ref": 3.2, "slope": 0.12, "floor_frac": 0.6}  # a loss curve near its floor


def saturation_curve(n, noise, seed):
    """The saturation law at ``n`` times exp(noise) (noise: log-scale draws)."""
    law = bs.get_law("saturation")
    return pd.DataFrame({"tokens": n, "loss": np.exp(law.log_curve(centred_log(n), TRUTH)) * np.exp(noise)})


@pytest.fixture(scope="module")
def t_fit():
    rng = np.random.default_rng(3)
    df = saturation_curve(N10, 0.01 * rng.standard_t(4, N10.size), 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return bs.fit(df, x="tokens", y="loss", laws=["saturation", "power"], likelihood="student_t", random_seed=5)


def test_registry_names_and_refuses_unknown_names():
    assert get_likelihood(None).name == "lognormal"
    assert get_likelihood("student_t").param_names == ["nu"]
    with pytest.raises(ArgumentError, match="registered likelihoods: lognormal, student_t"):
        get_likelihood("cauchy")
    with pytest.raises(ArgumentError, match="unknown likelihood 'studentt'"):
        bs.fit(bs.load_example(), x="samples", y="val_ppl", likelihood="studentt")


@pytest.mark.parametrize("name", ["lognormal", "student_t"])
def test_density_is_scipy_and_the_same_expression_in_pytensor(name):
    import pytensor.tensor as pt

    lik = get_likelihood(name)
    r = np.linspace(-0.3, 0.3, 7)
    sigma, nu = 0.05, 3.5
    p = {"nu": nu} if name == "student_t" else {}
    oracle = stats.t(nu, 0, sigma).logpdf(r) if name == "student_t" else stats.norm(0, sigma).logpdf(r)
    assert lik.log_density(r, sigma, p) == pytest.approx(oracle, rel=1e-12)
    log_y = np.log(3.0) + r
    assert lik.logpdf(log_y, np.log(3.0), sigma, p) == pytest.approx(oracle - log_y, rel=1e-12)  # density of y
    x = pt.dvector("r")
    tensor = lik.log_density(x, sigma, {k: pt.as_tensor_variable(v) for k, v in p.items()}, xp=pt)
    assert tensor.eval({x: r}) == pytest.approx(oracle, rel=1e-7)  # PyTensor's gammaln differs by ~4e-9


def test_student_t_noise_draws_have_the_t_quantiles():
    z = get_likelihood("student_t").standard_noise({"nu": np.full(200_000, 3.0)}, np.random.default_rng(0), 200_000)
    assert np.quantile(z, 0.95) == pytest.approx(stats.t(3).ppf(0.95), rel=0.03)


def test_student_t_fit_samples_nu_converges_and_every_table_says_so(t_fit):
    f = t_fit["saturation"]
    assert f.variables == ["y_ref", "slope", "floor_frac", "sigma", "nu"]
    assert "nu" in f.tree.posterior and f.tree.attrs["likelihood"] == "student_t"
    diag = t_fit.diagnostics()
    assert diag["converged"].all() and (diag["sampler"] == "pymc").all()
    for table in (diag, t_fit.compare(), t_fit.ppl_min(), t_fit.forecast([2e11]), t_fit.forecast_weights(),
                  t_fit.discrepancy(), t_fit.decision_summary(2.4, [2e11])):
        assert (table["likelihood"] == "student_t").all()
    # AIC counts nu: saturation has y_ref, slope, floor_frac, sigma, nu
    assert f.mle.k == 5 and t_fit["power"].mle.k == 4
    assert t_fit.priors_table().query("parameter == 'nu'")["prior"].tolist() == ["Gamma(alpha=2, beta=0.1)"] * 2
    assert "nu" in bs.get_law("saturation").describe(f.priors)


def test_loo_and_waic_agree_with_arviz_stats_on_a_scipy_pointwise_log_likelihood(t_fit):
    import arviz_stats as azs
    import xarray as xr

    f = t_fit["saturation"]
    d = f.draws
    log_mu = np.log(f.curve(f.data.n))
    oracle = stats.t(d["nu"][:, None], log_mu, d["sigma"][:, None]).logpdf(f.data.log_y[None, :]) - f.data.log_y
    assert f.log_lik == pytest.approx(oracle, rel=1e-9, abs=1e-9)
    shape = (f.tree.posterior.sizes["chain"], f.tree.posterior.sizes["draw"], -1)
    tree = xr.DataTree.from_dict({"posterior": f.tree.posterior.to_dataset(),
                                  "log_likelihood": xr.Dataset({"y": (("chain", "draw", "obs"),
                                                                      oracle.reshape(shape))})})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = azs.loo(tree, pointwise=True, var_name="y", reff=f.reff)
    assert f.psis_loo.elpd == pytest.approx(float(theirs.elpd), rel=1e-9)
    assert np.asarray(f.psis_loo.pareto_k) == pytest.approx(np.asarray(theirs.pareto_k), rel=1e-9)
    lppd = np.log(np.mean(np.exp(oracle), axis=0))
    assert f.waic["elpd_waic"] == pytest.approx(float(np.sum(lppd - oracle.var(axis=0, ddof=1))), rel=1e-9)


def test_one_wild_point_moves_the_floor_far_less_under_student_t():
    """An 8-point loss curve with 0.5% noise; its 6th run diverged and measured 25% high. The log-normal's
    floor moves by several times its own noise; the Student-t's barely."""
    n = N10[:8]
    clean = saturation_curve(n, 0.005 * np.random.default_rng(11).standard_normal(n.size), 11)
    wild = clean.copy()
    wild.loc[5, "loss"] *= 1.25
    floors = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for lik in ("lognormal", "student_t"):
            for name, df in (("clean", clean), ("wild", wild)):
                fit = bs.fit(df, x="tokens", y="loss", laws=["saturation"], likelihood=lik, random_seed=2)
                floors[lik, name] = float(fit.ppl_min().loc["saturation", "median"])
    assert wild.loc[5, "loss"] == pytest.approx(clean.loc[5, "loss"] * 1.25)  # (the frames are the caller's)
    moved = {lik: abs(floors[lik, "wild"] - floors[lik, "clean"]) for lik in ("lognormal", "student_t")}
    assert moved["student_t"] < 0.25 * moved["lognormal"], (floors, moved)


def test_recovery_under_heavy_tailed_noise():
    """t(2) noise of scale 1% on 24 points (one of them 6 scales out, two more 3): the Student-t posterior's 90%
    intervals hold the true floor and exponent, and its median floor is within 2% (tests/test_recovery.py
    repeats this over 12 curves against the log-normal)."""
    n = 1e8 * 2.0 ** np.arange(0, 12, 0.5)
    noise = 0.01 * np.random.default_rng(100).standard_t(2, n.size)
    assert (np.abs(noise) > 0.04).sum() >= 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = bs.fit(saturation_curve(n, noise, 0), x="tokens", y="loss", laws=["saturation"], likelihood="student_t",
                     random_seed=0, draws=500)
    s = fit["saturation"].summary(prob=0.9)
    floor = TRUTH["floor_frac"] * TRUTH["y_ref"]
    a = TRUTH["slope"] / (1 - TRUTH["floor_frac"])
    assert s.loc["floor", "lower"] < floor < s.loc["floor", "upper"]
    assert s.loc["a", "lower"] < a < s.loc["a", "upper"]
    assert s.loc["floor", "median"] == pytest.approx(floor, rel=0.02)
    assert fit.diagnostics()["converged"].all()


def test_student_t_refuses_to_bin_a_dense_curve_and_says_what_to_do():
    n = np.arange(1, 1502) * 1e6
    df = pd.DataFrame({"tokens": n, "loss": 2 + 30 * n**-0.3})
    with pytest.raises(ArgumentError, match=r"cannot fit a dense curve of 1501 rows.*Thin it"):
        bs.fit(df, x="tokens", y="loss", likelihood="student_t")
    assert len(df) == 1501 and df["tokens"].iloc[0] == 1e6  # the caller's frame untouched


def test_priors_on_nu_and_where_nu_does_not_exist():
    p = bs.Priors({"saturation": {"nu": bs.Prior("Gamma", alpha=2, beta=0.5)}}).with_likelihood("student_t")
    lp = p.for_law(bs.get_law("saturation"))
    assert lp.lik["nu"] == bs.Prior("Gamma", alpha=2, beta=0.5) and not lp.conjugate_noise
    assert bs.Priors.from_dict(p.to_dict()).likelihood == "student_t"
    with pytest.raises(ArgumentError, match="a prior on nu needs likelihood='student_t'"):
        bs.Priors({"saturation": {"nu": bs.Prior("Gamma", alpha=2, beta=0.5)}}).for_law(bs.get_law("saturation"))
    # the default: the log-normal, left out of the saved dict so that files of earlier versions compare equal
    assert "likelihood" not in bs.Priors().to_dict() and bs.Priors().likelihood == "lognormal"


def test_save_and_load_keep_the_likelihood_and_refuse_an_edited_one(t_fit, tmp_path):
    t_fit.save(tmp_path / "fit")
    back = bs.load(tmp_path / "fit")
    assert back.likelihood == "student_t" and back["saturation"].likelihood.name == "student_t"
    pd.testing.assert_frame_equal(back.forecast([2e11, 4e11]), t_fit.forecast([2e11, 4e11]))
    meta_file = tmp_path / "fit" / "fit.json"
    meta = json.loads(meta_file.read_text())
    meta["priors"].pop("likelihood")
    meta_file.write_text(json.dumps(meta))
    with pytest.raises(LoadError, match=r"fit\.json was edited after saving"):  # its own checksum
        bs.load(tmp_path / "fit")
    from bayes_scaling.io import meta_digest

    meta["checksums"]["meta"] = meta_digest(meta)  # the edit made consistent: the posterior still says otherwise
    meta_file.write_text(json.dumps(meta))
    with pytest.raises(LoadError, match=r"student_t likelihood, but fit\.json says lognormal"):
        bs.load(tmp_path / "fit")


def test_command_line_takes_the_likelihood(t_fit, tmp_path, capsys):
    from bayes_scaling.cli import main

    n = N10[:6]
    csv = tmp_path / "runs.csv"
    saturation_curve(n, 0.01 * np.random.default_rng(1).standard_normal(n.size), 1).to_csv(csv, index=False)
    args = ["fit", str(csv), "--x", "tokens", "--y", "loss", "--laws", "saturation", "--draws", "300", "--no-progress"]
    with warnings.catch_warnings():  # in this process: the models t_fit compiled serve it
        warnings.simplefilter("ignore")
        assert main([*args, "--likelihood", "student_t"]) == 0
    assert "Likelihood: student_t" in capsys.readouterr().out
    assert main([*args, "--likelihood", "cauchy"]) == 2
    assert "unknown likelihood 'cauchy'" in capsys.readouterr().err
    bad = subprocess.run([sys.executable, "-m", "bayes_scaling.cli", *args, "--likelihood", "cauchy"],
                         capture_output=True, text=True, timeout=120)  # the console's own exit status and line
    assert bad.returncode == 2 and "unknown likelihood 'cauchy'" in bad.stderr


def test_fit_many_passes_the_likelihood():
    curves = [saturation_curve(N10[:6], 0.01 * np.random.default_rng(s).standard_normal(6), s) for s in (1, 2)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fits = bs.fit_many(curves, x="tokens", y="loss", laws=["saturation"], likelihood="student_t",
                           random_seed=0, draws=300)
    assert [f.likelihood for f in fits] == ["student_t", "student_t"]
    with pytest.raises(ArgumentError, match="unknown likelihood"):
        bs.fit_many(curves, x="tokens", y="loss", likelihood="laplace")
