"""Two configurations of one model (2-block vs 3-block): which has the lower floor, and from
how many samples on is the larger one better? With and without partial pooling.

The data are SIMULATED (``bs.load_example("simulated_configs")``, floors 95 and 85): the seed
notes expect a 3-block model to lower PPL_min, and this is how the question is asked of real runs.

    python examples/compare_configs.py
"""

import warnings

import pandas as pd

import bayes_scaling as bs

pd.set_option("display.width", 200)
pd.set_option("display.max_columns", 20)
pd.set_option("display.precision", 4)
warnings.simplefilter("ignore", bs.LooWarning)

df = bs.load_example("simulated_configs")
fit = bs.fit(df, x="samples", y="val_ppl", group="blocks", random_seed=11)
print(fit, "\n")

print("Model comparison per configuration")
print(fit.compare()[["group", "law", "rank", "elpd_loo", "se", "weight", "forecast_weight", "converged"]], "\n")

print("Floors (PPL_min) per configuration and law, 90% intervals")
print(fit.ppl_min()[["group", "law", "median", "lower", "upper", "converged"]], "\n")

print("P(floor of a < floor of b): saturation law, and the averaged laws (law-matched)")
print(pd.concat([fit.p_floor_lower(law="saturation"), fit.p_floor_lower()]), "\n")

print("P(PPL of a < PPL of b) at budgets; diff = PPL(a) - PPL(b)")
print(fit.p_lower_at([3200, 25600, 204800]), "\n")

print("Samples each configuration needs for PPL <= 110 with 90% probability")
print(fit.samples_needed(110)[["group", "law", "n", "p_reachable"]], "\n")

print("Partial pooling of the exponents (one hierarchical model per law; compiles for ~15 s)")
pooled = bs.fit(df, x="samples", y="val_ppl", group="blocks", laws=["saturation"], pooling="partial",
                random_seed=11)
print(pooled.ppl_min()[["group", "law", "median", "lower", "upper", "converged"]])
print(pooled.p_floor_lower(law="saturation"))
