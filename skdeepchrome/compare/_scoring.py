"""The metrics the harness reports, by task, and how one set of predictions is scored.

Kept apart from cross-validation because the paper's protocol, the real-sample
comparison and the command line score predictions with the same names and functions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    balanced_accuracy_score,
    f1_score,
    r2_score,
    roc_auc_score,
)

from ..baselines import CEILING
from ..datasets import UPDOWN_THRESHOLD
from ._inputs import check_task

SCORE_METRICS = {"roc_auc": roc_auc_score, "average_precision": average_precision_score}
LABEL_METRICS = {
    "accuracy": accuracy_score,
    "balanced_accuracy": balanced_accuracy_score,
    "f1": f1_score,
}


def _correlation(function):
    def metric(y_true, y_pred):
        y_pred = np.asarray(y_pred, dtype=float)
        if np.ptp(y_pred) == 0 or np.ptp(np.asarray(y_true, dtype=float)) == 0:
            # A constant prediction has no correlation with anything.
            return float("nan")
        return float(function(y_true, y_pred)[0])

    return metric


#: Metrics of a regression comparison, on the predicted values; all are "higher is better".
REGRESSION_METRICS = {
    "r2": r2_score,
    "pearson": _correlation(stats.pearsonr),
    "spearman": _correlation(stats.spearmanr),
}


def updown_auc(y_true, y_pred, threshold=UPDOWN_THRESHOLD):
    """ROC AUC of the predicted fold change for up against down genes.

    Only genes whose true ``|log2 fold change|`` is at least ``threshold`` (two-fold by
    default) count: up (``>= threshold``) is the positive class, down the negative; NaN
    when the test genes hold only one of them.

    Examples
    --------
    >>> updown_auc([2.0, -1.5, 0.1, 3.0], [0.5, -0.2, 9.0, -0.3])
    0.5
    """
    y_true = np.asarray(y_true, dtype=float)
    changed = np.abs(y_true) >= threshold
    up = y_true[changed] > 0
    if up.all() or not up.any():
        return float("nan")
    return float(roc_auc_score(up, np.asarray(y_pred, dtype=float)[changed]))


#: Metrics of a differential comparison (the predicted log2 fold change): the regression
#: metrics and the up/down AUC.
DIFFERENTIAL_METRICS = {**REGRESSION_METRICS, "updown_auc": updown_auc}
#: Each task's default ``scoring``; the first metric ranks the models. Regression ranks by
#: R², which, unlike a correlation, also penalises predictions off in scale or offset; the
#: differential task by Pearson r, DeepDiff's measure.
DEFAULT_SCORING = {
    "classification": ("roc_auc", "average_precision", "accuracy"),
    "regression": ("r2", "pearson", "spearman"),
    "differential": ("pearson", "spearman", "r2", "updown_auc"),
}


def check_scoring(scoring, task="classification"):
    """Validate metric names for ``task``; returns them as a tuple (``None``: the defaults)."""
    if scoring is None:
        return DEFAULT_SCORING["differential" if task == "differential" else check_task(task)]
    scoring = (scoring,) if isinstance(scoring, str) else tuple(scoring)
    classification = sorted(SCORE_METRICS) + sorted(LABEL_METRICS)
    known = sorted(REGRESSION_METRICS) if task == "regression" else classification
    if task == "differential":
        known = sorted(DIFFERENTIAL_METRICS)
    unknown = [m for m in scoring if m not in known]
    if unknown or not scoring:
        other = [m for m in unknown if m in classification or m in REGRESSION_METRICS]
        hint = f" ({other} belong to the other task)" if other else ""
        raise ValueError(f"Unknown metric(s) {unknown} for task={task!r}{hint}; choose from "
                         f"{known}.")
    return scoring


def metric_values(y_true, score, label, scoring):
    """``{metric: value}`` for one set of predictions (a regression's ``score`` is its
    prediction)."""
    values = {}
    for metric in scoring:
        if metric in SCORE_METRICS:
            values[metric] = float(SCORE_METRICS[metric](y_true, score))
        elif metric in DIFFERENTIAL_METRICS:
            values[metric] = float(DIFFERENTIAL_METRICS[metric](y_true, score))
        else:
            values[metric] = float(LABEL_METRICS[metric](y_true, label))
    return values


def score_rows(model, where, y_true, score, label, scoring, *, gene=None,
               seconds=(np.nan, np.nan), details=None):
    """One model's results on one unit: its metric rows and its predictions.

    Parameters
    ----------
    model : str
    where : dict
        The unit's columns (``{"fold": 0}``, ``{"epigenome": "E003"}``), in the rows and
        the predictions alike.
    y_true, score, label : ndarray
        As :func:`metric_values` takes them.
    scoring : sequence of str
    gene : ndarray, optional
        Each test gene's position (default ``0 .. n - 1``).
    seconds : (float, float), default=(nan, nan)
        Fit and prediction time.
    details : dict, optional
        Columns of the rows only, after ``where``.

    Returns
    -------
    rows : list of dict
        ``model``, ``where``, ``details``, ``metric``, ``value``, ``fit_seconds``,
        ``predict_seconds``.
    predictions : pandas.DataFrame
        ``model``, ``where``, ``gene``, ``y_true``, ``score``.
    """
    rows = [dict(model=model, **where, **(details or {}), metric=metric, value=value,
                 fit_seconds=seconds[0], predict_seconds=seconds[1])
            for metric, value in metric_values(y_true, score, label, scoring).items()]
    gene = np.arange(len(y_true)) if gene is None else gene
    return rows, pd.DataFrame(dict(model=model, **where, gene=gene, y_true=y_true,
                                   score=score))


def ceiling_rows(posterior, y_true, scoring, where, *, task="classification", **kwargs):
    """The Bayes ceiling's rows and predictions on one unit (:func:`score_rows`).

    ``posterior`` is the best prediction there is: each gene's probability of the
    positive class (labelled at 0.5) or, for a regression, its expected value.
    """
    posterior = np.asarray(posterior, dtype=float)
    label = (posterior > 0.5).astype(int) if task == "classification" else posterior
    return score_rows(CEILING, where, y_true, posterior, label, scoring, **kwargs)
