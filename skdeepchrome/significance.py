"""Paired tests of one model against another, for the comparison harness.

- Across cross-validation folds: the corrected resampled t-test of Nadeau & Bengio (2003).
  Folds share most of their training genes, so fold scores are correlated and the plain
  paired t-test is anti-conservative; the correction inflates the variance of the mean
  difference by ``n_test / n_train``.
- Across epigenomes (the paper's protocol on a collection): the Wilcoxon signed-rank test,
  which needs no normality of the AUC differences and matches how the DeepChrome paper's
  field compares methods across cell types.
- On one test set: a paired bootstrap over genes of the AUC difference.
"""

from __future__ import annotations

import numpy as np
from scipy import stats
from sklearn.metrics import roc_auc_score
from sklearn.utils import check_random_state


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
        Two-sided, with ``n_folds - 1`` degrees of freedom.

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
    if variance == 0:
        return (np.inf * np.sign(d.mean()) if d.mean() else 0.0), (0.0 if d.mean() else 1.0)
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
    p-value (twice the smaller tail of the resampled differences around 0).

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
    diffs = []
    n = len(y_true)
    for _ in range(n_boot):
        rows = rng.randint(0, n, n)
        if y_true[rows].min() == y_true[rows].max():
            continue
        diffs.append(roc_auc_score(y_true[rows], score_a[rows])
                     - roc_auc_score(y_true[rows], score_b[rows]))
    diffs = np.asarray(diffs)
    p = 2 * min((diffs <= 0).mean(), (diffs >= 0).mean())
    return float(observed), float(min(1.0, p))
