"""What the neural regressors share: a continuous target, standardised, mean squared error."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.base import RegressorMixin
from sklearn.utils.validation import check_is_fitted, column_or_1d

from ._base import WEIGHT_NAMES, TorchHistoneEstimator
from ._nets import WeightedNetRegressor


def continuous_target(y, name):
    """``y`` as finite float64, or a ValueError naming the problem."""
    y = column_or_1d(y, warn=True)
    if y.dtype.kind not in "biuf":
        try:
            y = y.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError(
                f"{name} must be numeric (e.g. log1p expression), got dtype {y.dtype}: "
                f"{y[:3].tolist()}."
            ) from None
    y = y.astype(np.float64)
    if not np.isfinite(y).all():
        raise ValueError(
            f"{name} contains NaN or infinity; every gene needs a finite expression value "
            "(drop unmatched genes, see align_expression(...).matched)."
        )
    return y


class TorchHistoneRegressor(RegressorMixin, TorchHistoneEstimator):
    """Base of the neural regressors (one output unit, MSE on the standardised target).

    Subclasses add ``__init__`` (with a ``standardize_target`` parameter), ``_module_class``
    and ``_module_params``.
    """

    _parameter_constraints: dict = {
        **TorchHistoneEstimator._parameter_constraints,
        "standardize_target": ["boolean"],
    }
    _net_class = WeightedNetRegressor
    _criterion = torch.nn.MSELoss

    def _encode(self, y):
        # MSELoss compares (batch, 1) outputs with (batch, 1) float32 targets.
        return ((y - self.y_mean_) / self.y_scale_).astype(np.float32)[:, None]

    _stratify = False

    def _n_outputs(self):
        return 1

    def _check_target(self, y, name):
        return continuous_target(y, name)

    def _learn_target(self, y, X, sample_weight):
        if self.standardize_target:
            weight = self._validate_sample_weight(sample_weight, X)
            self.y_mean_ = float(np.average(y, weights=weight))
            sd = float(np.sqrt(np.average((y - self.y_mean_) ** 2, weights=weight)))
            # A constant target leaves nothing to scale; the network then learns 0.
            self.y_scale_ = sd if sd > 0 else 1.0
        else:
            self.y_mean_, self.y_scale_ = 0.0, 1.0

    def _encode_target(self, y, X, sample_weight, name):
        weight = self._validate_sample_weight(sample_weight, X, WEIGHT_NAMES[name])
        return self._encode(y), weight

    def partial_fit(self, X, y, sample_weight=None):
        """Train for one epoch on ``X, y``, continuing from the current weights.

        The first call initialises the network and fixes the target's standardisation.

        Parameters
        ----------
        X : array-like of shape (n_genes, n_marks * n_bins) or (n_genes, n_marks, n_bins)
        y : array-like of shape (n_genes,)
        sample_weight : array-like of shape (n_genes,), default=None

        Returns
        -------
        self
        """
        return self._partial_fit(
            X, y, sample_weight, learn=lambda y, X: self._learn_target(y, X, sample_weight)
        )

    def predict(self, X):
        """Predicted expression of each gene, in the units of the training target.

        Parameters
        ----------
        X : array-like of shape (n_genes, n_features) or (n_genes, n_marks, n_bins)

        Returns
        -------
        ndarray of shape (n_genes,)
        """
        check_is_fitted(self)
        return self._forward(X)[:, 0] * self.y_scale_ + self.y_mean_
