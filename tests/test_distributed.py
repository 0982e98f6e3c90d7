"""fit_many on other executors: a real dask.distributed LocalCluster with worker processes, and a
ProcessPoolExecutor. Fits travel to the workers and back; results and failures come back in order and
equal to an in-process run with the same seeds."""

import multiprocessing
import warnings
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
import pytest
from dask import distributed  # in the dev install (the `distributed` extra): never skipped

import bayes_scaling as bs


def _curves() -> list[pd.DataFrame]:
    rng = np.random.default_rng(0)
    n = 100 * 2.0 ** np.arange(6)
    good = [pd.DataFrame({"n": n, "y": (1 + 4 * (n / 100) ** -rng.uniform(0.3, 0.6))
                          * np.exp(0.01 * rng.standard_normal(6))}) for _ in range(3)]
    return [good[0], pd.DataFrame({"n": [1.0, 2.0], "y": [1.0, 0.9]}), *good[1:]]  # the second cannot be fitted


def _same(here, there) -> None:
    assert len(here) == len(there)
    for a, b in zip(here, there, strict=True):
        if isinstance(a, bs.FitFailure):
            assert isinstance(b, bs.FitFailure) and (a.key, a.message) == (b.key, b.message)
            continue
        assert a.weights() == b.weights()
        n = [6400.0, 25600.0]
        pd.testing.assert_frame_equal(a.forecast(n, law="all"), b.forecast(n, law="all"))
        pd.testing.assert_frame_equal(a.compare(), b.compare())


@pytest.fixture(scope="module")
def in_process():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bs.BayesScalingWarning)
        return bs.fit_many(_curves(), random_seed=5, n_jobs=1, draws=300, laws=["power", "saturation"])


def test_a_dask_cluster_of_worker_processes_gives_the_same_fits(in_process):
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) \
            as cluster, distributed.Client(cluster) as client, warnings.catch_warnings():
        warnings.simplefilter("ignore", bs.BayesScalingWarning)
        there = bs.fit_many(_curves(), random_seed=5, draws=300, laws=["power", "saturation"],
                            executor=client.get_executor())
        assert len(client.scheduler_info()["workers"]) == 2
    _same(in_process, there)
    assert isinstance(there[1], bs.FitFailure) and there[1].key == 1


def test_a_process_pool_and_a_dict_of_curves(in_process):
    curves = dict(zip("abcd", _curves(), strict=True))
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool, \
            warnings.catch_warnings():
        warnings.simplefilter("ignore", bs.BayesScalingWarning)
        there = bs.fit_many(curves, random_seed=5, draws=300, laws=["power", "saturation"], executor=pool)
    assert list(there) == list("abcd") and there["b"].key == "b"
    with warnings.catch_warnings():  # a dict's curves are seeded by their keys: the same dict in this process
        warnings.simplefilter("ignore", bs.BayesScalingWarning)
        here = bs.fit_many(curves, random_seed=5, draws=300, laws=["power", "saturation"], n_jobs=1)
    _same(list(here.values()), list(there.values()))
    with pytest.raises(bs.ArgumentError, match="executor must have a submit method"):
        bs.fit_many(curves, executor="dask")
