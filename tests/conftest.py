import numpy as np
import pandas as pd
import pytest

import bayes_scaling as bs
from bayes_scaling.data import as_scaling_data

SEED_N = np.array([200, 400, 800, 1600, 3200.0])
SEED_PPL = np.array([258.3, 187.6, 150.5, 127.4, 114.8])


@pytest.fixture(scope="session")
def seed_df() -> pd.DataFrame:
    return bs.load_example("two_block")


@pytest.fixture(scope="session")
def seed_data(seed_df):
    return as_scaling_data(seed_df, x="samples", y="val_ppl")


@pytest.fixture(scope="session")
def seed_fit(seed_df):
    """The seed table fitted with the package defaults (4 chains x 1000 draws)."""
    return bs.fit(seed_df, x="samples", y="val_ppl", random_seed=20251203)


@pytest.fixture(scope="session")
def seed_fit_tokens(seed_df):
    return bs.fit(seed_df, x="tokens", y="val_ppl", random_seed=20251203)


def simulate(law_name: str, params: dict, n, sigma: float, seed: int, replicates: int = 1) -> pd.DataFrame:
    """Data simulated from a law's own likelihood (log-normal noise) at sample counts n."""
    law = bs.get_law(law_name)
    n = np.repeat(np.asarray(n, dtype=float), replicates)
    rng = np.random.default_rng(seed)
    mu = np.exp(law.log_curve(centred_log(n), params))
    return pd.DataFrame({"n": n, "y": mu * np.exp(sigma * rng.standard_normal(n.size))})


def centred_log(n) -> np.ndarray:
    """log(n / n_ref) with n_ref the geometric mean of the distinct n (the laws' scale)."""
    n = np.asarray(n, dtype=float)
    return np.log(n) - np.log(np.unique(n)).mean()
