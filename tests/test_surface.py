"""Scaling surfaces: recovery of a simulated surface, the compute-optimal plan against its closed form, a slice
at fixed N against the single-curve saturation law, bad input, and (slow) the Epoch reproduction."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import bayes_scaling as bs
from bayes_scaling.errors import ArgumentError, DataError

TRUTH = {"E": 1.7, "A": 400.0, "B": 1200.0, "alpha": 0.34, "beta": 0.3}
CHINCHILLA = Path(__file__).resolve().parents[2] / "shared" / "data" / "chinchilla_epoch_svg_extracted.csv"


def surface(n, d, t=TRUTH):
    return t["E"] + t["A"] * n ** -t["alpha"] + t["B"] * d ** -t["beta"]


def grid(seed: int = 0, noise: float = 0.01) -> pd.DataFrame:
    """5 model sizes x 6 data sizes, 1% log-normal noise."""
    n, d = np.meshgrid(1e7 * 3.0 ** np.arange(5), 1e9 * 3.0 ** np.arange(6), indexing="ij")
    n, d = n.ravel(), d.ravel()
    y = surface(n, d) * np.exp(noise * np.random.default_rng(seed).standard_normal(n.size))
    return pd.DataFrame({"model_params": n, "train_tokens": d, "eval/loss": y})


@pytest.fixture(scope="module")
def fitted():
    df = grid()
    before = df.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = bs.fit_surface(df, n="model_params", d="train_tokens", y="eval/loss", random_seed=3)
    pd.testing.assert_frame_equal(df, before)  # the caller's frame untouched
    return s


def test_a_simulated_surface_is_recovered_in_the_users_units(fitted):
    p = fitted.params(prob=0.9)
    assert list(p.columns[:5]) == ["law", "parameter", "median", "lower", "upper"]
    c = p[p["law"] == "chinchilla"].set_index("parameter")
    assert list(c.index) == ["E", "A", "B", "alpha", "beta"]
    for k in ("E", "alpha", "beta"):  # the well-identified ones hold the truth in their 90% interval
        assert c.loc[k, "lower"] < TRUTH[k] < c.loc[k, "upper"], k
    assert abs(c.loc["E", "median"] / TRUTH["E"] - 1) < 0.05
    d = fitted.diagnostics()
    assert (d["divergences"] == 0).all() and (d["r_hat_max"] < 1.01).all()
    table = fitted.compare()
    assert table.iloc[0]["law"] == "chinchilla"  # the true form ranks first by PSIS-LOO
    assert math.isclose(table["weight"].sum(), 1.0, abs_tol=1e-6)


def test_the_plan_is_the_posterior_of_the_closed_form_optimum(fitted):
    """Under C = 6ND the Chinchilla form's optimum is N* = G (C/6)^(beta/(alpha+beta)),
    G = (alpha A / (beta B))^(1/(alpha+beta)) (Hoffmann et al. 2022, eq. 4): per draw, the numeric search
    must agree with it."""
    c = 1e22
    plan = fitted.compute_optimal(c, prob=0.8)
    assert set(plan["quantity"]) == {"n_opt", "d_opt", "tokens_per_param", "loss"}
    assert set(plan["law"]) == {"chinchilla", "kaplan", "averaged"}
    dr = fitted.parameter_draws("chinchilla")
    g = (dr["alpha"] * dr["A"] / (dr["beta"] * dr["B"])) ** (1 / (dr["alpha"] + dr["beta"]))
    n_star = g * (c / 6) ** (dr["beta"] / (dr["alpha"] + dr["beta"]))
    row = plan[(plan["law"] == "chinchilla") & (plan["quantity"] == "n_opt")].iloc[0]
    for q, col in ((0.5, "median"), (0.1, "lower"), (0.9, "upper")):
        assert math.isclose(row[col], np.quantile(n_star, q), rel_tol=0.01), col
    tpp = plan[(plan["law"] == "chinchilla") & (plan["quantity"] == "tokens_per_param")].iloc[0]
    d_star = c / (6 * n_star)
    assert math.isclose(tpp["median"], np.median(d_star / n_star), rel_tol=0.02)
    # the truth's optimum lies in the 80% interval
    g0 = (TRUTH["alpha"] * TRUTH["A"] / (TRUTH["beta"] * TRUTH["B"])) ** (1 / (TRUTH["alpha"] + TRUTH["beta"]))
    n0 = g0 * (c / 6) ** (TRUTH["beta"] / (TRUTH["alpha"] + TRUTH["beta"]))
    assert row["lower"] < n0 < row["upper"]


def test_another_cost_function_moves_the_plan(fitted):
    base = fitted.compute_optimal(1e21).set_index(["law", "quantity"])
    # attention-heavy cost: more per token, so fewer tokens for the same budget
    other = fitted.compute_optimal(1e21, cost=lambda n, d: 6 * n * d + 6e9 * d).set_index(["law", "quantity"])
    assert other.loc[("chinchilla", "d_opt"), "median"] < base.loc[("chinchilla", "d_opt"), "median"]
    same = fitted.compute_optimal(1e21, cost=lambda n, d: 6.0 * n * d).set_index(["law", "quantity"])
    assert math.isclose(same.loc[("chinchilla", "n_opt"), "median"], base.loc[("chinchilla", "n_opt"), "median"],
                        rel_tol=1e-3)  # the bisection agrees with the closed form of 6ND


def test_forecasts_say_how_far_they_reach(fitted):
    new = pd.DataFrame({"model_params": [1e8, 8.1e8 * 8], "train_tokens": [1e10, 2.43e11 * 4]})
    f = fitted.forecast(new, prob=0.9)
    assert set(f["law"]) == {"chinchilla", "kaplan", "averaged"}
    r = f[f["law"] == "averaged"]
    assert np.allclose(r["reach_n"], [1.0, 8.0]) and np.allclose(r["reach_d"], [1.0, 4.0])
    truth = surface(new["model_params"].to_numpy(), new["train_tokens"].to_numpy())
    assert ((r["lower"] < truth) & (truth < r["upper"])).all()
    width = (r["upper"] - r["lower"]).to_numpy()
    assert width[1] > width[0]  # wider beyond the data


def test_fixed_data_and_budget_questions(fitted):
    b = fitted.best_model_for_data(1e11)
    rows = b.set_index("quantity")
    assert rows.loc["loss", "median"] >= rows.loc["loss_limit", "median"]
    limit = TRUTH["E"] + TRUTH["B"] * 1e11 ** -TRUTH["beta"]
    assert abs(rows.loc["loss_limit", "median"] / limit - 1) < 0.03
    plan = fitted.compute_optimal(1e21).set_index(["law", "quantity"])
    target = plan.loc[("averaged", "loss"), "upper"]
    need = fitted.budget_for_loss(target, p=0.9).iloc[0]
    assert need["p_reached"] >= 0.9 and need["flops"] <= 1e21 * 1.8  # the budget grid is 4 steps per decade


def test_a_slice_at_fixed_n_agrees_with_the_saturation_law():
    """At one model size the Chinchilla form is ``(E + A/N^alpha) + B D^-beta``: the saturation law on that
    slice must find the same floor and exponent as the surface does."""
    df = grid(seed=5, noise=0.005)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = bs.fit_surface(df, n="model_params", d="train_tokens", y="eval/loss", laws=["chinchilla"], random_seed=2)
        n0 = 9e7
        part = df[df["model_params"] == n0]
        curve = bs.fit(part, x="train_tokens", y="eval/loss", laws=["saturation"], random_seed=2)
    dr = s.parameter_draws("chinchilla")
    floor_surface = np.median(dr["E"] + dr["A"] * n0 ** -dr["alpha"])
    sat = curve["saturation"].summary(prob=0.9)
    assert sat.loc["floor", "lower"] < floor_surface < sat.loc["floor", "upper"]
    a = np.median(curve["saturation"].draws["slope"] / (1 - curve["saturation"].draws["floor_frac"]))
    assert abs(a - np.median(dr["beta"])) < 0.05


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.assign(model_params=d["model_params"].where(d.index != 3, -1.0)), "model_params"),
        (lambda d: d.assign(train_tokens=d["train_tokens"].where(d.index != 4, np.nan)), "row"),
        (lambda d: d.assign(model_params=1e8), "bs.fit"),
        (lambda d: d.assign(train_tokens=1e9), "several data sizes"),
        (lambda d: d.drop(columns="model_params"), "not found"),
    ],
)
def test_bad_surfaces_are_refused_by_name(change, message):
    df = change(grid())
    before = df.copy()
    with pytest.raises(DataError, match=message):
        bs.fit_surface(df, n="model_params", d="train_tokens", y="eval/loss")
    pd.testing.assert_frame_equal(df, before)


def test_bad_budgets_and_costs_are_refused(fitted):
    for bad in (-1, 0, "lots", [1e21, float("nan")]):
        with pytest.raises(ArgumentError, match="flops"):
            fitted.compute_optimal(bad)
    with pytest.raises(ArgumentError, match="cost"):
        fitted.compute_optimal(1e21, cost=lambda n, d: -n)
    with pytest.raises(ArgumentError, match="grow with D"):
        fitted.compute_optimal(1e21, cost=lambda n, d: 6 * n / d)
    with pytest.raises(ArgumentError, match="not a surface law"):
        bs.fit_surface(grid(), n="model_params", d="train_tokens", y="eval/loss", laws=["power"])


def test_configurations_are_compared_at_a_budget():
    a = grid(seed=1)
    b = grid(seed=2)
    b["eval/loss"] = b["eval/loss"] * 1.03  # B is 3% worse everywhere
    df = pd.concat([a.assign(arch="2-block"), b.assign(arch="4-block")], ignore_index=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = bs.fit_surface(df, n="model_params", d="train_tokens", y="eval/loss", group="arch",
                           laws=["chinchilla"], random_seed=1)
    p = s.p_better("2-block", "4-block", [1e20, 1e21])
    assert (p["p_a_better"] > 0.9).all()
    assert set(s.params()["arch"]) == {"2-block", "4-block"}


@pytest.mark.slow
@pytest.mark.skipif(not CHINCHILLA.exists(), reason="the shared Chinchilla points are not here")
def test_epoch_reproduction_on_all_245_points():
    """Besiroglu et al. 2024's 95% intervals hold our posterior medians under the robust likelihood, and the
    tokens per parameter at Chinchilla's budget is about 18."""
    raw = pd.read_csv(CHINCHILLA)
    df = pd.DataFrame({"N": raw["Model Size"], "D": raw["Training FLOP"] / (6 * raw["Model Size"]),
                       "loss": raw["loss"]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = bs.fit_surface(df, n="N", d="D", y="loss", likelihood="student_t", random_seed=1)
    p = s.params(prob=0.95)
    c = p[p["law"] == "chinchilla"].set_index("parameter")["median"]
    epoch = {"E": (1.769, 1.871), "A": (285, 744), "B": (1042, 5810), "alpha": (0.317, 0.373), "beta": (0.331, 0.415)}
    for k, (lo, hi) in epoch.items():
        assert lo < c[k] < hi, k
    plan = s.compute_optimal(5.88e23, prob=0.8)
    r = plan[(plan["law"] == "chinchilla") & (plan["quantity"] == "tokens_per_param")].iloc[0]
    assert r["lower"] < 30.6 and r["upper"] > 10.6 and 14 < r["median"] < 23


def test_the_surface_command_prints_the_plan_and_writes_its_report(tmp_path, capsys):
    from bayes_scaling.cli import main

    csv = tmp_path / "runs.csv"
    grid().to_csv(csv, index=False)
    (tmp_path / "mine.md").write_text("the user's notes")
    code = main([
        "surface", str(csv), "--n", "model_params", "--d", "train_tokens", "--y", "eval/loss", "--budget", "1e21",
        "--laws", "chinchilla", "--out", str(tmp_path), "--seed", "1"])
    assert code == 0
    out = capsys.readouterr().out
    assert "C = 1e+21 FLOPs: N " in out and "tokens/param" in out
    assert "M" in out.split("C = 1e+21 FLOPs: N ")[1].split(",")[0]  # counts in the reader's units
    plan = pd.read_csv(tmp_path / "surface_plan.csv")
    assert set(plan["quantity"]) == {"n_opt", "d_opt", "tokens_per_param", "loss"}
    assert (tmp_path / "surface_isoloss.png").stat().st_size > 10_000
    assert (tmp_path / "mine.md").read_text() == "the user's notes"  # not the package's to touch
    assert main(["surface", str(csv), "--n", "model_params", "--d", "nope", "--y", "eval/loss"]) == 2
    assert "nope" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["chinchilla", "kaplan"])
def test_the_surface_kernel_is_the_pymc_model_with_sigma_integrated_out(name):
    """The numba kernel that samples a surface law is its PyMC model's joint density integrated over sigma (1-d
    quadrature over log sigma^2, at random points), and its gradient matches finite differences."""
    from scipy.integrate import quad

    from bayes_scaling.data import as_scaling_data

    df = grid(seed=4)
    data = as_scaling_data(df.rename(columns={"model_params": "params"}), x="train_tokens", y="eval/loss",
                           keep=("params",))
    law = bs.get_law(name)
    model = law.build_model(data)
    logp = model.compile_logp(jacobian=True)
    names = [v.name for v in model.value_vars]
    assert names[-1] == "sigma_sq_log__"
    rng = np.random.default_rng(0)
    for _ in range(3):
        z = law.initial_point(data) + rng.normal(0, 0.3, len(law.parameters))
        ours, grad = law.log_density(z, data)

        def weight(s, z=z, ours=ours):
            return np.exp(float(logp(dict(zip(names, [*z, s], strict=True)))) - ours)

        total, _ = quad(weight, -40, 10, limit=400, epsabs=1e-13, epsrel=1e-11)
        assert total == pytest.approx(1.0, rel=1e-7)
        h = 1e-6
        fd = [(law.log_density(z + h * e, data)[0] - law.log_density(z - h * e, data)[0]) / (2 * h)
              for e in np.eye(z.size)]
        np.testing.assert_allclose(grad, fd, rtol=1e-5, atol=1e-5)


def test_every_surface_table_says_whether_the_fit_converged(fitted):
    tables = [fitted.params(), fitted.forecast(pd.DataFrame({"model_params": [1e8], "train_tokens": [1e10]})),
              fitted.compute_optimal(1e21), fitted.best_model_for_data(1e11), fitted.budget_for_loss(2.5),
              fitted.diagnostics(), fitted.compare()]
    for t in tables:
        assert "converged" in t.columns and t["converged"].all()
        assert (t["likelihood"] == "lognormal").all()


@pytest.mark.parametrize("name", ["chinchilla", "kaplan"])
def test_the_surface_priors_predict_losses_of_the_datas_scale(name):
    """Prior-predictive check, in any units: the default priors' 98% prior-predictive interval of each run's
    loss holds it, on a grid in tokens and in thousands of tokens alike, and is not absurdly wide (the level's
    prior is LogNormal(mean log y, 1): about a factor e^2.3 either way)."""
    from bayes_scaling.data import as_scaling_data

    law = bs.get_law(name)
    for scale in (1.0, 1e-3):
        df = grid(seed=6).rename(columns={"model_params": "params"})
        df["train_tokens"] *= scale
        data = as_scaling_data(df, x="train_tokens", y="eval/loss", keep=("params",))
        p = law.sample_prior(data, np.random.default_rng(0), 4000)
        u = {k: data.centred(k)[None, :] for k in law.inputs}
        lm = law.log_curve(u, {k: np.asarray(v)[:, None] for k, v in p.items()})
        pred = lm + p["sigma"][:, None] * np.random.default_rng(1).standard_normal(lm.shape)
        lo, hi = np.quantile(pred, [0.01, 0.99], axis=0)
        assert np.mean((data.log_y >= lo) & (data.log_y <= hi)) == 1.0
        assert np.median(hi - lo) < 6.0  # log units: within about e^3 either way of the data's level


def test_the_log_normal_discrepancy_integral_in_closed_form_equals_the_row_by_row_sum():
    """The surface's kappa is learned from held-out runs; for the log-normal their log-likelihood given
    (kappa, z) is summed as a quadratic in kappa z. It must equal the row-by-row sum at every grid point."""
    from bayes_scaling.likelihoods import get_likelihood
    from bayes_scaling.surface import _GH, _held_log_lik

    rng = np.random.default_rng(4)
    ly = rng.normal(1.0, 0.1, size=12)
    lm = ly[None, :] + rng.normal(0, 0.05, size=(30, 12))
    p = {"sigma": rng.uniform(0.01, 0.05, size=30)}
    reach = rng.uniform(0, 2, size=12)
    lik = get_likelihood("lognormal")
    closed = _held_log_lik(lik, ly, lm, p, reach, _GH[0])
    rows = _held_log_lik(lik, ly, lm, p, reach, _GH[0], closed=False)
    assert closed.shape == rows.shape == (bs.discrepancy.KAPPA_GRID.size, 30, _GH[0].size)
    assert closed == pytest.approx(rows, rel=1e-10, abs=1e-8)
