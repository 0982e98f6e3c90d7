"""Figures of a fit (matplotlib). Plots take results; no computation depends on this module.

Every function returns the matplotlib ``Figure`` and ``Axes`` it drew on, and accepts an
``ax`` to draw into an existing figure.
"""

from __future__ import annotations

import numpy as np

from .checks import check_instance, check_prob, check_table
from .grouped import GroupedFit
from .result import ScalingFit

__all__ = ["plot_backtest", "plot_compare", "plot_diagnostics", "plot_fit", "plot_floor", "plot_forecast",
           "plot_groups", "plot_prior_predictive"]

#: colours by a law's place in the registry (every law, built-in or new, gets its own), and the average
PALETTE = ("#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3", "#8C8C8C", "#CCB974",
           "#64B5CD")
AVERAGED = "#222222"


def _axes(ax, figsize=(6.4, 4.4)):
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=figsize, constrained_layout=True)
        return fig, ax
    return ax.figure, ax


def _color(name: str, i: int) -> str:
    """A law's colour (the same in every figure), black for the averaged forecast, else by ``i``."""
    from .laws import LAWS

    if name == "averaged":
        return AVERAGED
    order = list(LAWS)
    return PALETTE[(order.index(name) if name in order else i) % len(PALETTE)]


def _loglog(ax) -> None:
    """Log-log axes with plain-number tick labels (200, 300 rather than 2x10^2)."""
    from matplotlib.ticker import FuncFormatter, LogLocator

    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.yaxis.set_minor_locator(LogLocator(subs=(2.0, 3.0, 5.0)))
    plain = FuncFormatter(lambda v, _: f"{v:g}")
    ax.yaxis.set_major_formatter(plain)
    ax.yaxis.set_minor_formatter(plain)


def _data(ax, fit):
    ax.scatter(fit.data.n, fit.data.y, s=28, color="black", zorder=5, label="observed")
    ax.set_xlabel(fit.data.x_name)
    ax.set_ylabel(fit.data.y_name)


def plot_fit(fit, laws=None, prob: float = 0.9, extend: float = 4.0, loglog: bool = True, ax=None):
    """The data with each law's posterior median curve and ``prob`` credible band.

    The curves run from the smallest n to ``extend`` times the largest, so the
    extrapolation each law implies is visible beside the data.
    """
    check_instance(fit, "fit", ScalingFit, " (from bs.fit)")
    check_prob(prob)
    fig, ax = _axes(ax)
    lo, hi = fit.data.distinct_n.min(), fit.data.distinct_n.max() * extend
    grid = np.geomspace(lo, hi, 200)
    for i, name in enumerate(laws or fit.laws):
        f = fit[name]
        curve = f.curve(grid)
        q = np.quantile(curve, [(1 - prob) / 2, 0.5, (1 + prob) / 2], axis=0)
        c = _color(name, i)
        label = name if f.converged else f"{name} (not converged)"
        ax.fill_between(grid, q[0], q[2], color=c, alpha=0.2, lw=0)
        ax.plot(grid, q[1], color=c, lw=1.8, label=label, ls="-" if f.converged else "--")
    _data(ax, fit)
    ax.axvline(fit.data.distinct_n.max(), color="0.6", lw=0.8, ls=":")
    if loglog:
        _loglog(ax)
    ax.set_title(f"Posterior curves ({prob:.0%} bands)")
    ax.legend(frameon=False)
    return fig, ax


def plot_forecast(fit, n_max: float | None = None, law: str = "averaged", probs=(0.5, 0.8, 0.95), ax=None):
    """Forecast fan for a new measurement out to ``n_max`` (default 16x the largest n); the title names the
    curve's flags (:attr:`~bayes_scaling.result.ScalingFit.flags`, e.g. ``accelerating``) and a law that
    did not converge."""
    check_instance(fit, "fit", ScalingFit, " (from bs.fit)")
    fig, ax = _axes(ax)
    top = fit.data.distinct_n.max()
    grid = np.geomspace(fit.data.distinct_n.min(), n_max or 16 * top, 120)
    for k, p in enumerate(sorted(probs, reverse=True)):
        fc = fit.forecast(grid, prob=p, law=law)
        ax.fill_between(grid, fc["lower"], fc["upper"], color=_color(law, 0), alpha=0.12 + 0.12 * k, lw=0,
                        label=f"{p:.0%} interval")
    ax.plot(grid, fc["median"], color=_color(law, 0), lw=1.8, label=f"median ({law})")
    _data(ax, fit)
    ax.axvline(top, color="0.6", lw=0.8, ls=":")
    ax.set_xscale("log")
    warn = [*fit.flags] + ([] if fc["converged"].all() else ["not converged"])
    ax.set_title(f"Forecast of a new measurement ({law})" + (f"\nflagged: {', '.join(warn)}" if warn else ""),
                 color="black" if not warn else "firebrick")
    ax.legend(frameon=False)
    return fig, ax


