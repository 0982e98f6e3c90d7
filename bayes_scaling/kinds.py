"""The kind of a single curve, declared with the data: separately trained runs, or one run's checkpoints.

Two kinds of learning curve want different things from a forecast (``docs/forecasting.md``):

``"runs"`` (the default)
    Each point is its own training run at a data size (the seed experiment's kind, a data-size sweep, a
    tabular learning curve). Fitted with the package's default priors, which are judged on separately trained
    runs, tabular curves and curves simulated from the laws.
``"trajectory"``
    The checkpoints of one run: x is steps or tokens seen, the points share a run, and the learning-rate
    schedule shapes them. Each checkpoint's likelihood is tempered by the curve's own dependence
    (:func:`dependence`: a run's successive evaluations err together, so 600 checkpoints may carry what 30
    independent measurements would), and the curve is fitted with the ``lm`` preset: priors, law
    probabilities and discrepancy learned from language-model training trajectories (fitted this way) and
    separately trained language models. Learned that way without one family of trajectories and scored on
    it, its 90% intervals 8x out covered 0.92 of the 49 trajectories with a rescaling factor of 0.89, an
    interval score of 0.394 and a median error of 0.051 (the defaults: 1.00, 0.62, 0.540 and 0.052;
    ``docs/benchmarks.md``). Dense checkpoints are binned as every dense curve is (one bin's mean, count and
    spread per 1/400 of the log range), after the dependence is read from them.

The kind selects the priors only when ``priors=`` is not given: explicit priors win, and the headline says
so. A curve declared ``runs`` that looks like a trajectory (many dense checkpoints, or an x column named like
steps) gets a suggestion in the warnings and the headline; the kind never changes on its own.

Examples
--------
>>> from bayes_scaling.kinds import get_kind
>>> get_kind("trajectory").preset
'lm'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .errors import ArgumentError

__all__ = ["KINDS", "Dependence", "Kind", "dependence", "get_kind", "trajectory_hint"]


@dataclass(frozen=True)
class Kind:
    """A kind of curve: its name, a phrase for tables and headlines, the preset whose priors it selects
    (None: the package's defaults), and whether its points are dependent (their likelihood is tempered by
    :func:`dependence`)."""

    name: str
    title: str
    preset: str | None
    dependent: bool = False


KINDS: dict[str, Kind] = {
    "runs": Kind("runs", "separately trained runs", None),
    "trajectory": Kind("trajectory", "checkpoints of one run", "lm", dependent=True),
}

#: the smooth that a trajectory's residuals are taken about: a polynomial of this degree in log x
DEPENDENCE_DEGREE = 3
#: a curve of fewer distinct x than this is taken as independent (too short to estimate the dependence)
DEPENDENCE_MIN_POINTS = 12
#: the largest lag-1 autocorrelation used (a trajectory then counts as 1/199 of its checkpoints)
DEPENDENCE_MAX_RHO = 0.99


@dataclass(frozen=True)
class Dependence:
    """How dependent a curve's successive points are: ``rho``, the lag-1 autocorrelation of log y about a
    smooth curve, and ``temper = (1 - rho) / (1 + rho)``, the share of an independent measurement one point
    carries (AR(1) noise's effective sample size); ``points`` is the count it was estimated from (``rho`` is 0
    when they are too few to read it)."""

    rho: float
    temper: float
    points: int

    @property
    def effective(self) -> float:
        """Independent measurements the points count as."""
        return self.temper * self.points

    def describe(self) -> str:
        if self.temper == 1.0:
            why = ("too few to estimate their dependence" if self.points < DEPENDENCE_MIN_POINTS else
                   f"lag-1 autocorrelation {self.rho:.2f}")
            return f"its {self.points} points counted as independent ({why})"
        worth = f"{self.effective:.0f}" if self.effective >= 10 else f"{self.effective:.1f}"
        return (f"its {self.points} checkpoints counted as {worth} independent measurements "
                f"(lag-1 autocorrelation {self.rho:.2f})")

#: an x column named like this counts training progress, not a run's data size
_PROGRESS_NAME = re.compile(r"(^|[^a-z])(steps?|iters?|iterations?|checkpoints?|ckpts?|updates?|batch(es)?|"
                            r"epochs?|global_step|tokens?_seen|seen_tokens|consumed|trained_tokens|progress)"
                            r"([^a-z]|$)", re.IGNORECASE)
#: a curve with at least this many distinct x ...
DENSE_MIN_POINTS = 16
#: ... more than three per doubling of x (median ratio of consecutive distinct x below 2^(1/3)) is dense
DENSE_MAX_RATIO = 2 ** (1 / 3)


def get_kind(kind: str | Kind | None) -> Kind:
    """The :class:`Kind` named ``kind`` (None: ``"runs"``); ``ArgumentError`` naming the kinds otherwise."""
    if kind is None:
        return KINDS["runs"]
    if isinstance(kind, Kind):
        return kind
    if not isinstance(kind, str) or kind not in KINDS:
        raise ArgumentError(f"kind must be one of {', '.join(map(repr, KINDS))} (the points are separately trained "
                            f"runs, or the checkpoints of one run), got {kind!r}")
    return KINDS[kind]


def dependence(n, y) -> Dependence:
    """How dependent the successive points of a curve are, and the power its likelihood is tempered by.

    The checkpoints of one run share their noise: the model at one checkpoint is the model at the last one,
    a few hundred steps on. Counted as independent, a few hundred of them make a posterior that is far too
    sure of the floor (``docs/forecasting.md``). So the residuals of log y (the mean log y at each distinct
    x) about a cubic in log x are taken in order of x, their lag-1 autocorrelation ``rho`` is read, and each
    point's log-likelihood is multiplied by ``(1 - rho) / (1 + rho)``: an AR(1) series of ``m`` points
    carries about as much about its level as ``m (1 - rho) / (1 + rho)`` independent ones. A negative
    ``rho`` counts as 0 (no tempering), and so does a curve of fewer than :data:`DEPENDENCE_MIN_POINTS`
    distinct x, whose autocorrelation about a cubic is biased down by about 4 / m and cannot be read.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> n = np.geomspace(1e3, 1e6, 400)
    >>> e = np.zeros(400)
    >>> for i in range(1, 400):
    ...     e[i] = 0.9 * e[i - 1] + 0.01 * rng.standard_normal()
    >>> d = dependence(n, 2.0 + 30 * n ** -0.3 * np.exp(e))
    >>> round(d.rho, 1), round(d.effective)
    (0.9, 24)
    >>> dependence(n[::40], 2.0 + 30 * n[::40] ** -0.3).temper  # 10 points: too few to tell
    1.0
    """
    x, which = np.unique(np.asarray(n, dtype=float), return_inverse=True)
    log_y = np.bincount(which, np.log(np.asarray(y, dtype=float))) / np.bincount(which)
    points = int(x.size)
    if points < DEPENDENCE_MIN_POINTS:
        return Dependence(rho=0.0, temper=1.0, points=points)
    u = np.log(x) - np.log(x).mean()
    r = log_y - np.polyval(np.polyfit(u, log_y, DEPENDENCE_DEGREE), u)
    ss = float(r @ r)
    rho = float(r[1:] @ r[:-1]) / ss if ss > 0 else 0.0
    rho = min(max(rho, 0.0), DEPENDENCE_MAX_RHO)
    return Dependence(rho=rho, temper=(1.0 - rho) / (1.0 + rho), points=points)


def trajectory_hint(n, x_name: str = "") -> str | None:
    """Why a curve given as ``runs`` looks like one run's checkpoints, or None.

    Two signs, either enough: the x column is named like training progress (``step``, ``iter``,
    ``tokens_seen``, ...), or the curve is dense (at least :data:`DENSE_MIN_POINTS` distinct x, more than
    three per doubling). A sweep of five data sizes has neither.
    """
    reasons = []
    if x_name and _PROGRESS_NAME.search(str(x_name)):
        reasons.append(f"its x column {x_name!r} is named like training progress")
    distinct = np.unique(np.asarray(n, dtype=float))
    if distinct.size >= DENSE_MIN_POINTS:
        ratio = float(np.median(distinct[1:] / distinct[:-1]))
        if ratio < DENSE_MAX_RATIO:
            per = np.log(2) / np.log(ratio)
            reasons.append(f"it has {distinct.size} distinct x, about {per:.0f} per doubling")
    if not reasons:
        return None
    return (f"this curve looks like the checkpoints of one run ({'; '.join(reasons)}): if it is, fit it with "
            "kind='trajectory' (--kind trajectory), whose priors are learned from training trajectories and "
            "language models")
