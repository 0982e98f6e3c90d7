"""Several configurations at once: one fit per group, tables with a group column,
and posterior probabilities that one configuration beats another.

Built by ``bs.fit(df, x=..., y=..., group="config")``. Without pooling the groups are
fitted independently, so draws of two groups are independent and
``P(A < B)`` is computed over all pairs of draws (exactly, by sorting); with
``pooling="partial"`` (:mod:`bayes_scaling.pooling`) the draws of all groups come
from one joint posterior and are paired draw by draw.
"""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import xarray as xr

from . import io
from .checks import check_n, check_prob
from .decisions import curve_and_floor
from .errors import ArgumentError, LoadError, NotFoundError
from .result import ScalingFit

__all__ = ["GROUPED_FORMAT", "GroupedFit"]

GROUPED_FORMAT = "bayes_scaling.grouped"


def _p_less(a: np.ndarray, b: np.ndarray, paired: bool) -> float:
    """P(A < B) from draws: draw by draw when paired, else over all pairs (ties count half)."""
    if paired:
        return float(np.mean(a < b) + 0.5 * np.mean(a == b))
    b = np.sort(b)
    above = b.size - np.searchsorted(b, a, side="right")
    ties = np.searchsorted(b, a, side="right") - np.searchsorted(b, a, side="left")
    return float(np.mean((above + 0.5 * ties) / b.size))


#: pairwise tables of more rows than this are refused (their cost grows with the square of the groups)
MAX_PAIR_ROWS = 5000


