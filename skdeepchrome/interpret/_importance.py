"""Whole-mark importance for any estimator: permute a mark, or refit without it."""

from __future__ import annotations

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.metrics import check_scoring
from sklearn.pipeline import Pipeline
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ..layout import REMC_MARKS, infer_marks, resolve_marks, to_3d
from ..preprocessing import HistoneBinner
from ._differentiable_pipeline import unwrap_estimator

IMPORTANCE_METHODS = ("permutation", "ablation")


def input_marks(estimator, X=None):
    """Marks of an estimator's input: its first binner's, its own ``marks_``, or ``X``'s.

    Falls back to :data:`~skdeepchrome.layout.REMC_MARKS`, every binner's default.

    Examples
    --------
    >>> from skdeepchrome import HistoneBinner
    >>> input_marks(HistoneBinner(marks=["A", "B"]))
    ('A', 'B')
    """
    steps, final = unwrap_estimator(estimator)
    first = steps[0] if steps else final
    for attribute in ("marks_", "marks"):
        marks = getattr(first, attribute, None)
        if marks is not None and not (isinstance(marks, str) and marks == "auto"):
            return resolve_marks(marks)
    carried = infer_marks(X) if X is not None else None
    return carried or REMC_MARKS


def _as_3d(X, marks, name):
    try:
        X = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric: {exc}") from None
    if X.ndim == 2:
        resolve_marks(marks, X.shape[1])
    X3 = to_3d(X, len(marks))
    if not np.isfinite(X3).all():
        raise ValueError(f"{name} contains NaN or infinity.")
    return X3


def _check_y(y, n_genes, name):
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != n_genes:
        raise ValueError(
            f"{name} must hold one label per gene ({n_genes}), got shape {y.shape}."
        )
    return y


def _seed_params(estimator, seed):
    """``set_params`` arguments giving every ``random_state`` parameter ``seed``."""
    return {
        name: seed
        for name in estimator.get_params(deep=True)
        if name == "random_state" or name.endswith("__random_state")
    }


def _binner_path(estimator):
    """``set_params`` path of the first step's ``select``, or None without a first binner."""
    prefix = ""
    while isinstance(estimator, Pipeline):
        name, first = estimator.steps[0]
        prefix += f"{name}__"
        if isinstance(first, HistoneBinner):
            return prefix + "select", first
        estimator = first
    return None, None


def _ablation_model(estimator, marks):
    """A clone whose first step is a HistoneBinner, and the path to its ``select``."""
    model = clone(estimator)
    path, binner = _binner_path(model)
    if path is None:
        # Any estimator reading the mark-major layout can lose a mark through a binner
        # that only selects (no pooling, no scaling).
        model = Pipeline([("binner", HistoneBinner(marks)), ("model", model)])
        path, binner = _binner_path(model)
    binner_marks = resolve_marks(binner.marks)
    if binner_marks != tuple(marks):
        raise ValueError(
            f"The estimator's HistoneBinner reads marks {list(binner_marks)}, but the "
            f"data's marks are {list(marks)}."
        )
    kept = list(marks) if binner.select is None else [
        marks[s] if isinstance(s, (int, np.integer)) else str(s) for s in binner.select
    ]
    return model, path, kept


def _fit_score(model, params, X_train, y_train, X, y, scoring):
    model = clone(model).set_params(**params)
    model.fit(X_train, y_train)
    return check_scoring(model, scoring=scoring)(model, X, y)


