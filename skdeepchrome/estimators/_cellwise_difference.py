"""CellwiseDifferenceRegressor: one single-cell regressor per cell; the fold change is the
difference of their predictions (the reference of the differential task)."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, RegressorMixin, clone
from sklearn.utils.validation import check_is_fitted

from ..layout import (
    REMC_MARKS,
    HistoneMatrix,
    check_pair,
    infer_marks,
    resolve_marks,
    split_cells,
    split_pair_marks,
)
from ._deepchrome_regressor import DeepChromeRegressor
from ._regressor import continuous_target


class CellwiseDifferenceRegressor(MetaEstimatorMixin, RegressorMixin, BaseEstimator):
    """Fit a regressor of each cell's own expression; predict the difference.

    The question it answers: does a model that sees both cells at once (DeepDiff) beat two
    independent single-cell models? It needs each cell's expression, in units whose
    difference is the fold change (``log2(count + 1)`` for DeepDiff's rule): ``y`` is
    ``(n_genes, 3)``, ``[lfc, expression_1, expression_2]``; the first column is ignored
    in fitting (the prediction is ``expression_1 - expression_2`` predicted).

    Parameters
    ----------
    estimator : regressor, default=None
        Cloned for each cell and fitted on that cell's half of the pair matrix (a
        :class:`~skdeepchrome.layout.HistoneMatrix` of that cell's marks); ``None`` is a
        :class:`~skdeepchrome.estimators.DeepChromeRegressor`.
    marks : "auto", int or sequence of str, default="auto"
        The pair's marks (both cells'); ``"auto"`` reads them from the input.

    Attributes
    ----------
    estimators_ : list of two fitted regressors
        The first and the second cell's.
    cell_marks_ : tuple of str
        Each cell's marks.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> rng = np.random.default_rng(0)
    >>> X = rng.poisson(3.0, size=(50, 2, 4)).astype(float)
    >>> y1, y2 = X[:, 0].sum(axis=1), X[:, 1].sum(axis=1)
    >>> model = CellwiseDifferenceRegressor(Ridge(alpha=1e-6)).fit(X, np.c_[y1 - y2, y1, y2])
    >>> bool(np.allclose(model.predict(X), y1 - y2, atol=1e-3))
    True
    """

    #: The comparison harness gives this model each cell's expression too (a 2-D ``y``).
    takes_cell_expression = True

    def __init__(self, estimator=None, *, marks="auto"):
        self.estimator = estimator
        self.marks = marks

    def _cell_marks(self, X):
        """Each cell's mark names (unprefixed)."""
        if self.marks != "auto":
            marks = resolve_marks(self.marks)
        elif infer_marks(X) is not None and np.ndim(X) == 2:
            marks = infer_marks(X)
        elif np.ndim(X) == 3:
            n = np.shape(X)[1]
            marks = resolve_marks(n) if n != 2 * len(REMC_MARKS) else REMC_MARKS * 2
        else:
            raise ValueError("CellwiseDifferenceRegressor(marks='auto') cannot tell the marks "
                             "of a plain 2-D array; pass marks= or a 3-D array or "
                             "HistoneMatrix.")
        if any(":" in m for m in marks):
            return split_pair_marks(marks)[1]
        if len(marks) % 2:
            raise ValueError(f"A pair has an even number of marks, got {len(marks)}.")
        return tuple(marks[: len(marks) // 2])

    def _cells(self, X):
        """Each cell's half as a HistoneMatrix of its own marks (read by any estimator)."""
        X, _ = check_pair(X)
        return [HistoneMatrix(cell.reshape(len(cell), -1), marks=self.cell_marks_,
                              n_bins=cell.shape[2])
                for cell in split_cells(X, len(self.cell_marks_))]

    def fit(self, X, y, sample_weight=None):
        """Fit one regressor per cell on that cell's expression (``y[:, 1]``, ``y[:, 2]``)."""
        y = np.asarray(y)
        if y.ndim != 2 or y.shape[1] != 3:
            raise ValueError(
                "CellwiseDifferenceRegressor needs each cell's expression: y must be "
                f"(n_genes, 3) [lfc, expression_1, expression_2]; got shape {y.shape}. Pass "
                "cell_expression (load_roadmap_pair, make_differential_dataset) beside the "
                "fold change."
            )
        self.cell_marks_ = self._cell_marks(X)
        cells = self._cells(X)
        if len(cells[0]) != len(y):
            raise ValueError(f"X has {len(cells[0])} genes but y has {len(y)} rows.")
        base = DeepChromeRegressor() if self.estimator is None else self.estimator
        kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
        self.estimators_ = [
            clone(base).fit(cell, continuous_target(y[:, c + 1], f"y[:, {c + 1}]"), **kwargs)
            for c, cell in enumerate(cells)
        ]
        return self

    def predict(self, X):
        """Predicted fold change: the first cell's prediction minus the second's."""
        check_is_fitted(self)
        cells = self._cells(X)
        first, second = (est.predict(cell) for est, cell in zip(self.estimators_, cells))
        return np.asarray(first, dtype=float) - np.asarray(second, dtype=float)
