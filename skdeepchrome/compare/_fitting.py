"""The fits of a comparison: models and grids by name, and one timed fit and prediction.

Every protocol (cross-validation, the paper's train / valid / test split, transfer, the
differential task) fits each model through :func:`fit_and_predict` and hands the
``delayed`` fits to :mod:`skdeepchrome.compare._running`, which runs them through joblib
locally or on a ``dask.distributed`` cluster, with progress and each warning once.
"""

from __future__ import annotations

import time
import warnings
from contextlib import contextmanager, nullcontext

import numpy as np
from sklearn.base import clone
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, PredefinedSplit
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC

from ..baselines import CEILING, default_param_grids, make_model
from ..baselines._names import requested_model_names
from ..estimators import TorchHistoneEstimator
from ..layout import REMC_MARKS, with_layout
from ._splitting import derive_seeds, fold_splitter


def resolve_models(models, *, marks=REMC_MARKS, features="bins", random_state=None,
                   task="classification", bin_size=None):
    """Turn ``models`` (None, names, or ``{name: estimator}``) into ``{name: estimator}``.

    ``bin_size`` (base pairs per bin of the data, when known) reaches every named model
    (:func:`~skdeepchrome.baselines.make_model`), so the CNN sizes its filter in base pairs.
    """
    names = requested_model_names(models, task)
    if isinstance(models, dict):
        resolved = dict(models)
    else:
        # One seed per name, in order (a repeated name draws again and keeps the last).
        resolved = {}
        for name, seed in zip(names, derive_seeds(random_state, len(names))):
            resolved[name] = make_model(name, features=features, marks=marks, random_state=seed,
                                        task=task, bin_size=bin_size)
    if CEILING in resolved:
        raise ValueError(f"{CEILING!r} is reserved for the Bayes ceiling row; rename that model.")
    return resolved


def resolve_grids(tune, names, task="classification"):
    """``{name: grid}`` for the models to tune (``tune`` is a bool or ``{name: grid}``)."""
    if not tune:
        return {}
    grids = default_param_grids(task, models=list(names)) if tune is True else dict(tune)
    return {name: grids[name] for name in names if name in grids}


#: The inner model-selection score of each task.
TUNING_SCORE = {"classification": "roc_auc", "regression": "r2"}


def tuned(model, grid, random_state, task="classification"):
    """Wrap ``model`` in an inner ``GridSearchCV`` (3 folds, stratified with ROC AUC for
    classification, plain with R² for regression)."""
    if not grid:
        return model
    return GridSearchCV(model, grid, scoring=TUNING_SCORE[task],
                        cv=fold_splitter(3, task, random_state), n_jobs=1, refit=True)


@contextmanager
def _sklearn_silenced():
    with warnings.catch_warnings():
        # Convergence chatter from a baseline should not drown the report.
        warnings.filterwarnings("ignore", category=UserWarning, module="sklearn")
        yield


def fit_and_predict(model, X_train, y_train, X_test, task="classification", *, valid=None,
                    grid=None, fine_tune=None, quiet=False, layout=None):
    """Fit a clone of ``model`` and predict ``X_test``, timing both.

    Parameters
    ----------
    model : estimator
    X_train, y_train, X_test : arrays
    task : {"classification", "regression"}, default="classification"
        For regression ``score`` and ``label`` are both the predictions.
    valid : (X_valid, y_valid), optional
        A validation split: a neural final step early-stops on it
        (:func:`fit_with_validation`) and ``grid`` is chosen on it.
    grid : dict, optional
        Parameters to choose on ``valid`` (:func:`choose_on_valid`) before the fit.
    fine_tune : (X, y), optional
        Genes of another dataset learnt after the fit (:func:`continue_fit`).
    quiet : bool, default=False
        Silence scikit-learn's ``UserWarning`` during the fit.
    layout : dict, optional
        ``marks`` and ``bin_size`` the data declared (either may be ``None``): with marks,
        every array the model reads becomes a :class:`~skdeepchrome.layout.HistoneMatrix`
        (:func:`~skdeepchrome.layout.with_layout`), so a pipeline built outside the
        package learns them as the named models are told them.

    Returns
    -------
    score, label : ndarray
    fit_seconds, predict_seconds : float
    best_params : dict or None
        What an inner search (``GridSearchCV``) chose.
    """
    model = clone(model)
    start = time.perf_counter()
    with _sklearn_silenced() if quiet else nullcontext():
        if fine_tune is not None and not is_neural(model):
            # A baseline cannot continue a fit: it learns from both sets of genes at once.
            X_train = np.concatenate([X_train, fine_tune[0]])
            y_train = np.concatenate([y_train, fine_tune[1]])
        if layout is not None:
            X_train, X_test = (with_layout(X, **layout) for X in (X_train, X_test))
            if valid is not None:
                valid = (with_layout(valid[0], **layout), valid[1])
            if fine_tune is not None:
                fine_tune = (with_layout(fine_tune[0], **layout), fine_tune[1])
        if valid is None:
            model.fit(X_train, y_train)
        else:
            if grid is not None:
                model.set_params(**choose_on_valid(model, grid, X_train, y_train, *valid,
                                                   scoring=TUNING_SCORE[task]))
            fit_with_validation(model, X_train, y_train, *valid)
        if fine_tune is not None and is_neural(model):
            continue_fit(model, *fine_tune)
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    if task == "regression":
        score = label = np.asarray(model.predict(X_test), dtype=float)
    else:
        score, label = score_and_label(model, X_test)
    return (score, label, fit_seconds, time.perf_counter() - start,
            getattr(model, "best_params_", None))


