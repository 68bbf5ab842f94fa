"""DeepChrome's neural successors: Chromoformer, TransferChrome and HM-CRNN (issue 24).

Each is a torch module in ``models`` and a thin estimator over the shared base; these
tests hold them to the same guarantees as DeepChrome's: scikit-learn's common checks,
learning a learnable signal, seeds, model files, the command line and gradients.
"""

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from skdeepchrome import REMC_MARKS, HistoneBinner, load_model, save_model
from skdeepchrome.baselines import (
    MODEL_NAMES,
    SUCCESSOR_MODEL_NAMES,
    canonical_model_name,
    default_param_grids,
    make_model,
    model_names,
)
from skdeepchrome.cli import main
from skdeepchrome.datasets import save_npz_dataset
from skdeepchrome.estimators import (
    ChromoformerClassifier,
    HMCRNNClassifier,
    TransferChromeClassifier,
    expected_failed_checks,
)
from skdeepchrome.estimators._chromoformer import pool_factors
from skdeepchrome.interpret import attributions
from skdeepchrome.layout import HistoneMatrix
from skdeepchrome.models import ChromoformerNet, HMCRNNNet, TransferChromeNet

from .conftest import make_signal

ESTIMATORS = {"chromoformer": ChromoformerClassifier,
              "transferchrome": TransferChromeClassifier, "hmcrnn": HMCRNNClassifier}
FAST = dict(max_epochs=30, lr=3e-3, batch_size=32, random_state=0)


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    # A second intra-op thread only adds hand-offs to networks this small.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OMP_NUM_THREADS", "1")
        yield


