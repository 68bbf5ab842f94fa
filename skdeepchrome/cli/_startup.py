"""A command's imports, without the garbage collector's pauses.

A sub-command imports its libraries when it runs (``--help`` stays light); for
``predict`` that is torch, scikit-learn with scipy and pandas, and skorch: about a
million objects, none of them garbage. At the default thresholds Python's cyclic
collector walks that growing heap again and again while they load, an eighth of a cold
``skdeepchrome predict`` (0.3-0.4 s of CPU). :func:`importing` pauses it for the
imports and then freezes what they made (``gc.freeze``): later collections skip the
modules' objects, so the pause is not paid back at the first one after it.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def importing():
    """Pause the cyclic garbage collector for a block of imports, then freeze their objects.

    Whatever the block makes stays alive (modules, classes, functions); cyclic garbage
    made later is collected as usual. The collector is left as it was found: a caller
    that turned it off keeps it off.

    Examples
    --------
    >>> import gc
    >>> with importing():
    ...     import json
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
