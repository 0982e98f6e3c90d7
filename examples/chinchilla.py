"""Compute-optimal allocation with honest intervals: the Chinchilla points, or a grid of your own runs.

    python examples/chinchilla.py [CHINCHILLA_CSV]

With the 245 Chinchilla runs as Epoch AI digitised them from Hoffmann et al. 2022's figure (their
``svg_extracted_data.csv``; found at ``../shared/data/chinchilla_epoch_svg_extracted.csv`` beside a
development checkout, or give its path), the story is theirs: fit ``E + A/N^alpha + B/D^beta`` and the Kaplan
form with the robust Student-t likelihood, compare them, and plan for three budgets. Without it, the same story
runs on the package's own grid of 42 small language models (``benchmarks/data/lm_grid.csv``).
"""

import sys
import warnings
from pathlib import Path

import pandas as pd

import bayes_scaling as bs
from bayes_scaling.surface import display

warnings.simplefilter("ignore", bs.LooWarning)
HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" / "data" / "chinchilla_epoch_svg_extracted.csv"
source = Path(sys.argv[1]) if len(sys.argv) > 1 else SHARED

if source.exists():
    raw = pd.read_csv(source)
    runs = pd.DataFrame({"params": raw["Model Size"], "tokens": raw["Training FLOP"] / (6 * raw["Model Size"]),
                         "loss": raw["loss"]})
    budgets, what = [1e21, 5.88e23, 1e25], "the Chinchilla runs (digitised from Hoffmann et al. 2022, Figure 4)"
else:
    raw = pd.read_csv(HERE.parent / "benchmarks" / "data" / "lm_grid.csv", comment="#")
    runs = pd.DataFrame({"params": raw["params"], "tokens": raw["tokens"], "loss": raw["val_loss"]})
    budgets, what = [1e15, 1e16, 1e17], "the package's grid of 42 small language models"
print(f"{len(runs)} runs of {what}: {runs['params'].nunique()} model sizes\n")

s = bs.fit_surface(runs, n="params", d="tokens", y="loss", likelihood="student_t", random_seed=1)
print(s.compare()[["law", "rank", "elpd_loo", "se", "elpd_waic", "aic", "weight", "converged"]].to_string(index=False))
print("\nParameters, 95% intervals:")
print(display(s.params(prob=0.95)).to_string(index=False))
print(f"\nLearned discrepancy beyond the largest model (log loss per unit of log N): "
      f"{s.discrepancy()['median'].iloc[0]:.3f}")
print("\nThe plan, 80% intervals (each posterior draw's own optimum under C = 6ND):")
print(s.headline(budgets, prob=0.8))
plan = s.compute_optimal(budgets, prob=0.8)
tpp = plan[(plan["law"] == "averaged") & (plan["quantity"] == "tokens_per_param")]
print("\n" + display(tpp[["flops", "median", "lower", "upper"]]).to_string(index=False))
