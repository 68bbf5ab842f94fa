"""Cross-validation's steps, shared by :func:`~skdeepchrome.compare.compare_models` and
:func:`~skdeepchrome.compare.compare_differential`.

A fold is a unit of the run: every model fitted on the fold's training genes and scored on
its test genes (:func:`fold_units`, :func:`fold_result`). The finished folds make one table,
model by model and fold by fold, with the Bayes ceiling's rows last (:func:`fold_tables`).
"""

from __future__ import annotations

import pandas as pd
from joblib import delayed

from ._fitting import fit_and_predict, tuned
from ._records import UnitResult
from ._scoring import ceiling_rows, score_rows


def fit_fold(name, model, grid, X, y, train, test, inner_seed, task="classification",
             layout=None):
    """One model on one fold: ``(name, score, label, fit_seconds, predict_seconds,
    best_params)``; ``grid`` tunes it by inner cross-validation (:func:`tuned`);
    ``layout`` as :func:`~skdeepchrome.compare._fitting.fit_and_predict` takes it."""
    return (name, *fit_and_predict(tuned(model, grid, inner_seed, task), X[train], y[train],
                                   X[test], task, quiet=True, layout=layout))


def fold_units(models, X, targets, folds, task, *, grids=None, inner_seed=None, layout=None):
    """The fits of every fold, as :func:`~skdeepchrome.compare._running.run_units` takes them.

    Parameters
    ----------
    models : dict of str -> estimator
    X : ndarray
    targets : dict of str -> ndarray
        What each model fits on (a model may take more than the scored target).
    folds : list of (train, test)
    task : str
        As :func:`fit_fold` takes it.
    grids : dict of str -> dict, optional
        The models to tune, and their grids.
    inner_seed : int, optional
        Seeds the inner folds of tuning.
    layout : dict, optional
        The marks and bin width ``X`` declared (:func:`fit_fold`). ``X`` itself travels
        as a plain array, which joblib shares with its workers through a memory map.

    Returns
    -------
    dict of str -> list of (str, delayed)
        Fold by fold, so that each fold is finished (and recorded) as early as possible.
    """
    grids = grids or {}
    return {str(fold): [(name, delayed(fit_fold)(name, model, grids.get(name), X,
                                                 targets[name], train, test, inner_seed, task,
                                                 layout))
                        for name, model in models.items()]
            for fold, (train, test) in enumerate(folds)}


def fold_result(folds, y, scoring, unit, outputs):
    """One fold's rows, predictions and tuned parameters from its fits (in model order)."""
    test = folds[int(unit)][1]
    rows, frames, best_params = [], [], {}
    for name, score, label, fit_s, pred_s, best in outputs:
        fold_rows, frame = score_rows(name, dict(fold=int(unit)), y[test], score, label,
                                      scoring, gene=test, seconds=(fit_s, pred_s))
        rows += fold_rows
        frames.append(frame)
        if best is not None:
            best_params[name] = str(best)
    return UnitResult(rows, pd.concat(frames, ignore_index=True),
                      {"best_params": best_params})


def fold_tables(models, done, folds, y, scoring, *, posterior=None, task="classification"):
    """The results table, the predictions and the tuned parameters of the finished folds.

    Parameters
    ----------
    models : iterable of str
        In report order.
    done : dict of str -> UnitResult
        The finished folds (:func:`fold_result`), in fold order.
    folds : list of (train, test)
    y : ndarray
        The scored target.
    scoring : sequence of str
    posterior : ndarray, optional
        Adds the ceiling's rows (:func:`~skdeepchrome.compare._scoring.ceiling_rows`).
    task : str, default="classification"

    Returns
    -------
    table, predictions : pandas.DataFrame
    best_params : dict of str -> list of str
    """
    # Model by model, fold by fold: the table reads as before the folds were recorded.
    rows, predictions, best_params = [], [], {}
    for name in models:
        for result in done.values():
            rows += [row for row in result.rows if row["model"] == name]
            frame = result.predictions
            predictions.append(frame[frame["model"] == name])
            best = result.extras.get("best_params", {}).get(name)
            if best is not None:
                best_params.setdefault(name, []).append(best)
    for unit in done if posterior is not None else ():
        test = folds[int(unit)][1]
        ceiling, frame = ceiling_rows(posterior[test], y[test], scoring, dict(fold=int(unit)),
                                      gene=test, task=task)
        rows += ceiling
        predictions.append(frame)
    return pd.DataFrame(rows), pd.concat(predictions, ignore_index=True), best_params
