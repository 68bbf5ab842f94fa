"""The bin width travels with the data, as the marks do: loaders -> binner -> network."""

import pickle
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.pipeline import make_pipeline

from skdeepchrome import DeepChromeClassifier, HistoneBinner, load_model, save_model
from skdeepchrome.baselines import make_model
from skdeepchrome.datasets import load_roadmap_sample, make_histone_dataset
from skdeepchrome.layout import HistoneMatrix, infer_bin_size

FAST = dict(max_epochs=1, n_filters=4, hidden_sizes=(8,), random_state=0)


@pytest.fixture(scope="module")
def e003():
    # 600 real genes, 200 bins of 100 bp (TSS +/- 10 kb): not the paper's 100 bins.
    return load_roadmap_sample("E003", window=(-10000, 10000))


def _fit_quietly(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no guess, so nothing to warn about
        return model.fit(X, y)


def test_the_real_sample_carries_its_width_to_the_network(e003):
    assert infer_bin_size(e003.data) == 100 and e003.data.n_bins == 200
    model = _fit_quietly(make_pipeline(HistoneBinner(scale="log1p"),
                                       DeepChromeClassifier(**FAST)), e003.data, e003.target)
    network = model[-1]
    # The paper's 1-kb filter and 500-bp pool, not 2 kb and 1 kb as a guess of 50-bp bins.
    assert (network.bin_width_, network.kernel_size_, network.pool_size_) == (100, 10, 5)
    alone = _fit_quietly(DeepChromeClassifier(**FAST), e003.data, e003.target)
    assert alone.kernel_size_ == 10


def test_partial_fit_learns_the_width_as_fit_does(e003):
    network = DeepChromeClassifier(**FAST)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        network.partial_fit(e003.data, e003.target, classes=np.unique(e003.target))
    assert (network.bin_width_, network.kernel_size_, network.pool_size_) == (100, 10, 5)
    first = network.net_.module_
    network.partial_fit(e003.data, e003.target)  # continues the same network
    assert network.net_.module_ is first and network.kernel_size_ == 10


def test_the_binner_knows_the_width_after_re_binning(e003):
    binner = HistoneBinner(n_bins=40, scale="log1p").fit(e003.data)
    Z = binner.transform(e003.data)
    assert binner.bin_size_in_ == 100 and binner.bin_size_out_ == 500
    assert infer_bin_size(Z) == 500 and infer_bin_size(Z[:10]) == 500
    network = _fit_quietly(DeepChromeClassifier(**FAST), Z, e003.target)
    assert (network.kernel_size_, network.pool_size_) == (2, 1)  # 1 kb and 500 bp


def test_the_binners_pandas_output_carries_the_width_to_the_network(e003):
    binner = HistoneBinner(n_bins=40, scale="log1p").set_output(transform="pandas")
    frame = binner.fit(e003.data).transform(e003.data)
    assert frame.attrs["bin_size"] == 500 and list(frame.columns)[:1] == ["H3K27me3_bin000"]
    assert infer_bin_size(frame) == 500 and infer_bin_size(frame.iloc[:10]) == 500
    model = _fit_quietly(make_pipeline(HistoneBinner(n_bins=40, scale="log1p"),
                                       DeepChromeClassifier(**FAST)).set_output(
        transform="pandas"), e003.data, e003.target)
    assert (model[-1].bin_width_, model[-1].kernel_size_) == (500, 2)  # 1 kb, not a guess


def test_the_recommended_model_follows_a_grid_of_resolutions(e003):
    model = make_model("deepchrome", random_state=0).set_params(
        binner__n_bins=20, model__max_epochs=1, model__n_members=1)
    _fit_quietly(model, e003.data, e003.target)
    assert model[-1].bin_width_ == 1000 and model[-1].kernel_size_ == 1


def test_a_plain_array_says_what_was_assumed_once(e003):
    X = np.asarray(e003.data)  # the width is lost with the HistoneMatrix
    assert infer_bin_size(X) is None
    with pytest.warns(UserWarning, match=r"bin_size=") as caught:
        network = DeepChromeClassifier(marks=e003.marks, **FAST).fit(X, e003.target)
    assert network.bin_width_ == 50  # the paper's +/- 5 kb over 200 bins, as said
    assert sum("bin width" in str(w.message) for w in caught) == 1
    told = _fit_quietly(DeepChromeClassifier(marks=e003.marks, bin_size=100, **FAST), X,
                        e003.target)
    assert told.kernel_size_ == 10


def test_the_release_layout_needs_no_word():
    X, y = make_histone_dataset(80, random_state=0, return_X_y=True)
    _fit_quietly(DeepChromeClassifier(**FAST), np.asarray(X), y)  # 100 bins: 100 bp


def test_a_width_that_contradicts_the_data_is_refused(e003):
    with pytest.raises(ValueError, match="carries bins of 100 bp"):
        HistoneBinner(bin_size=50).fit(e003.data)
    with pytest.raises(ValueError, match="carries bins of 100 bp"):
        DeepChromeClassifier(bin_size=50, **FAST).fit(e003.data, e003.target)


def test_the_simulator_carries_its_width():
    data = make_histone_dataset(20, n_bins=50, random_state=0)
    assert isinstance(data.data, HistoneMatrix) and data.data.bin_size == 200


def test_a_window_is_cut_in_the_inputs_own_coordinates(e003):
    binner = HistoneBinner(window=(-5000, 5000), flank=10000).fit(e003.data)
    assert binner.n_bins_out_ == 100 and binner.bin_size_out_ == 100


def test_model_files_keep_the_width(e003):
    model = _fit_quietly(make_pipeline(HistoneBinner(n_bins=40, scale="log1p"),
                                       DeepChromeClassifier(**FAST)), e003.data, e003.target)
    with tempfile.TemporaryDirectory() as folder:
        loaded = load_model(save_model(model, Path(folder) / "m.skdc"))
    assert loaded[-1].bin_width_ == 500 and loaded[0].bin_size_out_ == 500
    X = np.asarray(e003.data[:20])
    np.testing.assert_allclose(loaded.predict_proba(X), model.predict_proba(X), rtol=1e-5)


def test_the_width_survives_pickling_and_old_pickles_load():
    X = HistoneMatrix(np.ones((2, 4)), ["A", "B"], 2, bin_size=250)
    assert pickle.loads(pickle.dumps(X)).bin_size == 250
    old = X.view(np.ndarray).__reduce__()
    restored = HistoneMatrix(np.zeros((2, 4)), ["A", "B"], 2)
    restored.__setstate__((old[2], ("A", "B"), 2))  # a pickle of the earlier layout
    assert restored.bin_size is None and restored.marks == ("A", "B")
