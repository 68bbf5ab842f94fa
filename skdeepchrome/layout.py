"""The one array layout shared by every part of skdeepchrome.

Histone signal around a gene's TSS is a ``(n_marks, n_bins)`` matrix. scikit-learn
wants 2-D samples, so a set of genes travels as a *mark-major* 2-D array of shape
``(n_genes, n_marks * n_bins)``: the first ``n_bins`` columns hold the first mark
from upstream to downstream, the next ``n_bins`` the second mark, and so on. This is
exactly ``X3.reshape(n_genes, -1)`` for a 3-D array ``X3`` of shape
``(n_genes, n_marks, n_bins)``, so conversions are free views.

Feature names are ``"{mark}_bin{index:03d}"`` with a 0-based bin index, so
``"H3K4me3_bin017"`` is ``X3[:, marks.index("H3K4me3"), 17]``.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np

#: Mark order of the REMC/DeepChrome release CSV files.
REMC_MARKS = ("H3K27me3", "H3K36me3", "H3K4me1", "H3K4me3", "H3K9me3")
#: Bins per mark in the release: 100 bins of 100 bp over TSS +/- 5 kb.
REMC_N_BINS = 100


def resolve_marks(marks, n_features=None):
    """Return mark names as a tuple of strings.

    Parameters
    ----------
    marks : int or sequence of str
        A count (names become ``"mark0"``, ``"mark1"``, ...) or the names themselves.
    n_features : int, optional
        When given, the number of columns the marks must divide evenly.

    Returns
    -------
    tuple of str

    Examples
    --------
    >>> resolve_marks(2)
    ('mark0', 'mark1')
    >>> resolve_marks(["H3K4me3", "H3K27me3"], n_features=200)
    ('H3K4me3', 'H3K27me3')
    """
    if isinstance(marks, Integral) and not isinstance(marks, bool):
        if marks < 1:
            raise ValueError(f"marks must be a positive count or a list of names, got {marks!r}.")
        names = tuple(f"mark{i}" for i in range(int(marks)))
    elif isinstance(marks, str) or marks is None:
        raise ValueError(
            f"marks must be a positive count or a sequence of mark names, got {marks!r}."
        )
    else:
        names = tuple(str(m) for m in marks)
        if not names:
            raise ValueError("marks must name at least one mark, got an empty sequence.")
        dupes = sorted({m for m in names if names.count(m) > 1})
        if dupes:
            raise ValueError(f"marks contains duplicated names: {dupes}.")
    if n_features is not None and n_features % len(names) != 0:
        raise ValueError(
            f"X has {n_features} features, which is not divisible by the {len(names)} marks "
            f"{list(names)}; the mark-major layout needs n_features = n_marks * n_bins."
        )
    return names


def feature_names(marks, n_bins):
    """Mark-major feature names, ``"{mark}_bin{index:03d}"``.

    Examples
    --------
    >>> feature_names(["H3K4me3", "H3K27me3"], 2).tolist()
    ['H3K4me3_bin000', 'H3K4me3_bin001', 'H3K27me3_bin000', 'H3K27me3_bin001']
    """
    width = max(3, len(str(max(n_bins - 1, 0))))
    return np.asarray(
        [f"{m}_bin{b:0{width}d}" for m in marks for b in range(n_bins)], dtype=object
    )


class HistoneMatrix(np.ndarray):
    """A mark-major 2-D array that remembers its ``marks`` and ``n_bins``.

    It is an ordinary ``ndarray`` in every respect; the two attributes only let the next
    step of a pipeline recover the layout without being told. Row selections and
    element-wise operations keep them; anything that changes the number of columns drops
    them (they become ``None``).

    Examples
    --------
    >>> import numpy as np
    >>> X = HistoneMatrix(np.zeros((3, 4)), marks=("H3K4me3", "H3K27me3"), n_bins=2)
    >>> X[1:].marks, np.log1p(X).n_bins, X[:, :2].marks
    (('H3K4me3', 'H3K27me3'), 2, None)
    """

    def __new__(cls, array, marks, n_bins):
        obj = np.asarray(array).view(cls)
        obj.marks = tuple(marks)
        obj.n_bins = int(n_bins)
        if obj.ndim != 2 or obj.shape[1] != len(obj.marks) * obj.n_bins:
            raise ValueError(
                f"A HistoneMatrix of {len(obj.marks)} marks x {n_bins} bins needs shape "
                f"(n_genes, {len(obj.marks) * obj.n_bins}), got {obj.shape}."
            )
        return obj

    def __array_finalize__(self, obj):
        marks = getattr(obj, "marks", None)
        n_bins = getattr(obj, "n_bins", None)
        if marks is None or self.ndim != 2 or self.shape[1] != len(marks) * n_bins:
            marks = n_bins = None
        self.marks = marks
        self.n_bins = n_bins

    def __reduce__(self):
        constructor, args, state = super().__reduce__()
        return constructor, args, (state, self.marks, self.n_bins)

    def __setstate__(self, state):
        array_state, self.marks, self.n_bins = state
        super().__setstate__(array_state)


def infer_marks(X):
    """Mark names carried by ``X`` itself, or ``None`` when it carries none.

    Reads a :class:`HistoneMatrix`'s ``marks``, a 3-D array's mark axis, or DataFrame
    columns named ``"{mark}_bin{index}"`` (HistoneBinner's pandas output).

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> infer_marks(pd.DataFrame(np.zeros((1, 4)), columns=feature_names(["A", "B"], 2)))
    ('A', 'B')
    >>> infer_marks(np.zeros((2, 6))) is None
    True
    >>> infer_marks(pd.DataFrame(np.zeros((1, 2)), columns=["A_bin000", "A_bin002"])) is None
    True
    """
    marks = getattr(X, "marks", None)
    if marks is not None and getattr(X, "n_bins", None) is not None:
        return tuple(marks)
    ndim = getattr(X, "ndim", None)
    if ndim == 3:
        n_marks = X.shape[1]
        return REMC_MARKS if n_marks == len(REMC_MARKS) else resolve_marks(n_marks)
    columns = getattr(X, "columns", None)
    if columns is None:
        return None
    names, bins = [], []
    for column in map(str, columns):
        mark, sep, index = column.rpartition("_bin")
        if not sep or not index.isdigit():
            return None
        if not names or names[-1] != mark:
            names.append(mark)
            bins.append([])
        bins[-1].append(int(index))
    if not names or len(set(names)) != len(names):
        return None
    # Every mark must keep all its bins, in order: a column selection (SelectKBest) that
    # kept some bins of each mark has lost the layout even if the counts happen to agree.
    if any(b != list(range(len(bins[0]))) for b in bins):
        return None
    return tuple(names)


def to_3d(X, n_marks):
    """View a mark-major 2-D array as ``(n_genes, n_marks, n_bins)``.

    A 3-D input is returned unchanged (after checking its mark count).

    Examples
    --------
    >>> import numpy as np
    >>> to_3d(np.arange(12).reshape(2, 6), 3).shape
    (2, 3, 2)
    """
    X = np.asarray(X) if not hasattr(X, "reshape") else X
    if X.ndim == 3:
        if X.shape[1] != n_marks:
            raise ValueError(
                f"3-D input has {X.shape[1]} marks on axis 1 but {n_marks} marks were declared."
            )
        return X
    if X.ndim != 2:
        raise ValueError(
            f"Expected a 2-D (n_genes, n_marks * n_bins) or 3-D (n_genes, n_marks, n_bins) "
            f"array, got {X.ndim}-D with shape {X.shape}."
        )
    if X.shape[1] % n_marks != 0:
        raise ValueError(
            f"X has {X.shape[1]} features, which is not divisible by {n_marks} marks."
        )
    return X.reshape(X.shape[0], n_marks, X.shape[1] // n_marks)


def to_2d(X3):
    """Flatten ``(n_genes, n_marks, n_bins)`` to the mark-major 2-D layout.

    Examples
    --------
    >>> import numpy as np
    >>> to_2d(np.zeros((4, 5, 100))).shape
    (4, 500)
    """
    X3 = np.asarray(X3)
    if X3.ndim != 3:
        raise ValueError(f"Expected a 3-D (n_genes, n_marks, n_bins) array, got shape {X3.shape}.")
    return X3.reshape(X3.shape[0], -1)


def flatten_declared_marks(X, marks):
    """A transformer's input made 2-D: a 3-D array must hold the declared ``marks`` on axis 1.

    2-D input (an array or a DataFrame) is returned as it is, for
    :func:`sklearn.utils.validation.validate_data` to check; a list becomes an array.

    Examples
    --------
    >>> import numpy as np
    >>> flatten_declared_marks(np.zeros((4, 5, 100)), REMC_MARKS).shape
    (4, 500)
    >>> flatten_declared_marks(np.zeros((4, 2, 10)), ["H3K4me3"])
    Traceback (most recent call last):
    ...
    ValueError: 3-D input has 2 marks on axis 1 but marks=['H3K4me3'] declares 1.
    """
    if not hasattr(X, "ndim") and not hasattr(X, "iloc"):
        X = np.asarray(X)
    if X.ndim == 3:
        n_marks = len(resolve_marks(marks))
        if X.shape[1] != n_marks:
            raise ValueError(f"3-D input has {X.shape[1]} marks on axis 1 but "
                             f"marks={marks!r} declares {n_marks}.")
        X = X.reshape(X.shape[0], -1)
    return X
