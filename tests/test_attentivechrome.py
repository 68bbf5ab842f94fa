import copy
import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from skdeepchrome import REMC_MARKS, HistoneBinner
from skdeepchrome.baselines import MODEL_NAMES, default_param_grids, make_model
from skdeepchrome.compare import compare_models, fit_with_validation
from skdeepchrome.compare._fitting import resolve_models
from skdeepchrome.estimators import AttentiveChromeClassifier, expected_failed_checks
from skdeepchrome.models import AttentiveChromeNet

from .conftest import make_signal

SMALL = dict(bin_hidden_size=8, mark_hidden_size=4)


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    # thread_budget() honours OMP_NUM_THREADS. Tiny LSTMs gain nothing from a second
    # intra-op thread, and on a busy 2-core machine the threads' hand-offs at each of the
    # LSTM's steps made these tests ~15x slower (9 min instead of 35 s).
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OMP_NUM_THREADS", "1")
        yield
FAST = dict(**SMALL, max_epochs=25, lr=1e-2, batch_size=32, random_state=0)


# A generic configuration: one "mark" whose bins are the features. Ten epochs at lr=1e-2
# are what check_classifiers_train needs from an LSTM; every check runs, none is skipped.
@parametrize_with_checks([AttentiveChromeClassifier(marks=1, **SMALL, max_epochs=10, lr=1e-2,
                                                    random_state=0)],
                         expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def binned():
    X, y = make_signal(240)
    binner = HistoneBinner(n_bins=10, scale="log1p").fit(X)
    return binner.transform(X), y


@pytest.fixture(scope="module")
def fitted(binned):
    X, y = binned
    return AttentiveChromeClassifier(**FAST).fit(X[:180], y[:180])


def test_default_module_is_the_papers():
    net = AttentiveChromeNet(n_marks=5, n_bins=100, n_outputs=2)
    assert len(net.bin_encoders) == 5
    for lstm in net.bin_encoders:
        assert (lstm.input_size, lstm.hidden_size, lstm.num_layers) == (1, 32, 1)
        assert lstm.bidirectional and lstm.batch_first
    mark = net.mark_encoder
    assert (mark.input_size, mark.hidden_size, mark.bidirectional) == (64, 16, True)
    assert net.bin_context.shape == (5, 64) and net.mark_context.shape == (32,)
    assert (net.output.in_features, net.output.out_features) == (32, 2)
    assert net.dropout.p == 0.5
    assert all(p.abs().max() <= 0.1 for p in net.parameters())
    X, y = make_signal(40, n_bins=20)
    clf = AttentiveChromeClassifier(max_epochs=1, random_state=0).fit(X.reshape(40, 5, 20), y)
    assert [p.shape for p in clf.module_.parameters()] == [
        p.shape for p in AttentiveChromeNet(5, 20, 2).parameters()]


def test_forward_is_the_attention_weighted_pooling():
    """Rebuild the prediction by hand from the LSTMs and the two attention maps."""
    torch.manual_seed(0)
    net = AttentiveChromeNet(n_marks=3, n_bins=7, n_outputs=2, bin_hidden_size=5,
                             mark_hidden_size=4).eval()
    X = torch.randn(6, 3, 7)
    out, alpha, beta = net.forward_with_attention(X)
    embeddings = []
    for j in range(3):
        states, _ = net.bin_encoders[j](X[:, j, :, None])
        weights = torch.softmax(states @ net.bin_context[j], dim=1)
        torch.testing.assert_close(weights, alpha[:, j])
        embeddings.append((weights[..., None] * states).sum(dim=1))
    states, _ = net.mark_encoder(torch.stack(embeddings, dim=1))
    weights = torch.softmax(states @ net.mark_context, dim=1)
    torch.testing.assert_close(weights, beta)
    torch.testing.assert_close(out, net.output((weights[..., None] * states).sum(dim=1)))
    with pytest.raises(ValueError, match=r"expects \(batch, 3, n_bins\)"):
        net(torch.zeros(2, 4, 7))


def test_learns_and_ranks(binned, fitted):
    X, y = binned
    assert roc_auc_score(y[180:], fitted.predict_proba(X[180:])[:, 1]) > 0.9
    assert fitted.score(X[180:], y[180:]) > 0.8
    assert fitted.marks_ == REMC_MARKS and fitted.n_bins_ == 10
    assert "valid_loss" in fitted.history_[-1]  # early stopping on an internal split


def test_predict_attention_is_normalised_and_matches_the_module(binned, fitted):
    X, _ = binned
    bins, marks = fitted.predict_attention(X[:50])
    assert bins.shape == (50, 5, 10) and marks.shape == (50, 5)
    assert bins.dtype == np.float64 and (bins >= 0).all() and (marks >= 0).all()
    np.testing.assert_allclose(bins.sum(axis=2), 1.0, rtol=1e-12)
    np.testing.assert_allclose(marks.sum(axis=1), 1.0, rtol=1e-12)
    # eval mode: the same genes in another batch get the same attention; not uniform
    again, _ = fitted.predict_attention(X[:50][::-1])
    np.testing.assert_allclose(again[::-1], bins, rtol=1e-10)
    assert bins.std(axis=2).max() > 1e-3
    module = copy.deepcopy(fitted.module_).eval()
    with torch.no_grad():
        alpha, beta = module.attention(torch.tensor(X[:50], dtype=torch.float32).reshape(50, 5, 10))
    np.testing.assert_allclose(bins, alpha.numpy(), atol=1e-5)
    np.testing.assert_allclose(marks, beta.numpy(), atol=1e-5)
    with pytest.raises(ValueError, match="expecting 50 features"):
        fitted.predict_attention(X[:2, :40])


def test_same_seed_same_predictions_and_pickle_roundtrip(binned, fitted):
    X, y = binned
    again = AttentiveChromeClassifier(**FAST).fit(X[:180], y[:180])
    np.testing.assert_array_equal(again.predict_proba(X), fitted.predict_proba(X))
    other = AttentiveChromeClassifier(**{**FAST, "random_state": 1}).fit(X[:180], y[:180])
    assert not np.allclose(other.predict_proba(X), fitted.predict_proba(X))
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict_proba(X), fitted.predict_proba(X))
    np.testing.assert_array_equal(restored.predict_attention(X)[0],
                                  fitted.predict_attention(X)[0])
    assert "net_" not in clone(fitted).__dict__
    assert clone(fitted).get_params() == fitted.get_params()


