"""Words a reader sees on the pictures: metric and model names, not code names."""

from __future__ import annotations

from ..baselines import display_name

METRIC_LABELS = {
    "roc_auc": "ROC AUC",
    "average_precision": "average precision",
    "accuracy": "accuracy",
    "balanced_accuracy": "balanced accuracy",
    "f1": "F1 score",
    "r2": "R²",
    "pearson": "Pearson r",
    "spearman": "Spearman ρ",
    "updown_auc": "up/down ROC AUC",
}


def metric_label(metric):
    """``"ROC AUC"`` for ``"roc_auc"``.

    Examples
    --------
    >>> metric_label("roc_auc"), metric_label("my_score")
    ('ROC AUC', 'my score')
    """
    return METRIC_LABELS.get(metric, str(metric).replace("_", " "))


def model_label(name):
    """``"random forest"`` for ``"random_forest"``."""
    return display_name(name)