def plot_floor(fit, prob: float = 0.9, ax=None):
    """Posterior of the floor (PPL_min) for each law that has one, with the smallest observation."""
    check_instance(fit, "fit", ScalingFit, " (from bs.fit)")
    check_prob(prob)
    fig, ax = _axes(ax)
    table = fit.ppl_min(prob)
    for i, name in enumerate(table.index):
        v = fit[name].draws["floor"]
        ax.hist(v, bins=60, density=True, histtype="stepfilled", alpha=0.35, color=_color(name, i),
                label=f"{name}: {table.loc[name, 'median']:.4g} [{table.loc[name, 'lower']:.4g}, "
                      f"{table.loc[name, 'upper']:.4g}]")
    ax.axvline(fit.data.y.min(), color="black", lw=1, ls="--", label="smallest observation")
    ax.set_xlabel(f"floor of {fit.data.y_name}")
    ax.set_ylabel("posterior density")
    ax.set_title(f"Floor posterior (median, {prob:.0%} interval)")
    ax.legend(frameon=False, fontsize="small")
    return fig, ax


def plot_compare(fit, ax=None):
    """ELPD (PSIS-LOO with exact refits) with one standard error per law, labelled with the forecast
    weights (``w``, those of the averaged forecast) and the LOO stacking weights (``stack``)."""
    check_instance(fit, "fit", ScalingFit, " (from bs.fit)")
    import warnings

    fig, ax = _axes(ax, figsize=(6.4, 0.6 + 0.6 * len(fit.laws)))
    from .errors import ConvergenceWarning, LooWarning

    with warnings.catch_warnings():  # the figure marks a law that did not converge with "!"
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        warnings.filterwarnings("ignore", category=LooWarning)
        table = fit.compare()
    y = np.arange(len(table))[::-1]
    ax.errorbar(table["elpd_loo"], y, xerr=table["se"], fmt="o", color="black", capsize=3)
    ax.set_yticks(y, [f"{k}  (w={w:.2f}, stack={s:.2f})" + ("" if c else " !") for k, w, s, c in
                      zip(table.index, table["forecast_weight"], table["weight"], table["converged"], strict=True)])
    ax.set_xlabel("ELPD (LOO), higher is better")
    ax.set_title("Model comparison")
    return fig, ax


def plot_backtest(table, law: str = "averaged", ax=None):
    """Backtest: each origin's forecasts (median and interval) against the realised values.

    ``table`` is the output of :meth:`ScalingFit.backtest`.
    """
    check_table(table, "table", ("law", "k", "n", "median", "lower", "upper", "y", "covered"), "fit.backtest()")
    fig, ax = _axes(ax)
    rows = table[table["law"] == law]
    origins = sorted(rows["k"].unique())
    for i, k in enumerate(origins):
        r = rows[rows["k"] == k]
        shift = 1 + 0.04 * (i - (len(origins) - 1) / 2)  # side by side on the log axis
        ax.errorbar(r["n"] * shift, r["median"], yerr=[r["median"] - r["lower"], r["upper"] - r["median"]],
                    fmt="o", capsize=3, color=_color(f"origin{k}", i),
                    label=f"fit on n <= {r['n_train_max'].iloc[0]:g}")
    realised = rows.drop_duplicates("n")
    ax.scatter(realised["n"], realised["y"], marker="x", s=60, color="black", zorder=5, label="realised")
    ax.set_xscale("log")
    ax.set_xlabel("n")
    ax.set_ylabel("metric")
    cover = rows["covered"].mean()
    ax.set_title(f"Backtest ({law}): {cover:.0%} of realised values inside the intervals")
    ax.legend(frameon=False, fontsize="small")
    return fig, ax


