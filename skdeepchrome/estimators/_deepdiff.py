"""DeepDiffRegressor: the log fold change of expression between two cells, from both cells'
marks."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from ..layout import split_pair_marks
from ..models import DeepDiffLoss, DeepDiffNet
from ._base import TorchHistoneEstimator, store_init_arguments
from ._docs import shared_docs
from ._regressor import TorchHistoneRegressor, continuous_target

#: Columns of a 2-D target: the fold change, then each cell's own expression.
TARGET_COLUMNS = ("lfc", "expression_1", "expression_2")

_ODD_WIDTH = (
    "a pair of cells has an even number of columns (each cell's marks x bins); the check "
    "fits on 1, 3 or 5 features, which no pair can have. The property it checks is shared "
    "with the other neural estimators (one base) and tested for this one on even widths "
    "in tests/test_deepdiff.py"
)
#: scikit-learn common checks that cannot pass, with the reason: those of every neural
#: estimator, and those whose data has an odd number of features.
_EXPECTED_FAILED_CHECKS = {
    **TorchHistoneEstimator._expected_failed_checks,
    **{check: _ODD_WIDTH for check in (
        "check_dict_unchanged",
        "check_dont_overwrite_parameters",
        "check_estimators_dtypes",
        "check_estimators_nan_inf",
        "check_estimators_pickle",
        "check_f_contiguous_array_estimator",
        "check_fit2d_1feature",
        "check_fit2d_predict1d",
        "check_fit_score_takes_y",
        "check_methods_sample_order_invariance",
        "check_methods_subset_invariance",
        "check_pipeline_consistency",
        "check_sample_weights_list",
        "check_supervised_y_2d",
    )},
}


@shared_docs
class DeepDiffRegressor(TorchHistoneRegressor):
    """A DeepDiff-style network: two cells' marks in, the log2 fold change out.

    The input is a pair matrix (:mod:`skdeepchrome.layout`): the first cell's marks,
    then the second's, for the same genes, ``(n_genes, 2 * n_marks * n_bins)`` or 3-D. Both
    cells go through one shared DeepChrome convolutional encoder; the fold change is
    predicted from the difference and the concatenation of the two representations, and
    each cell's expression from its own representation (DeepDiff's auxiliary tasks; see
    :class:`~skdeepchrome.models.DeepDiffNet`).

    ``y`` is the fold change ``(n_genes,)``, or ``(n_genes, 3)``: the fold change, then
    each cell's expression in units whose difference is the fold change (``log2(count + 1)``
    for DeepDiff's ``log2((count_1 + 1) / (count_2 + 1))``; ``cell_expression`` of
    :func:`~skdeepchrome.datasets.load_roadmap_pair` and
    :func:`~skdeepchrome.datasets.make_differential_dataset`). Only the 2-D target trains
    the auxiliary outputs (weighted by ``aux_weight`` in the loss); with a 1-D target the
    loss is the fold change's squared error alone. :meth:`predict` always returns the fold
    change. Training (weights, early stopping, warm starts, seeds, threads) is that of the
    other neural estimators.

    Parameters
    ----------
    marks : "auto", int or sequence of str, default="auto"
        The pair's marks, both cells' (an even number: each cell's first half is cell 1's).
        ``"auto"`` reads them from the input (``"{cell}:{mark}"`` names, a 3-D array).
    n_filters : int, default=50
    kernel_size : int, default=10
    pool_size : int, default=5
    embedding_size : int, default=64
        Width of each cell's representation.
    hidden_sizes : tuple of int, default=(64,)
        Hidden layers of the fold-change head.
    dropout : float, default=0.5
    aux_weight : float, default=0.5
        Weight of each cell's squared error (standardised) beside the fold change's.
    standardize_target : bool, default=True
        Learn the standardised fold change (and cell expressions), mapped back by
        :meth:`predict`.
    %(training_parameters)s

    Attributes
    ----------
    y_mean_, y_scale_ : float
        Mean and sd of the training fold change (0 and 1 without ``standardize_target``).
    expression_mean_, expression_scale_ : float
        The same of the cells' expression, pooled over both cells (0 and 1 without it).
    fitted_cell_expression_ : bool
        Whether the auxiliary outputs were trained (a 2-D ``y``).
    %(training_attributes)s

    See Also
    --------
    CellwiseDifferenceRegressor : two
        single-cell regressors and their difference, the reference model.
    skdeepchrome.datasets.log2_fold_change : DeepDiff's target.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeepchrome.estimators._deepdiff import DeepDiffRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.poisson(2.0, size=(200, 2, 20)).astype(np.float32)  # 1 mark x 2 cells
    >>> lfc = np.log2(X[:, 0].sum(axis=1) + 1) - np.log2(X[:, 1].sum(axis=1) + 1)
    >>> model = DeepDiffRegressor(max_epochs=3, kernel_size=5, random_state=0)
    >>> model.fit(np.log1p(X), lfc).predict(np.log1p(X[:3])).shape
    (3,)
    """

    _expected_failed_checks = _EXPECTED_FAILED_CHECKS

    _parameter_constraints: dict = {
        **TorchHistoneRegressor._parameter_constraints,
        "n_filters": [Interval(Integral, 1, None, closed="left")],
        "kernel_size": [Interval(Integral, 1, None, closed="left")],
        "pool_size": [Interval(Integral, 1, None, closed="left")],
        "embedding_size": [Interval(Integral, 1, None, closed="left")],
        "hidden_sizes": [list, tuple],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "aux_weight": [Interval(Real, 0, None, closed="left")],
    }
    _module_class = DeepDiffNet
    _criterion = DeepDiffLoss
    #: The comparison harness gives this model each cell's expression too (a 2-D ``y``).
    takes_cell_expression = True

    def __init__(
        self,
        marks="auto",
        *,
        n_filters=50,
        kernel_size=10,
        pool_size=5,
        embedding_size=64,
        hidden_sizes=(64,),
        dropout=0.5,
        aux_weight=0.5,
        standardize_target=True,
        max_epochs=100,
        lr=1e-3,
        optimizer="adam",
        optimizer_params=None,
        criterion_params=None,
        batch_size=64,
        weight_decay=0.0,
        early_stopping=True,
        early_stopping_metric="auto",
        validation_fraction=0.1,
        n_iter_no_change=10,
        warm_start=False,
        n_threads=1,
        device="cpu",
        random_state=None,
        verbose=0,
        callbacks=None,
    ):
        store_init_arguments(self, locals())

    # -- layout ---------------------------------------------------------------------------

    def _validate_X(self, X, *, reset):
        X = super()._validate_X(X, reset=reset)
        if reset:
            if len(self.marks_) % 2:
                raise ValueError(
                    f"DeepDiffRegressor reads a pair of cells (each cell's marks, the first "
                    f"cell's first), so it needs an even number of marks; got "
                    f"{len(self.marks_)}: {list(self.marks_)}. Stack two cells with "
                    "skdeepchrome.layout.stack_cells."
                )
            if any(":" in m for m in self.marks_):
                split_pair_marks(self.marks_)
        return X

    def _module_params(self, n_outputs):
        return dict(
            n_marks=len(self.marks_) // 2,
            n_bins=self.n_bins_,
            n_filters=self.n_filters,
            kernel_size=self.kernel_size,
            pool_size=self.pool_size,
            embedding_size=self.embedding_size,
            hidden_sizes=tuple(self.hidden_sizes),
            dropout=self.dropout,
        )

    def _criterion_arguments(self):
        if "aux_weight" in (self.criterion_params or {}):
            raise ValueError("criterion_params may not set 'aux_weight'; use aux_weight=.")
        return {**super()._criterion_arguments(), "criterion__aux_weight": self.aux_weight}

    # -- target ---------------------------------------------------------------------------

    def _n_outputs(self):
        return len(TARGET_COLUMNS)

    def _check_target(self, y, name):
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == len(TARGET_COLUMNS):
            return np.column_stack([continuous_target(y[:, i], f"{name}[:, {i}] ({column})")
                                    for i, column in enumerate(TARGET_COLUMNS)])
        if y.ndim == 2 and y.shape[1] != 1:
            raise ValueError(
                f"{name} must be the fold change (n_genes,) or (n_genes, 3) columns "
                f"{list(TARGET_COLUMNS)}; got shape {y.shape}."
            )
        return continuous_target(y, name)

    def _learn_target(self, y, X, sample_weight):
        lfc = y[:, 0] if y.ndim == 2 else y
        super()._learn_target(lfc, X, sample_weight)
        self.fitted_cell_expression_ = y.ndim == 2
        if y.ndim == 2 and self.standardize_target:
            weight = self._validate_sample_weight(sample_weight, X)
            cells = y[:, 1:].ravel(order="F")
            both = np.concatenate([weight, weight])
            self.expression_mean_ = float(np.average(cells, weights=both))
            sd = float(np.sqrt(np.average((cells - self.expression_mean_) ** 2,
                                          weights=both)))
            self.expression_scale_ = sd if sd > 0 else 1.0
        else:
            self.expression_mean_, self.expression_scale_ = 0.0, 1.0

    def _encode(self, y):
        out = np.full((len(y), len(TARGET_COLUMNS)), np.nan, dtype=np.float32)
        lfc = y[:, 0] if y.ndim == 2 else y
        out[:, 0] = (lfc - self.y_mean_) / self.y_scale_
        if y.ndim == 2:
            out[:, 1:] = (y[:, 1:] - self.expression_mean_) / self.expression_scale_
        return out

    # -- inference ------------------------------------------------------------------------

    def predict_cell_expression(self, X):
        """Each cell's predicted expression (the auxiliary outputs), ``(n_genes, 2)``.

        Only for a model trained with a 2-D target (``fitted_cell_expression_``).
        """
        check_is_fitted(self)
        if not self.fitted_cell_expression_:
            raise ValueError("This DeepDiffRegressor was fitted on the fold change alone; fit "
                             "it on a (n_genes, 3) target [lfc, expression_1, expression_2] "
                             "to predict each cell's expression.")
        return self._forward(X)[:, 1:] * self.expression_scale_ + self.expression_mean_
