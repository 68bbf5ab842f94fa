"""The harness hands the bin width its data carries to every model it builds.

Both entry points turn the data into plain arrays before fitting; without passing the width
on, a network fed 50 bins of 200 bp could only guess it (and size its filter wrongly).
"""

import numpy as np
import pytest
from sklearn.utils import Bunch

from skdeepchrome.compare import _cross_validation, _protocol, compare_models
from skdeepchrome.layout import HistoneMatrix

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
    with pytest.raises(Built):  # an explicit width still wins
        compare_models(X, y, models=["deepchrome"], cv=2, verbose=0, bin_size=100)
    assert seen["bin_size"] == 100


def test_the_paper_protocol_takes_the_width_from_the_splits_when_the_bunch_does_not_say(
        monkeypatch):
    seen = _stop_at_models(monkeypatch, _protocol)
    data = Bunch(marks=MARKS, **{split: Bunch(data=_matrix(30, i), target=np.arange(30) % 2)
                                 for i, split in enumerate(("train", "valid", "test"))})
    with pytest.raises(Built):
        _protocol.evaluate_epigenome(data, models=["deepchrome"], random_state=0)
    assert seen["bin_size"] == 200.0
