"""Curves that say little: flags for a flat curve, a curve that turns up at its end, a curve that falls
faster and faster, and a floor the data do not inform.

A law fitted to such a curve still returns confident-looking numbers, produced by its prior and its
shape rather than by the measurements. These checks say so, in a warning when the fit is made and in
the tables that carry the answers (``flags`` and ``floor_informed`` columns).

* **flat**: over the data the metric falls by less than twice its noise (and less than 0.5%): the
  exponent and floor are the prior's;
* **spike**: one measurement lies far above both its neighbours (:func:`lone_spike`): a bad run or
  evaluation, which ``likelihood="student_t"`` discounts;
* **turns up**: the mean at the largest n lies above the lowest of the k earlier means by more than
  1% and by more than ``sqrt(2 ln k) + 3`` times the noise (the lowest of k noisy points sits about
  ``sqrt(2 ln k)`` noise below the curve): a law that can only fall cannot describe the end of the curve
  (overfitting, a learning-rate schedule, data repetition);
* **accelerating**: the log-log slope steepens over the data, by more than :data:`MIN_STEEPENING` (30%)
  of its mean from the smallest n to the largest (the slopes at the two ends of a quadratic in log n
  through the means of log y, :func:`end_slopes`), and the bend is real: the quadratic leaves its chord
  by more than 1% and by more than twice the noise. Such a curve has not yet settled into the regime
  the laws extrapolate (the early part of a learning curve, below its knee; a learning-rate warm-up or
  schedule): power and saturation can only flatten, exp_decay bends down to a floor the data do not
  place, and a forecast depends on which is right. On the 234 real curves of
  ``benchmarks/calibration.py`` the 55 flagged ones scored 2.51 8x out against 0.65 (interval score),
  with a median error of 0.163 against 0.071 (``docs/benchmarks.md``);
* **warm-up**: a dense log (:data:`WARMUP_MIN_POINTS` or more distinct n over three decades or more) whose
  log-log slope is steepest well after its start (:func:`warmup_cut`): the first steps of training, before the
  loss begins to fall as a power law, are a shape no law here can follow (they only flatten). They drag
  every law, and the stacking weights and the learned discrepancy with them. The flag names the cut: the n
  just past the steepest descent, from where the curve flattens as the laws do; fit from there
  (``df[df[x] >= cut]``);
* **floor not informed** (per law): the floor's posterior interval is at least
  :data:`UNINFORMED_RATIO` times as wide (in log units) as its prior interval: the data did not
  narrow it down.

The noise is the within-n spread of log y where there are replicates, else the residual spread of a
quadratic in log n through the means of log y (five or more distinct n; for "turns up", the distinct n
before the largest), else 1%. "accelerating" needs four or more distinct n.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["MIN_STEEPENING", "UNINFORMED_RATIO", "curve_flags", "end_slopes", "floor_informed", "noise_scale",
           "warmup_cut"]

#: a floor whose posterior interval is this wide relative to its prior interval is "not informed"
UNINFORMED_RATIO = 0.8
#: the smallest fall over the data that is not "flat", whatever the noise
MIN_FALL = 0.005
#: the smallest rise at the end that is "turns up", whatever the noise
MIN_RISE = 0.01
DEFAULT_NOISE = 0.01
#: the steepening of the log-log slope over the data, relative to its mean, that is "accelerating"
MIN_STEEPENING = 0.3
#: the smallest bend (the quadratic's largest distance from its chord, in log y) that is "accelerating"
MIN_BEND = 0.01


def _means(data) -> tuple[np.ndarray, np.ndarray]:
    return np.log(data.distinct_n), data.mean_log_y


def noise_scale(data, but_last: bool = False) -> float:
    """Relative noise of one measurement (sd of log y), from the data alone; ``but_last``: from every
    distinct n but the largest (whose own departure is what the "turns up" check measures)."""
    frame = pd.DataFrame({"u": np.log(data.n), "ly": np.log(data.y)})
    counts = frame.groupby("u")["ly"].transform("size")
    if (counts > 1).sum() >= 2:
        resid = frame["ly"] - frame.groupby("u")["ly"].transform("mean")
        dof = len(frame) - frame["u"].nunique()
        return float(np.sqrt((resid**2).sum() / dof))
    u, m = _means(data)
    if but_last:
        u, m = u[:-1], m[:-1]
    if u.size >= 5:
        coef = np.polyfit(u, m, 2)
        return float(np.sqrt(np.sum((m - np.polyval(coef, u)) ** 2) / (u.size - 3)))
    return DEFAULT_NOISE


def end_slopes(data) -> tuple[float, float, float]:
    """The log-log slopes at the smallest and the largest n of the quadratic in log n through the means
    of log y, and the quadratic's largest distance from its chord (positive where it bends down: the
    slope steepens). NaN with fewer than four distinct n.

    Examples
    --------
    >>> from bayes_scaling.data import ScalingData
    >>> n = [1.0, 2.0, 4.0, 8.0, 16.0]
    >>> d = ScalingData.from_arrays(n, [2.0 ** (-0.1 * k - 0.05 * k * k) for k in range(5)])
    >>> [round(float(v), 3) for v in end_slopes(d)]  # log2 y = -0.1 k - 0.05 k^2: slope -0.1 - 0.1 k
    [-0.1, -0.5, 0.139]
    """
    u, m = _means(data)
    if u.size < 4:
        return np.nan, np.nan, np.nan
    span = float(np.ptp(u))
    t = (u - (u.min() + u.max()) / 2) / span  # -1/2 .. 1/2
    c, b, _ = np.polyfit(t, m, 2)
    return float((b - c) / span), float((b + c) / span), float(-c / 4)


#: a point this many times the noise (measured without it) above the line through its neighbours is a spike
SPIKE_NOISE = 6.0


def lone_spike(u: np.ndarray, m: np.ndarray) -> tuple[int, float] | None:
    """The interior mean (log y over distinct log n) that lies furthest above the line through its two
    neighbours, with that excess, where both neighbours are below it and the excess is more than
    :data:`SPIKE_NOISE` times the noise of the other points (the spread about a quadratic through them; 1%
    with fewer than six points) and more than :data:`MIN_RISE`; else None."""
    if u.size < 3:
        return None
    line = m[:-2] + (m[2:] - m[:-2]) * (u[1:-1] - u[:-2]) / (u[2:] - u[:-2])
    above = (m[1:-1] > m[:-2]) & (m[1:-1] > m[2:])
    excess = np.where(above, m[1:-1] - line, -np.inf)
    i = int(np.argmax(excess)) + 1
    if not np.isfinite(excess[i - 1]):
        return None
    rest = np.arange(u.size) != i
    if rest.sum() >= 5:
        coef = np.polyfit(u[rest], m[rest], 2)
        noise = float(np.sqrt(np.sum((m[rest] - np.polyval(coef, u[rest])) ** 2) / (rest.sum() - 3)))
    else:
        noise = DEFAULT_NOISE
    return (i, float(excess[i - 1])) if excess[i - 1] > max(SPIKE_NOISE * noise, MIN_RISE) else None


#: the fewest distinct n, and the fewest decades of n, of a log that is checked for a warm-up
WARMUP_MIN_POINTS = 20
WARMUP_MIN_DECADES = 3.0
#: bins in log n for the warm-up check; a warm-up's first slope is less than this share of the steepest
WARMUP_BINS = 12
WARMUP_FLATTER = 0.5


def warmup_cut(data) -> float | None:
    """The n from which a dense log's warm-up is over, or None when there is none to cut.

    The means of log y in :data:`WARMUP_BINS` bins equally wide in log n, their local slopes (smoothed over three
    bins): a warm-up is a steepest slope past the second bin, a first slope less than :data:`WARMUP_FLATTER`
    of it, and a fall of more than 2% before it. The cut is the upper edge of the steepest bin.

    Examples
    --------
    >>> import numpy as np
    >>> from bayes_scaling.data import ScalingData
    >>> n = np.arange(1.0, 20001.0)
    >>> y = 2 + 8 / (1 + (n / 50) ** 1.2)  # flat for the first few dozen steps, then a power law to a floor
    >>> cut = warmup_cut(ScalingData.from_arrays(n, y))
    >>> 50 < cut < 2000
    True
    >>> warmup_cut(ScalingData.from_arrays(n[99:], 2 + 30 * n[99:] ** -0.3)) is None
    True
    """
    u, m = _means(data)
    if u.size < WARMUP_MIN_POINTS or (u[-1] - u[0]) / np.log(10) < WARMUP_MIN_DECADES:
        return None
    edges = np.linspace(u[0], u[-1], WARMUP_BINS + 1)
    idx = np.clip(np.searchsorted(edges, u, side="right") - 1, 0, WARMUP_BINS - 1)
    full = [i for i in range(WARMUP_BINS) if (idx == i).any()]
    cu = np.array([u[idx == i].mean() for i in full])
    cm = np.array([m[idx == i].mean() for i in full])
    if cu.size < 5:
        return None
    slopes = np.diff(cm) / np.diff(cu)
    smooth = np.convolve(np.r_[slopes[0], slopes, slopes[-1]], np.ones(3) / 3, mode="valid")
    steepest = int(np.argmin(smooth))
    if steepest < 2 or not smooth[steepest] < 0:
        return None
    if smooth[0] > WARMUP_FLATTER * smooth[steepest] and cm[0] - cm[steepest] > np.log(1.02):
        return float(np.exp(cu[steepest + 1]))
    return None


def curve_flags(data) -> dict[str, str]:
    """``{flag: explanation}`` for the curve in ``data`` (:class:`~bayes_scaling.data.ScalingData`); empty
    when nothing is wrong.

    Examples
    --------
    >>> import bayes_scaling as bs
    >>> from bayes_scaling.data import ScalingData
    >>> flat = ScalingData.from_arrays([100, 200, 400, 800, 1600], [3.0, 2.999, 3.001, 3.0, 2.998])
    >>> sorted(curve_flags(flat))
    ['flat']
    >>> curve_flags(ScalingData.from_arrays([100, 200, 400, 800, 1600], [4.0, 3.5, 3.2, 3.05, 3.0]))
    {}
    >>> sorted(curve_flags(ScalingData.from_arrays([100, 200, 400, 800, 1600], [0.8, 0.75, 0.62, 0.41, 0.2])))
    ['accelerating']
    """
    u, m = _means(data)
    if u.size < 3:
        return {}
    noise = max(noise_scale(data), 1e-4)
    out = {}
    slope = np.polyfit(u, m, 1)[0]
    fall = -slope * (u[-1] - u[0])  # log of first / last along the fitted line: negative where it rises
    if abs(fall) < max(2 * noise, MIN_FALL):  # flat within its noise, whichever way the noise tilts the line
        moves = (f"falls by only {-np.expm1(-fall):.2%}" if fall >= 0 else f"rises by {np.expm1(-fall):.2%}")
        out["flat"] = (f"the metric {moves} over the data (noise about {noise:.2%}): "
                       "the laws' exponents and floors come from their priors")
    spike = lone_spike(u, m)
    if spike is not None:
        i, excess = spike
        out["spike"] = (f"the measurement at n = {float(data.distinct_n[i]):.4g} lies {np.expm1(excess):.1%} "
                        "above the line through its neighbours: a lone spike, a bad run or evaluation? It pulls "
                        "every law; likelihood='student_t' discounts it")
    rise = m[-1] - m[:-1].min()
    before = max(noise_scale(data, but_last=True), 1e-4)
    if rise > max((np.sqrt(2 * np.log(u.size - 1)) + 3) * before, MIN_RISE):
        out["turns up"] = (f"the metric turns up at its end: the largest n is {np.expm1(rise):.2%} above the lowest "
                           f"earlier point (noise about {before:.2%}); laws that only fall cannot describe it")
    cut = warmup_cut(data)
    if cut is not None:
        name = data.x_name
        out["warm-up"] = (f"the log starts with a warm-up: its log-log slope is steepest near {name} = {cut:.3g}, well "
                          "after its start, a shape no law here can follow (they only flatten), which drags every law, "
                          "the stacking weights and the learned discrepancy; fit from the end of the warm-up: "
                          f"df[df[{name!r}] >= {cut:.3g}]")
    first, last, bend = end_slopes(data)
    mean_slope = (first + last) / 2
    if mean_slope < 0 and last - first < MIN_STEEPENING * mean_slope and bend > max(MIN_BEND, 2 * noise):
        out["accelerating"] = (f"the metric falls faster and faster over the data (log-log slope {first:.2f} at the "
                               f"smallest n, {last:.2f} at the largest): the curve has not settled into the regime "
                               "the laws extrapolate, and its forecasts depend on which law and floor are right "
                               "(on real curves they erred 2.3x as much): measure further out, or state the floor "
                               "you expect")
    return out


def floor_informed(lawfit, prob: float = 0.9, prior_draws: int = 4000) -> bool:
    """Whether the data narrowed the floor of ``lawfit`` (a :class:`~bayes_scaling.result.LawFit` with a floor)
    down from its prior: the posterior ``prob`` interval of log floor is narrower than
    :data:`UNINFORMED_RATIO` times the prior's."""
    from .sampling import sample_prior

    law = lawfit.law
    prior = sample_prior(law, lawfit.data, lawfit.priors, draws=prior_draws, seed=lawfit.seed)
    with np.errstate(over="ignore", invalid="ignore"):  # prior draws reach exponents whose A overflows
        prior_floor = law.derived(prior, lawfit.data.n_ref)["floor"]
    lo, hi = (1 - prob) / 2, (1 + prob) / 2

    def width(v):
        v = np.log(v[np.isfinite(v) & (v > 0)])
        return float(np.quantile(v, hi) - np.quantile(v, lo)) if v.size else np.nan

    return bool(width(lawfit.draws["floor"]) < UNINFORMED_RATIO * width(prior_floor))
