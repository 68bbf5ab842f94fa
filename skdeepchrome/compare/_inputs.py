"""What a comparison accepts as input: the task, the target and the signal matrix.

Each check turns a user's array into what the harness fits on, or stops with a message that
names the problem (a continuous target given for classification, one class, NaN rows).
"""

from __future__ import annotations

import numpy as np
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import Bunch
from sklearn.utils.multiclass import type_of_target

from ..baselines import TASKS
from ..layout import declared_bin_size, infer_marks


def check_task(task):
    """``task`` if it is ``"classification"`` or ``"regression"``, else a clear error."""
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS} (or 'auto' where offered), got {task!r}.")
    return task


def resolve_task(y, task):
    """``"classification"`` or ``"regression"``; ``"auto"`` calls a continuous ``y`` the latter.

    Examples
    --------
    >>> resolve_task([0.5, 1.7, 3.2], "auto"), resolve_task([0, 1, 1], "auto")
    ('regression', 'classification')
    """
    if task == "auto":
        y = np.asarray(y)
        numeric = y.dtype.kind in "fiu"
        return "regression" if numeric and type_of_target(y) == "continuous" else "classification"
    return check_task(task)


def check_continuous_target(y, name="y"):
    """A finite, non-constant float target for regression; clear errors for anything else.

    Examples
    --------
    >>> check_continuous_target([0.0, 2.5, 1.0]).dtype
    dtype('float64')
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{name} must be 1-D with one value per gene, got shape {y.shape}.")
    if y.dtype.kind not in "biuf":
        raise ValueError(
            f"{name} must be numeric for regression (e.g. log1p expression), got dtype "
            f"{y.dtype}: {y[:3].tolist()}."
        )
    y = y.astype(np.float64)
    if not np.isfinite(y).all():
        bad = np.flatnonzero(~np.isfinite(y))
        raise ValueError(f"{name} contains NaN or infinity for {len(bad)} genes "
                         f"(positions {bad[:5].tolist()}).")
    if len(y) and np.ptp(y) == 0:
        raise ValueError(
            f"{name} is constant ({y[0]:g} for every gene): there is nothing to regress, and "
            "R² and correlations are undefined."
        )
    return y


def check_binary_target(y, name="y"):
    """Encode a two-class target to 0/1; clear errors for anything else."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{name} must be 1-D with one label per gene, got shape {y.shape}.")
    kind = type_of_target(y)
    if kind == "continuous":
        raise ValueError(
            f"{name} is continuous; the comparison needs two classes (e.g. "
            "binarize_expression(values) for expression above the median), or pass "
            "task='regression' (or 'auto') to regress it."
        )
    encoder = LabelEncoder().fit(y)
    if len(encoder.classes_) != 2:
        raise ValueError(
            f"{name} must hold exactly two classes, got {len(encoder.classes_)}: "
            f"{encoder.classes_.tolist()[:5]}."
        )
    return encoder.transform(y), encoder.classes_


def check_target(y, task, name="y"):
    """``(y, classes)``: a regression's float target (``classes`` None), else two classes
    encoded 0/1 (:func:`check_binary_target`)."""
    if task == "regression":
        return check_continuous_target(y, name), None
    return check_binary_target(y, name)


def check_matrix(X, name="X"):
    """Finite 2-D float matrix (3-D input is flattened mark-major)."""
    marks = infer_marks(X)
    X = np.asarray(X, dtype=np.float32)
    if X.ndim == 3:
        X = X.reshape(len(X), -1)
    if X.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n_genes, n_marks * n_bins), got shape {X.shape}.")
    if not np.isfinite(X).all():
        bad = np.unique(np.nonzero(~np.isfinite(X))[0])
        raise ValueError(f"{name} contains NaN or infinity in {len(bad)} genes (rows {bad[:5]}).")
    return X, marks


SPLITS = ("train", "valid", "test")


