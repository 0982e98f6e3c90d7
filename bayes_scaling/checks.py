"""Argument validators: every option a user passes is checked here, with a message that names it."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from .errors import ArgumentError

__all__ = [
    "check_bool", "check_choice", "check_column", "check_cores", "check_discrepancy", "check_int", "check_memory",
    "check_n", "check_names", "check_prob", "check_sampler_options", "check_seed", "check_targets",
]


def check_prob(prob, name: str = "prob") -> float:
    """Validate a probability mass for an interval: a number strictly between 0 and 1."""
    try:
        ok = not isinstance(prob, (bool, str)) and 0 < float(prob) < 1
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ArgumentError(f"{name} must be a number strictly between 0 and 1, got {prob!r}")
    return float(prob)


def check_discrepancy(discrepancy):
    """Validate a ``discrepancy`` argument: ``"learned"`` or a finite number >= 0 (returned as given)."""
    if isinstance(discrepancy, str) and discrepancy == "learned":
        return discrepancy
    try:
        ok = not isinstance(discrepancy, bool) and np.isfinite(discrepancy) and discrepancy >= 0
    except TypeError:
        ok = False
    if not ok:
        raise ArgumentError(f"discrepancy must be 'learned' or a finite number >= 0, got {discrepancy!r}")
    return discrepancy


def _positive_array(values, name: str) -> np.ndarray:
    if isinstance(values, (str, bytes, bool)):
        raise ArgumentError(f"{name} must be positive numbers, got {values!r}")
    try:
        arr = np.atleast_1d(np.asarray(values, dtype=float))
    except (TypeError, ValueError):
        raise ArgumentError(f"{name} must be positive numbers, got {values!r}") from None
    if arr.ndim != 1 or arr.size == 0:
        raise ArgumentError(f"{name} must be a number or a 1-d sequence of numbers, got {values!r}")
    bad = ~np.isfinite(arr) | (arr <= 0)
    if bad.any():
        raise ArgumentError(f"{name} must be finite and > 0; got {arr[bad].tolist()}")
    return arr


def check_n(n, name: str = "n") -> np.ndarray:
    """Validate sample counts at which to predict: finite and > 0; returns a 1-d float array."""
    return _positive_array(n, name)


def check_targets(target, name: str = "target") -> np.ndarray:
    """Validate target values of the metric: finite and > 0; returns a 1-d float array."""
    return _positive_array(target, name)


def check_int(value, name: str, minimum: int = 1) -> int:
    """Validate a count such as ``draws``: an integer (or an integral float like ``1e3``) >= ``minimum``."""
    ok = not isinstance(value, (bool, str, bytes))
    if ok:
        try:
            ok = float(value) == int(value)
        except (TypeError, ValueError, OverflowError):
            ok = False
    if not ok or int(value) < minimum:
        raise ArgumentError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


#: the largest seed accepted: numpy's SeedSequence takes any size, nutpie an unsigned 64-bit integer
SEED_MAX = 2**63 - 1


def check_seed(seed, name: str = "random_seed") -> int | None:
    """Validate a random seed: ``None`` or an integer in [0, 2**63 - 1]."""
    if seed is None:
        return None
    ok = isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and 0 <= seed <= SEED_MAX
    if not ok:
        raise ArgumentError(f"{name} must be None or an integer between 0 and 2**63 - 1, got {seed!r}")
    return int(seed)


def name_seed(seed: int, name) -> int:
    """The seed of a named configuration or curve: derived from ``seed`` and the name, not from its position,
    so that reordering the groups (or the curves of a dict) leaves each one's numbers as they were.

    Examples
    --------
    >>> from bayes_scaling.checks import name_seed
    >>> name_seed(1, "2-block") == name_seed(1, "2-block") != name_seed(1, "4-block")
    True
    """
    import zlib

    key = zlib.crc32(f"{type(name).__name__}:{name}".encode())
    return int(np.random.SeedSequence([int(seed), key]).generate_state(1)[0])


def check_cores(cores, name: str = "cores") -> int | None:
    """Validate a thread count: ``None`` (every core) or an integer >= 1."""
    if cores is None:
        return None
    try:
        return check_int(cores, name)
    except ArgumentError:
        raise ArgumentError(f"{name} must be None (every core) or an integer >= 1, got {cores!r}") from None


def check_bool(value, name: str) -> bool:
    """Validate a switch: ``True`` or ``False`` (numpy booleans too), never a string such as ``'no'``."""
    if not isinstance(value, (bool, np.bool_)):
        raise ArgumentError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def check_choice(value, name: str, choices) -> str:
    """Validate an option that takes one of a few named values."""
    if not isinstance(value, str) or value not in choices:
        raise ArgumentError(f"{name} must be one of {', '.join(repr(c) for c in choices)}; got {value!r}")
    return value


def check_column(value, name: str):
    """Validate a column name (``x``, ``y``, ``group``): one string, used as given (``eval/loss`` is fine)."""
    if not isinstance(value, str) or not value:
        raise ArgumentError(f"{name} must be a column name (a non-empty string), got {value!r}")
    return value


def check_names(values, name: str) -> list[str]:
    """Validate a list of names (``laws``, ``keep``): a string is taken as a list of one, never as letters."""
    if isinstance(values, str):
        return [values]
    if isinstance(values, (bytes, dict)) or not isinstance(values, (list, tuple, set, frozenset, np.ndarray,
                                                                     pd.Index, pd.Series)):
        raise ArgumentError(f"{name} must be a name or a list of names, got {type(values).__name__} {values!r}")
    out = list(values)
    bad = [v for v in out if not isinstance(v, str)]
    if bad:
        raise ArgumentError(f"{name} must be names (strings); got {bad!r} in {out!r}")
    return out


def physical_memory() -> int | None:
    """Bytes of physical memory, or ``None`` where the system does not say (then no memory check is made)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        return None


