"""The early-stopping criterion: validation ROC AUC for classifiers by default, a parameter."""

import warnings

import numpy as np
import pytest
import torch
from sklearn.metrics import r2_score, roc_auc_score

from skdeepchrome import DeepChromeClassifier, HistoneBinner
from skdeepchrome.estimators import DeepChromeRegressor

from .conftest import make_signal

SMALL = dict(max_epochs=25, n_iter_no_change=4, lr=3e-3, batch_size=16, hidden_sizes=(32,),
             n_filters=8, random_state=0)


@pytest.fixture(autouse=True)
def one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def split():
    """A weak signal (so the AUC does not saturate at 1), binned, with a validation half."""
    X, y = make_signal(240, effect=0.15, seed=1)
    # make_signal is the release's layout (100 bins of 100 bp): said, so no width is guessed.
    X = HistoneBinner(n_bins=10, scale="log1p", bin_size=100).fit_transform(X)
    return X[:120], y[:120], X[120:], y[120:]


def test_classifiers_keep_the_epoch_of_the_best_validation_auc(split):
    X, y, X_val, y_val = split
    clf = DeepChromeClassifier(**SMALL).fit(X, y, X_val=X_val, y_val=y_val)
    assert clf.early_stopping_metric_ == "roc_auc"
    auc = np.asarray(clf.history_[:, "valid_roc_auc"])
    assert clf.best_epoch_ == int(np.argmax(auc)) + 1
    # the restored weights are that epoch's: scoring the validation genes again gives it
    restored = roc_auc_score(y_val, clf.decision_function(X_val))
    assert restored == pytest.approx(auc.max(), abs=1e-6)
    loss = np.asarray(clf.history_[:, "valid_loss"])
    assert int(np.argmin(loss)) + 1 != clf.best_epoch_, "pick data where the criteria differ"


def test_the_loss_criterion_remains_available(split):
    X, y, X_val, y_val = split
    clf = DeepChromeClassifier(early_stopping_metric="loss", **SMALL).fit(
        X, y, X_val=X_val, y_val=y_val)
    assert clf.early_stopping_metric_ == "loss"
    assert clf.best_epoch_ == int(np.argmin(clf.history_[:, "valid_loss"])) + 1
    assert "valid_roc_auc" not in clf.history_[-1]


def test_the_auc_uses_the_validation_weights(split):
    X, y, X_val, y_val = split
    weight = np.where(np.arange(len(y_val)) % 3 == 0, 5.0, 1.0)
    clf = DeepChromeClassifier(**dict(SMALL, max_epochs=1)).fit(
        X, y, X_val=X_val, y_val=y_val, sample_weight_val=weight)
    recorded = clf.history_[-1, "valid_roc_auc"]
    scores = clf.decision_function(X_val)
    assert recorded == pytest.approx(roc_auc_score(y_val, scores, sample_weight=weight),
                                     abs=1e-6)
    assert recorded != pytest.approx(roc_auc_score(y_val, scores), abs=1e-6)


def test_a_one_class_validation_set_falls_back_to_the_loss(split):
    X, y, X_val, y_val = split
    explicit = dict(SMALL, max_epochs=3, early_stopping_metric="roc_auc")
    with pytest.warns(UserWarning, match="roc_auc is undefined.*1 of the 2 classes"):
        clf = DeepChromeClassifier(**explicit).fit(
            X, y, X_val=X_val[y_val == 1], y_val=y_val[y_val == 1])
    assert clf.early_stopping_metric_ == "loss"
    # weight zero on every gene of one class makes the AUC just as undefined
    weight = (y_val == 1).astype(float)
    with pytest.warns(UserWarning, match="roc_auc is undefined"):
        DeepChromeClassifier(**explicit).fit(X, y, X_val=X_val, y_val=y_val,
                                             sample_weight_val=weight)


def test_auto_takes_the_loss_where_an_auc_would_be_too_coarse(split):
    X, y, X_val, y_val = split
    few = np.flatnonzero(y_val == 0)[:9].tolist() + np.flatnonzero(y_val == 1).tolist()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "auto" chooses quietly, as documented
        clf = DeepChromeClassifier(**dict(SMALL, max_epochs=2)).fit(
            X, y, X_val=X_val[few], y_val=y_val[few])
    assert clf.early_stopping_metric_ == "loss"
    # ten of each class is enough
    few = np.flatnonzero(y_val == 0)[:10].tolist() + np.flatnonzero(y_val == 1).tolist()
    clf = DeepChromeClassifier(**dict(SMALL, max_epochs=2)).fit(
        X, y, X_val=X_val[few], y_val=y_val[few])
    assert clf.early_stopping_metric_ == "roc_auc"


