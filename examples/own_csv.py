"""Fit your own learning curve from a CSV file and save everything for later.

    python examples/own_csv.py [runs.csv X_COLUMN Y_COLUMN]

Without arguments it writes a small example CSV of validation loss against tokens.
"""

import sys
import tempfile
import warnings
from pathlib import Path

import bayes_scaling as bs

warnings.simplefilter("ignore", bs.LooWarning)

if len(sys.argv) == 4:
    path, x, y = sys.argv[1:]
else:
    path = Path(tempfile.mkdtemp()) / "runs.csv"
    path.write_text("# validation loss of one configuration\ntokens,val_loss\n"
                    "1e8,3.91\n2e8,3.62\n4e8,3.40\n8e8,3.29\n1.6e9,3.21\n1.6e9,3.23\n")
    x, y = "tokens", "val_loss"

fit = bs.fit(path, x=x, y=y, random_seed=0)
print(fit)
print(fit.compare()[["rank", "elpd_loo", "weight", "forecast_weight", "aic", "converged"]])
print(fit.forecast([3.2e9, 6.4e9, 1.28e10]))
out = Path(tempfile.mkdtemp()) / "fit"
fit.save(out)
print(f"saved to {out}; bs.load({str(out)!r}) restores it")
assert bs.load(out).forecast([3.2e9]).equals(fit.forecast([3.2e9]))
