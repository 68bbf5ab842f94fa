"""The cross-validated comparison harness: every model on the same folds, one report.

:func:`compare_models` answers "does the CNN beat the classical baselines on my data, by how
much, and is the difference real?" with cross-validation;
:func:`~skdeepchrome.compare.paper_protocol` runs the paper's train / valid / test protocol. Both
return a :class:`ComparisonResult`.
"""


from __future__ import annotations

from functools import partial

import numpy as np

from ..baselines import DIFFERENTIAL_TASK
from ..layout import REMC_MARKS, declared_bin_size, infer_marks
from ._differential import compare_differential
from ._fitting import resolve_grids, resolve_models
from ._folds import fold_result, fold_tables, fold_units
from ._inputs import check_matrix, check_target, resolve_task
from ._records import arrays_fingerprint, describe_models, open_record
from ._result import ComparisonResult
from ._running import failure_records, require_finished, run_units
from ._scoring import check_scoring
from ._significance import paired_fold_tests
from ._splitting import derive_seeds, fold_sizes, make_folds


def _check_data(X, y, task, posterior):
    """``(X, y, classes, marks, posterior)`` checked for a comparison of ``task``."""
    X, carried = check_matrix(X)
    y, classes = check_target(y, task)
    if len(y) != len(X):
        raise ValueError(f"X has {len(X)} genes but y has {len(y)} labels.")
    if posterior is not None:
        if task == "regression":
            raise ValueError(
                "posterior is a probability of the positive class and gives the ceiling of a "
                "classification; a regression comparison has no ceiling row, leave it out."
            )
        posterior = np.asarray(posterior, dtype=float)
        if posterior.shape != (len(X),) or not np.all((posterior >= 0) & (posterior <= 1)):
            raise ValueError("posterior must hold one probability in [0, 1] per gene.")
    marks = carried or REMC_MARKS
    if X.shape[1] % len(marks):
        raise ValueError(
            f"X has {X.shape[1]} features, not divisible by the {len(marks)} marks "
            f"{list(marks)}; pass 3-D input or models built with the right marks."
        )
    return X, y, classes, marks, posterior


