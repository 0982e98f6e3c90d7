"""``fit``: data -> laws -> sampling -> result."""

from __future__ import annotations

import os
from collections.abc import Iterable

import numpy as np
import pandas as pd

from .data import ScalingData, as_scaling_data
from .laws import LAWS, get_law
from .result import LawFit, ScalingFit
from .sampling import SamplerOptions, sample_law

__all__ = ["fit"]


def fit(
    data: pd.DataFrame | str | os.PathLike | ScalingData,
    x: str = "n",
    y: str = "y",
    *,
    laws: Iterable[str] | None = None,
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    random_seed: int | None = None,
    progressbar: bool = False,
    target_accept: float = 0.95,
    cores: int | None = None,
    keep: Iterable[str] = (),
) -> ScalingFit:
    """Fit learning-curve laws to a table of (sample count, metric) by NUTS.

    Parameters
    ----------
    data : DataFrame, CSV path or ScalingData
        The learning curve, one row per run; several rows at one ``x`` are replicates.
        Never modified.
    x, y : str
        Column of the sample count (samples, tokens, ...) and of the metric (PPL,
        loss, error rate: any positive quantity that falls with data).
    laws : iterable of str, optional
        Registered law names (default: all of ``bayes_scaling.LAWS``).
    draws, tune, chains : int
        Posterior draws and tuning steps per chain, number of chains.
    random_seed : int, optional
        Seed for sampling and for every later random step (forecast noise, mixtures):
        the same seed reproduces every number. ``None`` picks one and stores it in
        ``fit.seed``.
    progressbar : bool
        Show nutpie's progress bar while sampling.
    target_accept : float
        NUTS target acceptance rate (0.95 by default).
    cores : int, optional
        Threads for the chains (default: all cores).
    keep : iterable of str
        Extra columns to carry along (validated like ``x``), e.g. ``("tokens",)``.

    Returns
    -------
    ScalingFit

    Raises
    ------
    DataError
        Invalid data, before any sampling starts.

    Examples
    --------
    >>> import bayes_scaling as bs
    >>> fit = bs.fit(bs.load_example(), x="samples", y="val_ppl", random_seed=1)
    >>> fit.laws
    ['power', 'saturation', 'exp_decay']
    """
    chosen = [get_law(k) for k in (LAWS if laws is None else laws)]
    if not chosen:
        raise ValueError("laws must name at least one law")
    options = SamplerOptions(draws=draws, tune=tune, chains=chains, target_accept=target_accept,
                             cores=cores, progressbar=progressbar)
    d = as_scaling_data(data, x=x, y=y, keep=tuple(keep),
                        min_distinct=max(law.min_distinct for law in chosen))
    if random_seed is None:
        random_seed = int(np.random.SeedSequence().generate_state(1)[0])
    seeds = np.random.SeedSequence(random_seed).generate_state(len(chosen))
    fits = {}
    for law, seed in zip(chosen, seeds, strict=True):
        post, stats, diag = sample_law(law, d, options, seed=int(seed))
        fits[law.name] = LawFit.from_samples(law, d, post, stats, diag, int(seed))
    return ScalingFit(d, fits, seed=random_seed, options=options)
