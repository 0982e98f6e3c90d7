"""One dense curve (a training log): fit + compare + forecast, time and peak memory of a fresh process.

    .venv/bin/python benchmarks/dense.py ROWS [ROWS ...]     # e.g. 1000 10000 100000

The curve: steps uniform in [1e3, 1e6], ``loss = 2 + 30 step^-0.3`` with 1% log-normal noise, three
default laws at the default sampler settings. Prints one line per size: rows, bins, seconds for fit,
compare and forecast, and the process's peak resident memory.
"""

from __future__ import annotations

import subprocess
import sys

CODE = """
import resource, time, warnings
import numpy as np, pandas as pd
import bayes_scaling as bs
warnings.simplefilter("ignore", bs.BayesScalingWarning)
rows = {rows}
rng = np.random.default_rng(0)
n = np.sort(rng.uniform(1e3, 1e6, rows)).round()
df = pd.DataFrame({{"step": n, "train/loss": (2.0 + 30 * n ** -0.3) * np.exp(0.01 * rng.standard_normal(rows))}})
t0 = time.perf_counter(); fit = bs.fit(df, x="step", y="train/loss", random_seed=0)
t1 = time.perf_counter(); fit.compare()
t2 = time.perf_counter(); fit.forecast([2e6, 4e6], law="all")
t3 = time.perf_counter()
mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(rows, fit.data.n_obs, f"{{t1 - t0:.2f}} {{t2 - t1:.2f}} {{t3 - t2:.2f}} {{t3 - t0:.2f}} {{mib:.0f}}",
      bool(fit.diagnostics()["converged"].all()))
"""


def run(rows: int) -> list[str]:
    out = subprocess.run([sys.executable, "-c", CODE.format(rows=rows)], capture_output=True, text=True, check=True)
    return out.stdout.split()


def main() -> None:
    sizes = [int(float(a)) for a in sys.argv[1:]] or [1000, 10_000, 100_000]
    print(f"{'rows':>8} {'bins':>5} {'fit s':>7} {'compare s':>9} {'forecast s':>10} {'total s':>8} "
          f"{'peak MiB':>8} converged")
    for rows in sizes:
        r, b, fit, cmp_, fc, total, mib, conv = run(rows)
        print(f"{r:>8} {b:>5} {fit:>7} {cmp_:>9} {fc:>10} {total:>8} {mib:>8} {conv}", flush=True)


if __name__ == "__main__":
    main()
