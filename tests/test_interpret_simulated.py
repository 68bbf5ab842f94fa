"""Interpretation checked against known truth: the simulator's generative model.

In :func:`~skdeepchrome.datasets.make_histone_dataset`, active genes carry a sharp
H3K4me3 peak at the TSS and H3K36me3 rising through the gene body downstream; Polycomb
genes a broad H3K27me3 domain, heterochromatin H3K9me3. A CNN trained on it should be
explained accordingly. Its exact Bayes posterior also gives the true value of each mark.
"""

from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from threadpoolctl import threadpool_limits

from skdeepchrome import REMC_MARKS, DeepChromeClassifier, HistoneBinner
from skdeepchrome.datasets import bayes_posterior, make_histone_dataset
from skdeepchrome.estimators import torch_threads
from skdeepchrome.interpret import (
    attributions,
    bin_centres_kb,
    class_optimal_input,
    input_bounds,
    mark_attribution,
    mark_importance,
    mark_profiles,
    position_attribution,
)

M = {mark: i for i, mark in enumerate(REMC_MARKS)}
KB = bin_centres_kb(100)
TSS, UPSTREAM, DOWNSTREAM = np.abs(KB) <= 1.0, KB <= -2.0, KB >= 2.0
ACTIVATING, REPRESSIVE = ("H3K4me3", "H3K36me3", "H3K4me1"), ("H3K27me3", "H3K9me3")
TOY = Path(__file__).resolve().parents[2] / "shared" / "data" / "deepchrome_toy"


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    # Small fits: extra BLAS/torch threads only wait on each other on a shared CPU.
    with threadpool_limits(1), torch_threads(1):
        yield


def small_cnn(**params):
    params = dict(n_filters=32, kernel_size=3, pool_size=2, hidden_sizes=(64, 32),
                  max_epochs=25, lr=3e-3, random_state=0) | params
    return make_pipeline(HistoneBinner(n_bins=20, scale="log1p"), DeepChromeClassifier(**params))


@pytest.fixture(scope="module")
def sim():
    train = make_histone_dataset(2000, random_state=0)
    test = make_histone_dataset(800, random_state=1)
    model = small_cnn().fit(train.data, train.target)
    return model, train, test


@pytest.fixture(scope="module")
def attr(sim):
    model, _, test = sim
    return attributions(model, test.data, target=test.target, n_steps=24)


def test_the_model_learnt_something(sim):
    model, _, test = sim
    auc = roc_auc_score(test.target, model.predict_proba(test.data)[:, 1])
    ceiling = roc_auc_score(test.target, test.posterior)
    assert auc > ceiling - 0.05


def test_attributions_recover_the_active_promoter(sim, attr):
    _, _, test = sim
    high = position_attribution(attr[test.target == 1])
    # Around the TSS, H3K4me3 pushes hardest toward high expression ...
    assert high[:, TSS].mean(axis=1).argmax() == M["H3K4me3"]
    # ... and downstream, over the gene body, H3K36me3 does, more than it does upstream.
    assert high[:, DOWNSTREAM].mean(axis=1).argmax() == M["H3K36me3"]
    assert high[M["H3K36me3"], DOWNSTREAM].mean() > 2 * high[M["H3K36me3"], UPSTREAM].mean()
    totals = mark_attribution(attr[test.target == 1]).set_index("mark")["attribution"]
    assert (totals[list(ACTIVATING)] > 0).all() and (totals[list(REPRESSIVE)] < 0).all()


def test_attributions_recover_the_repressive_marks(sim, attr):
    _, _, test = sim
    low = mark_attribution(attr[test.target == 0]).set_index("mark")["attribution"]
    assert set(low.nlargest(2).index) == set(REPRESSIVE)
    assert (low[list(ACTIVATING)] < 0).all()


def test_integrated_gradients_are_complete_on_a_trained_model(sim):
    model, _, test = sim
    X = test.data[:100]
    gap = model.decision_function(X) - model.decision_function(np.zeros((1, X.shape[1])))
    total = attributions(model, X, n_steps=50).sum(axis=(1, 2))
    error = np.abs(total - gap)
    assert np.median(error) < 0.01 * np.abs(gap).mean()
    assert error.max() < 0.1 * np.abs(gap).mean()


def fraction_of_range(result):
    values, low, high = result.scaled()
    return (values - low) / (high - low)


