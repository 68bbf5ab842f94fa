"""What the neural regressors share: a continuous target, standardised, mean squared error."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.base import RegressorMixin
from sklearn.utils.validation import check_consistent_length, check_is_fitted, column_or_1d

from ._base import TorchHistoneEstimator
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

    def _set_target_scale(self, y, weight):
        if self.standardize_target:
            self.y_mean_ = float(np.average(y, weights=weight))
            sd = float(np.sqrt(np.average((y - self.y_mean_) ** 2, weights=weight)))
            # A constant target leaves nothing to scale; the network then learns 0.
            self.y_scale_ = sd if sd > 0 else 1.0
        else:
            self.y_mean_, self.y_scale_ = 0.0, 1.0

    def fit(self, X, y, sample_weight=None, *, X_val=None, y_val=None,
            sample_weight_val=None):
        """Train the network.

        Parameters
        ----------
        X : array-like of shape (n_genes, n_marks * n_bins) or (n_genes, n_marks, n_bins)
        y : array-like of shape (n_genes,)
            Continuous target, e.g. ``log1p`` expression.
        sample_weight : array-like of shape (n_genes,), default=None
            Non-negative weights of the genes in the training loss, the early-stopping
            validation loss of the internal split, and the target's standardisation.
        X_val, y_val : array-like, optional
            An explicit validation set monitored for early stopping instead of holding out
            ``validation_fraction`` of ``X`` (in a ``Pipeline``, see
            ``Pipeline(..., transform_input=["X_val"])``).
        sample_weight_val : array-like of shape (n_val_genes,), default=None

        Returns
        -------
        self
        """
        self._validate_params()
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        warm = self.warm_start and self._check_warm_layout(X)
        X = self._validate_X(X, reset=True)
        y = continuous_target(y, "y")
        check_consistent_length(X, y)
        weight = self._validate_sample_weight(sample_weight, X)
        if not warm:
            self._set_target_scale(y, weight)
        validation = None
        if (X_val is None) != (y_val is None):
            raise ValueError("X_val and y_val must be given together.")
        if X_val is not None:
            X_val = self._validate_X_val(X_val)
            y_val = continuous_target(y_val, "y_val")
            check_consistent_length(X_val, y_val)
            w_val = self._validate_sample_weight(sample_weight_val, X_val, "sample_weight_val")
            validation = (X_val, self._encode(y_val), w_val)
        elif sample_weight_val is not None:
            raise ValueError("sample_weight_val needs X_val and y_val.")
        return self._fit_network(
            X, self._encode(y), weight, n_outputs=1, stratify=False, validation=validation
        )

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
        self._validate_params()
        first = not hasattr(self, "net_")
        if not first:
            self._check_warm_layout(X)
        X = self._validate_X(X, reset=first)
        y = continuous_target(y, "y")
        check_consistent_length(X, y)
        weight = self._validate_sample_weight(sample_weight, X)
        if first:
            self._set_target_scale(y, weight)
        return self._fit_network(
            X, self._encode(y), weight, n_outputs=1, stratify=False, partial=True
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
