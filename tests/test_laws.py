"""The laws: one formula, three faces (NumPy, numba gradient kernel, PyMC model) that must agree."""

import numpy as np
import pandas as pd
import pytest

import bayes_scaling as bs
from bayes_scaling.data import ScalingData
from bayes_scaling.forecast import prior_predictive

LAW_NAMES = ["power", "saturation", "exp_decay", "mmf", "broken_power"]  # every registered law: the kernels must agree


def test_registry_order_and_contents():
    assert [k for k, law in bs.LAWS.items() if law.single_input] == LAW_NAMES
    assert [k for k, law in bs.LAWS.items() if not law.single_input] == ["chinchilla", "kaplan"]  # surfaces
    assert bs.laws.default_laws() == ["power", "saturation", "exp_decay"]  # mmf and broken_power are opt-in
    assert [bs.LAWS[k].n_params for k in LAW_NAMES] == [3, 4, 5, 5, 6]
    assert [bs.LAWS[k].has_floor for k in LAW_NAMES] == [False, True, True, True, True]
    with pytest.raises(KeyError, match="registered laws"):
        bs.get_law("nope")


def _random_z(law, data, rng):
    return law.initial_point(data) + rng.normal(0, 0.7, len(law.parameters))


@pytest.mark.parametrize("name", LAW_NAMES)
def test_kernel_log_density_is_the_pymc_model_with_sigma_integrated_out(name, seed_data):
    """The fast sampler's density is the PyMC model's joint density integrated over sigma.

    Checked by 1-d quadrature of the PyMC model's log density (with Jacobians) over
    log sigma^2, at random points; the gradient is checked against PyMC's gradient of
    that integral (by differentiating under the integral sign, also by quadrature).
    """
    from scipy.integrate import quad

    law = bs.get_law(name)
    model = law.build_model(seed_data)
    logp = model.compile_logp(jacobian=True)
    dlogp = model.compile_dlogp(jacobian=True)
    names = [v.name for v in model.value_vars]
    assert names[-1] == "sigma_sq_log__" and len(names) == len(law.parameters) + 1
    rng = np.random.default_rng(0)
    for _ in range(4):
        z = _random_z(law, seed_data, rng)
        ours, grad = law.log_density(z, seed_data)

        def joint(s, z=z):
            return float(logp(dict(zip(names, [*z, s], strict=True))))

        def weight(s, z=z, ours=ours):
            return np.exp(joint(s) - ours)

        total, _ = quad(weight, -40, 10, limit=400, epsabs=1e-13, epsrel=1e-11)
        assert total == pytest.approx(1.0, rel=1e-7)
        for i in range(z.size):
            def dfun(s, i=i, z=z):
                return weight(s) * dlogp(dict(zip(names, [*z, s], strict=True)))[i]

            gi, _ = quad(dfun, -40, 10, limit=400, epsabs=1e-11, epsrel=1e-10)
            assert grad[i] == pytest.approx(gi, rel=1e-6, abs=1e-6)


@pytest.mark.parametrize("name", LAW_NAMES)
def test_kernel_gradient_matches_finite_differences(name, seed_data):
    law = bs.get_law(name)
    rng = np.random.default_rng(1)
    z = _random_z(law, seed_data, rng)
    _, grad = law.log_density(z, seed_data)
    h = 1e-6
    fd = [(law.log_density(z + h * e, seed_data)[0] - law.log_density(z - h * e, seed_data)[0]) / (2 * h)
          for e in np.eye(z.size)]
    np.testing.assert_allclose(grad, fd, rtol=1e-5, atol=1e-6)


PARAMS = {
    "power": {"y_ref": 150.0, "slope": 0.4},
    "saturation": {"y_ref": 150.0, "slope": 0.3, "floor_frac": 0.6},
    "exp_decay": {"y_ref": 150.0, "slope": 0.3, "floor_frac": 0.6, "c": 0.4},
    "mmf": {"y_ref": 150.0, "slope": 0.3, "floor_frac": 0.6, "p": 0.7},
    "broken_power": {"y_ref": 150.0, "slope": 0.3, "floor_frac": 0.6, "delta": 0.5, "u_break": 0.8},
}


def _bnsl_excess(n, d, n_ref):
    from bayes_scaling.laws.broken_power import SHARPNESS as s

    c1 = d["c_after"] - d["c0"]
    return n ** -d["c0"] * (1 + (n / d["d"]) ** (1 / s)) ** (-c1 * s)