# A generic configuration: one "mark" whose bins are the features, of a stated width.
@parametrize_with_checks(
    [ChromoformerClassifier(marks=1, bin_size=100, max_epochs=10, lr=1e-2, random_state=0),
     TransferChromeClassifier(marks=1, max_epochs=10, lr=1e-2, random_state=0),
     HMCRNNClassifier(marks=1, bin_size=100, max_epochs=10, lr=1e-2, random_state=0)],
    expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def data():
    """A learnable signal of weaker effect than the default, in 500-bp bins."""
    X, y = make_signal(240, n_bins=20, seed=0, effect=0.5)
    return HistoneMatrix(X, REMC_MARKS, 20, bin_size=500), y


@pytest.fixture(scope="module")
def fitted(data):
    X, y = data
    return {name: Pipeline([("binner", HistoneBinner(scale="log1p", standardize=True)),
                            ("model", cls(**FAST))]).fit(X[:180], y[:180])
            for name, cls in ESTIMATORS.items()}


@pytest.mark.parametrize("module", [ChromoformerNet, TransferChromeNet, HMCRNNNet])
@pytest.mark.parametrize("n_marks, n_bins", [(1, 1), (2, 3), (7, 40), (5, 100)])
def test_modules_take_any_marks_and_bins_and_have_input_gradients(module, n_marks, n_bins):
    torch.manual_seed(0)
    extra = {"pool_factors": (1, n_bins)} if module is ChromoformerNet else {}
    net = module(n_marks=n_marks, n_bins=n_bins, n_outputs=3, **extra)
    X = torch.randn(4, n_marks, n_bins, requires_grad=True)
    out = net(X)
    assert out.shape == (4, 3)
    out.sum().backward()
    assert X.grad is not None and X.grad.abs().sum() > 0
    with pytest.raises(ValueError, match=f"expects \\(batch, {n_marks}, n_bins\\)"):
        net(torch.zeros(2, n_marks + 1, n_bins))


def test_chromoformer_reserves_contacts_and_pools_at_the_papers_resolutions():
    net = ChromoformerNet(n_marks=5, n_bins=100, n_outputs=2)
    X = torch.rand(2, 5, 100)
    with pytest.raises(NotImplementedError, match="contacting regions"):
        net(X, contacts=torch.zeros(2, 3, 5, 100))
    assert [branch.n_tokens for branch in net.resolutions] == [100, 20, 5]
    # The coarsest branch sees 2-kb means: its tokens are the bins averaged 20 at a time.
    torch.testing.assert_close(
        torch.nn.functional.adaptive_avg_pool1d(X, 5), X.reshape(2, 5, 5, 20).mean(dim=3))
    assert pool_factors(100, 100) == (1, 5, 20)  # the release's 100-bp bins
    assert pool_factors(400, 10) == (10, 50, 200)  # 10-bp bins: 100 bp is 10 of them
    assert pool_factors(10, 1000) == (1, 2)  # 500 bp and 100 bp are both one bin
    assert pool_factors(1, 10_000) == (1,)
    with pytest.raises(ValueError, match="pool_factors"):
        ChromoformerNet(n_marks=5, n_bins=10, pool_factors=(1, 11))


def test_sizes_follow_the_inputs_bin_width():
    X, y = make_signal(60, n_bins=100)
    for width, factors, sizes in [(100, (1, 5, 20), (10, 5)), (1000, (1, 2), (1, 1))]:
        n_bins = int(10_000 // width)
        Xw = HistoneBinner(n_bins=n_bins, bin_size=100).fit_transform(X)
        assert Xw.bin_size == width
        clf = ChromoformerClassifier(max_epochs=1, random_state=0).fit(Xw, y)
        assert clf.bin_width_ == width and clf.pool_factors_ == factors
        assert [b.n_tokens for b in clf.module_.resolutions] == [n_bins // f for f in factors]
        crnn = HMCRNNClassifier(max_epochs=1, random_state=0).fit(Xw, y)
        assert (crnn.kernel_size_, crnn.pool_size_) == sizes
        assert crnn.module_.n_steps == n_bins // sizes[1]
    with pytest.raises(ValueError, match=r"bin_size=200\) but X carries bins of 1000 bp"):
        ChromoformerClassifier(bin_size=200, max_epochs=1).fit(Xw, y)
    with pytest.raises(ValueError, match="resolutions must be one or more positive"):
        ChromoformerClassifier(resolutions=(100, -5), max_epochs=1).fit(Xw, y)
    with pytest.raises(ValueError, match="d_model=30 is not a multiple of n_heads=4"):
        TransferChromeClassifier(d_model=30, max_epochs=1).fit(Xw, y)


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_learns_a_learnable_signal(data, fitted, name):
    X, y = data
    model = fitted[name]
    auc = roc_auc_score(y[180:], model.predict_proba(X[180:])[:, 1])
    assert auc > 0.9, f"{name}: held-out AUC {auc:.3f}"
    assert model.score(X[180:], y[180:]) > 0.8
    assert model[-1].marks_ == REMC_MARKS and model[-1].n_bins_ == 20
    assert "valid_loss" in model[-1].history_[-1]  # early stopping on an internal split


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_same_seed_same_model_other_seed_other_model(data, fitted, name):
    X, y = data
    again = clone(fitted[name]).fit(X[:180], y[:180])
    np.testing.assert_array_equal(again.predict_proba(X), fitted[name].predict_proba(X))
    other = clone(fitted[name]).set_params(model__random_state=1).fit(X[:180], y[:180])
    assert not np.allclose(other.predict_proba(X), fitted[name].predict_proba(X))


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_model_file_round_trip(data, fitted, name, tmp_path):
    X, _ = data
    path = tmp_path / f"{name}.skdc"
    save_model(fitted[name], path)
    loaded = load_model(path)
    assert type(loaded[-1]) is ESTIMATORS[name]
    np.testing.assert_array_equal(loaded.predict_proba(X), fitted[name].predict_proba(X))
    assert loaded[-1].get_params() == fitted[name][-1].get_params()


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_warm_start_continues_and_gradients_explain(data, fitted, name):
    X, y = data
    model = clone(fitted[name]).set_params(model__max_epochs=2, model__warm_start=True)
    model.fit(X[:180], y[:180])
    first = [p.detach().clone() for p in model[-1].module_.parameters()]
    model.fit(X[:180], y[:180])
    assert model[-1].n_epochs_ == 4
    assert any(not torch.equal(a, b) for a, b in zip(first, model[-1].module_.parameters()))
    # Integrated gradients through binner and network add up to the score's change.
    Xs = np.asarray(X[180:190])
    base = np.zeros((1, Xs.shape[1]))
    gap = fitted[name].decision_function(Xs) - fitted[name].decision_function(base)
    ig = attributions(fitted[name], Xs, n_steps=256)
    assert ig.shape == (10, 5, 20)
    np.testing.assert_allclose(ig.sum(axis=(1, 2)), gap, atol=0.05 * np.abs(gap).max() + 1e-3)


def test_names_pipelines_and_grids():
    assert set(SUCCESSOR_MODEL_NAMES) == set(ESTIMATORS)
    assert set(SUCCESSOR_MODEL_NAMES) <= set(model_names(optional=True))
    assert not set(SUCCESSOR_MODEL_NAMES) & set(MODEL_NAMES)  # only when named
    assert canonical_model_name("Chromo-Former") == "chromoformer"
    assert canonical_model_name("HM-CRNN") == "hmcrnn"
    assert canonical_model_name("transfer chrome") == "transferchrome"
    for name, cls in ESTIMATORS.items():
        model = make_model(name, random_state=3, bin_size=100)
        assert [step for step, _ in model.steps] == ["binner", "model"]
        assert type(model[-1]) is cls and model[-1].random_state == 3
        assert model[0].standardize and model[0].scale == "log1p" and model[0].bin_size == 100
        grid = default_param_grids(models=[name])[name]
        assert set(grid) <= set(model.get_params())
        with pytest.raises(ValueError, match="classifier only"):
            make_model(name, task="regression")


@pytest.fixture(scope="module")
def npz(tmp_path_factory):
    X, y = make_signal(n_genes=60, n_bins=20)
    path = tmp_path_factory.mktemp("data") / "genes.npz"
    save_npz_dataset(path, X, gene_ids=[f"G{i}" for i in range(60)], marks=REMC_MARKS,
                     target=y)
    return path


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_compare_train_and_predict_on_the_command_line(npz, tmp_path, name):
    out = tmp_path / "report"
    assert main(["compare", "--data", str(npz), "--models", f"{name},lr", "--cv", "2",
                 "--n-jobs", "1", "--no-plots", "--quiet", "--out", str(out)]) == 0
    results = pd.read_csv(out / "results.csv")
    scores = results.query("model == @name and metric == 'roc_auc'")["value"]
    assert len(scores) == 2 and (scores > 0.9).all()
    model, predictions = tmp_path / "model.skdc", tmp_path / "p.csv"
    assert main(["train", "--data", str(npz), "--model", name, "--out", str(model),
                 "--max-epochs", "3", "--quiet"]) == 0
    assert type(load_model(model)[-1]) is ESTIMATORS[name]
    assert main(["predict", "--model", str(model), "--data", str(npz), "--out",
                 str(predictions), "--quiet"]) == 0
    table = pd.read_csv(predictions)
    assert list(table.columns) == ["gene_id", "probability_high"] and len(table) == 60
    assert table["probability_high"].between(0, 1).all()
