"""Progress on by default, ``--quiet`` off; ``--progress`` is an old spelling of the default.

A command sent to a file (``nohup``, ``tee``, a cluster job) used to print nothing until
it ended, because its bar was drawn only on a terminal. Every long command now reports as
it goes (a bar on a terminal, timestamped lines elsewhere: ``skdeepchrome._progress``);
``--quiet`` is the one switch that silences it.
"""

from __future__ import annotations

import warnings

PROGRESS_HELP = ("accepted for old scripts: progress is shown by default (a bar on a "
                 "terminal, timestamped lines with an estimate of the time left in a file "
                 "or a log); --quiet turns it off")


def shows_progress(args):
    """Whether the command reports its progress: yes unless ``--quiet``.

    ``--progress`` (once needed off a terminal) is the default now; it is accepted with a
    one-line deprecation notice, and ``--quiet`` still wins over it.
    """
    if getattr(args, "progress", False):
        # FutureWarning, not DeprecationWarning: the command line shows it to the user.
        warnings.warn("--progress is the default now and will be removed in a later "
                      "release; --quiet turns progress off.", FutureWarning, stacklevel=2)
    return not args.quiet