def plot_diagnostics(fit, law: str):
    """Convergence of one law's sampler: per-chain marginal posteriors and rank-ECDF
    differences (``arviz_plots.plot_rank_dist``), titled with r_hat, ESS and divergences.

    Returns the matplotlib ``Figure`` (and the arviz-plots ``PlotCollection``).
    """
    check_instance(fit, "fit", ScalingFit, " (from bs.fit)")
    import arviz_plots as ap

    f = fit[law]
    d = f.diagnostics
    names = [p for p in f.law.param_names if p in f.tree.posterior]
    pc = ap.plot_rank_dist(f.tree, var_names=names, backend="matplotlib")
    fig = pc.viz["figure"].item()
    state = "converged" if f.converged else "NOT converged: " + "; ".join(d.problems())
    fig.suptitle(f"{law}: {d.divergences} divergences, r_hat max {d.r_hat_max:.3f}, ESS bulk/tail min "
                 f"{d.ess_bulk_min:.0f}/{d.ess_tail_min:.0f} ({state})", fontsize="medium")
    return fig, pc


def plot_groups(grouped, law: str = "averaged", prob: float = 0.9, extend: float = 4.0, ax=None):
    """Every configuration of a grouped fit: its data, median curve and ``prob`` band (log-log)."""
    check_instance(grouped, "grouped", GroupedFit, " (from bs.fit(..., group=))")
    check_prob(prob)
    from .decisions import curve_and_floor

    fig, ax = _axes(ax)
    for i, (name, f) in enumerate(grouped.fits.items()):
        c = _color(f"group{i}", i)
        grid = np.geomspace(f.data.distinct_n.min(), f.data.distinct_n.max() * extend, 150)
        curve, _ = curve_and_floor(f.mixture(law, 0), grid)
        q = np.quantile(curve, [(1 - prob) / 2, 0.5, (1 + prob) / 2], axis=0)
        ax.fill_between(grid, q[0], q[2], color=c, alpha=0.2, lw=0)
        ax.plot(grid, q[1], color=c, lw=1.8, label=f"{name}")
        ax.scatter(f.data.n, f.data.y, s=24, color=c, edgecolor="black", zorder=5)
        ax.axvline(f.data.distinct_n.max(), color="0.7", lw=0.8, ls=":")
    first = next(iter(grouped.fits.values()))
    _loglog(ax)
    ax.set_xlabel(first.data.x_name)
    ax.set_ylabel(first.data.y_name)
    ax.set_title(f"Configurations by {grouped.group!r} ({law}, {prob:.0%} bands)")
    ax.legend(frameon=False)
    return fig, ax


def plot_prior_predictive(table, data=None, ax=None):
    """What the priors imply for the curve: each law's prior predictive median and interval of a new
    measurement (``table``: :meth:`ScalingFit.prior_predictive`), with the data (a ``ScalingFit`` or
    ``ScalingData``) for scale. A prior whose band misses the data, or spans many orders of magnitude
    more than the problem can, needs a second look."""
    check_table(table, "table", ("law", "n", "y_median", "y_lower", "y_upper"), "fit.prior_predictive()")
    fig, ax = _axes(ax)
    for i, (name, rows) in enumerate(table.groupby("law", sort=False)):
        c = _color(name, i)
        ax.fill_between(rows["n"], rows["y_lower"], rows["y_upper"], color=c, alpha=0.15, lw=0)
        ax.plot(rows["n"], rows["y_median"], color=c, lw=1.6, label=f"{name} (prior)")
    if data is not None:
        d = getattr(data, "data", data)
        ax.scatter(d.n, d.y, s=28, color="black", zorder=5, label="observed")
        ax.set_xlabel(d.x_name)
        ax.set_ylabel(d.y_name)
    _loglog(ax)
    ax.set_title("Prior predictive check (median and interval of a new measurement)")
    ax.legend(frameon=False, fontsize="small")
    return fig, ax
