"""DeepDiffRegressor: scikit-learn compliance, the pair layout, the auxiliary outputs."""

import pickle

import numpy as np
import pytest
import torch
from scipy import stats
from sklearn.utils.estimator_checks import parametrize_with_checks

from skdeepchrome.estimators import DeepDiffRegressor, expected_failed_checks
from skdeepchrome.layout import HistoneMatrix, stack_cells
from skdeepchrome.models import DeepDiffLoss, DeepDiffNet


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OMP_NUM_THREADS", "1")
        yield


# A generic configuration: one "mark" per cell, the two halves of the columns. The checks
# that fit on an odd number of features are expected to fail (no pair has one); their
# properties are tested below on even widths.
@parametrize_with_checks([DeepDiffRegressor(marks=2, max_epochs=20, dropout=0.0,
                                            random_state=0)],
                         expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)


TINY = dict(n_filters=8, kernel_size=3, pool_size=2, embedding_size=16, hidden_sizes=(16,),
            max_epochs=40, lr=3e-3, dropout=0.0, random_state=0)


def make_pair(n=240, n_bins=10, seed=0):
    """Two cells whose log2 expression follows a promoter mark; the fold change known."""
    rng = np.random.default_rng(seed)
    activity = rng.normal(0, 1, (n, 2))
    cells = []
    for c in range(2):
        X = rng.poisson(1.0, size=(n, 2, n_bins)).astype(float)
        X[:, 0, 4:6] += rng.poisson(4.0 * np.exp(activity[:, c:c + 1]), size=(n, 2))
        cells.append(np.log1p(X))
    expression = 3 + activity / np.log(2) + rng.normal(0, 0.2, (n, 2))
    X = stack_cells(*cells, marks=["H3K4me3", "H3K27me3"], cells=("A", "B"))
    return X, expression[:, 0] - expression[:, 1], expression


@pytest.fixture(scope="module")
def pair():
    return make_pair()


@pytest.fixture(scope="module")
def fitted(pair):
    X, lfc, expression = pair
    return DeepDiffRegressor(**TINY).fit(X[:200], np.c_[lfc, expression][:200])


def test_the_network_reads_both_cells_and_returns_three_outputs():
    net = DeepDiffNet(n_marks=2, n_bins=10, kernel_size=3, pool_size=2).eval()
    X = torch.zeros(3, 4, 10)
    X[0, 2:] = 1.0  # only the second cell differs
    out = net(X)
    assert out.shape == (3, 3)
    assert not torch.allclose(out[0], out[1])
    # Swapping the cells swaps the auxiliary outputs (one shared encoder and head).
    swapped = net(torch.cat([X[:, 2:], X[:, :2]], dim=1))
    torch.testing.assert_close(swapped[:, 1:], out[:, [2, 1]])


def test_the_loss_leaves_out_unknown_cell_expression():
    loss = DeepDiffLoss(aux_weight=2.0, reduction="none")
    target = torch.tensor([[1.0, float("nan"), float("nan")], [1.0, 1.0, 0.0]])
    np.testing.assert_allclose(loss(torch.zeros(2, 3), target).numpy(), [1.0, 3.0])


def test_it_learns_the_fold_change_on_held_out_genes(pair, fitted):
    X, lfc, _ = pair
    r = stats.pearsonr(fitted.predict(X[200:]), lfc[200:])[0]
    assert r > 0.6
    assert fitted.marks_[0] == "A:H3K4me3" and fitted.fitted_cell_expression_


def test_the_auxiliary_outputs_predict_each_cells_expression(pair, fitted):
    X, _, expression = pair
    predicted = fitted.predict_cell_expression(X[200:])
    assert predicted.shape == (40, 2)
    for c in range(2):
        assert stats.pearsonr(predicted[:, c], expression[200:, c])[0] > 0.6
    # in the training units (log2 expression around 3), not standardised
    assert abs(predicted.mean() - expression.mean()) < 1.0


def test_a_fold_change_alone_trains_no_auxiliary_outputs(pair):
    X, lfc, _ = pair
    model = DeepDiffRegressor(**dict(TINY, max_epochs=3)).fit(X, lfc)
    assert not model.fitted_cell_expression_
    with pytest.raises(ValueError, match="fold change alone"):
        model.predict_cell_expression(X)


@pytest.mark.parametrize("y_shape, match", [((240, 2), "columns"), ((240, 4), "columns")])
def test_bad_targets_are_named(pair, y_shape, match):
    X, _, _ = pair
    with pytest.raises(ValueError, match=match):
        DeepDiffRegressor(**TINY).fit(X, np.zeros(y_shape))