@pytest.mark.parametrize("name", LAW_NAMES)
def test_derived_parameters_reproduce_the_published_formula(name, seed_data):
    """floor, A, a, b, c in the user's units give back the same curve."""
    law = bs.get_law(name)
    p = {k: np.array([v]) for k, v in PARAMS[name].items()}
    d = {k: v[0] for k, v in law.derived(p, seed_data.n_ref).items()}
    n = np.array([50.0, 800.0, 1e5])
    with np.errstate(over="ignore"):
        ours = np.exp(law.log_curve(seed_data.to_u(n), PARAMS[name]))
    formula = {
        "power": lambda: d["A"] * n ** -d["a"],
        "saturation": lambda: d["floor"] + d["A"] * n ** -d["a"],
        "exp_decay": lambda: d["floor"] + d["A"] * np.exp(-d["b"] * n ** PARAMS["exp_decay"]["c"]),
        "mmf": lambda: d["floor"] + (d["y_0"] - d["floor"]) / (1 + (n / d["k"]) ** d["d"]),
        # Caballero et al. 2022 with one break: b n^-c0 (1 + (n/d)^(1/s))^(-c1 s), b from the level at n_ref
        "broken_power": lambda: d["floor"] + _bnsl_excess(n, d, seed_data.n_ref) * 0.4 * 150.0
        / _bnsl_excess(np.array([seed_data.n_ref]), d, seed_data.n_ref),
    }[name]()
    np.testing.assert_allclose(ours, formula, rtol=1e-10)
    # the curve equals y_ref at n_ref, and falls with local exponent `slope` there
    assert np.exp(law.log_curve(0.0, PARAMS[name])) == pytest.approx(150.0)
    h = 1e-6
    slope = (law.log_curve(h, PARAMS[name]) - law.log_curve(-h, PARAMS[name])) / (2 * h)
    assert -slope == pytest.approx(PARAMS[name]["slope"], rel=1e-6)
    if law.has_floor:
        assert d["floor"] == pytest.approx(0.6 * 150.0)
        with np.errstate(over="ignore"):
            assert np.exp(law.log_curve(1e6, PARAMS[name])) == pytest.approx(90.0)


@pytest.mark.parametrize("name", LAW_NAMES)
def test_prior_predictive_is_scale_free(name):
    """Same curve in other units (n x 1e9 tokens, y x 1e-7): same relative prior predictive."""
    law = bs.get_law(name)
    n = np.array([100, 300, 1000, 3000.0])
    y = np.array([5.0, 3.5, 2.9, 2.6])
    small = ScalingData.from_arrays(n, y)
    big = ScalingData.from_arrays(n * 1e9, y * 1e-7)
    a = prior_predictive(law, small, draws=500, seed=3)
    b = prior_predictive(law, big, draws=500, seed=3)
    np.testing.assert_allclose(b["n"], a["n"] * 1e9)
    np.testing.assert_allclose(b["y"], a["y"] * 1e-7, rtol=1e-9)


@pytest.mark.parametrize("name", LAW_NAMES)
def test_prior_predictive_check_on_seed_table(name, seed_data):
    """Defaults put the seed measurements well inside the prior predictive, which is wide but not absurd."""
    pp = prior_predictive(bs.get_law(name), seed_data, draws=4000, seed=4)
    q = pp.groupby("n")["y"].quantile([0.05, 0.5, 0.95]).unstack()
    obs = pd.Series(seed_data.y, index=seed_data.n)
    assert (q[0.05] < obs).all() and (obs < q[0.95]).all()
    # 90% prior predictive width in decades: about 1.5 at n_ref; it widens towards the edges of
    # the data (independent slope and floor priors allow steep excess exponents), but stays
    # within 4 decades at 16x from n_ref
    width = np.log10(q[0.95] / q[0.05])
    assert 0.3 < width[800.0] < 1.6
    assert (width > 0.3).all() and (width < 4).all()
    # prior curves fall with n: the median decreases
    assert q[0.5].is_monotonic_decreasing


def test_build_model_has_documented_priors(seed_data):
    text = bs.get_law("saturation").describe()
    for piece in ["y_ref", "LogNormal(mu=mean log y, sigma=1)", "slope", "LogNormal(mu=log 0.3, sigma=1)",
                  "floor_frac", "Beta(alpha=1.5, beta=1.5)", "sigma_sq", "InverseGamma(alpha=1, beta=0.0002773)"]:
        assert piece in text


def test_broken_power_law_recovers_a_curve_that_steepens_before_it_bends():
    """A curve whose exponent rises from 0.2 to 0.8 at a break inside the data and levels off at a floor (12
    doublings, 1% noise): the kernel samples it without divergences, its 99% intervals hold the exponents before
    and after the break, the break and the floor, and it is preferred by PSIS-LOO to the saturation law, which
    cannot steepen."""
    from tests.conftest import simulate

    law = bs.get_law("broken_power")
    n = 10 * 2.0 ** np.arange(12)
    truth = {"y_ref": 2.0, "slope": 0.35, "floor_frac": 0.4, "delta": 0.6, "u_break": 0.3}
    df = simulate("broken_power", truth, n, 0.01, seed=5)
    u_ref = np.exp(np.mean(np.log(n)))
    derived = {k: float(v[0]) for k, v in law.derived({k: np.array([v]) for k, v in truth.items()}, u_ref).items()}
    fit = bs.fit(df, laws=["broken_power", "saturation"], random_seed=2)
    f = fit["broken_power"]
    assert f.converged and f.diagnostics.divergences == 0
    s = f.summary(prob=0.99)
    for k in ("c0", "c_after", "d", "floor"):
        assert s.loc[k, "lower"] < derived[k] < s.loc[k, "upper"], (k, derived[k], s.loc[k].to_dict())
    assert fit.compare().index[0] == "broken_power"
