"""The seed note's analysis of the 2-block table, redone with uncertainty.

The note ranked three laws by AIC, read the floor PPL_min = 95.4 off a least-squares fit
(which sat on an optimiser bound) and forecast 6,400 / 12,800 / 25,600 samples. Here every
number comes with an interval, and the note's own check (fit on 200..1600, predict 3200)
is repeated.

    python examples/seed_analysis.py
"""

import warnings

import numpy as np
import pandas as pd

import bayes_scaling as bs

pd.set_option("display.width", 200)
pd.set_option("display.max_columns", 20)
pd.set_option("display.precision", 4)
warnings.simplefilter("ignore", bs.LooWarning)

df = bs.load_example("two_block")
fit = bs.fit(df, x="samples", y="val_ppl", random_seed=2025)

print("Ranking (the note: saturation 7.12 < exp_decay 11.83 < power 26.65 by AIC)")
print(fit.compare()[["rank", "elpd_loo", "se", "weight", "forecast_weight", "aic", "bic", "converged"]], "\n")

print("Floor PPL_min (the note: 95.4, on an optimiser bound; unbounded least squares: 99.3)")
print(fit.ppl_min(0.9), "\n")

print("Forecast table of the note, with 90% intervals (infinity = the floor)")
fc = fit.forecast([6400, 12800, 25600], law="averaged")
floor = fit.ppl_min(0.9).loc[fit.best_law()]
rows = [*fc[["n", "median", "lower", "upper"]].itertuples(index=False),
        (np.inf, floor["median"], floor["lower"], floor["upper"])]
print(pd.DataFrame(rows, columns=["samples", "median", "lower", "upper"]).to_string(index=False), "\n")

print("The note's extrapolation check: fit on 200..1600 samples, forecast 3200 (measured 114.8)")
early = bs.fit(df[df["samples"] <= 1600], x="samples", y="val_ppl", random_seed=2025)
print(early.forecast(3200, law="all")[["law", "median", "lower", "upper"]].to_string(index=False))
