"""The one array layout shared by every part of skdeepchrome.

Histone signal around a gene's TSS is a ``(n_marks, n_bins)`` matrix. scikit-learn
wants 2-D samples, so a set of genes travels as a *mark-major* 2-D array of shape
``(n_genes, n_marks * n_bins)``: the first ``n_bins`` columns hold the first mark
from upstream to downstream, the next ``n_bins`` the second mark, and so on. This is
exactly ``X3.reshape(n_genes, -1)`` for a 3-D array ``X3`` of shape
``(n_genes, n_marks, n_bins)``, so conversions are free views.

Feature names are ``"{mark}_bin{index:03d}"`` with a 0-based bin index, so
``"H3K4me3_bin017"`` is ``X3[:, marks.index("H3K4me3"), 17]``.

**Two cells.** A pair of epigenomes travels as *one* mark-major matrix whose "marks" are
the first cell's
marks followed by the second cell's, named ``"{cell}:{mark}"``::

    [E123:H3K27me3 bins ..., E123:H3K36me3 bins ..., ..., E003:H3K27me3 bins ..., ...]

so a pair is ``(n_genes, 2 * n_marks * n_bins)`` in 2-D or ``(n_genes, 2 * n_marks,
n_bins)`` in 3-D: exactly the layout above with ``2 * n_marks`` marks.
Everything that reads that layout (:class:`~skdeepchrome.HistoneBinner`, the neural
estimators, the comparison harness) therefore reads a pair unchanged; feature names say
which cell each column belongs to (``"E123:H3K4me3_bin050"``). Row ``i`` is the same gene
in both cells. :func:`stack_cells` builds the matrix from the two cells' own matrices and
:func:`split_cells` takes it apart.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np

#: Mark order of the REMC/DeepChrome release CSV files.
REMC_MARKS = ("H3K27me3", "H3K36me3", "H3K4me1", "H3K4me3", "H3K9me3")
#: Bins per mark in the release: 100 bins of 100 bp over TSS +/- 5 kb.
REMC_N_BINS = 100
#: Base pairs per bin in the release.
REMC_BIN_SIZE = 100


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
    """A mark-major 2-D array that remembers its ``marks``, ``n_bins`` and ``bin_size``.

    It is an ordinary ``ndarray`` in every respect; the attributes only let the next step
    of a pipeline recover the layout without being told: the marks in column-block order,
    the bins per mark, and the base pairs per bin when known (so a network sizes its filter
    in base pairs, whatever the resolution). Row selections and element-wise operations
    keep them; anything that changes the number of columns drops them (they become
    ``None``).

    Parameters
    ----------
    array : array-like of shape (n_genes, len(marks) * n_bins)
    marks : sequence of str
    n_bins : int
    bin_size : float, optional
        Base pairs per bin; ``None`` when unknown.

    Examples
    --------
    >>> import numpy as np
    >>> X = HistoneMatrix(np.zeros((3, 4)), marks=("H3K4me3", "H3K27me3"), n_bins=2,
    ...                   bin_size=500)
    >>> X[1:].marks, np.log1p(X).n_bins, X[:2].bin_size, X[:, :2].marks
    (('H3K4me3', 'H3K27me3'), 2, 500.0, None)
    """

    def __new__(cls, array, marks, n_bins, bin_size=None):
        obj = np.asarray(array).view(cls)
        obj.marks = tuple(marks)
        obj.n_bins = int(n_bins)
        obj.bin_size = None if bin_size is None else float(bin_size)
        if obj.bin_size is not None and not (np.isfinite(obj.bin_size) and obj.bin_size > 0):
            raise ValueError(f"bin_size must be a positive number of base pairs, got "
                             f"{bin_size!r}.")
        if obj.ndim != 2 or obj.shape[1] != len(obj.marks) * obj.n_bins:
            raise ValueError(
                f"A HistoneMatrix of {len(obj.marks)} marks x {n_bins} bins needs shape "
                f"(n_genes, {len(obj.marks) * obj.n_bins}), got {obj.shape}."
            )
        return obj

    def __array_finalize__(self, obj):
        marks = getattr(obj, "marks", None)
        n_bins = getattr(obj, "n_bins", None)
        bin_size = getattr(obj, "bin_size", None)
        if marks is None or self.ndim != 2 or self.shape[1] != len(marks) * n_bins:
            marks = n_bins = bin_size = None
        self.marks = marks
        self.n_bins = n_bins
        self.bin_size = bin_size

    def __reduce__(self):
        constructor, args, state = super().__reduce__()
        return constructor, args, (state, self.marks, self.n_bins, self.bin_size)

    def __setstate__(self, state):
        # Pickles of earlier versions hold no bin width.
        array_state, self.marks, self.n_bins, *rest = state
        self.bin_size = rest[0] if rest else None
        super().__setstate__(array_state)


def infer_bin_size(X):
    """Base pairs per bin carried by ``X`` (a :class:`HistoneMatrix`), or ``None``.

    Examples
    --------
    >>> import numpy as np
    >>> infer_bin_size(HistoneMatrix(np.zeros((1, 4)), ["A", "B"], 2, bin_size=250))
    250.0
    >>> infer_bin_size(np.zeros((1, 4))) is None
    True
    """
    attrs = getattr(X, "attrs", None)  # a DataFrame of HistoneBinner's pandas output
    if isinstance(attrs, dict) and attrs.get("bin_size") is not None:
        return float(attrs["bin_size"]) if infer_marks(X) is not None else None
    if getattr(X, "marks", None) is None or getattr(X, "n_bins", None) is None:
        return None
    return getattr(X, "bin_size", None)


def declared_bin_size(X, bin_size, owner="bin_size"):
    """The bin width to use for ``X``: ``bin_size`` if given, else the width ``X`` carries.

    Both given and different is an error (data re-binned elsewhere, or a wrong
    ``bin_size``); ``None`` when neither says.

    Examples
    --------
    >>> import numpy as np
    >>> X = HistoneMatrix(np.zeros((1, 4)), ["A", "B"], 2, bin_size=250)
    >>> declared_bin_size(X, None), declared_bin_size(np.zeros((1, 4)), 100)
    (250.0, 100.0)
    >>> declared_bin_size(X, 100)
    Traceback (most recent call last):
    ...
    ValueError: bin_size=100 but X carries bins of 250 bp; leave bin_size=None ...
    """
    carried = infer_bin_size(X)
    if bin_size is not None and carried is not None and float(carried) != float(bin_size):
        raise ValueError(
            f"{owner}={bin_size:g} but X carries bins of {carried:g} bp; leave bin_size=None "
            "to use the input's own width, or re-extract at the width you mean.")
    width = bin_size if bin_size is not None else carried
    return None if width is None else float(width)


def with_layout(X, marks, bin_size=None):
    """``X`` as a :class:`HistoneMatrix` of ``marks`` (and ``bin_size``), when it fits.

    A checked copy of the user's data is a plain array (so that joblib can share it with
    its workers through memory maps); this gives the layout back to the rows a fit
    reads, so a pipeline built outside the package learns the marks and the bin width
    as the named models do. ``X`` comes back unchanged when ``marks`` is ``None``, when
    ``X`` is not 2-D or its columns do not divide into ``marks``, or when it already
    carries its own layout.

    Examples
    --------
    >>> import numpy as np
    >>> X = with_layout(np.zeros((3, 4)), ["A", "B"], bin_size=500)
    >>> X.marks, X.n_bins, X.bin_size
    (('A', 'B'), 2, 500.0)
    >>> type(with_layout(np.zeros((3, 5)), ["A", "B"])).__name__
    'ndarray'
    """
    if marks is None or getattr(X, "marks", None) is not None or np.ndim(X) != 2:
        return X
    marks = tuple(marks)
    if not marks or X.shape[1] % len(marks):
        return X
    return HistoneMatrix(X, marks, X.shape[1] // len(marks), bin_size)


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


# --- a pair of cells: the differential task's input -------------------------------

#: Separates the cell from the mark in a pair's mark names: ``"E123:H3K4me3"``.
CELL_SEPARATOR = ":"
#: Names of the two cells when none are given.
DEFAULT_CELLS = ("cell1", "cell2")


def pair_marks(marks, cells=DEFAULT_CELLS):
    """The mark names of a pair: each cell's marks, prefixed with the cell, first cell first.

    Examples
    --------
    >>> pair_marks(["H3K4me3", "H3K27me3"], cells=("E123", "E003"))
    ('E123:H3K4me3', 'E123:H3K27me3', 'E003:H3K4me3', 'E003:H3K27me3')
    """
    cells = _check_cells(cells)
    marks = resolve_marks(marks)
    bad = [m for m in marks if CELL_SEPARATOR in m]
    if bad:
        raise ValueError(f"mark names may not contain {CELL_SEPARATOR!r} (it separates the cell "
                         f"from the mark in a pair): {bad}.")
    return tuple(f"{cell}{CELL_SEPARATOR}{mark}" for cell in cells for mark in marks)


def _check_cells(cells):
    cells = tuple(str(c) for c in cells)
    if len(cells) != 2 or cells[0] == cells[1] or not all(cells):
        raise ValueError(f"cells must name two different cells, e.g. ('E123', 'E003'); got "
                         f"{cells!r}.")
    if any(CELL_SEPARATOR in c for c in cells):
        raise ValueError(f"cell names may not contain {CELL_SEPARATOR!r}: {cells!r}.")
    return cells


def _as_3d(X, name, n_marks):
    # Only names are "carried"; a 3-D array's mark count says nothing of which marks.
    carried = infer_marks(X) if np.ndim(X) == 2 else None
    X = np.asarray(X, dtype=np.float32)
    if X.ndim == 2:
        if n_marks is None:
            n_marks = len(carried) if carried is not None else None
        if n_marks is None or X.shape[1] % n_marks:
            raise ValueError(f"{name} is 2-D with {X.shape[1]} columns: pass marks= so its "
                             "mark-major layout is known, or a 3-D (n_genes, n_marks, n_bins) "
                             "array.")
        X = X.reshape(len(X), n_marks, -1)
    if X.ndim != 3:
        raise ValueError(f"{name} must be 2-D (n_genes, n_marks * n_bins) or 3-D (n_genes, "
                         f"n_marks, n_bins), got shape {X.shape}.")
    if not np.isfinite(X).all():
        bad = np.unique(np.nonzero(~np.isfinite(X))[0])
        raise ValueError(f"{name} contains NaN or infinity in {len(bad)} genes (rows "
                         f"{bad[:5].tolist()}).")
    return X, carried


def stack_cells(X1, X2, *, marks=None, cells=DEFAULT_CELLS):
    """One pair matrix from two cells' matrices of the same genes, in the same order.

    Parameters
    ----------
    X1, X2 : array-like of shape (n_genes, n_marks * n_bins) or (n_genes, n_marks, n_bins)
        The first and the second cell's counts, mark-major, row ``i`` the same gene.
    marks : sequence of str, default=None
        The marks of each cell's column blocks (both cells have the same); ``None`` takes
        them from the inputs (a :class:`~skdeepchrome.layout.HistoneMatrix`, ``{mark}_binNNN``
        columns) or, for inputs without names, takes five marks to be
        :data:`~skdeepchrome.layout.REMC_MARKS` and calls others ``mark0, mark1, ...``.
    cells : (str, str), default=("cell1", "cell2")
        The cells' names (e.g. epigenome ids), used in the mark names.

    Returns
    -------
    HistoneMatrix of shape (n_genes, 2 * n_marks * n_bins)
        Marks :func:`pair_marks` ``(marks, cells)``.

    Examples
    --------
    >>> import numpy as np
    >>> X = stack_cells(np.ones((4, 2, 3)), np.zeros((4, 2, 3)), marks=["H3K4me3", "H3K27me3"],
    ...                 cells=("E123", "E003"))
    >>> X.shape, X.marks[2], X.n_bins
    ((4, 12), 'E003:H3K4me3', 3)
    """
    n_marks = None if marks is None else len(resolve_marks(marks))
    A, carried_1 = _as_3d(X1, "X1 (the first cell)", n_marks)
    B, carried_2 = _as_3d(X2, "X2 (the second cell)", n_marks)
    if len(A) != len(B):
        raise ValueError(f"The two cells must hold the same genes: X1 has {len(A)} genes, X2 "
                         f"has {len(B)}.")
    if A.shape[1:] != B.shape[1:]:
        raise ValueError(f"The two cells must have the same marks and bins: X1 is "
                         f"{A.shape[1]} marks x {A.shape[2]} bins, X2 {B.shape[1]} x "
                         f"{B.shape[2]}.")
    if carried_1 is not None and carried_2 is not None and carried_1 != carried_2:
        raise ValueError(f"The two cells carry different marks: X1 {list(carried_1)}, X2 "
                         f"{list(carried_2)}; reorder them to the same order first.")
    if marks is None:
        marks = carried_1 or carried_2 or (
            REMC_MARKS if A.shape[1] == len(REMC_MARKS) else resolve_marks(A.shape[1]))
    elif carried_1 is not None and tuple(carried_1) != tuple(marks):
        raise ValueError(f"X1 carries the marks {list(carried_1)}, not the marks= given "
                         f"{list(marks)}.")
    names = pair_marks(marks, cells)
    return HistoneMatrix(np.concatenate([A, B], axis=1).reshape(len(A), -1), marks=names,
                         n_bins=A.shape[2])


def check_pair(X, name="X"):
    """Validate a pair matrix; returns ``(X as float32 2-D, pair mark names or None)``.

    A pair needs an even number of marks; when names are carried they must be
    ``"{cell}:{mark}"`` with two cells holding the same marks in the same order. A 3-D
    input with an even mark axis is taken as a pair of ``n_marks / 2`` marks each.

    Examples
    --------
    >>> import numpy as np
    >>> X, marks = check_pair(np.zeros((3, 4, 5)))
    >>> X.shape, marks
    ((3, 20), None)
    """
    carried = infer_marks(X)
    n_marks = np.shape(X)[1] if np.ndim(X) == 3 else None
    X = np.asarray(X, dtype=np.float32)
    if X.ndim == 3:
        X = X.reshape(len(X), -1)
    if X.ndim != 2:
        raise ValueError(f"{name} must be a pair matrix, 2-D (n_genes, 2 * n_marks * n_bins) "
                         f"or 3-D (n_genes, 2 * n_marks, n_bins); got shape {X.shape}.")
    if not np.isfinite(X).all():
        bad = np.unique(np.nonzero(~np.isfinite(X))[0])
        raise ValueError(f"{name} contains NaN or infinity in {len(bad)} genes (rows "
                         f"{bad[:5].tolist()}).")
    if n_marks is not None and n_marks % 2:
        raise ValueError(f"{name} has {n_marks} marks on axis 1; a pair of cells needs an even "
                         "number (each cell's marks, first cell first).")
    if carried is not None and n_marks is None:
        split_pair_marks(carried)
        return X, tuple(carried)
    if n_marks is None and X.shape[1] % 2:
        raise ValueError(f"{name} has {X.shape[1]} columns; a pair of cells has an even "
                         "number (both cells' marks x bins).")
    return X, None


def split_pair_marks(marks):
    """``(cells, marks)`` of pair mark names; a clear error if they are not a pair's.

    Examples
    --------
    >>> split_pair_marks(("E123:H3K4me3", "E003:H3K4me3"))
    (('E123', 'E003'), ('H3K4me3',))
    """
    marks = tuple(marks)
    if len(marks) % 2 or not marks:
        raise ValueError(f"A pair of cells has an even number of marks (each cell's, first cell "
                         f"first); got {len(marks)}: {list(marks)}.")
    half = len(marks) // 2
    parts = [m.split(CELL_SEPARATOR, 1) if CELL_SEPARATOR in m else [None, m] for m in marks]
    first, second = parts[:half], parts[half:]
    own_1, own_2 = [p[1] for p in first], [p[1] for p in second]
    cells_1, cells_2 = {p[0] for p in first}, {p[0] for p in second}
    if own_1 != own_2:
        raise ValueError(f"The two cells of a pair must hold the same marks in the same order: "
                         f"the first half has {own_1}, the second {own_2}.")
    if len(cells_1) != 1 or len(cells_2) != 1 or cells_1 == cells_2:
        raise ValueError(f"Pair mark names must be '{{cell}}{CELL_SEPARATOR}{{mark}}' with one "
                         f"cell per half (first cell's marks, then the second's); got "
                         f"{list(marks)}.")
    cells = (cells_1.pop(), cells_2.pop())
    if None in cells:
        cells = DEFAULT_CELLS
    return cells, tuple(own_1)


def split_cells(X, n_marks_per_cell):
    """The two cells' 3-D matrices ``(n_genes, n_marks, n_bins)`` of a pair matrix.

    Examples
    --------
    >>> import numpy as np
    >>> A, B = split_cells(np.arange(24).reshape(2, 12), 2)
    >>> A.shape, B[0, 0].tolist()
    ((2, 2, 3), [6, 7, 8])
    """
    X = np.asarray(X)
    if X.ndim == 2:
        if X.shape[1] % (2 * n_marks_per_cell):
            raise ValueError(f"X has {X.shape[1]} columns, not a pair of {n_marks_per_cell} "
                             "marks each.")
        X = X.reshape(len(X), 2 * n_marks_per_cell, -1)
    if X.ndim != 3 or X.shape[1] != 2 * n_marks_per_cell:
        raise ValueError(f"Expected a pair of {n_marks_per_cell} marks each, got shape "
                         f"{X.shape}.")
    return X[:, :n_marks_per_cell], X[:, n_marks_per_cell:]
