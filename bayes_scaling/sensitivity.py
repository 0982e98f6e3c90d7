"""Prior sensitivity: does the prior or the data drive an answer?

With five points the floor ``PPL_min`` can lean on its prior. Power-scaling sensitivity
(Kallioinen et al. 2024, ``arviz_stats.psense``) perturbs the prior (and, separately, the
likelihood) by raising it to a power near 1 and measures, by importance sampling on the
existing draws, how much the posterior of a quantity moves. Following that paper (and the
R package priorsense), with the threshold 0.05:

* prior sensitivity >= 0.05 and likelihood sensitivity < 0.05: **the prior, not the data,
  drives the answer** (a weak likelihood: the data say little about this quantity);
* both >= 0.05: the prior still shapes the answer while the data pull on it too (a possible
  prior-data conflict);
* otherwise the data drive the answer.

How the estimate behaves on the seed table and on simulated curves: ``docs/benchmarks.md``.
"""

from __future__ import annotations

import warnings

import pandas as pd

from .checks import check_n

__all__ = ["THRESHOLD", "describe", "prior_sensitivity"]

THRESHOLD = 0.05


def _verdict(prior: float, likelihood: float) -> str:
    if prior >= THRESHOLD and likelihood >= THRESHOLD:
        return "the prior still moves this answer (the data inform it too: possible prior-data conflict)"
    if prior >= THRESHOLD:
        return "the prior, not the data, drives this answer"
    return ""


def _tree_with_prior(lawfit, n):
    """A copy of the posterior tree with ``log_prior`` and the quantities to check, and the display name
    of each quantity by its variable name (variables are named ``curve_j``: a metric's name such as
    ``eval/loss`` cannot name a DataTree variable)."""
    import xarray as xr

    law, data, tree = lawfit.law, lawfit.data, lawfit.tree
    post = tree.posterior.to_dataset()
    shape = (post.sizes["chain"], post.sizes["draw"])
    draws = {k: post[k].to_numpy() for k in lawfit.variables}
    log_prior = {"prior": (("chain", "draw"), law.log_prior(draws, data, lawfit.priors))}
    extra, labels = {}, {}
    if n is not None and len(n):
        curve = lawfit.curve(n).reshape(*shape, len(n))
        for j, nj in enumerate(n):
            extra[f"curve_{j}"] = (("chain", "draw"), curve[..., j])
            labels[f"curve_{j}"] = f"{data.y_name} at {nj:g}"
    return xr.DataTree.from_dict({
        "posterior": post.assign(extra),
        "log_prior": xr.Dataset(log_prior, coords=post.coords),
        "log_likelihood": tree.log_likelihood.to_dataset(),
    }), labels


def prior_sensitivity(fit, n=None, laws=None) -> pd.DataFrame:
    """Power-scaling sensitivity of the floor and of the mean curve at ``n``, per law.

    Parameters
    ----------
    fit : ScalingFit
    n : sequence of float, optional
        Sample counts whose mean-curve value is checked (e.g. the forecast budgets).
    laws : sequence of str or "weighted", optional
        Default: every fitted law; ``"weighted"``: the laws with forecast weight >= 1%
        (those behind the averaged answers).

    Returns
    -------
    DataFrame
        One row per (law, quantity: ``floor`` = PPL_min, ``slope`` = the local exponent at
        the data's centre, and the mean curve at each ``n``): ``prior`` and ``likelihood`` sensitivity, and
        ``diagnosis`` in plain words (empty when the data drive the answer) and ``converged``.

    Examples
    --------
    >>> import bayes_scaling as bs
    >>> fit = bs.fit(bs.load_example(), x="samples", y="val_ppl", random_seed=1)
    >>> s = fit.sensitivity([6400])
    >>> list(s.columns)
    ['law', 'quantity', 'prior', 'likelihood', 'diagnosis', 'converged']
    """
    import arviz_stats as azs

    n = check_n(n) if n is not None else None
    rows = []
    if isinstance(laws, str) and laws == "weighted":
        laws = [k for k, w in fit.weights().items() if w >= 0.01]
    for name in laws or fit.laws:
        f = fit[name]
        if f.pooled:  # its prior is the hierarchical one of bayes_scaling.pooling, not the laws' own
            rows.append({"law": name, "quantity": "all", "prior": float("nan"), "likelihood": float("nan"),
                         "diagnosis": "not computed for a pooled fit (hierarchical prior)", "converged": f.converged})
            continue
        tree, labels = _tree_with_prior(f, n)
        names = (["floor"] if f.law.has_floor else []) + ["slope"] + list(labels)
        with warnings.catch_warnings():  # psense's Pareto-k notes on the importance weights
            warnings.filterwarnings("ignore", category=UserWarning)
            prior = azs.psense(tree, var_names=names, group="prior")
            lik = azs.psense(tree, var_names=names, group="likelihood")
        for q in names:
            p, lk = float(prior[q]), float(lik[q])
            rows.append({"law": name, "quantity": labels.get(q, q), "prior": p, "likelihood": lk,
                         "diagnosis": _verdict(p, lk), "converged": f.converged})
    return pd.DataFrame(rows)


def describe(table: pd.DataFrame) -> list[str]:
    """Plain sentences for the rows with a diagnosis."""
    return [f"{r.law}: {r.quantity}: {r.diagnosis} (prior sensitivity {r.prior:.3f}, likelihood "
            f"{r.likelihood:.3f})" for r in table.itertuples() if r.diagnosis]

