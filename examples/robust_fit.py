"""A loss curve with one bad point, fitted with the log-normal and with the robust Student-t likelihood.

    python examples/robust_fit.py

Eight separately trained runs of a small language model; the run at 3.2e9 tokens diverged early and was
evaluated from a worse checkpoint, 20% above the curve. The log-normal likelihood bends every law towards
that point, and the floor and forecasts move with it; Student-t on log y (``likelihood="student_t"``)
discounts it, and the posterior of its degrees of freedom ``nu`` says the noise looked heavy-tailed.
"""

import warnings

import numpy as np
import pandas as pd

import bayes_scaling as bs

warnings.simplefilter("ignore", bs.LooWarning)
warnings.simplefilter("ignore", bs.DataWarning)

tokens = 1e8 * 2.0 ** np.arange(8)
clean = 1.9 + 11.0 * (tokens / 1e8) ** -0.35 / 4.0 * np.exp(0.004 * np.random.default_rng(7).standard_normal(8))
runs = pd.DataFrame({"tokens": tokens, "eval/loss": clean})
runs.loc[5, "eval/loss"] *= 1.20  # the diverged run
print(runs.to_string(index=False, formatters={"tokens": "{:.3g}".format}), "\n")

fits = {lik: bs.fit(runs, x="tokens", y="eval/loss", laws=["saturation", "power"], likelihood=lik, random_seed=1)
        for lik in ("lognormal", "student_t")}
rows = []
for lik, fit in fits.items():
    floor = fit.ppl_min().loc["saturation"]
    fc = fit.forecast([1.024e11]).iloc[0]
    rows.append({"likelihood": lik, "floor median": floor["median"], "floor 90%": f"{floor['lower']:.2f}-"
                 f"{floor['upper']:.2f}", "loss at 1.02e11 tokens": fc["median"],
                 "90% interval": f"{fc['lower']:.2f}-{fc['upper']:.2f}",
                 "converged": bool(fit.diagnostics()["converged"].all())})
print(pd.DataFrame(rows).round(3).to_string(index=False), "\n")

t = fits["student_t"]["saturation"]
nu = np.quantile(t.draws["nu"], [0.05, 0.5, 0.95])
print(f"Student-t's nu: median {nu[1]:.1f} (90% {nu[0]:.1f}-{nu[2]:.1f}); the prior Gamma(2, 0.1) has median 16.8")
print("\nPointwise PSIS-LOO of the saturation law (the bad point stands out under the log-normal):")
print(pd.DataFrame({lik: np.asarray(f["saturation"].psis_loo.elpd_i) for lik, f in fits.items()},
                   index=pd.Index([f"{t:.3g}" for t in tokens], name="tokens")).round(2).to_string())
