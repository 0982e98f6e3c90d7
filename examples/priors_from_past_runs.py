"""Priors learned from a lab's earlier runs, then a new run forecast with them.

Twelve earlier training runs of one model family (validation loss against tokens, each measured at eight
doublings from 0.5B to 64B tokens) are simulated with the kind of spread real families have: floors near
1.8-2.1 nats, exponents near 0.3. ``bs.learn_priors(..., horizon=8)`` fits each earlier run on its points
up to 8B tokens and scores what that fit forecasts for 16B-64B, and learns from all twelve the priors
under which those forecasts are most probable (law probabilities, the discrepancy beyond the data, the
parameter priors), with their provenance. A new run, measured up to 8B tokens, is then forecast at 64B
with the package's default priors and with the learned ones.

    python examples/priors_from_past_runs.py
"""

import warnings

import numpy as np
import pandas as pd

import bayes_scaling as bs

rng = np.random.default_rng(7)
tokens = 0.5e9 * 2.0 ** np.arange(8)


def run(floor: float, scale: float, exponent: float) -> pd.DataFrame:
    loss = floor + scale * (tokens / 1e9) ** -exponent
    return pd.DataFrame({"tokens": tokens, "eval/loss": loss * np.exp(0.003 * rng.standard_normal(tokens.size))})


past = [run(rng.uniform(1.8, 2.1), rng.uniform(1.0, 1.5), rng.uniform(0.25, 0.35)) for _ in range(12)]
with warnings.catch_warnings():
    warnings.simplefilter("ignore", bs.BayesScalingWarning)  # fits of the earlier runs that need a retry
    mine = bs.learn_priors(past, x="tokens", y="eval/loss", name="our family", horizon=8, draws=500)
print(mine.provenance)
print(mine.table([bs.get_law(k) for k in bs.laws.default_laws()]).query("source != 'default'").to_string(index=False))

new = run(1.95, 1.2, 0.3)
seen, later = new[new["tokens"] <= 8e9], new[new["tokens"] == 64e9]
print(f"\nNew run, measured up to 8B tokens; at 64B it will measure {later['eval/loss'].iloc[0]:.3f}")
for label, priors in (("default priors", None), ("learned priors", mine)):
    fit = bs.fit(seen, x="tokens", y="eval/loss", priors=priors, random_seed=1)
    f = fit.forecast([64e9]).iloc[0]
    print(f"{label:>15}: 64B tokens -> {f['median']:.3f} (90% interval {f['lower']:.3f}-{f['upper']:.3f}), "
          f"converged: {bool(fit.diagnostics()['converged'].all())}")
