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
from scipy import stats
from sklearn.base import clone
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    balanced_accuracy_score,
    f1_score,
    r2_score,
    roc_auc_score,
)
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import type_of_target
from tqdm.auto import tqdm

from .baselines import MODEL_NAMES, TASKS, default_param_grids, make_model, model_names  # noqa: F401
from .layout import REMC_MARKS, infer_marks
from .significance import UNDEFINED, bootstrap_auc, corrected_resampled_ttest, minimum_wilcoxon_p

#: Metrics the harness computes: those on a continuous score and those on predicted labels.
SCORE_METRICS = {"roc_auc": roc_auc_score, "average_precision": average_precision_score}
LABEL_METRICS = {
    "accuracy": accuracy_score,
    "balanced_accuracy": balanced_accuracy_score,
    "f1": f1_score,
}
CEILING = "ceiling"
#: Fewer test genes than this per fold or epigenome and the report warns that the tests and
#: intervals rest on too little data.
MIN_TEST_GENES = 100
#: Resamples of the bootstrap interval of each model's AUC.
INTERVAL_RESAMPLES = 1000
TEST_COLUMNS = ["reference", "model", "metric", "test", "mean_difference", "statistic",
                "p_value", "note"]


def _correlation(function):
    def metric(y_true, y_pred):
        y_pred = np.asarray(y_pred, dtype=float)
        if np.ptp(y_pred) == 0 or np.ptp(np.asarray(y_true, dtype=float)) == 0:
            # A constant prediction has no correlation with anything.
            return float("nan")
        return float(function(y_true, y_pred)[0])

    return metric


#: Metrics of a regression comparison, on the predicted values; all are "higher is better".
REGRESSION_METRICS = {
    "r2": r2_score,
    "pearson": _correlation(stats.pearsonr),
    "spearman": _correlation(stats.spearmanr),
}
#: Each task's default ``scoring``; the first metric ranks the models. Regression ranks by
#: R², which, unlike a correlation, also penalises predictions off in scale or offset.
DEFAULT_SCORING = {
    "classification": ("roc_auc", "average_precision", "accuracy"),
    "regression": ("r2", "pearson", "spearman"),
}


def check_scoring(scoring, task="classification"):
    """Validate metric names for ``task``; returns them as a tuple (``None``: the defaults)."""
    if scoring is None:
        return DEFAULT_SCORING[check_task(task)]
    scoring = (scoring,) if isinstance(scoring, str) else tuple(scoring)
    classification = sorted(SCORE_METRICS) + sorted(LABEL_METRICS)
    known = sorted(REGRESSION_METRICS) if task == "regression" else classification
    unknown = [m for m in scoring if m not in known]
    if unknown or not scoring:
        other = [m for m in unknown if m in classification or m in REGRESSION_METRICS]
        hint = f" ({other} belong to the other task)" if other else ""
        raise ValueError(f"Unknown metric(s) {unknown} for task={task!r}{hint}; choose from "
                         f"{known}.")
    return scoring


def metric_values(y_true, score, label, scoring):
    """``{metric: value}`` for one set of predictions (a regression's ``score`` is its
    prediction)."""
    values = {}
    for metric in scoring:
        if metric in SCORE_METRICS:
            values[metric] = float(SCORE_METRICS[metric](y_true, score))
        elif metric in REGRESSION_METRICS:
            values[metric] = float(REGRESSION_METRICS[metric](y_true, score))
        else:
            values[metric] = float(LABEL_METRICS[metric](y_true, label))
    return values


def check_task(task):
    """``task`` if it is ``"classification"`` or ``"regression"``, else a clear error."""
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS} (or 'auto' where offered), got {task!r}.")
    return task


def resolve_task(y, task):
    """``"classification"`` or ``"regression"``; ``"auto"`` calls a continuous ``y`` the latter.

    Examples
    --------
    >>> resolve_task([0.5, 1.7, 3.2], "auto"), resolve_task([0, 1, 1], "auto")
    ('regression', 'classification')
    """
    if task == "auto":
        y = np.asarray(y)
        numeric = y.dtype.kind in "fiu"
        return "regression" if numeric and type_of_target(y) == "continuous" else "classification"
    return check_task(task)


