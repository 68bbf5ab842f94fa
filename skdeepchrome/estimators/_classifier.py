"""What the neural classifiers share: labels, class weights, fit, partial_fit, predictions."""

from __future__ import annotations

import numpy as np
import torch
from scipy.special import softmax
from sklearn.base import ClassifierMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d

from ._base import WEIGHT_NAMES, TorchHistoneEstimator
from ._nets import WeightedNetClassifier


def _class_labels(y, name):
    y = column_or_1d(y, warn=True)
    if np.asarray(y).dtype.kind == "f" and not np.isfinite(y).all():
        raise ValueError(f"{name} contains NaN or infinity; every gene needs a finite label.")
    check_classification_targets(y)
    return y


class TorchHistoneClassifier(ClassifierMixin, TorchHistoneEstimator):
    """Base of the neural classifiers: any label set, cross-entropy, class weights.

    Subclasses add ``__init__`` (their architecture parameters and the training ones),
    ``_module_class`` and ``_module_params``.
    """

    _parameter_constraints: dict = {
        **TorchHistoneEstimator._parameter_constraints,
        "class_weight": [None, dict, StrOptions({"balanced"})],
    }
    _net_class = WeightedNetClassifier
    _criterion = torch.nn.CrossEntropyLoss
    _is_classifier = True

    def _net_params(self, n_outputs):
        # skorch's own label set is the encoded one; classes_ of this estimator maps back.
        return {"classes": list(range(n_outputs))}

    def _encode(self, y, name):
        unseen = np.setdiff1d(y, self.classes_)
        if unseen.size:
            raise ValueError(
                f"{name} holds labels {unseen.tolist()[:5]} that are not in the fitted "
                f"classes {self.classes_.tolist()}."
            )
        return np.searchsorted(self.classes_, y).astype(np.int64)

    _stratify = True

    def _n_outputs(self):
        return len(self.classes_)

    def _check_target(self, y, name):
        return _class_labels(y, name)

    def _learn_target(self, y, X=None, sample_weight=None, *, classes=None):
        labels = y if classes is None else column_or_1d(classes)
        self.classes_ = LabelEncoder().fit(labels).classes_
        if len(self.classes_) < 2:
            hint = "" if classes is None else " (classes= must list every label)"
            raise ValueError(
                f"{type(self).__name__} needs at least 2 classes in y{hint}, got 1 class: "
                f"{self.classes_.tolist()}."
            )
        self._set_class_weights(self._encode(y, "y"))

    def _encode_target(self, y, X, sample_weight, name):
        y_encoded = self._encode(y, name)
        weight = self._validate_sample_weight(sample_weight, X, WEIGHT_NAMES[name])
        if self.class_weight is not None:
            # "balanced" is computed once, on the training labels, and applied to the
            # validation genes too, as their loss decides early stopping.
            weight = weight * self.class_weights_[y_encoded]
        return y_encoded, weight

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train for one epoch on ``X, y``, continuing from the current weights.

        The first call initialises the network; ``classes`` must then list every label
        later calls may bring (default: the labels of this ``y``). No early stopping.

        Parameters
        ----------
        X : array-like of shape (n_genes, n_marks * n_bins) or (n_genes, n_marks, n_bins)
        y : array-like of shape (n_genes,)
        classes : array-like of shape (n_classes,), default=None
            All labels, on the first call; later calls may repeat them unchanged.
        sample_weight : array-like of shape (n_genes,), default=None

        Returns
        -------
        self
        """
        if self.class_weight == "balanced":
            raise ValueError(
                "class_weight='balanced' needs every label at once and cannot be used with "
                "partial_fit; pass class_weight as a dict {label: weight}."
            )
        if (hasattr(self, "net_") and classes is not None
                and not np.array_equal(np.unique(column_or_1d(classes)), self.classes_)):
            raise ValueError(
                f"classes={np.unique(classes).tolist()} differ from the classes of the "
                f"first partial_fit call, {self.classes_.tolist()}."
            )
        return self._partial_fit(
            X, y, sample_weight,
            learn=lambda y, X: self._learn_target(y, X, classes=classes),
        )

    def _set_class_weights(self, y_encoded):
        if self.class_weight is None:
            return
        classes = np.arange(len(self.classes_))
        if isinstance(self.class_weight, dict):
            unknown = [k for k in self.class_weight if k not in set(self.classes_.tolist())]
            if unknown:
                raise ValueError(
                    f"class_weight names labels {unknown} that are not in y's classes "
                    f"{self.classes_.tolist()}."
                )
            weights = {int(np.searchsorted(self.classes_, k)): v
                       for k, v in self.class_weight.items()}
            self.class_weights_ = compute_class_weight(weights, classes=classes, y=classes)
        else:
            self.class_weights_ = compute_class_weight("balanced", classes=classes,
                                                       y=y_encoded)

    def decision_function(self, X):
        """Class scores: the log-odds of ``classes_[1]`` for two classes, else the logits.

        Parameters
        ----------
        X : array-like of shape (n_genes, n_features) or (n_genes, n_marks, n_bins)

        Returns
        -------
        ndarray of shape (n_genes,) or (n_genes, n_classes)
        """
        logits = self._forward(X)
        if logits.shape[1] == 2:
            return logits[:, 1] - logits[:, 0]
        return logits

    def predict_proba(self, X):
        """Class probabilities (softmax of the network's logits).

        Parameters
        ----------
        X : array-like of shape (n_genes, n_features) or (n_genes, n_marks, n_bins)

        Returns
        -------
        ndarray of shape (n_genes, n_classes)
        """
        return softmax(self._forward(X), axis=1)

    def predict(self, X):
        """Most probable class of each gene.

        Parameters
        ----------
        X : array-like of shape (n_genes, n_features) or (n_genes, n_marks, n_bins)

        Returns
        -------
        ndarray of shape (n_genes,)
        """
        scores = self._forward(X)
        return self.classes_[np.argmax(scores, axis=1)]
