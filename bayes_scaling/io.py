"""Save a fit to a directory and load it back, bit for bit.

Layout of a saved fit::

    DIR/fit.json              format marker, versions, data columns, seed, sampler options
    DIR/data.csv              the validated data (sorted by n)
    DIR/posteriors/LAW.zarr   each law's posterior DataTree (zarr, readable by xarray/ArviZ)

A grouped fit (``fit(..., group=...)``) is ``DIR/fit.json`` (format
``bayes_scaling.grouped``: the group column, the pooling, the group names in order)
and one saved fit as above per group in ``DIR/groups/0``, ``DIR/groups/1``, ...

Everything a table depends on is either stored (posterior draws, seed, options) or
recomputed deterministically from it, so ``load(DIR)`` reproduces every table exactly.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import BayesScalingError

__all__ = ["FORMAT", "LoadError", "check_target", "load", "save"]

FORMAT = "bayes_scaling.fit"
GROUPED_FORMAT = "bayes_scaling.grouped"
FORMAT_VERSION = 1


class LoadError(BayesScalingError, ValueError):
    """The directory does not hold a readable saved fit."""


def check_target(path: str | os.PathLike, overwrite: bool = False) -> Path:
    """Raise ``FileExistsError`` unless ``save`` may write to ``path`` (absent, empty, or ``overwrite``)."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise FileExistsError(f"{path} exists and is not a directory")
    if path.exists() and any(path.iterdir()) and not overwrite:
        raise FileExistsError(f"{path} is not empty; pass overwrite=True (CLI: --force) to replace the saved fit")
    return path


def save(fit, path: str | os.PathLike, overwrite: bool = False) -> Path:
    """Save ``fit`` to the directory ``path``.

    Refuses to touch an existing non-empty directory unless ``overwrite=True`` (then
    only the files of a saved fit are replaced).

    Examples
    --------
    >>> import tempfile, bayes_scaling as bs
    >>> fit = bs.fit(bs.load_example(), x="samples", y="val_ppl", laws=["power"], random_seed=0)
    >>> d = tempfile.mkdtemp()
    >>> _ = bs.save(fit, d, overwrite=True)
    >>> bs.load(d).ppl_min().equals(fit.ppl_min())
    True
    """
    from . import __version__
    from .grouped import GroupedFit

    path = check_target(path, overwrite)
    path.mkdir(parents=True, exist_ok=True)
    if isinstance(fit, GroupedFit):
        groups = path / "groups"
        if groups.exists():
            shutil.rmtree(groups)
        for i, f in enumerate(fit.fits.values()):
            save(f, groups / str(i))
        meta = {"format": GROUPED_FORMAT, "format_version": FORMAT_VERSION, "bayes_scaling": __version__,
                "group": fit.group, "pooling": fit.pooling, "groups": list(fit.fits)}
        (path / "fit.json").write_text(json.dumps(meta, indent=2))
        return path
    posteriors = path / "posteriors"
    if posteriors.exists():
        shutil.rmtree(posteriors)
    posteriors.mkdir()
    data = fit.data
    meta = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "bayes_scaling": __version__,
        "x": data.x_name, "y": data.y_name, "extra": list(data.extra),
        "index": [str(i) for i in data.index],
        "seed": fit.seed, "laws": list(fit.fits), "failed": fit.failed,
        "options": dataclasses.asdict(fit.options) if fit.options is not None else None,
        "retried": {k: f.diagnostics.retried for k, f in fit.fits.items()},
        "law_seeds": {k: f.seed for k, f in fit.fits.items()},
    }
    data.to_frame().to_csv(path / "data.csv", index=False, float_format="%.17g")
    for name, f in fit.fits.items():
        f.tree.to_zarr(posteriors / f"{name}.zarr", mode="w", consolidated=False)
    (path / "fit.json").write_text(json.dumps(meta, indent=2))
    return path


def load(path: str | os.PathLike):
    """Load a fit saved by :func:`save` (or ``bayes-scaling fit --out``): a ``ScalingFit``, or a
    ``GroupedFit`` for a fit with ``group=``."""
    import xarray as xr

    from .data import ScalingData
    from .laws import get_law
    from .result import LawFit, ScalingFit
    from .sampling import SamplerOptions, diagnose

    path = Path(path)
    meta_file = path / "fit.json"
    if not meta_file.is_file():
        raise LoadError(f"{path} does not hold a saved fit (no fit.json); save one with fit.save(DIR)")
    try:
        meta = json.loads(meta_file.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise LoadError(f"{meta_file} is corrupt: {err}") from None
    if isinstance(meta, dict) and meta.get("format") == GROUPED_FORMAT:
        return _load_grouped(path, meta)
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise LoadError(f"{meta_file} is not a bayes_scaling fit (format {meta.get('format')!r})"
                        if isinstance(meta, dict) else f"{meta_file} is not a bayes_scaling fit")
    if meta.get("format_version", 0) > FORMAT_VERSION:
        raise LoadError(f"{path} was saved by a newer bayes_scaling ({meta.get('bayes_scaling')}); upgrade")
    try:
        frame = pd.read_csv(path / "data.csv")
        x, y = meta["x"], meta["y"]
        data = ScalingData(n=frame[x].to_numpy(dtype=float), y=frame[y].to_numpy(dtype=float), x_name=x,
                           y_name=y, index=tuple(meta["index"]),
                           extra={k: frame[k].to_numpy(dtype=float) for k in meta["extra"]})
        options = SamplerOptions(**meta["options"]) if meta["options"] else None
        fits = {}
        for name in meta["laws"]:
            law = get_law(name)
            tree = xr.open_datatree(path / "posteriors" / f"{name}.zarr", engine="zarr", consolidated=False).load()
            post = tree.posterior.to_dataset()[list(tree.attrs.get("diagnosed", law.param_names))]
            diag = diagnose(post, tree.sample_stats.to_dataset(), retried=meta["retried"][name])
            fits[name] = LawFit(law=law, tree=tree, diagnostics=diag, seed=int(meta["law_seeds"][name]),
                                data=data, options=options)
    except (KeyError, ValueError, OSError, TypeError) as err:
        raise LoadError(f"{path} holds an incomplete or corrupt fit: {type(err).__name__}: {err}") from None
    if not np.array_equal(data.n, np.sort(data.n)):
        raise LoadError(f"{path / 'data.csv'} is not sorted by {x}: it was edited after saving")
    return ScalingFit(data, fits, seed=meta["seed"], options=options, failed=meta.get("failed") or {})


def _load_grouped(path: Path, meta: dict):
    from .grouped import GroupedFit

    if meta.get("format_version", 0) > FORMAT_VERSION:
        raise LoadError(f"{path} was saved by a newer bayes_scaling ({meta.get('bayes_scaling')}); upgrade")
    try:
        fits = {str(name): load(path / "groups" / str(i)) for i, name in enumerate(meta["groups"])}
        return GroupedFit(fits, group=meta["group"], pooling=meta["pooling"])
    except (KeyError, TypeError) as err:
        raise LoadError(f"{path} holds an incomplete or corrupt grouped fit: {type(err).__name__}: {err}") from None
