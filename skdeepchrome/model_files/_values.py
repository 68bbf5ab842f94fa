"""Parameters and fitted attributes as tagged JSON, arrays as plain numeric ``.npy``.

JSON alone loses the difference between a tuple and a list, an int and a string dict key,
and the dtype of an array; a model must come back with the very values it was saved with
(``hidden_sizes=(625, 125)``, ``class_weight={0: 1.0, 1: 3.0}``, string ``classes_``), so
containers carry a one-key tag. Anything that is not data (callables, classes, callbacks,
random generators) is refused: storing it would mean importing or running code on load.
"""

from __future__ import annotations

import math

import numpy as np

#: Array dtype kinds a model file may hold: bool, ints, floats, unicode strings.
ARRAY_KINDS = frozenset("biufU")


class NotStorable(TypeError):
    """A value that is not data; the caller names the parameter that holds it."""


def encode(value, arrays):
    """``value`` as tagged JSON; arrays go into ``arrays`` (name -> ndarray) by reference."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, np.bool_):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value):
            raise NotStorable(f"the non-finite number {value!r}")
        return float(value)
    if isinstance(value, tuple):
        return {"tuple": [encode(v, arrays) for v in value]}
    if isinstance(value, list):
        return {"list": [encode(v, arrays) for v in value]}
    if isinstance(value, dict):
        return {"dict": [[encode(k, arrays), encode(v, arrays)] for k, v in value.items()]}
    if isinstance(value, np.ndarray):
        return {"array": add_array(value, arrays)}
    raise NotStorable(f"{type(value).__module__}.{type(value).__qualname__} {value!r}")


def add_array(array, arrays):
    """Put ``array`` into ``arrays`` under a fresh name; returns its reference (a dict)."""
    name = f"a{len(arrays):04d}"
    dtype = array.dtype
    if dtype.kind == "O":
        # Label encoders and DataFrame columns give object arrays of str: stored as a
        # unicode array, given back as object, so classes_ keeps its exact dtype.
        if not all(isinstance(v, str) for v in array.ravel()):
            kinds = sorted({type(v).__name__ for v in array.ravel()})
            raise NotStorable(f"an object array holding {kinds}")
        arrays[name] = array.astype(str)
        return {"name": name, "dtype": "object"}
    if dtype.kind not in ARRAY_KINDS:
        raise NotStorable(f"an array of dtype {dtype}")
    arrays[name] = np.ascontiguousarray(array)
    return {"name": name, "dtype": dtype.str}


def get_array(reference, arrays):
    array = arrays[reference["name"]]
    if reference["dtype"] == "object":
        return array.astype(object)
    return array.astype(np.dtype(reference["dtype"]), copy=False)


def decode(value, arrays):
    """Inverse of :func:`encode`."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict) and len(value) == 1:
        (tag, content), = value.items()
        if tag == "tuple":
            return tuple(decode(v, arrays) for v in content)
        if tag == "list":
            return [decode(v, arrays) for v in content]
        if tag == "dict":
            return {decode(k, arrays): decode(v, arrays) for k, v in content}
        if tag == "array":
            return get_array(content, arrays)
    raise ValueError(f"an unknown value {value!r}")
