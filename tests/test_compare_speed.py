"""The main job's waste removed without changing its results (issue 25, item 3).

Each prediction is computed once (labels read off the score where the estimator's own rule
gives them), the paired bootstrap scores its resamples at once, and the networks' long
fits start ahead of the baselines when several workers share them; every test here pins
that the numbers are the ones computed the slow way.
"""

import numpy as np
import pytest
from joblib import delayed
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.svm import SVC
from sklearn.utils import check_random_state

import skdeepchrome.compare._significance as significance
from skdeepchrome import DeepChromeClassifier, HistoneBinner
from skdeepchrome.baselines import make_model
from skdeepchrome.compare import paired_bootstrap_auc
from skdeepchrome.compare._fitting import score_and_label
from skdeepchrome.compare._protocol import networks_ahead
from skdeepchrome.compare._records import UnitResult
from skdeepchrome.compare._running import run_units
from skdeepchrome.compare._significance import bootstrap_p_value

from .conftest import make_signal

TINY = dict(n_filters=8, hidden_sizes=(16,), max_epochs=2, batch_size=32, random_state=0)


@pytest.fixture(scope="module")
def data():
    X, y = make_signal(120, n_bins=20, seed=3, effect=0.4)
    return X[:80], y[:80], X[80:]


def _slow_way(model, X):
    score = (model.decision_function(X) if hasattr(model, "decision_function")
             else model.predict_proba(X)[:, 1])
    return np.asarray(score, dtype=float), np.asarray(model.predict(X))


@pytest.mark.parametrize("name", ["svm", "logistic", "random_forest", "gradient_boosting",
                                  "network", "search"])
def test_score_and_labels_are_those_of_decision_function_and_predict(data, name):
    X_train, y_train, X_test = data
    if name == "network":
        model = make_pipeline(HistoneBinner(5, scale="log1p"), DeepChromeClassifier(**TINY))
    elif name == "search":
        model = GridSearchCV(make_model("logistic"), {"model__C": [0.1, 1.0]}, cv=2)
    else:
        model = make_model(name, random_state=0)
    model.fit(X_train, y_train)
    score, label = score_and_label(model, X_test)
    expected_score, expected_label = _slow_way(model, X_test)
    if name == "random_forest":
        # Its threads add the trees' probabilities in whichever order they finish: two
        # calls of predict_proba differ in the last bit, with or without this change.
        np.testing.assert_allclose(score, expected_score, rtol=1e-12, atol=1e-15)
    elif name == "svm":
        # Matrix products instead of libsvm's loop: the same to rounding, the same order.
        np.testing.assert_allclose(score, expected_score, rtol=0, atol=1e-10)
        np.testing.assert_array_equal(np.argsort(score), np.argsort(expected_score))
    else:
        np.testing.assert_array_equal(score, expected_score)
    np.testing.assert_array_equal(label, expected_label)
    assert len(set(label)) == 2  # both classes predicted: the rule was exercised


@pytest.mark.parametrize("name, estimator", [("svm", SVC), ("logistic", LogisticRegression),
                                             ("random_forest", RandomForestClassifier)])
def test_labels_are_read_off_the_score_not_predicted_again(data, monkeypatch, name,
                                                           estimator):
    # An RBF SVM's prediction costs what its decision function costs (12.7 s against 5.1 s
    # for its fit on a release-sized epigenome, when both were computed).
    X_train, y_train, X_test = data
    model = make_model(name, random_state=0).fit(X_train, y_train)
    expected = model.predict(X_test)

    def again(self, X):
        raise AssertionError(f"{type(self).__name__}.predict was called again")

    monkeypatch.setattr(estimator, "predict", again)
    _, label = score_and_label(model, X_test)
    np.testing.assert_array_equal(label, expected)


