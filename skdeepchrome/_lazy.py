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


class LazyModule:
    """A module imported when one of its names is first read.

    For a module that only a rarer path needs, where a face's table does not fit: a
    private module that a sibling calls into. ``_checks = LazyModule("._checks",
    __package__)`` at the top of the caller, then ``_checks.check_model(...)`` imports
    it on that first call (and looks it up in ``sys.modules`` on later ones, so a test
    that patches the module is seen).

    Examples
    --------
    >>> decoder = LazyModule(".decoder", "json")
    >>> decoder.JSONDecoder().decode("[1]")
    [1]
    """

    def __init__(self, name, package=None):
        self._name, self._package = name, package

    def __getattr__(self, name):
        return getattr(import_module(self._name, self._package), name)

    def __repr__(self):
        return f"<LazyModule {self._name!r} of {self._package!r}>"
