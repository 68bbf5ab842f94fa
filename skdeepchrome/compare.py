"""The cross-validated comparison harness: every model on the same folds, one report.

:func:`compare_models` answers "does the CNN beat the classical baselines on my data, by how
much, and is the difference real?" with cross-validation;
:mod:`skdeepchrome.protocol` runs the DeepChrome paper's train / valid / test protocol. Both
return a :class:`ComparisonResult`.
"""

from __future__ import annotations

import json
import time
import warnings
from contextlib import contextmanager, nullcontext
from numbers import Integral

import numpy as np
import pandas as pd
from joblib import Parallel, delayed, parallel_config
from sklearn.base import clone
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    balanced_accuracy_score,
    f1_score,
    roc_auc_score,
)
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import type_of_target
from tqdm.auto import tqdm

from .baselines import MODEL_NAMES, default_param_grids, make_model
from .layout import REMC_MARKS, infer_marks
from .significance import corrected_resampled_ttest

#: Metrics the harness computes: those on a continuous score and those on predicted labels.
SCORE_METRICS = {"roc_auc": roc_auc_score, "average_precision": average_precision_score}
LABEL_METRICS = {
    "accuracy": accuracy_score,
    "balanced_accuracy": balanced_accuracy_score,
    "f1": f1_score,
}
CEILING = "ceiling"


def check_scoring(scoring):
    """Validate metric names; returns them as a tuple."""
    scoring = (scoring,) if isinstance(scoring, str) else tuple(scoring)
    unknown = [m for m in scoring if m not in SCORE_METRICS and m not in LABEL_METRICS]
    if unknown or not scoring:
        raise ValueError(
            f"Unknown metric(s) {unknown}; choose from "
            f"{sorted(SCORE_METRICS) + sorted(LABEL_METRICS)}."
        )
    return scoring


def metric_values(y_true, score, label, scoring):
    """``{metric: value}`` for one set of predictions."""
    values = {}
    for metric in scoring:
        if metric in SCORE_METRICS:
            values[metric] = float(SCORE_METRICS[metric](y_true, score))
        else:
            values[metric] = float(LABEL_METRICS[metric](y_true, label))
    return values


def continuous_score(model, X):
    """A score that ranks genes by confidence in the positive class.

    ``decision_function`` where the model has one (an SVM needs no probability
    calibration for AUC), else the positive class's probability.
    """
    if hasattr(model, "decision_function"):
        score = np.asarray(model.decision_function(X), dtype=float)
        if score.ndim == 1:
            return score
    return np.asarray(model.predict_proba(X), dtype=float)[:, 1]


