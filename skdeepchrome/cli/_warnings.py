"""Warnings during a command: each distinct one once, as a clean line, above any bar."""

from __future__ import annotations

import contextlib
import sys
import warnings


@contextlib.contextmanager
def each_warning_once(prog, file=None):
    """Show every distinct warning once per run as ``"<prog>: warning: <message>"``.

    No source path or line is printed: those help the package's developers, not the person
    at the shell. A line printed while a tqdm bar is drawn goes above the bar.

    Parameters
    ----------
    prog : str
        E.g. ``"skdeepchrome compare"``.
    file : file-like, optional
        Default ``sys.stderr`` at the time of each warning.

    Examples
    --------
    >>> import sys, warnings
    >>> with each_warning_once("skdeepchrome demo", file=sys.stdout):
    ...     for _ in range(3):
    ...         warnings.warn("early stopping after 2 epochs")
    skdeepchrome demo: warning: early stopping after 2 epochs
    """
    seen = set()

    def show(message, category, filename, lineno, file_=None, line=None):
        text = " ".join(str(message).split())
        if (category, text) in seen:
            return
        seen.add((category, text))
        out = file or sys.stderr
        line = f"{prog}: warning: {text}"
        try:
            from tqdm import tqdm

            tqdm.write(line, file=out)
        except ImportError:  # pragma: no cover - tqdm is a dependency
            print(line, file=out)

    with warnings.catch_warnings():
        # "always": the de-duplication is ours, by message, not Python's by source line.
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", category=PendingDeprecationWarning)
        warnings.showwarning = show
        yield
