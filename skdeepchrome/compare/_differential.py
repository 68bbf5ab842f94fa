"""The differential task of the harness: which model best predicts the log2 fold change of
expression between two cells from both cells' marks (DeepDiff's question)?

:func:`compare_differential` is what ``compare_models(..., task="differential")`` runs:
cross-validation over genes, every model on the same folds, ranked by Pearson r (as DeepDiff
reports), with Spearman, R² and the up/down AUC beside it, and corrected resampled t-tests
of the reference model against each other one. The input is a pair matrix
(:mod:`skdeepchrome.layout`).
"""

from __future__ import annotations

from functools import partial

import numpy as np

from ..baselines import DIFFERENTIAL_MODEL_NAMES, DIFFERENTIAL_TASK
from ..layout import (
    DEFAULT_CELLS,
    REMC_MARKS,
    check_pair,
    pair_marks,
    split_pair_marks,
    stack_cells,
)
from ..plotting import plot_predicted_vs_observed
from ._fitting import resolve_models
from ._folds import fold_result, fold_tables, fold_units
from ._inputs import check_continuous_target
from ._records import arrays_fingerprint, describe_models, open_record
from ._result import ComparisonResult
from ._running import failure_records, require_finished, run_units
from ._scoring import check_scoring
from ._significance import adjust_for_multiplicity, multiplicity_note, paired_fold_tests
from ._splitting import derive_seeds, fold_sizes, make_folds

#: The differential report's own picture.
SCATTER_PICTURE = "predicted_vs_observed.png"

#: Models that need each cell's expression; left out of the defaults without it.
NEEDS_CELL_EXPRESSION = ("deepchrome_difference",)


class DifferentialResult(ComparisonResult):
    """A :class:`ComparisonResult` of the differential task: its tests carry
    Benjamini-Hochberg adjusted p-values (``p_adjusted``) and its report adds each model's
    predicted against observed fold change."""

    def extra_pictures(self):
        """``{file: caption}`` of the pictures only a differential report has."""
        return {SCATTER_PICTURE: (
            "Held-out genes' predicted against observed log2 fold change, one panel per "
            "model (each gene once, from the fold that held it out); dashed: perfect "
            "prediction")}

    def draw_picture(self, name):
        """The figure of one of :meth:`extra_pictures`."""
        if name != SCATTER_PICTURE:
            raise ValueError(f"No picture {name!r}.")
        return plot_predicted_vs_observed(self)


def takes_cell_expression(model):
    """Whether ``model`` (or a pipeline's last step) fits on ``[lfc, expression_1,
    expression_2]`` rather than the fold change alone."""
    final = model.steps[-1][1] if hasattr(model, "steps") else model
    return bool(getattr(final, "takes_cell_expression", False))


def check_pair_input(X):
    """The pair matrix as float32 2-D and its pair mark names, from any accepted input.

    ``X`` is a pair matrix (2-D with ``"{cell}:{mark}"`` names, or 3-D with ``2 * n_marks``
    marks) or a tuple ``(X1, X2)`` of the two cells' matrices. A plain 2-D array is taken
    as a pair of the five REMC marks when its width allows.
    """
    if isinstance(X, tuple):
        if len(X) != 2:
            raise ValueError(f"X as a tuple must be (X1, X2), the two cells; got {len(X)} "
                             "items.")
        X = stack_cells(*X)
    ndim = np.ndim(X)
    n_marks = np.shape(X)[1] if ndim == 3 else None
    X, marks = check_pair(X)
    if marks is None:
        if n_marks is not None:
            half = n_marks // 2
            marks = pair_marks(REMC_MARKS if half == len(REMC_MARKS) else half, DEFAULT_CELLS)
        elif X.shape[1] % (2 * len(REMC_MARKS)) == 0:
            marks = pair_marks(REMC_MARKS, DEFAULT_CELLS)
        else:
            raise ValueError(
                f"X is a plain 2-D array of {X.shape[1]} columns: its pair layout is unknown. "
                "Pass a 3-D (n_genes, 2 * n_marks, n_bins) array, (X1, X2), or "
                "skdeepchrome.layout.stack_cells(X1, X2, marks=...)."
            )
    if X.shape[1] % len(marks):
        raise ValueError(f"X has {X.shape[1]} columns, not divisible by its {len(marks)} "
                         "marks.")
    return X, tuple(marks)


def _check_cell_expression(cell_expression, n_genes):
    if cell_expression is None:
        return None
    values = np.asarray(cell_expression, dtype=np.float64)
    if values.shape != (n_genes, 2):
        raise ValueError(f"cell_expression must be (n_genes, 2), each cell's expression; got "
                         f"shape {values.shape} for {n_genes} genes.")
    if not np.isfinite(values).all():
        raise ValueError("cell_expression contains NaN or infinity.")
    return values


