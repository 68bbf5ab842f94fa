"""Old import paths kept for one release: a module whose names moved forwards them, warning.

The package was laid out anew (subpackages by role). A module of the old
layout that the README, the user guide or the gallery taught keeps working for one release:
each of its names, when used, warns with a ``FutureWarning`` naming the new home and
returns the object from there. Importing the old module alone does not warn, so doctest
collection and ``import *``-free code stay quiet.
"""

from __future__ import annotations

import importlib
import warnings


def forwarding(old_module, moved):
    """A module ``__getattr__`` forwarding the names of ``moved`` (name -> new module).

    Examples
    --------
    >>> import warnings
    >>> __getattr__ = forwarding("old", {"sqrt": "math"})
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     __getattr__("sqrt")(4.0)
    2.0
    >>> str(caught[0].message)
    'old.sqrt moved to math.sqrt; import it from there (the old path goes in the next release).'
    """

    def __getattr__(name):
        if name not in moved:
            raise AttributeError(f"module {old_module!r} has no attribute {name!r}")
        warnings.warn(f"{old_module}.{name} moved to {moved[name]}.{name}; import it from "
                      "there (the old path goes in the next release).", FutureWarning,
                      stacklevel=2)
        return getattr(importlib.import_module(moved[name]), name)

    return __getattr__
