"""The data: validation of the user's table and the scales the laws work on.

Nothing here modifies what the caller passed in: the table is read, checked and
copied into a frozen :class:`ScalingData`.
"""

from __future__ import annotations

import csv
import difflib
import os
import re
import warnings
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
import pandas as pd

from .checks import check_choice
from .errors import DataError, DataWarning

__all__ = ["DENSE_BINS", "DENSE_ROWS", "MIN_DISTINCT_X", "ScalingData", "as_scaling_data", "bin_dense", "read_table",
           "split_groups"]

#: the fewest distinct x values any analysis accepts
MIN_DISTINCT_X = 3


def _rows(index: pd.Index, mask: np.ndarray, limit: int = 8) -> str:
    labels = [repr(v) if isinstance(v, str) else str(v) for v in index[mask][:limit]]
    more = int(mask.sum()) - len(labels)
    return ", ".join(labels) + (f" and {more} more" if more > 0 else "")


def read_table(data) -> pd.DataFrame:
    """The table ``data`` names (a DataFrame as given, a dict of columns, a CSV path, or a table of another
    library: Arrow, polars), or a ``DataError`` that says why it cannot be read."""
    if isinstance(data, pd.DataFrame):
        return data
    if hasattr(data, "__arrow_c_stream__"):
        return _arrow_table(data)
    if isinstance(data, dict):
        try:
            return pd.DataFrame(data)
        except ValueError as err:
            raise DataError(f"could not make a table of the dict's columns: {err}") from None
    if isinstance(data, (str, os.PathLike)):
        path = os.fspath(data)
        if not os.path.exists(path):
            raise DataError(f"data file {path!r} does not exist")
        if os.path.isdir(path):
            raise DataError(f"data {path!r} is a directory, not a CSV file (a saved fit is opened with bs.load)")
        if os.path.getsize(path) == 0:
            raise DataError(f"data file {path!r} is empty")
        try:
            return pd.read_csv(path, comment="#", sep=_delimiter(path), encoding="utf-8-sig")
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError, csv.Error,
                OSError) as err:
            raise DataError(f"could not read {path!r} as CSV: {err}") from None
    raise DataError(f"data must be a pandas DataFrame, an Arrow or polars table, a dict of columns or a path to "
                    f"a CSV file, got {type(data).__name__}")


def _arrow_table(data) -> pd.DataFrame:
    """A table of another library as a new pandas DataFrame, through the Arrow PyCapsule stream (pyarrow
    tables and record batches, polars, DuckDB results; pandas deprecates the older dataframe interchange
    protocol). The object itself is only read."""
    import pyarrow as pa  # nutpie's dependency, so always installed with the package

    try:
        return pa.table(data).to_pandas()
    except Exception as err:  # each library raises its own kinds; the user needs to know the table is unreadable
        raise DataError(f"could not read the {type(data).__name__} table through Arrow: {err}") from None


#: the delimiters a CSV may use; a file with one column (no delimiter at all) is read with ","
DELIMITERS = ",;\t|"


def _delimiter(path: str) -> str:
    """The file's delimiter, told from its first lines that are not ``#`` comments."""
    with open(path, encoding="utf-8-sig", errors="replace") as fh:
        lines = [line for _, line in zip(range(200), fh, strict=False) if not line.lstrip().startswith("#")]
    try:
        return csv.Sniffer().sniff("".join(lines[:50]), delimiters=DELIMITERS).delimiter
    except csv.Error:
        return ","


