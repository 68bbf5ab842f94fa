"""The harness hands the bin width its data carries to every model it builds.

Every entry point turns the data into plain arrays before fitting; without passing the width
on, a network fed 50 bins of 200 bp could only guess it (and size its filter wrongly). The
models it builds are told the width; a pipeline of the user's own reads the marks and the
width from the rows it is fitted on, as it would outside the harness.
"""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.utils import Bunch

from skdeepchrome.compare import (
    _cross_validation,
    _protocol,
    _transfer,
    compare_models,
    transfer_protocol,
)
from skdeepchrome.layout import HistoneMatrix, infer_bin_size, infer_marks

MARKS = ("H3K4me3", "H3K27me3")


class Built(Exception):
    """Raised by the stand-in for resolve_models once it has seen its arguments."""


def _stop_at_models(monkeypatch, module):
    seen = {}

    def resolve_models(models, **kwargs):
        seen.update(kwargs)
        raise Built

    monkeypatch.setattr(module, "resolve_models", resolve_models)
    return seen


def _matrix(n_genes, seed):
    rng = np.random.default_rng(seed)
    return HistoneMatrix(rng.poisson(1.0, (n_genes, len(MARKS) * 50)).astype(float), MARKS,
                         n_bins=50, bin_size=200)


def test_compare_models_passes_the_width_its_matrix_carries(monkeypatch):
    seen = _stop_at_models(monkeypatch, _cross_validation)
    X, y = _matrix(40, 0), np.arange(40) % 2
    with pytest.raises(Built):
        compare_models(X, y, models=["deepchrome"], cv=2, verbose=0)
    assert seen["bin_size"] == 200.0
    with pytest.raises(Built):  # a plain array's width is the one given
        compare_models(np.asarray(X), y, models=["deepchrome"], cv=2, verbose=0, bin_size=100)
    assert seen["bin_size"] == 100


def test_compare_models_refuses_a_width_its_matrix_contradicts():
    # Named models would be sized for 100 bp while a pipeline of the user's read 200 bp
    # from its rows: one of them would be wrong, so neither runs.
    X, y = _matrix(40, 0), np.arange(40) % 2
    with pytest.raises(ValueError, match="bin_size=100 but X carries bins of 200 bp"):
        compare_models(X, y, models=["logistic"], cv=2, verbose=0, bin_size=100)


def test_the_paper_protocol_takes_the_width_from_the_splits_when_the_bunch_does_not_say(
        monkeypatch):
    seen = _stop_at_models(monkeypatch, _protocol)
    data = Bunch(marks=MARKS, **{split: Bunch(data=_matrix(30, i), target=np.arange(30) % 2)
                                 for i, split in enumerate(("train", "valid", "test"))})
    with pytest.raises(Built):
        _protocol.evaluate_epigenome(data, models=["deepchrome"], random_state=0)
    assert seen["bin_size"] == 200.0


class SeesTheLayout(LogisticRegression):
    """A user's model that refuses rows without the data's marks and 200 bp bins."""

    def _check(self, X):
        seen = (infer_marks(X), infer_bin_size(X))
        if seen != (MARKS, 200.0):
            raise AssertionError(f"the model read marks and bin width {seen}")
        return np.asarray(X)

    def fit(self, X, y, sample_weight=None):
        return super().fit(self._check(X), y, sample_weight)

    def decision_function(self, X):
        return super().decision_function(self._check(X))

    def predict_proba(self, X):
        return super().predict_proba(self._check(X))


def _epigenome(seed, bin_size=None):
    splits = {split: Bunch(data=_matrix(30, seed + i), target=np.arange(30) % 2)
              for i, split in enumerate(("train", "valid", "test"))}
    if bin_size is not None:  # the width said by the Bunch, the splits plain
        splits = {k: Bunch(data=np.asarray(v.data), target=v.target) for k, v in splits.items()}
        return Bunch(marks=MARKS, bin_size=bin_size, **splits)
    return Bunch(**splits)


def test_a_users_pipeline_reads_the_layout_in_cross_validation():
    X, y = _matrix(40, 0), np.arange(40) % 2
    result = compare_models(X, y, models={"mine": SeesTheLayout()}, cv=2, verbose=0,
                            reference="mine")
    assert set(result.table["model"]) == {"mine"}


@pytest.mark.parametrize("said_by_the_bunch", [False, True])
def test_a_users_pipeline_reads_the_layout_in_the_paper_protocol(said_by_the_bunch):
    data = _epigenome(0, bin_size=200 if said_by_the_bunch else None)
    rows, _ = _protocol.evaluate_epigenome(data, models={"mine": SeesTheLayout()},
                                           random_state=0)
    assert {row["model"] for row in rows} == {"mine"}


def test_a_users_pipeline_reads_the_layout_in_transfer():
    epigenomes = {"A": _epigenome(0), "B": _epigenome(10)}
    result = transfer_protocol(epigenomes, "A", "B", {"mine": SeesTheLayout()},
                               random_state=0, verbose=0, reference="mine")
    assert "mine" in set(result.table["model"])


def test_transfer_passes_the_width_on_and_refuses_two_widths(monkeypatch):
    seen = _stop_at_models(monkeypatch, _transfer)
    with pytest.raises(Built):
        transfer_protocol({"A": _epigenome(0), "B": _epigenome(10)}, "A", "B",
                          ["deepchrome"], random_state=0, verbose=0)
    assert seen["bin_size"] == 200.0
    with pytest.raises(ValueError, match="bins of different widths.*A: 200 bp, B: 500 bp"):
        transfer_protocol({"A": _epigenome(0), "B": _epigenome(10, bin_size=500)}, "A", "B",
                          ["deepchrome"], random_state=0, verbose=0)
