"""A command's imports, without the garbage collector's pauses.

A sub-command imports its libraries when it runs (``--help`` stays light); for
``predict`` that is torch, scikit-learn with scipy and pandas, and skorch: about a
million objects, none of them garbage. At the default thresholds Python's cyclic
collector walks that growing heap again and again while they load, and the interpreter
walks it all once more when it exits. :func:`importing` pauses the collector for the
imports and then freezes what they made (``gc.freeze``): no later collection walks the
modules' objects, the one at exit included. Measured on a cold ``skdeepchrome predict``
(200 genes, the recommended model, a loaded machine): pausing and freezing takes its CPU
time from 2.9 s to 2.1 s; pausing alone saves nothing (the first collection after it
walks everything the imports made), nor does unfreezing before the exit.

:func:`command_heap` scopes the freeze to the command: the program (``main()`` reading
``sys.argv``) keeps its imports frozen until the process ends; a Python caller of
``main(argv)`` (a test, a notebook) gets its collector back as it was.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def importing():
    """Pause the cyclic garbage collector for a block of imports, then freeze their objects.

    Whatever the block makes stays alive (modules, classes, functions); cyclic garbage
    made later is collected as usual. The collector is left on or off as it was found.
    Use inside :func:`command_heap`, which undoes the freeze for a Python caller.

    Examples
    --------
    >>> import gc
    >>> with command_heap(own_process=False):
    ...     with importing():
    ...         import json
    ...         paused = not gc.isenabled()
    ...     frozen = gc.get_freeze_count() > 0
    >>> paused, frozen, gc.isenabled()
    (True, True, True)
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


@contextmanager
def command_heap(own_process):
    """The scope of a command's frozen imports (see :func:`importing`).

    ``own_process``: the command is the program (it ends when the command does), so its
    imports stay frozen: unfreezing would make the interpreter's exit collection walk
    them. Otherwise what the command froze is unfrozen when it ends, unless the caller
    had frozen objects of its own before (they cannot be told apart; all stay frozen).

    Examples
    --------
    >>> import gc
    >>> with command_heap(own_process=False):
    ...     gc.freeze()
    >>> gc.get_freeze_count()
    0
    """
    before = gc.get_freeze_count()
    try:
        yield
    finally:
        if not own_process and before == 0:
            gc.unfreeze()