def check_continuous_target(y, name="y"):
    """A finite, non-constant float target for regression; clear errors for anything else.

    Examples
    --------
    >>> check_continuous_target([0.0, 2.5, 1.0]).dtype
    dtype('float64')
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{name} must be 1-D with one value per gene, got shape {y.shape}.")
    if y.dtype.kind not in "biuf":
        raise ValueError(
            f"{name} must be numeric for regression (e.g. log1p expression), got dtype "
            f"{y.dtype}: {y[:3].tolist()}."
        )
    y = y.astype(np.float64)
    if not np.isfinite(y).all():
        bad = np.flatnonzero(~np.isfinite(y))
        raise ValueError(f"{name} contains NaN or infinity for {len(bad)} genes "
                         f"(positions {bad[:5].tolist()}).")
    if len(y) and np.ptp(y) == 0:
        raise ValueError(
            f"{name} is constant ({y[0]:g} for every gene): there is nothing to regress, and "
            "R² and correlations are undefined."
        )
    return y


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
            "binarize_expression(values) for expression above the median), or pass "
            "task='regression' (or 'auto') to regress it."
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


def resolve_models(models, *, marks=REMC_MARKS, features="bins", random_state=None,
                   task="classification"):
    """Turn ``models`` (None, names, or ``{name: estimator}``) into ``{name: estimator}``."""
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
                                        task=task)
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


def _cv_task(name, model, grid, X, y, train, test, inner_seed, task="classification"):
    model = tuned(model, grid, inner_seed, task)
    fitted, score, label, fit_s, pred_s = fit_and_predict(model, X[train], y[train], X[test],
                                                          task)
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
    task : {"classification", "regression"}, default="classification"
        For regression, ``y_true`` holds the continuous target and ``score`` the
        predictions, and there is no ceiling row.

    Attributes
    ----------
    summary : pandas.DataFrame
        Per model: mean, sd and median of each metric over units, rank on the first metric
        (1 = best; the ceiling is not ranked), and wins (units where the model scored best).
    """

    def __init__(self, table, *, unit, tests, predictions, reference, info,
                 task="classification"):
        self.table = table
        self.unit = unit
        self.tests = tests
        self.predictions = predictions
        self.reference = reference
        self.info = info
        self.task = task
        self._intervals = None
        self.tests = self._in_rank_order(tests)

    def _in_rank_order(self, tests):
        """The tests ordered as the summary: by metric, then by the model's rank."""
        tests = tests.copy()
        if "note" not in tests.columns:
            tests["note"] = ""
        tests["note"] = tests["note"].fillna("")
        if not len(tests):
            return tests.reindex(columns=TEST_COLUMNS)
        rank = {m: i for i, m in enumerate(self.ranked_models)}
        metric = {m: i for i, m in enumerate(self.metrics)}
        key = tests["metric"].map(metric).fillna(len(metric)) * 1000 + tests["model"].map(
            rank).fillna(999)
        return tests.iloc[np.argsort(key.to_numpy(), kind="stable")].reset_index(drop=True)

    @property
    def ranked_models(self):
        """The models (not the ceiling), best first: the order of every table and picture."""
        return [m for m in self._ranked_summary().index if m != CEILING]

    @property
    def intervals(self):
        """Bootstrap 95 % interval of each model's mean ROC AUC over units.

        Genes are resampled within each fold or epigenome, the AUC recomputed per unit and
        averaged, :data:`INTERVAL_RESAMPLES` times; the interval is the 2.5th and 97.5th
        percentile. Empty for regression.
        """
        if self._intervals is None:
            rows = {}
            if self.task != "regression" and "roc_auc" in self.metrics:
                seed = self.info.get("random_state")
                for model, group in self.predictions.groupby("model", sort=False):
                    per_unit = [
                        bootstrap_auc(part["y_true"].to_numpy(), part["score"].to_numpy(),
                                      n_boot=INTERVAL_RESAMPLES,
                                      random_state=None if seed is None else int(seed) + i)
                        for i, (_, part) in enumerate(group.groupby(self.unit, sort=True))
                    ]
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN resamples
                        mean = np.nanmean(np.vstack(per_unit), axis=0)
                    mean = mean[np.isfinite(mean)]
                    low, high = (np.percentile(mean, [2.5, 97.5]) if len(mean)
                                 else (np.nan, np.nan))
                    rows[model] = {"roc_auc_ci_low": low, "roc_auc_ci_high": high}
            self._intervals = pd.DataFrame.from_dict(
                rows, orient="index", columns=["roc_auc_ci_low", "roc_auc_ci_high"])
        return self._intervals

    @property
    def caveats(self):
        """Plain sentences on what the data cannot support (printed and in the report)."""
        notes = []
        counts = self.predictions.groupby(["model", self.unit]).size()
        if len(counts) and counts.min() < MIN_TEST_GENES:
            notes.append(
                f"only {int(counts.min())} test genes per {self.unit} (fewer than "
                f"{MIN_TEST_GENES}): too few to support a test; read p-values and intervals "
                "as rough."
            )
        n_units = self.table[self.unit].nunique()
        if len(self.tests) and self.tests["test"].str.startswith("Wilcoxon").any():
            smallest = minimum_wilcoxon_p(n_units)
            if smallest > 0.05:
                notes.append(
                    f"with {n_units} epigenomes no two-sided Wilcoxon signed-rank p-value can "
                    f"fall below {smallest:.3g}; 6 or more epigenomes are needed to reach 0.05."
                )
        for note in dict.fromkeys(n for n in self.tests.get("note", []) if n):
            notes.append(f"{note}: its p-value is reported as NaN.")
        return notes

    @property
    def metrics(self):
        return list(dict.fromkeys(self.table["metric"]))

    @property
    def models(self):
        return [m for m in dict.fromkeys(self.table["model"]) if m != CEILING]

    @property
    def summary(self):
        summary = self._ranked_summary()
        if len(self.intervals):
            summary = summary.join(self.intervals)
        return summary

    def _ranked_summary(self):
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
        if "roc_auc_ci_low" in summary:
            out["roc_auc 95% CI"] = [
                "" if np.isnan(lo) else f"[{lo:.{digits}f}, {hi:.{digits}f}]"
                for lo, hi in zip(summary["roc_auc_ci_low"], summary["roc_auc_ci_high"])
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
            lines.append(_markdown_table(self.tests_table()))
        return "\n".join(lines)

    def tests_table(self):
        """The tests as display strings (``n/a`` for an undefined test), in rank order."""
        tests = self.tests.copy()
        for column in ("mean_difference", "statistic"):
            tests[column] = tests[column].map(lambda v: "n/a" if pd.isna(v) else f"{v:.4g}")
        tests["p_value"] = tests["p_value"].map(format_p)
        return tests

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
        """Write CSV, JSON, Markdown, HTML and (with matplotlib) PNG reports into ``out_dir``.

        See :func:`skdeepchrome.report.write_report`; a regression has no ROC curves.
        """
        from .report import write_report

        return write_report(self, out_dir, plots=plots)


def format_p(p):
    """A p-value for reading: three significant digits, ``n/a`` when undefined.

    Examples
    --------
    >>> format_p(0.000999), format_p(float("nan")), format_p(0.25)
    ('0.000999', 'n/a', '0.25')
    """
    return "n/a" if p is None or pd.isna(p) else f"{p:.3g}"


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
        return pd.DataFrame(columns=TEST_COLUMNS)
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
                             mean_difference=diff.mean(), statistic=t, p_value=p,
                             note=UNDEFINED["t-test"] if np.isnan(p) else ""))
    return pd.DataFrame(rows)


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
    task : {"classification", "regression", "auto"}, default="classification"
        ``"auto"`` regresses a continuous ``y`` and classifies anything else.

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
    task = resolve_task(y, task)
    scoring = check_scoring(scoring, task)
    X, carried = check_matrix(X)
    if task == "regression":
        y_encoded, classes = check_continuous_target(y), None
    else:
        y_encoded, classes = check_binary_target(y)
    if len(y_encoded) != len(X):
        raise ValueError(f"X has {len(X)} genes but y has {len(y_encoded)} labels.")
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
    rng = check_random_state(random_state)
    fold_seed = None if random_state is None else int(rng.randint(np.iinfo(np.int32).max))
    model_seed = None if random_state is None else int(rng.randint(np.iinfo(np.int32).max))
    models = resolve_models(models, marks=marks, features=features, random_state=model_seed,
                            task=task)
    grids = resolve_grids(tune, models, task)
    if isinstance(cv, Integral):
        if task == "regression":
            if len(X) < cv:
                raise ValueError(f"cv={cv} folds need at least {cv} genes; got {len(X)}.")
            cv = KFold(n_splits=cv, shuffle=True, random_state=fold_seed)
        else:
            _, counts = np.unique(y_encoded, return_counts=True)
            if counts.min() < cv:
                raise ValueError(
                    f"cv={cv} folds need at least {cv} genes of each class; the smaller class "
                    f"has {counts.min()}."
                )
            cv = StratifiedKFold(n_splits=cv, shuffle=True, random_state=fold_seed)
    folds = list(cv.split(X, y_encoded))
    tasks = [
        delayed(_cv_task)(name, model, grids.get(name), X, y_encoded, train, test, fold_seed,
                          task)
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
        protocol="cross-validation", task=task, n_genes=int(len(X)),
        n_features=int(X.shape[1]), marks=list(marks),
        classes=[str(c) for c in classes] if classes is not None else None,
        n_folds=len(folds),
        scoring=list(scoring), tune=bool(grids), random_state=random_state,
        models={name: repr(model) for name, model in models.items()},
        best_params={k: [str(p) for p in v] for k, v in best_params.items()},
    )
    return ComparisonResult(table, unit="fold", tests=tests,
                            predictions=pd.concat(predictions, ignore_index=True),
                            reference=reference, info=info, task=task)
