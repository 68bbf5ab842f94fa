"""The neural estimators with the tools around scikit-learn: weights, backends, layout, skorch."""

import pickle
from concurrent.futures import ThreadPoolExecutor

import joblib
import numpy as np
import pandas as pd
import pytest
import sklearn
import torch
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import BaggingClassifier
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.metrics import get_scorer, recall_score, roc_auc_score
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from skorch.callbacks import EpochScoring

from skdeepchrome import REMC_MARKS, DeepChromeClassifier, HistoneBinner
from skdeepchrome.estimators import AttentiveChromeClassifier, DeepChromeRegressor
from skdeepchrome.layout import HistoneMatrix

from .conftest import make_signal

TINY = dict(n_filters=8, hidden_sizes=(16,), max_epochs=6, batch_size=32, lr=3e-3,
            random_state=0)


@pytest.fixture
def small():
    X, y = make_signal(n_genes=160, n_bins=20, seed=1)
    return HistoneMatrix(np.log1p(X), REMC_MARKS, 20), y


# -- sample and class weights ------------------------------------------------------------


@pytest.mark.parametrize("Estimator", [DeepChromeClassifier, DeepChromeRegressor])
def test_unit_weights_are_no_weights_and_weights_change_the_fit(small, Estimator):
    X, y = small
    ones = Estimator(**TINY).fit(X, y, sample_weight=np.ones(len(y))).predict(X)
    none = Estimator(**TINY).fit(X, y).predict(X)
    np.testing.assert_array_equal(ones, none)
    w = np.where(np.arange(len(y)) % 3 == 0, 0.0, 2.0)
    weighted = Estimator(**TINY).fit(X, y, sample_weight=w)
    assert not np.array_equal(weighted.predict_proba(X) if hasattr(weighted, "predict_proba")
                              else weighted.predict(X),
                              Estimator(**TINY).fit(X, y).predict_proba(X)
                              if hasattr(weighted, "predict_proba") else none)


def test_zero_weight_genes_are_ignored(small):
    X, y = small
    noisy = y.copy()
    flipped = np.random.default_rng(0).random(len(y)) < 0.4
    noisy[flipped] = 1 - noisy[flipped]
    params = dict(TINY, max_epochs=30, early_stopping=False)
    plain = DeepChromeClassifier(**params).fit(X, noisy)
    weighted = DeepChromeClassifier(**params).fit(X, noisy, sample_weight=(~flipped) * 1.0)
    auc_plain = roc_auc_score(y, plain.predict_proba(X)[:, 1])
    auc_weighted = roc_auc_score(y, weighted.predict_proba(X)[:, 1])
    assert auc_weighted > auc_plain + 0.02


@pytest.mark.parametrize(
    "weight, match",
    [
        (-np.ones(160), "Negative values"),
        (np.zeros(160), "non-zero|every weight is zero"),
        (np.ones(10), "sample_weight.shape"),
    ],
)
def test_bad_weights_name_the_problem(small, weight, match):
    X, y = small
    with pytest.raises(ValueError, match=match):
        DeepChromeClassifier(**TINY).fit(X, y, sample_weight=weight)


def test_metadata_routing_passes_weights_to_search_cv_calibration_and_bagging(small):
    X, y = small
    w = np.where(np.arange(len(y)) % 4 == 0, 0.0, 1.0)
    with sklearn.config_context(enable_metadata_routing=True):
        clf = DeepChromeClassifier(**TINY).set_fit_request(sample_weight=True)
        scorer = get_scorer("roc_auc").set_score_request(sample_weight=True)
        search = GridSearchCV(clf, {"lr": [3e-3, 1e-2]}, scoring=scorer, cv=2)
        search.fit(X, y, sample_weight=w)
        assert np.isfinite(search.cv_results_["mean_test_score"]).all()
        scores = cross_validate(clf, X, y, cv=2, scoring=scorer, params={"sample_weight": w})
        assert np.isfinite(scores["test_score"]).all()
        calibrated = CalibratedClassifierCV(clf, cv=2).fit(X, y, sample_weight=w)
        assert calibrated.predict_proba(X).shape == (len(y), 2)
    bagged = BaggingClassifier(DeepChromeClassifier(marks=REMC_MARKS, **TINY), n_estimators=2,
                               random_state=0)
    bagged.fit(np.asarray(X), y, sample_weight=w)
    assert bagged.predict_proba(np.asarray(X)).shape == (len(y), 2)


