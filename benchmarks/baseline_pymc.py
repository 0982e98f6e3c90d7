"""The hand-written baseline of issue 3: the three laws written directly in PyMC, sampled with
default ``pm.sample`` (PyMC picks nutpie when installed), 4 chains x 1000 draws, then LOO compare.

This is what a PyMC user would write without bayes_scaling; ``run.py`` times it cold, in a
fresh process, beside ``bayes-scaling demo``.
"""

import time

t0 = time.perf_counter()

import arviz as az  # noqa: E402
import numpy as np  # noqa: E402
import pymc as pm  # noqa: E402

n = np.array([200, 400, 800, 1600, 3200.0])
y = np.array([258.3, 187.6, 150.5, 127.4, 114.8])
u = np.log(n) - np.log(n).mean()


def model(kind):
    with pm.Model() as m:
        log_y0 = pm.Normal("log_y0", np.log(y).mean(), 1.0)
        slope = pm.LogNormal("slope", np.log(0.3), 1.0)
        sigma = pm.LogNormal("sigma", np.log(0.02), 0.75)
        if kind == "power":
            log_mu = log_y0 - slope * u
        else:
            f = pm.Beta("floor_frac", 1.5, 1.5)
            if kind == "saturation":
                rest = pm.math.exp(-slope / (1 - f) * u)
            else:
                c = pm.LogNormal("c", np.log(0.5), 0.75)
                rest = pm.math.exp(-slope / ((1 - f) * c) * pm.math.expm1(c * u))
            log_mu = log_y0 + pm.math.log(f + (1 - f) * rest)
        pm.LogNormal("y", mu=log_mu, sigma=sigma, observed=y)
    return m


traces = {}
for kind in ["power", "saturation", "exp_decay"]:
    with model(kind):
        idata = pm.sample(draws=1000, tune=1000, chains=4, random_seed=1, progressbar=False)
        pm.compute_log_likelihood(idata, progressbar=False)
    traces[kind] = idata
print(az.compare(traces))
print(f"baseline wall {time.perf_counter() - t0:.2f} s")
