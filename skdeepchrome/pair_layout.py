"""The layout of two cells' signal for the same genes: the differential task's input.

A pair of epigenomes travels as *one* mark-major matrix whose "marks" are the first cell's
marks followed by the second cell's, named ``"{cell}:{mark}"``::

    [E123:H3K27me3 bins ..., E123:H3K36me3 bins ..., ..., E003:H3K27me3 bins ..., ...]

so a pair is ``(n_genes, 2 * n_marks * n_bins)`` in 2-D or ``(n_genes, 2 * n_marks,
n_bins)`` in 3-D: exactly :mod:`skdeepchrome.layout`'s layout with ``2 * n_marks`` marks.
Everything that reads that layout (:class:`~skdeepchrome.HistoneBinner`, the neural
estimators, the comparison harness) therefore reads a pair unchanged; feature names say
which cell each column belongs to (``"E123:H3K4me3_bin050"``). Row ``i`` is the same gene
in both cells. :func:`stack_cells` builds the matrix from the two cells' own matrices and
:func:`split_cells` takes it apart.
"""

from __future__ import annotations

import numpy as np

from .layout import REMC_MARKS, HistoneMatrix, infer_marks, resolve_marks

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