def _lookup(table: pd.DataFrame, name: str, role: str) -> pd.Series:
    """The column ``name``, or an error naming the columns (and the closest one) or the duplicates."""
    if name not in table.columns:
        cols = [str(c) for c in table.columns]
        close = difflib.get_close_matches(str(name), cols, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise DataError(
            f"column {name!r} (given as {role}) is not in the data; columns are {cols}.{hint}"
        )
    col = table[name]
    if isinstance(col, pd.DataFrame):
        raise DataError(f"column name {name!r} appears more than once in the data; rename the duplicates")
    return col


def _column(table: pd.DataFrame, name: str, role: str) -> pd.Series:
    col = _lookup(table, name, role)
    kind = col.dtype.kind
    if kind in "mMb" or isinstance(col.dtype, pd.BooleanDtype):
        what = {"m": "time spans", "M": "dates", "b": "true/false values"}.get(kind, "true/false values")
        raise DataError(f"column {name!r} holds {what} ({col.dtype}), not numbers; convert it to a numeric "
                        "count or metric first")
    values = pd.to_numeric(col, errors="coerce")
    bad = values.isna().to_numpy() & col.notna().to_numpy()
    if bad.any():
        raise DataError(
            f"column {name!r} has non-numeric values in rows {_rows(table.index, bad)} "
            f"(e.g. {col[bad].iloc[0]!r}); fix or drop those rows"
        )
    arr = values.to_numpy(dtype=float)
    if np.isnan(arr).any():
        raise DataError(
            f"column {name!r} has missing values (NaN) in rows {_rows(table.index, np.isnan(arr))}; "
            "fill or drop those rows, or pass missing='drop' (command line: --missing drop) to leave them out, e.g. "
            "the rows of a training log where this metric was not evaluated"
        )
    if np.isinf(arr).any():
        raise DataError(
            f"column {name!r} has infinite values in rows {_rows(table.index, np.isinf(arr))}; "
            "fix or drop those rows"
        )
    if (arr <= 0).any():
        raise DataError(
            f"column {name!r} must be strictly positive (the laws work on log scales), but rows "
            f"{_rows(table.index, arr <= 0)} hold values <= 0; drop them or shift the metric"
        )
    return arr


@dataclass(frozen=True)
class ScalingData:
    """A validated learning curve: positive sample counts ``n`` and metric values ``y``.

    Rows are sorted by ``n``; several rows at one ``n`` are replicates. The laws
    work on ``u = log(n / n_ref)`` with ``n_ref`` the geometric mean of the distinct
    ``n``, and on ``log y``; this makes every default prior independent of units.

    Examples
    --------
    >>> from bayes_scaling.data import ScalingData
    >>> d = ScalingData.from_arrays([100, 400, 1600], [3.0, 2.0, 1.5])
    >>> round(d.n_ref, 9)
    400.0
    """

    n: np.ndarray
    y: np.ndarray
    x_name: str = "n"
    y_name: str = "y"
    index: tuple = field(default=(), repr=False)
    extra: dict = field(default_factory=dict, repr=False)
    #: for binned data (:func:`bin_dense`), per row: how many measurements it stands for, the sum of squares
    #: of their log y about the bin's local line, and the degrees of freedom that sum carries; else None
    bins: dict | None = field(default=None, repr=False)
    #: the power of each row's likelihood, in (0, 1]: the share of an independent measurement that one row
    #: carries. 1 for separately trained runs; below 1 for the dependent checkpoints of one run
    #: (:func:`bayes_scaling.kinds.dependence`), which then count as ``temper * rows`` measurements
    temper: float = 1.0

    @classmethod
    def from_arrays(cls, n, y, x_name: str = "n", y_name: str = "y") -> ScalingData:
        """Validate two sequences of equal length and build the data."""
        n = np.asarray(n, dtype=float)
        y = np.asarray(y, dtype=float)
        if n.ndim != 1 or n.shape != y.shape:
            raise DataError(f"n and y must be 1-d of equal length, got shapes {n.shape} and {y.shape}")
        return as_scaling_data(pd.DataFrame({x_name: n, y_name: y}), x=x_name, y=y_name)

    def __post_init__(self):
        for arr in (self.n, self.y):
            arr.setflags(write=False)

    @property
    def n_obs(self) -> int:
        """Rows of the likelihood (bins, for binned data)."""
        return int(self.n.size)

    @property
    def binned(self) -> bool:
        return self.bins is not None

    @property
    def weighted(self) -> bool:
        """Whether the rows' likelihood is weighted: binned, or tempered (:attr:`temper` below 1)."""
        return self.bins is not None or self.temper != 1.0

    @cached_property
    def rows(self) -> np.ndarray:
        """Measurements each row stands for (1 unless binned)."""
        return np.ones(self.n_obs) if self.bins is None else np.asarray(self.bins["rows"], dtype=float)

    @cached_property
    def weight(self) -> np.ndarray:
        """Each row's weight in the likelihood: the measurements it stands for, times :attr:`temper`."""
        return self.rows * self.temper

    @cached_property
    def within_ss(self) -> np.ndarray:
        """Sum of squares of log y about each bin's local line (0 unless binned), times :attr:`temper`."""
        return np.zeros(self.n_obs) if self.bins is None else self.temper * np.asarray(self.bins["ss"], dtype=float)

    @cached_property
    def row_dof(self) -> np.ndarray:
        """Degrees of freedom each row gives the noise: 1 + those of its within-bin sum of squares, times
        :attr:`temper`."""
        dof = np.ones(self.n_obs) if self.bins is None else 1.0 + np.asarray(self.bins["dof"], dtype=float)
        return self.temper * dof

    @property
    def n_measurements(self) -> int:
        """Measurements behind the data (rows, or the rows the bins stand for)."""
        return round(float(self.rows.sum()))

    @property
    def n_effective(self) -> float:
        """Independent measurements the data count as: :attr:`n_measurements` times :attr:`temper`."""
        return float(self.weight.sum())

    def tempered(self, temper: float) -> ScalingData:
        """The same rows with each row's likelihood raised to the power ``temper`` (in (0, 1])."""
        if not 0 < temper <= 1:
            raise ValueError(f"temper must be in (0, 1], got {temper!r}")
        return replace(self, temper=float(temper))

    @cached_property
    def distinct_n(self) -> np.ndarray:
        return np.unique(self.n)

    @cached_property
    def n_ref(self) -> float:
        """Geometric mean of the distinct sample counts (the centre of the log-n scale)."""
        return float(np.exp(np.mean(np.log(self.distinct_n))))

    @cached_property
    def u(self) -> np.ndarray:
        """Centred log sample counts, ``log(n / n_ref)``."""
        return np.log(self.n) - np.log(self.n_ref)

    @cached_property
    def log_y(self) -> np.ndarray:
        return np.log(self.y)

    @cached_property
    def mean_log_y(self) -> np.ndarray:
        """Mean ``log y`` at each of :attr:`distinct_n` (the log of the geometric mean of its replicates)."""
        return pd.Series(self.log_y).groupby(self.n).mean().to_numpy()

    @cached_property
    def log_y_center(self) -> float:
        """Mean over distinct ``n`` of the mean ``log y`` there: the level of the curve at ``n_ref``."""
        return float(self.mean_log_y.mean())

    def to_u(self, n) -> np.ndarray:
        """Map sample counts to the centred log scale of this data."""
        return np.log(np.asarray(n, dtype=float)) - np.log(self.n_ref)

    def input_values(self, name: str) -> np.ndarray:
        """The values of a law's input: ``"n"`` is the sample count (the ``x`` column); any other name is a
        column carried with ``keep=`` (model size, say), which must be positive."""
        if name == "n":
            return self.n
        if name not in self.extra:
            raise DataError(f"a law takes the input {name!r}, which the data do not have: carry the column with "
                            f"keep=({name!r},) (columns kept: {', '.join(self.extra) or 'none'})")
        values = np.asarray(self.extra[name], dtype=float)
        bad = np.flatnonzero(~(np.isfinite(values) & (values > 0)))
        if bad.size:
            row = self.index[bad[0]] if self.index else int(bad[0])
            raise DataError(f"column {name!r}, row {row}: a law's input must be a positive number, got "
                            f"{values[bad[0]]!r}")
        return values

    def input_ref(self, name: str) -> float:
        """The centre of input ``name`` on the log scale: the mean log of its distinct values (for ``"n"``,
        ``log n_ref``). Centring every input this way keeps the laws' priors free of units in each."""
        if name == "n":
            return float(np.log(self.n_ref))
        return float(np.mean(np.log(np.unique(self.input_values(name)))))

    def centred(self, name: str, rows: ScalingData | None = None) -> np.ndarray:
        """Centred log values of input ``name`` of ``rows`` (default: these rows), relative to this data's
        centre (:meth:`input_ref`): ``u`` for ``"n"``."""
        values = (rows if rows is not None else self).input_values(name)
        return np.log(values) - self.input_ref(name)

    def subset(self, mask) -> ScalingData:
        """The rows selected by a boolean mask (or by integer positions, in their order), as new data
        (re-centred)."""
        mask = np.asarray(mask)
        mask = mask if mask.dtype.kind in "iu" else mask.astype(bool)
        return ScalingData(
            n=self.n[mask].copy(), y=self.y[mask].copy(), x_name=self.x_name, y_name=self.y_name,
            index=tuple(np.asarray(self.index, dtype=object)[mask]) if self.index else (),
            extra={k: np.asarray(v)[mask] for k, v in self.extra.items()},
            bins=None if self.bins is None else {k: np.asarray(v)[mask] for k, v in self.bins.items()},
            temper=self.temper,
        )

    def to_frame(self) -> pd.DataFrame:
        frame = pd.DataFrame({self.x_name: self.n, self.y_name: self.y})
        for k, v in self.extra.items():
            frame[k] = v
        return frame


#: curves with more rows than this are binned before fitting (:func:`bin_dense`)
DENSE_ROWS = 1000
#: bins of a dense curve, equally wide in log n
DENSE_BINS = 400


def bin_dense(data: ScalingData, bins: int = DENSE_BINS) -> ScalingData:
    """A dense curve (a training log of thousands of rows) as ``bins`` bins equally wide in log n.

    Each bin keeps what the log-normal likelihood needs of its measurements when the curve is close
    to a straight line in (log n, log y) across the bin: the mean of log n (the bin's ``n``, a
    geometric mean), the mean of log y (its ``y``), how many measurements it holds, and the sum of
    squares of log y about the least-squares line through them (with its degrees of freedom:
    rows - 2, or rows - 1 where they share one n). The likelihood of the bins is then that of the
    rows, the local slope of each bin aside, so fitting, LOO (by bins) and forecasts cost what
    ``bins`` rows cost. With 400 bins over three decades of n a bin spans 1.7% of n, and the
    curvature of a learning curve over that width is far below any noise.

    Examples
    --------
    >>> import numpy as np
    >>> n = np.arange(1000, 101_000, 10.0)
    >>> d = ScalingData.from_arrays(n, 2 + 30 * n ** -0.3)
    >>> b = bin_dense(d)
    >>> b.n_obs, b.n_measurements
    (400, 10000)
    >>> bool(np.sqrt(b.within_ss.sum() / b.row_dof.sum()) < 1e-6)  # the curve's bend inside a bin: nothing
    True
    """
    u = np.log(data.n)
    edges = np.linspace(u.min(), u.max(), bins + 1)
    which = np.clip(np.searchsorted(edges, u, side="right") - 1, 0, bins - 1)
    frame = pd.DataFrame({"b": which, "u": u, "ly": np.log(data.y)})
    out = {k: [] for k in ("u", "ly", "rows", "ss", "dof", "first")}
    extra = {k: [] for k in data.extra}
    for _, g in frame.groupby("b", sort=True):
        uu, ly = g["u"].to_numpy(), g["ly"].to_numpy()
        w = uu.size
        if np.ptp(uu) > 0 and w >= 3:
            slope = np.polyfit(uu, ly, 1)[0]
            resid = ly - ly.mean() - slope * (uu - uu.mean())
            dof = w - 2
        elif np.ptp(uu) == 0:  # replicates at one n: the plain spread about their mean
            resid, dof = ly - ly.mean(), w - 1
        else:  # two rows at two n: the line through them leaves nothing
            resid, dof = np.zeros(w), 0
        out["u"].append(uu.mean())
        out["ly"].append(ly.mean())
        out["rows"].append(w)
        out["ss"].append(float(np.sum(resid**2)))
        out["dof"].append(dof)
        out["first"].append(g.index[0])
        for k, v in data.extra.items():
            extra[k].append(float(np.exp(np.mean(np.log(np.asarray(v)[g.index.to_numpy()])))))
    first = np.asarray(out["first"])
    return ScalingData(
        n=np.exp(np.asarray(out["u"])), y=np.exp(np.asarray(out["ly"])), x_name=data.x_name, y_name=data.y_name,
        index=tuple(np.asarray(data.index, dtype=object)[first]) if data.index else (),
        extra={k: np.asarray(v) for k, v in extra.items()},
        bins={"rows": np.asarray(out["rows"], dtype=float), "ss": np.asarray(out["ss"]),
              "dof": np.asarray(out["dof"], dtype=float)},
    )


def as_scaling_data(
    data: pd.DataFrame | dict | str | os.PathLike | ScalingData,
    x: str = "n",
    y: str = "y",
    *,
    keep: tuple[str, ...] = (),
    min_distinct: int = MIN_DISTINCT_X,
    missing: str = "raise",
) -> ScalingData:
    """Validate a table (DataFrame or CSV path) and return :class:`ScalingData`.

    Parameters
    ----------
    data : DataFrame, Arrow or polars table, dict of columns, str or path, or ScalingData
        The learning curve. Never modified.
    x, y : str
        Column names of the sample count (or tokens) and of the metric.
    keep : tuple of str
        Further numeric, positive columns to carry along (e.g. ``tokens``).
    min_distinct : int
        Fewest distinct ``x`` values accepted.
    missing : {"raise", "drop"}
        A row with a missing (empty, NaN) ``x``, ``y`` or ``keep`` value is an error (default), or is
        left out with a :class:`~bayes_scaling.errors.DataWarning` that says how many and which
        (``"drop"``: e.g. a training log whose evaluation metric is logged every few hundred steps).

    Raises
    ------
    DataError
        Missing column, non-numeric values, NaN/inf, values <= 0, too few distinct x.
        Raised before any model is built.

    Examples
    --------
    >>> import numpy as np, pandas as pd, warnings
    >>> log = pd.DataFrame({"step": [100, 200, 300, 400, 500, 600],
    ...                     "eval/loss": [3.1, np.nan, 2.9, np.nan, 2.8, 2.75]})
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     d = as_scaling_data(log, x="step", y="eval/loss", missing="drop")
    >>> d.n.tolist(), d.index, len(caught)
    ([100.0, 300.0, 500.0, 600.0], (0, 2, 4, 5), 1)
    """
    if isinstance(data, ScalingData):
        return data
    table = read_table(data)
    if len(table) == 0:
        raise DataError("the data table is empty")
    table = _drop_missing(table, {x: "x", y: "y", **{k: "an extra column" for k in keep}}, missing)
    n = _column(table, x, "x")
    v = _column(table, y, "y")
    extra = {k: _column(table, k, "an extra column") for k in keep}
    distinct = np.unique(n).size
    if distinct < min_distinct:
        raise DataError(
            f"column {x!r} has {distinct} distinct value(s) but at least {min_distinct} are needed "
            "for the chosen laws; add runs at more sample counts"
        )
    _warn_unusual(table, n, v, x, y)
    order = np.argsort(n, kind="stable")
    return ScalingData(
        n=n[order], y=v[order], x_name=str(x), y_name=str(y),
        index=tuple(table.index[order]), extra={k: a[order] for k, a in extra.items()},
    )


def split_groups(
    data: pd.DataFrame | dict | str | os.PathLike,
    group: str,
    x: str = "n",
    y: str = "y",
    *,
    keep: tuple[str, ...] = (),
    min_distinct: int = MIN_DISTINCT_X,
    missing: str = "raise",
) -> dict[str, ScalingData]:
    """Split a table with a configuration column into one validated curve per configuration.

    Groups keep the order in which they first appear; their labels become strings.
    Each group is validated like :func:`as_scaling_data`, and an error says which group
    (and which of its rows) is at fault. ``missing="drop"`` leaves out rows missing their group,
    ``x``, ``y`` or a ``keep`` value (with one warning for the whole table).

    Examples
    --------
    >>> import pandas as pd
    >>> from bayes_scaling.data import split_groups
    >>> df = pd.DataFrame({"cfg": ["a"] * 3 + ["b"] * 3, "n": [1, 2, 4] * 2, "y": [3, 2, 1.5, 4, 3, 2.5]})
    >>> {k: d.n_obs for k, d in split_groups(df, "cfg", "n", "y").items()}
    {'a': 3, 'b': 3}
    """
    table = read_table(data)
    if len(table) == 0:
        raise DataError("the data table is empty")
    table = _drop_missing(table, {group: "group", x: "x", y: "y", **{k: "an extra column" for k in keep}}, missing)
    labels = _lookup(table, group, "group")
    unlabelled = labels.isna().to_numpy()
    if unlabelled.any():
        raise DataError(f"column {group!r} (group) is empty in rows {_rows(table.index, unlabelled)}; "
                        "fill in the configuration of those runs or drop them")
    text = labels.astype(str)
    names = list(dict.fromkeys(text))
    if len(names) < 2:
        raise DataError(f"column {group!r} holds a single configuration ({names[0]!r}); fit without group= "
                        "or add the other configurations")
    out = {}
    for name in names:
        try:
            out[name] = as_scaling_data(table[(text == name).to_numpy()], x=x, y=y, keep=keep,
                                        min_distinct=min_distinct)
        except DataError as err:
            raise DataError(f"group {name!r} (column {group!r}): {err}") from None
    return out


#: what ``missing=`` may say: a row with an empty value is an error, or is left out
MISSING = ("raise", "drop")


def _drop_missing(table: pd.DataFrame, columns: dict[str, str], missing: str) -> pd.DataFrame:
    """``table`` without the rows missing a value in ``columns`` (name -> role), with one warning,
    when ``missing == "drop"``; ``table`` itself otherwise (the checks of each column then say
    which rows are missing what)."""
    check_choice(missing, "missing", MISSING)
    if missing == "raise":
        return table
    gone = np.zeros(len(table), dtype=bool)
    for name, role in columns.items():
        gone |= _lookup(table, name, role).isna().to_numpy()
    names = " or ".join(repr(c) for c in columns)
    if gone.all():
        raise DataError(f"every row misses a value in {names}: nothing is left to fit")
    if gone.any():
        warnings.warn(f"left out {int(gone.sum()):,} of {len(table):,} rows missing a value in {names} "
                      f"(rows {_rows(table.index, gone)}); {int((~gone).sum()):,} rows are fitted",
                      DataWarning, stacklevel=4)
        table = table[~gone]
    return table


#: metric names that say lower is better (a loss or perplexity that rises is no accuracy)
_LOSS_LIKE = re.compile(r"loss|ppl|perplex|nll|cross.?entropy|bpb|bits|error|err\b", re.IGNORECASE)
#: x names that say time, not data (W&B exports carry _timestamp and _runtime beside _step)
_TIME_LIKE = re.compile(r"time|runtime|wall|date|clock|seconds|epoch_s", re.IGNORECASE)
#: x names that say an amount of data or training
_DATA_LIKE = re.compile(r"step|token|sample|example|size|flop|byte|image|iter|epoch|^n$|param", re.IGNORECASE)


def _warn_unusual(table: pd.DataFrame, n: np.ndarray, y: np.ndarray, x: str, yname: str) -> None:
    """Valid but suspicious data: say so, change nothing."""
    dup = pd.DataFrame({"n": n, "y": y}).duplicated(keep=False).to_numpy()
    if dup.any():
        warnings.warn(
            f"rows {_rows(table.index, dup)} repeat the same ({x}, {yname}) values; they are kept as "
            "replicates. Drop them if they are one run entered twice.", DataWarning, stacklevel=3)
    means = pd.Series(np.log(y)).groupby(n).mean()
    if means.size >= 3:
        slope = np.polyfit(np.log(means.index.to_numpy(dtype=float)), means.to_numpy(), 1)[0]
        if slope > 0:
            m = means.to_numpy()
            low = int(np.argmin(m))
            # a loss that fell by more than 2% and then rose by more than 2%: no accuracy
            fell_first = 0 < low < m.size - 1 and m[0] - m[low] > 0.02 and m[-1] - m[low] > 0.02
            if _LOSS_LIKE.search(yname) or fell_first:
                advice = (f"It fell to its lowest at {x} = {means.index[low]:g} and rose after: did training "
                          "diverge or overfit? Fit the points before the rise." if fell_first else
                          "A loss that rises with data: check the runs (diverged training, a wrong column).")
            else:
                advice = "For accuracy-like metrics fit 1 - accuracy or the error rate instead."
            warnings.warn(
                f"column {yname!r} rises with {x!r} (log-log slope {slope:+.3f}); the laws assume a "
                f"metric that falls with data (loss, perplexity, error rate). {advice}", DataWarning, stacklevel=3)
    unix_like = np.nanmin(n) > 1e9 and np.nanmax(n) < 4e9 and np.ptp(n) < 0.05 * np.nanmin(n)  # seconds since 1970
    if _TIME_LIKE.search(x) or (unix_like and not _DATA_LIKE.search(x)):
        warnings.warn(f"column {x!r} looks like a time (a name like a timestamp or runtime, or values like Unix "
                      "seconds): the laws take an amount of data or training (steps, tokens, samples); fit "
                      "against one of those", DataWarning, stacklevel=3)
