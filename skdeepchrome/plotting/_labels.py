"""Words and colours a reader sees on the pictures: metric and model names, not code names,
and one colour per model in every picture of every report."""

from __future__ import annotations

import re
import zlib

from ..baselines import display_name

#: Each model's colour, the same in every picture (matplotlib's tab10 / tab20 hues). A
#: pair-of-cells variant takes its model's hue, dark for the difference of the cells'
#: features and light for both side by side; logistic and ridge regression never meet.
MODEL_COLOURS = {
    "deepchrome": "#1f77b4",
    "deepchrome_paper": "#aec7e8",
    "attentivechrome": "#17becf",
    "chromoformer": "#bcbd22",
    "transferchrome": "#c7c7c7",
    "hmcrnn": "#e377c2",
    "svm": "#ff7f0e",
    "random_forest": "#2ca02c",
    "logistic": "#d62728",
    "ridge": "#d62728",
    "gradient_boosting": "#9467bd",
    "deepdiff": "#8c564b",
    "deepchrome_difference": "#e377c2",
    "ridge_difference": "#d62728",
    "ridge_concat": "#ff9896",
    "random_forest_difference": "#2ca02c",
    "random_forest_concat": "#98df8a",
    "gradient_boosting_difference": "#9467bd",
    "gradient_boosting_concat": "#c5b0d5",
}
#: Colours for models of the user's own, chosen by name so that they too keep theirs.
SPARE_COLOURS = ("#bcbd22", "#7f7f7f", "#dbdb8d", "#c49c94", "#f7b6d2", "#9edae5",
                 "#ffbb78", "#393b79", "#637939", "#8c6d31")
#: A model fitted on the target's own genes in a transfer: ``"<model> (within target)"``.
_WITHIN = re.compile(r"^(?P<model>.+) \(within target\)$")

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
    """The one name a reader sees for model ``name``, in every picture, table and report.

    A transfer's within-target row is its model's name with ``(within target)``, so that
    the two rows of one model read alike.

    Examples
    --------
    >>> model_label("random_forest"), model_label("deepchrome (within target)")
    ('random forest', 'DeepChrome CNN (within target)')
    """
    within = _WITHIN.match(str(name))
    if within:
        return f"{display_name(within.group('model'))} (within target)"
    return display_name(name)


def model_colour(name):
    """The colour of model ``name`` in every picture.

    A transfer's within-target row takes its model's colour (the pictures tell them
    apart by line style); a name the package does not know gets a spare colour chosen
    from the name itself, so it too is the same in every picture.

    Examples
    --------
    >>> model_colour("deepchrome"), model_colour("deepchrome (within target)")
    ('#1f77b4', '#1f77b4')
    >>> model_colour("my_model") == model_colour("my_model")
    True
    """
    within = _WITHIN.match(str(name))
    name = within.group("model") if within else str(name)
    if name in MODEL_COLOURS:
        return MODEL_COLOURS[name]
    return SPARE_COLOURS[zlib.crc32(name.encode()) % len(SPARE_COLOURS)]


def is_within_target(name):
    """Whether ``name`` is a transfer's within-target row (drawn dashed).

    Examples
    --------
    >>> is_within_target("svm (within target)"), is_within_target("svm")
    (True, False)
    """
    return _WITHIN.match(str(name)) is not None
