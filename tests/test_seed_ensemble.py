"""Seed ensembles (``n_members``): networks trained apart, averaged in one module."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.metrics import r2_score, roc_auc_score

from skdeepchrome import DeepChromeClassifier, HistoneBinner, load_model, save_model
from skdeepchrome.baselines import RECOMMENDED_NETWORK, make_model
from skdeepchrome.cli import main
from skdeepchrome.datasets import make_histone_dataset, save_npz_dataset
from skdeepchrome.estimators import DeepChromeRegressor
from skdeepchrome.models import DeepChromeNet, MemberAverage

SMALL = dict(marks=5, n_filters=8, hidden_sizes=(16,), max_epochs=6, batch_size=32,
             random_state=0)


@pytest.fixture(scope="module")
def genes():
    data = make_histone_dataset(500, n_bins=40, random_state=0)
    X = HistoneBinner(scale="log1p").fit_transform(data.data)
    return np.asarray(X, dtype=np.float32), data.target


def _member_logits(model, X):
    Xt = torch.from_numpy(X).reshape(len(X), 5, -1)
    with torch.no_grad():
        return [member(Xt).numpy().astype(np.float64) for member in model.module_.members]


def test_members_are_trained_apart_and_their_logits_averaged(genes):
    X, y = genes
    model = DeepChromeClassifier(n_members=3, **SMALL).fit(X, y)
    assert isinstance(model.module_, MemberAverage) and len(model.module_.members) == 3
    assert model.best_epoch_.shape == model.n_epochs_.shape == (3,)
    logits = _member_logits(model, X)
    # each member from its own seed: different weights, different scores
    assert not np.allclose(logits[0], logits[1], atol=1e-3)
    mean = np.mean(logits, axis=0)
    np.testing.assert_allclose(model.decision_function(X), mean[:, 1] - mean[:, 0],
                               rtol=1e-4, atol=1e-5)


def test_the_first_member_is_the_single_network_of_the_same_seed(genes):
    X, y = genes
    single = DeepChromeClassifier(**SMALL).fit(X, y)
    ensemble = DeepChromeClassifier(n_members=2, **SMALL).fit(X, y)
    first = ensemble.module_.members[0].state_dict()
    for key, value in single.module_.state_dict().items():
        torch.testing.assert_close(first[key], value)
    assert single.best_epoch_ == ensemble.best_epoch_[0]


def test_members_with_an_explicit_validation_set_still_differ(genes):
    X, y = genes
    model = DeepChromeClassifier(n_members=2, **SMALL).fit(X[:400], y[:400], X_val=X[400:],
                                                          y_val=y[400:])
    logits = _member_logits(model, X)
    assert not np.allclose(logits[0], logits[1], atol=1e-3)


def test_averaging_beats_its_average_member(genes):
    X, y = genes
    model = DeepChromeClassifier(n_members=5, **SMALL).fit(X[:300], y[:300])
    test = X[300:], y[300:]
    members = [roc_auc_score(test[1], z[:, 1] - z[:, 0]) for z in _member_logits(model, test[0])]
    assert roc_auc_score(test[1], model.decision_function(test[0])) > np.mean(members)


def test_ensembles_round_trip_and_continue(genes, tmp_path):
    X, y = genes
    model = DeepChromeClassifier(n_members=2, **SMALL).fit(X, y)
    expected = model.predict_proba(X)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(model)).predict_proba(X),
                                  expected)
    save_model(model, tmp_path / "ensemble.skdc")
    loaded = load_model(tmp_path / "ensemble.skdc")
    np.testing.assert_array_equal(loaded.predict_proba(X), expected)
    np.testing.assert_array_equal(loaded.best_epoch_, model.best_epoch_)
    # warm start continues the averaged module as a whole
    model.set_params(warm_start=True, max_epochs=2, early_stopping=False).fit(X, y)
    assert isinstance(model.module_, MemberAverage) and model.n_epochs_ == \
        int(model.best_epoch_)
    first = DeepChromeClassifier(n_members=2, **SMALL).partial_fit(X, y)
    assert isinstance(first.module_, MemberAverage) and first.n_epochs_ == 1


def test_the_regressor_averages_its_members_too(genes):
    X, _ = genes
    target = X[:, 3 * 40 + 18:3 * 40 + 22].sum(axis=1)  # promoter H3K4me3
    model = DeepChromeRegressor(n_members=2, **SMALL).fit(X, target)
    outputs = np.mean(_member_logits(model, X), axis=0)[:, 0]
    np.testing.assert_allclose(model.predict(X), outputs * model.y_scale_ + model.y_mean_,
                               rtol=1e-4, atol=1e-4)
    assert r2_score(target, model.predict(X)) > 0.5


def test_hidden_dropout_follows_every_hidden_layer():
    plain = DeepChromeNet(hidden_sizes=(32, 16))
    assert [type(m).__name__ for m in plain.classifier] == [
        "Linear", "ReLU", "Linear", "ReLU", "Linear"]
    dropped = DeepChromeNet(hidden_sizes=(32, 16), hidden_dropout=0.5)
    layers = list(dropped.classifier)
    assert [type(m).__name__ for m in layers] == [
        "Linear", "ReLU", "Dropout", "Linear", "ReLU", "Dropout", "Linear"]
    assert layers[2].p == 0.5


def test_the_recommended_pipeline():
    model = make_model("deepchrome", random_state=3, bin_size=500)
    binner, network = model.named_steps["binner"], model.named_steps["model"]
    assert binner.scale == "log1p" and binner.standardize and binner.bin_size == 500
    assert {key: network.get_params()[key] for key in RECOMMENDED_NETWORK} == \
        RECOMMENDED_NETWORK
    # The width reaches the binner; its output carries it to the network.
    assert network.n_members == 5 and network.bin_size is None and network.random_state == 3
    regression = make_model("deepchrome", task="regression").named_steps["model"]
    assert regression.n_members == 5
    # the paper's stays one network of its own, on unstandardised log counts
    paper = make_model("deepchrome_paper")
    assert paper.named_steps["model"].n_members == 1 and not paper[0].standardize


def test_bad_member_counts_are_refused(genes):
    X, y = genes
    for bad in (0, 1.5):
        with pytest.raises(ValueError, match="n_members"):
            DeepChromeClassifier(n_members=bad, **SMALL).fit(X, y)
    with pytest.raises(ValueError, match="hidden_dropout"):
        DeepChromeClassifier(hidden_dropout=1.0, **SMALL).fit(X, y)


def test_train_says_each_members_epochs(genes, tmp_path, capsys):
    X, y = genes
    data = tmp_path / "genes.npz"
    marks = ["H3K27me3", "H3K36me3", "H3K4me1", "H3K4me3", "H3K9me3"]
    save_npz_dataset(data, np.expm1(X[:120]), gene_ids=[f"G{i}" for i in range(120)],
                     marks=marks, target=y[:120])
    assert main(["train", "--data", str(data), "--out", str(tmp_path / "m.skdc"),
                 "--max-epochs", "2"]) == 0
    assert "5 members of 2/2/2/2/2 epochs" in capsys.readouterr().out