def compare_models(
    X,
    y,
    models=None,
    cv=5,
    scoring=None,
    tune=False,
    n_jobs=None,
    random_state=None,
    *,
    posterior=None,
    features="bins",
    reference="deepchrome",
    scheduler=None,
    verbose=1,
    task="classification",
    cell_expression=None,
    record_dir=None,
    resume=False,
    keep_going=False,
    bin_size=None,
):
    """Cross-validate every model on identical folds.

    Parameters
    ----------
    X : array-like of shape (n_genes, n_marks * n_bins) or (n_genes, n_marks, n_bins)
        Raw signal (counts); every default model bins and scales it itself.
    y : array-like of shape (n_genes,)
        Two classes (e.g. expression above the median), or for regression a continuous
        target (e.g. ``log1p`` expression: :func:`skdeepchrome.datasets.log_expression`, the
        simulator's ``expression``).
    models : None, list of str, or dict of name -> estimator, default=None
        ``None`` runs the task's default models
        (:func:`skdeepchrome.baselines.model_names`: the CNN and every baseline).
    cv : int or splitter, default=5
        Folds shared by all models, shuffled with ``random_state``: stratified for
        classification, plain ``KFold`` for regression.
    scoring : sequence of str, default=None
        The first metric ranks the models. ``None``: ``("roc_auc", "average_precision",
        "accuracy")`` for classification, ``("r2", "pearson", "spearman")`` for regression
        (ranked by R², which unlike a correlation also penalises a wrong scale or offset).
    tune : bool or dict of name -> grid, default=False
        Nested tuning: a ``GridSearchCV`` (3 inner folds, ROC AUC or R²) inside each outer
        fold, with :func:`~skdeepchrome.baselines.default_param_grids` when ``True``.
    n_jobs : int, default=None
        Parallel (model, fold) fits through joblib.
    random_state : int or None, default=None
        Seeds the folds and every model; the same seed gives the same table on CPU.
    posterior : array-like of shape (n_genes,), optional
        Each gene's Bayes probability of the positive class (the simulator's ``posterior``):
        adds a ``ceiling`` row, the best any model could score on these folds.
        Classification only.
    features : {"bins", "marks"}, default="bins"
        Feature setting of the named baselines.
    reference : str, default="deepchrome"
        The model tested against each other one (corrected resampled t-test across folds).
    scheduler : str or distributed.Client, optional
        Run the fits on an existing ``dask.distributed`` cluster (its address, e.g.
        ``"tcp://10.0.0.1:8786"``) through joblib's Dask backend.
    verbose : int, default=1
        ``0`` hides the progress bar.
    task : {"classification", "regression", "differential", "auto"}, default="classification"
        ``"auto"`` regresses a continuous ``y`` and classifies anything else.
        ``"differential"``: ``X`` holds two cells' marks for the same genes (a pair matrix,
        :mod:`skdeepchrome.layout`, or a tuple ``(X1, X2)``) and ``y`` is the log2 fold
        change; run by :func:`skdeepchrome.compare.compare_differential` (its models,
        metrics and ``posterior`` ceiling; the default ``reference`` becomes
        ``"deepdiff"``; no ``tune``).
    cell_expression : array-like of shape (n_genes, 2), optional
        Differential task only: each cell's expression (see
        :func:`~skdeepchrome.compare.compare_differential`).
    record_dir : str or Path, optional
        Record each fold in this folder as soon as its last model is fitted; an
        interrupted run keeps them.
    resume : bool, default=False
        Continue the run recorded in ``record_dir``: the data, models, parameters, seed
        and package version must be the recorded ones (``ValueError`` naming what
        differs); recorded folds are not fitted again and the result equals an
        uninterrupted run's. Without it, a record already there is replaced.
    keep_going : bool, default=False
        Leave out a fold whose fit fails (listed in ``info["failures"]``, skipped by the
        tests) and finish the rest, instead of stopping with
        :class:`~skdeepchrome.exceptions.UnitFailedError`.
    bin_size : float, optional
        Base pairs per bin of ``X``, when known (an extraction's ``bin_size``): the named
        CNNs size their filter and pooling in base pairs from it. ``None`` uses the width
        ``X`` carries (a :class:`~skdeepchrome.layout.HistoneMatrix`), else takes ``X`` to
        span the paper's TSS +/- 5 kb (exact for the release and any binning of it); a
        ``bin_size`` other than the one ``X`` carries is an error. Where ``X`` carries its
        marks, every model, a pipeline of your own too, reads its rows as a
        ``HistoneMatrix`` with them and this width.

    Returns
    -------
    ComparisonResult

    Examples
    --------
    >>> import numpy as np
    >>> from skdeepchrome.compare import compare_models
    >>> rng = np.random.default_rng(0)
    >>> X = rng.poisson(2.0, size=(120, 5 * 20)).astype(float)
    >>> y = (X[:, 60:80].sum(axis=1) > 40).astype(int)
    >>> result = compare_models(X, y, models=["logistic", "gradient_boosting"], cv=3,
    ...                         random_state=0, reference="logistic", verbose=0)
    >>> sorted(result.summary.index)
    ['gradient_boosting', 'logistic']
    >>> sorted(result.table.columns)
    ['fit_seconds', 'fold', 'metric', 'model', 'predict_seconds', 'value']
    >>> expression = np.log1p(X[:, 60:80].sum(axis=1))
    >>> regression = compare_models(X, expression, models=["ridge", "gradient_boosting"],
    ...                             cv=3, random_state=0, reference="ridge", verbose=0,
    ...                             task="auto")
    >>> regression.task, regression.metrics
    ('regression', ['r2', 'pearson', 'spearman'])
    """
    if task == DIFFERENTIAL_TASK:
        if tune:
            raise ValueError("tune is not offered for task='differential' yet; compare the "
                             "models with their defaults.")
        return compare_differential(
            X, y, models, cv, scoring, n_jobs, random_state, cell_expression=cell_expression,
            posterior=posterior, features=features,
            reference="deepdiff" if reference == "deepchrome" else reference,
            scheduler=scheduler, verbose=verbose, record_dir=record_dir, resume=resume,
            keep_going=keep_going)
    if cell_expression is not None:
        raise ValueError("cell_expression applies to task='differential' only.")
    task = resolve_task(y, task)
    scoring = check_scoring(scoring, task)
    # The width X carries (a loaded dataset) reaches the networks: the checked matrix below
    # is a plain array, from which they could only guess it.
    bin_size = declared_bin_size(X, bin_size)
    declared = infer_marks(X)
    X, y, classes, marks, posterior = _check_data(X, y, task, posterior)
    # ... and every fit reads its rows with the layout X declared, user pipelines included.
    layout = dict(marks=declared, bin_size=bin_size)
    fold_seed, model_seed = derive_seeds(random_state, 2)
    models = resolve_models(models, marks=marks, features=features, random_state=model_seed,
                            task=task, bin_size=bin_size)
    grids = resolve_grids(tune, models, task)
    folds = make_folds(cv, X, y, task, fold_seed)
    units = fold_units(models, X, dict.fromkeys(models, y), folds, task, grids=grids,
                       inner_seed=fold_seed, layout=layout)
    record = open_record(
        record_dir, resume=resume, protocol="cross-validation",
        data=arrays_fingerprint(X, y, posterior), models=describe_models(models),
        parameters=dict(cv=[[len(tr), arrays_fingerprint(te)] for tr, te in folds],
                        scoring=list(scoring), tune={k: repr(v) for k, v in grids.items()},
                        features=features, task=task),
        seed=random_state, units=list(units))
    done, failed = run_units(units, partial(fold_result, folds, y, scoring), record=record,
                             keep_going=keep_going, n_jobs=n_jobs, scheduler=scheduler,
                             verbose=verbose, desc="cross-validation", what="fold")
    require_finished(done, failed, "fold", label="fold {}".format)
    table, predictions, best_params = fold_tables(models, done, folds, y, scoring,
                                                  posterior=posterior, task=task)
    tests = paired_fold_tests(table, reference, scoring, *fold_sizes(folds, len(X)))
    info = dict(
        protocol="cross-validation", task=task, n_genes=int(len(X)),
        n_features=int(X.shape[1]), marks=list(marks),
        classes=[str(c) for c in classes] if classes is not None else None,
        n_folds=len(folds),
        scoring=list(scoring), tune=bool(grids), random_state=random_state,
        models={name: repr(model) for name, model in models.items()},
        best_params=best_params,
    )
    if failed:
        info["failures"] = failure_records(failed, unit=int)
    return ComparisonResult(table, unit="fold", tests=tests,
                            predictions=predictions,
                            reference=reference, info=info, task=task)
