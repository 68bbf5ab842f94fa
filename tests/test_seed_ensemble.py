"""Seed ensembles (``n_members``): networks trained apart, averaged in one module."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.metrics import r2_score, roc_auc_score
from skorch.callbacks import EpochScoring

from skdeepchrome import DeepChromeClassifier, HistoneBinner, load_model, save_model
from skdeepchrome.baselines import RECOMMENDED_NETWORK, make_model
from skdeepchrome.cli import main
from skdeepchrome.datasets import make_histone_dataset, save_npz_dataset
from skdeepchrome.estimators import DeepChromeRegressor
from skdeepchrome.models import DeepChromeEnsembleNet, DeepChromeNet, MemberAverage, _deepchrome

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
    assert isinstance(model.module_, DeepChromeEnsembleNet) and len(model.module_.members) == 3
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
    assert isinstance(model.module_, DeepChromeEnsembleNet) and model.n_epochs_ == \
        int(model.best_epoch_)
    first = DeepChromeClassifier(n_members=2, **SMALL).partial_fit(X, y)
    assert isinstance(first.module_, DeepChromeEnsembleNet) and first.n_epochs_ == 1


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
    # Patience 3: the same models as 5 and 10 on the family's tuning half and the real
    # sample for fewer epochs (bench_ensemble.py, part 4).
    assert network.n_iter_no_change == 3
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


def _sequential(estimator):
    """``estimator`` training its members one after the other (as before batching)."""
    estimator._trains_members_together = lambda: False
    return estimator


def test_members_trained_together_are_the_members_trained_apart(genes):
    X, y = genes
    # Patience 2 over 15 epochs: members stop at different epochs, so some are frozen
    # (restored to their best epoch) while the others go on.
    params = dict(SMALL, max_epochs=15, n_iter_no_change=2, hidden_dropout=0.3,
                  optimizer="adamw", weight_decay=0.05)
    together = DeepChromeClassifier(n_members=3, **params).fit(X, y)
    apart = _sequential(DeepChromeClassifier(n_members=3, **params)).fit(X, y)
    np.testing.assert_array_equal(together.n_epochs_, apart.n_epochs_)
    np.testing.assert_array_equal(together.best_epoch_, apart.best_epoch_)
    assert len(set(together.n_epochs_.tolist())) > 1 and together.n_epochs_.min() < 15
    for key, value in apart.module_.state_dict().items():
        torch.testing.assert_close(together.module_.state_dict()[key], value,
                                   rtol=1e-4, atol=1e-5)
    history = together.history_
    assert len(history) == together.n_epochs_.max()
    assert history[:, "members_training"][-1] == (together.n_epochs_ == len(history)).sum()
    assert len(history[0, "member_valid_roc_auc"]) == 3
    assert together.early_stopping_metric_ == apart.early_stopping_metric_ == "roc_auc"


def test_the_regressor_trains_its_members_together_as_apart(genes):
    X, _ = genes
    target = X[:, 3 * 40 + 18:3 * 40 + 22].sum(axis=1)
    params = dict(SMALL, max_epochs=4, early_stopping=False)
    together = DeepChromeRegressor(n_members=2, **params).fit(X, target)
    apart = _sequential(DeepChromeRegressor(n_members=2, **params)).fit(X, target)
    np.testing.assert_allclose(together.predict(X), apart.predict(X), rtol=1e-4, atol=1e-4)
    np.testing.assert_array_equal(together.n_epochs_, [4, 4])
    assert together.early_stopping_metric_ is None


def test_user_callbacks_train_the_members_apart(genes):
    X, y = genes
    model = DeepChromeClassifier(n_members=2, callbacks=[EpochScoring("accuracy")],
                                 **SMALL)
    assert not model._trains_members_together()
    model.fit(X, y)
    assert "accuracy" in model.history_[-1]
    assert DeepChromeClassifier(n_members=2, **SMALL)._trains_members_together()


def test_files_of_separate_members_still_load(genes, tmp_path):
    X, y = genes
    model = DeepChromeClassifier(n_members=2, **dict(SMALL, max_epochs=2)).fit(X, y)
    expected = model.predict_proba(X)
    # As the models of earlier versions held their members: a MemberAverage module.
    params = model.module_.member_params
    old = MemberAverage(DeepChromeNet, n_members=2, **params)
    for i, member in enumerate(old.members):
        member.load_state_dict(model.module_.member(i).state_dict())
    model.net_.module_ = old.eval()
    save_model(model, tmp_path / "old.skdc")
    loaded = load_model(tmp_path / "old.skdc")
    assert isinstance(loaded.module_, DeepChromeEnsembleNet)
    np.testing.assert_allclose(loaded.predict_proba(X), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("n_bins, hidden_dropout", [(100, 0.5), (8, 0.0)])
def test_the_batched_module_computes_each_members_network(n_bins, hidden_dropout):
    torch.manual_seed(0)
    params = dict(n_marks=3, n_bins=n_bins, n_outputs=2, n_filters=6, kernel_size=5,
                  pool_size=3, hidden_sizes=(12, 7), hidden_dropout=hidden_dropout)
    ensemble = DeepChromeEnsembleNet(n_members=3, **params).double().eval()
    shared = torch.randn(11, 3, n_bins, dtype=torch.float64)
    own = torch.randn(3, 11, 3, n_bins, dtype=torch.float64)
    together = ensemble.member_outputs(shared)
    with torch.no_grad():
        trained_path = ensemble.member_outputs(own.requires_grad_())
    for i, member in enumerate(ensemble.members):
        assert isinstance(member, DeepChromeNet) and not member.training
        torch.testing.assert_close(together[i], member(shared))
        torch.testing.assert_close(ensemble.member_outputs(own)[i], member(own[i]))
        torch.testing.assert_close(trained_path[i], member(own[i]))
    torch.testing.assert_close(ensemble(shared), together.mean(dim=0))
    # Gradients (attributions) go through the same pass: the mean of the members'.
    x = shared.clone().requires_grad_()
    ensemble(x)[:, 1].sum().backward()
    grads = []
    for member in ensemble.members:
        xi = shared.clone().requires_grad_()
        member(xi)[:, 1].sum().backward()
        grads.append(xi.grad)
    torch.testing.assert_close(x.grad, torch.stack(grads).mean(dim=0))


def test_each_members_dropout_is_its_own():
    ensemble = DeepChromeEnsembleNet(n_members=3, n_bins=40).train()
    X = torch.randn(3, 8, 5, 40)

    def outputs(seeds):
        ensemble.generators = [torch.Generator().manual_seed(s) for s in seeds]
        try:
            return ensemble.member_outputs(X)
        finally:
            ensemble.generators = None

    first = outputs([1, 2, 3])
    again = outputs([1, 7, 8])
    torch.testing.assert_close(first[0], again[0])  # member 0's masks: its stream alone
    assert not torch.allclose(first[1], again[1])
    # Without generators the masks still differ between members reading one input.
    same = torch.stack([X[0]] * 3)
    ensemble.load_members([ensemble.member(0)] * 3)
    out = ensemble.member_outputs(same)
    assert not torch.allclose(out[0], out[1])


def test_old_member_weights_are_stacked():
    torch.manual_seed(0)
    old = MemberAverage(DeepChromeNet, n_members=2, n_bins=30, hidden_dropout=0.5).eval()
    ensemble = DeepChromeEnsembleNet(n_members=2, n_bins=30, hidden_dropout=0.5).eval()
    ensemble.load_state_dict(DeepChromeEnsembleNet.state_from_members(old.state_dict()))
    X = torch.randn(4, 5, 30)
    torch.testing.assert_close(ensemble(X), old(X))
    with pytest.raises(ValueError, match="numbered"):
        DeepChromeEnsembleNet.state_from_members(
            {k.replace("members.1.", "members.2."): v for k, v in old.state_dict().items()})


def test_many_members_round_trip(genes, tmp_path):
    X, y = genes
    # More members than the stacked module has weight arrays (eight).
    model = DeepChromeClassifier(n_members=9, **dict(SMALL, max_epochs=1)).fit(X[:100],
                                                                               y[:100])
    save_model(model, tmp_path / "nine.skdc")
    loaded = load_model(tmp_path / "nine.skdc")
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert loaded.module_.n_members == 9


def test_a_network_scores_many_genes_in_chunks_as_in_one_pass():
    torch.manual_seed(0)
    net = DeepChromeNet(n_marks=5, n_bins=100).eval()
    X = torch.randn(_deepchrome.INFERENCE_CHUNK * 2 + 7, 5, 100)
    with torch.no_grad():
        chunked = net(X)
    whole = net.classifier(net.features(X)).detach()
    torch.testing.assert_close(chunked, whole, rtol=1e-5, atol=1e-5)
    # With gradients the pass stays whole, so backpropagation sees one graph.
    X.requires_grad_(True)
    net(X).sum().backward()
    assert X.grad.shape == X.shape