def _threshold(final, score):
    """The labels ``final.predict`` gives, read off its binary ``decision_function`` values
    ``score``; ``None`` where its rule is not known to be exactly that.

    Each rule is the estimator's own: a linear model and the package's networks predict
    ``classes_[1]`` where the score is above 0 (``LinearClassifierMixin.predict``; the
    networks' argmax of two logits whose difference is the score); libsvm predicts
    ``classes_[0]`` where its value is above 0, and scikit-learn's binary
    ``decision_function`` is that value negated, so ``classes_[1]`` where the score is 0 or
    above.
    """
    predict = getattr(type(final), "predict", None)
    decision = getattr(type(final), "decision_function", None)
    if type(final) is SVC and not final.break_ties:
        return final.classes_[(score >= 0).astype(int)]
    if predict is LogisticRegression.predict and decision is (
            LogisticRegression.decision_function):
        return final.classes_[(score > 0).astype(int)]
    if (isinstance(final, TorchHistoneEstimator)
            and getattr(predict, "__qualname__", "") == "TorchHistoneClassifier.predict"
            and getattr(decision, "__qualname__", "") ==
            "TorchHistoneClassifier.decision_function"):
        return final.classes_[(score > 0).astype(int)]
    return None


def _blas_rbf_svm(final, X):
    """Whether ``final`` is a fitted binary RBF ``SVC`` on dense input (:func:`_rbf_decision`)."""
    return (type(final) is SVC and final.kernel == "rbf" and not final.break_ties
            and len(getattr(final, "classes_", ())) == 2 and not getattr(final, "_sparse", True)
            and hasattr(final, "_gamma") and isinstance(X, np.ndarray))


#: A decision value nearer 0 than this is taken from libsvm itself (see _rbf_decision).
_SIGN_MARGIN = 1e-8


def _rbf_decision(svm, X, block=1024):
    """A fitted binary RBF ``SVC``'s ``decision_function(X)`` through matrix products.

    libsvm evaluates the kernel gene by support vector, one dot product at a time: on a
    release-sized epigenome (6,600 test genes, about 4,300 support vectors of 500
    features) 6 to 11 s, where one matrix product in float64 takes under a second. The
    values are libsvm's to a few 1e-12 (the squared distance is expanded as
    ``|x|^2 + |v|^2 - 2 x.v``, rounded otherwise): the genes' order, hence ROC AUC and
    average precision, is the same unless two genes' scores lie that close. Genes whose
    value is within ``_SIGN_MARGIN`` of 0 are scored by libsvm itself, so that every
    predicted label is libsvm's.
    """
    X = np.asarray(X, dtype=np.float64)
    vectors, coef = svm.support_vectors_, svm.dual_coef_[0]
    squared = np.einsum("ij,ij->i", vectors, vectors)
    score = np.empty(len(X))
    for start in range(0, len(X), block):
        part = X[start:start + block]
        distance = np.einsum("ij,ij->i", part, part)[:, None] + squared - 2 * (part @ vectors.T)
        np.maximum(distance, 0, out=distance)
        score[start:start + block] = np.exp(-svm._gamma * distance) @ coef
    score += svm.intercept_[0]
    near = np.abs(score) < _SIGN_MARGIN
    if near.any():
        score[near] = svm.decision_function(X[near])
    return score


