"""Speed figures of bayes_scaling (issue 3), printed as a table.

    .venv/bin/python benchmarks/run.py            # everything (about 3 minutes on 2 cores)
    .venv/bin/python benchmarks/run.py --quick    # fewer repetitions, 20-curve batch

Figures:
* import time of ``bayes_scaling`` (fresh process) and whether it pulled in plotting/PyMC;
* ``bayes-scaling demo`` in a fresh process: with numba's disk cache warm (the normal case)
  and with an empty cache (first run after install or upgrade);
* the hand-written baseline (``baseline_pymc.py``: three PyMC models, default ``pm.sample``,
  LOO compare) in a fresh process, and the ratio demo / baseline;
* refit of each law in one process after its first fit, on new data of another length;
* a full backtest of the seed table (every origin, three laws, exact-LOO weights);
* refit of the three laws with the comparison table, per law;
* the seed table with the comparison under each likelihood (``lognormal``, ``student_t``), after a first fit
  in the process (which compiles Student-t's PyMC models), and their ratio;
* a batch of synthetic curves (5-20 points each), three laws, compare + forecasts, via
  ``bs.fit_many`` (both cores), with the process's peak memory;
* where a batch curve's time goes: the same work one curve after another on one core, split into NUTS
  (first runs, refits for predictive densities, retries of fits that failed a convergence check) and
  everything else (Python: criteria, LOO, weights, forecasts), with the lower bound that the NUTS work
  alone sets on the 100-curve batch;
* one dense curve of 10^3, 10^4 and 10^5 rows (``dense.py``: fit + compare + forecast in a fresh process,
  with its peak memory).
"""

from __future__ import annotations

import argparse
import inspect
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
BIN = Path(PY).parent / "bayes-scaling"


def wall(cmd: list[str], env: dict | None = None) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env={**os.environ, **(env or {})}, cwd=ROOT)
    return time.perf_counter() - t


def synthetic_curves(count: int, seed: int = 0):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    curves = []
    for _ in range(count):
        m = int(rng.integers(5, 21))
        n = np.sort(rng.choice(np.geomspace(100, 1e5, 40), m, replace=False))
        floor, a = rng.uniform(0.3, 0.8), rng.uniform(0.2, 0.8)
        y = 100 * (floor + (1 - floor) * (n / n[0]) ** -a) * np.exp(rng.normal(0, 0.02, m))
        curves.append(pd.DataFrame({"n": n, "y": y}))
    return curves


