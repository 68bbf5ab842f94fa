import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from skdeepchrome import REMC_MARKS, HistoneBinner
from skdeepchrome.baselines import make_model
from skdeepchrome.estimators import DeepChromeRegressor, expected_failed_checks

FAST = dict(max_epochs=30, lr=3e-3, batch_size=32, hidden_sizes=(32,), n_filters=8,
            dropout=0.1, random_state=0)


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    # thread_budget() honours OMP_NUM_THREADS; a second thread only adds hand-offs on these
    # tiny networks and is very costly on a busy 2-core machine.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OMP_NUM_THREADS", "1")
        yield


# A generic configuration: one "mark" whose bins are the features. Dropout 0 because
# check_regressors_train asks for R² > 0.5 on 200 noisy samples in few epochs, which
# dropout's noise on 50 pooled features prevents; every check runs, none is skipped.
@parametrize_with_checks([DeepChromeRegressor(marks=1, max_epochs=20, dropout=0.0,
                                              random_state=0)],
                         expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def make_expression(n_genes=300, n_bins=20, seed=0):
    """Counts and a log1p expression driven by TSS H3K4me3 and repressed by H3K27me3."""
    rng = np.random.default_rng(seed)
    activity = rng.normal(0, 1, n_genes)
    X3 = rng.poisson(1.0, size=(n_genes, 5, n_bins)).astype(float)
    centre = slice(n_bins // 2 - 2, n_bins // 2 + 2)
    k4, k27 = REMC_MARKS.index("H3K4me3"), REMC_MARKS.index("H3K27me3")
    X3[:, k4, centre] += rng.poisson(3.0 * np.exp(activity)[:, None], size=(n_genes, 4))
    X3[:, k27, :] += rng.poisson(2.0 * np.exp(-activity)[:, None], size=(n_genes, n_bins))
    expression = np.log1p(np.exp(1.5 + activity + rng.normal(0, 0.3, n_genes)))
    return X3.reshape(n_genes, -1), expression


@pytest.fixture(scope="module")
def data():
    X, y = make_expression()
    return HistoneBinner(scale="log1p").fit_transform(X), y


@pytest.fixture(scope="module")
def fitted(data):
    X, y = data
    return DeepChromeRegressor(**FAST).fit(X[:220], y[:220])


def test_learns_expression(data, fitted):
    X, y = data
    pred = fitted.predict(X[220:])
    assert pred.shape == (80,) and pred.dtype == np.float64
    assert r2_score(y[220:], pred) > 0.6
    assert np.corrcoef(y[220:], pred)[0, 1] > 0.8
    assert fitted.module_.classifier[-1].out_features == 1
    assert fitted.n_epochs_ <= 30 and "valid_loss" in fitted.history_[-1]


def test_standardised_target_makes_units_irrelevant(data, fitted):
    X, y = data
    assert fitted.y_mean_ == pytest.approx(y[:220].mean())
    assert fitted.y_scale_ == pytest.approx(y[:220].std())
    # The network sees the same standardised target, so predictions follow y's units exactly.
    rescaled = DeepChromeRegressor(**FAST).fit(X[:220], 1000.0 * y[:220] - 7.0)
    np.testing.assert_allclose(rescaled.predict(X[220:]), 1000.0 * fitted.predict(X[220:]) - 7.0,
                               rtol=1e-4)
    raw = DeepChromeRegressor(**{**FAST, "standardize_target": False}).fit(X[:220], y[:220])
    assert (raw.y_mean_, raw.y_scale_) == (0.0, 1.0)
    assert not np.allclose(raw.predict(X[220:]), fitted.predict(X[220:]))


def test_same_seed_same_predictions_and_pickle_roundtrip(data, fitted):
    X, y = data
    again = DeepChromeRegressor(**FAST).fit(X[:220], y[:220])
    np.testing.assert_array_equal(again.predict(X), fitted.predict(X))
    other = DeepChromeRegressor(**{**FAST, "random_state": 1}).fit(X[:220], y[:220])
    assert not np.allclose(other.predict(X), fitted.predict(X))
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict(X), fitted.predict(X))
    assert "y_mean_" not in clone(fitted).__dict__


def test_early_stopping_on_an_explicit_validation_set(data):
    X, y = data
    reg = DeepChromeRegressor(**{**FAST, "max_epochs": 80, "n_iter_no_change": 2})
    reg.fit(X[:200], y[:200], X_val=X[200:], y_val=y[200:])
    first = reg.history_[0]
    assert sum(b.get("valid_batch_size", 0) for b in first["batches"]) == 100
    valid_loss = np.asarray(reg.history_[:, "valid_loss"])
    assert reg.n_epochs_ < 80 and reg.n_epochs_ == reg.best_epoch_ + 2
    assert reg.best_epoch_ == int(np.argmin(valid_loss)) + 1
    # the validation loss is the MSE of the standardised target at the kept weights
    pred = reg.predict(X[200:])
    mse = np.mean(((pred - y[200:]) / reg.y_scale_) ** 2)
    assert mse == pytest.approx(valid_loss.min(), rel=1e-3)


def test_pipeline_and_grid_search():
    X, y = make_expression(160, seed=1)
    search = GridSearchCV(
        make_pipeline(HistoneBinner(n_bins=10, scale="log1p"),
                      DeepChromeRegressor(**{**FAST, "max_epochs": 5})),
        {"deepchromeregressor__lr": [1e-3, 3e-3]}, cv=2, scoring="r2",
    ).fit(X, y)
    assert len(search.cv_results_["mean_test_score"]) == 2
    assert search.best_estimator_[-1].n_bins_ == 10
    model = make_model("deepchrome", task="regression", random_state=3)
    assert isinstance(model[-1], DeepChromeRegressor) and model[-1].random_state == 3
    assert model[0].scale == "log1p"


@pytest.mark.parametrize(
    "y, kwargs, match",
    [
        (np.full(20, np.nan), {}, "NaN or infinity"),
        (np.array(["high"] * 20), {}, "must be numeric"),
        (None, {}, "requires y"),
        (np.arange(20.0), {"X_val": np.ones((4, 500))}, "X_val and y_val must be given together"),
        (np.arange(20.0), {"X_val": np.ones((4, 500)), "y_val": [1.0, np.inf, 2.0, 3.0]},
         "y_val contains NaN"),
    ],
)
def test_bad_input_names_the_problem(y, kwargs, match):
    with pytest.raises(ValueError, match=match):
        DeepChromeRegressor(max_epochs=1).fit(np.ones((20, 500)), y, **kwargs)
