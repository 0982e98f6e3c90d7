"""Data-budget questions answered with posterior probabilities.

Every function takes a :class:`~bayes_scaling.averaging.Mixture` (the draws of one law or of the averaged
mixture, :meth:`ScalingFit.mixture <bayes_scaling.result.ScalingFit.mixture>`) and works on posterior draws
of the *curve* (the expected metric
at n, without measurement noise). Beyond the largest observed n the curve carries the same
discrepancy as :meth:`~bayes_scaling.result.ScalingFit.forecast` (``discrepancy="learned"``, the
default: each draw's log curve is shifted by ``kappa * z * log(n / largest n)``), so budget
answers are as unsure of the laws' shapes as the forecasts are; ``discrepancy=0`` gives the laws'
mean curves alone. The floor stays the laws' (:func:`gap_to_floor`, ``p_reachable``): a draw's curve
may fall faster than its law beyond the data, or flatten, or turn up, but never below its own
floor, so the discrepancy cannot make a target below every floor reachable. ``ScalingFit`` exposes
each function as a method of the same name.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .averaging import Mixture
from .checks import check_discrepancy, check_n, check_prob, check_targets
from .densities import bisect
from .discrepancy import drift, drift_slopes
from .errors import ArgumentError
from .forecast import interval_columns

__all__ = ["decision_summary", "doubling_gain", "gap_to_floor", "local_exponent", "samples_needed"]

#: how far past the data (in log n) ``samples_needed`` searches before calling a target unreachable
_U_SEARCH = 1e4
#: with a discrepancy: where a draw whose drift turns it upward is searched for the n at which it
#: comes down to a target and rises above it again (offsets in log n from where the search starts)
_DRIFT_GRID = np.concatenate([[0.0], np.geomspace(1e-4, 60.0, 400)])


def curve_and_floor(mix: Mixture, n, discrepancy=0) -> tuple[np.ndarray, np.ndarray]:
    """Draws of the curve at n (draws x len(n)), with the discrepancy beyond the data (never below
    the draw's floor), and of the floor (0 without one)."""
    curves, floors = [], []
    for f, idx in mix.components():
        curves.append(f.curve(n)[idx])
        floors.append(f.draws["floor"][idx] if f.law.has_floor else np.zeros(idx.size))
    curve, floor = np.concatenate(curves), np.concatenate(floors)
    if isinstance(check_discrepancy(discrepancy), str) or discrepancy > 0:
        curve = np.maximum(curve * drift(mix, n, discrepancy), floor[:, None])
    return curve, floor


def per_label(per: float, spec: str = "g") -> str:
    """``per`` as the planning table's columns name it: 1000 as ``1000``, 1e9 as ``1B`` (not ``1e+09``); from a
    million on, the count in millions, billions or trillions written with the format ``spec``.

    Examples
    --------
    >>> from bayes_scaling.decisions import per_label
    >>> per_label(1000.0), per_label(1e9), per_label(2.5e6)
    ('1000', '1B', '2.5M')
    """
    for suffix, scale in (("T", 1e12), ("B", 1e9), ("M", 1e6)):
        if abs(per) >= scale:
            return f"{per / scale:{spec}}{suffix}"
    return f"{per:g}"


def _summary(draws: np.ndarray, n: np.ndarray, prob: float, law: str, **extra) -> pd.DataFrame:
    return pd.DataFrame({"n": n, "law": law, **interval_columns(draws, prob), **extra})


def _reach(mix: Mixture, target: float, slopes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where the draws' curves come down to ``target`` and where they rise above it again, in log n
    (``u``): two flat arrays, one entry per coming down and per rising (``inf``: never; ``-inf``: below
    it from the start); a draw that turns up may come down and rise more than once.

    ``slopes``: the draws' drift slopes (:func:`bayes_scaling.discrepancy.drift_slopes`). With a slope of 0 (the
    laws alone) a curve falls with n, so it never rises again; a draw with a negative slope falls
    faster beyond the data; one with a positive slope may come down later, or turn up and leave the
    target again (searched on ``_DRIFT_GRID``).
    """
    u_max = float(mix.data.u.max())
    enter, leave, start = [], [], 0
    for f, idx in mix.components():
        p = {q.name: f.draws[q.name][idx] for q in f.law.parameters}
        s = slopes[start:start + idx.size]
        start += idx.size
        with np.errstate(all="ignore"):
            u_in, u_out = _reach_law(f.law, p, s, np.log(target), mix.data.u.min() - 50.0, u_max)
        enter.append(u_in)
        leave.append(u_out)
    return np.concatenate(enter), np.concatenate(leave)


def _reach_law(law, p: dict, s: np.ndarray, lt: float, u_lo: float, u_max: float):
    """:func:`_reach` for the draws ``p`` of one law with drift slopes ``s``."""

    def g(u, draws):  # the log curve with the drift beyond the data, minus log target, for draws by index
        q = {k: v[draws] for k, v in p.items()}
        return law.log_curve(u, q) + s[draws] * np.maximum(u - u_max, 0.0) - lt

    lo, hi = np.full(s.size, u_lo), np.full(s.size, _U_SEARCH)
    u_law = bisect(lambda u: law.log_curve(u, p) <= lt, lo, hi)  # the laws alone: each curve falls
    u_law = np.where(law.log_curve(lo, p) > lt, u_law, -np.inf)
    u_law = np.where(law.log_curve(hi, p) <= lt, u_law, np.inf)  # the floor is above the target
    u_in, u_out = u_law.copy(), np.full(s.size, np.inf)
    # falling faster (s < 0): comes down between the largest n and where the law alone does
    late = (s < 0) & np.isfinite(u_law) & (u_law > u_max)
    if late.any():
        u_in[late] = bisect(lambda u: g(u, np.flatnonzero(late)) <= 0, np.full(late.sum(), u_max), u_law[late])
    # turning up (s > 0): comes down no earlier than the law alone, and may leave again, and (a curve
    # that bends, as exp_decay's does in log-log, plus a rising drift) come down and leave once more
    up = (s > 0) & (u_law < np.inf)
    if not up.any():
        return u_in, u_out
    cols = np.flatnonzero(up)
    first = np.maximum(u_law[up], u_max)
    grid = first[None, :] + _DRIFT_GRID[:, None]

    below = g(grid, cols[None, :]) <= 0
    before = np.vstack([np.zeros((1, cols.size), dtype=bool), below[:-1]])
    ent_i, ent_j = np.nonzero(below & ~before)
    ext_i, ext_j = np.nonzero(~below & before)
    enter = bisect(lambda u: g(u, cols[ent_j]) <= 0, grid[np.maximum(ent_i - 1, 0), ent_j], grid[ent_i, ent_j], 60)
    # below where the search starts: since the law alone came down (inside the data) or from the start
    enter = np.where(ent_i == 0, u_law[cols[ent_j]], enter)
    leave = bisect(lambda u: g(u, cols[ext_j]) > 0, grid[ext_i - 1, ext_j], grid[ext_i, ext_j], 60)
    return np.concatenate([u_in[~up], enter]), np.concatenate([u_out[~up], leave])


def _shares(u_in: np.ndarray, u_out: np.ndarray, draws: int) -> tuple[np.ndarray, np.ndarray]:
    """The log n at which some draw comes down to the target (sorted), and at each of them the
    share of the ``draws`` at or below it. ``u_in`` and ``u_out`` hold every draw's comings down and
    risings above (a draw's spells below the target do not overlap), so the count at u is the
    comings down by u minus the risings before it."""
    cand = np.sort(u_in[u_in < np.inf])
    at = np.searchsorted(cand, cand, side="right") - np.searchsorted(np.sort(u_out), cand, side="left")
    return cand, at / draws


def _first_n_with(data, u_in: np.ndarray, u_out: np.ndarray, prob: float, draws: int) -> float:
    """The smallest n at which at least ``prob`` of the draws are at or below the target."""
    cand, share = _shares(u_in, u_out, draws)
    ok = np.flatnonzero(share >= prob - 1e-12)
    if ok.size == 0:
        return np.inf
    u = cand[ok[0]]
    return 0.0 if u == -np.inf else float(data.n_ref * np.exp(u))


def samples_needed(mix: Mixture, target, prob: float = 0.9, discrepancy="learned") -> pd.DataFrame:
    """The smallest n at which the curve is at or below ``target`` with probability ``prob``.

    ``P(curve(n) <= target)`` is the share of posterior draws whose curve is at or below the
    target at n. The laws' curves fall with n, so without a discrepancy this is the share that
    has reached it by n and the answer is the ``prob``-quantile of the n at which each draw does.
    With the discrepancy some draws fall faster beyond the data and some flatten or turn up, and
    a draw that turns up may leave the target again: the answer is the smallest n at which
    ``prob`` of the draws are at or below it. ``inf`` when no n is, because the laws' floors lie
    above the target (``p_reachable`` < ``prob``) or because the discrepancy leaves too many
    draws above it.

    Parameters
    ----------
    mix : Mixture
        The draws of one law or of the averaged mixture (``ScalingFit.samples_needed(target, law=...)`` makes
        it: a law name, ``"best"`` or ``"averaged"``).
    target : float or sequence of float
        Value(s) of the metric to reach, > 0.
    prob : float
        Probability required.
    discrepancy : "learned" or float
        The discrepancy beyond the data, as in :meth:`~bayes_scaling.result.ScalingFit.forecast`
        (``"learned"``, the default; ``0``: the laws' mean curves alone).

    Returns
    -------
    DataFrame
        One row per target: ``target, law, n`` (``inf`` if out of reach at that
        probability), ``p_reachable`` (= P(floor < target), the laws' floors), ``reason`` (empty,
        or why ``n`` is infinite) and, when the data carry extra columns (``keep=("tokens",)``),
        ``n_<column>``: ``n`` converted with the mean ratio column / x observed in the data,
        ``flags`` (the curve's own flags, :attr:`ScalingFit.flags`) and ``converged`` (False if a law
        behind the answer did not converge). An answer inside the observed range never contradicts the
        measurements: where the measurement at the first observed n beyond it is above the target, the
        smallest observed n from which every measurement is at or below the target is given instead
        (NaN if none is), and ``reason`` says so.

    Examples
    --------
    >>> import bayes_scaling as bs
    >>> fit = bs.fit(bs.load_example(), x="samples", y="val_ppl", random_seed=1)
    >>> row = fit.samples_needed(110, prob=0.5).iloc[0]
    >>> bool(3200 < row["n"] < 100_000)
    True
    """
    prob = check_prob(prob)
    check_discrepancy(discrepancy)
    targets = check_targets(target)
    data = mix.data
    _, floor = curve_and_floor(mix, [data.n_ref])
    slopes = drift_slopes(mix, discrepancy)  # all 0 for the laws alone
    rows = []
    for t in targets:
        u_in, u_out = _reach(mix, float(t), slopes)
        n = _first_n_with(data, u_in, u_out, prob, slopes.size)
        p_reach = float(np.mean(floor < t))
        reason = ""
        if not np.isfinite(n):
            if p_reach < prob:
                reason = (f"P(floor < {t:g}) = {p_reach:.3f} < {prob:g}: the floor makes the target out of "
                          "reach at this probability")
            else:
                most = float(_shares(u_in, u_out, slopes.size)[1].max(initial=0.0))
                reason = (f"with the discrepancy beyond the data at most {most:.3f} of the "
                          f"draws are at or below {t:g} at any one n (< {prob:g}): some flatten or turn up "
                          "before they reach it")
        n, reason = _against_measurements(data, float(t), n, reason)
        row = {"target": float(t), "law": mix.label, "n": n, "p_reachable": p_reach, "reason": reason}
        for col, values in data.extra.items():
            row[f"n_{col}"] = n * float(np.mean(values / data.n))
        rows.append(row)
    return pd.DataFrame(rows).assign(flags=mix.flags, converged=mix.converged)


def _against_measurements(data, target: float, n: float, reason: str) -> tuple[float, str]:
    """An answer inside the observed range must agree with what was measured there.

    The laws' curves fall, so if the curve is at or below ``target`` by ``n``, the measurements at
    every observed n >= ``n`` should be too. Where the mean measurement at the first of them is above
    the target, the answer is replaced by the smallest observed n from which every measurement is at or
    below the target, or by NaN where none is, and ``reason`` says why."""
    distinct = data.distinct_n
    after = distinct >= n
    if not np.isfinite(n) or not after.any():
        return n, reason
    # geometric means, compared on the log scale (a measurement equal to the target reaches it)
    below = data.mean_log_y <= np.log(target) + 1e-12
    if below[after][0]:
        return n, reason
    stays = np.flip(np.logical_and.accumulate(np.flip(below)))
    if stays.any():
        first = float(distinct[stays][0])
        return first, (f"the fit put it at n = {n:.4g}, inside the data, but the measurement there is above "
                       f"{target:g}; measured at or below it from n = {first:.4g} on")
    return float("nan"), (f"the fit puts it at n = {n:.4g}, inside the data, but no measurement from there on is at "
                          f"or below {target:g}: the laws do not describe this curve (see flags)")


def doubling_gain(mix: Mixture, n, prob: float = 0.9, discrepancy="learned") -> pd.DataFrame:
    """Posterior of the relative cut of the curve from n to 2n: ``1 - y(2n) / y(n)``.

    For a pure power law with exponent a this is ``1 - 2^-a`` (a = 0.5: 29.3%). Beyond the data
    the discrepancy widens it (and may make it negative: a curve that flattens or turns up).
    Columns ``n, law, mean, median, lower, upper, converged``.
    """
    prob, n = check_prob(prob), check_n(n)
    curve, _ = curve_and_floor(mix, np.concatenate([n, 2 * n]), discrepancy)
    gain = 1.0 - curve[:, n.size:] / curve[:, : n.size]
    return _summary(gain, n, prob, mix.label, converged=mix.converged)


def local_exponent(mix: Mixture, n, prob: float = 0.9, discrepancy="learned") -> pd.DataFrame:
    """Posterior of ``-d log y / d log n`` at n (the seed notes' windowed alpha, with intervals).

    Beyond the data the discrepancy adds ``-kappa * z`` to every draw's exponent."""
    prob, n = check_prob(prob), check_n(n)
    h = 1e-4
    curve, _ = curve_and_floor(mix, np.concatenate([n * np.exp(-h), n * np.exp(h)]), discrepancy)
    slope = -(np.log(curve[:, n.size:]) - np.log(curve[:, : n.size])) / (2 * h)
    return _summary(slope, n, prob, mix.label, converged=mix.converged)


def gap_to_floor(mix: Mixture, n, prob: float = 0.9) -> pd.DataFrame:
    """Posterior of how far the laws' mean curve at n is above its floor: ``y(n) - floor``.

    Also ``rel_median``: the median of ``y(n) / floor - 1`` (NaN for laws without a floor,
    whose floor is 0). A question about the laws' own curves and floors, so without the
    discrepancy (which has no floor).
    """
    prob, n = check_prob(prob), check_n(n)
    curve, floor = curve_and_floor(mix, n)
    gap = curve - floor[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(floor[:, None] > 0, curve / floor[:, None] - 1.0, np.nan)
    return _summary(gap, n, prob, mix.label,
                    rel_median=np.nanmedian(rel, axis=0) if np.isfinite(rel).any() else np.nan,
                    converged=mix.converged)


def decision_summary(mix: Mixture, target: float, budgets, prob: float = 0.9, per: float = 1000.0,
                     discrepancy="learned") -> pd.DataFrame:
    """The planning table: for each candidate budget n, the metric (its mean where the draws have one,
    :func:`~bayes_scaling.forecast.interval_columns`; median and interval),
    the probability that the curve is at or below ``target``, and the marginal gain
    ``-dy/dn * per`` (metric units per extra ``per`` samples, columns ``gain_per_<per>_median`` ... with
    ``per`` written as :func:`per_label` writes it; posterior median and interval),
    all with the discrepancy beyond the data (``discrepancy=0``: the laws alone).

    Examples
    --------
    >>> import bayes_scaling as bs
    >>> fit = bs.fit(bs.load_example(), x="samples", y="val_ppl", random_seed=1)
    >>> list(fit.decision_summary(105, [6400, 12800]).columns)[:4]
    ['n', 'law', 'mean', 'median']
    """
    prob, n = check_prob(prob), check_n(budgets, "budgets")
    if isinstance(target, (str, bytes)) or np.ndim(target) != 0:
        raise ArgumentError(f"target must be one positive number, got {target!r}")
    target = float(check_targets(target)[0])
    h = 1e-4
    curve, _ = curve_and_floor(mix, np.concatenate([n, n * np.exp(-h), n * np.exp(h)]), discrepancy)
    y, lo, hi = curve[:, : n.size], curve[:, n.size: 2 * n.size], curve[:, 2 * n.size:]
    gain = -(hi - lo) / (n * (np.exp(h) - np.exp(-h))) * per
    g = np.quantile(gain, [(1 - prob) / 2, 0.5, (1 + prob) / 2], axis=0) + 0.0  # no -0 from floored draws
    table = _summary(y, n, prob, mix.label)
    table[f"p_at_or_below_{target:g}"] = np.mean(y <= target, axis=0)
    unit = per_label(per)
    table[f"gain_per_{unit}_median"] = g[1]
    table[f"gain_per_{unit}_lower"] = g[0]
    table[f"gain_per_{unit}_upper"] = g[2]
    table["flags"] = mix.flags
    table["converged"] = mix.converged
    return table
