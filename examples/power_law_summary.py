"""The seed's power-law summary (note 000), with posterior intervals: the exponent on tokens,
what a doubling of data buys, and whether the exponent really worsens as data grow.

    python examples/power_law_summary.py
"""

import warnings

import numpy as np
import pandas as pd

import bayes_scaling as bs

pd.set_option("display.width", 200)
pd.set_option("display.precision", 4)
warnings.simplefilter("ignore", bs.LooWarning)

print("The note's rule: a doubling cuts PPL by 1 - 2^-a")
print(pd.DataFrame({"a": [0.3, 0.4, 0.5, 0.6, 0.7],
                    "cut per doubling": [1 - 2**-a for a in (0.3, 0.4, 0.5, 0.6, 0.7)]}).to_string(index=False), "\n")

df = bs.load_example("two_block")
fit = bs.fit(df, x="tokens", y="val_ppl", random_seed=5)

power = fit["power"].summary(0.9)
print("Power law PPL = A tokens^-a on the seed table: posterior of the exponent a (90% interval)")
print(power.loc[["a"]], "\n")

print("What a doubling of tokens buys, per law and averaged (1 - PPL(2n)/PPL(n))")
n = [float(df["tokens"].iloc[-1])]
print(pd.concat([fit.doubling_gain(n, law=law) for law in ["power", "saturation", "averaged"]]), "\n")

print("'alpha worsens as data grows': local exponent -dlogPPL/dlogn at the centre of each window")
centres = np.sqrt(df["tokens"].to_numpy()[:-1] * df["tokens"].to_numpy()[1:])
local = fit.local_exponent(centres)
print(local, "\n")
draws = fit.components("averaged")
curve_lo = np.concatenate([f.curve([centres[0] * 0.999, centres[0] * 1.001])[idx] for f, idx in draws])
curve_hi = np.concatenate([f.curve([centres[-1] * 0.999, centres[-1] * 1.001])[idx] for f, idx in draws])
slope = lambda c: -np.log(c[:, 1] / c[:, 0]) / np.log(1.001 / 0.999)  # noqa: E731
print(f"P(exponent at {centres[-1]:,.0f} tokens < exponent at {centres[0]:,.0f} tokens) = "
      f"{np.mean(slope(curve_hi) < slope(curve_lo)):.3f}\n(the power law alone cannot say this: its exponent is "
      f"constant; the ranking puts {fit.best_law()} first)")
