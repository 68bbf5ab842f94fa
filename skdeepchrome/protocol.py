"""The DeepChrome paper's protocol: per epigenome, train / choose on valid / report on test.

For each epigenome every model is trained on ``train``; epochs (the CNN's early stopping)
and, with ``tune=True``, hyper-parameters are chosen on ``valid``; AUC is reported on
``test``. Over a collection of epigenomes the summary gives mean and median AUC per model,
wins per model, and a Wilcoxon signed-rank test of the CNN against each baseline across
epigenomes, as in the paper's comparison over 56 REMC epigenomes.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from joblib import delayed
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, PredefinedSplit
from sklearn.pipeline import Pipeline
from sklearn.utils import check_random_state

from .compare import (
    CEILING,
    ComparisonResult,
    check_binary_target,
    check_matrix,
    check_scoring,
    continuous_score,
    metric_values,
    resolve_grids,
    resolve_models,
    run_tasks,
)
from .estimators._base import TorchHistoneEstimator
from .layout import REMC_MARKS
from .significance import paired_bootstrap_auc, wilcoxon_signed_rank

SPLITS = ("train", "valid", "test")


def fit_with_validation(model, X_train, y_train, X_valid, y_valid):
    """Fit ``model``; a neural final step early-stops on the given validation split.

    A pipeline's earlier steps are fitted on the training genes only and applied to the
    validation genes before they reach the network.
    """
    final = model[-1] if isinstance(model, Pipeline) else model
    if not isinstance(final, TorchHistoneEstimator):
        return model.fit(X_train, y_train)
    if isinstance(model, Pipeline) and len(model) > 1:
        head = model[:-1]
        Xt = head.fit_transform(X_train, y_train)
        final.fit(Xt, y_train, X_val=head.transform(X_valid), y_val=y_valid)
    else:
        final.fit(X_train, y_train, X_val=X_valid, y_val=y_valid)
    return model


def choose_on_valid(model, grid, X_train, y_train, X_valid, y_valid):
    """Best parameters of ``grid`` by ROC AUC on the validation split (trained on train)."""
    X = np.concatenate([X_train, X_valid])
    y = np.concatenate([y_train, y_valid])
    fold = np.r_[np.full(len(X_train), -1), np.zeros(len(X_valid), dtype=int)]
    search = GridSearchCV(model, grid, scoring="roc_auc", cv=PredefinedSplit(fold), refit=False,
                          n_jobs=1)
    return search.fit(X, y).best_params_


def _splits(data, name):
    missing = [s for s in SPLITS if s not in data]
    if missing:
        raise ValueError(f"Epigenome {name!r} lacks the split(s) {missing}; need {SPLITS}.")
    out = {}
    for split in SPLITS:
        X, _ = check_matrix(data[split]["data"], name=f"{name}/{split} data")
        y, classes = check_binary_target(data[split]["target"], name=f"{name}/{split} target")
        if len(X) != len(y):
            raise ValueError(f"{name}/{split}: {len(X)} genes but {len(y)} labels.")
        out[split] = (X, y, classes)
    if not all(np.array_equal(out[s][2], out["train"][2]) for s in SPLITS):
        raise ValueError(f"Epigenome {name!r}: the splits do not share the same two classes.")
    return out


def evaluate_epigenome(data, models=None, *, scoring=("roc_auc", "average_precision", "accuracy"),
                       tune=False, random_state=None, features="bins", name=None):
    """The paper's protocol on one epigenome; returns the raw rows and predictions.

    Prefer :func:`paper_protocol`, which also summarises and tests. This is the unit of
    work it distributes.

    Parameters
    ----------
    data : Bunch or callable
        ``train``, ``valid`` and ``test`` Bunches with ``data`` and ``target`` (and
        optionally ``posterior``, which adds the ``ceiling`` row), like
        :func:`skdeepchrome.datasets.load_remc` returns; a callable is called to load it
        (so a worker loads its own epigenome).

    Returns
    -------
    rows : list of dict
    predictions : pandas.DataFrame
    """
    if callable(data):
        data = data()
    name = name or data.get("epigenome", "epigenome")
    splits = _splits(data, name)
    scoring = check_scoring(scoring)
    marks = tuple(data.get("marks", REMC_MARKS))
    models = resolve_models(models, marks=marks, features=features, random_state=random_state)
    grids = resolve_grids(tune, models)
    (X_tr, y_tr, _), (X_va, y_va, _), (X_te, y_te, _) = (splits[s] for s in SPLITS)
    rows, predictions = [], []
    for model_name, model in models.items():
        model = clone(model)
        start = time.perf_counter()
        if model_name in grids:
            model.set_params(**choose_on_valid(model, grids[model_name], X_tr, y_tr, X_va, y_va))
        fit_with_validation(model, X_tr, y_tr, X_va, y_va)
        fit_s = time.perf_counter() - start
        start = time.perf_counter()
        score = continuous_score(model, X_te)
        label = np.asarray(model.predict(X_te))
        pred_s = time.perf_counter() - start
        for metric, value in metric_values(y_te, score, label, scoring).items():
            rows.append(dict(model=model_name, epigenome=name, metric=metric, value=value,
                             fit_seconds=fit_s, predict_seconds=pred_s))
        predictions.append(pd.DataFrame(dict(model=model_name, epigenome=name,
                                             gene=np.arange(len(y_te)), y_true=y_te,
                                             score=score)))
    posterior = data["test"].get("posterior")
    if posterior is not None:
        posterior = np.asarray(posterior, dtype=float)
        for metric, value in metric_values(y_te, posterior, (posterior > 0.5).astype(int),
                                           scoring).items():
            rows.append(dict(model=CEILING, epigenome=name, metric=metric, value=value,
                             fit_seconds=np.nan, predict_seconds=np.nan))
        predictions.append(pd.DataFrame(dict(model=CEILING, epigenome=name,
                                             gene=np.arange(len(y_te)), y_true=y_te,
                                             score=posterior)))
    return rows, pd.concat(predictions, ignore_index=True)


def _epigenome_tests(table, predictions, reference, scoring, random_state):
    rows = []
    units = table["epigenome"].unique()
    models = [m for m in dict.fromkeys(table["model"]) if m not in (reference, CEILING)]
    if reference not in set(table["model"]):
        return pd.DataFrame(columns=["reference", "model", "metric", "test", "mean_difference",
                                     "statistic", "p_value"])
    if len(units) == 1:
        ref = predictions[predictions["model"] == reference]
        for model in models:
            other = predictions[predictions["model"] == model]
            diff, p = paired_bootstrap_auc(ref["y_true"].to_numpy(), ref["score"].to_numpy(),
                                           other["score"].to_numpy(), n_boot=1000,
                                           random_state=random_state)
            rows.append(dict(reference=reference, model=model, metric="roc_auc",
                             test="paired bootstrap over test genes (1000 resamples)",
                             mean_difference=diff, statistic=np.nan, p_value=p))
        return pd.DataFrame(rows)
    for metric in scoring:
        wide = table[table["metric"] == metric].pivot(index="epigenome", columns="model",
                                                      values="value")
        for model in models:
            stat, p = wilcoxon_signed_rank(wide[reference], wide[model])
            rows.append(dict(reference=reference, model=model, metric=metric,
                             test="Wilcoxon signed-rank across epigenomes",
                             mean_difference=float((wide[reference] - wide[model]).mean()),
                             statistic=stat, p_value=p))
    return pd.DataFrame(rows)


def paper_protocol(epigenomes, models=None, *, scoring=("roc_auc", "average_precision",
                                                         "accuracy"),
                   tune=False, n_jobs=None, random_state=None, features="bins",
                   reference="deepchrome", scheduler=None, verbose=1):
    """Run the paper's train / valid / test protocol over one or more epigenomes.

    Parameters
    ----------
    epigenomes : Bunch, mapping of name -> Bunch or callable, or an iterable of pairs
        One epigenome (a Bunch with ``train``, ``valid``, ``test``), or several by name. A
        callable value is called inside the worker to load that epigenome, so only one is
        in memory per worker (:func:`skdeepchrome.datasets.load_remc_collection` and the
        simulator provide such loaders).
    models : None, list of str, or dict of name -> estimator
        As in :func:`skdeepchrome.compare.compare_models`.
    scoring, tune, features, reference
        As in :func:`~skdeepchrome.compare.compare_models`.
    n_jobs : int, default=None
        Epigenomes evaluated in parallel (joblib).
    random_state : int or None
        Seeds every model; the same seed gives the same table on CPU.
    scheduler : str or distributed.Client, optional
        Evaluate the epigenomes on a ``dask.distributed`` cluster.
    verbose : int, default=1

    Returns
    -------
    ComparisonResult
        ``unit="epigenome"``. With several epigenomes, tests are Wilcoxon signed-rank tests
        across epigenomes; with one, a paired bootstrap of the test-set AUC difference.
    """
    if hasattr(epigenomes, "keys") and set(SPLITS) <= set(epigenomes.keys()):
        epigenomes = {epigenomes.get("epigenome", "epigenome"): epigenomes}
    items = list(epigenomes.items()) if hasattr(epigenomes, "items") else list(epigenomes)
    if not items:
        raise ValueError("No epigenomes to evaluate.")
    names = [name for name, _ in items]
    if len(set(names)) != len(names):
        raise ValueError(f"Epigenome names repeat: {names}.")
    scoring = check_scoring(scoring)
    seed = None if random_state is None else int(
        check_random_state(random_state).randint(np.iinfo(np.int32).max))
    tasks = [
        delayed(evaluate_epigenome)(source, models, scoring=scoring, tune=tune,
                                    random_state=seed, features=features, name=name)
        for name, source in items
    ]
    outputs = run_tasks(tasks, n_jobs=n_jobs, scheduler=scheduler, verbose=verbose,
                        desc="epigenomes")
    table = pd.DataFrame([row for rows, _ in outputs for row in rows])
    predictions = pd.concat([pred for _, pred in outputs], ignore_index=True)
    tests = _epigenome_tests(table, predictions, reference, scoring, seed)
    info = dict(protocol="train / valid / test (DeepChrome paper)", epigenomes=names,
                scoring=list(scoring), tune=bool(tune), random_state=random_state,
                features=features)
    return ComparisonResult(table, unit="epigenome", tests=tests, predictions=predictions,
                            reference=reference, info=info)
