"""Saved fits on disk: a fit's ``DataTree`` (:meth:`~bayes_scaling.result.ScalingFit.to_datatree`)
written to a directory and read back.

Layout of a saved fit::

    DIR/fit.json              format marker, versions, data columns, seeds, sampler options, priors
    DIR/data.csv              the validated data (sorted by n), under the user's column names
    DIR/posteriors/LAW.zarr   each law's posterior DataTree (zarr, readable by xarray/ArviZ)

A grouped fit (``fit(..., group=...)``) is ``DIR/fit.json`` (format ``bayes_scaling.grouped``: the
group column, the pooling, the group names in order) and one saved fit as above per group in
``DIR/groups/0``, ``DIR/groups/1``, ...

Everything a table depends on is either stored (posterior draws, seeds, options, priors) or
recomputed deterministically from it, so ``bs.load(DIR)`` reproduces every table exactly. Saving
writes a new directory beside the target and then moves it into place; with ``overwrite`` only
the files of the saved fit are replaced, anything else in the directory is left alone.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from .errors import LoadError

__all__ = ["LoadError", "check_target", "read_tree", "write_tree"]

#: the names a saved fit owns inside its directory (replaced by ``overwrite``)
OWNED = ("fit.json", "data.csv", "posteriors", "groups")


def check_target(path: str | os.PathLike, overwrite: bool = False) -> Path:
    """Raise ``FileExistsError`` unless a fit may be saved to ``path`` (absent, empty, or ``overwrite``)."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise FileExistsError(f"{path} exists and is not a directory")
    if path.exists() and any(path.iterdir()) and not overwrite:
        raise FileExistsError(f"{path} is not empty; pass overwrite=True (CLI: --force) to replace the saved fit")
    return path


def _meta(tree: xr.DataTree) -> dict:
    return json.loads(tree.attrs["meta"])


def _write(tree: xr.DataTree, path: Path) -> None:
    meta = _meta(tree)
    path.mkdir(parents=True, exist_ok=True)
    if "groups" in tree.children:
        for name, child in tree["groups"].children.items():
            _write(child, path / "groups" / name)
    else:
        ds = tree["data"].to_dataset()
        frame = pd.DataFrame({meta["x"]: ds["n"].to_numpy(), meta["y"]: ds["y"].to_numpy()})
        for i, k in enumerate(meta["extra"]):
            frame[k] = ds[f"extra_{i}"].to_numpy()
        frame.to_csv(path / "data.csv", index=False, float_format="%.17g")
        (path / "posteriors").mkdir()
        for name, child in tree["posteriors"].children.items():
            child.to_zarr(path / "posteriors" / f"{name}.zarr", mode="w", consolidated=False)
    (path / "fit.json").write_text(json.dumps(meta, indent=2))


def write_tree(tree: xr.DataTree, path: str | os.PathLike, overwrite: bool = False) -> Path:
    """Write a fit's tree to the directory ``path`` (see the module docstring); returns the path.

    Refuses an existing non-empty directory unless ``overwrite``; then only the saved fit's own
    files (``fit.json``, ``data.csv``, ``posteriors/``, ``groups/``) are replaced. The new files are
    written in a folder beside ``path`` first, so an interrupted save leaves the old fit in place.
    """
    path = check_target(path, overwrite)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.saving-", dir=path.parent))
    try:
        _write(tree, staging)
        path.mkdir(exist_ok=True)
        for name in OWNED:  # the old fit's files go only once the new one is complete
            old = path / name
            if old.is_dir():
                shutil.rmtree(old)
            elif old.exists():
                old.unlink()
        for name in ("data.csv", "posteriors", "groups"):
            if (staging / name).exists():
                os.replace(staging / name, path / name)
        os.replace(staging / "fit.json", path / "fit.json")  # last: a fit without fit.json does not load
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return path


def read_tree(path: str | os.PathLike) -> xr.DataTree:
    """Read a directory written by :func:`write_tree` back into a tree (``attrs["meta"]`` holds
    ``fit.json``); ``LoadError`` naming the file when something is missing or damaged."""
    path = Path(path)
    meta_file = path / "fit.json"
    if not meta_file.is_file():
        raise LoadError(f"{path} does not hold a saved fit (no fit.json); save one with fit.save(DIR)")
    try:
        meta = json.loads(meta_file.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise LoadError(f"{meta_file} is corrupt: {err}") from None
    if not isinstance(meta, dict) or meta.get("format") not in ("bayes_scaling.fit", "bayes_scaling.grouped"):
        raise LoadError(f"{meta_file} is not a bayes_scaling fit")
    if meta.get("format_version", 0) > 2:
        raise LoadError(f"{path} was saved by a newer bayes_scaling ({meta.get('bayes_scaling')}); upgrade")
    attrs = {"meta": json.dumps(meta)}
    if meta["format"] == "bayes_scaling.grouped":
        groups = meta.get("groups")
        if not isinstance(groups, list):
            raise LoadError(f"{meta_file} lists no groups")
        children = {str(i): read_tree(path / "groups" / str(i)) for i in range(len(groups))}
        return xr.DataTree(xr.Dataset(attrs=attrs), children={"groups": xr.DataTree(children=children)})
    try:
        x, y, extra = meta["x"], meta["y"], list(meta["extra"])
        frame = pd.read_csv(path / "data.csv", dtype=str, keep_default_na=False)
        cols = {"n": frame[x], "y": frame[y], **{f"extra_{i}": frame[k] for i, k in enumerate(extra)}}
        data = xr.Dataset({k: ("obs", pd.to_numeric(v, errors="raise").to_numpy(dtype=float))
                           for k, v in cols.items()})
    except (KeyError, ValueError, OSError, TypeError, pd.errors.ParserError) as err:
        raise LoadError(f"{path / 'data.csv'} is missing or damaged: {type(err).__name__}: {err}") from None
    posts = {}
    for name in meta.get("laws", []):
        file = path / "posteriors" / f"{name}.zarr"
        try:
            posts[str(name)] = xr.open_datatree(file, engine="zarr", consolidated=False).load()
        except Exception as err:  # zarr and its codecs raise many kinds of errors on damaged chunks
            raise LoadError(f"{file} is missing or damaged: {type(err).__name__}: {err}") from None
        for group in ("posterior", "sample_stats", "log_likelihood", "observed_data"):
            if group not in posts[str(name)].children:
                raise LoadError(f"{file} has no {group} group")
        post = posts[str(name)].posterior.to_dataset()
        if any(not np.issubdtype(post[k].dtype, np.floating) for k in post.data_vars):
            raise LoadError(f"{file} holds non-numeric draws")
    return xr.DataTree(xr.Dataset(attrs=attrs), children={"data": xr.DataTree(data),
                                                          "posteriors": xr.DataTree(children=posts)})
