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
writes a new directory beside the target and then moves it into place. What the package may replace is
decided by :mod:`bayes_scaling.outputs`: with ``overwrite`` only files it wrote there itself, unchanged since
(its manifest, ``.bayes_scaling.json``, or for a fit saved by an earlier version the checksums of its own
``fit.json``); anything else in the directory is left alone, and a save that would replace it is refused.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from .errors import LoadError
from .outputs import OutputFolder

__all__ = ["LoadError", "check_target", "digest_arrays", "read_tree", "saved_names", "tree_arrays", "write_tree"]

FORMATS = ("bayes_scaling.fit", "bayes_scaling.grouped")


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
        for k in ds.data_vars:  # binned data: the rows, spread and degrees of freedom of each bin
            if str(k).startswith("bin_"):
                frame[f"__{k}__"] = ds[k].to_numpy()
        frame.to_csv(path / "data.csv", index=False, float_format="%.17g")
        (path / "posteriors").mkdir()
        for name, child in tree["posteriors"].children.items():
            child.to_zarr(path / "posteriors" / f"{name}.zarr", mode="w", consolidated=False)
    (path / "fit.json").write_text(json.dumps(meta, indent=2))


def digest_arrays(arrays: dict[str, np.ndarray]) -> str:
    """SHA-256 of named arrays (names, dtypes, shapes and bytes): any edit, swap or truncation changes it."""
    import hashlib

    h = hashlib.sha256()
    for k in sorted(arrays):
        a = np.ascontiguousarray(arrays[k])
        h.update(f"{k}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def tree_arrays(tree: xr.DataTree, coords: bool = False) -> dict[str, np.ndarray]:
    """Every array of a law's posterior tree, by ``group/variable`` (and with ``coords``, every coordinate, by
    ``group/coords/name``: saves of format 3 checksum both)."""
    out = {f"{group}/{k}": tree[group][k].to_numpy() for group in sorted(tree.children)
           for k in sorted(tree[group].data_vars)}
    if coords:
        out.update({f"{group}/coords/{c}": np.asarray(tree[group].coords[c].to_numpy()).astype(str)
                    for group in sorted(tree.children) for c in sorted(tree[group].coords)})
    return out


#: saves of this format and later carry a checksum of fit.json itself and of every coordinate
CHECKED_FORMAT = 3
#: the newest format this version reads
FORMAT_VERSION = 3


def meta_digest(meta: dict) -> str:
    """SHA-256 of a fit.json's contents (its own checksum excluded): priors, law probabilities, the discrepancy
    prior, seeds, options, names and their order, and the checksums of the data and posteriors."""
    import hashlib

    body = {k: v for k, v in meta.items() if k != "checksums"}
    body["checksums"] = {k: v for k, v in (meta.get("checksums") or {}).items() if k != "meta"}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def verify_meta(meta: dict, source: str) -> None:
    """Refuse a fit.json of format 3 or later whose checksum is missing or differs (edited after saving);
    earlier formats carry none."""
    if not isinstance(meta.get("format_version"), int) or meta["format_version"] < CHECKED_FORMAT:
        return
    sums = meta.get("checksums")
    if not isinstance(sums, dict) or not isinstance(sums.get("meta"), str):
        raise LoadError(f"{source}: fit.json has lost its checksums (every save of format {CHECKED_FORMAT} carries "
                        "them): edited after saving")
    if meta_digest(meta) != sums["meta"]:
        raise LoadError(f"{source}: fit.json was edited after saving: its priors, seeds, options, names or their "
                        "order differ from what its checksum says")


def saved_names(tree: xr.DataTree, prefix: str = "") -> list[str]:
    """The files (and ``.zarr`` stores) a save of ``tree`` writes, relative to its folder."""
    if "groups" in tree.children:
        names = []
        for name, child in tree["groups"].children.items():
            names += saved_names(child, f"{prefix}groups/{name}/")
        return [*names, f"{prefix}fit.json"]
    laws = list(tree["posteriors"].children)
    return [f"{prefix}data.csv", *(f"{prefix}posteriors/{k}.zarr" for k in laws), f"{prefix}fit.json"]


def write_tree(tree: xr.DataTree, path: str | os.PathLike, overwrite: bool = False, protect=(),
               folder: OutputFolder | None = None) -> Path:
    """Write a fit's tree to the directory ``path`` (see the module docstring); returns the path.

    Refuses an existing non-empty directory unless ``overwrite``; then only the package's own earlier files
    there are replaced or removed (:mod:`bayes_scaling.outputs`), and a save that would replace anything
    else (or a file in ``protect``) is refused before anything is written. The new files are written in a
    folder beside ``path`` first, so an interrupted save leaves the old fit in place; one save at a time.
    ``folder``: an :class:`~bayes_scaling.outputs.OutputFolder` already held by the caller (a report).
    """
    if folder is None:
        path = check_target(path, overwrite)
        with OutputFolder(path, overwrite, protect, legacy=legacy_files) as held:
            return write_tree(tree, path, overwrite, protect, held)
    path = Path(path)
    names = saved_names(tree)
    for box in {str(Path(n).parent) for n in names} - {"."}:  # posteriors/, groups/i/...: folders, or absent
        for part in [Path(box), *Path(box).parents][:-1]:
            if (path / part).exists() and not (path / part).is_dir():
                raise FileExistsError(f"{path / part} is a file, not the package's folder; nothing was written")
    folder.claim(names)
    # the earlier fit's files this one does not write (a law no longer fitted): the fit's own, or an earlier
    # version's save, never a report's or a backtest's
    owned = [n for n in folder.written_by("fit") | folder.legacy_owned() if n not in names]
    # an earlier save into this folder that was killed mid-way left its staging folder: this one holds the
    # folder's lock, so none of them is live
    for stale in path.parent.glob(f".{glob.escape(path.name)}.saving-*"):
        if stale.is_dir() and not stale.is_symlink():
            _remove_staging(stale)
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.saving-", dir=path.parent))
    try:
        _write(tree, staging)
        removed = [n for n in owned if folder.remove(n)]  # the old fit's other files go once the new one is whole
        _move_into(staging, path)
        for box in ("posteriors", "groups"):
            _prune_empty(path / box)
        folder.record(names, "fit", removed=removed)
    finally:
        _remove_staging(staging)
    return path


def _remove_staging(staging: Path) -> None:
    """Remove a staging folder; a second Ctrl-C during the removal does not leave it behind (the first one, if
    that is what ended the save, still propagates)."""
    for _ in range(5):
        try:
            shutil.rmtree(staging, ignore_errors=True)
            return
        except KeyboardInterrupt:
            continue


def _prune_empty(folder: Path) -> None:
    """Remove empty folders below and at ``folder`` (the package's containers, once their files are gone)."""
    if not folder.is_dir() or folder.is_symlink():
        return
    for child in folder.iterdir():
        if child.is_dir() and not child.is_symlink() and not child.name.endswith(".zarr"):
            _prune_empty(child)
    _rmdir_if_empty(folder)


def legacy_files(path: Path, prefix: str = "") -> set[str]:
    """The files of a fit saved by an earlier version (no manifest) that the checksums of its own ``fit.json``
    verify: only those are taken as the package's."""
    meta = _saved_meta(path)
    if meta is None:
        return set()
    if meta["format"] == "bayes_scaling.grouped":
        groups = meta.get("groups")
        out: set[str] = set()
        for i in range(len(groups) if isinstance(groups, list) else 0):
            out |= legacy_files(path / "groups" / str(i), f"{prefix}groups/{i}/")
        return out | ({f"{prefix}fit.json"} if out else set())
    sums = meta.get("checksums")
    if not isinstance(sums, dict):
        return set()
    try:
        verify_meta(meta, str(path))
        tree = read_tree(path)
    except (LoadError, OSError, ValueError):
        return set()
    coords = meta.get("format_version", 0) >= CHECKED_FORMAT
    ds = tree["data"].to_dataset()
    data = {k: ds[k].to_numpy() for k in ds.data_vars if k in ("n", "y") or str(k).startswith("bin_")}
    if digest_arrays(data) != sums.get("data"):
        return set()
    out = {f"{prefix}fit.json", f"{prefix}data.csv"}
    for name, child in tree["posteriors"].children.items():
        if name.isidentifier() and digest_arrays(tree_arrays(child, coords)) == sums.get(name):
            out.add(f"{prefix}posteriors/{name}.zarr")
    return out


def _saved_meta(path: Path) -> dict | None:
    try:
        meta = json.loads((path / "fit.json").read_text())
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) and meta.get("format") in FORMATS else None


