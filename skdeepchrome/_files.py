"""Report folders: checked before any work, filled whole, and never left with stale files.

A command first calls :func:`check_output_folder` (so a bad ``--out`` fails before the
models train), then writes everything into a hidden staging folder beside the target
with :class:`StagedFolder`. Only when the command has finished are the staged files moved
in, replacing the package's own files of an earlier run and removing those this run did
not write again (a picture from a run with plots, say, after one without). An interrupted
or failed run leaves the target as it was.

One file is written by :func:`atomic_path`: under a temporary name, renamed into place
only once it is complete.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import uuid
from pathlib import Path

#: The file, inside a report folder, that lists the files the package wrote there.
MANIFEST = ".skdeepchrome-files"


def check_output_folder(path, option="--out"):
    """Raise a one-line error unless ``path`` is, or can become, a writable folder.

    Nothing is left behind: folders created to test writability are removed again.

    Parameters
    ----------
    path : str or Path
    option : str, default="--out"
        How the error names the setting.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     check_output_folder(Path(tmp) / "new" / "report")
    ...     sorted(Path(tmp).iterdir())
    []
    >>> check_output_folder("/proc/nope")
    Traceback (most recent call last):
    ...
    ValueError: --out /proc/nope: cannot create this folder (...).
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ValueError(f"{option} {path}: is a file, not a folder; name a folder for the "
                         "report.")
    missing = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise ValueError(f"{option} {path}: {probe} is a file, so the folder cannot be made.")
    try:
        path.mkdir(parents=True, exist_ok=True)
        test = path / f".write-test-{uuid.uuid4().hex[:8]}"
        test.write_bytes(b"")
        test.unlink()
    except OSError as exc:
        reason = exc.strerror or errno.errorcode.get(exc.errno, str(exc))
        verb = "cannot write into" if path.is_dir() and not missing else "cannot create"
        raise ValueError(f"{option} {path}: {verb} this folder ({reason.lower()}).") from None
    finally:
        for folder in missing:  # deepest first
            with contextlib.suppress(OSError):
                folder.rmdir()


def prune_stale(folder, written, own):
    """Remove the package's files in ``folder`` that this run did not write.

    Parameters
    ----------
    folder : Path
    written : iterable of str
        File names written this run.
    own : iterable of str
        Names the package writes there (whether or not this run did); files listed in an
        earlier run's manifest count too.

    Returns
    -------
    list of str
        The names removed.
    """
    folder = Path(folder)
    names = set(own) | set(read_manifest(folder))
    removed = []
    for name in sorted(names - set(written)):
        candidate = folder / name
        # Only plain files directly in the folder: a manifest entry cannot reach outside it.
        if "/" in name or name in ("", ".", "..") or not candidate.is_file():
            continue
        candidate.unlink()
        removed.append(name)
    return removed


def read_manifest(folder):
    """The file names an earlier run recorded in ``folder`` (empty when none)."""
    try:
        return [line for line in (Path(folder) / MANIFEST).read_text().splitlines() if line]
    except (OSError, UnicodeDecodeError):
        return []


def write_manifest(folder, names):
    """Record ``names`` as the package's files in ``folder``."""
    (Path(folder) / MANIFEST).write_text("".join(f"{n}\n" for n in sorted(names)))


class StagedFolder:
    """Write a command's outputs beside ``path`` and move them in only on success.

    Parameters
    ----------
    path : str or Path
        The report folder.
    own : iterable of str
        Every file name the command may write there: those of an earlier run that this
        run does not write again are removed on :meth:`commit`.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     out = Path(tmp) / "report"
    ...     out.mkdir()
    ...     _ = (out / "old.png").write_text("stale")
    ...     _ = (out / "notes.txt").write_text("the user's")
    ...     with StagedFolder(out, own=["old.png", "a.csv"]) as stage:
    ...         _ = (stage.path / "a.csv").write_text("new")
    ...         _ = stage.commit()
    ...     sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    ['a.csv', 'notes.txt']
    """

    def __init__(self, path, own=()):
        self.target = Path(path)
        self.own = set(own)
        self.path = None
        self._created = []

    def __enter__(self):
        check_output_folder(self.target)
        probe = self.target.parent
        while not probe.exists():
            self._created.append(probe)
            probe = probe.parent
        self.target.parent.mkdir(parents=True, exist_ok=True)
        # A sibling, so that moving files in is a rename on one file system.
        self.path = self.target.parent / f".{self.target.name}.partial-{uuid.uuid4().hex[:8]}"
        self.path.mkdir()
        return self

    def commit(self):
        """Move the staged files into the folder; returns ``{name: final path}``."""
        self.target.mkdir(exist_ok=True)
        names = sorted(p.name for p in self.path.iterdir()
                       if p.is_file() and p.name != MANIFEST)
        prune_stale(self.target, names, self.own)
        for name in names:
            os.replace(self.path / name, self.target / name)
        write_manifest(self.target, names)
        self._created = []
        return {name: self.target / name for name in names}

    def __exit__(self, *exc_info):
        if self.path is not None:
            shutil.rmtree(self.path, ignore_errors=True)
        for folder in self._created:  # deepest first; only those this run made
            with contextlib.suppress(OSError):
                folder.rmdir()
        return False


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path next to ``path``; on success rename it to ``path``.

    A reader never sees a half-written file: either the old file (or none) or the new
    one, also after a crash or power cut (the file is flushed to the disk before the
    rename, the folder after it). If the body raises, the temporary file is removed and
    ``path`` is untouched.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     with atomic_path(Path(tmp) / "out.txt") as part:
    ...         _ = part.write_text("done")
    ...     sorted(p.name for p in Path(tmp).iterdir())
    ['out.txt']
    """
    path = Path(path)
    parent = path.parent
    if not parent.is_dir():
        raise FileNotFoundError(f"Cannot write {path}: folder {parent} does not exist.")
    # Same folder, so the final os.replace is an atomic rename on one file system; the
    # leading dot keeps the partial file out of globs such as "*.csv".
    part = parent / f".{path.name}.{uuid.uuid4().hex[:12]}.part"
    try:
        yield part
        # The data reach the disk before the rename makes them the file, and the rename
        # reaches it before we return: a crash or power cut leaves the old file or the
        # whole new one, never a renamed file with missing blocks.
        _fsync(part)
        os.replace(part, path)
        _fsync(parent, folder=True)
    finally:
        with contextlib.suppress(FileNotFoundError):
            part.unlink()


def _fsync(path, folder=False):
    """Flush ``path`` (a file, or a folder's entries) to the disk.

    Windows cannot open a folder for this; its renames are flushed by the file system.
    """
    if folder and os.name == "nt":  # pragma: no cover - POSIX in CI
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
