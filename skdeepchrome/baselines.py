"""Ready-made models for the comparison: the DeepChrome CNN and the paper's baselines.

Every model is a scikit-learn ``Pipeline`` that starts with a :class:`HistoneBinner`, so all
of them read the same raw mark-major counts and each can be tuned through the binner too.
Two feature settings from the literature are offered for the tabular baselines:

- ``"bins"``: every bin of every mark, ``log1p``-scaled and standardised (DeepChrome's
  baseline setting, Singh et al. 2016);
- ``"marks"``: one mean per mark over the whole region, ``log1p``-scaled (the linear-model
  setting of Karlić et al., PNAS 2010).
"""

from __future__ import annotations

from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from .binning import HistoneBinner
from .estimators import DeepChromeClassifier
from .layout import REMC_MARKS

#: Model names known to :func:`make_model`, in report order (the CNN first).
MODEL_NAMES = ("deepchrome", "svm", "random_forest", "logistic", "gradient_boosting")
BASELINE_NAMES = MODEL_NAMES[1:]
FEATURE_SETTINGS = ("bins", "marks")


def _binner(features, marks):
    if features == "bins":
        return HistoneBinner(marks, scale="log1p")
    if features == "marks":
        return HistoneBinner(marks, n_bins=1, statistic="mean", scale="log1p")
    raise ValueError(f"features must be one of {FEATURE_SETTINGS}, got {features!r}.")


def make_model(name, *, features="bins", marks=REMC_MARKS, random_state=None):
    """A fresh, unfitted pipeline for one model of the comparison.

    Parameters
    ----------
    name : {"deepchrome", "svm", "random_forest", "logistic", "gradient_boosting"}
        ``"deepchrome"`` is the recommended
        ``make_pipeline(HistoneBinner(scale="log1p"), DeepChromeClassifier())``; the others
        are an RBF SVM (AUC from its ``decision_function``, no probability calibration), a
        500-tree random forest, an L2 logistic regression and histogram gradient boosting.
    features : {"bins", "marks"}, default="bins"
        Feature setting of the tabular baselines (see the module docstring). The CNN always
        reads the bins.
    marks : int or sequence of str, default=REMC_MARKS
        The input's marks.
    random_state : int or None, default=None

    Returns
    -------
    sklearn.pipeline.Pipeline
        Steps ``"binner"`` then (``"scaler"``) then ``"model"``.

    Examples
    --------
    >>> make_model("svm").named_steps["model"]
    SVC()
    >>> make_model("logistic", features="marks")[0].n_bins
    1
    """
    if name == "deepchrome":
        return Pipeline([
            ("binner", HistoneBinner(marks, scale="log1p")),
            ("model", DeepChromeClassifier(random_state=random_state)),
        ])
    binner = _binner(features, marks)
    if name == "svm":
        model = SVC(kernel="rbf")
    elif name == "random_forest":
        model = RandomForestClassifier(n_estimators=500, min_samples_leaf=2, n_jobs=-1,
                                       random_state=random_state)
    elif name == "logistic":
        model = LogisticRegression(C=1.0, max_iter=2000)
    elif name == "gradient_boosting":
        model = HistGradientBoostingClassifier(random_state=random_state)
    else:
        raise ValueError(f"Unknown model {name!r}; choose from {list(MODEL_NAMES)}.")
    if name in ("svm", "logistic"):
        return Pipeline([("binner", binner), ("scaler", StandardScaler()), ("model", model)])
    return Pipeline([("binner", binner), ("model", model)])


def default_param_grids():
    """Hyper-parameter grids for nested tuning, keyed by model name.

    Keys are parameter names of the pipelines from :func:`make_model`, so a grid can be
    handed to ``GridSearchCV(make_model(name), default_param_grids()[name])``.

    Examples
    --------
    >>> sorted(default_param_grids()["svm"])
    ['model__C', 'model__gamma']
    """
    return {
        "deepchrome": {
            "model__lr": [3e-4, 1e-3],
            "model__dropout": [0.3, 0.5],
        },
        "svm": {"model__C": [0.3, 1.0, 3.0], "model__gamma": ["scale", 0.3 / 500]},
        "random_forest": {"model__max_features": ["sqrt", 0.1], "model__min_samples_leaf": [1, 5]},
        "logistic": {"model__C": [0.01, 0.1, 1.0]},
        "gradient_boosting": {
            "model__learning_rate": [0.05, 0.1],
            "model__max_leaf_nodes": [15, 31],
        },
    }