def _rmdir_if_empty(folder: Path) -> None:
    if folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()


def _move_into(staging: Path, path: Path) -> None:
    """Move a written fit from ``staging`` into ``path`` entry by entry (beside whatever else is there);
    ``fit.json`` last, since a folder without it does not load."""
    for entry in sorted(staging.iterdir(), key=lambda p: p.name == "fit.json"):
        target = path / entry.name
        merge = entry.name in ("posteriors", "groups") or (staging.name == "groups" and entry.name.isdigit())
        if entry.is_dir() and merge:  # write_tree checked that these are folders, or absent
            target.mkdir(exist_ok=True)
            _move_into(entry, target)
            continue
        if target.is_dir():
            shutil.rmtree(target)
        os.replace(entry, target)


#: a saved law's arrays: its draws times (parameters, sampler statistics, pointwise log-likelihood) plus slack
_BYTES_PER_DRAW_AND_VALUE = 8


def _check_declared_size(lazy: xr.DataTree, meta: dict, name: str, file) -> None:
    """Refuse, before reading, arrays that declare far more than the fit of ``fit.json`` can hold (a damaged or
    forged shape would otherwise allocate it)."""
    declared = sum(node.dataset.nbytes for node in lazy.subtree)
    draws, n_obs = meta.get("draws", {}).get(name), meta.get("n_obs")
    if not (isinstance(draws, int) and isinstance(n_obs, int) and 0 < draws <= 10**8 and 0 < n_obs <= 10**8):
        raise LoadError(f"{file}: fit.json declares {draws!r} draws of {n_obs!r} observations for {name!r}")
    expected = _BYTES_PER_DRAW_AND_VALUE * draws * (n_obs + 64)
    if declared > 4 * expected + 2**20:
        raise LoadError(f"{file} declares {declared / 2**20:.0f} MiB of arrays, far more than the {draws} draws "
                        f"of {n_obs} observations in fit.json need ({expected / 2**20:.1f} MiB): damaged")


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
    if not isinstance(meta, dict) or meta.get("format") not in FORMATS:
        raise LoadError(f"{meta_file} is not a bayes_scaling fit")
    if not isinstance(meta.get("format_version", 0), int) or meta.get("format_version", 0) > FORMAT_VERSION:
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
        if meta.get("binned"):
            cols.update({f"bin_{k}": frame[f"__bin_{k}__"] for k in ("rows", "ss", "dof")})
        data = xr.Dataset({k: ("obs", pd.to_numeric(v, errors="raise").to_numpy(dtype=float))
                           for k, v in cols.items()})
    except (KeyError, ValueError, OSError, TypeError, pd.errors.ParserError) as err:
        raise LoadError(f"{path / 'data.csv'} is missing or damaged: {type(err).__name__}: {err}") from None
    posts = {}
    laws = meta.get("laws", [])
    if not isinstance(laws, list) or not all(isinstance(k, str) for k in laws):
        raise LoadError(f"{meta_file} is corrupt: 'laws' must be a list of law names, got {laws!r}")
    for name in laws:
        file = path / "posteriors" / f"{name}.zarr"
        try:
            lazy = xr.open_datatree(file, engine="zarr", consolidated=False)
            _check_declared_size(lazy, meta, name, file)
            posts[name] = lazy.load()
        except LoadError:
            raise
        except Exception as err:  # zarr and its codecs raise many kinds of errors on damaged chunks
            raise LoadError(f"{file} is missing or damaged: {type(err).__name__}: {err}") from None
        for group in ("posterior", "sample_stats", "log_likelihood", "observed_data"):
            if group not in posts[name].children:
                raise LoadError(f"{file} has no {group} group")
        post = posts[name].posterior.to_dataset()
        if any(not np.issubdtype(post[k].dtype, np.floating) for k in post.data_vars):
            raise LoadError(f"{file} holds non-numeric draws")
    return xr.DataTree(xr.Dataset(attrs=attrs), children={"data": xr.DataTree(data),
                                                          "posteriors": xr.DataTree(children=posts)})