def test_early_stopping_on_an_explicit_validation_set(binned):
    X, y = binned
    clf = AttentiveChromeClassifier(**{**FAST, "max_epochs": 60, "n_iter_no_change": 2})
    clf.fit(X[:160], y[:160], X_val=X[160:], y_val=y[160:])
    first = clf.history_[0]
    assert sum(b.get("valid_batch_size", 0) for b in first["batches"]) == 80
    assert sum(b.get("train_batch_size", 0) for b in first["batches"]) == 160
    valid_loss = np.asarray(clf.history_[:, "valid_loss"])
    assert clf.n_epochs_ < 60 and clf.n_epochs_ == clf.best_epoch_ + 2
    assert clf.best_epoch_ == int(np.argmin(valid_loss)) + 1
    with pytest.raises(ValueError, match="labels \\[7\\] that are not in the fitted classes"):
        clf.fit(X[:160], y[:160], X_val=X[160:162], y_val=[7, 7])


def test_pipeline_grid_search_and_the_harness_entry():
    X, y = make_signal(120, n_bins=20, seed=2)
    model = make_model("attentivechrome", marks=REMC_MARKS, random_state=0)
    assert [name for name, _ in model.steps] == ["binner", "model"]
    assert model[0].scale == "log1p" and isinstance(model[-1], AttentiveChromeClassifier)
    assert "attentivechrome" not in MODEL_NAMES
    assert "attentivechrome" not in default_param_grids()
    grid = default_param_grids(models=["attentivechrome"])["attentivechrome"]
    assert set(grid) <= set(model.get_params())
    assert isinstance(resolve_models(["attentivechrome"])["attentivechrome"][-1],
                      AttentiveChromeClassifier)

    model.set_params(binner__n_bins=5, model__max_epochs=3, model__bin_hidden_size=4,
                     model__mark_hidden_size=2)
    search = GridSearchCV(model, {"model__lr": [1e-3, 1e-2]}, cv=2, scoring="roc_auc")
    search.fit(X, y)
    assert set(search.best_params_) == {"model__lr"}
    assert search.best_estimator_[-1].n_bins_ == 5
    result = compare_models(X, y, models={"attentivechrome": model,
                                          "logistic": make_model("logistic")},
                            cv=2, random_state=0, reference="attentivechrome", verbose=0)
    assert set(result.tests["model"]) == {"logistic"}
    assert result.table.query("model == 'attentivechrome'")["fold"].nunique() == 2
    epi = fit_with_validation(clone(model), X[:80], y[:80], X[80:], y[80:])
    assert sum(b.get("valid_batch_size", 0) for b in epi[-1].history_[0]["batches"]) == 40


@pytest.mark.parametrize(
    "X, y, match",
    [
        (np.ones((20, 500)), np.zeros(20), "at least 2 classes"),
        (np.full((20, 500), np.nan), np.arange(20) % 2, "NaN"),
        (np.ones((20, 499)), np.arange(20) % 2, "not divisible by the 5 marks"),
        (np.ones((20, 4, 100)), np.arange(20) % 2, "4 marks on axis 1.*declares 5 marks"),
    ],
)
def test_bad_input_names_the_problem(X, y, match):
    with pytest.raises(ValueError, match=match):
        AttentiveChromeClassifier(marks=REMC_MARKS, max_epochs=1).fit(X, y)


def test_attention_picture(binned, fitted):
    pytest.importorskip("matplotlib")
    from skdeepchrome.plotting import plot_attention

    X, y = binned
    fig = plot_attention(fitted, X, y, bin_size=1000)
    bar_ax, heat_ax = fig.axes[:2]
    bins, marks = fitted.predict_attention(X)
    np.testing.assert_allclose(heat_ax.images[0].get_array(), bins.mean(axis=0))
    assert heat_ax.images[0].get_extent() == [-5.0, 5.0, 4.5, -0.5]
    assert any(list(line.get_xdata()) == [0.0, 0.0] for line in heat_ax.lines)  # the TSS
    assert [t.get_text() for t in heat_ax.get_yticklabels()] == list(REMC_MARKS)
    widths = sorted(round(p.get_width(), 10) for p in bar_ax.patches)
    expected = np.concatenate([marks[y == c].mean(axis=0) for c in (0, 1)])
    np.testing.assert_allclose(widths, sorted(np.round(expected, 10)))
    raw, _ = make_signal(30)
    pipe = Pipeline([("binner", HistoneBinner(n_bins=10, scale="log1p").fit(raw)),
                     ("model", fitted)])
    pipe_fig = plot_attention(pipe, raw)  # grouped by predicted class
    assert pipe_fig.axes[1].images[0].get_extent()[:2] == [-0.5, 0.5]
    with pytest.raises(ValueError, match="needs a fitted model with predict_attention"):
        plot_attention(make_pipeline(HistoneBinner()), raw)
