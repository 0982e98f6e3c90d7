"""Scaling surfaces on the Chinchilla points and on our own grid: the Epoch reproduction, extrapolation in
model size against a least-squares + bootstrap baseline done as Epoch did, and the time it takes.

    .venv/bin/python benchmarks/surface.py [--likelihood student_t] [--skip-baseline]
    .venv/bin/python benchmarks/surface.py --speed     # cold times, each in a new process

Extrapolation: fit on the runs of models up to 1/8 of the largest, forecast every larger one; report the
coverage of the 90% intervals, the median |log error| and the interval score on log loss (Gneiting & Raftery
2007; lower is better), averaged over held-out runs. The baseline fits ``E + A/N^alpha + B/D^beta`` by a Huber
loss (delta 1e-3) on log loss with L-BFGS-B from a grid of starts, and its 90% interval is that of 400 bootstrap
refits plus the residual quantiles of the fit (a prediction interval for a new run).
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import huber

import bayes_scaling as bs

ROOT = Path(__file__).resolve().parents[1]
CHINCHILLA = ROOT.parent / "shared" / "data" / "chinchilla_epoch_svg_extracted.csv"
GRID = ROOT / "benchmarks" / "data" / "lm_grid.csv"
PROB = 0.9


def chinchilla() -> pd.DataFrame:
    df = pd.read_csv(CHINCHILLA)
    return pd.DataFrame({"params": df["Model Size"], "tokens": df["Training FLOP"] / (6 * df["Model Size"]),
                         "loss": df["loss"]})


def grid() -> pd.DataFrame:
    df = pd.read_csv(GRID, comment="#")
    return pd.DataFrame({"params": df["params"], "tokens": df["tokens"], "loss": df["val_loss"]})


def interval_score(y, lo, hi, prob=PROB) -> np.ndarray:
    a = 1 - prob
    return (hi - lo) + 2 / a * (lo - y) * (y < lo) + 2 / a * (y - hi) * (y > hi)


def huber_fit(n, d, y, starts=None):
    ln, ld, ly = np.log(n), np.log(d), np.log(y)

    def obj(t):
        a, b, e, al, be = t
        pred = np.logaddexp.reduce([a - al * ln, b - be * ld, np.full_like(ln, e)])
        return huber(1e-3, pred - ly).sum()

    best = None
    for s in starts or [(a, b, e, al, be) for a in (0, 5, 10) for b in (0, 5, 10) for e in (-1, 0.5)
                        for al in (0.2, 0.5) for be in (0.2, 0.5)]:
        r = minimize(obj, s, method="L-BFGS-B")
        if best is None or r.fun < best.fun:
            best = r
    return best.x


def huber_predict(t, n, d):
    a, b, e, al, be = t
    return np.logaddexp.reduce([a - al * np.log(n), b - be * np.log(d), np.full(np.shape(n), e)])


def baseline(train: pd.DataFrame, test: pd.DataFrame, boots: int = 400, seed: int = 0):
    n, d, y = (train[c].to_numpy() for c in ("params", "tokens", "loss"))
    t0 = huber_fit(n, d, y)
    resid = np.log(y) - huber_predict(t0, n, d)
    rng = np.random.default_rng(seed)
    preds = []
    for _ in range(boots):
        i = rng.integers(0, n.size, n.size)
        t = huber_fit(n[i], d[i], y[i], starts=[t0])
        preds.append(huber_predict(t, test["params"].to_numpy(), test["tokens"].to_numpy())
                     + rng.choice(resid, size=len(test)))
    preds = np.array(preds)
    lo, hi = np.quantile(preds, [(1 - PROB) / 2, (1 + PROB) / 2], axis=0)
    return np.median(preds, axis=0), lo, hi, t0


def scores(name, ly, med, lo, hi):
    cov = float(np.mean((ly >= lo) & (ly <= hi)))
    err = float(np.median(np.abs(ly - med)))
    isc = float(np.mean(interval_score(ly, lo, hi)))
    print(f"  {name:<28} coverage {cov:.2f}  median |log error| {err:.4f}  interval score {isc:.4f}")


def extrapolation(df: pd.DataFrame, label: str, likelihood: str, skip_baseline: bool):
    cut = df["params"].max() / 8
    train, test = df[df["params"] <= cut], df[df["params"] > cut]
    print(f"{label}: fit on {len(train)} runs of N <= {cut:.3g}, forecast {len(test)} runs of larger models")
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = bs.fit_surface(train, random_seed=1, likelihood=likelihood)
        f = s.forecast(test, prob=PROB)
    print(f"  (fit and forecast {time.perf_counter() - t:.1f} s; kappa median {s.discrepancy()['median'].iloc[0]:.3f})")
    ly = np.log(test["loss"].to_numpy())
    for law in [*s.laws, "averaged"]:
        r = f[f["law"] == law]
        scores(f"bayes_scaling {law}", ly, np.log(r["median"].to_numpy()), np.log(r["lower"].to_numpy()),
               np.log(r["upper"].to_numpy()))
    if not skip_baseline:
        med, lo, hi, _ = baseline(train, test)
        scores("least squares + bootstrap", ly, med, lo, hi)


def main() -> None:
    likelihood = sys.argv[sys.argv.index("--likelihood") + 1] if "--likelihood" in sys.argv else "student_t"
    skip = "--skip-baseline" in sys.argv
    df = chinchilla()
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = bs.fit_surface(df, random_seed=1, likelihood=likelihood)
        s.compare()
        plan = s.compute_optimal([1e21, 5.88e23, 1e25], prob=0.8)
    print(f"Chinchilla points, all {len(df)}: two laws, comparison and the plan for three budgets "
          f"{time.perf_counter() - t:.1f} s ({likelihood})")
    p = s.params(prob=0.95)
    print(p[p["law"] == "chinchilla"][["parameter", "median", "lower", "upper"]].to_string(index=False))
    print("Epoch 2024 (95%): E 1.817 (1.769-1.871), A 482 (285-744), B 2085 (1042-5810), alpha 0.348 (0.317-0.373), "
          "beta 0.366 (0.331-0.415)")
    draws = s.parameter_draws("chinchilla")
    for k, v in {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}.items():
        print(f"  Hoffmann's {k} = {v}: posterior quantile {np.mean(draws[k] < v):.4f}")
    r = plan[(plan["flops"] == 5.88e23) & (plan["law"] == "chinchilla")].set_index("quantity")
    print(f"tokens per parameter at 5.88e23 FLOPs (80%): {r.loc['tokens_per_param', 'median']:.1f} "
          f"({r.loc['tokens_per_param', 'lower']:.1f}-{r.loc['tokens_per_param', 'upper']:.1f}); Epoch ~18 (10.6-30.6)")
    extrapolation(df, "Chinchilla points", likelihood, skip)
    extrapolation(grid(), "Our LM grid (benchmarks/data/lm_grid.csv)", likelihood, skip)


if __name__ == "__main__" and "--speed" not in sys.argv:
    main()


SPEED_245 = """
import time, warnings
t = time.perf_counter()
import pandas as pd, bayes_scaling as bs
df = pd.read_csv({path!r})
runs = pd.DataFrame({{"params": df["Model Size"], "tokens": df["Training FLOP"] / (6 * df["Model Size"]),
                     "loss": df["loss"]}})
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    s = bs.fit_surface(runs, random_seed=1, likelihood={lik!r})
    s.compare(); s.compute_optimal([1e21, 5.88e23, 1e25])