def test_balanced_class_weight_finds_the_rare_class():
    X, y = make_signal(n_genes=400, n_bins=20, seed=3, effect=0.15)
    rare = np.flatnonzero(y == 1)[: int(0.1 * len(y))]
    keep = np.r_[np.flatnonzero(y == 0), rare]
    X = HistoneMatrix(np.log1p(X[keep]), REMC_MARKS, 20)
    y = y[keep]
    X_test, y_test = make_signal(n_genes=400, n_bins=20, seed=4, effect=0.15)
    X_test = HistoneMatrix(np.log1p(X_test), REMC_MARKS, 20)
    params = dict(TINY, max_epochs=25, early_stopping=False)
    plain = DeepChromeClassifier(**params).fit(X, y)
    balanced = DeepChromeClassifier(**params, class_weight="balanced").fit(X, y)
    assert (recall_score(y_test, balanced.predict(X_test))
            > recall_score(y_test, plain.predict(X_test)) + 0.3)
    np.testing.assert_allclose(balanced.class_weights_ * np.bincount(y), len(y) / 2)
    by_dict = DeepChromeClassifier(**params, class_weight={0: 1.0, 1: 9.0}).fit(X, y)
    np.testing.assert_array_equal(by_dict.class_weights_, [1.0, 9.0])
    with pytest.raises(ValueError, match=r"class_weight names labels \[7\]"):
        DeepChromeClassifier(**params, class_weight={7: 2.0}).fit(X, y)


# -- the same seed, the same model, in every backend ----------------------------------------


def _fit_and_predict(X, y):
    return DeepChromeClassifier(**TINY).fit(X, y).predict_proba(X)


def test_same_seed_same_model_in_every_backend(small):
    X, y = small
    X = np.asarray(X).reshape(len(y), 5, 20)
    serial = _fit_and_predict(X, y)
    for backend in ("loky", "threading"):
        runs = joblib.Parallel(n_jobs=2, backend=backend)(
            joblib.delayed(_fit_and_predict)(X, y) for _ in range(2)
        )
        for run in runs:
            np.testing.assert_array_equal(run, serial, err_msg=backend)
    with ThreadPoolExecutor(max_workers=2) as pool:
        for run in pool.map(lambda _: _fit_and_predict(X, y), range(2)):
            np.testing.assert_array_equal(run, serial, err_msg="ThreadPoolExecutor")
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            futures = [client.submit(_fit_and_predict, X, y, pure=False) for _ in range(2)]
            for run in client.gather(futures):
                np.testing.assert_array_equal(run, serial, err_msg="dask")


def test_a_fit_leaves_torch_global_state_alone(small):
    X, y = small
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    threads = torch.get_num_threads()
    DeepChromeClassifier(**TINY).fit(X, y)
    assert torch.equal(torch.rand(3), expected)
    assert torch.get_num_threads() == threads


def _fit_deepdiff(X, y):
    from skdeepchrome.estimators import DeepDiffRegressor

    return DeepDiffRegressor(n_filters=8, embedding_size=8, hidden_sizes=(8,), max_epochs=4,
                             kernel_size=5, random_state=0).fit(X, y).predict(X)


def test_deepdiff_shares_the_bases_seeding_and_leaves_torch_alone(small):
    # The DeepDiff regressor on a pair (the small signal twice, the second reversed).
    X, y = small
    X3 = np.asarray(X).reshape(len(y), 5, 20)
    pair = np.concatenate([X3[:, :4], X3[::-1, :4]], axis=1)
    lfc = y - y[::-1] + 0.1 * np.arange(len(y)) / len(y)
    torch.manual_seed(7)
    expected = torch.rand(3)
    torch.manual_seed(7)
    serial = _fit_deepdiff(pair, lfc)
    assert torch.equal(torch.rand(3), expected)
    for backend in ("loky", "threading"):
        runs = joblib.Parallel(n_jobs=2, backend=backend)(
            joblib.delayed(_fit_deepdiff)(pair, lfc) for _ in range(2))
        for run in runs:
            np.testing.assert_array_equal(run, serial, err_msg=backend)


# -- no silent guesses of the layout ---------------------------------------------------------


def test_layout_lost_after_a_transformer_is_an_error_that_says_how(signal):
    X, y = signal
    model = make_pipeline(HistoneBinner(select=["H3K4me3", "H3K27me3"], scale="log1p"),
                          StandardScaler(), DeepChromeClassifier(**TINY))
    with pytest.raises(ValueError, match=r"marks=.*set_output\(transform='pandas'\)"):
        model.fit(X, y)
    model.set_output(transform="pandas").fit(X, y)
    assert model[-1].marks_ == ("H3K4me3", "H3K27me3")
    assert model[-1].n_bins_ == 100


def test_function_transformer_keeps_the_layout_when_names_flow(signal):
    X, y = signal
    model = make_pipeline(HistoneBinner(select=["H3K4me3", "H3K27me3"], n_bins=20),
                          FunctionTransformer(np.log1p, feature_names_out="one-to-one"),
                          DeepChromeClassifier(**TINY)).set_output(transform="pandas")
    model.fit(X, y)
    assert model[-1].marks_ == ("H3K4me3", "H3K27me3")