def test_layout_errors(pair):
    X, lfc, _ = pair
    with pytest.raises(ValueError, match="even number of marks"):
        DeepDiffRegressor(**TINY).fit(np.zeros((20, 3, 10)), np.arange(20.0))
    wrong = HistoneMatrix(np.asarray(X), marks=("A:H3K4me3", "A:H3K27me3", "B:H3K27me3",
                                                "B:H3K4me3"), n_bins=10)
    with pytest.raises(ValueError, match="same marks in the same order"):
        DeepDiffRegressor(**TINY).fit(wrong, lfc)
    with pytest.raises(ValueError, match="aux_weight"):
        DeepDiffRegressor(**TINY, criterion_params={"aux_weight": 1.0}).fit(X, lfc)


# -- what the odd-width common checks test, on a pair ------------------------------------

def test_pickle_nan_and_subset_invariance_on_a_pair(pair, fitted):
    X, _, _ = pair
    X = np.asarray(X, dtype=np.float32)
    clone = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(clone.predict(X), fitted.predict(X))
    full = fitted.predict(X)
    np.testing.assert_allclose(fitted.predict(X[:10]), full[:10], rtol=1e-5, atol=1e-6)
    order = np.random.default_rng(0).permutation(len(X))
    np.testing.assert_allclose(fitted.predict(X[order]), full[order], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(fitted.predict(np.asfortranarray(X)), full, rtol=1e-5,
                               atol=1e-6)
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        fitted.predict(bad)
    with pytest.raises(ValueError, match="NaN"):
        DeepDiffRegressor(**TINY, marks=4).fit(bad, np.arange(len(X), dtype=float))


def test_warm_start_and_weights(pair):
    X, lfc, _ = pair
    params = dict(TINY, max_epochs=2, early_stopping=False)
    model = DeepDiffRegressor(**params, warm_start=True).fit(X, lfc)
    model.fit(X, lfc)
    assert model.n_epochs_ == 4
    ones = DeepDiffRegressor(**params).fit(X, lfc, sample_weight=np.ones(len(lfc))).predict(X)
    none = DeepDiffRegressor(**params).fit(X, lfc).predict(X)
    np.testing.assert_array_equal(ones, none)
    weighted = DeepDiffRegressor(**params).fit(X, lfc, sample_weight=np.r_[np.zeros(120),
                                                                            np.ones(120)])
    assert not np.allclose(weighted.predict(X), none)


# -- interpretation across cells ----------------------------------------------------------

def test_differential_attributions_add_up_and_find_the_driving_mark(pair, fitted):
    from skdeepchrome.interpret import cell_mark_attribution, differential_attributions

    X, _, _ = pair
    attr = differential_attributions(fitted, X[200:], n_steps=100)
    assert attr.shape == (40, 2, 2, 10)
    gap = fitted.predict(X[200:]) - fitted.predict(np.zeros((1, 40), dtype=np.float32))
    np.testing.assert_allclose(attr.sum(axis=(1, 2, 3)), gap, atol=0.05 * np.abs(gap).max())
    table = cell_mark_attribution(attr, ("A", "B"), ("H3K4me3", "H3K27me3"))
    # The fold change follows H3K4me3 in both cells, up with the first, down with the second.
    top = table.sort_values("abs_attribution", ascending=False).head(2)
    assert set(top["mark"]) == {"H3K4me3"}
    signs = table.set_index(["cell", "mark"])["attribution"]
    assert signs["A", "H3K4me3"] > 0 > signs["B", "H3K4me3"]
    saliency = differential_attributions(fitted, X[:3], method="saliency")
    assert (saliency >= 0).all()


def test_differential_attributions_need_a_differential_network(pair):
    from sklearn.linear_model import Ridge

    from skdeepchrome.interpret import differential_attributions

    X, lfc, _ = pair
    with pytest.raises(TypeError, match="no gradients"):
        differential_attributions(Ridge().fit(np.asarray(X), lfc), X[:2])
    with pytest.raises(ValueError, match="method"):
        differential_attributions(Ridge().fit(np.asarray(X), lfc), X[:2], method="shap")


def test_the_picture_has_one_heatmap_per_cell(pair, fitted):
    pytest.importorskip("matplotlib")
    from skdeepchrome.plotting import plot_differential_attribution

    attr = np.random.default_rng(0).normal(size=(5, 2, 2, 10))
    fig = plot_differential_attribution(attr, ("A", "B"), ("H3K4me3", "H3K27me3"),
                                        title="t")
    assert [ax.get_title() for ax in fig.axes[:4]] == ["A", "A: per mark", "B", "B: per mark"]
    image = fig.axes[0].images[0].get_array()
    np.testing.assert_allclose(image, attr.mean(axis=0)[0])
    with pytest.raises(ValueError, match="n_genes, 2, 2, n_bins"):
        plot_differential_attribution(attr[:, 0], ("A", "B"), ("H3K4me3", "H3K27me3"))
