import pickle

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks
from skorch.callbacks import Callback

from skdeepchrome import REMC_MARKS, DeepChromeClassifier, HistoneBinner
from skdeepchrome.estimators import expected_failed_checks
from skdeepchrome.models import DeepChromeNet

from .conftest import make_signal

FAST = dict(max_epochs=40, lr=3e-3, batch_size=16, random_state=0, hidden_sizes=(64, 32),
            n_filters=16)


@parametrize_with_checks([DeepChromeClassifier(marks=1, max_epochs=5, random_state=0),
                          DeepChromeClassifier(marks=1, max_epochs=5, n_members=2,
                                               hidden_dropout=0.2, random_state=0)],
                         expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_default_module_is_the_papers():
    net = DeepChromeNet(n_marks=5, n_bins=100, n_outputs=2)
    layers = [type(m).__name__ for m in [*net.features, *net.classifier]]
    assert layers == ["Conv1d", "ReLU", "MaxPool1d", "Dropout", "Flatten",
                      "Linear", "ReLU", "Linear", "ReLU", "Linear"]
    conv, pool, drop = net.features[0], net.features[2], net.features[3]
    assert (conv.in_channels, conv.out_channels) == (5, 50)
    assert (conv.kernel_size, conv.padding) == ((10,), (0,))
    assert pool.kernel_size == 5 and drop.p == 0.5
    sizes = [(m.in_features, m.out_features) for m in net.classifier if hasattr(m, "in_features")]
    assert sizes == [(50 * 18, 625), (625, 125), (125, 2)]
    clf = DeepChromeClassifier(max_epochs=1, random_state=0).fit(*make_signal(60))
    assert [p.shape for p in clf.module_.parameters()] == [p.shape for p in net.parameters()]


def test_learns_and_ranks(signal):
    X, y = signal
    clf = make_pipeline(HistoneBinner(n_bins=20, scale="log1p"), DeepChromeClassifier(**FAST))
    clf.fit(X[:180], y[:180])
    assert roc_auc_score(y[180:], clf.predict_proba(X[180:])[:, 1]) > 0.9
    assert clf.score(X[180:], y[180:]) > 0.8


@pytest.mark.parametrize("labels", [[0, 1], [-1, 1], ["low", "high"], [3, 7, 11]])
def test_any_label_set(labels):
    rng = np.random.default_rng(0)
    y_idx = np.repeat(np.arange(len(labels)), 40)
    X3 = rng.normal(size=(len(y_idx), 2, 12))
    X3[:, 0, 4:8] += 5.0 * y_idx[:, None]
    y = np.asarray(labels)[y_idx]
    clf = DeepChromeClassifier(marks=2, **FAST).fit(X3, y)
    assert set(clf.classes_) == set(labels)
    assert clf.predict(X3).dtype == y.dtype
    assert (clf.predict(X3) == y).mean() > 0.9
    proba = clf.predict_proba(X3)
    assert proba.shape == (len(y), len(labels))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    decision = clf.decision_function(X3)
    assert decision.shape == ((len(y),) if len(labels) == 2 else (len(y), len(labels)))
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(X3))


def test_marks_follow_the_binner_through_a_grid():
    X, y = make_signal(120)
    pipe = make_pipeline(HistoneBinner(select=["H3K4me3", "H3K27me3"], n_bins=25),
                         DeepChromeClassifier(max_epochs=2, random_state=0))
    pipe.fit(X, y)
    assert pipe[-1].marks_ == ("H3K4me3", "H3K27me3")
    assert pipe[-1].n_bins_ == 25
    assert pipe[-1].module_.features[0].in_channels == 2


def test_marks_from_pandas_3d_and_explicit_agree():
    X, y = make_signal(100)
    binner = HistoneBinner(n_bins=20).set_output(transform="pandas")
    df = binner.fit_transform(X)
    assert isinstance(df, pd.DataFrame)
    from_df = DeepChromeClassifier(max_epochs=3, random_state=0).fit(df, y)
    assert from_df.marks_ == REMC_MARKS and from_df.n_bins_ == 20
    arr = np.asarray(df)
    from_3d = DeepChromeClassifier(max_epochs=3, random_state=0).fit(arr.reshape(100, 5, 20), y)
    explicit = DeepChromeClassifier(marks=REMC_MARKS, max_epochs=3, random_state=0).fit(arr, y)
    np.testing.assert_allclose(from_df.predict_proba(df), from_3d.predict_proba(arr))
    np.testing.assert_allclose(from_3d.predict_proba(arr.reshape(100, 5, 20)),
                               explicit.predict_proba(arr))


def test_inputs_shorter_than_kernel_are_padded():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3))
    y = (X[:, 1] > 0).astype(int)
    # The paper's kernel of 10 bins on 3 bins: the input is padded to fit it.
    clf = DeepChromeClassifier(marks=1, early_stopping=False, kernel_size=10, pool_size=5,
                               **FAST).fit(X, y)
    assert clf.module_.padding > 0
    assert clf.score(X, y) > 0.8
    # The default sizes are clamped to the input instead, so nothing needs padding.
    auto = DeepChromeClassifier(marks=1, early_stopping=False, **FAST).fit(X, y)
    assert auto.kernel_size_ <= 3 and auto.module_.padding == 0


