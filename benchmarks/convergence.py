"""Convergence benchmark: the share of law fits that converge at the defaults on real curves.

    .venv/bin/python benchmarks/convergence.py [--domains lm lcdb ngram] [--out FILE.csv]

Every curve is fitted, with the package's defaults (4 chains x 1000 draws, the automatic retry), on its
points up to 1/8 of its largest n, as the calibration benchmark fits its curves:

* ``lm``: the 49 language-model validation-loss curves of ``../shared/data/lm_dev_curves.csv``
  (datablations and OLMo training trajectories; 5-92 points each after the cut);
* ``lcdb``: the 138 LCDB 1.0 error-rate curves of ``benchmarks/data/lcdb_error_curves.csv``;
* ``ngram``: the 16 character n-gram language models of ``benchmarks/calibration.py``.

A fit converges when it has 0 divergences, r_hat <= 1.01 and bulk and tail ESS >= 100 per chain
(``bayes_scaling.sampling``). Prints, per domain and law, the share converged, how many needed the
retry, and the worst r_hat / fewest ESS among the failures.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import bayes_scaling as bs

HERE = Path(__file__).parent


def lm_curves() -> dict[str, pd.DataFrame]:
    sys.path.insert(0, str(HERE))
    from calibration import lm_curves as load

    return {c["name"]: pd.DataFrame({"n": c["fit_n"], "y": c["fit_y"]}) for c in load()}


def _first_five(curves: list[dict]) -> dict[str, pd.DataFrame]:
    return {f"{i}:{c['name']}": pd.DataFrame({"n": c["n"][:5], "y": c["mu"][:5]}) for i, c in enumerate(curves)}


def lcdb_curves() -> dict[str, pd.DataFrame]:
    sys.path.insert(0, str(HERE))
    from calibration import lcdb_curves as load

    return _first_five(load())


def ngram_curves() -> dict[str, pd.DataFrame]:
    sys.path.insert(0, str(HERE))
    from calibration import text_curves

    return _first_five(text_curves())


DOMAINS = {"lm": lm_curves, "lcdb": lcdb_curves, "ngram": ngram_curves}


def diagnose(domain: str, curves: dict[str, pd.DataFrame], seed: int = 0) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bs.BayesScalingWarning)
        fits = bs.fit_many(curves, x="n", y="y", random_seed=seed)
    rows = []
    for name, f in fits.items():
        if isinstance(f, bs.FitFailure):
            rows.append({"domain": domain, "curve": name, "law": "all", "converged": False, "error": f.message})
            continue
        d = f.diagnostics().reset_index()
        d.insert(0, "curve", name)
        d.insert(0, "domain", domain)
        d["points"] = f.data.n_obs
        rows.extend(d.to_dict("records"))
    return pd.DataFrame(rows)


def summarize(table: pd.DataFrame) -> pd.DataFrame:
    def one(g):
        bad = g[~g["converged"].astype(bool)]
        return pd.Series({"fits": len(g), "converged": g["converged"].mean(), "failed": len(bad),
                          "retried": int(g["retried"].sum()) if "retried" in g else 0,
                          "worst_r_hat": bad["r_hat_max"].max() if len(bad) else np.nan,
                          "fewest_ess": bad[["ess_bulk_min", "ess_tail_min"]].min().min() if len(bad) else np.nan,
                          "divergent_fits": int((bad["divergences"] > 0).sum()) if len(bad) else 0})
    per_law = table.groupby(["domain", "law"], sort=False).apply(one, include_groups=False)
    per_domain = table.groupby("domain", sort=False).apply(one, include_groups=False)
    per_domain.index = pd.MultiIndex.from_tuples([(d, "all laws") for d in per_domain.index])
    total = one(table).to_frame(("all", "all laws")).T
    return pd.concat([per_law, per_domain, total])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--domains", nargs="+", default=list(DOMAINS), choices=list(DOMAINS))
    parser.add_argument("--out", help="write the per-fit table to this CSV")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    tables = []
    for domain in args.domains:
        t0 = time.perf_counter()
        curves = DOMAINS[domain]()
        tables.append(diagnose(domain, curves, args.seed))
        print(f"{domain}: {len(curves)} curves in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    table = pd.concat(tables, ignore_index=True)
    if args.out:
        table.to_csv(args.out, index=False)
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(summarize(table).to_string(float_format=lambda v: f"{v:.4g}"))


if __name__ == "__main__":
    main()
