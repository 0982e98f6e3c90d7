"""A data-budget decision on the seed table: how many samples for a target PPL, and what
the next doublings buy.

    python examples/budget_decision.py
"""

import warnings

import pandas as pd

import bayes_scaling as bs

pd.set_option("display.width", 200)
pd.set_option("display.max_columns", 20)
pd.set_option("display.precision", 4)
warnings.simplefilter("ignore", bs.LooWarning)

df = bs.load_example("two_block")
fit = bs.fit(df, x="samples", y="val_ppl", random_seed=7, keep=("tokens",))

print("The seed's forecast table (6,400 / 12,800 / 25,600 / infinity), now with 90% intervals")
table = fit.forecast([6400, 12800, 25600])[["n", "median", "lower", "upper"]]
floor = fit.ppl_min().loc["saturation"]  # infinity: the floor of the saturation law, as in the notes
table.loc[len(table)] = [float("inf"), floor["median"], floor["lower"], floor["upper"]]
print(table.to_string(index=False), "\n")

print("The seed's alpha table, per doubling, now with 90% intervals (gain = 1 - PPL(2n)/PPL(n))")
print(fit.doubling_gain([200, 400, 800, 1600, 3200, 6400]), "\n")

print("Local exponent -dlogPPL/dlogn (the note: 0.504 on 50-400 samples, 0.432 on 100-800)")
print(fit.local_exponent([141, 283, 566, 1131, 2263]), "\n")

print("Samples (and tokens) to reach a target PPL with 90% probability. Beyond the data the curve carries")
print("the discrepancy learned from how well the laws forecast the largest n (fit.discrepancy()):")
print(fit.samples_needed([115, 110, 105, 100], prob=0.9), "\n")
print("The same from the laws' mean curves alone (discrepancy=0), sure of the laws' shapes:")
print(fit.samples_needed([115, 110, 105, 100], prob=0.9, discrepancy=0)[["target", "n", "p_reachable"]], "\n")

print("Planning table: expected PPL, chance of PPL <= 105 and PPL gained per 1,000 extra samples")
print(fit.decision_summary(105, [6400, 12800, 25600]), "\n")

print("How far from the floor is each budget?")
print(fit.gap_to_floor([3200, 6400, 12800, 25600]))
