"""Interpretation API: class-optimal inputs, attributions, mark importance, profiles."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.ensemble import RandomForestClassifier
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from threadpoolctl import threadpool_limits

from skdeepchrome import REMC_MARKS, DeepChromeClassifier, HistoneBinner
from skdeepchrome.baselines import make_model
from skdeepchrome.estimators import torch_threads
from skdeepchrome.interpret import (
    DifferentiablePipeline,
    attributions,
    class_optimal_input,
    input_bounds,
    mark_attribution,
    mark_importance,
    mark_profiles,
    position_attribution,
)

from .conftest import make_signal

FAST = dict(max_epochs=30, lr=3e-3, batch_size=16, random_state=0, hidden_sizes=(32, 16),
            n_filters=8, kernel_size=3, pool_size=2)
K4, K27 = REMC_MARKS.index("H3K4me3"), REMC_MARKS.index("H3K27me3")


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    # These fits are tiny: extra BLAS/torch threads only wait on each other on a shared CPU.
    with threadpool_limits(1), torch_threads(1):
        yield


def fit(model, X, y):
    return model.fit(X, y)


@pytest.fixture(scope="module")
def data():
    return make_signal(240, seed=0)


@pytest.fixture(scope="module")
def cnn(data):
    """Raw counts -> 20 pooled log1p bins -> a small CNN."""
    X, y = data
    model = make_pipeline(HistoneBinner(n_bins=20, scale="log1p"), DeepChromeClassifier(**FAST))
    return fit(model, X, y)


@pytest.fixture(scope="module")
def bare_cnn(data):
    X, y = data
    return fit(DeepChromeClassifier(**FAST), np.log1p(X), y)


def test_pipeline_scores_equal_decision_function(cnn, bare_cnn, data):
    X, y = data
    net = DifferentiablePipeline(cnn)
    got = net.scores(__import__("torch").tensor(X[:20]), net.class_indices(1, 20))
    np.testing.assert_allclose(got.detach().numpy(), cnn.decision_function(X[:20]), atol=1e-9)
    bare = DifferentiablePipeline(bare_cnn)
    got = bare.scores(__import__("torch").tensor(np.log1p(X[:20])), bare.class_indices(0, 20))
    np.testing.assert_allclose(got.detach().numpy(), -bare_cnn.decision_function(np.log1p(X[:20])),
                               atol=1e-9)
    assert (net.marks, net.n_positions, net.lower_bound) == (REMC_MARKS, 100, 0.0)
    assert (bare.n_positions, bare.lower_bound) == (100, -np.inf)


def test_chained_standardised_binners_and_searches_are_unwrapped(data):
    X, y = data
    chained = make_pipeline(
        HistoneBinner(n_bins=50, scale="log1p"),
        make_pipeline(HistoneBinner(n_bins=25, statistic="max", standardize=True),
                      DeepChromeClassifier(**FAST)),
    )
    search = GridSearchCV(chained, {"pipeline__deepchromeclassifier__lr": [3e-3]}, cv=2)
    fit(search, X, y)
    attr = attributions(search, X[:5], method="gradient")
    assert attr.shape == (5, 5, 100)
    net = DifferentiablePipeline(search)
    got = net.scores(__import__("torch").tensor(X[:5]), net.class_indices(None, 5))
    np.testing.assert_allclose(got.detach().numpy(), search.decision_function(X[:5]), atol=1e-9)


def test_multiclass_scores_are_logits():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], 30)
    X = rng.poisson(1.0, size=(90, 5, 10)).astype(float)
    X[:, 0, 3:6] += 8.0 * y[:, None]
    clf = fit(DeepChromeClassifier(**FAST), X, y)
    attr = attributions(clf, X[:6], target=2, method="gradient")
    assert attr.shape == (6, 5, 10)
    gap = clf.decision_function(X[:6])[:, 2] - clf.decision_function(np.zeros((1, 50)))[:, 2]
    ig = attributions(clf, X[:6], target=2, n_steps=100).sum(axis=(1, 2))
    np.testing.assert_allclose(ig, gap, atol=0.02 * np.abs(gap).max() + 1e-3)


# -- attributions ----------------------------------------------------------------------------


def test_integrated_gradients_are_complete(cnn, data):
    X, _ = data
    Xs = X[:30]
    gap = cnn.decision_function(Xs) - cnn.decision_function(np.zeros((1, 500)))
    ig = attributions(cnn, Xs, n_steps=100)
    assert ig.shape == (30, 5, 100)  # the input's 100 positions, not the binner's 20 bins
    np.testing.assert_allclose(ig.sum(axis=(1, 2)), gap, atol=0.02 * np.abs(gap).max())
    # Another baseline, one per gene, and the other class (whose log-odds is the negation).
    base = X[30:60] * 0.5
    gap = cnn.decision_function(base) - cnn.decision_function(Xs)
    ig = attributions(cnn, Xs, target=0, baseline=base, n_steps=100)
    np.testing.assert_allclose(ig.sum(axis=(1, 2)), gap, atol=0.02 * np.abs(gap).max())


def test_gradient_matches_finite_differences(cnn, data):
    X, _ = data
    x = X[:1] + 1.0  # no zero counts: a step either way stays a valid count
    grad = attributions(cnn, x, method="gradient")[0]
    # decision_function feeds the network float32, so the step cannot be tiny.
    for mark, position in [(K4, 50), (K27, 10), (REMC_MARKS.index("H3K36me3"), 70)]:
        step = np.zeros_like(x)
        step[0, mark * 100 + position] = 1e-2
        numeric = (cnn.decision_function(x + step) - cnn.decision_function(x - step)) / 2e-2
        assert grad[mark, position] != 0
        np.testing.assert_allclose(grad[mark, position], numeric[0], rtol=2e-3, atol=1e-5)


def test_saliency_and_input_x_gradient_follow_the_gradient(cnn, data):
    X, _ = data
    grad = attributions(cnn, X[:4], method="gradient")
    np.testing.assert_array_equal(attributions(cnn, X[:4], method="saliency"), np.abs(grad))
    np.testing.assert_allclose(attributions(cnn, X[:4], method="input_x_gradient"),
                               X[:4].reshape(4, 5, 100) * grad)
    # 3-D input gives the same answer.
    np.testing.assert_array_equal(attributions(cnn, X[:4].reshape(4, 5, 100), method="gradient"),
                                  grad)


def test_per_gene_targets(cnn, data):
    X, y = data
    each = attributions(cnn, X[:20], target=y[:20], method="gradient")
    high = attributions(cnn, X[:20], target=1, method="gradient")
    np.testing.assert_allclose(each[y[:20] == 1], high[y[:20] == 1])
    np.testing.assert_allclose(each[y[:20] == 0], -high[y[:20] == 0])


def test_attributions_point_at_the_planted_signal(cnn, data):
    X, y = data
    attr = attributions(cnn, X, target=y, n_steps=20)
    high = mark_attribution(attr[y == 1]).set_index("mark")
    low = mark_attribution(attr[y == 0]).set_index("mark")
    assert high["attribution"].idxmax() == "H3K4me3"
    assert low["attribution"].idxmax() == "H3K27me3"
    centre = position_attribution(attr[y == 1])[K4]
    assert centre[40:60].mean() > 3 * np.abs(centre[:20]).mean()


def test_mark_and_position_aggregation():
    attr = np.zeros((3, 2, 4))
    attr[:, 0, 1] = [1.0, 2.0, 3.0]
    attr[:, 1, :] = -0.5
    table = mark_attribution(attr, ["A", "B"])
    assert table["mark"].tolist() == ["A", "B"]
    np.testing.assert_allclose(table["attribution"], [2.0, -2.0])
    np.testing.assert_allclose(table["sd"], [1.0, 0.0])
    np.testing.assert_allclose(table["share"], [0.5, 0.5])
    np.testing.assert_allclose(position_attribution(attr)[0], [0, 2, 0, 0])
    np.testing.assert_allclose(position_attribution(-attr, absolute=True)[1], [0.5] * 4)
    with pytest.raises(ValueError, match="n_genes, n_marks, n_bins"):
        mark_attribution(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="2 marks but 3 names"):
        mark_attribution(attr, ["A", "B", "C"])


# -- class-optimal input -------------------------------------------------------------------


def test_class_optimal_inputs_show_the_planted_signal(cnn, data):
    X, _ = data
    bounds = input_bounds(X)
    high = class_optimal_input(cnn, 1, bounds=bounds, n_steps=300, random_state=0)
    low = class_optimal_input(cnn, 0, bounds=bounds, n_steps=300, random_state=0)
    assert high.values.shape == (5, 100) and high.marks == REMC_MARKS
    assert high.target_class == 1
    for result in (high, low):
        assert np.all(result.values >= bounds[0]) and np.all(result.values <= bounds[1])
        assert result.history[-1] > result.history[0]  # the ascent went up
    assert high.values[K4, 40:60].mean() > 2 * low.values[K4, 40:60].mean() + 1
    assert low.values[K27].mean() > 2 * high.values[K27].mean() + 0.5
    # Its score is the model's own decision function at that input.
    np.testing.assert_allclose(cnn.decision_function(high.values.reshape(1, -1)), high.score,
                               rtol=1e-6)
    frame = low.to_frame()
    assert len(frame) == 500 and frame["target_class"].eq(0).all()
    assert frame["position_kb"].iloc[0] == pytest.approx(-4.95)


def test_class_optimal_input_is_seeded_and_stays_in_the_domain(cnn):
    a = class_optimal_input(cnn, 1, n_steps=30, random_state=3)
    b = class_optimal_input(cnn, 1, n_steps=30, random_state=3)
    c = class_optimal_input(cnn, 1, n_steps=30, random_state=4)
    np.testing.assert_array_equal(a.values, b.values)
    assert not np.array_equal(a.values, c.values)
    assert a.values.min() >= 0.0  # read counts before log1p
    capped = class_optimal_input(cnn, 1, bounds=(0.0, 2.0), n_steps=30, random_state=3)
    assert capped.values.max() <= 2.0


def test_input_bounds_are_per_mark():
    X = np.zeros((4, 2, 3))
    X[:, 1] = np.arange(12.0).reshape(4, 3)
    low, high = input_bounds(X, ["A", "B"], quantile=1.0)
    assert low.shape == (2, 1)
    assert high.ravel().tolist() == [0.0, 11.0]
    with pytest.raises(ValueError, match="quantile"):
        input_bounds(X, quantile=0.0)


# -- bad input -------------------------------------------------------------------------------


def test_gradient_methods_refuse_what_they_cannot_explain(cnn, data):
    X, y = data
    unfitted = make_pipeline(HistoneBinner(), DeepChromeClassifier())
    forest = fit(make_pipeline(HistoneBinner(n_bins=10),
                               RandomForestClassifier(n_estimators=5, random_state=0)), X, y)
    with pytest.raises(NotFittedError):
        attributions(unfitted, X[:2])
    with pytest.raises(NotFittedError):
        class_optimal_input(unfitted, 1)
    with pytest.raises(TypeError, match="RandomForestClassifier has no gradients"):
        attributions(forest, X[:2])
    with pytest.raises(TypeError, match="no gradients"):
        class_optimal_input(forest, 1)
    scaled = fit(make_pipeline(HistoneBinner(), LogisticRegression(max_iter=50)), X, y)
    with pytest.raises(TypeError, match="no gradients"):
        attributions(scaled, X[:2])
    with pytest.raises(ValueError, match=r"target class 'high' is not one of .*\[0, 1\]"):
        class_optimal_input(cnn, "high")
    with pytest.raises(ValueError, match="not one of the model's classes"):
        attributions(cnn, X[:2], target=7)
    with pytest.raises(ValueError, match=r"labels \[5\]"):
        attributions(cnn, X[:2], target=[1, 5])
    with pytest.raises(ValueError, match="500 features"):
        attributions(cnn, X[:2, :400])
    with pytest.raises(ValueError, match=r"3-D X has shape \(4, 100\)"):
        attributions(cnn, X[:2].reshape(2, 5, 100)[:, :4])
    with pytest.raises(ValueError, match="negative values"):
        attributions(cnn, -X[:2])
    with pytest.raises(ValueError, match="method must be one of"):
        attributions(cnn, X[:2], method="deeplift")
    with pytest.raises(ValueError, match="baseline has shape"):
        attributions(cnn, X[:2], baseline=np.zeros(7))
    with pytest.raises(ValueError, match="baseline holds negative"):
        attributions(cnn, X[:2], baseline=-1.0)
    with pytest.raises(ValueError, match="below 0.0"):
        class_optimal_input(cnn, 1, bounds=(-1.0, 5.0))
    with pytest.raises(ValueError, match="broadcast"):
        class_optimal_input(cnn, 1, bounds=(np.zeros(3), 5.0))
    with pytest.raises(ValueError, match="low <= high"):
        class_optimal_input(cnn, 1, bounds=(5.0, 1.0))


# -- mark importance ---------------------------------------------------------------------------


def two_mark_signal(n_genes=400, seed=0):
    """Labels from H3K4me3 at the TSS and H3K27me3, each carrying its own half of the
    information (neither is redundant with the other), plus three marks of pure noise."""
    rng = np.random.default_rng(seed)
    z4, z27 = rng.normal(size=(2, n_genes))
    y = (z4 - z27 + 0.3 * rng.normal(size=n_genes) > 0).astype(int)
    X3 = rng.poisson(2.0, size=(n_genes, 5, 100)).astype(float)
    X3[:, K4, 40:60] += rng.poisson(4.0 * np.exp(0.8 * z4)[:, None], size=(n_genes, 20))
    X3[:, K27] += rng.poisson(1.5 * np.exp(0.8 * z27)[:, None], size=(n_genes, 100))
    return X3.reshape(n_genes, -1), y


@pytest.fixture(scope="module")
def split():
    X, y = two_mark_signal()
    return X[:250], y[:250], X[250:], y[250:]


@pytest.fixture(scope="module")
def logistic(split):
    X_train, y_train, _, _ = split
    return fit(make_pipeline(HistoneBinner(n_bins=10, scale="log1p"),
                             LogisticRegression(max_iter=500)), X_train, y_train)


def test_permutation_importance_finds_the_planted_marks(logistic, split):
    _, _, X, y = split
    table = mark_importance(logistic, X, y, n_repeats=4, random_state=0)
    assert list(table.columns) == ["mark", "importance", "sd", "n_repeats", "baseline_score",
                                   "method", "scoring"]
    assert set(table["mark"][:2]) == {"H3K4me3", "H3K27me3"}
    assert table["importance"].is_monotonic_decreasing
    assert (table["importance"][:2] > 0.05).all()
    assert (table["importance"][2:].abs() < 0.03).all()
    assert (table["n_repeats"] == 4).all() and (table["sd"] >= 0).all()
    again = mark_importance(logistic, X.reshape(-1, 5, 100), y, n_repeats=4, random_state=0)
    pd.testing.assert_frame_equal(table, again)


def test_permutation_importance_of_the_harness_forest(split):
    X_train, y_train, X, y = split
    forest = make_model("random_forest", random_state=0).set_params(
        model__n_estimators=50, model__n_jobs=1)
    fit(forest, X_train, y_train)
    table = mark_importance(forest, X, y, n_repeats=3, random_state=0)
    assert set(table["mark"][:2]) == {"H3K4me3", "H3K27me3"}


def test_ablation_refits_without_each_mark(split):
    X_train, y_train, X, y = split
    model = make_pipeline(HistoneBinner(n_bins=5, scale="log1p"),
                          LogisticRegression(max_iter=500))
    table = mark_importance(model, X, y, "ablation", X_train=X_train, y_train=y_train,
                            n_repeats=2, random_state=0)
    assert set(table["mark"][:2]) == {"H3K4me3", "H3K27me3"}
    # LogisticRegression has a random_state, so it is refitted per seed; lbfgs ignores it.
    assert (table["n_repeats"] == 2).all() and (table["sd"] == 0).all()
    full = clone(model).fit(X_train, y_train)
    full_auc = roc_auc_score(y, full.predict_proba(X)[:, 1])
    assert table["baseline_score"].iloc[0] == pytest.approx(full_auc)
    without_k4 = clone(model).set_params(
        histonebinner__select=[m for m in REMC_MARKS if m != "H3K4me3"]).fit(X_train, y_train)
    drop = full_auc - roc_auc_score(y, without_k4.predict_proba(X)[:, 1])
    assert drop > 0.05
    assert table.set_index("mark").loc["H3K4me3", "importance"] == pytest.approx(drop)


def test_ablation_repeats_seeded_models_and_wraps_bare_ones(split):
    X_train, y_train, X, y = split
    forest = RandomForestClassifier(n_estimators=20, random_state=0)
    table = mark_importance(forest, X, y, "ablation", X_train=X_train, y_train=y_train,
                            n_repeats=2, random_state=0)
    assert (table["n_repeats"] == 2).all()
    assert set(table["mark"][:2]) == {"H3K4me3", "H3K27me3"}
    # No random_state anywhere: one fit per variant. Only the binner's own marks are dropped.
    selected = make_pipeline(HistoneBinner(select=["H3K4me3", "H3K9me3", "H3K36me3"],
                                           n_bins=5, scale="log1p"),
                             LinearDiscriminantAnalysis())
    table = mark_importance(selected, X, y, "ablation", X_train=X_train, y_train=y_train)
    assert sorted(table["mark"]) == ["H3K36me3", "H3K4me3", "H3K9me3"]
    assert table["mark"].iloc[0] == "H3K4me3"
    assert (table["n_repeats"] == 1).all()


def test_mark_importance_bad_input(logistic, split):
    _, _, X, y = split
    with pytest.raises(ValueError, match="method must be one of"):
        mark_importance(logistic, X, y, "shap")
    with pytest.raises(ValueError, match="needs the training genes"):
        mark_importance(logistic, X, y, "ablation")
    with pytest.raises(ValueError, match="only used by method='ablation'"):
        mark_importance(logistic, X, y, X_train=X, y_train=y)
    with pytest.raises(NotFittedError):
        mark_importance(make_pipeline(HistoneBinner(), LogisticRegression()), X, y)
    with pytest.raises(ValueError, match="not divisible"):
        mark_importance(logistic, X[:, :498], y)
    with pytest.raises(ValueError, match="one label per gene"):
        mark_importance(logistic, X, y[:-1])
    with pytest.raises(ValueError, match="n_repeats"):
        mark_importance(logistic, X, y, n_repeats=0)


# -- profiles ----------------------------------------------------------------------------------


def test_mark_profiles_are_class_means(data):
    X, y = data
    table = mark_profiles(X, y)
    assert len(table) == 2 * 5 * 100
    high_k4 = table[(table["class"] == 1) & (table["mark"] == "H3K4me3")]
    np.testing.assert_allclose(high_k4["mean"], X[y == 1][:, K4 * 100:(K4 + 1) * 100].mean(0))
    expected_sem = X[y == 1][:, K4 * 100].std(ddof=1) / np.sqrt((y == 1).sum())
    assert high_k4["sem"].iloc[0] == pytest.approx(expected_sem)
    assert high_k4["position_kb"].iloc[[0, -1]].tolist() == pytest.approx([-4.95, 4.95])
    logged = mark_profiles(X, y, scale="log1p")
    assert logged["mean"].max() < table["mean"].max()
    with pytest.raises(ValueError, match="one label per gene"):
        mark_profiles(X, y[:3])
    with pytest.raises(ValueError, match="scale"):
        mark_profiles(X, y, scale="sqrt")
