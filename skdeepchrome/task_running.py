"""Running the fits of a comparison: models and grids by name, one fit, many in parallel.

Every protocol (cross-validation, the paper's train / valid / test split, the real sample)
builds a list of ``delayed`` fits and hands it to :func:`run_tasks`, which runs them through
joblib locally or on a ``dask.distributed`` cluster, with progress and each warning once.
"""

from __future__ import annotations

import time
import warnings
from contextlib import contextmanager, nullcontext

import numpy as np
from joblib import Parallel, parallel_config
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold
from sklearn.utils import check_random_state
from tqdm.auto import tqdm

from .baselines import default_param_grids, make_model, model_names
from .comparison_result import CEILING
from .layout import REMC_MARKS
from .targets import continuous_score


def resolve_models(models, *, marks=REMC_MARKS, features="bins", random_state=None,
                   task="classification", bin_size=None):
    """Turn ``models`` (None, names, or ``{name: estimator}``) into ``{name: estimator}``.

    ``bin_size`` (base pairs per bin of the data, when known) reaches every named model
    (:func:`~skdeepchrome.baselines.make_model`), so the CNN sizes its filter in base pairs.
    """
    if models is None:
        models = model_names(task)
    if isinstance(models, str):
        models = [m.strip() for m in models.split(",") if m.strip()]
    if isinstance(models, dict):
        resolved = dict(models)
    else:
        rng = check_random_state(random_state)
        resolved = {}
        for name in models:
            seed = None if random_state is None else int(rng.randint(np.iinfo(np.int32).max))
            resolved[name] = make_model(name, features=features, marks=marks, random_state=seed,
                                        task=task, bin_size=bin_size)
    if not resolved:
        raise ValueError("No models to compare.")
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
    if task == "regression":
        inner = KFold(3, shuffle=True, random_state=random_state)
    else:
        inner = StratifiedKFold(3, shuffle=True, random_state=random_state)
    return GridSearchCV(model, grid, scoring=TUNING_SCORE[task], cv=inner, n_jobs=1,
                        refit=True)


def fit_and_predict(model, X_train, y_train, X_test, task="classification"):
    """Fit a clone; return ``(fitted, score, label, fit_seconds, predict_seconds)``.

    For regression ``score`` and ``label`` are both the predictions.
    """
    model = clone(model)
    start = time.perf_counter()
    with warnings.catch_warnings():
        # Convergence chatter from a baseline should not drown the report.
        warnings.filterwarnings("ignore", category=UserWarning, module="sklearn")
        model.fit(X_train, y_train)
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    if task == "regression":
        score = label = np.asarray(model.predict(X_test), dtype=float)
    else:
        score = continuous_score(model, X_test)
        label = np.asarray(model.predict(X_test))
    return model, score, label, fit_seconds, time.perf_counter() - start


@contextmanager
def execution(scheduler):
    """joblib on the local machine, or on a ``dask.distributed`` cluster at ``scheduler``."""
    if scheduler is None:
        yield
        return
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "Running on a Dask cluster needs dask.distributed: "
            'pip install "skdeepchrome[distributed]"'
        ) from exc
    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    try:
        with client.as_current(), parallel_config(backend="dask"):
            yield
    finally:
        if client is not scheduler:
            client.close()


def _recording_warnings(function, *args, **kwargs):
    """Call ``function`` and return ``(result, warnings)`` instead of printing them.

    A worker process has its own stderr: left alone, every fit would print its warnings
    there, inside the progress bar, once per fit. Returned to the parent, each can be
    issued there once.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = function(*args, **kwargs)
    return result, [(w.category, str(w.message)) for w in caught]


def run_tasks(tasks, *, n_jobs=None, scheduler=None, verbose=1, desc="fits"):
    """Run ``delayed`` tasks with joblib (or Dask); results in task order, with progress.

    Warnings raised in the tasks (in whichever process) are issued again here, once per
    distinct message, after the progress bar is closed.
    """
    tasks = [(_recording_warnings, (function, *args), kwargs)
             for function, args, kwargs in tasks]
    if scheduler is not None and n_jobs is None:
        n_jobs = -1
    results, caught = [], {}
    with execution(scheduler) if scheduler is not None else nullcontext():
        parallel = Parallel(n_jobs=n_jobs, return_as="generator")
        with tqdm(total=len(tasks), desc=desc, disable=not verbose, leave=False,
                  unit="fit", smoothing=0) as bar:
            for result, raised in parallel(tasks):
                results.append(result)
                for category, message in raised:
                    caught.setdefault((category, message), None)
                bar.update(1)
    for category, message in caught:
        warnings.warn(message, category, stacklevel=2)
    return results
