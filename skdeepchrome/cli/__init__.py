"""The ``skdeepchrome`` command.

Each sub-command lives in its own module of this package and exposes
``add_parser(subparsers)``, which registers the sub-command and sets ``func`` to the
callable that runs it. This module only wires them together, and gives every command
the same manners: an error is one line of its own, naming the command's flags, with
exit status 2; each distinct warning is shown once; Ctrl-C ends the workers and says
what was kept (``compare`` keeps its finished units for ``--resume``; exit status 130);
a run stopped by a failed fit names it in one line (exit status 1).
"""

from __future__ import annotations

import argparse
import importlib
import pickle
import pkgutil
import shlex
import sys

from .. import __version__
from ._messages import in_cli_terms
from ._options import NEGATIVE_NUMBERS
from ._report import CommandScope
from ._startup import command_heap
from ._warnings import each_warning_once

#: Exit status of a usage or input error (argparse's), and of an interrupt (128 + SIGINT).
USAGE_ERROR, INTERRUPTED = 2, 130
#: Exit status of a command stopped by SIGTERM (128 + SIGTERM), cleaned up as on Ctrl-C.
TERMINATED = 143
#: Exit status of a run stopped by a failed fit (the finished units are kept).
FAILED = 1


def _notes(exc):
    """The notes a run added to an error (where it happened, what was kept)."""
    return [str(note) for note in getattr(exc, "__notes__", ())]


class UsageError(Exception):
    """A mistake in the command line itself, raised by the parser instead of exiting."""

    def __init__(self, prog, message):
        super().__init__(message)
        self.prog = prog


class OneLineParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line (no usage block) and do not exit.

    A value that starts with a negative number, a comma list included (``--window
    -5000,5000``), is a value, not an unknown option.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # argparse's own pattern (a private attribute, the only hook it offers) takes
        # -5000 for a number but -5000,5000 for an option.
        self._negative_number_matcher = NEGATIVE_NUMBERS

    def error(self, message):
        raise UsageError(self.prog, message)


def _command_modules():
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            yield importlib.import_module(f"{__name__}.{info.name}")


def build_parser():
    """Return the argument parser with every sub-command registered."""
    parser = OneLineParser(
        prog="skdeepchrome",
        description="DeepChrome and its baselines on histone-modification data.",
    )
    parser.add_argument("--version", action="version", version=f"skdeepchrome {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in _command_modules():
        module.add_parser(subparsers)
    return parser


def _say_error(prog, message):
    # A progress bar may own the current line: start a fresh one so the error stands alone.
    fresh = "\r\x1b[K" if sys.stderr.isatty() else ""
    print(f"{fresh}{prog}: error: {message}", file=sys.stderr)


def _end_workers():
    """Stop joblib's reusable process pool, so no worker outlives an interrupt."""
    if "joblib" not in sys.modules:
        return  # nothing ran in parallel
    # Private to loky, but the only handle on the pool that joblib reuses between calls.
    from joblib.externals.loky import reusable_executor

    executor = getattr(reusable_executor, "_executor", None)
    if executor is not None:
        executor.shutdown(wait=False, kill_workers=True)


def main(argv=None):
    """Run the command line; returns the process exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        hint = f" (see {exc.prog} --help)" if "--help" not in str(exc) else ""
        _say_error(exc.prog, f"{exc}{hint}")
        return USAGE_ERROR
    prog = f"skdeepchrome {args.command}"
    # Recorded in reports: the command as typed (or as a caller of main passed it).
    args.command_line = shlex.join(["skdeepchrome", *(sys.argv[1:] if argv is None else argv)])
    # One run per report folder, SIGTERM cleaned up as Ctrl-C (see _report.CommandScope).
    scope = CommandScope(args)
    try:
        # A command may freeze its imports out of the garbage collector (see _startup);
        # the program keeps them frozen to its exit, a Python caller of main(argv) not.
        with each_warning_once(prog), scope, command_heap(own_process=argv is None):
            return args.func(args) or 0
    except KeyboardInterrupt as exc:
        _end_workers()
        # A run that records its units says how many it kept (RunInterrupted's message).
        told = str(exc) or "interrupted: nothing written"
        if scope.terminated:
            told = "terminated (SIGTERM)" + told.removeprefix("terminated").removeprefix(
                "interrupted")
        print(f"\n{prog}: {in_cli_terms(told)}", file=sys.stderr)
        return TERMINATED if scope.terminated else INTERRUPTED
    except (ValueError, OSError, KeyError, ImportError, pickle.UnpicklingError) as exc:
        # Bad input is the user's to fix: one clear line, not a traceback.
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        text = " ".join([str(message), *_notes(exc)])
        _say_error(prog, in_cli_terms(" ".join(text.split())))
        return USAGE_ERROR
    except RuntimeError as exc:
        from ..exceptions import UnitFailedError

        if not isinstance(exc, UnitFailedError):
            raise
        _end_workers()
        _say_error(prog, in_cli_terms(" ".join(str(exc).split())))
        return FAILED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
