"""The skorch nets inside the estimators: skorch's own classifier and regressor, weighted.

Being skorch's ``NeuralNetClassifier`` / ``NeuralNetRegressor`` (not a bare ``NeuralNet``)
is what makes string scorers work in ``EpochScoring`` callbacks: ``predict_proba`` returns
probabilities (softmax of the logits) and ``classes_`` is known.

Sample weights travel beside the signal as ``{"X": signal, "sample_weight": w}``; the
module only ever sees the signal, and the loss is the weighted mean of the per-gene losses.
The estimators scale weights to mean 1 over the genes of each set (training, validation),
so weighting never changes the loss's scale, and unit weights give exactly the unweighted
loss.
"""

from __future__ import annotations

from collections.abc import Mapping

from skorch import NeuralNetClassifier, NeuralNetRegressor


class _WeightedLoss:
    """Mixin for a skorch net whose criterion has ``reduction="none"``."""

    def infer(self, x, **fit_params):
        if isinstance(x, Mapping):
            x = x["X"]
        return super().infer(x, **fit_params)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        per_gene = super().get_loss(y_pred, y_true, X=X, training=training)
        if per_gene.ndim > 1:
            per_gene = per_gene.reshape(len(per_gene), -1).mean(dim=1)
        weight = X.get("sample_weight") if isinstance(X, Mapping) else None
        if weight is None:
            return per_gene.mean()
        return (per_gene * weight.to(per_gene)).mean()


class WeightedNetClassifier(_WeightedLoss, NeuralNetClassifier):
    """skorch's classifier with sample-weighted losses (see the module docstring)."""


class WeightedNetRegressor(_WeightedLoss, NeuralNetRegressor):
    """skorch's regressor with sample-weighted losses (see the module docstring)."""