#: a request for more than this share of the machine's memory is refused before sampling
MEMORY_SHARE = 0.5


def check_sampler_options(draws, tune, chains, target_accept, cores) -> tuple[int, int, int, float, int | None]:
    """Validate NUTS settings, returning them as numbers."""
    draws, tune, chains = check_int(draws, "draws"), check_int(tune, "tune"), check_int(chains, "chains")
    return draws, tune, chains, check_prob(target_accept, "target_accept"), check_cores(cores)


def check_memory(draws: int, chains: int, n_values: int, n_laws: int = 1, available: int | None = None) -> None:
    """Refuse a request whose stored draws would not fit in memory, before it starts.

    Every law keeps ``draws * chains`` draws of its parameters, sampler statistics and pointwise
    log-likelihood (``n_values`` numbers a draw, 8 bytes each); the comparison holds a few such
    arrays at once. A request for more than :data:`MEMORY_SHARE` of physical memory is refused.
    """
    available = physical_memory() if available is None else available
    need = 8 * 3 * draws * chains * n_values * n_laws
    if available and need > MEMORY_SHARE * available:
        raise ArgumentError(f"draws={draws} x chains={chains} would need about {need / 2**30:.1f} GiB for the "
                            f"draws alone, more than half this machine's {available / 2**30:.1f} GiB; "
                            "ask for fewer draws or chains")


def check_instance(value, name: str, cls: type | tuple[type, ...], hint: str = "") -> None:
    """Validate that an argument is a result object of the right kind (e.g. plots given a ``ScalingFit``)."""
    if not isinstance(value, cls):
        want = " or ".join(c.__name__ for c in (cls if isinstance(cls, tuple) else (cls,)))
        raise ArgumentError(f"{name} must be a {want}{hint}, got {type(value).__name__}")


def check_table(table, name: str, columns, made_by: str) -> None:
    """Validate a computed table handed back to the package (e.g. to a plot): a DataFrame with ``columns``."""
    if not isinstance(table, pd.DataFrame):
        raise ArgumentError(f"{name} must be the DataFrame of {made_by}, got {type(table).__name__}")
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ArgumentError(f"{name} lacks the columns {missing} of {made_by}; has {list(table.columns)}")
