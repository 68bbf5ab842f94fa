"""The comparison's model names, their aliases, and the names a person may type.

Kept apart from :mod:`skdeepchrome.baselines._models` (which builds the models and imports
scikit-learn and torch) so that the command line checks ``--models`` before importing
anything heavy.
"""

from __future__ import annotations

import difflib

#: The Bayes ceiling's row in every table: the best any model could score (simulated data).
CEILING = "ceiling"
#: Models a classification comparison runs by default, in report order (the CNN first).
MODEL_NAMES = ("deepchrome", "svm", "random_forest", "logistic", "gradient_boosting")
#: The baselines of a classification comparison: every default model but the CNN.
BASELINE_NAMES = MODEL_NAMES[1:]
#: Classification models :func:`~skdeepchrome.baselines.make_model` knows but a comparison
#: runs only when named: the CNN with the paper's kernel and pool in bins at any
#: resolution, AttentiveChrome (it trains several times slower than the CNN), and
#: ShallowChrome (per-mark peak features and a logistic regression, Frasca et al. 2022).
OPTIONAL_MODEL_NAMES = ("deepchrome_paper", "attentivechrome", "shallowchrome")
#: DeepChrome's neural successors, run only when named: a multi-resolution transformer
#: (Chromoformer), dense convolutions with self-attention (TransferChrome), a convolution
#: then a bidirectional RNN (HM-CRNN).
SUCCESSOR_MODEL_NAMES = ("chromoformer", "transferchrome", "hmcrnn")
OPTIONAL_MODEL_NAMES += SUCCESSOR_MODEL_NAMES
#: Models a regression comparison runs by default, in report order.
REGRESSION_MODEL_NAMES = ("deepchrome", "svm", "random_forest", "ridge", "gradient_boosting")
#: Regression models run only when named.
OPTIONAL_REGRESSION_MODEL_NAMES = ("deepchrome_paper",)
#: The single-cell tasks: high / low expression, or continuous (log1p) expression.
TASKS = ("classification", "regression")
#: The differential task (two cells, the log2 fold change): run by
#: :func:`skdeepchrome.compare.compare_models` only, not by the single-epigenome protocols,
#: so it is kept out of :data:`TASKS`.
DIFFERENTIAL_TASK = "differential"
#: Every task the comparison harness runs.
COMPARE_TASKS = TASKS + (DIFFERENTIAL_TASK,)
#: Models a differential comparison runs by default, in report order: the DeepDiff-style
#: network, two single-cell DeepChrome regressors' difference, and each tabular baseline on
#: the difference of the two cells' features and on their concatenation.
DIFFERENTIAL_MODEL_NAMES = (
    "deepdiff",
    "deepchrome_difference",
    "ridge_difference",
    "ridge_concat",
    "random_forest_difference",
    "random_forest_concat",
    "gradient_boosting_difference",
    "gradient_boosting_concat",
)

#: Other spellings people use for the same model (compared case-insensitively, with "-"
#: and spaces read as "_").
ALIASES = {
    "cnn": "deepchrome",
    "deep_chrome": "deepchrome",
    "paper": "deepchrome_paper",
    "deepchrome_original": "deepchrome_paper",
    "attentive_chrome": "attentivechrome",
    "attention": "attentivechrome",
    "lstm": "attentivechrome",
    "svc": "svm",
    "svr": "svm",
    "rf": "random_forest",
    "forest": "random_forest",
    "randomforest": "random_forest",
    "lr": "logistic",
    "logreg": "logistic",
    "logistic_regression": "logistic",
    "linear": "logistic",
    "ridge_regression": "ridge",
    "gbm": "gradient_boosting",
    "gb": "gradient_boosting",
    "gbt": "gradient_boosting",
    "hgb": "gradient_boosting",
    "boosting": "gradient_boosting",
    "gradientboosting": "gradient_boosting",
    "shallow_chrome": "shallowchrome",
    "shallow": "shallowchrome",
    "peaks": "shallowchrome",
    "deep_diff": "deepdiff",
    "chromo_former": "chromoformer",
    "transformer": "chromoformer",
    "transfer_chrome": "transferchrome",
    "densenet": "transferchrome",
    "hm_crnn": "hmcrnn",
    "crnn": "hmcrnn",
    "deepdiffchrome": "deepdiff",
}

