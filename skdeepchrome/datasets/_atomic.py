"""Write a file under a temporary name and rename it into place only once it is complete."""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path next to ``path``; on success rename it to ``path``.

    A reader never sees a half-written file: either the old file (or none) or the new
    one. If the body raises, the temporary file is removed and ``path`` is untouched.

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
        os.replace(part, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            part.unlink()