def test_an_rbf_svm_scored_by_matrix_products_keeps_libsvm_labels_near_zero(data,
                                                                          monkeypatch):
    import skdeepchrome.compare._fitting as fitting

    X_train, y_train, X_test = data
    model = make_model("svm").fit(X_train, y_train)
    Xt = model[:-1].transform(X_test)
    exact = model[-1].decision_function(Xt)
    # Every gene within 0.5 of the boundary is handed back to libsvm: those scores are
    # libsvm's to the bit, the rest its values to rounding.
    monkeypatch.setattr(fitting, "_SIGN_MARGIN", 0.5)
    score, label = score_and_label(model, X_test)
    near = np.abs(exact) < 0.45
    assert near.any() and not near.all()
    np.testing.assert_array_equal(score[near], exact[near])
    np.testing.assert_allclose(score, exact, rtol=0, atol=1e-10)
    np.testing.assert_array_equal(label, model.predict(X_test))


def test_other_svms_are_scored_by_libsvm(data):
    X_train, y_train, X_test = data
    for svm in (SVC(kernel="linear"), SVC(kernel="poly", degree=2)):
        model = make_pipeline(HistoneBinner(5, scale="log1p"), svm).fit(X_train, y_train)
        score, label = score_and_label(model, X_test)
        np.testing.assert_array_equal(score, model.decision_function(X_test))
        np.testing.assert_array_equal(label, model.predict(X_test))


def test_an_unknown_classifier_is_still_asked_to_predict(data):
    class Flipped(LogisticRegression):
        def predict(self, X):  # a rule of its own: the score's sign no longer tells
            return 1 - super().predict(X)

    X_train, y_train, X_test = data
    model = make_pipeline(HistoneBinner(5, scale="log1p"), Flipped()).fit(X_train, y_train)
    _, label = score_and_label(model, X_test)
    np.testing.assert_array_equal(label, model.predict(X_test))


def _pairwise_auc(y, score):
    """ROC AUC by comparing every positive with every negative (a tie counts one half)."""
    pos, neg = score[y == 1][:, None], score[y == 0][None, :]
    return ((pos > neg).sum() + 0.5 * (pos == neg).sum()) / (pos.size * neg.size)


def _bootstrap_one_resample_at_a_time(y_true, score_a, score_b, n_boot, random_state,
                                      auc=roc_auc_score):
    """The paired bootstrap as it was first written: an AUC of each resample in turn."""
    rng = check_random_state(random_state)
    diffs, n = [], len(y_true)
    for _ in range(n_boot):
        rows = rng.randint(0, n, n)
        if y_true[rows].min() == y_true[rows].max():
            continue
        diffs.append(auc(y_true[rows], score_a[rows]) - auc(y_true[rows], score_b[rows]))
    return bootstrap_p_value(diffs)


@pytest.mark.parametrize("n, step", [(200, None), (200, 0.5), (10, None), (30, 1.0)])
def test_paired_bootstrap_gives_the_p_value_of_one_resample_at_a_time(monkeypatch, n, step):
    # Ties within a model (rounded scores) and between models' AUCs (10 or 30 genes), and
    # resamples of one class (10 genes) are where a shortcut could differ.
    rng = np.random.default_rng(n)
    y = rng.integers(0, 2, n)
    a, b = y + rng.normal(0, 1, n), y + rng.normal(0, 1.3, n)
    if step:
        a, b = np.round(a / step) * step, np.round(b / step) * step
    exact = _bootstrap_one_resample_at_a_time(y, a, b, 400, 7, auc=_pairwise_auc)
    calls = []

    def counted(*args, **kwargs):
        calls.append(1)
        return roc_auc_score(*args, **kwargs)

    monkeypatch.setattr(significance, "roc_auc_score", counted)
    difference, p = paired_bootstrap_auc(y, a, b, n_boot=400, random_state=7)
    assert p == exact
    assert difference == roc_auc_score(y, a) - roc_auc_score(y, b)
    assert len(calls) == 2  # the observed difference only, not 800 resampled AUCs
    if n >= 200:
        # With hundreds of genes two models' resampled AUCs are never exactly equal, and
        # roc_auc_score's rounding (its trapezoids) decides no sign: the same p-value.
        assert p == _bootstrap_one_resample_at_a_time(y, a, b, 400, 7)


