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


def check_output_folder(path, option="--out", own=()):
    """Raise a one-line error unless ``path`` is, or can become, a writable folder.

    Nothing is left behind: folders created to test writability are removed again. A
    folder that holds a file of one of the ``own`` names which the package did not write
    there is refused too (see :func:`refuse_foreign`).

    Parameters
    ----------
    path : str or Path
    option : str, default="--out"
        How the error names the setting.
    own : iterable of str, default=()
        The names the command will write into the folder.

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
    refuse_foreign(path, own, option)


def foreign_files(folder, names):
    """Those of ``names`` that are files in ``folder`` the package did not write there.

    What the package wrote is what the folder's manifest (:data:`MANIFEST`) lists; a file
    of one of its names that is not listed is someone else's, whatever its name.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = (Path(tmp) / "results.csv").write_text("the user's")
    ...     foreign_files(tmp, ["results.csv", "report.md"])
    ['results.csv']
    """
    folder = Path(folder)
    ours = set(read_manifest(folder))
    return sorted(n for n in set(names) if n not in ours and (folder / n).is_file())


def refuse_foreign(folder, names, option="--out"):
    """Raise a one-line ``ValueError`` if writing ``names`` into ``folder`` would replace a
    file the package did not write there."""
    foreign = foreign_files(folder, names)
    if foreign:
        raise ValueError(
            f"{option} {folder}: holds {', '.join(foreign)}, which skdeepchrome did not "
            f"write there; it replaces only its own files (those listed in {MANIFEST}). "
            "Choose another folder, or move those files."
        )


def prune_stale(folder, written):
    """Remove the files an earlier run wrote in ``folder`` that this run did not write.

    Only files the folder's manifest lists are removed: never a file the package did not
    write there.

    Parameters
    ----------
    folder : Path
    written : iterable of str
        File names written this run.

    Returns
    -------
    list of str
        The names removed.
    """
    folder = Path(folder)
    removed = []
    for name in sorted(set(read_manifest(folder)) - set(written)):
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
        Every file name the command may write there. A folder holding a file of one of
        these names that the package did not write is refused (before any work, and
        again on :meth:`commit`); an earlier run's files that this run does not write
        again are removed on :meth:`commit`.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     out = Path(tmp) / "report"
    ...     out.mkdir()
    ...     _ = (out / "old.png").write_text("stale")  # written by an earlier run:
    ...     write_manifest(out, ["old.png"])
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
        check_output_folder(self.target, own=self.own)
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
        refuse_foreign(self.target, names)  # a file may have appeared while the run ran
        prune_stale(self.target, names)
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
