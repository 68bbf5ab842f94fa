"""Ready-made models for the comparison: the DeepChrome CNN and the paper's baselines.

Every model is a scikit-learn ``Pipeline`` that starts with a :class:`HistoneBinner`, so all
of them read the same raw mark-major counts and each can be tuned through the binner too.
Two feature settings from the literature are offered for the tabular baselines:

- ``"bins"``: every bin of every mark, ``log1p``-scaled and standardised (DeepChrome's
  baseline setting, Singh et al. 2016);
- ``"marks"``: one mean per mark over the whole region, ``log1p``-scaled (the linear-model
  setting of Karlić et al., PNAS 2010).

``"shallowchrome"`` reads neither setting: it turns each mark's window into four peak
features (:class:`~skdeepchrome.preprocessing.PeakFeatures`) for a logistic regression
whose coefficients read per mark (:func:`shallowchrome_coefficients`).

Models come for two tasks: ``"classification"`` (high / low expression, the paper's) and
``"regression"`` (continuous ``log1p`` expression), with the same names where the model is
the same kind (``"svm"`` is an SVC or an SVR); the linear model is ``"logistic"`` for
classification and ``"ridge"`` for regression.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, SVR

from ..estimators import (
    AttentiveChromeClassifier,
    ChromoformerClassifier,
    DeepChromeClassifier,
    DeepChromeRegressor,
    HMCRNNClassifier,
    TransferChromeClassifier,
)
from ..layout import REMC_MARKS
from ..preprocessing import PEAK_FEATURES, HistoneBinner, PeakFeatures
from ._names import (  # noqa: F401  (re-exported: their historical home)
    BASELINE_NAMES,
    DIFFERENTIAL_TASK,
    MODEL_NAMES,
    OPTIONAL_MODEL_NAMES,
    REGRESSION_MODEL_NAMES,
    SUCCESSOR_MODEL_NAMES,
    TASKS,
    model_names,
)
from ._pair_models import make_differential_model

#: Feature settings of the tabular baselines: every bin of every mark, or one mean per mark.
FEATURE_SETTINGS = ("bins", "marks")

#: The recommended network's training, beyond the paper's architecture: five members
#: trained as if apart and averaged, dropout after the hidden layers too, and decoupled
#: weight decay; its input is standardised per mark. Chosen on the simulator family's
#: tuning half, at 1,500 to 3,000 training genes and four resolutions, and on the real
#: sample (``benchmarks/bench_simulator_family.py``, ``bench_resolution.py``,
#: ``bench_real.py``; the figures are in the models guide). A patience of 3 epochs
#: instead of 10 keeps the same models on the family's tuning half and the real sample
#: (test AUC within 0.0004 of patience 5's, under a third of its seed-to-seed spread) for
#: about half of patience 10's epochs (``benchmarks/bench_ensemble.py``, part 4).
RECOMMENDED_NETWORK = dict(n_members=5, hidden_dropout=0.5, optimizer="adamw",
                           weight_decay=0.05, n_iter_no_change=3)

#: The successors' estimators, by model name.
SUCCESSORS = {"chromoformer": ChromoformerClassifier, "transferchrome": TransferChromeClassifier,
              "hmcrnn": HMCRNNClassifier}


def _binner(features, marks):
    if features == "bins":
        return HistoneBinner(marks, scale="log1p")
    if features == "marks":
        return HistoneBinner(marks, n_bins=1, statistic="mean", scale="log1p")
    raise ValueError(f"features must be one of {FEATURE_SETTINGS}, got {features!r}.")


def make_model(name, *, features="bins", marks=REMC_MARKS, random_state=None,
               task="classification", bin_size=None):
    """A fresh, unfitted pipeline for one model of the comparison.

    Parameters
    ----------
    name : str
        Classification: ``"deepchrome"`` is the recommended
        ``make_pipeline(HistoneBinner(scale="log1p", standardize=True),
        DeepChromeClassifier(**RECOMMENDED_NETWORK))``: the paper's network, its filter
        and pooling at the paper's widths in base pairs at any resolution, five of them
        trained apart and averaged (:data:`RECOMMENDED_NETWORK`);
        ``"deepchrome_paper"`` is one network of the paper's exact architecture in bins
        (kernel 10, pool 5, whatever the bin width) on ``log1p`` counts;
        ``"attentivechrome"`` is the same binner with an
        :class:`~skdeepchrome.estimators.AttentiveChromeClassifier`;
        ``"chromoformer"``, ``"transferchrome"`` and ``"hmcrnn"`` are the recommended
        pipeline's binner (``log1p``, standardised per mark, ``bin_size`` passed on)
        with a :class:`~skdeepchrome.estimators.ChromoformerClassifier`,
        :class:`~skdeepchrome.estimators.TransferChromeClassifier` or
        :class:`~skdeepchrome.estimators.HMCRNNClassifier` at its defaults; the
        others are an RBF SVM (AUC from its ``decision_function``, no probability
        calibration), a 500-tree random forest, an L2 logistic regression (``"logistic"``)
        and histogram gradient boosting. Regression: ``"deepchrome"`` with a
        :class:`~skdeepchrome.estimators.DeepChromeRegressor`, an RBF
        SVR, a 500-tree random forest (``max_features="sqrt"`` as the classifier's), ridge
        regression (``"ridge"``, its penalty chosen among ``10**-1 .. 10**5`` by efficient
        leave-one-out cross-validation: correlated neighbouring bins need far more
        shrinkage than ``alpha=1``) and histogram gradient boosting;
        ``"deepchrome_paper"`` as for classification. ``"shallowchrome"``
        (classification only) is ShallowChrome: a pass-through binner, then
        :class:`~skdeepchrome.preprocessing.PeakFeatures` (per mark: ``log1p`` peak
        height, peak position and width in bp, ``log1p`` signal within 1 kb of the TSS),
        standardised, into an L2 logistic regression; read its coefficients with
        :func:`shallowchrome_coefficients`.
    features : {"bins", "marks"}, default="bins"
        Feature setting of the tabular baselines (see the module docstring). The neural
        networks always read the bins.
    marks : int or sequence of str, default=REMC_MARKS
        The input's marks.
    random_state : int or None, default=None
    task : {"classification", "regression", "differential"}, default="classification"
        ``"differential"``: the models of two cells' pair matrix, see
        :func:`skdeepchrome.baselines.make_differential_model`.
    bin_size : float, default=None
        Base pairs per bin of the input, for input that does not carry it (a plain array):
        it reaches the ``"deepchrome"`` pipeline's binner, whose output carries the width
        on to the network, which sizes its filter and pooling in base pairs. ``None`` reads
        the width from the input (:class:`~skdeepchrome.layout.HistoneMatrix`, as the
        package's loaders return); failing that, the network takes the input to span the
        paper's TSS +/- 5 kb and says so when that is a guess.

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
    >>> type(make_model("ridge", task="regression").named_steps["model"]).__name__
    'RidgeCV'
    >>> paper = make_model("deepchrome_paper").named_steps["model"]
    >>> paper.kernel_size, paper.pool_size, paper.n_members
    (10, 5, 1)
    >>> make_model("deepchrome").named_steps["model"].n_members
    5
    >>> [name for name, _ in make_model("shallowchrome").steps]
    ['binner', 'features', 'scaler', 'model']
    """
    if task == DIFFERENTIAL_TASK:
        # The pair network keeps its own (paper-sized) filter; bin_size is not used.
        return make_differential_model(name, features=features, marks=marks,
                                       random_state=random_state)
    known = model_names(task, optional=True)
    if name not in known:
        hint = ""
        if task == "regression" and name in ("attentivechrome", "logistic"):
            hint = f" ({name!r} is a classifier only)"
        elif task == "regression" and name in SUCCESSOR_MODEL_NAMES:
            hint = f" ({name!r} is a classifier only)"
        elif task == "classification" and name in REGRESSION_MODEL_NAMES:
            hint = f" ({name!r} is a regressor; pass task='regression')"
        raise ValueError(
            f"Unknown model {name!r} for task={task!r}{hint}; choose from {list(known)}."
        )
    if name in SUCCESSOR_MODEL_NAMES:
        return Pipeline([
            ("binner", HistoneBinner(marks, scale="log1p", standardize=True,
                                     bin_size=bin_size)),
            ("model", SUCCESSORS[name](random_state=random_state)),
        ])
    if name in ("deepchrome", "deepchrome_paper", "attentivechrome"):
        recommended = name == "deepchrome"
        settings = RECOMMENDED_NETWORK if recommended else {"kernel_size": 10, "pool_size": 5}
        if name == "attentivechrome":
            network = AttentiveChromeClassifier(random_state=random_state)
        elif task == "regression":
            network = DeepChromeRegressor(random_state=random_state, **settings)
        else:
            network = DeepChromeClassifier(random_state=random_state, **settings)
        return Pipeline([
            ("binner", HistoneBinner(marks, scale="log1p", standardize=recommended,
                                     bin_size=bin_size if recommended else None)),
            ("model", network),
        ])
    if name == "shallowchrome":
        # The binner passes the counts through unchanged, carrying the marks and the bin
        # width (bin_size) on to the features, which measure positions and widths in bp.
        return Pipeline([
            ("binner", HistoneBinner(marks, bin_size=bin_size)),
            ("features", PeakFeatures(scale="log1p")),
            ("scaler", StandardScaler()),
            ("model", LogisticRegression(C=1.0, max_iter=2000)),
        ])
    binner = _binner(features, marks)
    regression = task == "regression"
    if name == "svm":
        model = SVR(kernel="rbf") if regression else SVC(kernel="rbf")
    elif name == "random_forest":
        if regression:
            # "sqrt" as the classifier's default: the regressor's default (every feature at
            # every split) is ~20x slower on 500 bins.
            model = RandomForestRegressor(n_estimators=500, min_samples_leaf=2,
                                          max_features="sqrt", n_jobs=-1,
                                          random_state=random_state)
        else:
            model = RandomForestClassifier(n_estimators=500, min_samples_leaf=2, n_jobs=-1,
                                           random_state=random_state)
    elif name == "logistic":
        model = LogisticRegression(C=1.0, max_iter=2000)
    elif name == "ridge":
        model = RidgeCV(alphas=np.logspace(-1, 5, 13))
    else:  # gradient_boosting
        boosting = HistGradientBoostingRegressor if regression else HistGradientBoostingClassifier
        model = boosting(random_state=random_state)
    if name in ("svm", "logistic", "ridge"):
        return Pipeline([("binner", binner), ("scaler", StandardScaler()), ("model", model)])
    return Pipeline([("binner", binner), ("model", model)])


def default_param_grids(task="classification", models=None):
    """Hyper-parameter grids for nested tuning, keyed by model name.

    Keys are parameter names of the pipelines from :func:`make_model`, so a grid can be
    handed to ``GridSearchCV(make_model(name), default_param_grids()[name])``.

    Parameters
    ----------
    task : {"classification", "regression"}, default="classification"
    models : sequence of str, optional
        The models wanted; by default those a comparison of ``task`` runs by default. Name
        an optional model (``"attentivechrome"``) to get its grid.

    Examples
    --------
    >>> sorted(default_param_grids()["svm"])
    ['model__C', 'model__gamma']
    >>> sorted(default_param_grids(models=["attentivechrome"])["attentivechrome"])
    ['model__bin_hidden_size', 'model__lr']
    >>> sorted(default_param_grids("regression")["svm"])
    ['model__C', 'model__epsilon']
    """
    names = model_names(task) if models is None else tuple(models)
    network = {"model__lr": [3e-4, 1e-3], "model__dropout": [0.3, 0.5]}
    if task == "regression":
        # No grid for "ridge": RidgeCV already chooses its penalty.
        grids = {
            "deepchrome": network,
            "deepchrome_paper": network,
            "svm": {"model__C": [0.3, 1.0, 3.0], "model__epsilon": [0.1, 0.3]},
            "random_forest": {"model__max_features": ["sqrt", 0.1],
                              "model__min_samples_leaf": [1, 5]},
            "gradient_boosting": {
                "model__learning_rate": [0.05, 0.1],
                "model__max_leaf_nodes": [15, 31],
            },
        }
    else:
        grids = {
            "deepchrome": network,
            "deepchrome_paper": network,
            # Small: every point of an AttentiveChrome grid is a slow LSTM fit.
            "attentivechrome": {"model__lr": [1e-3, 3e-3], "model__bin_hidden_size": [16, 32]},
            # Small, as AttentiveChrome's: every point is a slow fit.
            "chromoformer": {"model__lr": [3e-4, 1e-3], "model__dropout": [0.1, 0.3]},
            "transferchrome": {"model__lr": [3e-4, 1e-3], "model__dropout": [0.2, 0.4]},
            "hmcrnn": {"model__lr": [1e-3, 3e-3], "model__dropout": [0.3, 0.5]},
            "svm": {"model__C": [0.3, 1.0, 3.0], "model__gamma": ["scale", 0.3 / 500]},
            "random_forest": {"model__max_features": ["sqrt", 0.1],
                              "model__min_samples_leaf": [1, 5]},
            "logistic": {"model__C": [0.01, 0.1, 1.0]},
            "shallowchrome": {"model__C": [0.01, 0.1, 1.0],
                              "features__tss_window": [500, 1000, 2000]},
            "gradient_boosting": {
                "model__learning_rate": [0.05, 0.1],
                "model__max_leaf_nodes": [15, 31],
            },
        }
    return {name: grids[name] for name in names if name in grids}


def shallowchrome_coefficients(model):
    """A fitted ``"shallowchrome"`` model's logistic-regression coefficients, per mark.

    The features are standardised before the regression, so each coefficient is the change
    in log-odds of high expression for one standard deviation of its feature: comparable
    across features and marks (ShallowChrome's reading of a model, Frasca et al. 2022).

    Parameters
    ----------
    model : Pipeline
        A fitted pipeline of :func:`make_model` ``("shallowchrome")``, or any fitted
        pipeline whose ``"features"`` step is a
        :class:`~skdeepchrome.preprocessing.PeakFeatures` and whose last step is a binary
        linear classifier.

    Returns
    -------
    pandas.DataFrame
        One row per mark, one column per feature (``peak_height``, ``peak_position``,
        ``peak_width``, ``tss_signal``); ``attrs["intercept"]`` holds the intercept.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.poisson(1.0, size=(200, 500)).astype(float)
    >>> y = rng.integers(0, 2, 200)
    >>> X[y == 1, 340:360] += 20  # H3K4me3 (the fourth mark) at the TSS: high expression
    >>> model = make_model("shallowchrome").fit(X, y)
    >>> table = shallowchrome_coefficients(model)
    >>> table.shape, table.columns[0]
    ((5, 4), 'peak_height')
    >>> bool(table.loc["H3K4me3", "peak_height"] > 1)
    True
    """
    features = model.named_steps.get("features") if hasattr(model, "named_steps") else None
    if not isinstance(features, PeakFeatures):
        raise ValueError("shallowchrome_coefficients needs a pipeline with a PeakFeatures "
                         "step named 'features', as make_model('shallowchrome') builds.")
    coef = np.asarray(model[-1].coef_)
    if coef.shape[0] != 1:
        raise ValueError(f"expected one row of coefficients (a binary classifier), got "
                         f"{coef.shape[0]}.")
    marks = features.marks_
    table = pd.DataFrame(coef.reshape(len(marks), len(PEAK_FEATURES)),
                         index=pd.Index(marks, name="mark"), columns=list(PEAK_FEATURES))
    table.attrs["intercept"] = float(np.ravel(model[-1].intercept_)[0])
    return table