def test_a_saturated_auc_goes_on_with_the_loss(split):
    X, y, _, _ = split
    # validation genes the network separates at once: the AUC is 1.0 from the first epoch
    X_val = np.repeat(np.asarray(X)[:2], 10, axis=0)
    X_val[:10] = 0.0
    X_val[10:] = 3.0
    y_val = np.repeat([0, 1], 10)
    clf = DeepChromeClassifier(**dict(SMALL, max_epochs=8)).fit(X, y, X_val=X_val,
                                                                 y_val=y_val)
    auc = np.asarray(clf.history_[:, "valid_roc_auc"])
    loss = np.asarray(clf.history_[:, "valid_loss"])
    best = clf.best_epoch_ - 1
    assert auc[best] == auc.max()
    assert loss[best] == loss[auc == auc.max()].min()


def test_the_internal_split_is_scored_too_and_seeds_reproduce(split):
    X, y, _, _ = split
    params = dict(SMALL, validation_fraction=0.3)  # 36 genes: enough of each class
    a = DeepChromeClassifier(**params).fit(X, y)
    b = DeepChromeClassifier(**params).fit(X, y)
    assert a.early_stopping_metric_ == "roc_auc"
    np.testing.assert_array_equal(a.history_[:, "valid_roc_auc"], b.history_[:, "valid_roc_auc"])
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_without_validation_nothing_is_monitored(split):
    X, y, _, _ = split
    off = DeepChromeClassifier(early_stopping=False, **dict(SMALL, max_epochs=2)).fit(X, y)
    assert off.early_stopping_metric_ is None and "valid_roc_auc" not in off.history_[-1]
    part = DeepChromeClassifier(**SMALL).partial_fit(X, y)
    assert part.early_stopping_metric_ is None and part.n_epochs_ == 1
    warm = DeepChromeClassifier(warm_start=True, validation_fraction=0.3,
                                **dict(SMALL, max_epochs=3)).fit(X, y)
    warm.fit(X, y)
    assert warm.early_stopping_metric_ == "roc_auc"
    assert len(warm.history_[:, "valid_roc_auc"]) == warm.n_epochs_


def test_multiclass_auc_is_one_vs_rest():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], 40)
    X = rng.normal(size=(120, 5, 6))
    X[:, 0, 2:4] += 0.8 * y[:, None]
    clf = DeepChromeClassifier(early_stopping_metric="roc_auc", **dict(SMALL, max_epochs=2))
    clf.fit(X, y, X_val=X, y_val=y)
    assert clf.early_stopping_metric_ == "roc_auc"
    auto = DeepChromeClassifier(**dict(SMALL, max_epochs=1)).fit(X, y, X_val=X, y_val=y)
    assert auto.early_stopping_metric_ == "loss"  # "auto" with three classes
    expected = roc_auc_score(y, clf.predict_proba(X), multi_class="ovr")
    assert clf.history_[-1, "valid_roc_auc"] == pytest.approx(expected, abs=1e-5)


def test_regressors_stop_on_the_loss_or_r2(split):
    X, _, X_val, _ = split
    target = X[:, 30:40].sum(axis=1) + np.random.default_rng(0).normal(size=len(X))
    target_val = X_val[:, 30:40].sum(axis=1)
    auto = DeepChromeRegressor(**SMALL).fit(X, target, X_val=X_val, y_val=target_val)
    assert auto.early_stopping_metric_ == "loss"
    r2 = DeepChromeRegressor(early_stopping_metric="r2", **SMALL).fit(
        X, target, X_val=X_val, y_val=target_val)
    scores = np.asarray(r2.history_[:, "valid_r2"])
    assert r2.best_epoch_ == int(np.argmax(scores)) + 1
    # R² is the same on the standardised scale the history holds and in the target's units
    assert r2_score(target_val, r2.predict(X_val)) == pytest.approx(scores.max(), abs=1e-5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a varying target never falls back
        DeepChromeRegressor(early_stopping_metric="r2", **dict(SMALL, max_epochs=1)).fit(
            X, target)


@pytest.mark.parametrize("estimator, metric", [(DeepChromeRegressor, "roc_auc"),
                                               (DeepChromeClassifier, "r2")])
def test_a_metric_of_the_other_task_is_refused(split, estimator, metric):
    X, y, _, _ = split
    with pytest.raises(ValueError, match=f"early_stopping_metric='{metric}' does not apply"):
        estimator(early_stopping_metric=metric).fit(X, y.astype(float))
    with pytest.raises(ValueError, match="early_stopping_metric"):
        estimator(early_stopping_metric="accuracy").fit(X, y)
