"""Throughput of ``fit_many`` on a Dask cluster: curves per second with one worker and with two.

    .venv/bin/python benchmarks/cluster.py [--curves 40]

A ``dask.distributed.LocalCluster`` of worker processes (one thread each) runs the fits through
``fit_many(..., executor=client.get_executor())``; the curves are 5-20 points of saturation curves with
1% noise, the default laws, comparison and forecast weights computed on the workers. Each cluster is
warmed first (one curve per worker: the workers import the package and load the compiled laws), so the
figures are the steady state a long sweep sees. For reference it also times the same batch in this
process's own thread pool (the default of ``fit_many``). Needs ``pip install -e ".[distributed]"``.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

import bayes_scaling as bs


def curves(count: int, seed: int = 0) -> list[pd.DataFrame]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        n = np.geomspace(100, 100 * 2 ** rng.uniform(4, 8), int(rng.integers(5, 21)))
        mu = 2 + 5 * (n / 100) ** -rng.uniform(0.2, 0.6)
        out.append(pd.DataFrame({"n": n, "y": mu * np.exp(0.01 * rng.standard_normal(n.size))}))
    return out


def main() -> None:
    from dask.distributed import Client, LocalCluster

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--curves", type=int, default=40)
    args = parser.parse_args()
    batch = curves(args.curves)
    warnings.simplefilter("ignore", bs.BayesScalingWarning)
    rates = {}
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
                Client(cluster) as client:
            ex = client.get_executor()
            bs.fit_many(curves(workers, seed=1), random_seed=1, executor=ex)  # warm every worker
            t = time.perf_counter()
            fits = bs.fit_many(batch, random_seed=0, executor=ex)
            wall = time.perf_counter() - t
        ok = sum(not isinstance(f, bs.FitFailure) for f in fits)
        rates[workers] = len(batch) / wall
        print(f"{workers} worker(s): {len(batch)} curves ({ok} fitted) in {wall:.1f} s, {rates[workers]:.2f} curves/s")
    print(f"speed-up from one worker to two: {rates[2] / rates[1]:.2f}x")
    t = time.perf_counter()
    bs.fit_many(batch, random_seed=0)
    wall = time.perf_counter() - t
    print(f"for reference, this process's thread pool (every core): {len(batch) / wall:.2f} curves/s")


if __name__ == "__main__":
    main()
