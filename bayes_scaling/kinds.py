"""The kind of a single curve, declared with the data: separately trained runs, or one run's checkpoints.

Two kinds of learning curve want different things from a forecast (``docs/forecasting.md``):

``"runs"`` (the default)
    Each point is its own training run at a data size (the seed experiment's kind, a data-size sweep, a
    tabular learning curve). Fitted with the package's default priors, which are judged on separately trained
    runs, tabular curves and curves simulated from the laws.
``"trajectory"``
    The checkpoints of one run: x is steps or tokens seen, the points share a run, and the learning-rate
    schedule shapes them. Fitted with the ``lm`` preset: priors, law probabilities and discrepancy learned
    from language-model training trajectories together with separately trained language models. Learned
    that way without one family of trajectories and scored on it, its 90% intervals 8x out covered 0.94 of
    the 49 trajectories with an interval score of 0.379 (the defaults: 1.00 and 0.540); priors learned from
    the other family's trajectories alone covered 0.80 and scored 0.483 (``docs/benchmarks.md``). Dense
    checkpoints are binned as every dense curve is (one bin's mean, count and spread per 1/400 of the log
    range); thinning them to a few per doubling was measured and scored worse.

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

__all__ = ["KINDS", "Kind", "get_kind", "trajectory_hint"]


@dataclass(frozen=True)
class Kind:
    """A kind of curve: its name, a phrase for tables and headlines, and the preset whose priors it selects
    (None: the package's defaults)."""

    name: str
    title: str
    preset: str | None


KINDS: dict[str, Kind] = {
    "runs": Kind("runs", "separately trained runs", None),
    "trajectory": Kind("trajectory", "checkpoints of one run", "lm"),
}

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