def mark_importance(
    estimator,
    X,
    y,
    method="permutation",
    *,
    X_train=None,
    y_train=None,
    scoring="roc_auc",
    n_repeats=5,
    marks=None,
    n_jobs=None,
    random_state=None,
):
    """How much each whole mark matters: the score lost without its information.

    Works for any estimator reading the mark-major layout (the CNN pipeline, a random
    forest from :func:`skdeepchrome.baselines.make_model`, ...).

    - ``"permutation"`` (fitted ``estimator``): shuffle one mark's whole block of bins
      across the genes of ``X`` together (keeping each profile's shape, breaking its link
      to the gene) and score again; ``n_repeats`` shuffles.
    - ``"ablation"`` (needs ``X_train, y_train``): refit a clone without the mark, through
      its first ``HistoneBinner``'s ``select`` (set with ``set_params``; an estimator that
      has none is wrapped as ``Pipeline([("binner", HistoneBinner(marks)), ("model",
      estimator)])``), and score it on ``X, y``. The full model is refitted too, and each
      of ``n_repeats`` repeats gives every ``random_state`` parameter of the clones the
      same new seed, so drops are paired; a model with no ``random_state`` is fitted once.

    Parameters
    ----------
    estimator : estimator or Pipeline
        Fitted for ``"permutation"``; only cloned for ``"ablation"``.
    X : array-like of shape (n_genes, n_marks * n_bins) or (n_genes, n_marks, n_bins)
        Genes to score on (held out from training).
    y : array-like of shape (n_genes,)
    method : {"permutation", "ablation"}, default="permutation"
    X_train, y_train : array-like, optional
        Training genes for ``"ablation"`` (required there, refused otherwise).
    scoring : str or callable, default="roc_auc"
        A scikit-learn scorer.
    n_repeats : int, default=5
        Shuffles per mark, or seeds of refits.
    marks : int or sequence of str, default=None
        The input's marks; ``None`` takes them from the estimator's first
        ``HistoneBinner`` (or ``marks_``), then from ``X``, else the five REMC marks.
    n_jobs : int, default=None
        Parallel refits for ``"ablation"`` (joblib).
    random_state : int, RandomState instance or None, default=None
        Seeds the shuffles, or the refits' seeds.

    Returns
    -------
    DataFrame
        One row per mark, most important first: ``mark``, ``importance`` (mean score
        drop), ``sd`` (over repeats), ``n_repeats``, ``baseline_score`` (the intact
        model's, averaged over repeats for ``"ablation"``), ``method``, ``scoring``.

    Raises
    ------
    ValueError
        For an unknown method, missing or unexpected training data, or X of the wrong
        width.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from skdeepchrome import HistoneBinner
    >>> rng = np.random.default_rng(0)
    >>> X = rng.poisson(2.0, size=(200, 5 * 4)).astype(float)
    >>> y = (X[:, 12:16].sum(axis=1) > 8).astype(int)  # H3K4me3 decides
    >>> model = make_pipeline(HistoneBinner(scale="log1p"), LogisticRegression())
    >>> table = mark_importance(model.fit(X[:100], y[:100]), X[100:], y[100:],
    ...                         random_state=0)
    >>> table["mark"].iloc[0]
    'H3K4me3'
    >>> mark_importance(model, X[100:], y[100:], "ablation", X_train=X[:100],
    ...                 y_train=y[:100], n_repeats=1)["mark"].iloc[0]
    'H3K4me3'
    """
    if method not in IMPORTANCE_METHODS:
        raise ValueError(f"method must be one of {list(IMPORTANCE_METHODS)}, got {method!r}.")
    if int(n_repeats) < 1:
        raise ValueError(f"n_repeats must be a positive integer, got {n_repeats!r}.")
    marks = resolve_marks(marks) if marks is not None else input_marks(estimator, X)
    X3 = _as_3d(X, marks, "X")
    y = _check_y(y, len(X3), "y")
    rng = check_random_state(random_state)
    if method == "permutation":
        if X_train is not None or y_train is not None:
            raise ValueError(
                "X_train and y_train are only used by method='ablation'; permutation "
                "importance scores the fitted estimator on X, y."
            )
        check_is_fitted(estimator)
        drops, baseline = _permutation_drops(estimator, X3, y, marks, scoring, n_repeats, rng)
    else:
        if X_train is None or y_train is None:
            raise ValueError(
                "method='ablation' refits the estimator without each mark and needs the "
                "training genes: pass X_train and y_train."
            )
        X3_train = _as_3d(X_train, marks, "X_train")
        if X3_train.shape[1:] != X3.shape[1:]:
            raise ValueError(
                f"X_train has {X3_train.shape[2]} bins per mark but X has {X3.shape[2]}."
            )
        y_train = _check_y(y_train, len(X3_train), "y_train")
        drops, baseline = _ablation_drops(
            estimator, X3_train, y_train, X3, y, marks, scoring, n_repeats, n_jobs, rng
        )
    table = pd.DataFrame({
        "mark": list(drops),
        "importance": [float(np.mean(d)) for d in drops.values()],
        "sd": [float(np.std(d, ddof=1)) if len(d) > 1 else 0.0 for d in drops.values()],
        "n_repeats": [len(d) for d in drops.values()],
        "baseline_score": baseline,
        "method": method,
        "scoring": scoring if isinstance(scoring, str) else getattr(scoring, "__name__", "score"),
    })
    return table.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)


def _permutation_drops(estimator, X3, y, marks, scoring, n_repeats, rng):
    scorer = check_scoring(estimator, scoring=scoring)
    flat = X3.reshape(len(X3), -1)
    baseline = float(scorer(estimator, flat, y))
    drops = {}
    shuffled = X3.copy()
    for m, mark in enumerate(marks):
        drops[mark] = []
        for _ in range(int(n_repeats)):
            shuffled[:, m] = X3[rng.permutation(len(X3)), m]
            drops[mark].append(baseline - float(scorer(estimator, shuffled.reshape(flat.shape),
                                                       y)))
        shuffled[:, m] = X3[:, m]
    return drops, baseline


def _ablation_drops(estimator, X3_train, y_train, X3, y, marks, scoring, n_repeats, n_jobs,
                    rng):
    model, path, kept = _ablation_model(estimator, marks)
    if len(kept) < 2:
        raise ValueError(
            f"Ablation needs at least two marks to drop one of them; the binner keeps {kept}."
        )
    seeded = bool(_seed_params(model, 0))
    seeds = rng.randint(np.iinfo(np.int32).max, size=int(n_repeats) if seeded else 1)
    variants = [None] + kept
    tasks = []
    for variant in variants:
        for seed in seeds:
            params = _seed_params(model, int(seed))
            if variant is not None:
                params[path] = [m for m in kept if m != variant]
            tasks.append(params)
    Xtr, X = X3_train.reshape(len(X3_train), -1), X3.reshape(len(X3), -1)
    scores = Parallel(n_jobs=n_jobs)(
        delayed(_fit_score)(model, params, Xtr, y_train, X, y, scoring) for params in tasks
    )
    scores = np.asarray(scores, dtype=float).reshape(len(variants), len(seeds))
    full = scores[0]
    drops = {mark: list(full - scores[i + 1]) for i, mark in enumerate(kept)}
    return drops, float(full.mean())
