"""What the package writes into a folder, and what it never touches.

Everything that writes files into a folder (``fit.save``, :func:`bayes_scaling.report.write_report`, the
command line's ``--out``) goes through :class:`OutputFolder`:

* every file (or ``.zarr`` store) written is recorded in the folder's manifest, ``.bayes_scaling.json``, with
  a SHA-256 of its contents and what wrote it (a fit, a report, a backtest: each replaces only its own);
* a path that exists is replaced or removed only when ``overwrite`` is given *and* the manifest lists it *and*
  its contents are still what the package wrote. A file the package did not write (your ``data.csv``, another
  tool's ``fit.json``) or one changed since is never replaced or removed: the write is refused before
  anything is written, and the refusal names what is there;
* the files a command reads (``protect``) are never written over, whatever the spelling of their path;
* one writer at a time: a second save into the same folder while one runs fails at once.

A fit saved by an earlier version (no manifest) is recognised by the checksums in its own ``fit.json``
(:mod:`bayes_scaling.io`): the files they verify are taken as the package's; nothing else of an earlier
version's is.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path

__all__ = ["LOCK", "MANIFEST", "OutputFolder", "digest_path", "same_file"]

#: the folder's record of what the package wrote there
MANIFEST = ".bayes_scaling.json"
#: held while a save writes into the folder
LOCK = ".bayes_scaling.lock"


def digest_path(path: Path) -> str | None:
    """SHA-256 of a file, or of a folder's files (their relative paths and contents); None if absent."""
    path = Path(path)
    h = hashlib.sha256()
    if path.is_file():
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        return h.hexdigest()
    if path.is_dir():
        for p in sorted(q for q in path.rglob("*") if q.is_file()):
            h.update(str(p.relative_to(path)).encode() + b"\0")
            h.update(digest_path(p).encode())
        return "dir:" + h.hexdigest()
    return None


def same_file(a, b) -> bool:
    """Whether two paths name one existing file, however they are spelled."""
    a, b = Path(a), Path(b)
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