def score_and_label(model, X):
    """The continuous score of ``X`` (``decision_function`` where the model has a
    binary one, else the positive class's probability) and its predicted labels.

    A model's prediction costs what its score costs (an RBF SVM compares every gene with
    each of its thousands of support vectors in both): where the labels follow exactly
    from the same output (a binary decision function's sign under the estimator's own
    rule, a forest's most probable class), they are read off it instead of computed
    again; any other model is asked for ``predict`` as well. Score and labels are the
    values ``decision_function`` (or ``predict_proba``) and ``predict`` return, except a
    binary RBF ``SVC``'s score, computed by matrix products (:func:`_rbf_decision`: the
    same to a few 1e-12, the same labels).

    Returns
    -------
    score : ndarray of shape (n_genes,)
    label : ndarray of shape (n_genes,)

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.svm import SVC
    >>> X, y = make_classification(random_state=0)
    >>> svm = SVC().fit(X, y)
    >>> score, label = score_and_label(svm, X)
    >>> bool((label == svm.predict(X)).all())
    True
    >>> bool(np.allclose(score, svm.decision_function(X), rtol=0, atol=1e-10))
    True
    """
    model = getattr(model, "best_estimator_", model)  # a search predicts with its refit
    final, Xt = model, X
    if isinstance(model, Pipeline):
        final = model[-1]
        if len(model) > 1:
            Xt = model[:-1].transform(X)
    if _blas_rbf_svm(final, Xt):
        score = _rbf_decision(final, Xt)
        return score, final.classes_[(score >= 0).astype(int)]
    if hasattr(final, "decision_function"):
        score = np.asarray(final.decision_function(Xt), dtype=float)
        if score.ndim == 1:
            label = _threshold(final, score)
            return score, np.asarray(final.predict(Xt) if label is None else label)
    proba = np.asarray(final.predict_proba(Xt), dtype=float)
    forest = RandomForestClassifier
    if (type(final).predict is forest.predict and type(final).predict_proba is
            forest.predict_proba and getattr(final, "n_outputs_", 1) == 1):
        # A forest (scikit-learn's ForestClassifier) predicts the class of highest
        # averaged probability.
        label = final.classes_.take(np.argmax(proba, axis=1), axis=0)
    else:
        label = final.predict(Xt)
    return proba[:, 1], np.asarray(label)


def final_step(model):
    """The estimator at the end of ``model`` (a pipeline's last step, or ``model`` itself)."""
    return model[-1] if isinstance(model, Pipeline) else model


def is_neural(model):
    """Whether ``model`` ends in one of the package's torch networks."""
    return isinstance(final_step(model), TorchHistoneEstimator)


def fit_with_validation(model, X_train, y_train, X_valid, y_valid):
    """Fit ``model``; a neural final step early-stops on the given validation split.

    A pipeline's earlier steps are fitted on the training genes only and applied to the
    validation genes before they reach the network.
    """
    if not is_neural(model):
        return model.fit(X_train, y_train)
    final = final_step(model)
    if isinstance(model, Pipeline) and len(model) > 1:
        head = model[:-1]
        Xt = head.fit_transform(X_train, y_train)
        final.fit(Xt, y_train, X_val=head.transform(X_valid), y_val=y_valid)
    else:
        final.fit(X_train, y_train, X_val=X_valid, y_val=y_valid)
    return model


def continue_fit(model, X, y):
    """Continue the fitted network at the end of ``model`` on ``X, y`` (``warm_start``).

    Only the network continues: the steps before it keep what they learnt first (refitted
    on a few new genes, a standardising binner would move every feature under the
    network's feet).
    """
    final = final_step(model)
    if isinstance(model, Pipeline):
        X = model[:-1].transform(X)
    final.set_params(warm_start=True)
    final.fit(X, y)
    return model


def choose_on_valid(model, grid, X_train, y_train, X_valid, y_valid, scoring="roc_auc"):
    """Best parameters of ``grid`` by ``scoring`` (ROC AUC) on the validation split (trained
    on train)."""
    X = np.concatenate([X_train, X_valid])
    y = np.concatenate([y_train, y_valid])
    fold = np.r_[np.full(len(X_train), -1), np.zeros(len(X_valid), dtype=int)]
    search = GridSearchCV(model, grid, scoring=scoring, cv=PredefinedSplit(fold), refit=False,
                          n_jobs=1)
    return search.fit(X, y).best_params_
