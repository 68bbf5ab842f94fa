"""Honest statistics: p-values the data can support, intervals, caveats and one order."""

import numpy as np
import pandas as pd
import pytest
from sklearn.utils import Bunch

from skdeepchrome.compare import (
    ComparisonResult,
    bootstrap_auc,
    compare_models,
    corrected_resampled_ttest,
    minimum_wilcoxon_p,
    paired_bootstrap_auc,
    paired_bootstrap_metric,
    paper_protocol,
)
from skdeepchrome.compare._significance import paired_fold_tests

from .conftest import make_signal

MODELS = ["logistic", "gradient_boosting", "svm"]


@pytest.fixture(scope="module")
def cv_result():
    X, y = make_signal(150, seed=3, effect=0.3)
    posterior = np.clip(0.2 + 0.6 * y, 0, 1)
    return compare_models(X, y, models=MODELS, cv=3, random_state=0, reference="logistic",
                          posterior=posterior, verbose=0)


def _epigenome(seed, n=(60, 30, 30)):
    parts = {}
    for split, size, s in zip(("train", "valid", "test"), n, (seed, seed + 1, seed + 2)):
        X, y = make_signal(size, seed=s, effect=0.3)
        parts[split] = Bunch(data=X, target=y, posterior=np.clip(0.2 + 0.6 * y, 0, 1))
    return Bunch(**parts, epigenome=f"E{seed:03d}")


@pytest.fixture(scope="module")
def three_epigenomes():
    return paper_protocol({f"E00{i}": _epigenome(10 * i) for i in range(1, 4)},
                          models=MODELS, reference="logistic", random_state=0, verbose=0)


def test_a_bootstrap_p_value_is_never_below_one_over_b_plus_one():
    y = np.r_[np.zeros(20), np.ones(20)]
    perfect, noise = y.copy(), np.random.default_rng(0).normal(size=40)
    _, p = paired_bootstrap_auc(y, perfect, noise, n_boot=200, random_state=0)
    assert p >= 1 / 201 and p == pytest.approx(2 / 201)
    _, p = paired_bootstrap_metric(y, perfect + 0.01, noise, metric="r2", n_boot=100,
                                   random_state=0)
    assert p >= 1 / 101


def test_a_t_test_without_variance_is_nan_and_says_why():
    assert all(np.isnan(v) for v in corrected_resampled_ttest([0.02] * 5, 80, 20))
    table = pd.DataFrame([dict(model=m, fold=f, metric="roc_auc", value=v + 0.01 * f)
                          for f in range(3) for m, v in (("a", 0.8), ("b", 0.7))])
    tests = paired_fold_tests(table, "a", ["roc_auc"], 80, 40)
    assert np.isnan(tests["p_value"].iloc[0]) and "do not vary" in tests["note"].iloc[0]


def test_too_few_test_genes_and_too_few_epigenomes_are_said(three_epigenomes, cv_result):
    caveats = " ".join(three_epigenomes.caveats)
    assert "only 30 test genes per epigenome" in caveats
    assert "with 3 epigenomes no two-sided Wilcoxon signed-rank p-value can fall below 0.25" in (
        caveats)
    assert minimum_wilcoxon_p(3) == 0.25
    assert three_epigenomes.tests["p_value"].min() >= 0.25
    assert "only 50 test genes per fold" in " ".join(cv_result.caveats)


def test_every_model_has_a_bootstrap_interval_of_its_auc(cv_result, three_epigenomes):
    for result in (cv_result, three_epigenomes):
        summary = result.summary
        assert summary[["roc_auc_ci_low", "roc_auc_ci_high"]].notna().all().all()
        assert (summary["roc_auc_ci_low"] <= summary["roc_auc_mean"] + 1e-9).all()
        assert (summary["roc_auc_mean"] <= summary["roc_auc_ci_high"] + 1e-9).all()
        assert "roc_auc 95% CI" in result.summary_table().columns


def test_bootstrap_auc_agrees_with_scikit_learn_on_the_full_sample():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 200)
    score = np.round(y + rng.normal(0, 1, 200), 1)  # with ties
    aucs = bootstrap_auc(y, score, n_boot=400, random_state=0)
    assert abs(np.median(aucs) - roc_auc_score(y, score)) < 0.01


def test_one_order_everywhere_rank_order(cv_result, three_epigenomes):
    for result in (cv_result, three_epigenomes):
        ranked = result.ranked_models
        assert ranked == [m for m in result.summary.index if m != "ceiling"]
        for _, tests in result.tests.groupby("metric", sort=False):
            assert list(tests["model"]) == [m for m in ranked if m != result.reference]
        assert list(result.tests["metric"].drop_duplicates()) == result.metrics


def test_the_roc_legend_gives_the_tables_mean_aucs(three_epigenomes):
    pytest.importorskip("matplotlib")
    from skdeepchrome.plotting import plot_roc_curves

    fig = plot_roc_curves(three_epigenomes)
    texts = [t.get_text() for t in fig.legends[0].get_texts()]
    means = three_epigenomes.summary["roc_auc_mean"]
    best = three_epigenomes.ranked_models[0]
    from skdeepchrome.baselines import display_name

    line = next(t for t in texts if t.startswith(display_name(best)))
    assert f"mean AUC {means[best]:.3f}" in line
    assert len([a for a in fig.axes if a.get_visible() and a.get_title().startswith(
        "epigenome")]) == 3


def test_a_result_built_by_hand_gets_notes_and_order():
    table = pd.DataFrame([dict(model=m, epigenome="E1", metric="roc_auc", value=v,
                               fit_seconds=1.0, predict_seconds=0.1)
                          for m, v in (("a", 0.7), ("b", 0.9))])
    predictions = pd.DataFrame(dict(model=["a"] * 4 + ["b"] * 4, epigenome="E1",
                                    gene=list(range(4)) * 2, y_true=[0, 1, 0, 1] * 2,
                                    score=[0.1, 0.9, 0.2, 0.8] * 2))
    tests = pd.DataFrame([dict(reference="a", model="b", metric="roc_auc", test="bootstrap",
                               mean_difference=-0.2, statistic=np.nan, p_value=0.5)])
    result = ComparisonResult(table, unit="epigenome", tests=tests, predictions=predictions,
                              reference="a", info={})
    assert result.ranked_models == ["b", "a"] and result.tests["note"].tolist() == [""]