class OutputFolder:
    """A folder the package writes into (see the module docstring).

    Parameters
    ----------
    path : path
        The folder (made if missing).
    overwrite : bool
        Whether the package's own earlier output there may be replaced.
    protect : iterable of path
        Files that must never be written over (the inputs of the command).
    legacy : callable, optional
        ``legacy(path) -> set of relative paths``: what an earlier version wrote there, verified some other way
        (:mod:`bayes_scaling.io` checks a saved fit's own checksums); used only where there is no manifest.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from bayes_scaling.outputs import OutputFolder
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> (d / "notes.md").write_text("mine")
    4
    >>> with OutputFolder(d, overwrite=True) as out:  # doctest: +ELLIPSIS
    ...     out.claim(["report.md", "notes.md"])
    Traceback (most recent call last):
    ...
    FileExistsError: ... holds notes.md, not written by bayes_scaling ...
    """

    def __init__(self, path, overwrite: bool = False, protect: Iterable = (), legacy=None):
        self.path = Path(path)
        self.overwrite = bool(overwrite)
        self.protect = [Path(p) for p in protect if p is not None]
        self.legacy = legacy
        self._legacy_found: set[str] | None = None
        self._locked = False
        if self.path.exists() and not self.path.is_dir():
            raise FileExistsError(f"{self.path} exists and is not a directory")

    # -- the manifest ----------------------------------------------------------------------------
    def _read(self) -> dict:
        try:
            data = json.loads((self.path / MANIFEST).read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def manifest(self) -> dict[str, str]:
        """``{relative path: digest}`` of what the package wrote here (empty if it wrote nothing)."""
        files = self._read().get("files")
        if not isinstance(files, dict):
            return {}
        return {k: v for k, v in files.items() if isinstance(k, str) and isinstance(v, str) and _safe(k)}

    def written_by(self, writer: str) -> set[str]:
        """What ``writer`` (``"fit"``, ``"report"``, ``"backtest"``) recorded here: a report replaces its own
        earlier tables, never a backtest's."""
        writers = self._read().get("writers")
        files = self.manifest()
        return {k for k, v in writers.items() if v == writer and k in files} if isinstance(writers, dict) else set()

    def owned(self, name: str) -> bool:
        """The package wrote ``name`` here and it is unchanged since (or it is a file of a fit saved by an
        earlier version that the fit's own checksums verify)."""
        if not _safe(name):
            return False
        target = self.path / name
        recorded = self.manifest().get(name)
        if recorded is not None:
            return digest_path(target) == recorded
        return name in self.legacy_owned()

    def legacy_owned(self) -> set[str]:
        """What an earlier version wrote here (no manifest), as ``legacy`` verifies it."""
        if self.legacy is None or (self.path / MANIFEST).exists():
            return set()
        if self._legacy_found is None:
            self._legacy_found = set(self.legacy(self.path))
        return self._legacy_found

    def claim(self, names: Iterable[str]) -> None:
        """Check that the package may write every one of ``names`` (relative paths) here; raise
        ``FileExistsError`` naming every one it may not, before anything is written."""
        names = list(names)
        bad = [n for n in names if not _safe(n)]
        if bad:
            raise FileExistsError(f"refusing to write outside {self.path}: {', '.join(map(repr, bad))}")
        for n in names:
            for p in self.protect:
                if same_file(self.path / n, p):
                    raise FileExistsError(f"{self.path / n} is the input {p}: the package never writes over what it "
                                          "reads; choose another folder for the output")
        present = [n for n in names if (self.path / n).exists() or (self.path / n).is_symlink()]
        if not present:
            return
        if not self.overwrite:
            raise FileExistsError(f"{self.path} already holds {', '.join(present)}; pass overwrite=True (command "
                                  "line: --force) to replace the package's own earlier output")
        foreign = [n for n in present if not self.owned(n)]
        if foreign:
            raise FileExistsError(
                f"{self.path} holds {', '.join(foreign)}, not written by bayes_scaling (or changed since it wrote "
                "them; a report of a version before 0.2 left no record of its files); nothing was written. Move "
                "them, or choose another folder")

    def record(self, names: Iterable[str], writer: str, removed: Iterable[str] = ()) -> None:
        """Add ``names`` (just written by ``writer``) to the manifest with their digests, and drop ``removed``."""
        files = self.manifest()
        writers = self._read().get("writers")
        writers = {k: v for k, v in writers.items() if k in files} if isinstance(writers, dict) else {}
        for n in removed:
            files.pop(n, None)
            writers.pop(n, None)
        for n in names:
            d = digest_path(self.path / n)
            if d is not None:
                files[n], writers[n] = d, writer
        body = {"written_by": "bayes_scaling", "files": dict(sorted(files.items())),
                "writers": dict(sorted(writers.items()))}
        tmp = self.path / (MANIFEST + ".tmp")
        tmp.write_text(json.dumps(body, indent=1))
        os.replace(tmp, self.path / MANIFEST)

    def remove(self, name: str) -> bool:
        """Delete ``name`` if the package wrote it and it is unchanged; True if it was removed."""
        import shutil

        target = self.path / name
        if not self.owned(name):
            return False
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        else:
            target.unlink(missing_ok=True)
        return True

    # -- one writer at a time ----------------------------------------------------------------------
    def __enter__(self) -> OutputFolder:
        self.path.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(self.path / LOCK, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            raise FileExistsError(f"another bayes_scaling save is writing to {self.path} (it holds {LOCK}; remove "
                                  "that file if no save is running)") from None
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        self._locked = True
        return self

    def __exit__(self, *exc) -> None:
        if self._locked:
            (self.path / LOCK).unlink(missing_ok=True)
            self._locked = False


def _safe(name: str) -> bool:
    """A relative path inside the folder: no absolute path, no ``..``, no empty part."""
    p = Path(name)
    return bool(name) and not p.is_absolute() and all(part not in ("", ".", "..") for part in p.parts)
