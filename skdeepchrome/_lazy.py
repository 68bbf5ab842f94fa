"""Faces that import what they name on first use (PEP 562).

``import skdeepchrome``, ``skdeepchrome.genome`` and ``skdeepchrome.baselines`` stay light
this way: the command line's ``--help`` and option checks read names without loading
torch, pandas or scikit-learn.
"""

from __future__ import annotations

import sys
from importlib import import_module


def lazy_face(package, table):
    """``(__getattr__, __dir__)`` for ``package`` whose names ``table`` maps to modules.

    ``table`` maps each public name to the module defining it, relative to ``package``.
    A name is imported on first use and then kept in the package's namespace, so later
    look-ups cost nothing.

    Examples
    --------
    >>> getattr_, dir_ = lazy_face("json", {"dumps_again": ".decoder"})
    >>> getattr_("nothing")
    Traceback (most recent call last):
    ...
    AttributeError: module 'json' has no attribute 'nothing'
    """

    def __getattr__(name):
        if name not in table:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(table[name], package), name)
        setattr(sys.modules[package], name, value)  # later look-ups skip this function
        return value

    def __dir__():
        return sorted(set(vars(sys.modules[package])) | set(table))

    return __getattr__, __dir__