def test_exactly_equal_resampled_aucs_count_as_ties():
    # On 10 genes two models' resampled AUCs are often exactly equal. roc_auc_score adds
    # trapezoids and can leave such a difference at +-1e-16, counting the tie as a win or
    # a loss by its rounding; counted exactly, a tie falls in both tails.
    rng = np.random.default_rng(10)
    y = rng.integers(0, 2, 10)
    a, b = y + rng.normal(0, 1, 10), y + rng.normal(0, 1.3, 10)
    rounded = _bootstrap_one_resample_at_a_time(y, a, b, 400, 7)
    exact = _bootstrap_one_resample_at_a_time(y, a, b, 400, 7, auc=_pairwise_auc)
    assert rounded != exact  # this draw has such ties
    assert paired_bootstrap_auc(y, a, b, n_boot=400, random_state=7)[1] == exact


_STARTED = []


def _note(unit, model):
    _STARTED.append(f"{unit} {model}")
    return f"{unit} {model}"


def test_fits_start_in_rank_order_and_come_back_in_unit_order():
    _STARTED.clear()
    units = {e: [(m, delayed(_note)(e, m)) for m in ("deepchrome", "svm")]
             for e in ("E1", "E2", "E3")}
    done, failed = run_units(units, lambda unit, r: UnitResult(r, None), n_jobs=1, verbose=0,
                             rank=networks_ahead(["deepchrome", "svm"], n_workers=2))
    assert _STARTED == ["E1 deepchrome", "E2 deepchrome", "E1 svm", "E3 deepchrome",
                        "E2 svm", "E3 svm"]
    assert {u: r.rows for u, r in done.items()} == {
        e: [f"{e} deepchrome", f"{e} svm"] for e in ("E1", "E2", "E3")}
    assert list(done) == ["E1", "E2", "E3"] and not failed


def test_one_worker_keeps_the_plain_order():
    # Serially nothing fills an idle worker, and each epigenome is loaded once.
    fits = [(e, m) for e in range(3) for m in ("deepchrome", "svm", "logistic")]
    rank = networks_ahead(["deepchrome", "svm", "logistic"], n_workers=1)
    assert sorted(fits, key=lambda fit: rank(*fit)) == fits


def test_a_network_passed_as_an_estimator_is_recognised():
    models = {"mine": make_pipeline(HistoneBinner(5), DeepChromeClassifier(**TINY)),
              "lr": make_model("logistic")}
    rank = networks_ahead(models, n_workers=3)
    assert rank(2, "mine") < rank(0, "lr") < rank(1, "lr")


def test_paper_protocol_hands_its_fits_out_networks_ahead(monkeypatch):
    import skdeepchrome.compare._protocol as protocol
    from skdeepchrome.compare import paper_protocol

    ranks = []

    class Handed(Exception):
        pass

    def spy(units, collect, **kwargs):
        ranks.append(kwargs["rank"])
        raise Handed  # the order is all this test needs, not the fits

    monkeypatch.setattr(protocol, "run_units", spy)
    X, y = make_signal(40, seed=1)
    from sklearn.utils import Bunch

    epigenome = Bunch(**{s: Bunch(data=X, target=y) for s in ("train", "valid", "test")})
    for n_jobs in (1, 2):
        with pytest.raises(Handed):
            paper_protocol({"A": epigenome, "B": epigenome}, models=["svm", "deepchrome"],
                           verbose=0, n_jobs=n_jobs)
    serial, parallel = ranks
    assert serial(0, "svm") < serial(1, "deepchrome")  # one worker: the plain order
    assert parallel(1, "deepchrome") < parallel(0, "svm") < parallel(1, "svm")


def test_a_worker_keeps_the_last_two_epigenomes_it_loaded(monkeypatch):
    from skdeepchrome.compare import _protocol

    monkeypatch.setattr(_protocol, "_LOADED", [])
    calls = []

    def loader(name):
        def load():
            calls.append(name)
            return {"name": name}
        return load

    # A worker alternating between its network's epigenome and the one before it loads
    # each once; a third pushes out the one used longest ago, never the one in use.
    for name in ["E1", "E2", "E1", "E2", "E1", "E3", "E1", "E2"]:
        assert _protocol._load(loader(name), ("run", name)) == {"name": name}
    assert calls == ["E1", "E2", "E3", "E2"]
    assert [key for key, _ in _protocol._LOADED] == [("run", "E2"), ("run", "E1")]
    # Without a key nothing is kept.
    _protocol._load(loader("E9"), None)
    assert calls[-1] == "E9" and len(_protocol._LOADED) == 2