def test_same_seed_same_predictions_and_pickle_roundtrip(tmp_path, signal):
    X, y = signal
    a = DeepChromeClassifier(**FAST).fit(X, y)
    b = DeepChromeClassifier(**FAST).fit(X, y)
    c = DeepChromeClassifier(**{**FAST, "random_state": 1}).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert not np.allclose(a.predict_proba(X), c.predict_proba(X))
    restored = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(restored.predict_proba(X), a.predict_proba(X))
    joblib.dump(a, tmp_path / "model.joblib")
    np.testing.assert_array_equal(joblib.load(tmp_path / "model.joblib").predict_proba(X),
                                  a.predict_proba(X))
    assert "best_epoch_" not in clone(a).__dict__ and clone(a).get_params() == a.get_params()


def test_early_stopping_restores_the_best_validation_epoch(signal):
    X, y = signal
    clf = DeepChromeClassifier(max_epochs=60, n_iter_no_change=3, lr=3e-3, random_state=0)
    clf.fit(X, y)
    valid_loss = np.asarray(clf.history_[:, "valid_loss"])
    assert clf.n_epochs_ < 60, "the validation loss never stopped improving"
    assert clf.best_epoch_ == int(np.argmin(valid_loss)) + 1
    assert clf.n_epochs_ == clf.best_epoch_ + 3
    # the kept weights are the best epoch's: re-scoring the held-out genes gives its loss
    assert len(clf.history_[:, "train_loss"]) == clf.n_epochs_
    off = DeepChromeClassifier(max_epochs=4, early_stopping=False, random_state=0).fit(X, y)
    assert off.n_epochs_ == 4 and "valid_loss" not in off.history_[-1]


def test_user_callbacks_run_and_parameters_stay_untouched(signal):
    class Count(Callback):
        def initialize(self):
            self.epochs = 0
            return self

        def on_epoch_end(self, net, **kwargs):
            self.epochs += 1

    counter = Count()
    clf = DeepChromeClassifier(max_epochs=3, early_stopping=False, callbacks=[counter],
                               random_state=0)
    clf.fit(*signal)
    assert clf.callbacks[0] is counter and not hasattr(counter, "epochs")
    fitted = [cb for _, cb in clf.net_.callbacks_ if isinstance(cb, Count)]
    assert fitted[0].epochs == 3


def test_parallel_fits_limit_torch_threads(signal):
    X, y = signal
    res = cross_validate(DeepChromeClassifier(max_epochs=2, random_state=0, n_threads=None),
                         X, y, cv=2,
                         n_jobs=2, return_estimator=True)
    budget = max(joblib.cpu_count() // 2, 1)
    assert all(est.torch_threads_ <= budget for est in res["estimator"])
    assert all(est.torch_threads_ >= 1 for est in res["estimator"])


def test_design_card_grid_search():
    X, y = make_signal(240, seed=3)
    search = GridSearchCV(
        make_pipeline(HistoneBinner(scale="log1p"),
                      DeepChromeClassifier(max_epochs=20, random_state=0)),
        {
            "histonebinner__n_bins": [10, 25],
            "histonebinner__select": [None, ("H3K4me3", "H3K27me3")],
            "deepchromeclassifier__lr": [1e-3, 3e-3],
        },
        scoring="roc_auc",
        cv=3,
        n_jobs=2,
    ).fit(X, y)
    assert set(search.best_params_) == {
        "histonebinner__n_bins", "histonebinner__select", "deepchromeclassifier__lr"}
    assert len(search.cv_results_["mean_test_score"]) == 8
    assert search.best_score_ > 0.85
    assert search.best_estimator_[-1].n_bins_ == search.best_params_["histonebinner__n_bins"]


@pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA present: the GPU test runs instead")
def test_cuda_requested_without_gpu_is_a_clear_error(signal):
    with pytest.raises(ValueError, match="no CUDA device"):
        DeepChromeClassifier(device="cuda", max_epochs=1).fit(*signal)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_trains_on_cuda(signal):
    X, y = signal
    clf = DeepChromeClassifier(device="cuda", **FAST).fit(X, y)
    assert next(clf.module_.parameters()).is_cuda
    assert clf.score(X, y) > 0.8


@pytest.mark.parametrize(
    "X, y, match",
    [
        (np.full((20, 500), np.nan), np.arange(20) % 2, "NaN"),
        (np.full((20, 500), np.inf), np.arange(20) % 2, "infinity"),
        (np.ones((20, 499)), np.arange(20) % 2, "cannot tell the mark layout"),
        (np.ones((20, 500)), np.zeros(20), "at least 2 classes"),
        (np.ones((20, 500)), np.linspace(0, 1, 20), "Unknown label type"),
        (np.ones((20, 500)), None, "requires y"),
    ],
)
def test_bad_input_names_the_problem(X, y, match):
    with pytest.raises(ValueError, match=match):
        DeepChromeClassifier(max_epochs=1).fit(X, y)


def test_3d_input_must_match_declared_marks():
    with pytest.raises(ValueError, match="4 marks on axis 1.*declares 5 marks"):
        DeepChromeClassifier(marks=REMC_MARKS, max_epochs=1).fit(np.ones((20, 4, 100)),
                                                                 np.arange(20) % 2)
    clf = DeepChromeClassifier(max_epochs=1, random_state=0).fit(np.ones((20, 4, 10)),
                                                                 np.arange(20) % 2)
    with pytest.raises(ValueError, match="3 marks on axis 1.*fitted on 4 marks"):
        clf.predict(np.ones((2, 3, 10)))


def test_predict_checks_width(signal):
    X, y = signal
    clf = DeepChromeClassifier(max_epochs=1, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="expecting 500 features"):
        clf.predict(X[:, :400])
    with pytest.raises(ValueError, match="NaN"):
        clf.predict(np.full_like(X[:2], np.nan))
