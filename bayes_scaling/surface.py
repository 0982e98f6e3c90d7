"""Scaling surfaces: loss over model size ``N`` *and* data size ``D``, and the compute-optimal plan.

:func:`fit_surface` samples the surface laws (``chinchilla``: ``E + A/N^alpha + B/D^beta``; ``kaplan``:
``E + [(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D``) with the same priors, likelihoods and sampler as the
curves, and ranks them by PSIS-LOO, WAIC and AIC with stacking. :class:`SurfaceFit` answers in tidy tables:

* :meth:`~SurfaceFit.params`: each law's own parameters in the user's units (``E, A, B, alpha, beta``);
* :meth:`~SurfaceFit.forecast`: the loss of new runs, per law and averaged, with how far each lies beyond
  the data in ``N`` and in ``D``;
* :meth:`~SurfaceFit.compute_optimal`: for a budget of ``C`` FLOPs (``C = 6 N D`` unless another cost is
  given), the posterior of the optimal ``N``, ``D``, tokens per parameter and loss: the optimum of each
  posterior draw, never the optimum of the posterior mean;
* :meth:`~SurfaceFit.best_model_for_data`: with ``D`` fixed, the best ``N`` and its loss;
* :meth:`~SurfaceFit.budget_for_loss`: the smallest budget whose compute-optimal run reaches a loss target
  with probability ``p``;
* :meth:`~SurfaceFit.p_better`: with ``group=``, P(A's loss < B's) at a budget.

Beyond the data. A law fitted to small models is sure of its shape, and larger models rarely keep to it
exactly. So every forecast of the loss adds a discrepancy to its log, ``kappa * reach * z`` with
``z ~ Normal(0, 1)`` common to all points of a posterior draw and ``reach = log(N / largest N fitted)``
(0 inside the data) plus the same in ``D``. ``kappa`` is learned from the data like the curves' (see
:mod:`bayes_scaling.discrepancy`): the laws are refitted on the runs of the smaller models, and the
held-out density of the runs of the largest models (those within a factor :data:`HOLD_FACTOR` = 4 of the
largest ``N``; at most 200 of them) on a grid of ``kappa``, times the discrepancy prior
(``priors["discrepancy"]``, half-Cauchy with median 0.01), is its posterior (:meth:`SurfaceFit.discrepancy`).
A reach of 4 is two doublings, about what the forecasts reach; a factor 2 held out too short a reach to tell
one ``kappa`` from another. With fewer than three model sizes left, the prior alone.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from .checks import check_column, check_names, check_prob, check_seed, name_seed
from .cv import refit_options
from .data import DENSE_ROWS, as_scaling_data, read_table
from .densities import log_sum_exp
from .discrepancy import KAPPA_GRID, kappa_prior
from .errors import ArgumentError, DataError
from .laws import get_law
from .likelihoods import get_likelihood
from .priors import as_priors
from .result import ScalingFit
from .sampling import SamplerOptions

__all__ = ["SURFACE_LAWS", "SurfaceFit", "count_text", "display", "fit_surface"]

#: the laws :func:`fit_surface` fits when none are named
SURFACE_LAWS = ("chinchilla", "kaplan")
#: Gauss-Hermite nodes that integrate the common discrepancy out of the held-out density
_GH = np.polynomial.hermite_e.hermegauss(16)
#: the runs held out to learn kappa: those whose model is within this factor of the largest
HOLD_FACTOR = 4.0
#: draws of a refit used for the held-out density, and the most held-out runs it is evaluated on (evenly spaced
#: among them: a common shift is pinned down by far fewer runs than a dense log holds)
_HELD_DRAWS = 400
_HELD_ROWS = 200


def _table(data) -> pd.DataFrame:
    return read_table(data) if not isinstance(data, pd.DataFrame) else data


def _check_sizes(table: pd.DataFrame, name: str, role: str) -> np.ndarray:
    if name not in table.columns:
        raise DataError(f"{role} column {name!r} not found; columns: {', '.join(map(str, table.columns))}")
    col = pd.to_numeric(table[name], errors="coerce").to_numpy(dtype=float)
    bad = ~(np.isfinite(col) & (col > 0))
    if bad.any():
        rows = ", ".join(map(str, table.index[bad][:8]))
        raise DataError(f"column {name!r} ({role}): {int(bad.sum())} row(s) not a positive number (rows {rows}); "
                        "model and data sizes must be positive counts")
    return col


def _surface_frame(table: pd.DataFrame, n: str, d: str, y: str, group: str | None) -> pd.DataFrame:
    """The caller's table as ``params, tokens, y`` (+ ``group``), validated; the caller's frame is not touched."""
    nv = _check_sizes(table, n, "model size n")
    dv = _check_sizes(table, d, "data size d")
    if np.unique(nv).size < 2:
        raise DataError(f"column {n!r} (model size) holds one value ({nv[0]:.4g}) in every row: a surface needs at "
                        "least two model sizes; for one model's learning curve use bs.fit")
    if np.unique(dv).size < 2:
        raise DataError(f"column {d!r} (data size) holds one value ({dv[0]:.4g}) in every row: a surface needs "
                        f"several data sizes; for loss against model size alone use bs.fit(x={n!r})")
    out = pd.DataFrame({"params": nv, "tokens": dv}, index=table.index)
    if y not in table.columns:
        raise DataError(f"y column {y!r} not found; columns: {', '.join(map(str, table.columns))}")
    out["y"] = table[y].to_numpy()
    if group is not None:
        if group not in table.columns:
            raise DataError(f"group column {group!r} not found; columns: {', '.join(map(str, table.columns))}")
        out["group"] = table[group].to_numpy()
    return out


def fit_surface(
    data,
    n: str = "params",
    d: str = "tokens",
    y: str = "loss",
    *,
    laws: Iterable[str] | None = None,
    draws: int = 1000,
    tune: int = 500,
    chains: int = 4,
    random_seed: int | None = None,
    progressbar: bool = False,
    target_accept: float = 0.9,
    cores: int | None = None,
    group: str | None = None,
    priors: Mapping | Any | None = None,
    likelihood: str | None = None,
) -> SurfaceFit:
    """Fit scaling-surface laws to runs of several model sizes and data sizes by NUTS.

    Parameters
    ----------
    data : DataFrame, CSV path or table
        One row per training run (or checkpoint): model size, data size and the metric. Never modified.
    n, d, y : str
        Columns of the model size ``N`` (parameters), the data size ``D`` (tokens) and the metric (a loss).
    laws : list of str, optional
        Surface laws to fit (default :data:`SURFACE_LAWS`).
    draws, tune, chains, random_seed, progressbar, target_accept, cores
        As in :func:`bayes_scaling.fit`.
    group : str, optional
        A column naming configurations (say ``2-block`` and ``4-block``): each is fitted on its own.
    priors : dict or Priors, optional
        Priors per law (``{"chinchilla": {"alpha": bs.Prior(...)}}``), as in :func:`bayes_scaling.fit`.
    likelihood : str, optional
        ``"lognormal"`` (default) or ``"student_t"`` (robust to odd points, such as those read off a figure).

    Returns
    -------
    SurfaceFit

    Raises
    ------
    DataError
        ``N`` or ``D`` not positive or missing, constant, or fewer than two model sizes; before any sampling.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import bayes_scaling as bs
    >>> N, D = np.meshgrid(1e7 * 4.0 ** np.arange(4), 1e9 * 4.0 ** np.arange(5))
    >>> L = 1.7 + 400 * N**-0.34 + 400 * D**-0.28
    >>> runs = pd.DataFrame({"params": N.ravel(), "tokens": D.ravel(), "loss": L.ravel()})
    >>> s = bs.fit_surface(runs, laws=["chinchilla"], random_seed=1)  # doctest: +SKIP
    >>> s.compute_optimal(1e21)  # doctest: +SKIP
    """
    n, d, y = check_column(n, "n"), check_column(d, "d"), check_column(y, "y")
    group = None if group is None else check_column(group, "group")
    chosen = list(SURFACE_LAWS) if laws is None else check_names(laws, "laws")
    for name in chosen:
        law = get_law(name)
        if set(law.inputs) != {"params", "n"}:
            raise ArgumentError(f"law {name!r} is not a surface law (its inputs are {law.inputs}); surface laws take "
                                f"('params', 'n'): {', '.join(SURFACE_LAWS)}")
    random_seed = check_seed(random_seed)
    if random_seed is None:
        random_seed = int(np.random.SeedSequence().generate_state(1)[0])
    table = _table(data)
    frame = _surface_frame(table, n, d, y, group)
    options = SamplerOptions(draws=draws, tune=tune, chains=chains, target_accept=target_accept, cores=cores,
                             progressbar=progressbar)
    prior_set = as_priors(priors).with_likelihood(likelihood)
    prior_set = prior_set.check({k: get_law(k) for k in chosen}, chosen)
    parts = {None: frame} if group is None else dict(tuple(frame.groupby("group", sort=False)))
    fits = {}
    for key, part in parts.items():
        where = "" if key is None else f" (group {key!r})"
        if np.unique(part["params"]).size < 2:
            raise DataError(f"column {n!r}{where}: one model size only; a surface needs at least two")
        if part.shape[0] > 50 * DENSE_ROWS:
            raise DataError(f"{part.shape[0]} rows{where}: more than {50 * DENSE_ROWS} rows; thin the checkpoints")
        sd = as_scaling_data(part[["tokens", "params", "y"]], x="tokens", y="y", keep=("params",), min_distinct=2)
        sd = dataclasses.replace(sd, x_name=d, y_name=y)
        for law in chosen:
            for severity, message in get_law(law).prior_conflicts(prior_set.for_law(get_law(law)), sd):
                if severity == "impossible":
                    raise ArgumentError(message)
                warnings.warn(message, stacklevel=2)
        seed = random_seed if key is None else name_seed(random_seed, key)
        fits[key] = ScalingFit.from_data(sd, chosen, options, seed, prior_set)
    return SurfaceFit(fits, columns=(n, d, y), group=group, seed=random_seed)


def chinchilla_cost(n, d):
    """Training FLOPs of a dense transformer: ``6 N D`` (Kaplan et al. 2020)."""
    return 6.0 * n * d


class SurfaceFit:
    """A fitted scaling surface: the laws' posteriors per configuration and the answers computed from them.

    A thin facade: every table is a free computation on the posterior draws, cached here.
    """

    def __init__(self, fits: dict, columns: tuple[str, str, str], group: str | None, seed: int):
        self.fits = fits
        self.columns = columns
        self.group = group
        self.seed = int(seed)
        self._cache: dict = {}

    # -- description ------------------------------------------------------------------------------------------
    @property
    def laws(self) -> list[str]:
        return list(next(iter(self.fits.values())).laws)

    @property
    def groups(self) -> list:
        return list(self.fits)

    @property
    def likelihood(self) -> str:
        return next(iter(self.fits.values())).likelihood

    def configuration(self, group=None) -> ScalingFit:
        """The fit of one configuration (``group``: its name; None for an ungrouped surface): a
        :class:`~bayes_scaling.ScalingFit` whose laws are the surface laws."""
        if group is None and len(self.fits) == 1:
            return next(iter(self.fits.values()))
        if group not in self.fits:
            raise ArgumentError(f"group {group!r} not found; groups: {', '.join(map(str, self.fits))}")
        return self.fits[group]

    def _each(self, fn) -> pd.DataFrame:
        """``fn(fit)`` for every configuration, with a leading ``group`` column when grouped."""
        tables = []
        for key, f in self.fits.items():
            t = fn(f)
            if self.group is not None:
                t.insert(0, self.group, key)
            tables.append(t)
        out = pd.concat(tables, ignore_index=True)
        out["likelihood"] = self.likelihood
        return out

    def __repr__(self) -> str:
        n, d, y = self.columns
        rows = sum(f.data.n_obs for f in self.fits.values())
        return f"<SurfaceFit {y} over {n} and {d}: {rows} runs, laws {', '.join(self.laws)}>"

    def diagnostics(self) -> pd.DataFrame:
        """Divergences, r_hat, ESS and whether each law converged, per configuration."""
        return self._each(lambda f: f.diagnostics().reset_index().drop(columns="likelihood"))

    def compare(self) -> pd.DataFrame:
        """The laws ranked by PSIS-LOO, with WAIC, AIC/AICc/BIC and stacking weights (as
        :meth:`bayes_scaling.ScalingFit.compare`), per configuration."""
        return self._each(lambda f: f.compare().reset_index().drop(columns=["likelihood", "forecast_weight"]))

    def weights(self, group=None) -> dict[str, float]:
        """The stacking weights of the laws: the averaged answers mix the laws' draws in these proportions."""
        return self.configuration(group).weights("stacking")

    # -- draws ------------------------------------------------------------------------------------------------
    def _draws(self, f: ScalingFit, law: str) -> dict[str, np.ndarray]:
        return f.fits[law].draws

    def _log_mean(self, f: ScalingFit, law: str, n, d) -> np.ndarray:
        """log of the mean surface at (n, d) per draw: (draws, points)."""
        lf = f.fits[law]
        u = {"params": np.log(np.asarray(n, float)) - f.data.input_ref("params"),
             "n": np.log(np.asarray(d, float)) - f.data.input_ref("n")}
        p = {k: np.asarray(v)[:, None] for k, v in lf.draws.items()}
        with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
            return np.asarray(get_law(law).log_curve({k: v[None, :] for k, v in u.items()}, p), dtype=float)

    def _which(self, f: ScalingFit, size: int) -> np.ndarray:
        """For the averaged answers: which law each draw comes from (stacking weights, seeded)."""
        w = f.weights("stacking")
        names = list(f.laws)
        p = np.array([w.get(k, 0.0) for k in names], dtype=float)
        rng = np.random.default_rng([self.seed, 17])
        return rng.choice(len(names), size=size, p=p / p.sum())

    def _mixed_log_mean(self, f: ScalingFit, law: str, n, d) -> np.ndarray:
        """log of the mean surface at (n, d) per draw, of one law or of the averaged mixture (each draw from the
        law :meth:`_which` picks): (draws, points)."""
        if law != "averaged":
            if law not in f.laws:
                raise ArgumentError(f"law {law!r} not fitted; laws: {', '.join(f.laws)}, or 'averaged'")
            return self._log_mean(f, law, n, d)
        per = np.stack([self._log_mean(f, k, n, d) for k in f.laws])
        s = per.shape[1]
        return per[self._which(f, s), np.arange(s)]

    def _z(self, size: int) -> np.ndarray:
        """The discrepancy's common standard-normal draw per posterior draw (seeded)."""
        return np.random.default_rng([self.seed, 29]).standard_normal(size)

    # -- the discrepancy beyond the data ----------------------------------------------------------------------
    def _kappa_post(self, f: ScalingFit) -> np.ndarray:
        key = ("kappa", id(f))
        if key not in self._cache:
            self._cache[key] = _kappa_posterior(f)
        return self._cache[key]

    def _kappa_draws(self, f: ScalingFit, size: int) -> np.ndarray:
        post = self._kappa_post(f)
        rng = np.random.default_rng([self.seed, 31])
        return KAPPA_GRID[rng.choice(KAPPA_GRID.size, size=size, p=post)]

    def discrepancy(self, prob: float = 0.9) -> pd.DataFrame:
        """The posterior of ``kappa``, the discrepancy per unit of log reach beyond the largest model fitted.

        Returns
        -------
        DataFrame
            ``median, lower, upper`` of ``kappa``, and ``held_out``: the runs it was learned from.
        """
        prob = check_prob(prob)

        def one(f):
            post = self._kappa_post(f)
            cdf = np.cumsum(post)
            q = [KAPPA_GRID[min(np.searchsorted(cdf, v), KAPPA_GRID.size - 1)] for v in (0.5, (1 - prob) / 2,
                                                                                          (1 + prob) / 2)]
            return pd.DataFrame({"median": [q[0]], "lower": [q[1]], "upper": [q[2]],
                                 "held_out": [_held_out(f)[1].sum()]})

        return self._each(one)

    def _reach(self, f: ScalingFit, n, d) -> tuple[np.ndarray, np.ndarray]:
        rn = np.maximum(0.0, np.log(np.asarray(n, float) / f.data.input_values("params").max()))
        rd = np.maximum(0.0, np.log(np.asarray(d, float) / f.data.n.max()))
        return rn, rd

    def loss_draws(self, n, d, law: str = "averaged", group=None, noise: bool = True) -> np.ndarray:
        """Draws of the loss at points ``(n, d)``: (draws, points), with the discrepancy beyond the data and,
        with ``noise``, the measurement noise of a new run."""
        f = self.configuration(group)
        n, d = np.broadcast_arrays(np.atleast_1d(np.asarray(n, float)), np.atleast_1d(np.asarray(d, float)))
        rn, rd = self._reach(f, n, d)
        lm = self._mixed_log_mean(f, law, n, d)
        s = lm.shape[0]
        lm = lm + (self._kappa_draws(f, s) * self._z(s))[:, None] * (rn + rd)[None, :]
        if noise:
            lik = get_likelihood(f.likelihood)
            noise_law = f.laws[0] if law == "averaged" else law
            dr = f.fits[noise_law].draws
            eps = lik.standard_noise({p: dr[p] for p in lik.param_names}, np.random.default_rng([self.seed, 37]), s)
            lm = lm + (dr["sigma"] * eps)[:, None]
        return np.exp(lm)

    # -- answers ----------------------------------------------------------------------------------------------
    def params(self, prob: float = 0.9) -> pd.DataFrame:
        """Each law's own parameters in the user's units, with equal-tailed intervals.

        Returns
        -------
        DataFrame
            ``law, parameter, median, lower, upper`` (Chinchilla: ``E, A, B, alpha, beta``; Kaplan:
            ``E, N_c, D_c, alpha_n, alpha_d``), then ``converged`` and ``likelihood``.
        """
        prob = check_prob(prob)
        lo, hi = (1 - prob) / 2, (1 + prob) / 2

        def one(f):
            rows = []
            n_ref, d_ref = math.exp(f.data.input_ref("params")), math.exp(f.data.input_ref("n"))
            for k in f.laws:
                vals = get_law(k).surface_parameters(f.fits[k].draws, n_ref, d_ref)
                for name, v in vals.items():
                    q = np.quantile(v, [0.5, lo, hi])
                    rows.append({"law": k, "parameter": name, "median": q[0], "lower": q[1], "upper": q[2],
                                 "converged": f.fits[k].converged})
            return pd.DataFrame(rows)

        return self._each(one)

    def parameter_draws(self, law: str = "chinchilla", group=None) -> pd.DataFrame:
        """A law's parameters in the user's units, one row per posterior draw."""
        f = self.configuration(group)
        if law not in f.laws:
            raise ArgumentError(f"law {law!r} not fitted; laws: {', '.join(f.laws)}")
        n_ref, d_ref = math.exp(f.data.input_ref("params")), math.exp(f.data.input_ref("n"))
        return pd.DataFrame(get_law(law).surface_parameters(f.fits[law].draws, n_ref, d_ref))

    def forecast(self, new, prob: float = 0.9, group=None) -> pd.DataFrame:
        """The loss of new runs at the model and data sizes of ``new``, per law and averaged.

        Parameters
        ----------
        new : DataFrame
            Has the fit's model-size and data-size columns.
        prob : float
            Mass of the equal-tailed interval of a new run's loss (measurement noise and the discrepancy
            beyond the data included).

        Returns
        -------
        DataFrame
            The two input columns, then ``law, median, lower, upper``, and ``reach_n``, ``reach_d``: how far the
            point lies beyond the largest model and the largest data size fitted (a factor; 1 inside).
        """
        prob = check_prob(prob)
        ncol, dcol, _ = self.columns
        table = _table(new)
        nv, dv = _check_sizes(table, ncol, "model size n"), _check_sizes(table, dcol, "data size d")
        f = self.configuration(group)
        rn, rd = self._reach(f, nv, dv)
        rows = []
        for law in [*f.laws, "averaged"]:
            q = np.quantile(self.loss_draws(nv, dv, law, group), [0.5, (1 - prob) / 2, (1 + prob) / 2], axis=0)
            rows.append(pd.DataFrame({ncol: nv, dcol: dv, "law": law, "median": q[0], "lower": q[1], "upper": q[2],
                                      "reach_n": np.exp(rn), "reach_d": np.exp(rd)}))
        out = pd.concat(rows, ignore_index=True)
        out["converged"] = all(f.fits[k].converged for k in f.laws)
        out["likelihood"] = self.likelihood
        return out

    def _optimum(self, f: ScalingFit, law: str, flops: float, cost: Callable) -> tuple[np.ndarray, ...]:
        """Per draw, the N that minimises the mean loss at cost ``flops``: (n_opt, d_opt, log loss)."""
        grid = _n_grid(flops, cost)
        dgrid = _tokens_for(grid, flops, cost)
        lm = self._mixed_log_mean(f, law, grid, dgrid)  # draws x grid
        s = lm.shape[0]
        lm = np.where(np.isfinite(lm), lm, np.inf)
        j = np.clip(np.argmin(lm, axis=1), 1, grid.size - 2)
        # a parabola through the minimum and its neighbours, in log N
        x = np.log(grid)
        y0, y1, y2 = (lm[np.arange(s), j + o] for o in (-1, 0, 1))
        h = x[1] - x[0]
        den = y0 - 2 * y1 + y2
        with np.errstate(invalid="ignore", divide="ignore"):
            shift = np.where(den > 0, 0.5 * h * (y0 - y2) / den, 0.0)
        log_n = x[j] + np.clip(shift, -h, h)
        n_opt = np.exp(log_n)
        d_opt = _tokens_for(n_opt, flops, cost)
        best = np.min(lm, axis=1)
        at_edge = (np.argmin(lm, axis=1) == 0) | (np.argmin(lm, axis=1) == grid.size - 1)
        return n_opt, d_opt, best, at_edge

    def compute_optimal(self, flops, prob: float = 0.9, cost: Callable | None = None, group=None) -> pd.DataFrame:
        """The compute-optimal model and data size for each budget, and the loss they buy.

        For every posterior draw, the ``N`` that minimises the draw's loss at cost ``C`` (``D`` from
        ``cost(N, D) = C``) is found on a grid of 961 model sizes over 12 decades, refined by a parabola: the
        table is the posterior of the optimum, not the optimum of the posterior mean.

        Parameters
        ----------
        flops : float or list of float
            Budgets ``C``.
        prob : float
            Mass of the equal-tailed intervals.
        cost : callable, optional
            ``cost(N, D)`` in the units of ``flops``; increasing in ``D``. Default ``6 N D``.

        Returns
        -------
        DataFrame
            Long form: ``flops, law, quantity, median, lower, upper`` with quantities ``n_opt``, ``d_opt``,
            ``tokens_per_param`` and ``loss`` (the expected loss of that run, the discrepancy beyond the data
            included), per law and averaged; then ``converged`` and ``likelihood``.
        """
        prob = check_prob(prob)
        budgets = _check_budgets(flops, "flops")
        cost = _check_cost(cost)
        f = self.configuration(group)
        lo, hi = (1 - prob) / 2, (1 + prob) / 2
        rows = []
        for c in budgets:
            for law in [*f.laws, "averaged"]:
                n_opt, d_opt, log_loss, edge = self._optimum(f, law, c, cost)
                rn, rd = self._reach(f, n_opt, d_opt)
                s = n_opt.size
                loss = np.exp(log_loss + self._kappa_draws(f, s) * self._z(s) * (rn + rd))
                for name, v in (("n_opt", n_opt), ("d_opt", d_opt), ("tokens_per_param", d_opt / n_opt),
                                ("loss", loss)):
                    q = np.quantile(v, [0.5, lo, hi])
                    rows.append({"flops": c, "law": law, "quantity": name, "median": q[0], "lower": q[1],
                                 "upper": q[2]})
                if edge.mean() > 0.01:
                    warnings.warn(f"{edge.mean():.0%} of the draws of {law!r} put the optimum at {c:.3g} FLOPs at the "
                                  "edge of the search (12 decades of N): the law has no interior optimum there",
                                  stacklevel=2)
        out = pd.DataFrame(rows)
        out["converged"] = all(f.fits[k].converged for k in f.laws)
        out["likelihood"] = self.likelihood
        return out

    def best_model_for_data(self, tokens, prob: float = 0.9, law: str = "averaged", group=None,
                            cost: Callable | None = None) -> pd.DataFrame:
        """With the data fixed at ``tokens``: the model size worth training and the loss it reaches.

        The loss falls with ``N`` at fixed ``D`` towards ``E + B/D^beta`` and has no finite optimum, so per
        posterior draw the answer is the smallest ``N`` at which doubling the model gains less than 0.5% of the
        loss (searched from 1/1000 of the smallest model fitted to a million times the largest).

        Returns
        -------
        DataFrame
            ``tokens, law, quantity, median, lower, upper`` with quantities ``n_worth`` (that ``N``),
            ``loss`` (at ``n_worth``), ``loss_limit`` (at infinite ``N``) and ``flops``; then ``converged``
            and ``likelihood``.
        """
        prob = check_prob(prob)
        ds = _check_budgets(tokens, "tokens")
        cost = _check_cost(cost)
        f = self.configuration(group)
        lo, hi = (1 - prob) / 2, (1 + prob) / 2
        grid = np.geomspace(f.data.input_values("params").min() / 1e3, f.data.input_values("params").max() * 1e6, 721)
        laws = [*f.laws, "averaged"] if law == "all" else [law]
        rows = []
        for dd in ds:
            for k in laws:
                lm = self._mixed_log_mean(f, k, grid, np.full(grid.size, dd))
                s = lm.shape[0]
                gain = lm[:, :-1] - lm[:, 1:]  # per step of the grid (a factor 10^(9/720))
                per_doubling = gain * math.log(2) / math.log(grid[1] / grid[0])
                ok = per_doubling < 0.005
                first = np.where(ok.any(axis=1), np.argmax(ok, axis=1), grid.size - 1)
                n_w = grid[first]
                loss = np.exp(lm[np.arange(s), first])
                limit = np.exp(lm[:, -1])
                for name, v in (("n_worth", n_w), ("loss", loss), ("loss_limit", limit),
                                ("flops", cost(n_w, np.full(s, dd)))):
                    q = np.quantile(v, [0.5, lo, hi])
                    rows.append({"tokens": dd, "law": k, "quantity": name, "median": q[0], "lower": q[1],
                                 "upper": q[2]})
        out = pd.DataFrame(rows)
        out["converged"] = all(f.fits[k].converged for k in f.laws)
        out["likelihood"] = self.likelihood
        return out

    def budget_for_loss(self, target, p: float = 0.9, law: str = "averaged", group=None,
                        cost: Callable | None = None) -> pd.DataFrame:
        """The smallest budget whose compute-optimal run (allocated by the posterior median plan) reaches
        ``target`` with probability ``p``.

        Returns
        -------
        DataFrame
            ``target, law, p, flops, n_opt, d_opt, p_reached`` (``flops`` is NaN where no budget up to 1e30
            reaches it), ``converged``, ``likelihood``.
        """
        p = check_prob(p, "p")
        targets = _check_budgets(target, "target")
        cost = _check_cost(cost)
        f = self.configuration(group)
        budgets = np.geomspace(1e10, 1e30, 81)
        plans = []
        for c in budgets:
            n_opt, d_opt, log_loss, _ = self._optimum(f, law, c, cost)
            rn, rd = self._reach(f, n_opt, d_opt)
            s = n_opt.size
            loss = np.exp(log_loss + self._kappa_draws(f, s) * self._z(s) * (rn + rd))
            plans.append((c, np.median(n_opt), np.median(d_opt), loss))
        rows = []
        for t in targets:
            hit = [(c, n, dd, float(np.mean(loss < t))) for c, n, dd, loss in plans]
            ok = [h for h in hit if h[3] >= p]
            if ok:
                c, nn, dd, pr = ok[0]
            else:
                c, nn, dd, pr = math.nan, math.nan, math.nan, max(h[3] for h in hit)
            rows.append({"target": t, "law": law, "p": p, "flops": c, "n_opt": nn, "d_opt": dd, "p_reached": pr})
        out = pd.DataFrame(rows)
        out["converged"] = all(f.fits[k].converged for k in f.laws)
        out["likelihood"] = self.likelihood
        return out

    def p_better(self, a, b, flops, cost: Callable | None = None) -> pd.DataFrame:
        """P(configuration ``a``'s compute-optimal loss < ``b``'s) at each budget (needs ``group=``).

        Each configuration is allocated by its own posterior; the draws of the two are independent.

        Returns
        -------
        DataFrame
            ``flops, a, b, p_a_better, loss_a, loss_b`` (posterior medians of the losses), ``converged``,
            ``likelihood``.
        """
        if self.group is None:
            raise ArgumentError("p_better compares configurations: fit with group=... first")
        budgets = _check_budgets(flops, "flops")
        cost = _check_cost(cost)
        fa, fb = self.configuration(a), self.configuration(b)
        rows = []
        for c in budgets:
            la = self._optimum(fa, "averaged", c, cost)[2]
            lb = self._optimum(fb, "averaged", c, cost)[2]
            m = min(la.size, lb.size)
            rows.append({"flops": c, "a": a, "b": b, "p_a_better": float(np.mean(la[:m] < lb[:m])),
                         "loss_a": float(np.exp(np.median(la))), "loss_b": float(np.exp(np.median(lb)))})
        out = pd.DataFrame(rows)
        out["converged"] = all(g.fits[k].converged for g in (fa, fb) for k in g.laws)
        out["likelihood"] = self.likelihood
        return out

    def headline(self, budgets=(), prob: float = 0.9) -> str:
        """A few lines for the report: the best law, convergence, and the plan for each budget."""
        lines = []
        for key, f in self.fits.items():
            where = "" if key is None else f"[{key}] "
            table = f.compare()
            best = table.index[0]
            bad = [k for k in f.laws if not f.fits[k].converged]
            lines.append(f"{where}{f.data.n_obs} runs, {np.unique(f.data.input_values('params')).size} model sizes; "
                         f"best law {best} (stacking weight {table.loc[best, 'weight']:.2f}); likelihood "
                         f"{f.likelihood}" + (f"; NOT CONVERGED: {', '.join(bad)}" if bad else ""))
            for c in budgets:
                t = self.compute_optimal(c, prob=prob, group=key)
                t = t[t["law"] == "averaged"].set_index("quantity")
                lines.append(f"{where}C = {c:.2g} FLOPs: N {_fmt(t.loc['n_opt'])}, D {_fmt(t.loc['d_opt'])}, "
                             f"tokens/param {_fmt(t.loc['tokens_per_param'], counts=False)}, loss "
                             f"{_fmt(t.loc['loss'], counts=False)} ({prob:.0%} intervals)")
        return "\n".join(lines)