print(f"{{time.perf_counter() - t:.1f}}")
"""

SPEED_10K = """
import time, warnings
import numpy as np, pandas as pd
t = time.perf_counter()
import bayes_scaling as bs
rng = np.random.default_rng(0)
n = np.repeat(1e7 * 1.5 ** np.arange(50), 200)
d = np.tile(np.geomspace(1e8, 1e11, 200), 50)
y = (1.7 + 400 * n ** -0.34 + 1200 * d ** -0.3) * np.exp(0.01 * rng.standard_normal(n.size))
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    s = bs.fit_surface(pd.DataFrame({{"params": n, "tokens": d, "loss": y}}), random_seed=1)
    s.compare(); s.compute_optimal([1e21, 1e23])
print(f"{{time.perf_counter() - t:.1f}}")
"""


def speed() -> None:
    import subprocess

    for label, code in (("245 points, two laws, comparison, three budgets (log-normal)",
                         SPEED_245.format(path=str(CHINCHILLA), lik="lognormal")),
                        ("245 points, two laws, comparison, three budgets (Student-t)",
                         SPEED_245.format(path=str(CHINCHILLA), lik="student_t")),
                        ("10,000 rows (50 models x 200 checkpoints), two laws, comparison, two budgets",
                         SPEED_10K.format())):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        print(f"cold, new process: {label}: {out.stdout.strip()} s")


if __name__ == "__main__" and "--speed" in sys.argv:
    speed()