def compare_differential(
    X,
    y,
    models=None,
    cv=5,
    scoring=None,
    n_jobs=None,
    random_state=None,
    *,
    cell_expression=None,
    posterior=None,
    features="bins",
    reference="deepdiff",
    scheduler=None,
    verbose=1,
    record_dir=None,
    resume=False,
    keep_going=False,
):
    """Cross-validate differential models on identical folds of genes.

    Parameters
    ----------
    X : pair matrix or (X1, X2)
        Both cells' raw counts for the same genes (:mod:`skdeepchrome.layout`).
    y : array-like of shape (n_genes,)
        The log2 fold change, first cell over second
        (:func:`~skdeepchrome.datasets.log2_fold_change`).
    models : None, list of str, or dict of name -> estimator, default=None
        ``None``: :data:`~skdeepchrome.baselines.DIFFERENTIAL_MODEL_NAMES`, less
        ``deepchrome_difference`` when ``cell_expression`` is not given.
    cv : int or splitter, default=5
        Shuffled ``KFold`` over genes with ``random_state``.
    scoring : sequence of str, default=None
        ``("pearson", "spearman", "r2", "updown_auc")``; the first ranks the models.
    n_jobs, random_state, scheduler, verbose, features
        As in :func:`~skdeepchrome.compare.compare_models`.
    cell_expression : array-like of shape (n_genes, 2), optional
        Each cell's expression in units whose difference is ``y`` (``log2(count + 1)``):
        the auxiliary targets of ``deepdiff`` and what ``deepchrome_difference`` fits.
    posterior : array-like of shape (n_genes,), optional
        ``E[y | marks]`` (the simulator's ``posterior_lfc``): adds a ``ceiling`` row.
    reference : str, default="deepdiff"
        Tested against every other model.
    record_dir, resume, keep_going
        As in :func:`~skdeepchrome.compare.compare_models`: each fold is recorded in
        ``record_dir`` as soon as its last model is fitted; ``resume=True`` continues the
        recorded run (the same pair of cells, fold changes, cell expression, models, seed
        and package version) without fitting its finished folds again, and gives the
        table an uninterrupted run gives; ``keep_going=True`` leaves out a fold whose fit
        fails (``info["failures"]``) and finishes the rest.

    Returns
    -------
    DifferentialResult
        ``task`` is ``"regression"`` (what the report draws); ``info["task"]`` is
        ``"differential"``. ``tests["p_adjusted"]`` holds the Benjamini-Hochberg adjusted
        p-values over all the tests (every model x metric), ``info["multiplicity"]`` says
        so in words.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.poisson(3.0, size=(120, 10, 10)).astype(float)
    >>> lfc = np.log2(X[:, 3].sum(1) + 1) - np.log2(X[:, 8].sum(1) + 1)
    >>> result = compare_differential(X, lfc, models=["ridge_difference", "ridge_concat"],
    ...                               cv=3, random_state=0, reference="ridge_concat",
    ...                               verbose=0)
    >>> result.metrics, result.info["task"]
    (['pearson', 'spearman', 'r2', 'updown_auc'], 'differential')
    """
    scoring = check_scoring(scoring, DIFFERENTIAL_TASK)
    X, marks = check_pair_input(X)
    y = check_continuous_target(y)
    if len(y) != len(X):
        raise ValueError(f"X has {len(X)} genes but y has {len(y)} fold changes.")
    cell_expression = _check_cell_expression(cell_expression, len(X))
    if posterior is not None:
        posterior = np.asarray(posterior, dtype=float)
        if posterior.shape != (len(X),) or not np.isfinite(posterior).all():
            raise ValueError("posterior must hold one finite expected fold change per gene.")
    if models is None:
        models = [m for m in DIFFERENTIAL_MODEL_NAMES
                  if cell_expression is not None or m not in NEEDS_CELL_EXPRESSION]
    fold_seed, model_seed = derive_seeds(random_state, 2)
    models = resolve_models(models, marks=marks, features=features, random_state=model_seed,
                            task=DIFFERENTIAL_TASK)
    full = None if cell_expression is None else np.column_stack([y, cell_expression])
    missing = [n for n in models if n in NEEDS_CELL_EXPRESSION and full is None]
    if missing:
        raise ValueError(f"{missing} fit each cell's own expression: pass cell_expression= "
                         "(n_genes, 2), e.g. load_roadmap_pair().cell_expression.")
    folds = make_folds(cv, X, y, DIFFERENTIAL_TASK, fold_seed)
    targets = {name: full if takes_cell_expression(m) and full is not None else y
               for name, m in models.items()}
    units = fold_units(models, X, targets, folds, "regression")
    record = open_record(
        record_dir, resume=resume, protocol="differential cross-validation",
        data=arrays_fingerprint(X, y, posterior, full), models=describe_models(models),
        parameters=dict(cv=[[len(tr), arrays_fingerprint(te)] for tr, te in folds],
                        scoring=list(scoring), features=features, marks=list(marks)),
        seed=random_state, units=list(units))
    done, failed = run_units(units, partial(fold_result, folds, y, scoring), record=record,
                             keep_going=keep_going, n_jobs=n_jobs, scheduler=scheduler,
                             verbose=verbose, desc="differential cross-validation",
                             what="fold")
    require_finished(done, failed, "fold", label="fold {}".format)
    table, predictions, _ = fold_tables(models, done, folds, y, scoring, posterior=posterior,
                                        task=DIFFERENTIAL_TASK)
    tests = adjust_for_multiplicity(
        paired_fold_tests(table, reference, scoring, *fold_sizes(folds, len(X))))
    cells, cell_marks = split_pair_marks(marks)
    info = dict(
        protocol=f"cross-validation, log2 fold change {cells[0]} over {cells[1]}",
        task=DIFFERENTIAL_TASK, cells=list(cells), n_genes=int(len(X)),
        n_features=int(X.shape[1]), marks=list(cell_marks), n_folds=len(folds),
        scoring=list(scoring), tune=False, random_state=random_state,
        cell_expression=cell_expression is not None,
        models={name: repr(model) for name, model in models.items()}, best_params={},
    )
    info["multiplicity"] = multiplicity_note(tests)
    if failed:
        info["failures"] = failure_records(failed, unit=int)
    return DifferentialResult(table, unit="fold", tests=tests, predictions=predictions,
                              reference=reference, info=info, task="regression")