#: What a reader sees instead of a code name in pictures and reports.
DISPLAY_NAMES = {
    "deepchrome": "DeepChrome CNN",
    "deepchrome_paper": "DeepChrome CNN (paper's bins)",
    "attentivechrome": "AttentiveChrome",
    "shallowchrome": "ShallowChrome (peak features)",
    "svm": "SVM",
    "random_forest": "random forest",
    "logistic": "logistic regression",
    "ridge": "ridge regression",
    "gradient_boosting": "gradient boosting",
    "ceiling": "Bayes ceiling",
    "deepdiff": "DeepDiff-style CNN",
    "deepchrome_difference": "difference of two DeepChrome CNNs",
    "chromoformer": "Chromoformer",
    "transferchrome": "TransferChrome",
    "hmcrnn": "HM-CRNN",
}


def model_names(task="classification", *, optional=False):
    """Model names of ``task``: the default comparison, plus the optional ones if asked.

    Examples
    --------
    >>> model_names("regression")
    ('deepchrome', 'svm', 'random_forest', 'ridge', 'gradient_boosting')
    >>> "attentivechrome" in model_names(optional=True)
    True
    >>> model_names(optional=True)[-1]
    'hmcrnn'
    """
    if task == "classification":
        return MODEL_NAMES + (OPTIONAL_MODEL_NAMES if optional else ())
    if task == "regression":
        return REGRESSION_MODEL_NAMES + (OPTIONAL_REGRESSION_MODEL_NAMES if optional else ())
    if task == DIFFERENTIAL_TASK:
        return DIFFERENTIAL_MODEL_NAMES
    raise ValueError(f"task must be one of {COMPARE_TASKS}, got {task!r}.")


def display_name(name):
    """The name a reader sees: ``"random forest"`` for ``"random_forest"``.

    Examples
    --------
    >>> display_name("random_forest"), display_name("my_model")
    ('random forest', 'my model')
    """
    return DISPLAY_NAMES.get(name, str(name).replace("_", " "))


def canonical_model_name(name, task="classification"):
    """The model ``name`` means: case-insensitive, aliases allowed, with a "did you mean".

    Parameters
    ----------
    name : str
        E.g. ``"RF"``, ``"gbm"``, ``"Random-Forest"``.
    task : {"classification", "regression"}, default="classification"

    Returns
    -------
    str
        One of :func:`model_names` (``optional=True``).

    Raises
    ------
    ValueError
        Naming the known models and the closest one.

    Examples
    --------
    >>> canonical_model_name("RF"), canonical_model_name("gbm"), canonical_model_name("LR")
    ('random_forest', 'gradient_boosting', 'logistic')
    >>> canonical_model_name("deepchrom")
    Traceback (most recent call last):
    ...
    ValueError: unknown model 'deepchrom' (did you mean 'deepchrome'?); choose from ...
    """
    known = model_names(task, optional=True)
    key = str(name).strip().lower().replace("-", "_").replace(" ", "_")
    key = ALIASES.get(key, key)
    if task == "regression" and key == "logistic":
        key = "ridge"  # the linear model of each task
    if key in known:
        return key
    if task == "classification" and key == "ridge":
        raise ValueError(f"{name!r} is a regression model; with --task classification use "
                         "'logistic'.")
    close = difflib.get_close_matches(key, list(known) + list(ALIASES), n=1, cutoff=0.6)
    hint = f" (did you mean {ALIASES.get(close[0], close[0])!r}?)" if close else ""
    raise ValueError(
        f"unknown model {name!r}{hint}; choose from {', '.join(known)} (aliases: "
        "cnn, svc, rf, lr, gbm, ...)."
    )


def parse_model_list(text, task="classification"):
    """A comma-separated list of model names to canonical names, repeats removed.

    Examples
    --------
    >>> parse_model_list("CNN, rf,lr")
    ('deepchrome', 'random_forest', 'logistic')
    """
    names = [part for part in str(text).split(",") if part.strip()]
    if not names:
        raise ValueError(f"no model named in {text!r}; give one or more of "
                         f"{', '.join(model_names(task, optional=True))}.")
    return tuple(dict.fromkeys(canonical_model_name(n, task) for n in names))


def requested_model_names(models, task):
    """The names ``models`` (None, a comma-separated string, names or a dict) stands for."""
    if models is None:
        return list(model_names(task))
    if isinstance(models, str):
        models = [m.strip() for m in models.split(",") if m.strip()]
    names = list(models.keys()) if isinstance(models, dict) else list(models)
    if not names:
        raise ValueError("No models to compare.")
    return names
