"""Attributions of a differential model: which marks, where, in which cell, drive the
predicted fold change.

The same machinery as :func:`~skdeepchrome.interpret.attributions` (integrated gradients
with a quadrature adapted to ``log1p`` binners, saliency, gradients), differentiating the
predicted log2 fold change of a fitted
:class:`~skdeepchrome.estimators.DeepDiffRegressor` pipeline with respect to its
input, both cells' read counts. Positive attribution pushes the prediction toward higher
expression in the first cell than in the second.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..estimators import DeepDiffRegressor
from ..layout import split_pair_marks
from ._attributions import METHODS, _baseline, _path_quadrature
from ._differentiable_pipeline import GRADIENT_BATCH_SIZE, DifferentiablePipeline


class DifferentialPipeline(DifferentiablePipeline):
    """A fitted DeepDiffRegressor pipeline as one differentiable map: counts -> fold change.

    Attributes
    ----------
    cells : (str, str)
    cell_marks : tuple of str
        Each cell's marks.
    """

    _needs_classes = False

    def __init__(self, estimator):
        super().__init__(estimator)
        if not isinstance(self._final, DeepDiffRegressor):
            raise TypeError(f"Differential attributions need a fitted DeepDiffRegressor (alone "
                            f"or after HistoneBinner steps); got "
                            f"{type(self._final).__name__}.")
        self.cells, self.cell_marks = split_pair_marks(self.marks)

    def scores(self, X, class_idx=None):
        """The predicted log2 fold change, in the units of the training target."""
        final = self._final
        return self.logits(X)[:, 0] * final.y_scale_ + final.y_mean_


def differential_attributions(estimator, X, method="integrated_gradients", *, baseline=None,
                              n_steps=50, batch_size=GRADIENT_BATCH_SIZE):
    """Attribute each gene's predicted fold change to every mark and bin of both cells.

    Parameters
    ----------
    estimator : DeepDiffRegressor or Pipeline
        Fitted; steps before it must be ``HistoneBinner``.
    X : pair matrix
        The genes to explain, in the estimator's input layout (both cells' counts).
    method : {"integrated_gradients", "saliency", "gradient", "input_x_gradient"}
        As in :func:`~skdeepchrome.interpret.attributions`; integrated gradients add up to
        ``prediction(x) - prediction(baseline)`` (up to the quadrature error).
    baseline : float or array-like, default=None
        Integrated gradients' reference; ``None``: no reads in either cell.
    n_steps : int, default=50
    batch_size : int, default=1024

    Returns
    -------
    ndarray of shape (n_genes, 2, n_marks, n_bins)
        Cell, mark (each cell's, in input order), bin.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from skdeepchrome import HistoneBinner
    >>> from skdeepchrome.estimators._deepdiff import DeepDiffRegressor
    >>> from skdeepchrome.layout import stack_cells
    >>> rng = np.random.default_rng(0)
    >>> X = stack_cells(rng.poisson(2, (60, 2, 10)), rng.poisson(2, (60, 2, 10)),
    ...                 marks=["H3K4me3", "H3K27me3"], cells=("E123", "E003"))
    >>> y = np.log2(X[:, 0:10].sum(1) + 1) - np.log2(X[:, 20:30].sum(1) + 1)
    >>> model = make_pipeline(HistoneBinner(X.marks, scale="log1p"),
    ...                       DeepDiffRegressor(kernel_size=3, max_epochs=2, random_state=0))
    >>> attr = differential_attributions(model.fit(X, y), X[:3], n_steps=100)
    >>> attr.shape
    (3, 2, 2, 10)
    >>> gap = model.predict(X[:3]) - model.predict(np.zeros((1, 40)))
    >>> bool(np.allclose(attr.sum(axis=(1, 2, 3)), gap, atol=1e-2))
    True
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}, got {method!r}.")
    if int(n_steps) < 1:
        raise ValueError(f"n_steps must be a positive integer, got {n_steps!r}.")
    model = DifferentialPipeline(estimator)
    X = model.validate(X)
    dummy = np.zeros(len(X), dtype=np.int64)
    if method == "integrated_gradients":
        base = _baseline(model, baseline, X)
        total = np.zeros_like(X)
        for alpha, weight in _path_quadrature(model, X - base, int(n_steps)):
            _, grad = model.gradients(base + alpha * (X - base), dummy, batch_size)
            total += weight * grad
        attr = (X - base) * total
    else:
        _, grad = model.gradients(X, dummy, batch_size)
        attr = {"saliency": np.abs(grad), "gradient": grad,
                "input_x_gradient": X * grad}[method]
    return attr.reshape(len(X), 2, len(model.cell_marks), model.n_positions)


def cell_mark_attribution(attr, cells, marks):
    """Each (cell, mark)'s summed attribution per gene, summarised over genes.

    Parameters
    ----------
    attr : ndarray of shape (n_genes, 2, n_marks, n_bins)
        From :func:`differential_attributions`.
    cells, marks : sequence of str

    Returns
    -------
    DataFrame
        ``cell``, ``mark``, ``attribution`` (mean over genes), ``abs_attribution`` (mean
        absolute) and ``share`` (of all cells' and marks' absolute attribution).

    Examples
    --------
    >>> import numpy as np
    >>> attr = np.zeros((2, 2, 1, 3))
    >>> attr[:, 1] = -1.0
    >>> cell_mark_attribution(attr, ["E123", "E003"], ["H3K4me3"])["attribution"].tolist()
    [0.0, -3.0]
    """
    attr = np.asarray(attr, dtype=float)
    if attr.ndim != 4 or attr.shape[1] != 2 or attr.shape[2] != len(marks):
        raise ValueError(f"attr must be (n_genes, 2, {len(marks)}, n_bins), got shape "
                         f"{attr.shape}.")
    totals = attr.sum(axis=3)
    absolute = np.abs(totals).mean(axis=0)
    rows = [dict(cell=cells[c], mark=m, attribution=totals[:, c, j].mean(),
                 abs_attribution=absolute[c, j]) for c in range(2) for j, m in enumerate(marks)]
    frame = pd.DataFrame(rows)
    total = frame["abs_attribution"].sum()
    frame["share"] = frame["abs_attribution"] / total if total > 0 else 0.0
    return frame