def check_binary_target(y, name="y"):
    """Encode a two-class target to 0/1; clear errors for anything else."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{name} must be 1-D with one label per gene, got shape {y.shape}.")
    kind = type_of_target(y)
    if kind == "continuous":
        raise ValueError(
            f"{name} is continuous; the comparison needs two classes (e.g. "
            "binarize_expression(values) for expression above the median)."
        )
    encoder = LabelEncoder().fit(y)
    if len(encoder.classes_) != 2:
        raise ValueError(
            f"{name} must hold exactly two classes, got {len(encoder.classes_)}: "
            f"{encoder.classes_.tolist()[:5]}."
        )
    return encoder.transform(y), encoder.classes_


def check_matrix(X, name="X"):
    """Finite 2-D float matrix (3-D input is flattened mark-major)."""
    marks = infer_marks(X)
    X = np.asarray(X, dtype=np.float32)
    if X.ndim == 3:
        X = X.reshape(len(X), -1)
    if X.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n_genes, n_marks * n_bins), got shape {X.shape}.")
    if not np.isfinite(X).all():
        bad = np.unique(np.nonzero(~np.isfinite(X))[0])
        raise ValueError(f"{name} contains NaN or infinity in {len(bad)} genes (rows {bad[:5]}).")
    return X, marks


def resolve_models(models, *, marks=REMC_MARKS, features="bins", random_state=None):
    """Turn ``models`` (None, names, or ``{name: estimator}``) into ``{name: estimator}``."""
    if models is None:
        models = MODEL_NAMES
    if isinstance(models, str):
        models = [m.strip() for m in models.split(",") if m.strip()]
    if isinstance(models, dict):
        resolved = dict(models)
    else:
        rng = check_random_state(random_state)
        resolved = {}
        for name in models:
            seed = None if random_state is None else int(rng.randint(np.iinfo(np.int32).max))
            resolved[name] = make_model(name, features=features, marks=marks, random_state=seed)
    if not resolved:
        raise ValueError("No models to compare.")
    if CEILING in resolved:
        raise ValueError(f"{CEILING!r} is reserved for the Bayes ceiling row; rename that model.")
    return resolved


def resolve_grids(tune, names):
    """``{name: grid}`` for the models to tune (``tune`` is a bool or ``{name: grid}``)."""
    if not tune:
        return {}
    grids = default_param_grids() if tune is True else dict(tune)
    return {name: grids[name] for name in names if name in grids}


def tuned(model, grid, random_state):
    """Wrap ``model`` in an inner ``GridSearchCV`` (3 stratified folds, ROC AUC)."""
    if not grid:
        return model
    inner = StratifiedKFold(3, shuffle=True, random_state=random_state)
    return GridSearchCV(model, grid, scoring="roc_auc", cv=inner, n_jobs=1, refit=True)


def fit_and_predict(model, X_train, y_train, X_test):
    """Fit a clone; return ``(fitted, score, label, fit_seconds, predict_seconds)``."""
    model = clone(model)
    start = time.perf_counter()
    with warnings.catch_warnings():
        # Convergence chatter from a baseline should not drown the report.
        warnings.filterwarnings("ignore", category=UserWarning, module="sklearn")
        model.fit(X_train, y_train)
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    score = continuous_score(model, X_test)
    label = np.asarray(model.predict(X_test))
    return model, score, label, fit_seconds, time.perf_counter() - start


def _cv_task(name, model, grid, X, y, train, test, inner_seed):
    model = tuned(model, grid, inner_seed)
    fitted, score, label, fit_s, pred_s = fit_and_predict(model, X[train], y[train], X[test])
    best = getattr(fitted, "best_params_", None)
    return name, score, label, fit_s, pred_s, best


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


def run_tasks(tasks, *, n_jobs=None, scheduler=None, verbose=1, desc="fits"):
    """Run ``delayed`` tasks with joblib (or Dask); results in task order, with progress."""
    tasks = list(tasks)
    if scheduler is not None and n_jobs is None:
        n_jobs = -1
    with execution(scheduler) if scheduler is not None else nullcontext():
        parallel = Parallel(n_jobs=n_jobs, return_as="generator")
        results = []
        for result in tqdm(parallel(tasks), total=len(tasks), desc=desc, disable=not verbose,
                           leave=False):
            results.append(result)
    return results


class ComparisonResult:
    """What a comparison produced: a tidy table, a summary, paired tests, predictions.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per model x unit x metric: columns ``model``, ``<unit>``, ``metric``,
        ``value``, ``fit_seconds``, ``predict_seconds``. A ``ceiling`` model holds the Bayes
        posterior's scores when the data carry one (the simulator).
    unit : {"fold", "epigenome"}
        What the rows are repeated over.
    tests : pandas.DataFrame
        Paired tests of ``reference`` against each other model.
    predictions : pandas.DataFrame
        Held-out predictions: ``model``, ``<unit>``, ``gene``, ``y_true``, ``score``.
    reference : str
        The model the others are tested against (the CNN).
    info : dict
        Settings and data sizes, written into the report.

    Attributes
    ----------
    summary : pandas.DataFrame
        Per model: mean, sd and median of each metric over units, rank on the first metric
        (1 = best; the ceiling is not ranked), and wins (units where the model scored best).
    """

    def __init__(self, table, *, unit, tests, predictions, reference, info):
        self.table = table
        self.unit = unit
        self.tests = tests
        self.predictions = predictions
        self.reference = reference
        self.info = info

    @property
    def metrics(self):
        return list(dict.fromkeys(self.table["metric"]))

    @property
    def models(self):
        return [m for m in dict.fromkeys(self.table["model"]) if m != CEILING]

    @property
    def summary(self):
        rows = {}
        primary = self.metrics[0]
        for model, group in self.table.groupby("model", sort=False):
            row = {}
            for metric in self.metrics:
                values = group.loc[group["metric"] == metric, "value"]
                row[f"{metric}_mean"] = values.mean()
                row[f"{metric}_sd"] = values.std(ddof=1) if len(values) > 1 else np.nan
                row[f"{metric}_median"] = values.median()
            row["fit_seconds"] = group.groupby(self.unit)["fit_seconds"].first().mean()
            rows[model] = row
        summary = pd.DataFrame.from_dict(rows, orient="index")
        summary.index.name = "model"
        ranked = summary.drop(index=CEILING, errors="ignore")[f"{primary}_mean"]
        summary["rank"] = ranked.rank(ascending=False, method="min")
        wide = self.table[(self.table["metric"] == primary) & (self.table["model"] != CEILING)]
        wide = wide.pivot(index=self.unit, columns="model", values="value")
        # A tie is a win for every model that reaches the best score.
        best = wide.to_numpy() >= np.nanmax(wide.to_numpy(), axis=1, keepdims=True)
        winners = dict(zip(wide.columns, best.sum(axis=0)))
        summary["wins"] = [winners.get(m, 0) if m != CEILING else np.nan for m in summary.index]
        order = ([CEILING] if CEILING in summary.index else []) + list(
            summary.drop(index=CEILING, errors="ignore").sort_values("rank").index
        )
        return summary.loc[order]

    def summary_table(self, digits=3):
        """The summary as display strings: ``mean ± sd`` per metric, rank and wins."""
        summary = self.summary
        out = pd.DataFrame(index=summary.index)
        for metric in self.metrics:
            mean, sd = summary[f"{metric}_mean"], summary[f"{metric}_sd"]
            out[metric] = [
                f"{m:.{digits}f}" + ("" if np.isnan(s) else f" ± {s:.{digits}f}")
                for m, s in zip(mean, sd)
            ]
        if self.unit == "epigenome" and self.table[self.unit].nunique() > 1:
            out[f"{self.metrics[0]} median"] = summary[f"{self.metrics[0]}_median"].map(
                lambda v: f"{v:.{digits}f}")
        out["rank"] = summary["rank"].map(lambda r: "" if np.isnan(r) else f"{int(r)}")
        out["wins"] = summary["wins"].map(lambda w: "" if np.isnan(w) else f"{int(w)}")
        out["fit s"] = summary["fit_seconds"].map(lambda s: "" if np.isnan(s) else f"{s:.1f}")
        return out

    def to_markdown(self):
        """Markdown: the summary table and the paired tests."""
        lines = [_markdown_table(self.summary_table().reset_index())]
        if len(self.tests):
            lines += ["", f"Paired tests of `{self.reference}` against each model:", ""]
            tests = self.tests.copy()
            for column in ("mean_difference", "statistic", "p_value"):
                tests[column] = tests[column].map(lambda v: f"{v:.4g}")
            lines.append(_markdown_table(tests))
        return "\n".join(lines)

    def __str__(self):
        return self.summary_table().to_string()

    def to_dict(self):
        """JSON-ready dict of the summary, the tests, the tidy table and the settings."""
        return {
            "unit": self.unit,
            "reference": self.reference,
            "info": self.info,
            "summary": _records(self.summary.reset_index()),
            "tests": _records(self.tests),
            "results": _records(self.table),
        }

    def save(self, out_dir, *, plots=True):
        """Write CSV, JSON, Markdown and (with matplotlib) PNG reports into ``out_dir``."""
        from .report import write_report

        return write_report(self, out_dir, plots=plots)


def _records(frame):
    return json.loads(frame.to_json(orient="records"))


def _markdown_table(frame):
    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    rows = ["| " + " | ".join(map(str, row)) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *rows])


def paired_fold_tests(table, reference, scoring, n_train, n_test):
    """Corrected resampled t-tests of ``reference`` against every other model."""
    rows = []
    if reference not in set(table["model"]):
        return pd.DataFrame(columns=["reference", "model", "metric", "test",
                                     "mean_difference", "statistic", "p_value"])
    for metric in scoring:
        wide = table[table["metric"] == metric].pivot(index="fold", columns="model",
                                                      values="value")
        for model in wide.columns:
            if model in (reference, CEILING):
                continue
            diff = wide[reference] - wide[model]
            t, p = corrected_resampled_ttest(diff, n_train, n_test)
            rows.append(dict(reference=reference, model=model, metric=metric,
                             test="corrected resampled t-test (Nadeau & Bengio 2003)",
                             mean_difference=diff.mean(), statistic=t, p_value=p))
    return pd.DataFrame(rows)


def compare_models(
    X,
    y,
    models=None,
    cv=5,
    scoring=("roc_auc", "average_precision", "accuracy"),
    tune=False,
    n_jobs=None,
    random_state=None,
    *,
    posterior=None,
    features="bins",
    reference="deepchrome",
    scheduler=None,
    verbose=1,
):
    """Cross-validate every model on identical stratified folds.

    Parameters
    ----------
    X : array-like of shape (n_genes, n_marks * n_bins) or (n_genes, n_marks, n_bins)
        Raw signal (counts); every default model bins and scales it itself.
    y : array-like of shape (n_genes,)
        Two classes (e.g. expression above the median).
    models : None, list of str, or dict of name -> estimator, default=None
        ``None`` runs the CNN and every baseline of :data:`skdeepchrome.baselines.MODEL_NAMES`.
    cv : int or splitter, default=5
        Stratified folds, shuffled with ``random_state``, shared by all models.
    scoring : sequence of str, default=("roc_auc", "average_precision", "accuracy")
        The first metric ranks the models.
    tune : bool or dict of name -> grid, default=False
        Nested tuning: a ``GridSearchCV`` (3 inner folds, ROC AUC) inside each outer fold,
        with :func:`~skdeepchrome.baselines.default_param_grids` when ``True``.
    n_jobs : int, default=None
        Parallel (model, fold) fits through joblib.
    random_state : int or None, default=None
        Seeds the folds and every model; the same seed gives the same table on CPU.
    posterior : array-like of shape (n_genes,), optional
        Each gene's Bayes probability of the positive class (the simulator's ``posterior``):
        adds a ``ceiling`` row, the best any model could score on these folds.
    features : {"bins", "marks"}, default="bins"
        Feature setting of the named baselines.
    reference : str, default="deepchrome"
        The model tested against each other one (corrected resampled t-test across folds).
    scheduler : str or distributed.Client, optional
        Run the fits on an existing ``dask.distributed`` cluster (its address, e.g.
        ``"tcp://10.0.0.1:8786"``) through joblib's Dask backend.
    verbose : int, default=1
        ``0`` hides the progress bar.

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
    >>> result.summary.index.tolist()
    ['logistic', 'gradient_boosting']
    >>> sorted(result.table.columns)
    ['fit_seconds', 'fold', 'metric', 'model', 'predict_seconds', 'value']
    """
    scoring = check_scoring(scoring)
    X, carried = check_matrix(X)
    y_encoded, classes = check_binary_target(y)
    if len(y_encoded) != len(X):
        raise ValueError(f"X has {len(X)} genes but y has {len(y_encoded)} labels.")
    if posterior is not None:
        posterior = np.asarray(posterior, dtype=float)
        if posterior.shape != (len(X),) or not np.all((posterior >= 0) & (posterior <= 1)):
            raise ValueError("posterior must hold one probability in [0, 1] per gene.")
    marks = carried or REMC_MARKS
    if X.shape[1] % len(marks):
        raise ValueError(
            f"X has {X.shape[1]} features, not divisible by the {len(marks)} marks "
            f"{list(marks)}; pass 3-D input or models built with the right marks."
        )
    rng = check_random_state(random_state)
    fold_seed = None if random_state is None else int(rng.randint(np.iinfo(np.int32).max))
    model_seed = None if random_state is None else int(rng.randint(np.iinfo(np.int32).max))
    models = resolve_models(models, marks=marks, features=features, random_state=model_seed)
    grids = resolve_grids(tune, models)
    if isinstance(cv, Integral):
        _, counts = np.unique(y_encoded, return_counts=True)
        if counts.min() < cv:
            raise ValueError(
                f"cv={cv} folds need at least {cv} genes of each class; the smaller class has "
                f"{counts.min()}."
            )
        cv = StratifiedKFold(n_splits=cv, shuffle=True, random_state=fold_seed)
    folds = list(cv.split(X, y_encoded))
    tasks = [
        delayed(_cv_task)(name, model, grids.get(name), X, y_encoded, train, test, fold_seed)
        for name, model in models.items()
        for train, test in folds
    ]
    outputs = run_tasks(tasks, n_jobs=n_jobs, scheduler=scheduler, verbose=verbose,
                        desc="cross-validation")
    rows, predictions, best_params = [], [], {}
    for (name, score, label, fit_s, pred_s, best), (fold, (_, test)) in zip(
        outputs, [(f, fold) for _ in models for f, fold in enumerate(folds)]
    ):
        for metric, value in metric_values(y_encoded[test], score, label, scoring).items():
            rows.append(dict(model=name, fold=fold, metric=metric, value=value,
                             fit_seconds=fit_s, predict_seconds=pred_s))
        predictions.append(pd.DataFrame(dict(model=name, fold=fold, gene=test,
                                             y_true=y_encoded[test], score=score)))
        if best is not None:
            best_params.setdefault(name, []).append(best)
    if posterior is not None:
        for fold, (_, test) in enumerate(folds):
            p = posterior[test]
            for metric, value in metric_values(y_encoded[test], p, (p > 0.5).astype(int),
                                               scoring).items():
                rows.append(dict(model=CEILING, fold=fold, metric=metric, value=value,
                                 fit_seconds=np.nan, predict_seconds=np.nan))
            predictions.append(pd.DataFrame(dict(model=CEILING, fold=fold, gene=test,
                                                 y_true=y_encoded[test], score=p)))
    table = pd.DataFrame(rows)
    n_test = int(np.mean([len(test) for _, test in folds]))
    tests = paired_fold_tests(table, reference, scoring, len(X) - n_test, n_test)
    info = dict(
        protocol="cross-validation", n_genes=int(len(X)), n_features=int(X.shape[1]),
        marks=list(marks), classes=[str(c) for c in classes], n_folds=len(folds),
        scoring=list(scoring), tune=bool(grids), random_state=random_state,
        models={name: repr(model) for name, model in models.items()},
        best_params={k: [str(p) for p in v] for k, v in best_params.items()},
    )
    return ComparisonResult(table, unit="fold", tests=tests,
                            predictions=pd.concat(predictions, ignore_index=True),
                            reference=reference, info=info)
