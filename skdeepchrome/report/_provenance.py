"""What a report records of how it was made: versions and a fingerprint of the data."""

from __future__ import annotations

import hashlib
import platform
from importlib import metadata
from pathlib import Path

from .. import __version__

#: Packages whose versions a report records (those missing are listed as such).
RECORDED = ("skdeepchrome", "torch", "scikit-learn", "skorch", "numpy", "pandas")


def versions():
    """``{package: version}`` of Python and the packages results depend on.

    torch's version is read from its metadata, so recording it does not import torch.

    Examples
    --------
    >>> sorted(versions())[:2]
    ['numpy', 'pandas']
    """
    found = {"python": platform.python_version()}
    for name in RECORDED:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"

    found["skdeepchrome"] = __version__  # the code that ran, whatever is installed
    return found


def data_fingerprint(path, length=16):
    """A short SHA-256 over the bytes (and relative names) of a file or a folder's files.

    Two runs on the same data print the same fingerprint; change one value in one file and
    it differs. Hidden files are left out.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = open(os.path.join(tmp, "a.csv"), "w").write("1,2\\n")
    ...     len(data_fingerprint(tmp))
    16
    """
    path = Path(path)
    digest = hashlib.sha256()
    files = [path] if path.is_file() else sorted(
        p for p in path.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
    )
    for file in files:
        digest.update(str(file.relative_to(path) if file != path else file.name).encode())
        with open(file, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:length]