def test_class_optimal_inputs_recover_the_chromatin_states(sim):
    model, train, _ = sim
    bounds = input_bounds(train.data)
    high = fraction_of_range(class_optimal_input(model, 1, bounds=bounds, random_state=0))
    low = fraction_of_range(class_optimal_input(model, 0, bounds=bounds, random_state=0))
    by_mark = {name: dict(zip(REMC_MARKS, f.mean(axis=1))) for name, f in
               [("high", high), ("low", low)]}
    # High expression: activating marks, no repressive ones; H3K36me3 over the gene body.
    assert max(by_mark["high"], key=by_mark["high"].get) in ACTIVATING
    assert min(by_mark["high"][m] for m in ("H3K4me3", "H3K36me3")) > max(
        by_mark["high"][m] for m in REPRESSIVE)
    assert high[M["H3K36me3"], DOWNSTREAM].mean() > high[M["H3K36me3"], UPSTREAM].mean()
    assert high[M["H3K4me3"], TSS].mean() > 2 * low[M["H3K4me3"], TSS].mean() + 0.05
    # Low expression: H3K27me3 and H3K9me3 cooperate, the paper's finding.
    assert set(sorted(by_mark["low"], key=by_mark["low"].get)[-2:]) == set(REPRESSIVE)


def test_mark_importance_matches_the_bayes_truth(sim):
    """The true value of a mark: the Bayes-optimal AUC lost without it.

    The simulator's truth is *not* "H3K4me3 first": H3K4me3's information is shared with
    H3K36me3 and H3K4me1 (all three mark active genes), while H3K27me3 (bivalent and weakly
    active promoters) and H3K9me3 (heterochromatin) carry information no other mark has.
    """
    model, _, test = sim
    truth_genes = make_histone_dataset(3000, random_state=50)
    X3 = truth_genes.data.reshape(len(truth_genes.data), 5, -1)
    full = roc_auc_score(truth_genes.target, truth_genes.posterior)
    truth = {}
    for i, mark in enumerate(REMC_MARKS):
        others = [m for m in REMC_MARKS if m != mark]
        posterior = bayes_posterior(np.delete(X3, i, axis=1).reshape(len(X3), -1), marks=others)
        truth[mark] = full - roc_auc_score(truth_genes.target, posterior)
    truth_order = sorted(truth, key=truth.get, reverse=True)
    assert set(truth_order[:2]) == set(REPRESSIVE)
    assert "H3K4me1" in truth_order[-2:]

    table = mark_importance(model, test.data, test.target, n_repeats=3, random_state=0)
    assert set(table["mark"][:2]) == set(truth_order[:2])
    assert "H3K4me1" in table["mark"].tolist()[-2:]
    assert (table["importance"][:2] > 0.02).all()


def test_profiles_show_the_simulated_shapes(sim):
    _, _, test = sim
    table = mark_profiles(test.data, test.target).set_index(["class", "mark"])
    high_k4 = table.loc[(1, "H3K4me3"), "mean"].to_numpy()
    assert np.abs(KB[high_k4.argmax()]) < 1.0
    high_k36 = table.loc[(1, "H3K36me3"), "mean"].to_numpy()
    assert high_k36[DOWNSTREAM].mean() > 2 * high_k36[UPSTREAM].mean()
    assert (table.loc[(0, "H3K27me3"), "mean"].mean()
            > 2 * table.loc[(1, "H3K27me3"), "mean"].mean())


@pytest.mark.skipif(not TOY.is_dir(), reason="shared toy REMC data not available")
def test_end_to_end_on_the_toy_remc_rows():
    from skdeepchrome.datasets import load_remc

    remc = load_remc(TOY)
    train, test = remc.train, remc.test
    model = small_cnn(max_epochs=5, early_stopping=False).fit(train.data, train.target)
    optimal = class_optimal_input(model, 1, bounds=input_bounds(train.data), n_steps=50,
                                  random_state=0)
    assert optimal.values.shape == (5, 100) and np.isfinite(optimal.values).all()
    attr = attributions(model, test.data, target=test.target, n_steps=8)
    assert attr.shape == (len(test.data), 5, 100) and np.isfinite(attr).all()
    scoring = "roc_auc" if len(np.unique(test.target)) == 2 else "accuracy"
    table = mark_importance(model, test.data, test.target, scoring=scoring, n_repeats=2,
                            random_state=0)
    assert sorted(table["mark"]) == sorted(REMC_MARKS)
    assert len(mark_profiles(test.data, test.target)) == 100 * 5 * len(np.unique(test.target))
