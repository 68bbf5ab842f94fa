"""Paired tests of one model against another, for the comparison harness.

- Across cross-validation folds: the corrected resampled t-test of Nadeau & Bengio (2003).
  Folds share most of their training genes, so fold scores are correlated and the plain
  paired t-test is anti-conservative; the correction inflates the variance of the mean
  difference by ``n_test / n_train``.
- Across epigenomes (the paper's protocol on a collection): the Wilcoxon signed-rank test,
  which needs no normality of the AUC differences and matches how the DeepChrome paper's
  field compares methods across cell types.
- On one test set: a paired bootstrap over genes of the AUC difference.

Degenerate cases are reported, not hidden: a bootstrap p-value is never below
``1 / (n_boot + 1)`` (the resamples cannot show more), and a test whose differences have
no spread returns NaN (:data:`UNDEFINED` says why) rather than ``t = inf, p = 0``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.metrics import roc_auc_score
from sklearn.utils import check_random_state

from ..baselines import CEILING
from ._scoring import REGRESSION_METRICS
from ._splitting import draw_seed

#: Why a test returned NaN, by test.
UNDEFINED = {
    "t-test": "the differences do not vary across folds, so the t-test is undefined",
    "one fold": "only one fold was scored (the others failed), so the t-test is undefined",
    "wilcoxon": "fewer than 2 epigenomes differ, so the signed-rank test is undefined",
    "bootstrap": "no resample held both classes, so the bootstrap is undefined",
}


#: Columns of a tests table: each row one paired test of the reference against a model.
TEST_COLUMNS = ["reference", "model", "metric", "test", "mean_difference", "statistic",
                "p_value", "note"]

def bootstrap_p_value(differences):
    """Two-sided bootstrap p-value of resampled ``differences`` around 0, at least 1/(B+1).

    Twice the smaller tail, each tail counted as ``(1 + k) / (B + 1)`` (Davison & Hinkley
    1997): B resamples cannot show a p-value below ``1 / (B + 1)``, so none is reported.

    Examples
    --------
    >>> bootstrap_p_value([0.1] * 999)
    0.002
    """
    d = np.asarray(differences, dtype=float)
    d = d[np.isfinite(d)]
    if not len(d):
        return float("nan")
    b = len(d)
    low, high = (1 + np.sum(d <= 0)) / (b + 1), (1 + np.sum(d >= 0)) / (b + 1)
    return float(min(1.0, 2 * min(low, high)))


def benjamini_hochberg(p_values):
    """Benjamini-Hochberg adjusted p-values (false discovery rate) of a family of tests.

    The ``i``-th smallest of ``m`` p-values becomes ``min over j >= i of p_(j) * m / j``,
    capped at 1; a test is a discovery at false discovery rate ``q`` when its adjusted
    p-value is at most ``q``. NaN (an undefined test) stays NaN and is not counted in
    ``m``. Written out here because ``scipy.stats.false_discovery_control`` needs scipy
    1.11 and the package supports 1.10.

    Parameters
    ----------
    p_values : array-like of float

    Returns
    -------
    ndarray of float, in the order given

    Examples
    --------
    >>> benjamini_hochberg([0.01, 0.04, 0.03, 0.20]).round(4).tolist()
    [0.04, 0.0533, 0.0533, 0.2]
    """
    p = np.asarray(p_values, dtype=float)
    adjusted = np.full(p.shape, np.nan)
    defined = np.flatnonzero(np.isfinite(p))
    m = len(defined)
    if not m:
        return adjusted
    order = defined[np.argsort(p[defined], kind="mergesort")]
    scaled = p[order] * m / np.arange(1, m + 1)
    # From the largest down: each adjusted value is the smallest of those at or above it.
    adjusted[order] = np.minimum(1.0, np.minimum.accumulate(scaled[::-1])[::-1])
    return adjusted


def adjust_for_multiplicity(tests):
    """``tests`` with a ``p_adjusted`` column: Benjamini-Hochberg over all its rows.

    Every row (each model against the reference on each metric) is one test of the
    family; a report that runs 28 tests would otherwise show a nominal p of 0.005 as a
    finding.
    """
    tests = tests.copy()
    tests["p_adjusted"] = benjamini_hochberg(tests["p_value"]) if len(tests) else []
    return tests


def multiplicity_note(tests):
    """The sentence a report prints about the correction of ``tests``.

    Examples
    --------
    >>> import pandas as pd
    >>> multiplicity_note(pd.DataFrame({"p_value": [0.01, 0.2, float("nan")]}))[:60]
    'p_adjusted: Benjamini-Hochberg adjusted p-values over the 2 '
    """
    n = int(np.isfinite(np.asarray(tests["p_value"], dtype=float)).sum()) if len(tests) else 0
    return (f"p_adjusted: Benjamini-Hochberg adjusted p-values over the {n} defined tests "
            "of this table (false discovery rate); a difference is a finding at FDR 5 % "
            "when p_adjusted <= 0.05, whatever its unadjusted p_value.")


def minimum_wilcoxon_p(n_pairs):
    """The smallest two-sided p-value an exact Wilcoxon signed-rank test of ``n`` pairs gives.

    ``2 / 2**n``: every difference positive. Below 6 pairs it exceeds 0.05, so no number
    of epigenomes that small can show a significant difference.

    Examples
    --------
    >>> minimum_wilcoxon_p(3), minimum_wilcoxon_p(6)
    (0.25, 0.03125)
    """
    return float(min(1.0, 2.0 / 2 ** int(n_pairs)))


def corrected_resampled_ttest(differences, n_train, n_test):
    """Nadeau–Bengio corrected resampled t-test on per-fold score differences.

    Parameters
    ----------
    differences : array-like of shape (n_folds,)
        Score of model A minus score of model B on each fold.
    n_train, n_test : int
        Genes used to train and to test in one fold.

    Returns
    -------
    t : float
    p_value : float
        Two-sided, with ``n_folds - 1`` degrees of freedom. Both are NaN when the
        differences do not vary (every fold the same difference): the test is undefined.

    Examples
    --------
    >>> t, p = corrected_resampled_ttest([0.02, 0.03, 0.01, 0.02, 0.025], 800, 200)
    >>> round(t, 2), p < 0.05
    (4.22, True)
    """
    d = np.asarray(differences, dtype=float)
    k = len(d)
    if k < 2:
        raise ValueError("The corrected resampled t-test needs at least 2 folds.")
    variance = (1.0 / k + n_test / n_train) * d.var(ddof=1)
    if not variance > 0:
        return float("nan"), float("nan")
    t = d.mean() / np.sqrt(variance)
    return float(t), float(2 * stats.t.sf(abs(t), df=k - 1))


def wilcoxon_signed_rank(a, b):
    """Two-sided Wilcoxon signed-rank test of paired scores (e.g. AUC per epigenome).

    Returns ``(statistic, p_value)``; ``(nan, nan)`` when fewer than 2 pairs differ.

    Examples
    --------
    >>> stat, p = wilcoxon_signed_rank([0.80, 0.82, 0.79, 0.85, 0.81, 0.83],
    ...                                [0.78, 0.80, 0.78, 0.82, 0.80, 0.80])
    >>> p < 0.05
    True
    """
    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    if np.count_nonzero(d) < 2:
        return float("nan"), float("nan")
    result = stats.wilcoxon(d)
    return float(result.statistic), float(result.pvalue)


def paired_bootstrap_auc(y_true, score_a, score_b, n_boot=1000, random_state=None):
    """Paired bootstrap over genes of ``AUC(a) - AUC(b)`` on one test set.

    Returns ``(difference, p_value)``: the observed difference and the two-sided bootstrap
    p-value (:func:`bootstrap_p_value`, never below ``1 / (n_boot + 1)``).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 400)
    >>> good, bad = y + rng.normal(0, 0.5, 400), y + rng.normal(0, 2.0, 400)
    >>> diff, p = paired_bootstrap_auc(y, good, bad, n_boot=200, random_state=0)
    >>> diff > 0, p < 0.05
    (True, True)
    """
    y_true = np.asarray(y_true)
    score_a, score_b = np.asarray(score_a), np.asarray(score_b)
    observed = roc_auc_score(y_true, score_a) - roc_auc_score(y_true, score_b)
    rng = check_random_state(random_state)
    positive = y_true == y_true.max()
    diffs = []
    n = len(y_true)
    # The resamples of a loop drawing rng.randint(0, n, n) once each (the same stream), a
    # chunk of them at a time, each scored by the exact Mann-Whitney statistic with the
    # genes' multiplicities (what roc_auc_score computes, without its rounding; 2,000
    # calls of it took half a minute per pair of models on 200 genes).
    chunk = max(1, int(4e6 // max(n, 1)))
    for first in range(0, n_boot, chunk):
        size = min(chunk, n_boot - first)
        rows = rng.randint(0, n, (size, n))
        counts = np.bincount((rows + n * np.arange(size)[:, None]).ravel(),
                             minlength=size * n).reshape(size, n)
        both = (counts * positive).any(axis=1) & (counts * ~positive).any(axis=1)
        counts = counts[both]  # a resample of one class has no AUC
        diffs.append(_weighted_auc(counts, positive, score_a)
                     - _weighted_auc(counts, positive, score_b))
    return float(observed), bootstrap_p_value(np.concatenate(diffs))


def _weighted_auc(counts, positive, score):
    """Per row of ``counts`` (each gene's multiplicity in a resample), the ROC AUC of
    ``score``: the Mann-Whitney statistic, a tie counting one half, over positives times
    negatives. Exact in floating point up to the last division: equal AUCs are equal."""
    order = np.argsort(score, kind="mergesort")
    s_sorted = np.asarray(score, dtype=float)[order]
    counts, y_sorted = counts[:, order], positive[order]
    pos, neg = counts * y_sorted, counts * ~y_sorted
    starts = np.flatnonzero(np.r_[True, s_sorted[1:] != s_sorted[:-1]])
    if len(starts) < len(s_sorted):
        pos = np.add.reduceat(pos, starts, axis=1)
        neg = np.add.reduceat(neg, starts, axis=1)
    below = np.cumsum(neg, axis=1) - neg
    return (pos * (below + 0.5 * neg)).sum(axis=1) / (pos.sum(axis=1) * neg.sum(axis=1))


def bootstrap_auc(y_true, score, n_boot=1000, random_state=None):
    """ROC AUC of ``n_boot`` resamples of the genes (with replacement), vectorised.

    Each resample's AUC is the Mann-Whitney statistic with its genes' multiplicities as
    weights (ties count one half), computed for all resamples at once from one sort.

    Returns
    -------
    ndarray of shape (n_boot,)
        NaN for a resample that holds one class only.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.metrics import roc_auc_score
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 300); s = y + rng.normal(0, 1, 300)
    >>> aucs = bootstrap_auc(y, s, n_boot=500, random_state=0)
    >>> bool(abs(np.median(aucs) - roc_auc_score(y, s)) < 0.01)
    True
    """
    y_true = np.asarray(y_true).astype(bool)
    score = np.asarray(score, dtype=float)
    n = len(y_true)
    # numpy's Generator draws integers several times faster than RandomState.
    rng = np.random.default_rng(draw_seed(random_state))
    order = np.argsort(score, kind="mergesort")
    y_sorted, s_sorted = y_true[order], score[order]
    starts = np.flatnonzero(np.r_[True, s_sorted[1:] != s_sorted[:-1]])
    ties = len(starts) < n
    aucs = np.empty(n_boot)
    # In chunks: each holds a (chunk, n_genes) matrix of multiplicities. Genes are drawn
    # by their sorted position, which is the same resample and saves a reordering.
    chunk = max(1, int(4e6 // max(n, 1)))
    for first in range(0, n_boot, chunk):
        size = min(chunk, n_boot - first)
        rows = rng.integers(0, n, (size, n)) + n * np.arange(size)[:, None]
        counts = np.bincount(rows.ravel(), minlength=size * n).reshape(size, n)
        pos, neg = counts * y_sorted, counts * ~y_sorted
        if ties:
            pos = np.add.reduceat(pos, starts, axis=1)
            neg = np.add.reduceat(neg, starts, axis=1)
        below = np.cumsum(neg, axis=1) - neg
        with np.errstate(invalid="ignore", divide="ignore"):
            aucs[first:first + size] = (pos * (below + 0.5 * neg)).sum(axis=1) / (
                pos.sum(axis=1) * neg.sum(axis=1))
    return aucs


def reference_tests(models, reference, statistic, *, metric, test, undefined, **where):
    """Rows of one paired test of ``reference`` against each of ``models`` but itself and
    the ceiling.

    Parameters
    ----------
    models : iterable of str
        In the order of the rows.
    reference : str
    statistic : callable
        ``statistic(model)`` gives ``(mean_difference, statistic, p_value)`` of the
        reference against ``model``.
    metric, test : str
        The rows' ``metric`` and ``test``.
    undefined : str
        The key of :data:`UNDEFINED` that explains a NaN p-value.
    **where
        Leading columns of every row (a transfer's ``pair``).

    Returns
    -------
    list of dict
        With the columns :data:`TEST_COLUMNS` after ``where``.
    """
    rows = []
    for model in models:
        if model in (reference, CEILING):
            continue
        difference, value, p = statistic(model)
        rows.append(dict(**where, reference=reference, model=model, metric=metric, test=test,
                         mean_difference=difference, statistic=value, p_value=p,
                         note=UNDEFINED[undefined] if np.isnan(p) else ""))
    return rows


def _across(table, unit, metric):
    """``metric``'s values, one row per unit, one column per model."""
    return table[table["metric"] == metric].pivot(index=unit, columns="model", values="value")


def _bootstrap(predictions, reference, metric, random_state):
    """The paired bootstrap (1000 resamples of the shared test genes) of ``reference``
    against a model, as :func:`reference_tests` takes it."""
    ref = predictions[predictions["model"] == reference]
    y_true, ref_score = ref["y_true"].to_numpy(), ref["score"].to_numpy()

    def statistic(model):
        other = predictions[predictions["model"] == model]["score"].to_numpy()
        if metric == "roc_auc":
            diff, p = paired_bootstrap_auc(y_true, ref_score, other, n_boot=1000,
                                           random_state=random_state)
        else:
            diff, p = paired_bootstrap_metric(y_true, ref_score, other, metric=metric,
                                              n_boot=1000, random_state=random_state)
        return diff, np.nan, p

    return statistic


def paired_fold_tests(table, reference, scoring, n_train, n_test):
    """Corrected resampled t-tests of ``reference`` against every other model."""
    if reference not in set(table["model"]):
        return pd.DataFrame(columns=TEST_COLUMNS)
    rows = []
    for metric in scoring:
        wide = _across(table, "fold", metric)

        def t_test(model, wide=wide):
            diff = wide[reference] - wide[model]
            if len(diff) < 2:  # a run that kept going past failed folds
                return diff.mean(), np.nan, np.nan
            return (diff.mean(), *corrected_resampled_ttest(diff, n_train, n_test))

        rows += reference_tests(wide.columns, reference, t_test, metric=metric,
                                test="corrected resampled t-test (Nadeau & Bengio 2003)",
                                undefined="t-test" if len(wide) > 1 else "one fold")
    return pd.DataFrame(rows)


def paired_bootstrap_metric(y_true, pred_a, pred_b, metric="r2", n_boot=1000,
                            random_state=None):
    """Paired bootstrap over genes of ``metric(a) - metric(b)`` for regression predictions.

    The regression counterpart of :func:`skdeepchrome.compare.paired_bootstrap_auc`:
    returns the observed difference and the two-sided bootstrap p-value
    (:func:`~skdeepchrome.compare.bootstrap_p_value`, never below ``1 / (n_boot + 1)``).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y = rng.normal(size=300)
    >>> good, bad = y + rng.normal(0, 0.3, 300), y + rng.normal(0, 1.5, 300)
    >>> diff, p = paired_bootstrap_metric(y, good, bad, n_boot=200, random_state=0)
    >>> bool(diff > 0), bool(p < 0.05)
    (True, True)
    """
    function = REGRESSION_METRICS[metric]
    y_true = np.asarray(y_true, dtype=float)
    pred_a, pred_b = np.asarray(pred_a, dtype=float), np.asarray(pred_b, dtype=float)
    observed = function(y_true, pred_a) - function(y_true, pred_b)
    rng = check_random_state(random_state)
    n = len(y_true)
    diffs = []
    for _ in range(n_boot):
        rows = rng.randint(0, n, n)
        diffs.append(function(y_true[rows], pred_a[rows]) - function(y_true[rows], pred_b[rows]))
    return float(observed), bootstrap_p_value(diffs)


def epigenome_tests(table, predictions, reference, scoring, random_state,
                    task="classification"):
    """Tests of ``reference`` against every other model of the paper's protocol.

    Across several epigenomes, a Wilcoxon signed-rank test per metric; on one, a paired
    bootstrap of its test genes (of ROC AUC, or of a regression's first metric).
    """
    units = table["epigenome"].unique()
    models = list(dict.fromkeys(table["model"]))
    if reference not in models:
        return pd.DataFrame(columns=TEST_COLUMNS)
    if len(units) == 1:
        metric = scoring[0] if task == "regression" else "roc_auc"
        return pd.DataFrame(reference_tests(
            models, reference, _bootstrap(predictions, reference, metric, random_state),
            metric=metric, test="paired bootstrap over test genes (1000 resamples)",
            undefined="bootstrap"))
    rows = []
    for metric in scoring:
        wide = _across(table, "epigenome", metric)

        def wilcoxon(model, wide=wide):
            return (float((wide[reference] - wide[model]).mean()),
                    *wilcoxon_signed_rank(wide[reference], wide[model]))

        rows += reference_tests(models, reference, wilcoxon, metric=metric,
                                test="Wilcoxon signed-rank across epigenomes",
                                undefined="wilcoxon")
    return pd.DataFrame(rows)


def pair_tests(table, predictions, reference, seed):
    """Per pair, a paired bootstrap of the reference's test AUC against every other row."""
    frames = []
    for pair in dict.fromkeys(table["pair"]):
        here = predictions[predictions["pair"] == pair]
        rows = reference_tests(
            dict.fromkeys(here["model"]), reference,
            _bootstrap(here, reference, "roc_auc", seed), metric="roc_auc",
            test="paired bootstrap over the target's test genes (1000 resamples)",
            undefined="bootstrap", pair=pair)
        frames.append(pd.DataFrame(rows, columns=["pair", *TEST_COLUMNS]))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["pair", *TEST_COLUMNS])