def count_text(v: float) -> str:
    """A count in the reader's units: 1.36M, 606M, 1.3B, 12,800; other numbers to 3 significant digits.

    Examples
    --------
    >>> from bayes_scaling.surface import count_text
    >>> count_text(1_355_266.4), count_text(6.06e8), count_text(12_800.0), count_text(0.9691)
    ('1.36M', '606M', '12,800', '0.969')
    """
    from .decisions import per_label

    if not np.isfinite(v):
        return str(v)
    if abs(v) >= 1e15:
        return f"{v:.3g}"
    if abs(v) >= 1e6:
        return per_label(float(f"{v:.3g}"), ".3g")
    if abs(v) >= 1e3:
        return f"{float(f'{v:.3g}'):,.0f}"
    return f"{v:.3g}"


def display(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of a surface table for reading: every number as :func:`count_text` writes it."""
    out = table.copy()
    for c in out.columns:
        if pd.api.types.is_float_dtype(out[c]):
            out[c] = [count_text(v) for v in out[c]]
    return out


def _fmt(row, counts: bool = True) -> str:
    return f"{count_text(row['median'])} ({count_text(row['lower'])}-{count_text(row['upper'])})"


def _check_budgets(values, name: str) -> np.ndarray:
    try:
        arr = np.atleast_1d(np.asarray(values, dtype=float)).ravel()
    except (TypeError, ValueError):
        raise ArgumentError(f"{name} must be a positive number or a list of them, got {values!r}") from None
    bad = ~(np.isfinite(arr) & (arr > 0))
    if arr.size == 0 or bad.any():
        raise ArgumentError(f"{name} must be positive numbers; got {values!r}"
                            + (f" (entry {int(np.flatnonzero(bad)[0])} is {arr[bad][0]!r})" if bad.any() else ""))
    return arr


def _check_cost(cost):
    if cost is None:
        return chinchilla_cost
    if not callable(cost):
        raise ArgumentError(f"cost must be a function cost(N, D) -> FLOPs, got {cost!r}")
    n = np.array([1e6, 1e6, 1e9, 1e9])
    d = np.array([1e8, 1e10, 1e8, 1e10])
    try:
        with np.errstate(all="ignore"):
            c = np.asarray(cost(n, d), dtype=float)
    except Exception as err:
        raise ArgumentError(f"cost(N, D) failed on arrays of N and D: {type(err).__name__}: {err}") from None
    if c.shape != n.shape or not (np.isfinite(c) & (c > 0)).all():
        raise ArgumentError(f"cost(N, D) must return one positive, finite cost per (N, D) pair; on N={n.tolist()}, "
                            f"D={d.tolist()} it returned {np.asarray(c).tolist()!r}")
    if not (c[1] > c[0] and c[3] > c[2]):
        raise ArgumentError("cost(N, D) must grow with D (more tokens cost more): "
                            f"cost(1e6, 1e8) = {c[0]:.3g} but cost(1e6, 1e10) = {c[1]:.3g}")
    return cost


def _n_grid(flops: float, cost: Callable) -> np.ndarray:
    """Model sizes to search: 12 decades around the size with 20 tokens per parameter under 6ND."""
    centre = math.sqrt(flops / 120.0)
    return np.geomspace(centre / 1e6, centre * 1e6, 961)


def _tokens_for(n: np.ndarray, flops: float, cost: Callable) -> np.ndarray:
    """``D`` with ``cost(n, D) = flops``, per ``n`` (closed form for 6ND, else bisection in log D)."""
    n = np.asarray(n, dtype=float)
    if cost is chinchilla_cost:
        return flops / (6.0 * n)
    lo, hi = np.full(n.shape, -10.0), np.full(n.shape, 80.0)
    with np.errstate(all="ignore"):
        for _ in range(80):
            mid = 0.5 * (lo + hi)
            c = np.asarray(cost(n, np.exp(mid)), dtype=float)
            high = c > flops
            hi = np.where(high, mid, hi)
            lo = np.where(high, lo, mid)
    return np.exp(0.5 * (lo + hi))


def _held_out(f: ScalingFit) -> tuple[np.ndarray, np.ndarray]:
    """Rows kept and rows held out to learn kappa: the runs of models within :data:`HOLD_FACTOR` of the largest
    are held out, if at least three model sizes remain."""
    nv = f.data.input_values("params")
    held = nv > nv.max() / HOLD_FACTOR
    if np.unique(nv[~held]).size < 3 or held.all():
        return np.ones(nv.size, bool), np.zeros(nv.size, bool)
    return ~held, held


def _held_log_lik(lik, ly: np.ndarray, lm: np.ndarray, p: dict, reach: np.ndarray, nodes: np.ndarray,
                  closed: bool = True) -> np.ndarray:
    """``log p(y_held | theta_s, kappa, z)`` for every ``kappa`` of :data:`KAPPA_GRID`, draw ``s`` (rows of
    ``lm``, the log mean at the held-out rows) and Gauss-Hermite node ``z``: each held-out row's log mean moves by
    the common ``kappa * reach * z``. Shape (kappa, draws, nodes).

    For the log-normal the sum over rows is a quadratic in ``kappa z`` whose three coefficients are computed
    once per draw (``closed=True``; the tests hold it to the row-by-row sum); other likelihoods sum row by row.
    """
    sigma = p["sigma"]
    if closed and lik.name == "lognormal":
        e = ly[None, :] - lm
        const = -ly.size * (np.log(sigma) + 0.5 * math.log(2 * math.pi)) - ly.sum()
        see, ser, srr = np.sum(e * e, axis=1), e @ reach, float(reach @ reach)
        kz = KAPPA_GRID[:, None, None] * nodes[None, None, :]
        quad = see[None, :, None] - 2 * kz * ser[None, :, None] + kz**2 * srr
        return const[None, :, None] - quad / (2 * sigma[None, :, None] ** 2)
    lik_p = {q: p[q][:, None, None] for q in lik.param_names}
    out = np.empty((KAPPA_GRID.size, lm.shape[0], nodes.size))
    for i, kap in enumerate(KAPPA_GRID):
        shifted = lm[:, None, :] + kap * nodes[None, :, None] * reach[None, None, :]
        out[i] = lik.logpdf(ly[None, None, :], shifted, sigma[:, None, None], lik_p).sum(axis=2)
    return out


def _kappa_posterior(f: ScalingFit) -> np.ndarray:
    """The posterior mass of each ``kappa`` of :data:`KAPPA_GRID` (see the module's docstring)."""
    prior = kappa_prior(f.priors.discrepancy_prior())
    keep, held = _held_out(f)
    if not held.any():
        return prior
    rows = np.flatnonzero(held)
    if rows.size > _HELD_ROWS:
        held = np.zeros_like(held)
        held[rows[np.linspace(0, rows.size - 1, _HELD_ROWS).astype(int)]] = True
    # its draws only feed a predictive density: the settings of the package's other such refits (fewer
    # draws, no retry)
    options = refit_options(f.options)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sub = ScalingFit.from_data(f.data.subset(keep), f.laws, options, f.seed, f.priors)
    nv, dv = f.data.input_values("params"), f.data.n
    reach = np.log(nv[held] / nv[keep].max()) + np.maximum(0.0, np.log(dv[held] / dv[keep].max()))
    ly = f.data.log_y[held]
    lik = get_likelihood(f.likelihood)
    w = f.weights("stacking")  # the full fit's weights: the refit's own LOO would cost as much again
    nodes, gh_w = _GH
    log_gh = np.log(gh_w / gh_w.sum())
    per_law = []
    for k in sub.laws:
        dr = sub.fits[k].draws
        take = np.linspace(0, dr["sigma"].size - 1, _HELD_DRAWS).astype(int)
        p = {q: np.asarray(v)[take] for q, v in dr.items()}
        u = {"params": np.log(nv[held]) - sub.data.input_ref("params"), "n": np.log(dv[held]) - sub.data.input_ref("n")}
        with np.errstate(all="ignore"):
            lm = np.asarray(get_law(k).log_curve({a: b[None, :] for a, b in u.items()},
                                                 {a: b[:, None] for a, b in p.items()}), dtype=float)
        dens = _held_log_lik(lik, ly, lm, p, reach, nodes)  # kappa x draws x nodes
        out = log_sum_exp(log_sum_exp(dens + log_gh, axis=2) - math.log(take.size), axis=1)
        per_law.append(out + math.log(max(w.get(k, 0.0), 1e-300)))
    lp = log_sum_exp(np.stack(per_law), axis=0)
    with np.errstate(divide="ignore"):
        post = np.log(prior) + lp
    post = np.exp(post - np.max(post[np.isfinite(post)]))
    post = np.where(np.isfinite(post), post, 0.0)
    return post / post.sum()