def expression_target(data):
    """The epigenome ``data`` with each split's continuous ``expression`` as its ``target``.

    For the regression protocol on epigenomes that carry both a label and ``expression``
    (the simulator's). ``posterior`` (a classification ceiling) is dropped.

    Parameters
    ----------
    data : Bunch or callable
        An epigenome Bunch with ``train``, ``valid``, ``test``, or a loader returning one;
        ``functools.partial(expression_target, loader)`` keeps it lazy.

    Returns
    -------
    Bunch

    Examples
    --------
    >>> from skdeepchrome.datasets import simulate_epigenome
    >>> epi = expression_target(simulate_epigenome(n_genes=(40, 20, 20), random_state=0))
    >>> epi.test.target.dtype, "posterior" in epi.test
    (dtype('float64'), False)
    """
    if callable(data):
        data = data()
    name = data.get("epigenome", "epigenome")
    out = Bunch(**data)
    for split in SPLITS:
        if split not in data:
            continue  # evaluate_epigenome names the missing split
        expression = data[split].get("expression")
        if expression is None:
            raise ValueError(
                f"Epigenome {name!r}, split {split!r} has no expression values; regression "
                "needs them (an npz dataset extracted with --expression, or the simulator)."
            )
        part = Bunch(**data[split])
        part.pop("posterior", None)
        part["target"] = np.asarray(expression, dtype=float)
        out[split] = part
    return out


def check_splits(data, name, task="classification"):
    missing = [s for s in SPLITS if s not in data]
    if missing:
        raise ValueError(f"Epigenome {name!r} lacks the split(s) {missing}; need {SPLITS}.")
    out = {}
    for split in SPLITS:
        X, _ = check_matrix(data[split]["data"], name=f"{name}/{split} data")
        y, classes = check_target(data[split]["target"], task, name=f"{name}/{split} target")
        if len(X) != len(y):
            raise ValueError(f"{name}/{split}: {len(X)} genes but {len(y)} labels.")
        out[split] = (X, y, classes)
    if task != "regression" and not all(
        np.array_equal(out[s][2], out["train"][2]) for s in SPLITS
    ):
        raise ValueError(f"Epigenome {name!r}: the splits do not share the same two classes.")
    return out


def epigenome_layout(data, name):
    """``(marks, bin_size)`` an epigenome declares: its Bunch's ``marks`` and ``bin_size``,
    else what its train split carries (``None`` for what neither says).

    A ``bin_size`` other than the one the splits carry is an error naming the epigenome.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.utils import Bunch
    >>> split = Bunch(data=np.ones((4, 10)), target=np.array([0, 1, 0, 1]))
    >>> epigenome_layout(Bunch(train=split, marks=("A", "B"), bin_size=500), "E003")
    (('A', 'B'), 500.0)
    >>> epigenome_layout(Bunch(train=split), "E003")
    (None, None)
    """
    marks = data.get("marks")
    if marks is None:
        marks = infer_marks(data["train"]["data"])
    bin_size = declared_bin_size(data["train"]["data"], data.get("bin_size"),
                                 owner=f"{name}'s bin_size")
    return (None if marks is None else tuple(marks)), bin_size


def check_epigenome(data, name="epigenome", task="classification"):
    """Raise the error :func:`evaluate_epigenome` would, without training anything.

    Checks that ``data`` has the three splits, each a finite matrix with one target per
    gene (two shared classes, or a continuous target for regression). A command runs it
    over every epigenome before the first fit, so a bad third epigenome fails at once.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.utils import Bunch
    >>> split = Bunch(data=np.ones((4, 10)), target=np.array([0, 1, 0, 1]))
    >>> check_epigenome(Bunch(train=split, valid=split, test=split))
    >>> bad = Bunch(data=np.full((4, 10), np.nan), target=split.target)
    >>> check_epigenome(Bunch(train=split, valid=split, test=bad), "E003")
    Traceback (most recent call last):
    ...
    ValueError: E003/test data contains NaN or infinity in 4 genes (rows [0 1 2 3]).
    """
    check_splits(data, name, check_task(task))