def batch_breakdown(curves) -> dict:
    """Seconds per curve of the batch's work done serially on one core (``cores=1``), split by where
    they go: NUTS runs (``sampling._run``, reading the trace included) by kind, and the rest."""
    import bayes_scaling as bs
    from bayes_scaling import sampling

    default, spent = sampling.SamplerOptions(), {}
    run = sampling._run

    def timed(law, data, options, *a, **k):
        kind = "refits" if not options.retry else "retries" if options.tune > default.tune else "first runs"
        t = time.perf_counter()
        try:
            return run(law, data, options, *a, **k)
        finally:
            spent[kind] = spent.get(kind, 0.0) + time.perf_counter() - t
            spent[kind + " calls"] = spent.get(kind + " calls", 0) + 1

    def one(i, c):
        f = bs.fit(c, random_seed=i, cores=1)
        f.compare(), f.forecast([2e5, 4e5, 8e5], law="all")

    for i, c in enumerate(curves[:2]):  # warm: compiled laws loaded
        one(i, c)
    sampling._run = timed
    try:
        t = time.perf_counter()
        for i, c in enumerate(curves):
            one(i, c)
        total = time.perf_counter() - t
    finally:
        sampling._run = run
    out = {k: spent.get(k, 0.0) / len(curves) for k in
           ("first runs", "refits", "retries", "first runs calls", "refits calls", "retries calls")}
    out["nuts"] = out["first runs"] + out["refits"] + out["retries"]
    out["other"] = total / len(curves) - out["nuts"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-baseline", action="store_true", help="skip the slow hand-written baseline")
    args = parser.parse_args()
    reps = 2 if args.quick else 3
    rows = []

    def report(name, value, unit="s", note=""):
        rows.append((name, value, unit, note))
        print(f"{name:<44} {value:>9.3f} {unit:<3} {note}", flush=True)

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}\n")
    probe = ("import sys, time; t = time.perf_counter(); import bayes_scaling; "
             "print(time.perf_counter() - t, 'matplotlib' in sys.modules, 'pymc' in sys.modules)")
    out = [subprocess.run([PY, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
           for _ in range(reps)]
    report("import bayes_scaling", statistics.median(float(o[0]) for o in out),
           note=f"matplotlib imported: {out[0][1]}, pymc imported: {out[0][2]}")

    with tempfile.TemporaryDirectory() as empty:
        cold = wall([str(BIN), "demo"], {"BAYES_SCALING_CACHE_DIR": empty})
        report("demo, fresh process, empty numba cache", cold)
    demo = statistics.median(wall([str(BIN), "demo"]) for _ in range(reps))
    report("demo, fresh process, warm cache", demo)
    if not args.no_baseline:
        base = wall([PY, str(ROOT / "benchmarks" / "baseline_pymc.py")])
        report("hand-written PyMC baseline, fresh process", base)
        report("demo / baseline", demo / base, "x")

    import bayes_scaling as bs

    warnings.simplefilter("ignore", bs.BayesScalingWarning)
    seed = bs.load_example()
    for law in bs.LAWS:
        bs.fit(seed, x="samples", y="val_ppl", laws=[law], random_seed=0)  # compiles / loads once
        times = []
        for i, rows_ in enumerate([slice(0, 4), slice(0, 5), slice(1, 5)] * (1 if args.quick else 2)):
            t = time.perf_counter()
            bs.fit(seed.iloc[rows_], x="samples", y="val_ppl", laws=[law], random_seed=i + 1)
            times.append(time.perf_counter() - t)
        report(f"refit {law} (new data, same process)", statistics.median(times))

    times = []
    for i, rows_ in enumerate([slice(0, 4), slice(0, 5), slice(1, 5)] * (1 if args.quick else 2)):
        t = time.perf_counter()
        bs.fit(seed.iloc[rows_], x="samples", y="val_ppl", random_seed=i + 1).compare()
        times.append(time.perf_counter() - t)
    report("refit of the 3 laws + compare, per law", statistics.median(times) / 3)

    fit = bs.fit(seed, x="samples", y="val_ppl", random_seed=0)
    t = time.perf_counter()
    fit.backtest()
    report("backtest of the seed table (all origins, 3 laws)", time.perf_counter() - t)

    count = 20 if args.quick else 100
    curves = synthetic_curves(count)
    t = time.perf_counter()
    bs.fit_many(curves, random_seed=0, then=lambda f: (f.compare(), f.forecast([2e5, 4e5, 8e5], law="all")))
    batch = time.perf_counter() - t
    report(f"batch: {count} curves x 3 laws + compare + forecasts", batch)
    report("batch: per curve", batch / count)
    report("peak memory (this process)", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "MiB")

    split = batch_breakdown(curves[: 20 if args.quick else 40])
    for kind in ("first runs", "refits", "retries"):
        report(f"  per curve, NUTS {kind}", split[kind], note=f"{split[kind + ' calls']:.2f} runs per curve")
    report("  per curve, everything else (one core)", split["other"])
    report("  100-curve batch if only NUTS were left", 100 * split["nuts"] / (os.cpu_count() or 1),
           note="its NUTS work spread over every core")

    if "likelihood" in inspect.signature(bs.fit).parameters:  # the robust likelihood against the default
        both = {}  # after the batch: Student-t's compiled PyMC models stay out of its peak memory
        for lik in ("lognormal", "student_t"):
            t = time.perf_counter()
            bs.fit(seed, x="samples", y="val_ppl", likelihood=lik, random_seed=0).compare()
            first = time.perf_counter() - t
            times = []
            for i in range(reps):
                t = time.perf_counter()
                bs.fit(seed, x="samples", y="val_ppl", likelihood=lik, random_seed=i + 1).compare()
                times.append(time.perf_counter() - t)
            both[lik] = statistics.median(times)
            report(f"seed table, 3 laws + compare, {lik}", both[lik],
                   note=f"first in this process {first:.2f} s (PyMC models compiled)" if lik == "student_t" else "")
        report("student_t / lognormal", both["student_t"] / both["lognormal"], "x")

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from dense import run as dense_run  # one dense curve in a fresh process: fit + compare + forecast

    for size in [1000, 10_000] + ([] if args.quick else [100_000]):
        _, bins, _, _, _, total, mib, converged = dense_run(size)
        report(f"one curve of {size:,} rows: fit + compare + forecast", float(total),
               note=f"{bins} bins, peak {mib} MiB, converged: {converged}")


if __name__ == "__main__":
    main()
