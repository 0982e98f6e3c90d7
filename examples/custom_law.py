"""Add a learning-curve law with the public API alone, and fit it beside the built-in laws.

    python examples/custom_law.py

The vapor-pressure law of the learning-curve literature (Domhan, Springenberg & Hutter 2015),
``y = exp(alpha + beta / n + gamma log n)``: a power law whose log-log slope relaxes from steep to
``-gamma`` as n grows, with no floor. A law is its formula (``log_curve``, one expression for NumPy
and PyTensor), its parameters with their priors, and optionally the formula's own parameters in
the user's units (``derived``). Written on the package's centred scale ``u = log(n / n_ref)``:

    log y = log y_ref - q * slope * u + (1 - q) * slope * (exp(-u) - 1)

``y_ref`` is the curve at ``n_ref`` and ``slope`` its local exponent there (the built-in priors of
``bs.laws.Y_REF`` and ``bs.laws.SLOPE`` mean the same thing for this law), and ``q`` the share of
that exponent that persists as n grows. With no hand-written kernel the law is sampled through its
PyMC model, compiled once by nutpie and reused for every refit.
"""

import time
import warnings

import numpy as np

import bayes_scaling as bs

warnings.simplefilter("ignore", bs.LooWarning)


@bs.register
class VaporPressure(bs.Law):
    """``y = exp(alpha + beta / n + gamma log n)``: a power law whose exponent relaxes to ``-gamma``."""

    name = "vapor_pressure"
    title = "Vapor pressure"
    formula = "y = exp(alpha + beta/n + gamma log n)"
    parameters = (bs.laws.Y_REF, bs.laws.SLOPE,
                  bs.Parameter("q", bs.Prior("Beta", alpha=2.0, beta=2.0),
                               "share of the local exponent at n_ref that persists as n grows", domain="unit"))
    order = 10  # after the built-in laws in tables

    def log_curve(self, u, p, xp=np):
        s, q = p["slope"], p["q"]
        return xp.log(p["y_ref"]) - q * s * u + (1 - q) * s * (xp.exp(-u) - 1)

    def derived(self, p, n_ref):
        s, q, y_ref = (np.asarray(p[k]) for k in ("slope", "q", "y_ref"))
        return {"alpha": np.log(y_ref) + q * s * np.log(n_ref) - (1 - q) * s,
                "beta": (1 - q) * s * n_ref, "gamma": -q * s}


df = bs.load_example("two_block")
t0 = time.perf_counter()
fit = bs.fit(df, x="samples", y="val_ppl", laws=["power", "saturation", "exp_decay", "vapor_pressure"],
             random_seed=3)
first = time.perf_counter() - t0
t0 = time.perf_counter()
refit = fit.refit(fit.data.n < 3200)  # the same laws on the first four points: no recompilation
again = time.perf_counter() - t0
print(fit)
print(bs.get_law("vapor_pressure").describe())
print()
print(fit.diagnostics()[["divergences", "r_hat_max", "ess_bulk_min", "converged"]])
print()
print(fit.compare()[["rank", "elpd_loo", "se", "weight", "forecast_weight", "aic", "converged"]])
print()
print(fit["vapor_pressure"].summary().loc[["alpha", "beta", "gamma"], ["median", "lower", "upper"]])
print()
print(fit.forecast([6400, 12800], law="all")[["n", "law", "median", "lower", "upper", "converged"]])
print(f"\nfirst fit of the four laws {first:.1f} s (compiling the new law's PyMC model included); "
      f"refit on four points {again:.2f} s")
if not fit["vapor_pressure"].converged:
    raise SystemExit("vapor_pressure did not converge")
