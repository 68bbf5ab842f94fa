"""CellDifference: a pair's features as the first cell's minus the second cell's."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ..layout import HistoneMatrix, feature_names, infer_marks, split_pair_marks


class CellDifference(TransformerMixin, BaseEstimator):
    """Subtract the second cell's half of a pair matrix from the first cell's.

    After a :class:`~skdeepchrome.HistoneBinner` with ``scale="log1p"`` this is each bin's
    log ratio of the two cells' signal: the "difference" feature setting of the
    differential baselines (DeepDiff's difference input, for tabular models).

    Parameters
    ----------
    marks : "auto" or sequence of str, default="auto"
        The pair's mark names (both cells', the first cell's first); ``"auto"`` reads them
        from the input (a :class:`~skdeepchrome.layout.HistoneMatrix` or ``{mark}_binNNN``
        columns) and, for a plain array, takes its two halves.

    Attributes
    ----------
    marks_ : tuple of str
        The marks of the output (each cell's marks, unprefixed), or ``None`` when unknown.
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[3.0, 5.0, 1.0, 1.0]])  # one mark x 2 bins, two cells
    >>> CellDifference().fit_transform(X)
    array([[2., 4.]])
    """

    def __init__(self, marks="auto"):
        self.marks = marks

    def fit(self, X, y=None):
        """Learn the layout of ``X``; returns ``self``."""
        carried = infer_marks(X) if self.marks == "auto" else tuple(self.marks)
        X = validate_data(self, X, reset=True, dtype=np.float64)
        if X.shape[1] % 2:
            raise ValueError(f"CellDifference needs a pair matrix (an even number of columns, "
                             f"each cell's half); got {X.shape[1]} columns.")
        self.marks_ = None
        if carried is not None:
            _, self.marks_ = split_pair_marks(carried)
        return self

    def transform(self, X):
        """``X[:, :half] - X[:, half:]``, a HistoneMatrix of each cell's marks when known."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        half = X.shape[1] // 2
        out = X[:, :half] - X[:, half:]
        if self.marks_ is not None:
            return HistoneMatrix(out, marks=self.marks_, n_bins=half // len(self.marks_))
        return out

    def get_feature_names_out(self, input_features=None):
        """``"{mark}_bin{index:03d}"`` of each cell's marks (or ``diff0, diff1, ...``)."""
        check_is_fitted(self)
        half = self.n_features_in_ // 2
        if self.marks_ is None:
            return np.asarray([f"diff{i}" for i in range(half)], dtype=object)
        return feature_names(self.marks_, half // len(self.marks_))
