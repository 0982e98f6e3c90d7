"""Perplexity or loss: the same language-model curves fitted as the loss and as the perplexity exp(loss),
with the default priors and with the ``lm`` preset, forecast 8x beyond the data and scored on the loss scale.

    .venv/bin/python benchmarks/perplexity.py

Curves: the twenty separately trained small LMs of ``benchmarks/data/seedlike_lm_curves.csv`` (fitted on the
first five sizes, forecast at the eighth) and the 49 training trajectories of ``../shared/data/lm_dev_curves.csv``
(fitted up to 1/8 of the largest x, forecast at 8x that, the loss interpolated in log x), where the source
released a loss. A perplexity forecast is scored through its log, so both are scored on the same scale: the
coverage of the 90% interval, the median |error| and the interval score, in nats.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import bayes_scaling as bs

sys.path.insert(0, str(Path(__file__).parent))
from calibration import interval_score, lm_curves, seedlike_curves

PROB = 0.9


def cases():
    for c in seedlike_curves():
        yield "separate runs", c["n"][:5], c["mu"][:5], c["n"][7], c["mu"][7]
    for c in lm_curves():
        if np.median(c["fit_y"]) < 20:  # a loss (the perplexities of some OLMo sets are left out)
            yield "trajectories", c["fit_n"], c["fit_y"], c["new_n"][2], c["new_y"][2]


def main() -> None:
    rows = []
    for kind, n, loss, new_n, new_loss in cases():
        for metric in ("loss", "perplexity"):
            y = loss if metric == "loss" else np.exp(loss)
            for priors in (None, "lm"):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    f = bs.fit(pd.DataFrame({"n": n, "y": y}), priors=priors, random_seed=1)
                    r = f.forecast([new_n], PROB).iloc[0]
                lo, med, hi = (float(r[k]) for k in ("lower", "median", "upper"))
                if metric == "perplexity":
                    lo, med, hi = np.log(lo), np.log(med), np.log(hi)
                rows.append({"kind": kind, "fitted as": metric, "priors": priors or "default",
                             "covered": lo <= new_loss <= hi, "abs_error": abs(med - new_loss),
                             "interval_score": interval_score(lo, hi, new_loss, PROB)})
    t = pd.DataFrame(rows)
    out = t.groupby(["kind", "fitted as", "priors"]).agg(curves=("covered", "size"), coverage=("covered", "mean"),
                                                          median_abs_error=("abs_error", "median"),
                                                          interval_score=("interval_score", "mean"))
    print(out.round(4).to_string())


if __name__ == "__main__":
    main()