@pytest.mark.parametrize(
    "make",
    [
        lambda: make_pipeline(HistoneBinner(n_bins=20), SelectKBest(f_classif, k=50),
                              DeepChromeClassifier(**TINY)).set_output(transform="pandas"),
        lambda: BaggingClassifier(DeepChromeClassifier(**TINY), n_estimators=1,
                                  max_features=0.5, random_state=0),
    ],
    ids=["SelectKBest", "BaggingClassifier(max_features=0.5)"],
)
def test_column_selections_lose_the_layout_loudly(signal, make):
    X, y = signal
    with pytest.raises(ValueError, match="cannot tell the mark layout"):
        make().fit(X, y)


def test_plain_arrays_only_in_the_release_layout(signal):
    X, y = signal
    with pytest.raises(ValueError, match="plain array of 200 columns"):
        DeepChromeClassifier(**TINY).fit(X[:, :200], y)
    assert DeepChromeClassifier(**TINY).fit(X, y).marks_ == REMC_MARKS
    assert DeepChromeClassifier(marks=2, **TINY).fit(X[:, :200], y).n_bins_ == 100


def test_predicting_other_marks_is_an_error(small):
    X, y = small
    clf = DeepChromeClassifier(**TINY).fit(X, y)
    shuffled = HistoneMatrix(np.asarray(X), REMC_MARKS[::-1], 20)
    with pytest.raises(ValueError, match="wrong order"):
        clf.predict(shuffled)
    frame = pd.DataFrame(np.asarray(X), columns=HistoneBinner(n_bins=20).fit(
        np.zeros((1, 100))).get_feature_names_out())
    np.testing.assert_allclose(clf.predict_proba(frame), clf.predict_proba(X))


# -- skorch, fully ---------------------------------------------------------------------------


@pytest.mark.parametrize("Estimator", [DeepChromeClassifier, AttentiveChromeClassifier])
def test_string_scorers_in_epoch_scoring(small, Estimator):
    X, y = small
    params = (dict(bin_hidden_size=4, mark_hidden_size=2, max_epochs=3, random_state=0)
              if Estimator is AttentiveChromeClassifier else dict(TINY, max_epochs=3))
    clf = Estimator(**params, callbacks=[EpochScoring("roc_auc", lower_is_better=False)])
    clf.fit(X, y)
    auc = clf.history_[:, "roc_auc"]
    assert len(auc) == clf.n_epochs_ and all(0.0 <= a <= 1.0 for a in auc)


def test_regressor_epoch_scoring_with_r2(small):
    X, y = small
    reg = DeepChromeRegressor(**dict(TINY, max_epochs=3), callbacks=[
        EpochScoring("r2", lower_is_better=False)]).fit(X, y.astype(float))
    assert len(reg.history_[:, "r2"]) == 3


def test_optimizer_and_criterion_arguments(small):
    X, y = small
    clf = DeepChromeClassifier(**TINY, optimizer="sgd", warm_start=True,
                               optimizer_params={"momentum": 0.9, "nesterov": True},
                               criterion_params={"label_smoothing": 0.1}).fit(X, y)
    group = clf.net_.optimizer_.param_groups[0]
    assert (group["momentum"], group["nesterov"]) == (0.9, True)
    assert clf.net_.criterion_.label_smoothing == 0.1
    search = GridSearchCV(DeepChromeClassifier(**TINY, optimizer="sgd"),
                          {"optimizer_params": [{"momentum": 0.0}, {"momentum": 0.9}]},
                          cv=2, scoring="roc_auc").fit(X, y)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    with pytest.raises(ValueError, match=r"\['momentum'\] are not arguments of Adam"):
        DeepChromeClassifier(**TINY, optimizer_params={"momentum": 0.9}).fit(X, y)
    with pytest.raises(ValueError, match="may not set 'lr'"):
        DeepChromeClassifier(**TINY, optimizer_params={"lr": 0.1}).fit(X, y)
    with pytest.raises(ValueError, match="may not set 'reduction'"):
        DeepChromeClassifier(**TINY, criterion_params={"reduction": "sum"}).fit(X, y)