class GroupedFit:
    """Fits of several configurations of one experiment, one :class:`ScalingFit` per group.

    Every per-curve method of :class:`ScalingFit` (``compare``, ``ppl_min``,
    ``forecast``, ``diagnostics``, ``samples_needed``, ``doubling_gain``,
    ``local_exponent``, ``gap_to_floor``, ``decision_summary``, ``sensitivity``) returns the same table
    with a leading ``group`` column. :meth:`p_floor_lower` and :meth:`p_lower_at` compare
    the groups pairwise.

    Examples
    --------
    >>> import bayes_scaling as bs
    >>> df = bs.load_example("simulated_configs")
    >>> g = bs.fit(df, x="samples", y="val_ppl", group="blocks", laws=["saturation"], random_seed=0)
    >>> g.groups
    ['2-block', '3-block']
    >>> float(g.p_floor_lower(law="saturation")["p_a_lower"].iloc[0]) < 0.05  # P(2-block floor < 3-block)
    True
    """

    def __init__(self, fits: dict[str, ScalingFit], group: str, pooling: str = "none"):
        self.fits = dict(fits)
        self.group = group
        self.pooling = pooling

    def __repr__(self) -> str:
        inner = "\n".join(f"  {k}: {f!r}" for k, f in self.fits.items())
        return f"<GroupedFit by {self.group!r} ({len(self.fits)} groups, pooling={self.pooling!r})\n{inner}>"

    @property
    def groups(self) -> list[str]:
        return list(self.fits)

    @property
    def laws(self) -> list[str]:
        return list(next(iter(self.fits.values())).fits)

    def __getitem__(self, group: str) -> ScalingFit:
        if str(group) not in self.fits:
            raise NotFoundError(f"group {group!r} is not in this fit; groups: {', '.join(self.fits)}")
        return self.fits[str(group)]

    def save(self, path, overwrite: bool = False):
        """Save every group (:func:`bayes_scaling.io.write_tree`); ``bs.load(path)`` restores it."""
        return io.write_tree(self.to_datatree(), path, overwrite=overwrite)

    def to_datatree(self) -> xr.DataTree:
        """Every group's :meth:`ScalingFit.to_datatree` under ``groups/0``, ``groups/1``, ..."""
        from . import __version__

        children = {str(i): f.to_datatree() for i, f in enumerate(self.fits.values())}
        meta = {"format": GROUPED_FORMAT, "format_version": io.FORMAT_VERSION, "bayes_scaling": __version__,
                "group": self.group, "pooling": self.pooling, "groups": list(self.fits),
                "checksums": {"groups": [json.loads(c.attrs["meta"])["checksums"]["meta"] for c in children.values()]}}
        meta["checksums"]["meta"] = io.meta_digest(meta)
        return xr.DataTree(xr.Dataset(attrs={"meta": json.dumps(meta)}),
                           children={"groups": xr.DataTree(children=children)})

    @classmethod
    def from_datatree(cls, tree: xr.DataTree, source: str = "the tree") -> GroupedFit:
        """The inverse of :meth:`to_datatree`."""
        try:
            meta = json.loads(tree.attrs["meta"])
            io.verify_meta(meta, source)
            names = [str(g) for g in meta["groups"]]
            if meta.get("format_version", 0) >= io.CHECKED_FORMAT:  # each group's fit where it was saved
                inner = [json.loads(tree["groups"][str(i)].attrs["meta"]).get("checksums", {}).get("meta")
                         for i in range(len(names))]
                if inner != meta["checksums"].get("groups"):
                    raise LoadError(f"{source}: the groups' folders were swapped, replaced or edited after saving "
                                    "(their checksums differ from fit.json's)")
            fits = {name: ScalingFit.from_datatree(tree["groups"][str(i)], f"{source}/groups/{i}")
                    for i, name in enumerate(names)}
            return cls(fits, group=meta["group"], pooling=meta["pooling"])
        except (KeyError, TypeError, json.JSONDecodeError) as err:
            raise LoadError(f"{source} holds an incomplete or corrupt grouped fit: {type(err).__name__}: {err}") \
                from None

    # -- per-group tables --------------------------------------------------------
    def _stack(self, method: str, *args, **kwargs) -> pd.DataFrame:
        parts = []
        for name, f in self.fits.items():
            table = getattr(f, method)(*args, **kwargs)
            if table.index.name is not None:  # law-indexed tables: keep the law as a column
                table = table.reset_index()
            table.insert(0, "group", name)
            parts.append(table)
        return pd.concat(parts, ignore_index=True)

    def compare(self) -> pd.DataFrame:
        """Each group's model comparison (see :meth:`ScalingFit.compare`)."""
        return self._stack("compare")

    def diagnostics(self) -> pd.DataFrame:
        return self._stack("diagnostics")

    def ppl_min(self, prob: float = 0.9) -> pd.DataFrame:
        return self._stack("ppl_min", prob)

    def forecast(self, n, prob: float = 0.9, law: str = "averaged", discrepancy="learned") -> pd.DataFrame:
        return self._stack("forecast", n, prob, law, discrepancy)

    def discrepancy(self, law: str = "averaged", prob: float = 0.9) -> pd.DataFrame:
        return self._stack("discrepancy", law, prob)

    def samples_needed(self, target, prob: float = 0.9, law: str = "averaged",
                       discrepancy="learned") -> pd.DataFrame:
        return self._stack("samples_needed", target, prob, law, discrepancy)

    def doubling_gain(self, n, prob: float = 0.9, law: str = "averaged", discrepancy="learned") -> pd.DataFrame:
        return self._stack("doubling_gain", n, prob, law, discrepancy)

    def local_exponent(self, n, prob: float = 0.9, law: str = "averaged", discrepancy="learned") -> pd.DataFrame:
        return self._stack("local_exponent", n, prob, law, discrepancy)

    def gap_to_floor(self, n, prob: float = 0.9, law: str = "averaged") -> pd.DataFrame:
        return self._stack("gap_to_floor", n, prob, law)

    def decision_summary(self, target: float, budgets, prob: float = 0.9, law: str = "averaged",
                         per: float = 1000.0, discrepancy="learned") -> pd.DataFrame:
        return self._stack("decision_summary", target, budgets, prob, law, per, discrepancy)

    def sensitivity(self, n=None, laws=None) -> pd.DataFrame:
        return self._stack("sensitivity", n, laws)

    # -- pairwise comparisons ------------------------------------------------------
    def _draws(self, what: str, law: str, n=None, names=None) -> dict[str, np.ndarray]:
        out = {}
        for name in names if names is not None else self.fits:
            f = self.fits[name]
            curve, floor = curve_and_floor(f.mixture(law, 0), n if n is not None else [f.data.n_ref])
            out[name] = floor if what == "floor" else curve
        return out

    def _common_weights(self) -> dict[str, float]:
        """One set of law weights for every group: the mean of the groups' forecast weights over
        the laws fitted in all of them."""
        laws = [k for k in next(iter(self.fits.values())).fits if all(k in f.fits for f in self.fits.values())]
        w = {k: float(np.mean([f.weights()[k] for f in self.fits.values()])) for k in laws}
        total = sum(w.values())
        return {k: v / total for k, v in w.items() if v > 0}

    def _chosen(self, groups, points: int) -> list[str]:
        """The groups to compare pairwise (all, or ``groups`` in the order given), refused with advice where
        their pairs would make more than :data:`MAX_PAIR_ROWS` rows."""
        from .checks import check_names

        names = list(self.fits) if groups is None else check_names(groups, "groups")
        unknown = [g for g in names if g not in self.fits]
        if unknown:
            raise NotFoundError(f"groups {unknown} are not in this fit; its groups: {', '.join(map(str, self.fits))}")
        rows = len(names) * (len(names) - 1) // 2 * points
        if rows > MAX_PAIR_ROWS:
            raise ArgumentError(f"{len(names)} groups make {rows:,} pairwise rows (more than {MAX_PAIR_ROWS:,}, and "
                                "their cost grows with the square of the groups): pass groups=[...] with the "
                                "configurations to compare (e.g. each candidate with its baseline)")
        return names

    def _pairs(self, what: str, law: str, prob: float, n=None, groups=None) -> list[dict]:
        """One row per pair of groups (and n): P(a < b) and the posterior of a - b.

        With ``law="averaged"`` the comparison is law-matched: both groups follow the same law,
        and the laws are mixed with the groups' mean forecast weights (configurations of one
        experiment share a curve family; pairing one group's power law with another's floor
        would make their difference mostly a difference of laws).
        """
        names = self._chosen(groups, 1 if n is None else len(n))
        laws = self._common_weights() if law == "averaged" else {law: 1.0}
        paired = self.pooling != "none" and law != "best"  # a pooled fit's draws pair within one law
        ok = {g: bool(self.fits[g].diagnostics()["converged"].all()) for g in names}
        per_law = {k: self._draws(what, k, n, names) for k in laws}
        points = [None] if n is None else list(range(len(n)))
        rows = []
        for a, b in itertools.combinations(names, 2):
            for j in points:
                p, diffs = 0.0, []
                for k, w in laws.items():
                    da, db = (per_law[k][g] if j is None else per_law[k][g][:, j] for g in (a, b))
                    m = min(da.size, db.size)
                    diff = da[:m] - db[:m] if paired else da[:m] - np.random.default_rng(0).permutation(db)[:m]
                    p += w * _p_less(da, db, paired)
                    diffs.append(np.random.default_rng(1).permutation(diff)[: round(w * m)])
                lo, med, hi = np.quantile(np.concatenate(diffs), [(1 - prob) / 2, 0.5, (1 + prob) / 2])
                rows.append({"a": a, "b": b, **({} if j is None else {"n": float(n[j])}), "law": law,
                             "p_a_lower": p, "diff_median": med, "diff_lower": lo, "diff_upper": hi,
                             "converged": ok[a] and ok[b], "likelihood": self.fits[a].likelihood})
        return rows

    def p_floor_lower(self, law: str = "averaged", prob: float = 0.9, groups=None) -> pd.DataFrame:
        """``P(PPL_min of a < PPL_min of b)`` for every pair of groups (of ``groups``, if given: the pairs grow
        with the square of the groups, and more than 5,000 rows are refused with that advice).

        ``law`` is a law name or ``"averaged"`` (law-matched: each law's comparison, mixed with the
        groups' mean forecast weights; a law without a floor contributes floor 0). Columns
        ``a, b, law, p_a_lower`` and the posterior median and ``prob`` interval of ``floor_a - floor_b``, whether
        every law of both groups converged, and the ``likelihood``.
        """
        prob = check_prob(prob)
        return pd.DataFrame(self._pairs("floor", law, prob, groups=groups))

    def p_lower_at(self, n, law: str = "averaged", prob: float = 0.9, groups=None) -> pd.DataFrame:
        """``P(mean curve of a < mean curve of b at n)`` for every pair of groups (of ``groups``, if given) and
        every n.

        Columns ``a, b, n, law, p_a_lower, diff_median, diff_lower, diff_upper,
        converged, likelihood`` (``diff`` = curve of a minus curve of b).
        """
        prob, n = check_prob(prob), check_n(n)
        return pd.DataFrame(self._pairs("curve", law, prob, n, groups=groups))
