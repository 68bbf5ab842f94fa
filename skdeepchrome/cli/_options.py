"""Option spellings shared by the sub-commands: one name, one meaning everywhere.

An option renamed so that a name means the same in every command keeps its old spelling
for one release: it still works, hidden from ``--help``, and says on stderr what to type
instead (:func:`add_renamed`). Imports nothing heavy, so ``--help`` stays fast.
"""

from __future__ import annotations

import argparse
import re
import sys

#: ``--n-jobs``' default in every command: every core (1 runs in the command's process).
N_JOBS = -1
N_JOBS_HELP = ("parallel processes (default -1: every core; 1 runs in this process; -2 all "
               "but one)")

#: What argparse takes for a negative number, and also comma lists that start with one
#: (``--window -5000,5000``): otherwise such a value is read as an unknown option.
NEGATIVE_NUMBERS = re.compile(r"^-\d+$|^-\d*\.\d+$|^-\d*\.?\d+(,\s*-?\d*\.?\d+)+$")


class _Renamed(argparse.Action):
    """Store the value under the new option's name and say the old name is deprecated."""

    def __init__(self, option_strings, dest, *, new, why="", **kwargs):
        super().__init__(option_strings, dest, **kwargs)
        self.new, self.why = new, why

    def __call__(self, parser, namespace, values, option_string=None):
        why = f" ({self.why})" if self.why else ""
        print(f"{parser.prog}: {option_string} is deprecated{why} and will be removed in the "
              f"next release; use {self.new}.", file=sys.stderr)
        setattr(namespace, self.dest, values)


def add_renamed(parser, old, new, dest, *, why="", **kwargs):
    """Accept ``old`` for one release as a hidden, deprecated spelling of ``new``.

    Examples
    --------
    >>> import argparse, contextlib, io
    >>> parser = argparse.ArgumentParser(prog="skdeepchrome compare")
    >>> _ = parser.add_argument("--split-sizes", dest="split_sizes")
    >>> add_renamed(parser, "--genes", "--split-sizes", "split_sizes")
    >>> err = io.StringIO()
    >>> with contextlib.redirect_stderr(err):
    ...     parser.parse_args(["--genes", "10,10,10"]).split_sizes
    '10,10,10'
    >>> err.getvalue().split(";")[0]
    'skdeepchrome compare: --genes is deprecated and will be removed in the next release'
    """
    parser.add_argument(old, action=_Renamed, dest=dest, new=new, why=why,
                        default=argparse.SUPPRESS, help=argparse.SUPPRESS, **kwargs)


def add_n_jobs(parser, what=""):
    """``--n-jobs``, with the default and meaning every command shares."""
    parser.add_argument("--n-jobs", type=int, default=N_JOBS,
                        help=N_JOBS_HELP if not what else f"{what}: {N_JOBS_HELP}")