def test_warm_start_continues_from_the_fitted_weights(small):
    X, y = small
    clf = DeepChromeClassifier(**dict(TINY, early_stopping=False), warm_start=True)
    clf.fit(X, y)
    first = clf.history_[:, "train_loss"]
    clf.fit(X, y)
    assert clf.n_epochs_ == 2 * TINY["max_epochs"]
    assert clf.history_[TINY["max_epochs"], "train_loss"] < first[0]
    cold = clone(clf).set_params(warm_start=False).fit(X, y)
    assert cold.n_epochs_ == TINY["max_epochs"]
    with pytest.raises(ValueError, match="expecting 100 features"):
        clf.fit(np.asarray(X)[:, :80], y)
    with pytest.raises(ValueError, match=r"labels \[2\].*not in the fitted classes"):
        clf.fit(X, np.where(y == 1, 2, 0))


def test_partial_fit_runs_one_epoch_and_keeps_classes(small):
    X, y = small
    clf = DeepChromeClassifier(**TINY)
    clf.partial_fit(X[:80], y[:80], classes=[0, 1])
    clf.partial_fit(X[80:], y[80:])
    assert clf.n_epochs_ == 2
    assert list(clf.classes_) == [0, 1]
    assert clf.net_.optimizer_ is not None
    with pytest.raises(ValueError, match=r"labels \[5\]"):
        clf.partial_fit(X[:10], np.full(10, 5))
    with pytest.raises(ValueError, match="classes=.*differ"):
        clf.partial_fit(X[:10], y[:10], classes=[0, 1, 2])
    with pytest.raises(ValueError, match="expecting 100 features"):
        clf.partial_fit(np.asarray(X)[:10, :50], y[:10])
    with pytest.raises(ValueError, match="balanced.*partial_fit"):
        DeepChromeClassifier(class_weight="balanced").partial_fit(X, y)
    reg = DeepChromeRegressor(**TINY).partial_fit(X, y.astype(float))
    assert reg.partial_fit(X, y.astype(float)).n_epochs_ == 2


def test_x_val_through_a_pipeline(signal):
    X, y = signal
    X_train, y_train, X_val, y_val = X[:160], y[:160], X[160:], y[160:]
    with sklearn.config_context(enable_metadata_routing=True):
        clf = DeepChromeClassifier(**TINY).set_fit_request(X_val=True, y_val=True)
        pipe = Pipeline([("bin", HistoneBinner(n_bins=20, scale="log1p")), ("cnn", clf)],
                        transform_input=["X_val"])
        pipe.fit(X_train, y_train, X_val=X_val, y_val=y_val)
        assert len(pipe[-1].history_[:, "valid_loss"]) == pipe[-1].n_epochs_
    untransformed = make_pipeline(HistoneBinner(n_bins=20), DeepChromeClassifier(**TINY))
    with pytest.raises(ValueError, match=r"X_val has 500 features.*transform_input"):
        untransformed.fit(X_train, y_train, deepchromeclassifier__X_val=X_val,
                          deepchromeclassifier__y_val=y_val)


# -- small files, one implementation -------------------------------------------------------


def test_pickles_hold_weights_not_optimizer_state(small):
    X, y = small
    clf = DeepChromeClassifier(random_state=0, max_epochs=2).fit(
        HistoneMatrix(np.repeat(np.asarray(X), 5, axis=1), REMC_MARKS, 100), y)
    weights = sum(p.numel() * p.element_size() for p in clf.module_.parameters())
    assert len(pickle.dumps(clf)) < 1.2 * weights
    warm = clone(clf).set_params(warm_start=True).fit(
        HistoneMatrix(np.repeat(np.asarray(X), 5, axis=1), REMC_MARKS, 100), y)
    assert len(pickle.dumps(warm)) > 2.5 * weights
    restored = pickle.loads(pickle.dumps(clf))
    Xb = HistoneMatrix(np.repeat(np.asarray(X), 5, axis=1), REMC_MARKS, 100)
    np.testing.assert_array_equal(restored.predict_proba(Xb), clf.predict_proba(Xb))


def test_small_and_large_predictions_agree(small):
    X, y = small
    clf = DeepChromeClassifier(**TINY).fit(X, y)
    big = np.tile(np.asarray(X), (2, 1))
    full = clf.predict_proba(big)[: len(y)]
    one_by_one = np.vstack([clf.predict_proba(np.asarray(X)[i : i + 1]) for i in range(10)])
    np.testing.assert_allclose(one_by_one, full[:10], rtol=0, atol=1e-6)
    order = np.random.default_rng(0).permutation(len(big))
    np.testing.assert_array_equal(clf.predict_proba(big[order]), clf.predict_proba(big)[order])


@pytest.mark.parametrize(
    "Estimator", [DeepChromeClassifier, DeepChromeRegressor, AttentiveChromeClassifier]
)
def test_estimators_are_a_module_plus_a_short_class(Estimator):
    own = {name for name in vars(Estimator)
           if not name.startswith("__") and not name.endswith("_request")}
    own -= {"_parameter_constraints"}
    assert own <= {"_module_class", "_module_params", "predict_attention"}, own
