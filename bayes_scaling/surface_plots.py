"""Figures of a scaling surface (matplotlib): iso-loss contours with the compute-optimal frontier, iso-FLOP
profiles, the posterior of the exponents, and predicted against measured for held-out runs.

Every function returns the ``Figure`` and ``Axes`` it drew on and accepts an ``ax``. The tables they draw are
computed by :class:`~bayes_scaling.surface.SurfaceFit`; nothing here computes an answer of its own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .plots import AVERAGED, _axes, _color
from .surface import SurfaceFit

__all__ = ["plot_exponents", "plot_isoflop", "plot_isoloss", "plot_predicted"]


def _runs(s: SurfaceFit, group=None) -> pd.DataFrame:
    f = s.configuration(group)
    return pd.DataFrame({"n": f.data.input_values("params"), "d": f.data.n, "y": f.data.y})


def plot_isoloss(s: SurfaceFit, budgets=None, prob: float = 0.8, law: str = "averaged", group=None, ax=None):
    """Iso-loss contours of the posterior median surface over (N, D), the runs, and the compute-optimal frontier
    with its ``prob`` band (from :meth:`SurfaceFit.compute_optimal` at ``budgets``)."""
    fig, ax = _axes(ax, (6.4, 5.0))
    runs = _runs(s, group)
    n_lo, n_hi = runs["n"].min() / 3, runs["n"].max() * 30
    d_lo, d_hi = runs["d"].min() / 3, runs["d"].max() * 30
    ng, dg = np.geomspace(n_lo, n_hi, 60), np.geomspace(d_lo, d_hi, 60)
    nn, dd = np.meshgrid(ng, dg)
    z = np.median(s.loss_draws(nn.ravel(), dd.ravel(), law=law, group=group, noise=False), axis=0).reshape(nn.shape)
    cs = ax.contour(nn, dd, z, levels=12, cmap="viridis", linewidths=0.9)
    ax.clabel(cs, fontsize=7, fmt="%.3g")
    ax.scatter(runs["n"], runs["d"], s=10, c="#444444", zorder=3, label="runs")
    if budgets is None:
        c_lo, c_hi = 6 * n_lo * d_lo, 6 * n_hi * d_hi
        budgets = np.geomspace(c_lo, c_hi, 14)[2:-2]
    plan = s.compute_optimal(budgets, prob=prob, group=group)
    plan = plan[plan["law"] == law]
    n = plan[plan["quantity"] == "n_opt"].set_index("flops")
    d = plan[plan["quantity"] == "d_opt"].set_index("flops")
    ax.plot(n["median"], d["median"], color=AVERAGED, lw=2, label="compute-optimal frontier")
    ax.fill(np.r_[n["lower"], n["upper"][::-1]], np.r_[d["upper"], d["lower"][::-1]], color=AVERAGED, alpha=0.15,
            lw=0, label=f"{prob:.0%} band")
    ax.set(xscale="log", yscale="log", xlim=(n_lo, n_hi), ylim=(d_lo, d_hi), xlabel=f"model size {s.columns[0]}",
           ylabel=f"data size {s.columns[1]}", title=f"{s.columns[2]}: iso-loss contours ({law})")
    ax.legend(fontsize=8, loc="upper left")
    return fig, ax


def plot_isoflop(s: SurfaceFit, flops, prob: float = 0.9, law: str = "averaged", group=None, ax=None):
    """Loss against model size at fixed budgets (``D = C / 6N``), median and ``prob`` band, with the runs whose
    ``6 N D`` lies within a factor 1.5 of a budget."""
    fig, ax = _axes(ax)
    runs = _runs(s, group)
    runs_c = 6 * runs["n"] * runs["d"]
    for i, c in enumerate(np.atleast_1d(flops)):
        centre = np.sqrt(c / 120.0)
        ng = np.geomspace(centre / 30, centre * 30, 80)
        draws = s.loss_draws(ng, c / (6 * ng), law=law, group=group, noise=False)
        lo, med, hi = np.quantile(draws, [(1 - prob) / 2, 0.5, (1 + prob) / 2], axis=0)
        col = _color("", i)
        ax.plot(ng, med, color=col, label=f"C = {c:.2g}")
        ax.fill_between(ng, lo, hi, color=col, alpha=0.2, lw=0)
        near = (runs_c > c / 1.5) & (runs_c < c * 1.5)
        ax.scatter(runs["n"][near], runs["y"][near], color=col, s=14, zorder=3)
    ax.set(xscale="log", yscale="log", xlabel=f"model size {s.columns[0]}", ylabel=s.columns[2],
           title="iso-FLOP profiles (D = C / 6N)")
    ax.legend(fontsize=8)
    return fig, ax


def plot_exponents(s: SurfaceFit, law: str = "chinchilla", group=None, ax=None):
    """The joint posterior of the two exponents (``alpha`` against ``beta`` for the Chinchilla form)."""
    fig, ax = _axes(ax, (5.0, 5.0))
    dr = s.parameter_draws(law, group)
    a, b = [c for c in dr.columns if c.startswith("alpha") or c == "beta"][:2]
    ax.scatter(dr[a], dr[b], s=3, alpha=0.25, color=_color(law, 0))
    ax.set(xlabel=a, ylabel=b, title=f"{law}: posterior of the exponents")
    return fig, ax


def plot_predicted(table: pd.DataFrame, measured, law: str = "averaged", ax=None):
    """Predicted against measured for held-out runs: ``table`` from :meth:`SurfaceFit.forecast` on those runs,
    ``measured`` their losses in the same order; the interval of each run and the diagonal."""
    fig, ax = _axes(ax, (5.0, 5.0))
    t = table[table["law"] == law]
    y = np.asarray(measured, dtype=float)
    inside = (t["lower"].to_numpy() <= y) & (y <= t["upper"].to_numpy())
    ax.errorbar(y, t["median"], yerr=[t["median"] - t["lower"], t["upper"] - t["median"]], fmt="none",
                ecolor="#999999", lw=0.8)
    ax.scatter(y[inside], t["median"].to_numpy()[inside], s=14, color=AVERAGED, label="interval holds it", zorder=3)
    ax.scatter(y[~inside], t["median"].to_numpy()[~inside], s=14, color="#C44E52", label="interval misses", zorder=3)
    lim = [min(y.min(), t["lower"].min()), max(y.max(), t["upper"].max())]
    ax.plot(lim, lim, color="#666666", lw=0.8, ls="--")
    ax.set(xlabel="measured", ylabel="predicted", title=f"held-out runs: {inside.mean():.0%} inside")
    ax.legend(fontsize=8)
    return fig, ax
